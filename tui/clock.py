"""Today's date, the one clock the library reads (no Textual here).

An import places a thread whose date has no year (`21 Dec`) by the day it
was imported; that day comes from `today()`, which `$THREADS_TUI_TODAY`
(`YYYY-MM-DD`) pins, so that tests, and anyone replaying an import, get the
same library whatever day they run on.
"""

from __future__ import annotations

import os
from datetime import date

TODAY_ENV_VAR = "THREADS_TUI_TODAY"


def today() -> date:
    """`$THREADS_TUI_TODAY` where it holds a date, else this machine's local date."""
    try:
        return date.fromisoformat(os.environ.get(TODAY_ENV_VAR, "").strip())
    except ValueError:  # unset or empty too: not a date
        return date.today()
