"""What smtp-source sends: envelope, supplier message files, and collecte's companies for its recipients."""

from __future__ import annotations

import argparse
import re
import sys
import zlib
from pathlib import Path

from stdnum import luhn
from stdnum.fr import siret as siret_number

from admin.runtime import Storage
from purchases.companies import add_company
from store.settings import StoreSettings

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # fixtures/ is a project folder, not a package
from fixtures.attachments import padded_pdf
from fixtures.mails import pdf_mail

KIB = 1024
MIB = KIB * KIB
COLLECTE_DOMAIN = "achats.factures-meg.fr"
POSTFIX_DOMAIN = "example.test"
LOCAL_PART = "inv"
"""smtp-source -N turns recipient inv@domain into 1inv@domain, 2inv@domain, ... one number per message."""
SENDER = "facturation@fournisseur-bench.fr"
HELO_NAME = "mx.fournisseur-bench.fr"


def supplier_mail(wire_size: int, tag: str) -> bytes:
    """A supplier email (French text + one invoice PDF) of about wire_size bytes with CRLF line ends.

    The PDF is padded with random bytes seeded by tag, so that each tag gives different bytes (a new sha256).
    """
    seed = zlib.crc32(tag.encode())
    pdf_size = wire_size * 3 // 4
    raw = b""
    for _ in range(4):  # base64 turns 57 bytes into a 78-byte line: converges in two or three steps
        raw = pdf_mail(
            padded_pdf(max(pdf_size, 64), seed),
            recipient=f"{LOCAL_PART}@{COLLECTE_DOMAIN}",
            filename=f"facture-FV-2026-{seed % 10000:04d}.pdf",
            subject=f"Facture FV-2026-{seed % 10000:04d}",
            message_id=f"<bench-{tag}@fournisseur-bench.fr>",
        )
        pdf_size += (wire_size - len(raw)) * 57 // 78
    return raw


def write_mail_file(directory: Path, wire_size: int, tag: str) -> tuple[Path, int]:
    """The message file for smtp-source -F and its size on the wire.

    smtp-source appends CRLF to every line it reads, including lines that already end in CR (they would go
    out as CR CR LF), so the file is written with LF line ends.
    """
    raw = supplier_mail(wire_size, tag)
    path = directory / f"mail-{tag}.eml"
    path.write_bytes(raw.replace(b"\r\n", b"\n"))
    return path, len(raw)


def parse_size(text: str) -> int:
    """'10k' -> 10240, '2m' -> 2097152, '5000' -> 5000."""
    match = re.fullmatch(r"\s*(\d+)\s*([kKmM]?)i?[bB]?\s*", text)
    if not match:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (use e.g. 10k, 200k, 2m)")
    return int(match.group(1)) * {"": 1, "k": KIB, "m": MIB}[match.group(2).lower()]


def size_label(size: int) -> str:
    """10240 -> '10 KiB', 2097152 -> '2 MiB'."""
    if size >= MIB and size % MIB == 0:
        return f"{size // MIB} MiB"
    return f"{size // KIB} KiB" if size >= KIB else f"{size} B"


def siret_for(number: int) -> str:
    """A valid SIRET (Luhn SIREN, then Luhn over all 14 digits) that differs for each number."""
    siren = f"{70_000_000 + number:08d}"
    siren += str(luhn.calc_check_digit(siren))
    base = siren + "0001"
    siret = base + str(luhn.calc_check_digit(base))
    assert siret_number.is_valid(siret), siret
    return siret


def add_companies(data_dir: Path, recipients: int) -> None:
    """Companies 1inv..N in collecte's data folder, added in one process through the project's API.

    (The CLI takes ~0.3 s each.)
    """
    storage = Storage.open(StoreSettings(data_dir=data_dir))
    try:
        with storage.sessions.begin() as session:
            for number in range(1, recipients + 1):
                add_company(session, f"Client bench {number}", siret_for(number), f"{number}{LOCAL_PART}")
    finally:
        storage.engine.dispose()
