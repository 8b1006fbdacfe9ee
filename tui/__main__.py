"""`python -m tui` runs the `threads-tui` command."""

import sys

from .cli import main

sys.exit(main())
