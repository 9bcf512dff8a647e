"""Downloads: a received file name becomes a harmless download name; another company's file is not found."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from admin.runtime import Storage
from purchases.downloads import MAX_NAME, document_file, message_file, read_file, safe_name
from purchases.errors import NotFoundError
from store.models import Document
from tests.purchases.books_db import add_acme, invoice, store_read
from tests.support import SIRETS


@pytest.mark.parametrize(
    ("received", "kind", "name"),
    [
        ("facture.pdf", "pdf", "facture.pdf"),
        ("FACTURE.PDF", "pdf", "FACTURE.PDF"),
        ("../../etc/passwd", "pdf", "passwd.pdf"),
        ("..\\..\\windows\\system.ini", "pdf", "system.ini.pdf"),
        ("/", "pdf", "document-7.pdf"),
        ("..", "pdf", "document-7.pdf"),
        (None, "jpeg", "document-7.jpg"),
        ("scan.jpeg", "jpeg", "scan.jpeg"),
        ("scan.tiff", "tiff", "scan.tiff"),
        ('a"b\r\nContent-Type: text/html;.pdf', "pdf", "html;.pdf"),
        ('a"b\r\nX-Evil: 1;.pdf', "pdf", "a_bX-Evil_ 1;.pdf"),
        ("  .hidden .pdf", "pdf", "hidden .pdf"),
        ("tab\there.pdf", "pdf", "tabhere.pdf"),
        ("Facture  été\u202efdp.exe", "pdf", "Facture étéfdp.exe.pdf"),
        ("line\u2028break.xml", "xml-cii", "linebreak.xml"),
        ("factur-x.xml", "xml-ubl", "factur-x.xml"),
        ("winmail.dat", "tnef", "winmail.dat"),
        ("mystery", "other", "mystery.bin"),
        ("x" * 300 + ".pdf", "pdf", "x" * (MAX_NAME - 4) + ".pdf"),
    ],
)
def test_a_received_name_becomes_a_harmless_download_name(received: str | None, kind: str, name: str) -> None:
    assert safe_name(received, kind, "document-7") == name


def test_another_companys_files_are_not_found(session: Session, storage: Storage, acme: int) -> None:
    other = add_acme(session, "Other SARL", SIRETS[1], "other")
    message = store_read(session, acme, invoice())
    document = session.scalars(select(Document).where(Document.raw_message_id == message.id)).one()
    assert message_file(session, acme, message.id).name == f"message-{message.id}.eml"
    assert document_file(session, acme, document.id).content_type == "application/pdf"
    with pytest.raises(NotFoundError, match=f"no message {message.id} in this company"):
        message_file(session, other, message.id)
    with pytest.raises(NotFoundError, match=f"no document {document.id} in this company"):
        document_file(session, other, document.id)
    with pytest.raises(
        NotFoundError, match=f"the file of document {document.id} is no longer in the blob store"
    ):
        read_file(storage.blobs, document_file(session, acme, document.id))
