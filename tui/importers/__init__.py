"""Importers, one module per format. Adding a format: one module, one line below."""

from __future__ import annotations

from .base import Importer, ImportFailure, ParseResult, Source
from .bluesky import BlueskyThreadImporter
from .mastodon_api import MastodonApiImporter
from .mastodon_archive import MastodonArchiveImporter
from .threadreader_text import ThreadReaderTextImporter

# Order matters where formats overlap: more specific formats come first.
IMPORTERS: list[type[Importer]] = [
    ThreadReaderTextImporter,
    BlueskyThreadImporter,
    MastodonArchiveImporter,
    MastodonApiImporter,
]

__all__ = ["IMPORTERS", "Importer", "ImportFailure", "ParseResult", "Source"]
