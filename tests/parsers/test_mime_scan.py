"""The gate's fast MIME walk agrees with the stdlib email parser and never crashes on damaged input."""

from __future__ import annotations

import random
from email import policy
from email.message import Message
from email.parser import BytesParser
from pathlib import Path

import pytest

from parsers.errors import MimeLimitError
from parsers.mime_scan import MimeLimits, decode_payload, scan, split_multipart
from tests.support import mail, small_pdf

MAIL_DIR = Path(__file__).parents[2] / "fixtures" / "mail"
FIXTURE_MAILS = sorted(MAIL_DIR.glob("*.eml"))


def reference_leaves(raw: bytes) -> list[tuple[str, str | None, bytes]]:
    """(content type, file name, decoded payload) of every leaf, as the stdlib parser sees them."""
    message = BytesParser(policy=policy.default).parsebytes(raw)
    leaves: list[tuple[str, str | None, bytes]] = []
    for part in message.walk():
        if isinstance(part, Message) and not part.is_multipart():
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            leaves.append((part.get_content_type(), part.get_filename(), payload))
    return leaves


def test_there_are_fixture_mails() -> None:
    assert len(FIXTURE_MAILS) >= 8


@pytest.mark.parametrize("path", FIXTURE_MAILS, ids=lambda p: p.stem)
def test_scan_matches_the_stdlib_parser_on_fixtures(path: Path) -> None:
    raw = path.read_bytes()
    ours = [(p.content_type, p.filename, p.payload) for p in scan(raw)]
    assert ours == reference_leaves(raw)


def test_scan_matches_on_bare_lf_and_quoted_printable() -> None:
    raw = mail([("a.pdf", "application/pdf", small_pdf("lf")), ("n.txt", "text/plain", "é café\n".encode())])
    lf = raw.replace(b"\r\n", b"\n")
    assert [(p.content_type, p.filename, p.payload) for p in scan(lf)] == reference_leaves(lf)


def test_boundary_prefix_of_another_is_not_a_delimiter() -> None:
    body = b"--ab\r\nContent-Type: text/plain\r\n\r\nx\r\n--abc\r\nnot a part\r\n--ab--\r\n"
    assert split_multipart(body, "ab") == [b"Content-Type: text/plain\r\n\r\nx\r\n--abc\r\nnot a part"]


def test_missing_close_delimiter_keeps_the_last_part() -> None:
    assert split_multipart(b"--b\r\n\r\nhello", "b") == [b"\r\nhello"]


def test_bad_base64_padding_is_decoded_as_far_as_possible() -> None:
    assert decode_payload(b"aGVsbG8gd29ybGQ", "base64").startswith(b"hello wor")


def test_positions_and_inline_metadata() -> None:
    raw = (MAIL_DIR / "logo-signature.eml").read_bytes()
    parts = scan(raw)
    images = [p for p in parts if p.content_type == "image/png"]
    assert images
    assert any(p.content_id for p in images)
    assert len({p.position for p in parts}) == len(parts)


def nested_forward(depth: int) -> bytes:
    raw = mail([("f.pdf", "application/pdf", small_pdf("deep", 100))])
    for _ in range(depth):
        raw = b"From: a@b.fr\r\nMIME-Version: 1.0\r\nContent-Type: message/rfc822\r\n\r\n" + raw
    return raw


def test_depth_limit() -> None:
    assert scan(nested_forward(5), MimeLimits(max_depth=12))[0].content_type == "text/plain"
    with pytest.raises(MimeLimitError, match="nested more than 12 deep"):
        scan(nested_forward(20), MimeLimits(max_depth=12))


def test_parts_limit() -> None:
    raw = mail([(f"{i}.pdf", "application/pdf", b"%PDF-1.4 x") for i in range(30)])
    assert len(scan(raw, MimeLimits(max_parts=40))) == 31
    with pytest.raises(MimeLimitError, match="more than 10 parts"):
        scan(raw, MimeLimits(max_parts=10))


def mutations(raw: bytes, rng: random.Random) -> bytes:
    choice = rng.randrange(5)
    cut = rng.randrange(len(raw))
    if choice == 0:
        return raw[:cut]
    if choice == 1:
        return raw[:cut] + bytes([rng.randrange(256)]) + raw[cut + 1 :]
    if choice == 2:
        return raw.replace(b"\r\n", b"\n", rng.randrange(1, 50))
    if choice == 3:
        return raw[:cut] + b"\r\n--" + raw[cut : cut + 40] + raw[cut:]
    return raw[:cut] + raw[cut + rng.randrange(1, 500) :]


@pytest.mark.parametrize("path", FIXTURE_MAILS, ids=lambda p: p.stem)
def test_damaged_messages_never_crash_the_walk(path: Path) -> None:
    rng = random.Random(path.name)
    raw = path.read_bytes()
    for _ in range(60):
        damaged = mutations(raw, rng)
        try:
            parts = scan(damaged)
        except MimeLimitError:
            continue
        assert all(isinstance(p.payload, bytes) for p in parts)
