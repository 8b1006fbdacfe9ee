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
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import orjson

from . import __version__
from .library import DB_ENV_VAR, Library, LibraryError, user_db_path
from .text import strip_control

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
# orjson escapes C0 controls in strings but writes DEL and C1 controls (8-bit CSI, OSC...) raw.
_RAW_JSON_CONTROL = re.compile("[\x7f-\x9f]")
COMMANDS = ("import", "list", "show", "search", "export")
LIST_AUTHOR_WIDTH = 32  # `list`: longer author labels push their row's count and title along


class _Parser(argparse.ArgumentParser):
    """argparse that exits 2 with one line, never a traceback."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def _add_db_option(parser: argparse.ArgumentParser, top_level: bool = False) -> None:
    # On subcommands the default is SUPPRESS so they don't overwrite a top-level --db.
    parser.add_argument(
        "--db", type=Path, metavar="PATH", default=None if top_level else argparse.SUPPRESS,
        help=f"library file (default: ${DB_ENV_VAR}, else {user_db_path()})",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="threads-tui",
        description="Read, search and quote saved threads in the terminal. "
        "With no command, opens the reader after importing any PATHs given.",
        epilog="Commands: " + ", ".join(COMMANDS) + ". 'threads-tui COMMAND --help' for each. "
        "Exit codes: 0 ok, 1 failure, 2 usage error, 130 interrupted.",
    )
    parser.add_argument("--version", action="version", version=f"threads-tui {__version__}")
    _add_db_option(parser, top_level=True)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    read = commands.add_parser("read", help="open the reader (the default)")
    read.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="files or folders to import first")
    _add_db_option(read)

    importing = commands.add_parser("import", help="import files or folders into the library",
                                    description="Import files or folders; one line per file that fails, "
                                    "then a summary. Exit 1 if any file failed.")
    importing.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    importing.add_argument("--json", action="store_true", help="print the report as JSON")
    importing.add_argument("--keep-direct-messages", action="store_true",
                           help="import the direct messages of a Mastodon archive too (left out by default)")
    _add_db_option(importing)

    listing = commands.add_parser("list", help="list threads, newest first",
                                  description="List the library's threads, newest first.")
    listing.add_argument("--json", action="store_true", help="print a JSON array")
    _add_db_option(listing)

    show = commands.add_parser("show", help="print one thread as clean text",
                               description="Print a thread: author and date on top, posts numbered 1/N.")
    show.add_argument("id", metavar="ID", help="thread id (or a unique prefix of one)")
    show.add_argument("--json", action="store_true", help="print the thread as JSON")
    _add_db_option(show)

    search = commands.add_parser("search", help="search post text, authors and handles",
                                 description="Find posts holding every word of QUERY (case-insensitive).")
    search.add_argument("query", nargs="+", metavar="QUERY")
    search.add_argument("--json", action="store_true", help="print a JSON array of hits")
    search.add_argument("--limit", type=_positive_int, default=None, metavar="N", help="at most N hits")
    _add_db_option(search)

    export = commands.add_parser("export", help="write threads as Markdown files",
                                 description="Write one Markdown file per thread (every thread when no ID).")
    export.add_argument("ids", nargs="*", metavar="ID")
    export.add_argument("--out", type=Path, required=True, metavar="DIR", help="folder to write into")
    _add_db_option(export)
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
        if arg == "--db":
            position += 2
            continue
        if arg.startswith("--db="):
            position += 1
            continue
        if arg in ("-h", "--help", "--version") or arg in COMMANDS or arg == "read":
            return argv
        if arg == "--":
            return [*argv[:position], "read", *argv[position:]]
        if arg.startswith("-"):
            return argv
        return [*argv[:position], "read", *argv[position:]]
    return [*argv, "read"]


def _say(text: str, stream: Any = None) -> None:
    """Print text from the library: never an escape sequence."""
    print(strip_control(text), file=stream or sys.stdout)


def _print_json(data: Any) -> None:
    """Print JSON with every control character escaped, so none reaches the terminal."""
    text = orjson.dumps(data, option=orjson.OPT_INDENT_2).decode()
    sys.stdout.write(_RAW_JSON_CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n")


def _open_library(db: Path | None) -> Library:
    return Library.open(db)


def cmd_import(args: argparse.Namespace) -> int:
    from .importing import run_import

    library = _open_library(args.db)
    with _ctrl_c_stops_softly() as interrupted:
        report = run_import(args.paths, library, cancelled=interrupted.is_set,
                            keep_direct_messages=args.keep_direct_messages)
    if interrupted.is_set():
        _say(f"threads-tui: interrupted: the {report.files_done} files read before ctrl+c are in the library",
             sys.stderr)
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
        _say(f"Imported {report.files_imported} of {report.files_done} files into {library.path}: "
             f"{report.summary_line()}.")
    if interrupted.is_set():
        return EXIT_INTERRUPTED
    return EXIT_FAILURE if report.failures else EXIT_OK


@contextmanager
def _ctrl_c_stops_softly() -> Iterator[threading.Event]:
    """The first ctrl+c asks a long import to stop after the file it is on (what was read is kept,
    and worker processes are shut down in order); a second one exits at once (the library is safe:
    every write is atomic)."""
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
    library = _open_library(args.db)
    summaries = library.summaries()
    if args.json:
        keys = ("id", "author_name", "author_handle", "date", "title", "post_count",
                "declared_count", "complete", "source")
        _print_json([{key: doc.get(key) for key in keys} for doc in summaries])
        return EXIT_OK
    if not summaries:
        _say(f"The library {library.path} is empty. Import with: threads-tui import PATH")
        return EXIT_OK
    from .formatting import author_label, reply_label
    from .model import InReplyTo, PartialDate

    id_width = max(len(doc["id"]) for doc in summaries)
    who_width = min(max(len(author_label(doc)) for doc in summaries), LIST_AUTHOR_WIDTH)
    for doc in summaries:
        date = PartialDate.from_iso(doc.get("date"))
        who = author_label(doc)
        count = str(doc["post_count"]) if doc.get("complete") else f"{doc['post_count']}/{doc.get('declared_count') or '?'}"
        reply = reply_label(InReplyTo.from_dict(doc.get("in_reply_to")))
        _say(f"{doc['id']:<{id_width}}  {date.human() if date else '-':>11}  {who:<{who_width}}  {count:>6}  "
             f"{reply + ': ' if reply else ''}{doc.get('title', '')}")
    return EXIT_OK


def _resolve(library: Library, id_or_prefix: str) -> str | None:
    matches = library.matching_ids(id_or_prefix)
    if len(matches) > 1:
        _say(f"threads-tui: {id_or_prefix!r} is the start of {len(matches)} thread ids "
             f"({', '.join(matches[:3])}{', …' if len(matches) > 3 else ''}); give more of it", sys.stderr)
        return None
    if not matches:
        _say(f"threads-tui: no thread with id {id_or_prefix!r} in {library.path} "
             "(see 'threads-tui list')", sys.stderr)
        return None
    return matches[0]


def cmd_show(args: argparse.Namespace) -> int:
    from .formatting import thread_as_text

    library = _open_library(args.db)
    thread_id = _resolve(library, args.id)
    thread = library.thread(thread_id) if thread_id else None
    if thread is None:
        return EXIT_FAILURE
    if args.json:
        _print_json(thread.detail())
    else:
        sys.stdout.write(strip_control(thread_as_text(thread)))
    return EXIT_OK


def cmd_search(args: argparse.Namespace) -> int:
    from .search import search_library

    library = _open_library(args.db)
    query = " ".join(args.query)
    if not query.split():
        _say("threads-tui: search needs at least one word", sys.stderr)
        return EXIT_USAGE
    hits = search_library(library, query)
    total = len(hits)
    if args.limit is not None:
        hits = hits[: args.limit]
    if args.json:
        _print_json([hit.to_json() for hit in hits])
    else:
        for hit in hits:
            _say(f"{hit.thread_id} {hit.n:>3}  {hit.snippet()[0]}")
        shown = f"{len(hits)} of " if len(hits) < total else ""
        _say(f"{shown}{total} hit{'s' if total != 1 else ''} for {query!r}", sys.stderr)
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from .export import ExportError, export_threads

    library = _open_library(args.db)
    ids: list[str] = []
    for wanted in args.ids:
        thread_id = _resolve(library, wanted)
        if thread_id is None:
            return EXIT_FAILURE
        ids.append(thread_id)
    ids = list(dict.fromkeys(ids))  # two prefixes of one id: one thread, one file
    threads = (t for t in map(library.thread, ids) if t is not None) if ids else library.iter_threads()
    try:
        written = export_threads(threads, args.out)
    except ExportError as error:
        _say(f"threads-tui: {error}", sys.stderr)
        return EXIT_FAILURE
    _say(f"Wrote {len(written)} Markdown file{'s' if len(written) != 1 else ''} to {args.out}")
    return EXIT_OK


def cmd_read(args: argparse.Namespace) -> int:
    missing = [str(path) for path in args.paths if not path.exists()]
    if missing:
        _say(f"threads-tui: no such file or folder: {', '.join(missing)} "
             f"(commands are: {', '.join(COMMANDS)}; see 'threads-tui --help')", sys.stderr)
        return EXIT_USAGE
    library = _open_library(args.db)
    library.summaries()  # a damaged library is told here, in one line, not inside the reader
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        _say("threads-tui: the reader needs a terminal; for scripts use a command: "
             f"{', '.join(COMMANDS)} (see 'threads-tui --help')", sys.stderr)
        return EXIT_USAGE

    from .app import run_reader

    return run_reader(library, args.paths)


HANDLERS = {
    "import": cmd_import,
    "list": cmd_list,
    "show": cmd_show,
    "search": cmd_search,
    "export": cmd_export,
    "read": cmd_read,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `threads-tui` console script."""
    arguments = _normalise_argv(list(sys.argv[1:] if argv is None else argv))
    args = build_parser().parse_args(arguments)
    try:
        return HANDLERS[args.command](args)
    except LibraryError as error:
        _say(f"threads-tui: {error}", sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        _say("threads-tui: interrupted", sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
