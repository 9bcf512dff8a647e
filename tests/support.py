"""Test helpers: a real collecte runtime on free loopback ports, and small messages built with the stdlib."""

from __future__ import annotations

import asyncio
import io
import threading
import zipfile
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pypdfium2 as pdfium  # type: ignore[import-untyped]
from PIL import Image
from sqlalchemy import func, select

from admin.runtime import Runtime, Storage
from admin.settings import AdminSettings
from ingest.settings import IngestSettings
from parsers.pdf_text import PDFIUM_LOCK
from purchases.companies import add_company
from purchases.settings import PipelineSettings
from store.models import RawMessage
from store.settings import StoreSettings

SIRETS = ("73282932000074", "35600000000048", "44306184100047", "55208131766522")
"""Valid SIRETs (Luhn, and La Poste's exception) for test companies."""


def small_pdf(marker: str = "", size: int = 40_000) -> bytes:
    """A small but real-looking PDF file, unique per marker, padded to about size bytes."""
    body = f"%PDF-1.4\n% {marker}\n1 0 obj << /Type /Catalog >> endobj\n".encode()
    padding = (marker.encode() or b"x") * (size // max(len(marker), 1) + 1)
    return body + b"% " + padding[:size] + b"\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def zip_of(name: str, data: bytes) -> bytes:
    """A ZIP archive holding one file."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(name, data)
    return buffer.getvalue()


def mail(
    attachments: list[tuple[str, str, bytes]],
    *,
    sender: str = "compta@fournisseur.fr",
    to: str = "acme@achats.factures-meg.fr",
    subject: str = "Facture",
) -> bytes:
    """An email with a text body and (filename, MIME type, bytes) attachments, CRLF line ends."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = f"<{abs(hash(subject))}@fournisseur.fr>"
    message.set_content("Bonjour,\nveuillez trouver ci-joint notre facture.\n")
    for filename, mime, data in attachments:
        maintype, subtype = mime.split("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return message.as_bytes(policy=policy.SMTP)


@dataclass
class RunningServer:
    """A started Runtime in a background thread with its own event loop."""

    runtime: Runtime
    loop: asyncio.AbstractEventLoop
    thread: threading.Thread

    @property
    def port(self) -> int:
        """The SMTP port."""
        return self.runtime.smtp_port

    @property
    def api_port(self) -> int:
        """The HTTP API port."""
        return self.runtime.api_port

    @property
    def api_url(self) -> str:
        """The HTTP API's base URL, e.g. http://127.0.0.1:54321."""
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def storage(self) -> Storage:
        """The runtime's database and blob store."""
        assert self.runtime.storage is not None
        return self.runtime.storage

    def add_company(self, name: str, siret: str, slug: str) -> int:
        """Adds an active company and returns its id."""
        with self.storage.sessions.begin() as session:
            return add_company(session, name, siret, slug).id

    def message_count(self) -> int:
        """Number of raw messages stored."""
        with self.storage.sessions() as session:
            return int(session.scalar(select(func.count(RawMessage.id))) or 0)

    def stop(self) -> None:
        """Stops the runtime and its loop."""
        asyncio.run_coroutine_threadsafe(self.runtime.stop(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


def start_server(
    data_dir: Path,
    pipeline: PipelineSettings | None = None,
    admin: AdminSettings | None = None,
    **ingest: object,
) -> RunningServer:
    """Starts collecte's runtime (SMTP and HTTP API on free loopback ports), storing under data_dir."""
    settings = IngestSettings(smtp_host="127.0.0.1", smtp_port=0, smtp_hostname="collecte.test", **ingest)  # type: ignore[arg-type]
    runtime = Runtime(
        store=StoreSettings(data_dir=data_dir),
        ingest=settings,
        pipeline_settings=pipeline or PipelineSettings(broker_url=""),
        admin=admin or AdminSettings(api_host="127.0.0.1", api_port=0),
    )
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="collecte-test-loop", daemon=True)
    thread.start()
    asyncio.run_coroutine_threadsafe(runtime.start(), loop).result(60)
    return RunningServer(runtime, loop, thread)


def render_page(pdf: Path, dpi: int) -> Image.Image:
    """Page 1 of a PDF rendered in grey at dpi, as a scanner would give it."""
    with PDFIUM_LOCK:
        document = pdfium.PdfDocument(pdf.read_bytes())
        try:
            page = document[0]
            bitmap = page.render(scale=dpi / 72, grayscale=True)
            image: Image.Image = bitmap.to_pil().copy()
            bitmap.close()
            page.close()
        finally:
            document.close()
    return image


def image_only_pdf(pdf: Path, dpi: int) -> bytes:
    """Page 1 of a PDF rendered to pixels and saved back as a PDF holding only that image (a scan)."""
    buffer = io.BytesIO()
    render_page(pdf, dpi).save(buffer, format="PDF", resolution=dpi)
    return buffer.getvalue()
