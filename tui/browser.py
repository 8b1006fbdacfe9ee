"""Opening a web address in the user's browser, where there is a desktop to show one (no Textual)."""

from __future__ import annotations

import os
import sys
import webbrowser


def has_desktop() -> bool:
    """Whether a browser window can be shown here: a graphical session (X or Wayland) or macOS,
    and not a login over SSH (whose browser would open on the far machine, if anywhere)."""
    if os.environ.get("SSH_CONNECTION") or os.environ.get("SSH_TTY"):
        return False
    return sys.platform == "darwin" or bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def open_in_browser(url: str) -> bool:
    """Open `url` in the default browser; False when no browser would take it."""
    try:
        return webbrowser.open(url, new=2)
    except webbrowser.Error:
        return False
