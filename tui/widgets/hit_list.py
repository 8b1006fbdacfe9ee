"""Search hits, drawn only where they are on screen: where each hit is, then its snippet."""

from __future__ import annotations

from typing import Any

from rich.text import Text

from .summary_list import Summary, SummaryList


def hit_item(index: int, hit: Any, summary: Summary | None) -> Summary:
    """A list item for one hit: `hit` (a search.Hit) and its thread's summary."""
    return {"id": str(index), "hit": hit, "summary": summary or {}}


class HitList(SummaryList):
    """`n/N · @author · title` above the snippet, matches highlighted."""

    COMPONENT_CLASSES = SummaryList.COMPONENT_CLASSES | {"hit-list--match"}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(empty_text="No hits yet.", **kwargs)

    def format_item(self, item: Summary, width: int) -> list[Text]:
        hit, summary = item["hit"], item["summary"]
        who = f"@{summary['author_handle']}" if summary.get("author_handle") else (summary.get("author_name") or "?")
        where = Text(f"{hit.n}/{summary.get('post_count', '?')} · {who} · {summary.get('title', '')}",
                     style=self.secondary_style())
        snippet = Text("  " + hit.snippet)
        match_style = self.get_component_rich_style("hit-list--match", partial=True)
        for start, end in hit.spans:
            snippet.stylize(match_style, start + 2, end + 2)
        return [where, snippet]
