"""Importers, one module per format. Adding a format: one module, one line below."""

from __future__ import annotations

from .base import Importer, ImportFailure, ParseResult, Source
from .bluesky import BlueskyThreadImporter
from .mastodon_api import MastodonApiImporter
from .mastodon_archive import MastodonArchiveImporter
from .threadreader_html import ThreadReaderHtmlImporter
from .threadreader_text import ThreadReaderTextImporter
from .twitter_archive import TwitterArchiveImporter

# Order matters where formats overlap: more specific formats come first.
IMPORTERS: list[type[Importer]] = [
    TwitterArchiveImporter,
    ThreadReaderHtmlImporter,
    ThreadReaderTextImporter,
    BlueskyThreadImporter,
    MastodonArchiveImporter,
    MastodonApiImporter,
]

__all__ = ["IMPORTERS", "Importer", "ImportFailure", "ParseResult", "Source"]
