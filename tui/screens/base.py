"""What the reader's screens share."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.worker import Worker

if TYPE_CHECKING:
    from ..app import ThreadsApp


class ReportsWorkerErrors:
    """A screen mixin: failed workers are reported by the app's one handler.

    `Worker.StateChanged` goes only to the node that started the worker, so
    each screen hands it on.
    """

    app: ThreadsApp

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        self.app.report_worker_error(event)
