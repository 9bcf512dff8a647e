"""The `collecte extract` contract: keys, formats, one line per file, error lines and exit status."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[2]
COLLECTE = str(Path(sys.executable).with_name("collecte"))
KEYS = [
    "file", "supplier_name", "supplier_siret", "supplier_vat", "invoice_number", "issue_date", "due_date",
    "currency", "total_excl_tax", "total_tax", "total_incl_tax", "amount_due", "iban", "document_type",
    "method", "confidence", "warnings", "vat_breakdown",
]  # fmt: skip
AMOUNT = re.compile(r"^-?\d+\.\d{2}$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def extract(*paths: Path, as_json: bool = True) -> subprocess.CompletedProcess[str]:
    args = [COLLECTE, "extract", *(str(p) for p in paths)] + (["--json"] if as_json else [])
    return subprocess.run(args, capture_output=True, text=True, timeout=300, check=False, cwd=ROOT)


def test_every_fixture_invoice_matches_its_truth() -> None:
    pdfs = sorted((ROOT / "fixtures" / "invoices").glob("*.pdf"))
    xmls = sorted((ROOT / "fixtures" / "einvoices").glob("*.xml"))
    result = extract(*pdfs, *xmls)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == len(pdfs) + len(xmls)
    for line in lines:
        assert list(line) == KEYS
        case = Path(line["file"]).name.split(".")[0]
        truth = json.loads((ROOT / "fixtures" / "invoices" / f"{case}.expected.json").read_text())
        for key, value in truth.items():
            if key != "file":
                assert line[key] == value, (line["file"], key)
        assert line["method"] == ("xml" if line["file"].endswith(".xml") else "text")
        assert 0 <= line["confidence"] <= 1


def test_formats() -> None:
    [line] = [
        json.loads(x)
        for x in extract(ROOT / "fixtures" / "invoices" / "facture-multi-taux.pdf").stdout.splitlines()
    ]
    for key in ("total_excl_tax", "total_tax", "total_incl_tax", "amount_due"):
        assert AMOUNT.match(line[key])
    assert DATE.match(line["issue_date"])
    assert DATE.match(line["due_date"])
    assert line["currency"] == "EUR"
    assert all(AMOUNT.match(v) for row in line["vat_breakdown"] for v in row.values())


def test_unreadable_files_get_an_error_line_and_the_run_goes_on(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not an invoice\n")
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4\n" + b"\x00" * 300)
    good = ROOT / "fixtures" / "invoices" / "facture-simple.pdf"
    result = extract(tmp_path / "notes.txt", tmp_path / "broken.pdf", tmp_path / "missing.pdf", good)
    assert result.returncode == 1
    lines = [json.loads(x) for x in result.stdout.splitlines()]
    assert [Path(x["file"]).name for x in lines] == [
        "notes.txt",
        "broken.pdf",
        "missing.pdf",
        "facture-simple.pdf",
    ]
    assert lines[0]["error"].startswith("not an invoice format: ")
    assert lines[1]["error"]
    assert lines[2]["error"] == "No such file or directory"
    assert "error" not in lines[3]
    assert "Traceback" not in result.stderr


def test_table_without_json() -> None:
    result = extract(ROOT / "fixtures" / "invoices" / "avoir.pdf", as_json=False)
    assert result.returncode == 0
    assert "AV-2026" in result.stdout
    assert not result.stdout.lstrip().startswith("{")
