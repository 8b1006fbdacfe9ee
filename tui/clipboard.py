"""Copying text: the system clipboard via pyperclip, and the terminal's OSC 52 escape.

OSC 52 asks the terminal itself to set the clipboard, so it works over SSH
and inside tmux (with `set-clipboard on`) where there is no display at all.
No Textual here: the app writes the escape through its own driver.
"""

from __future__ import annotations

import os

import pyperclip


def copy_to_system_clipboard(text: str) -> bool:
    """Copy with pyperclip; False when no clipboard mechanism works here."""
    if os.environ.get("THREADS_TUI_NO_SYSTEM_CLIPBOARD"):
        return False
    try:
        pyperclip.copy(text)
    except (pyperclip.PyperclipException, OSError, RuntimeError):
        return False
    return True


def describe_copy(what: str, text: str, system: bool) -> str:
    """The notification: what was copied and how."""
    how = "the system clipboard and the terminal (OSC 52)" if system else "the terminal clipboard (OSC 52)"
    return f"Copied {what}, {len(text):,} characters, to {how}."
