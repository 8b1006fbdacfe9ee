"""Threads as clean text and Markdown, for `show`, copy and export (no Textual here)."""

from __future__ import annotations

from .model import Media, PartialDate, Post, Thread


def byline(thread: Thread) -> str:
    """`Dana Example (@dana_example)`, with whatever of the two is known."""
    name = thread.author_name or ""
    handle = f"@{thread.author_handle}" if thread.author_handle else ""
    if name and handle:
        return f"{name} ({handle})"
    return name or handle or "unknown author"


def date_text(date: PartialDate | None) -> str:
    return date.human() if date else "date unknown"


def is_from_twitter(thread: Thread) -> bool:
    """Tweet ids are numbers; Thread Reader text pages (hashed ids) are Twitter threads too."""
    return thread.id.isdigit() or thread.id.startswith("h")


def count_text(thread: Thread) -> str:
    """`5 tweets` (`5 posts` for Bluesky and Mastodon), or `2 of 9 tweets (preview)`."""
    noun = "tweet" if is_from_twitter(thread) else "post"
    noun += "" if (thread.declared_count or thread.post_count) == 1 else "s"
    if thread.complete:
        return f"{thread.post_count} {noun}"
    if thread.declared_count and thread.declared_count > thread.post_count:
        return f"{thread.post_count} of {thread.declared_count} {noun} (preview)"
    return f"{thread.post_count} {noun} (incomplete)"


def missing_text(thread: Thread) -> str | None:
    """What the reader should be told about an incomplete thread, or None."""
    if thread.complete:
        return None
    if thread.declared_count and thread.declared_count > thread.post_count:
        missing = thread.declared_count - thread.post_count
        return (f"Preview: {thread.post_count} of {thread.declared_count} tweets. "
                f"The other {missing} {'is' if missing == 1 else 'are'} missing from this copy.")
    return "Incomplete: part of this thread is missing from this copy."


def media_line(media: Media) -> str:
    """`[image: alt text]`, `[video]`, `[link: title] url`."""
    label = f"[{media.kind}: {media.alt}]" if media.alt else f"[{media.kind}]"
    return f"{label} {media.url}" if media.kind == "link" and media.url else label


def post_as_text(post: Post, n: int, total: int) -> str:
    """One post as clean text, numbered `n/N`, media and quote below it."""
    lines = [f"{n}/{total}", post.text]
    lines += [media_line(m) for m in post.media]
    if post.quoted:
        quoted = post.quoted.text.splitlines() + [media_line(m) for m in post.quoted.media]
        lines += ["> " + line if line else ">" for line in quoted]
    return "\n".join(lines)


def header_text(thread: Thread) -> str:
    return (f"{byline(thread)} · {date_text(thread.date)} · {count_text(thread)} · "
            f"{thread.minutes_to_read()} min read")


def thread_as_text(thread: Thread) -> str:
    """The whole thread: author and date on top, posts numbered `1/N`."""
    total = thread.post_count
    parts = [header_text(thread)]
    missing = missing_text(thread)
    if missing:
        parts.append(missing)
    parts += [post_as_text(post, n, total) for n, post in enumerate(thread.posts, 1)]
    return "\n\n".join(parts) + "\n"


def _markdown_escape(text: str) -> str:
    """Keep text literal in Markdown: escape characters that would become markup."""
    out = []
    for line in text.split("\n"):
        escaped = "".join("\\" + ch if ch in "\\`*_[]<>#|" else ch for ch in line)
        out.append(escaped)
    return "  \n".join(out)


def thread_as_markdown(thread: Thread) -> str:
    """A Markdown document for export: title, byline, date, then `1/N` sections."""
    total = thread.post_count
    lines = [f"# {_markdown_escape(thread.title) or 'Untitled thread'}", ""]
    lines.append(f"**{_markdown_escape(byline(thread))}** · {date_text(thread.date)} · "
                 f"{count_text(thread)} · {thread.minutes_to_read()} min read")
    lines.append("")
    missing = missing_text(thread)
    if missing:
        lines += [f"> {missing}", ""]
    for n, post in enumerate(thread.posts, 1):
        lines += [f"## {n}/{total}", "", _markdown_escape(post.text), ""]
        for media in post.media:
            label = _markdown_escape(f"{media.kind}: {media.alt}" if media.alt else media.kind)
            lines.append(f"- [{label}](<{media.url}>)" if media.url else f"- \\[{label}\\]")
        if post.media:
            lines.append("")
        if post.quoted:
            lines += ["> " + line for line in _markdown_escape(post.quoted.text).split("\n")] + [""]
    if thread.source:
        lines += ["---", "", f"Source: {_markdown_escape(thread.source)}", ""]
    return "\n".join(lines)
