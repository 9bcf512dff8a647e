"""Admin API, accounting exports: journals, preview, period validation, FEC and CSV, the entries pull.

Periods are ranges of entry dates, both days included. Validating a period numbers its entries and locks
them and their purchases for good; it is refused (409, with the list) while purchases issued in the period
are still to review. Exports hold validated entries only; each is kept and can be downloaded again, byte for
byte. Accounting software pulls validated entries page by page with an opaque cursor.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Response

from admin.api_access import CurrentCaller, ReadSession, State, company_for, writing
from admin.api_export_models import (
    EntriesPageOut,
    ExportIn,
    ExportOut,
    JournalsOut,
    PeriodIn,
    PreviewOut,
    ValidationOut,
    export_out,
    journals_out,
    page_out,
    preview_out,
    validation_out,
)
from ingest.errors import ApiError
from ingest.http_auth import CompanyRef
from ingest.http_push import ErrorBody
from purchases.access import Permission
from purchases.entries_pull import MAX_LIMIT, BadCursorError, Cursor, pull_entries
from purchases.errors import InvalidInputError, NotFoundError
from purchases.export_history import (
    ExportRequest,
    NothingToExportError,
    export_content,
    exports_of,
    get_export,
    record_export,
)
from purchases.exports import FecRefusedError
from purchases.journals import Period, journals_in_progress, preview
from purchases.periods import PurchasesToReviewError, validate_period
from store.models import utcnow

_ERRORS: dict[int | str, dict[str, Any]] = {status: {"model": ErrorBody} for status in (401, 403, 404, 422)}
router = APIRouter(prefix="/api/v1", tags=["exports"], responses=_ERRORS)
Exports = Annotated[CompanyRef, Depends(company_for(Permission.EXPORTS))]
Validates = Annotated[CompanyRef, Depends(company_for(Permission.EXPORTS, Permission.EDIT))]
Pulls = Annotated[CompanyRef, Depends(company_for(Permission.PULL_ENTRIES))]
MAX_ID = 2**63 - 1
ExportId = Annotated[int, Path(ge=1, le=MAX_ID, description="The export's id (see the history).")]
From = Annotated[date, Query(alias="from", description="First day of the period (entry dates), included.")]
To = Annotated[date, Query(alias="to", description="Last day of the period (entry dates), included.")]
_REFUSED_VALIDATION: dict[int | str, dict[str, Any]] = {
    409: {"model": ErrorBody, "description": "Purchases of the period are still to review (`purchases`)."}
}
_REFUSED_EXPORT: dict[int | str, dict[str, Any]] = {
    409: {"model": ErrorBody, "description": "No validated entry in the period, or the FEC fails its checks."}
}


@contextmanager
def _answering() -> Iterator[None]:
    """Turns the business errors of exports into their HTTP answers."""
    try:
        yield
    except PurchasesToReviewError as exc:
        purchases = [
            {
                "id": p.id,
                "supplier_name": p.supplier_name,
                "invoice_number": p.invoice_number,
                "issue_date": p.issue_date.isoformat(),
                "reasons": list(p.reasons),
            }
            for p in exc.purchases
        ]
        raise ApiError(409, "purchases_to_review", exc.reason, details={"purchases": purchases}) from None
    except NothingToExportError as exc:
        details: dict[str, object] = {"not_validated": exc.not_validated}
        raise ApiError(409, "nothing_to_export", exc.reason, details=details) from None
    except FecRefusedError as exc:
        violations = [{"line": v.line, "rule": v.rule, "message": v.message} for v in exc.violations]
        raise ApiError(409, "fec_refused", exc.reason, details={"violations": violations}) from None
    except BadCursorError as exc:
        raise ApiError(422, "invalid_cursor", exc.reason) from None
    except InvalidInputError as exc:
        raise ApiError(422, "invalid_input", exc.reason, details={"field": exc.field}) from None
    except NotFoundError as exc:
        raise ApiError(404, "not_found", exc.reason) from None


def _period(start: date, end: date) -> Period:
    with _answering():
        return Period.of(start, end)


@router.get("/companies/{company}/journals")
def list_journals(company: Exports, start: From, end: To, session: ReadSession) -> JournalsOut:
    """Each journal with its entries of the period, validated and not yet validated (the company's purchase
    journal is listed even without any), and how many purchases of the period are still to review."""
    return journals_out(journals_in_progress(session, company.id, _period(start, end)))


@router.get("/companies/{company}/entries/preview")
def preview_entries(company: Exports, start: From, end: To, session: ReadSession) -> PreviewOut:
    """The entries dated in the period, validated or not, by journal with their lines, and the debit and
    credit totals of each journal and of the period."""
    return preview_out(preview(session, company.id, _period(start, end)))


@router.post("/companies/{company}/periods/validate", responses=_REFUSED_VALIDATION)
def validate(company: Validates, period: PeriodIn, state: State) -> ValidationOut:
    """Validates the period: every entry dated in it and not yet validated gets its number (journal code and
    a sequence without gaps, e.g. `HA000042`) and the validation time, and its purchase is locked for good (a
    later edit answers 409). Needs both the exports switch and the right to edit. Refused with 409 and the
    list of them while purchases issued in the period are still to review; with nothing left to validate,
    answers zero counts (validating again is harmless)."""
    checked = _period(period.start, period.end)
    with _answering(), writing(state) as session:
        return validation_out(validate_period(session, company.id, checked, utcnow()))


@router.post("/companies/{company}/exports", status_code=201, responses=_REFUSED_EXPORT)
def create_export(company: Exports, wanted: ExportIn, caller: CurrentCaller, state: State) -> ExportOut:
    """Exports the validated entries of the period as a FEC (named `<SIREN>FEC<to>.txt`, the end of the
    period being the closing date) or as a CSV, keeps the file with who asked and when, and answers the
    record; 409 when the period has no validated entry."""
    request = ExportRequest(_period(wanted.start, wanted.end), wanted.format, wanted.separator)
    with _answering(), writing(state) as session:
        record = record_export(session, company.id, request, caller.name, utcnow())
    return export_out(record, company.slug)


@router.get("/companies/{company}/exports")
def list_exports(company: Exports, session: ReadSession) -> list[ExportOut]:
    """The company's kept exports, newest first."""
    return [export_out(record, company.slug) for record in exports_of(session, company.id)]


@router.get("/companies/{company}/exports/{export}")
def show_export(company: Exports, export: ExportId, session: ReadSession) -> ExportOut:
    """One kept export."""
    with _answering():
        return export_out(get_export(session, company.id, export), company.slug)


@router.get(
    "/companies/{company}/exports/{export}/file",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}, "text/csv": {}}, "description": "The file, as kept."}},
)
def download_export(company: Exports, export: ExportId, session: ReadSession) -> Response:
    """The kept file, byte for byte as first exported (its SHA-256 is in the record)."""
    with _answering():
        record, content = export_content(session, company.id, export)
    disposition = f'attachment; filename="{record.filename}"'
    return Response(content, media_type=record.content_type, headers={"Content-Disposition": disposition})


@router.get("/companies/{company}/entries")
def pull(
    company: Pulls,
    session: ReadSession,
    validated_since: Annotated[
        datetime | None,
        Query(description="Only entries validated at or after this time (ISO 8601 with a time zone)."),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Entries per page.")] = 100,
    cursor: Annotated[
        str | None, Query(max_length=200, description="The `next_cursor` of the previous page, as given.")
    ] = None,
) -> EntriesPageOut:
    """Validated entries in validation order (time, then id), `limit` at a time, each with its lines, number,
    dates, piece reference, and links to its purchase and its documents' files. Keep `next_cursor` and pass
    it as `cursor`: the next pull (now or days later) starts right after the last entry given, so that no
    entry is missed or given twice, even when periods are validated between pulls."""
    with _answering():
        after = Cursor.decode(cursor) if cursor is not None else None
        page = pull_entries(session, company.id, validated_since=validated_since, after=after, limit=limit)
    return page_out(page, company.slug)
