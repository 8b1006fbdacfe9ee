"""Search hits, drawn only where they are on screen: where each hit is, then its snippet."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text

from ..formatting import author_label, total_of
from .summary_list import Item, SummaryList


class HitList(SummaryList):
    """Items `{"id": its index, "hit": a search.Hit}`, each as `n/N · @author · title` above its snippet
    (matches highlighted), drawn only when on screen: a common word has tens of thousands."""

    COMPONENT_CLASSES = SummaryList.COMPONENT_CLASSES | {"hit-list--match"}

    def __init__(self, summary_of: Callable[[str], Item | None] = lambda thread_id: None, **kwargs: Any) -> None:
        super().__init__(**kwargs)  # empty, it says nothing: the status line above says why
        self.summary_of = summary_of

    def format_item(self, item: Item, width: int) -> list[Text]:
        hit = item["hit"]
        summary = self.summary_of(hit.thread_id) or {}
        total = total_of(summary.get("post_count") or 0, summary.get("declared_count"), summary.get("complete", True))
        where = Text(f"{hit.n}/{total or '?'} · {author_label(summary)} · {summary.get('title', '')}",
                     style=self.secondary_style())
        text, spans = hit.snippet()
        snippet = Text("  " + text)
        match_style = self.get_component_rich_style("hit-list--match", partial=True)
        for start, end in spans:
            snippet.stylize(match_style, start + 2, end + 2)
        return [where, snippet]
