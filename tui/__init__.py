"""threads-tui: a terminal reader for saved social-media threads."""

__version__ = "0.1.0"
