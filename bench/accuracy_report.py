"""The report of bench/accuracy.py: a field x kind table, per-kind and overall figures, the targets."""

from __future__ import annotations

from scans import VARIANTS
from truth import Scores, Tally

LAYER = "text-layer*"
ORDER = ("xml", "facturx", "text", LAYER, *VARIANTS)
RECEIVED = ("xml", "facturx", "text")
TEXT_TARGET = 0.90
SCAN_RATIO_TARGET = 0.85
CELL = 14


def _cell(tally: Tally | None) -> str:
    if tally is None or not tally.counted:
        return f"{'-':>{CELL}}"
    return f"{f'{tally.right}/{tally.counted} {tally.accuracy:4.0%}':>{CELL}}"


def _row(label: str, values: list[str]) -> str:
    return f"{label:<20}" + "".join(f"{value:>{CELL}}" for value in values)


def table(scores: Scores) -> list[str]:
    """One row per field and one column per kind (right/counted and accuracy), then per-kind figures."""
    kinds = [kind for kind in ORDER if kind in scores.documents]
    totals = [scores.total([kind]) for kind in kinds]
    lines = [_row("field", [kind[:CELL] for kind in kinds])]
    for key in scores.counted_keys():
        lines.append(_row(key, [_cell(scores.tallies.get((kind, key))) for kind in kinds]))
    lines += [
        _row("all fields", [_cell(total) for total in totals]),
        _row("  accuracy", [f"{total.accuracy:.1%}" for total in totals]),
        _row("  excl. invalid ids", [f"{total.valid_accuracy:.1%}" for total in totals]),
        _row("  invalid-id misses", [str(total.invalid_misses) for total in totals]),
        _row("documents", [str(scores.documents[kind]) for kind in kinds]),
        _row("s / document", [f"{scores.seconds[kind] / scores.documents[kind]:.3f}" for kind in kinds]),
    ]
    return lines


def _figure(tally: Tally) -> str:
    return (
        f"{tally.right}/{tally.counted} = {tally.accuracy:.1%}"
        f" (excluding invalid identifiers {tally.valid_accuracy:.1%}, {tally.invalid_misses} such misses)"
    )


def _verdict(met: bool) -> str:
    return "met" if met else "NOT MET"


def overall(scores: Scores) -> list[str]:
    """Overall figures: documents as received, scans, everything (the text-layer* reference aside)."""
    received = [kind for kind in RECEIVED if kind in scores.documents]
    scans = [kind for kind in VARIANTS if kind in scores.documents]
    lines = [f"overall as received ({'+'.join(received)}): {_figure(scores.total(received))}"]
    if scans:
        lines.append(f"overall scans ({'+'.join(scans)}): {_figure(scores.total(scans))}")
        lines.append(f"overall, all of them: {_figure(scores.total(received + scans))}")
    return lines


def _ratio(scan: Tally, base: Tally, label: str) -> str:
    """scan's accuracy over base's, raw and without invalid identifiers, each with its verdict."""
    raw = scan.accuracy / base.accuracy if base.accuracy else 0.0
    valid = scan.valid_accuracy / base.valid_accuracy if base.valid_accuracy else 0.0
    return (
        f"{raw:.2f} x {label} {_verdict(raw >= SCAN_RATIO_TARGET)}"
        f" (excluding invalid ids {valid:.2f} {_verdict(valid >= SCAN_RATIO_TARGET)})"
    )


def _scan_ratios(scores: Scores, exact: bool) -> list[str]:
    """Each variant's accuracy against the text kind and (corpus) the text layer of the same PDFs."""
    lines = []
    text, layer = scores.total(["text"]), scores.total([LAYER])
    for variant in (kind for kind in VARIANTS if kind in scores.documents):
        scan = scores.total([variant])
        lines.append(f"    {variant}: {scan.accuracy:.1%} (excluding invalid ids {scan.valid_accuracy:.1%})")
        lines.append(f"      {_ratio(scan, text, 'text')}")
        if layer.counted and not exact:
            lines.append(f"      {_ratio(scan, layer, LAYER + ' of the same PDFs')}")
    return lines


def targets(scores: Scores, exact: bool) -> list[str]:
    """The issue's targets, each with its figure and whether it is met."""
    lines = ["targets:"]
    for kind in ("xml", "facturx"):
        if kind in scores.documents:
            tally = scores.total([kind])
            line = f"  e-invoices {kind}: {tally.accuracy:.1%} of the truth's fields (target 100%)"
            lines.append(f"{line}: {_verdict(tally.right == tally.counted)}")
    if "text" in scores.documents:
        text = scores.total(["text"])
        goal, label = (1.0, "100%") if exact else (TEXT_TARGET, ">= 90%")
        met = text.right == text.counted if exact else text.accuracy >= goal
        lines.append(f"  text PDFs: {text.accuracy:.1%} (target {label}): {_verdict(met)}")
    if any(kind in scores.documents for kind in VARIANTS):
        text, layer = scores.total(["text"]), scores.total([LAYER])
        line = f"  scans >= {SCAN_RATIO_TARGET} x text-PDF accuracy (text {text.accuracy:.1%}"
        line += f", {LAYER} {layer.accuracy:.1%}" if layer.counted and not exact else ""
        lines.append(f"{line}):")
        lines += _scan_ratios(scores, exact)
    return lines


def print_report(title: str, scores: Scores, details: bool) -> None:
    """Prints the table, the overall figures, the targets and (details) every wrong field."""
    exact = title.startswith("fixtures")
    print(f"\n## {title}", *table(scores), "", *overall(scores), *targets(scores, exact), sep="\n")
    if details and scores.misses:
        print("wrong fields:", *(f"  {line}" for line in sorted(scores.misses)), sep="\n")
