"""Unpacking: the documents an accepted message carries, Outlook winmail.dat (TNEF) containers opened."""

from __future__ import annotations

from dataclasses import dataclass

import tnefparse

from parsers.filetype import FileKind
from parsers.gate import GatePolicy, PartVerdict, judge, judge_part
from parsers.mime_scan import MimePart

MAX_TNEF_ATTACHMENTS = 50


@dataclass(frozen=True)
class Unpacked:
    """Documents to read, parts refused (with their reason) and decorations skipped."""

    documents: tuple[PartVerdict, ...]
    refused: tuple[PartVerdict, ...]
    skipped: tuple[PartVerdict, ...]


def _tnef_members(container: PartVerdict) -> list[MimePart]:
    try:
        attachments = tnefparse.TNEF(container.payload, do_checksum=False).attachments
    except (ValueError, IndexError, KeyError, UnicodeDecodeError, TypeError):
        return []
    members: list[MimePart] = []
    for index, attachment in enumerate(attachments[:MAX_TNEF_ATTACHMENTS], start=1):
        data = attachment.data if isinstance(attachment.data, bytes) else b""
        name = attachment.long_filename()
        members.append(
            MimePart(
                position=f"{container.position}/{index}",
                content_type="application/octet-stream",
                filename=name if isinstance(name, str) else None,
                disposition="attachment",
                content_id=None,
                payload=data,
            )
        )
    return members


def _open_tnef(container: PartVerdict, policy: GatePolicy) -> list[PartVerdict]:
    """The container's members judged like attachments; a TNEF inside a TNEF is not opened again."""
    verdicts = [judge_part(member, policy) for member in _tnef_members(container)]
    return [v for v in verdicts if v.kind != FileKind.TNEF or not v.accepted]


def unpack(raw: bytes, policy: GatePolicy) -> Unpacked:
    """The documents of a raw message, judged exactly as the gate judged them when it was accepted."""
    verdict = judge(raw, policy)
    parts: list[PartVerdict] = []
    for part in verdict.parts:
        parts.extend(_open_tnef(part, policy) if part.accepted and part.kind == FileKind.TNEF else [part])
    return Unpacked(
        documents=tuple(p for p in parts if p.accepted),
        refused=tuple(p for p in parts if p.code is not None),
        skipped=tuple(p for p in parts if p.skipped),
    )
