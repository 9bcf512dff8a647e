"""What the import-log endpoints reach besides the database: the blob store, and the workers' hook.

`create_app` installs them; an endpoint takes `Workers` to read a stored file or to send a stage again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

import structlog
from fastapi import Depends, FastAPI, Request

from purchases.failures import Rerun
from store.blobs import BlobStore

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class PipelineAccess:
    """The blob store, and `rerun`, which sends a stage to the workers (blocking: call it off the loop)."""

    blobs: BlobStore
    rerun: Callable[[Rerun], None]

    def send(self, rerun: Rerun) -> None:
        """Sends rerun to the workers once its change is committed. A failure to send is only logged: the
        row's state is the truth, and unfinished work is sent again when collecte starts."""
        try:
            self.rerun(rerun)
        except Exception:
            log.exception("api.rerun_failed", stage=rerun.stage.value, id=rerun.target_id)


def install_workers(app: FastAPI, blobs: BlobStore, rerun: Callable[[Rerun], None]) -> None:
    """Binds the import-log endpoints of app to a blob store and a way to send stages to the workers."""
    app.state.pipeline_access = PipelineAccess(blobs, rerun)


def pipeline_access(request: Request) -> PipelineAccess:
    """What `install_workers` bound to the application."""
    access = request.app.state.pipeline_access
    assert isinstance(access, PipelineAccess)
    return access


Workers = Annotated[PipelineAccess, Depends(pipeline_access)]
