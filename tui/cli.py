"""The `threads-tui` command: the reader, and headless commands for scripts.

Exit codes: 0 success; 1 a failure (a file that did not import, an unknown
id, a library that cannot be read or written, an export folder that cannot be
written); 2 a usage error (also: the reader started without a terminal);
130 interrupted (ctrl+c).
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import sys
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import orjson

from . import __version__
from .library import DB_ENV_VAR, Library, LibraryError, user_db_path
from .model import InReplyTo, PartialDate, Summary, Thread
from .sorting import DEFAULT_SORT, SORT_LABELS, sort_summaries
from .user_data import UserData, UserDataError, normalise_tag

if TYPE_CHECKING:
    from .finding import Marks
    from .importing import ImportReport
    from .query import Node
    from .search import Hit
from .text import strip_control

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
# orjson escapes C0 controls in strings but writes DEL and C1 controls (8-bit CSI, OSC...) raw.
_RAW_JSON_CONTROL = re.compile("[\x7f-\x9f]")
LIST_AUTHOR_WIDTH = 32  # `list`: longer author labels push their row's count and title along


class _Parser(argparse.ArgumentParser):
    """argparse that exits 2 with one line, never a traceback."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="threads-tui",
        description="Read, search and quote saved threads in the terminal. "
        "With no command, opens the reader after importing any PATHs given.",
        epilog="Commands: " + ", ".join(COMMANDS) + ". 'threads-tui COMMAND --help' for each. "
        "Exit codes: 0 ok, 1 failure, 2 usage error, 130 interrupted.",
    )
    parser.add_argument("--version", action="version", version=f"threads-tui {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    read = commands.add_parser("read", help="open the reader (the default)")
    read.add_argument("inputs", nargs="*", metavar="PATH_OR_LINK", help="files, folders or links to import first")

    importing = commands.add_parser("import", help="import files, folders or links into the library",
                                    description="Import files or folders, and fetch threads from links "
                                    "(Bluesky, Mastodon, Thread Reader, X through Thread Reader); one line per "
                                    "file or link that fails, then a summary. Exit 1 if any failed.")
    importing.add_argument("inputs", nargs="*", metavar="PATH_OR_LINK")
    importing.add_argument("--links", metavar="FILE", help="also fetch the links in FILE, one a line (- reads "
                           "standard input; blank lines and lines starting with # are skipped)")
    importing.add_argument("--json", action="store_true", help="print the report as JSON")
    importing.add_argument("--keep-direct-messages", action="store_true",
                           help="import the direct messages of a Mastodon archive too (left out by default)")

    refresh = commands.add_parser("refresh", help="fetch threads again from where they came from",
                                  description="Fetch threads again from their source address; a fuller copy "
                                  "replaces the stored one and keeps its bookmark and read mark. Exit 1 if any "
                                  "failed.")
    refresh.add_argument("ids", nargs="*", metavar="ID", help="thread ids (or unique prefixes)")
    refresh.add_argument("--previews", action="store_true", help="every preview in the library that has an address")
    refresh.add_argument("--json", action="store_true", help="print the report as JSON")

    listing = commands.add_parser("list", help="list threads, newest first (or --sort)",
                                  description="List the library's threads, newest first (or in the --sort order).")
    listing.add_argument("--json", action="store_true", help="print a JSON array")
    listing.add_argument("--tag", metavar="TAG", help="only the threads with this tag")
    listing.add_argument("--query", metavar="QUERY", help="only the threads matching QUERY (the search language)")
    listing.add_argument("--sort", choices=tuple(SORT_LABELS), default=DEFAULT_SORT,
                         help="order: " + ", ".join(f"{order} ({label})" for order, label in SORT_LABELS.items())
                         + f"; default {DEFAULT_SORT}")

    show = commands.add_parser("show", help="print one thread as clean text",
                               description="Print a thread: author and date on top, posts numbered 1/N.")
    show.add_argument("id", metavar="ID", help="thread id (or a unique prefix of one)")
    show.add_argument("--json", action="store_true", help="print the thread as JSON")

    search = commands.add_parser(
        "search", help="search posts: words, phrases, authors, dates, marks",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Find the posts matching QUERY (case-insensitive; terms joined by spaces must all hold):\n"
                    '  word  "two words"  -word  a OR b  (grouping)\n'
                    "  from:handle  since:2021-10-01  until:2021-10  has:image|video|link|quote|alt\n"
                    "  is:bookmarked|unread|read|preview|complete|reply  tag:name")
    search.add_argument("query", nargs="*", metavar="QUERY")
    search.add_argument("--json", action="store_true", help="print a JSON array of hits, with every field")
    search.add_argument("--limit", type=_positive_int, default=None, metavar="N", help="at most N hits")
    search.add_argument("--save", metavar="NAME", help="keep QUERY under NAME (the reader's palette reruns it)")
    search.add_argument("--saved", metavar="NAME", nargs="?", const="",
                        help="run the query kept under NAME (alone: list the saved searches)")

    quote = commands.add_parser("quote", help="print posts as a Markdown quote with their source",
                                description="Print posts of a thread as a Markdown blockquote, then one line "
                                "citing the author, date, post numbers and link. Exit 2 for a range outside it.")
    quote.add_argument("id", metavar="ID", help="thread id (or a unique prefix of one)")
    quote.add_argument("range", metavar="RANGE", help="post numbers: 4, 3-5 or 1,3-5")
    quote.add_argument("--json", action="store_true", help="print the posts and the citation's fields as JSON")

    for name, verb in (("tag", "add tags to"), ("untag", "remove tags from")):
        tagging = commands.add_parser(name, help=f"{verb} a thread", description=f"{verb.capitalize()} a thread; "
                                      "prints its tags now. Tags are kept lowercase, without '#'.")
        tagging.add_argument("id", metavar="ID", help="thread id (or a unique prefix of one)")
        tagging.add_argument("tags", nargs="+", metavar="TAG")

    highlight = commands.add_parser("highlight", help="keep posts of a thread as a highlight",
                                    description="Keep posts of a thread as a highlight, with an optional note.")
    highlight.add_argument("id", metavar="ID", help="thread id (or a unique prefix of one)")
    highlight.add_argument("range", metavar="RANGE", help="post numbers: 4, 3-5 or 1,3-5")
    highlight.add_argument("--note", default="", metavar="TEXT", help="a note to keep with it")

    highlights = commands.add_parser("highlights", help="list highlights (or remove one)",
                                     description="List every highlight: its key, thread, posts and note.")
    highlights.add_argument("--json", action="store_true", help="print a JSON array")
    highlights.add_argument("--remove", metavar="KEY", help="remove the highlight with this key")

    delete = commands.add_parser("delete", help="delete threads from the library",
                                 description="Delete threads (their posts, reading state, tags and highlights); "
                                 "prints each thread deleted. An unknown id deletes nothing and exits 1.")
    delete.add_argument("ids", nargs="+", metavar="ID", help="thread ids (or unique prefixes)")

    export = commands.add_parser("export", help="write threads as Markdown or HTML files",
                                 description="Write one file per thread (every thread when no ID): Markdown "
                                 "with YAML front matter and highlights, or self-contained HTML pages with an "
                                 "index.html.")
    export.add_argument("ids", nargs="*", metavar="ID")
    export.add_argument("--out", type=Path, required=True, metavar="DIR", help="folder to write into")
    export.add_argument("--format", choices=("markdown", "html"), default="markdown", help="markdown (default) or html")
    export.add_argument("--highlights", action="store_true",
                        help="Markdown of the highlights alone, one file per thread that has some")
    # Every command takes --db; on subcommands the default is SUPPRESS so they don't overwrite a top-level --db.
    for each in (parser, *commands.choices.values()):
        each.add_argument("--db", type=Path, metavar="PATH", default=None if each is parser else argparse.SUPPRESS,
                          help=f"library file (default: ${DB_ENV_VAR}, else {user_db_path()})")
    return parser


def _positive_int(text: str) -> int:
    """argparse type: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {value}")
    return value


def _normalise_argv(argv: list[str]) -> list[str]:
    """No command given means `read`: `threads-tui samples/` opens the reader."""
    position = 0
    while position < len(argv):
        arg = argv[position]
        if arg == "--db" or arg.startswith("--db="):
            position += 2 if arg == "--db" else 1
        elif arg in HANDLERS or arg.startswith("-") and arg != "--":
            return argv  # a command, or an option (--help, --version)
        else:
            return [*argv[:position], "read", *argv[position:]]
    return [*argv, "read"]


_SEARCH_FLAGS = frozenset({"--json", "-h", "--help"})
_SEARCH_OPTIONS = frozenset({"--limit", "--save", "--saved", "--db"})


def _query_words_last(argv: list[str]) -> list[str]:
    """`search`'s arguments with its options first and the query's words after `--`, in their order:
    a word of the query may start with `-` (`threads-tui search loaf -week`)."""
    position = 0
    while position < len(argv) and argv[position].startswith("-"):  # options before the command: `--db PATH`
        position += 2 if argv[position] == "--db" else 1
    if position >= len(argv) or argv[position] != "search":
        return argv
    start = position + 1
    options: list[str] = []
    words: list[str] = []
    rest = iter(argv[start:])
    for arg in rest:
        if arg == "--":
            words += list(rest)
        elif arg in _SEARCH_FLAGS or arg.split("=", 1)[0] in _SEARCH_OPTIONS and "=" in arg:
            options.append(arg)
        elif arg in _SEARCH_OPTIONS:
            options += [arg, next(rest, "")]
        else:
            words.append(arg)
    return [*argv[:start], *options, "--", *words]


def _say(text: str, stream: Any = None) -> None:
    """Print text from the library: never an escape sequence."""
    print(strip_control(text), file=stream or sys.stdout)


def _print_json(data: Any) -> None:
    """Print JSON with every control character escaped, so none reaches the terminal."""
    text = orjson.dumps(data, option=orjson.OPT_INDENT_2).decode()
    sys.stdout.write(_RAW_JSON_CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n")


def _read_links(name: str) -> list[str]:
    """The links in a file (`-`: standard input), one a line; blank lines and `#` comments skipped."""
    if name == "-":
        lines = sys.stdin.read().splitlines()
    else:
        try:
            lines = Path(name).read_text(encoding="utf-8-sig").splitlines()
        except (OSError, UnicodeDecodeError) as error:
            raise _UsageError(f"cannot read the links in {name}: {getattr(error, 'strerror', None) or error}") from None
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


class _UsageError(Exception):
    """A command called wrongly: one line, exit 2."""


@contextmanager
def _usage_errors(*kinds: type[Exception]) -> Iterator[None]:
    """What the user typed, found wrong where it is used (an error of `kinds`): told as a usage error."""
    try:
        yield
    except kinds as error:
        raise _UsageError(str(error)) from None


def cmd_import(args: argparse.Namespace) -> int:
    from .fetching.addresses import is_link

    links = [text for text in args.inputs if is_link(text)]
    paths = [Path(text) for text in args.inputs if not is_link(text)]
    if args.links is not None:
        links += _read_links(args.links)
    if not links and not paths:
        raise _UsageError("import needs a PATH or a link (or --links FILE)")
    return _run_import(args, Library.open(args.db), paths, links)


def cmd_refresh(args: argparse.Namespace) -> int:
    library = Library.open(args.db)
    if not args.ids and not args.previews:
        raise _UsageError("refresh needs thread IDs, or --previews")
    summaries: list[Summary] = []
    for wanted in args.ids:
        thread_id = _resolve(library, wanted)
        summary = library.summary(thread_id)
        if summary is not None and not summary.get("url"):
            raise _Failed(f"thread {thread_id} has no address to fetch it from (it came from a file: "
                          "import the file again instead)")
        if summary is not None:
            summaries.append(summary)
    if args.previews:
        summaries += [doc for doc in library.summaries() if not doc.get("complete") and doc.get("url")]
    links = list(dict.fromkeys(url for doc in summaries if (url := doc.get("url"))))
    if not links and not args.json:
        _say("No preview in the library has an address to fetch it from: nothing to refresh.")
        return EXIT_OK
    return _run_import(args, library, [], links)


def _run_import(args: argparse.Namespace, library: Library, paths: list[Path], links: list[str]) -> int:
    """Import paths and links, print the report (one line per failure, or JSON); the exit code."""
    from .importing import run_import

    last_wait = ""

    def tell_waits(report: ImportReport, name: str) -> None:
        nonlocal last_wait
        if report.waiting and report.waiting != last_wait and not args.json:
            _say(f"threads-tui: {report.waiting}", sys.stderr)
        last_wait = report.waiting

    with _ctrl_c_stops_softly() as interrupted:
        report = run_import(paths, library, progress=tell_waits, cancelled=interrupted.is_set, links=links,
                            keep_direct_messages=getattr(args, "keep_direct_messages", False))
    if interrupted.is_set():
        _say(f"threads-tui: interrupted: the {report.files_done} {report.inputs(report.files_done)} read before "
             "ctrl+c are in the library", sys.stderr)
    if args.json:
        _print_json({
            "added": report.counts.added,
            "updated": report.counts.updated,
            "unchanged": report.counts.unchanged,
            "failed": [{"file": f.name, "reason": f.reason} for f in report.failures],
            "warnings": [{"file": w.name, "reason": w.reason} for w in report.warnings],
        })
    else:
        for warning in report.warnings:
            _say(f"warning: {warning.line()}", sys.stderr)
        for failure in report.failures:
            _say(f"failed: {failure.line()}", sys.stderr)
        _say(f"Imported {report.files_imported} of {report.files_done} {report.inputs(report.files_done)} into "
             f"{library.path}: {report.summary_line()}.")
    if interrupted.is_set():
        return EXIT_INTERRUPTED
    return EXIT_FAILURE if report.failures else EXIT_OK


@contextmanager
def _ctrl_c_stops_softly() -> Iterator[threading.Event]:
    """The first ctrl+c stops a long import after the file it is on (what was read is kept); a second
    exits at once (the library is safe: every write is atomic)."""
    interrupted = threading.Event()

    def stop(signum: int, frame: object) -> None:
        if interrupted.is_set():
            os._exit(EXIT_INTERRUPTED)
        interrupted.set()
        # os.write, not print: a signal handler may run while the main thread is printing.
        os.write(sys.stderr.fileno(), b"threads-tui: stopping after this file (ctrl+c again to stop at once)\n")

    try:
        previous = signal.signal(signal.SIGINT, stop)
    except ValueError:  # not the main thread: leave ctrl+c as it is
        yield interrupted
        return
    try:
        yield interrupted
    finally:
        signal.signal(signal.SIGINT, previous)


def cmd_list(args: argparse.Namespace) -> int:
    library = Library.open(args.db)
    summaries: Sequence[Mapping[str, Any]] = sort_summaries(library.summaries(), args.sort)
    user_file = UserData(library).read()  # once: the query's marks and the tag filter both come from it
    tags = user_file.tags
    if args.query is not None:
        from .finding import Marks, matching_threads

        summaries = matching_threads(library, _parsed_query(args.query), Marks(user_file.states, tags),
                                     summaries=summaries)
    if args.tag is not None:
        with _usage_errors(UserDataError):
            wanted = normalise_tag(args.tag)
        summaries = [doc for doc in summaries if wanted in tags.get(doc["id"], ())]
    if args.json:
        keys = ("id", "author_name", "author_handle", "date", "title", "post_count",
                "declared_count", "complete", "source", "url")
        _print_json([{**{key: doc.get(key) for key in keys}, "tags": tags.get(doc["id"], [])} for doc in summaries])
        return EXIT_OK
    if not summaries:
        if args.query is not None:
            _say(f"No thread matches {args.query!r}.")
        elif args.tag is not None:
            _say(f"No thread has the tag {args.tag!r}.")
        else:
            _say(f"The library {library.path} is empty. Import with: threads-tui import PATH")
        return EXIT_OK
    from .formatting import author_label, held_text, reply_label

    id_width = max(len(doc["id"]) for doc in summaries)
    who_width = min(max(len(author_label(doc)) for doc in summaries), LIST_AUTHOR_WIDTH)
    for doc in summaries:
        date = PartialDate.from_iso(doc.get("date"))
        who = author_label(doc)
        count = held_text(doc)
        tagged = "".join(f"  #{tag}" for tag in tags.get(doc["id"], ()))
        reply = reply_label(InReplyTo.from_dict(doc.get("in_reply_to")))
        _say(f"{doc['id']:<{id_width}}  {date.human() if date else '-':>11}  {who:<{who_width}}  {count:>6}  "
             f"{reply + ': ' if reply else ''}{doc.get('title', '')}{tagged}")
    return EXIT_OK


def _resolve(library: Library, id_or_prefix: str) -> str:
    """The thread id an id or a unique prefix names; _Failed where it names none or several."""
    matches = library.matching_ids(id_or_prefix)
    if len(matches) > 1:
        raise _Failed(f"{id_or_prefix!r} is the start of {len(matches)} thread ids "
                      f"({', '.join(matches[:3])}{', …' if len(matches) > 3 else ''}); give more of it")
    if not matches:
        raise _Failed(f"no thread with id {id_or_prefix!r} in {library.path} (see 'threads-tui list')")
    return matches[0]


def cmd_show(args: argparse.Namespace) -> int:
    from .formatting import thread_as_text

    thread = _thread_for(Library.open(args.db), args.id)
    if args.json:
        _print_json(thread.detail())
    else:
        sys.stdout.write(strip_control(thread_as_text(thread)))
    return EXIT_OK


def _parsed_query(text: str) -> Node:
    from .query import QueryError, parse

    try:
        return parse(text)
    except QueryError as error:
        raise _UsageError(f"query {text!r}: {error}") from None


def cmd_search(args: argparse.Namespace) -> int:
    library = Library.open(args.db)
    user_data = UserData(library)
    query = " ".join(args.query)
    if args.saved is not None:
        if query:
            raise _UsageError("give QUERY or --saved NAME, not both")
        saved = user_data.saved_searches()
        if not args.saved:  # --saved alone: what is kept
            for name, kept in saved.items():
                _say(f"{name}: {kept}")
            if not saved:
                _say("No saved search yet: search --save NAME QUERY keeps one.", sys.stderr)
            return EXIT_OK
        if args.saved not in saved:
            names = ", ".join(saved) or "none yet (search --save NAME QUERY keeps one)"
            raise _UsageError(f"no saved search {args.saved!r}; saved: {names}")
        query = saved[args.saved]
    if not query.strip():
        raise _UsageError("search needs a QUERY (or --saved NAME)")
    node = _parsed_query(query)
    if args.save is not None:
        earlier = user_data.saved_searches().get(" ".join(args.save.split()))
        with _usage_errors(UserDataError):
            user_data.save_search(args.save, query)
        replacing = f" (it replaces {earlier!r})" if earlier is not None and earlier != query else ""
        _say(f"Saved the search {args.save!r}: {query}{replacing}", sys.stderr)
    from .finding import Marks, answers_from_summaries, search_library

    user_file = user_data.read()
    marks = Marks(user_file.states, user_file.tags)
    hits = search_library(library, node, marks, limit=args.limit)
    total = hits.total
    if args.json:
        _print_json([_hit_json(library, marks, hit, answers_from_summaries(node)) for hit in hits])
    else:
        for hit in hits:
            _say(_hit_heading(library, hit))
            _say(f"    {strip_control(hit.snippet()[0]) or '(no text)'}")
        shown = f"{len(hits)} of " if len(hits) < total else ""
        _say(f"{shown}{total} hit{'s' if total != 1 else ''} for {query!r}", sys.stderr)
    return EXIT_OK


def _hit_heading(library: Library, hit: Hit) -> str:
    """`ID  @handle · 3 May 2024 · post 2/12 · title`: where a hit is."""
    from .formatting import author_label, total_of

    summary = library.summary(hit.thread_id) or {"id": hit.thread_id}
    date = PartialDate.from_iso(summary.get("date"))
    total = total_of(summary.get("post_count") or 0, summary.get("declared_count"), summary.get("complete", True))
    parts = [author_label(summary), date.human() if date else "no date", f"post {hit.n}/{total or '?'}",
             summary.get("title") or ""]
    return strip_control(f"{hit.thread_id}  {' · '.join(parts)}")


def _hit_json(library: Library, marks: Marks, hit: Hit, by_summary: bool) -> dict[str, Any]:
    """Every field of a hit: the post's text as written (read from the thread where `by_summary` gave
    the title), the thread's summary as `list --json` gives it, the user's marks."""
    summary: Mapping[str, Any] = library.summary(hit.thread_id) or {}
    state = marks.states.get(hit.thread_id, {})
    thread = library.thread(hit.thread_id) if by_summary else None
    text = thread.posts[hit.n - 1].text if thread is not None and 0 < hit.n <= len(thread.posts) else hit.text
    fields = ("title", "author_name", "author_handle", "date", "post_count", "declared_count")
    return {**hit.to_json(), "text": text, **{key: summary.get(key) for key in fields},
            "complete": summary.get("complete", True), "url": summary.get("url"),
            "read": bool(state.get("read")), "bookmarked": bool(state.get("bookmarked")),
            "tags": list(marks.tags.get(hit.thread_id, ()))}


def cmd_export(args: argparse.Namespace) -> int:
    from .export import ExportError, export_threads, user_extras, written_line

    library = Library.open(args.db)
    ids = _resolve_all(library, args.ids)  # two prefixes of one id: one thread, one file
    if args.highlights and args.format != "markdown":
        raise _UsageError("--highlights writes Markdown: leave out --format html")
    threads = (t for t in map(library.thread, ids) if t is not None) if ids else library.iter_threads()
    extras = user_extras(UserData(library))
    try:
        written = export_threads(threads, args.out, args.format, extras, args.highlights)
    except ExportError as error:
        raise _Failed(str(error)) from None
    _say(written_line(written, args.format, args.out))
    return EXIT_OK


def cmd_delete(args: argparse.Namespace) -> int:
    from .formatting import author_label

    library = Library.open(args.db)
    ids = _resolve_all(library, args.ids)  # a typo fails before anything is deleted
    deletion = library.delete_threads(ids)
    for thread in deletion.threads:
        _say(f"Deleted {thread.id}: {author_label(thread.summary)}: {thread.summary.get('title') or '(no text)'}")
    return EXIT_OK


def _resolve_all(library: Library, ids_or_prefixes: list[str]) -> list[str]:
    """The thread ids these name (each once, in order); _Failed at one that names none."""
    return list(dict.fromkeys(_resolve(library, wanted) for wanted in ids_or_prefixes))


def _thread_for(library: Library, id_or_prefix: str) -> Thread:
    """The thread an id (or a unique prefix) names; _Failed if none."""
    thread = library.thread(_resolve(library, id_or_prefix))
    if thread is None:
        raise _Failed
    return thread


class _Failed(Exception):
    """A command failed: its message (where it has one) in one line, exit 1."""


def cmd_quote(args: argparse.Namespace) -> int:
    from .quoting import Quote, RangeError, parse_range

    thread = _thread_for(Library.open(args.db), args.id)
    with _usage_errors(RangeError):
        quote = Quote(thread, parse_range(args.range, thread.post_count))
    if args.json:
        _print_json(quote.to_json())
    else:
        sys.stdout.write(strip_control(quote.markdown()))
    return EXIT_OK


def cmd_tag(args: argparse.Namespace) -> int:
    with _usage_errors(UserDataError):
        for tag in args.tags:
            normalise_tag(tag)
    library = Library.open(args.db)
    thread = _thread_for(library, args.id)
    tags = UserData(library).tag(thread.id, args.tags, remove=args.command == "untag")
    _say(f"{thread.id}: {' '.join('#' + tag for tag in tags) if tags else 'no tags'}")
    return EXIT_OK


def cmd_highlight(args: argparse.Namespace) -> int:
    from .quoting import RangeError, parse_range, posts_text

    library = Library.open(args.db)
    thread = _thread_for(library, args.id)
    with _usage_errors(RangeError):
        indexes = parse_range(args.range, thread.post_count)
    highlight = UserData(library).add_highlight(thread, indexes, args.note)
    _say(f"Highlight {highlight.key}: {posts_text([i + 1 for i in indexes])} of {thread.title!r}"
         + (", with a note" if highlight.note else ""))
    return EXIT_OK


def cmd_highlights(args: argparse.Namespace) -> int:
    from .quoting import posts_text

    library = Library.open(args.db)
    user_data = UserData(library)
    if args.remove is not None:
        removed = user_data.remove_highlight(args.remove)
        _say(f"Removed highlight {removed.key}.")
        return EXIT_OK
    views = user_data.views()
    if args.json:
        _print_json([{"key": view.highlight.key, "thread_id": view.highlight.thread_id, "title": view.title,
                      "numbers": view.numbers, "note": view.highlight.note,
                      "posts": [ref.text for ref in view.highlight.posts]} for view in views])
        return EXIT_OK
    if not views:
        _say("No highlights yet. Keep some with: threads-tui highlight ID RANGE [--note TEXT]")
    for view in views:
        where = posts_text(view.numbers) if view.numbers else "its posts are no longer in the library"
        note = f"  — {view.highlight.note}" if view.highlight.note else ""
        _say(f"{view.highlight.key}  {view.title or view.highlight.thread_id} · {where}{note}")
    return EXIT_OK


def cmd_read(args: argparse.Namespace) -> int:
    from .fetching.addresses import is_link

    links = [text for text in args.inputs if is_link(text)]
    paths = [Path(text) for text in args.inputs if not is_link(text)]
    missing = [str(path) for path in paths if not path.exists()]
    if missing:
        raise _UsageError(f"no such file or folder: {', '.join(missing)} "
                          f"(commands are: {', '.join(COMMANDS)}; see 'threads-tui --help')")
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        Library.open(args.db).summaries()  # a damaged library is told first, in one line
        raise _UsageError("the reader needs a terminal; for scripts use a command: "
                          f"{', '.join(COMMANDS)} (see 'threads-tui --help')")

    from .app import run_reader  # before the library: what importing allocates never looks through it

    library = Library.open(args.db)
    library.summaries()  # a damaged library is told here, in one line, not inside the reader
    return run_reader(library, paths, links)


HANDLERS = {
    "import": cmd_import,
    "refresh": cmd_refresh,
    "list": cmd_list,
    "show": cmd_show,
    "search": cmd_search,
    "export": cmd_export,
    "quote": cmd_quote,
    "tag": cmd_tag,
    "untag": cmd_tag,
    "highlight": cmd_highlight,
    "highlights": cmd_highlights,
    "delete": cmd_delete,
    "read": cmd_read,
}
COMMANDS = tuple(name for name in HANDLERS if name != "read")  # the headless ones, as help and errors list them


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `threads-tui` console script."""
    arguments = _query_words_last(_normalise_argv(list(sys.argv[1:] if argv is None else argv)))
    args = build_parser().parse_args(arguments)
    try:
        return HANDLERS[args.command](args)
    except (LibraryError, UserDataError, _Failed) as error:
        if str(error):
            _say(f"threads-tui: {error}", sys.stderr)
        return EXIT_FAILURE
    except _UsageError as error:
        _say(f"threads-tui: {error}", sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        _say("threads-tui: interrupted", sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
