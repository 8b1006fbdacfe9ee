"""Threads from links, against a real HTTP server on 127.0.0.1 that answers as the services do."""

from __future__ import annotations

import io
import json
import re
import sys
import threading
import time
from pathlib import Path

import pytest

from tui import __version__
from tui.fetching.addresses import AddressError, BlueskyPost, MastodonStatus, ThreadReaderPage, parse_address
from tui.library import Library
from tui.user_data import UserData

from .conftest import SAMPLES
from .fake_services import (
    BlueskyConversation,
    BskyPost,
    FakeServices,
    MastodonConversation,
    Reply,
    Toot,
    dripping,
    json_reply,
    refused_port,
    threadreader_page,
)

DANA = "did:plc:dana"
LU = "did:plc:lu"
HANDLE = "dana.example.social"


@pytest.fixture
def services(monkeypatch: pytest.MonkeyPatch):
    """The fake services, with threads-tui pointed at them and a 2-second timeout."""
    server = FakeServices().start()
    monkeypatch.setenv("THREADS_TUI_BLUESKY_API", server.base)
    monkeypatch.setenv("THREADS_TUI_THREADREADER", server.base)
    monkeypatch.setenv("THREADS_TUI_FETCH_TIMEOUT", "2")
    yield server
    server.stop()


def library_bytes(db_path: Path) -> dict[str, bytes]:
    """Every file of the library, byte for byte."""
    return {str(path.relative_to(db_path.parent)): path.read_bytes()
            for path in sorted(db_path.parent.rglob("*")) if path.is_file()}


def listed(cli) -> list[dict]:
    return json.loads(cli("list", "--json").out)


def shown(cli, thread_id: str) -> dict:
    return json.loads(cli("show", thread_id, "--json").out)


# -- Bluesky ----------------------------------------------------------------------


def dana_thread(count: int = 4) -> list[BskyPost]:
    """Dana's self-thread of `count` posts, with Lu's reply to the first and Dana's answer to Lu."""
    posts = [BskyPost(DANA, HANDLE, "p1", "Notes on walking the canal, a thread", 0, name="Dana Example")]
    for n in range(2, count + 1):
        posts.append(BskyPost(DANA, HANDLE, f"p{n}", f"{n}. Part {n} of the walk", n, parent=posts[-1],
                              name="Dana Example", alt="A towpath\n\nat dusk" if n == 2 else None))
    lu = BskyPost(LU, "lu.example.com", "l1", "Lovely, saving this", 1, parent=posts[0])
    posts += [lu, BskyPost(DANA, HANDLE, "a1", "Thanks Lu!", 2, parent=lu, name="Dana Example")]
    return posts


DANA_TEXTS = ["Notes on walking the canal, a thread", "2. Part 2 of the walk", "3. Part 3 of the walk",
              "4. Part 4 of the walk"]


@pytest.mark.parametrize("rkey", ["p1", "p3", "p4"])
def test_bluesky_link_to_any_post_of_a_self_thread_gives_the_whole_thread(cli, db_path, services, rkey):
    BlueskyConversation(dana_thread()).serve(services, {HANDLE: DANA})
    link = f"https://bsky.app/profile/{HANDLE}/post/{rkey}"
    result = cli("import", link)
    assert result.code == 0, result.err
    assert "1 added" in result.out and "0 links failed" in result.out
    (summary,) = listed(cli)
    assert summary["id"] == f"at://{DANA}/app.bsky.feed.post/p1"
    assert summary["url"] == f"https://bsky.app/profile/{HANDLE}/post/p1"
    assert (summary["source"], summary["complete"], summary["author_name"]) == (link, True, "Dana Example")
    thread = shown(cli, summary["id"])
    assert [post["text"] for post in thread["posts"]] == DANA_TEXTS  # Lu's reply and Dana's answer to it left out
    assert [post["url"] for post in thread["posts"]] == [
        f"https://bsky.app/profile/{HANDLE}/post/p{n}" for n in range(1, 5)]
    assert thread["posts"][1]["media"][0]["alt"]  # images kept with their alt text
    assert f"?handle={HANDLE}" in services.paths_asked()[0]  # the handle was resolved first


def test_bluesky_at_uri_and_did_links_need_no_handle_lookup(cli, services):
    BlueskyConversation(dana_thread()).serve(services, {})
    assert cli("import", f"at://{DANA}/app.bsky.feed.post/p2").code == 0
    assert cli("import", f"https://bsky.app/profile/{DANA}/post/p4").code == 0
    assert not any("resolveHandle" in path for path in services.paths_asked())
    (summary,) = listed(cli)
    assert summary["post_count"] == 4


def test_bluesky_branch_cut_by_the_depth_limit_is_fetched_again_from_where_it_stops(cli, services):
    BlueskyConversation(dana_thread(9), depth_limit=3).serve(services, {HANDLE: DANA})
    assert cli("import", f"https://bsky.app/profile/{HANDLE}/post/p1").code == 0
    (summary,) = listed(cli)
    assert (summary["post_count"], summary["complete"]) == (9, True)
    asked = [path for path in services.paths_asked() if "getPostThread" in path]
    assert len(asked) == 3  # p1 (to p4), then from p4 (to p7), then from p7 (to p9)
    assert "p4" in asked[1] and "parentHeight=0" in asked[1]


@pytest.mark.parametrize("gone", ["notFound", "blocked"])
def test_bluesky_deleted_or_blocked_post_ends_the_thread_as_a_preview(cli, services, gone):
    posts = dana_thread(5)
    posts[2].gone = gone
    BlueskyConversation(posts).serve(services, {HANDLE: DANA})
    result = cli("import", f"https://bsky.app/profile/{HANDLE}/post/p1")
    assert result.code == 0, result.err
    assert f"is {'deleted' if gone == 'notFound' else 'blocked'} there" in result.err
    assert "stored as a preview" in result.err
    (summary,) = listed(cli)
    assert (summary["post_count"], summary["complete"]) == (2, False)


def test_bluesky_unknown_handle_and_unknown_post_fail_with_one_line(cli, db_path, services):
    BlueskyConversation(dana_thread()).serve(services, {HANDLE: DANA})
    cli("import", SAMPLES / "threadreader" / "mira-sourdough.txt")
    before = library_bytes(db_path)
    result = cli("import", "https://bsky.app/profile/nobody.example/post/p1",
                 f"https://bsky.app/profile/{HANDLE}/post/zzz")
    assert result.code == 1
    lines = [line for line in result.err.splitlines() if line.startswith("failed: ")]
    assert lines == [
        "failed: https://bsky.app/profile/nobody.example/post/p1: no Bluesky account has the handle "
        "'nobody.example' (InvalidRequest: Unable to resolve handle)",
        f"failed: https://bsky.app/profile/{HANDLE}/post/zzz: Bluesky cannot give this post "
        f"(NotFound: Post not found: at://{DANA}/app.bsky.feed.post/zzz): deleted, or never there",
    ]
    assert library_bytes(db_path) == before


def test_bluesky_fetch_gives_the_thread_the_saved_file_gives(cli, services, tmp_path, monkeypatch):
    saved = SAMPLES / "bluesky" / "nadia-canal-paths.json"
    services.routes["/xrpc/app.bsky.feed.getPostThread"] = Reply(body=saved.read_bytes())
    assert cli("import", "at://did:plc:nadiaquill/app.bsky.feed.post/3lcanal1").code == 0
    (fetched,) = listed(cli)
    monkeypatch.setenv("THREADS_TUI_DB", str(tmp_path / "other" / "library.json"))
    assert cli("import", saved).code == 0
    (from_file,) = listed(cli)
    assert from_file | {"source": None} == fetched | {"source": None}
    monkeypatch.setenv("THREADS_TUI_DB", str(tmp_path / "lib" / "library.json"))
    fetched_posts = shown(cli, fetched["id"])["posts"]
    monkeypatch.setenv("THREADS_TUI_DB", str(tmp_path / "other" / "library.json"))
    assert shown(cli, from_file["id"])["posts"] == fetched_posts


# -- Mastodon ---------------------------------------------------------------------


def wren_thread(extra: int = 0) -> list[Toot]:
    """Wren's self-thread of 4 (+ extra) statuses, with Jun's reply and Wren's answer to Jun."""
    toots = [Toot("100", "wren", "31", "Field notes from the marsh, a thread", 0)]
    for n in range(2, 5 + extra):
        toots.append(Toot(str(100 + n), "wren", "31", f"Note {n}", n, reply_to=toots[-1]))
    jun = Toot("200", "jun", "77", "What a lovely walk", 1, reply_to=toots[0])
    return [*toots, jun, Toot("201", "wren", "31", "It was!", 3, reply_to=jun)]


@pytest.mark.parametrize("status_id", ["100", "103", "104"])
def test_mastodon_link_to_any_status_of_a_self_thread_gives_the_whole_thread(cli, services, status_id):
    MastodonConversation(wren_thread()).serve(services)
    link = f"{services.base}/@wren/{status_id}"
    assert cli("import", link).code == 0
    (summary,) = listed(cli)
    assert summary["id"] == f"{services.base}/users/wren/statuses/100"
    assert (summary["complete"], summary["url"], summary["source"]) == (True, f"{services.base}/@wren/100", link)
    posts = shown(cli, summary["id"])["posts"]
    assert [post["text"] for post in posts] == ["Field notes from the marsh, a thread", "Note 2", "Note 3", "Note 4"]
    assert posts[2]["url"] == f"{services.base}/@wren/103"


def test_mastodon_users_statuses_link_form(cli, services):
    MastodonConversation(wren_thread()).serve(services)
    assert cli("import", f"{services.base}/users/wren/statuses/102").code == 0
    assert listed(cli)[0]["post_count"] == 4


def test_mastodon_thread_answering_someone_else_starts_at_the_authors_first_post(cli, services):
    opener = Toot("50", "jun", "77", "Who walks the marsh in winter?", 0)
    toots = [opener, Toot("60", "wren", "31", "I do, a thread", 1, reply_to=opener)]
    toots.append(Toot("61", "wren", "31", "It is quiet", 2, reply_to=toots[-1]))
    MastodonConversation(toots).serve(services)
    assert cli("import", f"{services.base}/@wren/61").code == 0
    (summary,) = listed(cli)
    assert (summary["title"], summary["post_count"], summary["complete"]) == ("I do, a thread", 2, True)


def test_mastodon_copy_on_another_instance_is_read_from_its_origin(cli, services):
    origin = FakeServices().start()
    try:
        toots = wren_thread()
        for toot in toots:
            toot.instance = origin.base
        MastodonConversation(toots).serve(origin)
        # This instance knows only a copy of status 102, under its own id, and none of the rest.
        copy = toots[2].status(services.base)
        copy["id"] = "9001"
        services.routes["/api/v1/statuses/9001"] = json_reply(copy)
        host = origin.base.removeprefix("http://")
        assert cli("import", f"{services.base}/@wren@{host}/9001").code == 0
        (summary,) = listed(cli)
        assert (summary["post_count"], summary["complete"]) == (4, True)
        assert f"/api/v1/statuses/{toots[2].id}/context" in origin.paths_asked()
    finally:
        origin.stop()


@pytest.mark.parametrize(("status_id", "contexts"), [("100", 4), ("173", 2)])
def test_mastodon_thread_past_the_unauthenticated_limits_is_read_in_parts(cli, services, status_id, contexts):
    """74 posts: one context gives 20 replies below a post (60 at most) and 40 above it."""
    MastodonConversation(wren_thread(extra=70)).serve(services)
    result = cli("import", f"{services.base}/@wren/{status_id}")
    assert result.code == 0, result.err
    (summary,) = listed(cli)
    assert (summary["post_count"], summary["complete"]) == (74, True)
    asked = [path for path in services.paths_asked() if path.endswith("/context")]
    assert len(asked) == contexts


def test_mastodon_thread_still_cut_after_the_contexts_asked_is_a_preview(cli, services, monkeypatch):
    monkeypatch.setattr("tui.fetching.mastodon.MAX_CONTEXTS", 2)
    MastodonConversation(wren_thread(extra=70)).serve(services)
    result = cli("import", f"{services.base}/@wren/100")
    assert result.code == 0
    assert "at most 40 posts above a post and 60 below it (20 replies deep)" in result.err
    assert "stored as a preview" in result.err
    (summary,) = listed(cli)
    assert (summary["post_count"], summary["complete"]) == (41, False)


@pytest.mark.parametrize(("status", "reason"), [
    (401, "lets no one read its posts without an account (HTTP 401: This API requires an authenticated user): "
          "save the thread from a browser instead"),
    (403, "lets no one read its posts without an account (HTTP 403: This API requires an authenticated user): "
          "save the thread from a browser instead"),
    (404, "has no such status (This API requires an authenticated user): private, deleted or unknown"),
])
def test_mastodon_refusals_name_the_reason(cli, db_path, services, status, reason):
    services.routes["/api/v1/statuses/5"] = json_reply({"error": "This API requires an authenticated user"}, status)
    cli("import", SAMPLES / "threadreader" / "mira-sourdough.txt")
    before = library_bytes(db_path)
    result = cli("import", f"{services.base}/@wren/5")
    assert result.code == 1
    assert f"failed: {services.base}/@wren/5: {services.base} {reason}" in result.err.splitlines()
    assert library_bytes(db_path) == before


# -- Thread Reader and X ---------------------------------------------------------------


TWEETS = [("1613475874206646272", "Reading in the bath: a thread"),
          ("1613476629181366272", "First, a waterproof cover"),
          ("1613477384156086272", "Second, a towel within reach")]


@pytest.mark.parametrize("link", [
    "https://threadreaderapp.com/thread/1613475874206646272.html",
    "https://x.com/mara_reads/status/1613475874206646272",
    "https://twitter.com/mara_reads/status/1613475874206646272?s=20",
    "https://mobile.twitter.com/mara_reads/status/1613475874206646272",
])
def test_thread_reader_and_x_links_read_the_unroll_page(cli, services, link):
    services.routes["/thread/1613475874206646272.html"] = Reply(
        body=threadreader_page("mara_reads", "Mara Reads", TWEETS), content_type="text/html")
    assert cli("import", link).code == 0, listed(cli)
    (summary,) = listed(cli)
    assert (summary["id"], summary["post_count"], summary["author_name"]) == (TWEETS[0][0], 3, "Mara Reads")
    assert summary["url"] == f"https://x.com/mara_reads/status/{TWEETS[0][0]}"
    assert services.paths_asked() == ["/thread/1613475874206646272.html"]


def test_thread_reader_404_says_to_unroll_it_first(cli, services):
    result = cli("import", "https://x.com/someone/status/42")
    assert result.code == 1
    assert result.err.splitlines()[-1] == (
        "failed: https://x.com/someone/status/42: Thread Reader has not unrolled this thread yet: open "
        "https://threadreaderapp.com/thread/42.html in a browser to unroll it, then fetch again")


def test_thread_reader_fetch_gives_the_thread_the_saved_page_gives(cli, services, tmp_path, monkeypatch):
    saved = SAMPLES / "threadreader-html" / "mara-reading.html"
    first = "1613475874206646272"
    services.routes[f"/thread/{first}.html"] = Reply(body=saved.read_bytes(), content_type="text/html")
    assert cli("import", f"https://threadreaderapp.com/thread/{first}.html").code == 0
    fetched = {doc["id"]: doc for doc in listed(cli)}
    fetched_posts = shown(cli, first)["posts"]
    monkeypatch.setenv("THREADS_TUI_DB", str(tmp_path / "other" / "library.json"))
    assert cli("import", saved).code == 0
    from_file = {doc["id"]: doc for doc in listed(cli)}
    assert {key: doc | {"source": None} for key, doc in from_file.items()} == \
           {key: doc | {"source": None} for key, doc in fetched.items()}
    assert shown(cli, first)["posts"] == fetched_posts


# -- faults ----------------------------------------------------------------------------


def fault_link(services: FakeServices, fault: str) -> tuple[str, str]:
    """Set a fault up on the server; the link that meets it and the reason threads-tui gives."""
    host = services.base.removeprefix("http://")
    path = "/api/v1/statuses/7"
    link = f"{services.base}/@wren/7"
    if fault == "404":
        services.routes[path] = json_reply({"error": "Record not found"}, 404)
        return link, f"{services.base} has no such status (Record not found): private, deleted or unknown"
    if fault == "500":
        services.routes[path] = Reply(500, b"oops", "text/plain")
        return link, f"{services.base} answered HTTP 500 (HTTP 500)"
    if fault == "timeout":
        services.silent(path)
        return link, f"{host} did not answer within 2 s (timed out)"
    if fault == "closed mid-answer":
        services.broken_off(path)
        return link, f"{host} broke off the answer before it was complete"
    if fault == "redirect loop":
        services.redirect(path, "/api/v1/statuses/8")
        services.redirect("/api/v1/statuses/8", path)
        return link, f"{host} redirects more than 3 times (a redirect loop?)"
    if fault == "redirect to http":
        services.redirect(path, "http://example.org/api/v1/statuses/7")
        return link, f"{host} redirects to http:// (http://example.org/api/v1/statuses/7): refused, only https"
    if fault == "1 GiB answer":
        services.endless(path)
        return link, f"{host} sent more than 16 MiB, more than any thread needs: refused"
    if fault == "HTML for JSON":
        services.routes[path] = Reply(body=b"<html><body>Welcome to our blog</body></html>", content_type="text/html")
        return link, f"{host} answered with an HTML page where JSON was expected"
    if fault == "broken JSON":
        services.routes[path] = Reply(body=b'{"id": "7", "content": ')
        return link, f"{host} answered with broken JSON"
    if fault == "refused":
        port = refused_port()
        return f"http://127.0.0.1:{port}/@wren/7", f"127.0.0.1:{port} refused the connection"
    if fault == "TLS":
        return f"https://{host}/@wren/7", f"the secure connection (TLS) to {host} failed"
    if fault == "unknown kind":
        return "https://example.org/some/page", "not a link threads-tui can fetch; it knows Bluesky posts"
    raise AssertionError(fault)


FAULTS = ["404", "500", "timeout", "closed mid-answer", "redirect loop", "redirect to http", "1 GiB answer",
          "HTML for JSON", "broken JSON", "refused", "TLS", "unknown kind"]


@pytest.mark.parametrize("fault", FAULTS)
def test_each_fault_is_one_line_exit_1_and_the_library_unchanged(cli, db_path, services, fault):
    cli("import", SAMPLES / "threadreader" / "mira-sourdough.txt")
    before = library_bytes(db_path)
    link, reason = fault_link(services, fault)
    started = time.monotonic()
    result = cli("import", link)
    assert time.monotonic() - started < 15
    assert result.code == 1
    failures = [line for line in result.err.splitlines() if line.startswith("failed:")]
    assert len(failures) == 1 and failures[0].startswith(f"failed: {link}: {reason}"), result.err
    assert "Traceback" not in result.err
    assert library_bytes(db_path) == before


def test_a_failed_link_does_not_stop_the_others_or_the_files(cli, services):
    MastodonConversation(wren_thread()).serve(services)
    result = cli("import", f"{services.base}/@wren/100", f"{services.base}/@wren/999",
                 SAMPLES / "threadreader" / "mira-sourdough.txt")
    assert result.code == 1
    assert f"failed: {services.base}/@wren/999: " in result.err
    assert "Imported 2 of 3 files and links" in result.out
    complete = sorted((doc["author_name"], doc["post_count"]) for doc in listed(cli) if doc["complete"])
    assert complete == [("Mira Holt", 7), ("Wren", 4)]


def test_429_is_waited_out_as_retry_after_says_and_the_wait_is_told(cli, services):
    toots = wren_thread()
    MastodonConversation(toots).serve(services)
    moments = services.rate_limited("/api/v1/statuses/100", json_reply(toots[0].status(services.base)), times=2)
    result = cli("import", f"{services.base}/@wren/100")
    assert result.code == 0, result.err
    assert len(moments) == 3 and moments[1] - moments[0] >= 0.9 and moments[2] - moments[1] >= 0.9
    assert result.err.count("asks to slow down (HTTP 429); then try") == 2
    assert listed(cli)[0]["post_count"] == 4


def test_429_that_never_ends_fails_after_a_few_waits(cli, services):
    moments = services.rate_limited("/api/v1/statuses/100", json_reply({}), times=100, retry_after="0")
    result = cli("import", f"{services.base}/@wren/100")
    assert result.code == 1 and len(moments) == 4
    assert "still answers HTTP 429 (too many requests) after 3 waits: try again later" in result.err


def test_requests_name_threads_tui_and_carry_no_cookie(cli, services):
    toots = wren_thread()
    MastodonConversation(toots).serve(services)
    services.routes["/api/v1/statuses/100"] = Reply(
        body=json.dumps(toots[0].status(services.base)).encode(), headers={"Set-Cookie": "session=abc; Path=/"})
    assert cli("import", f"{services.base}/@wren/100").code == 0
    assert len(services.requests) == 2
    for _, headers in services.requests:
        assert headers["user-agent"].startswith(f"threads-tui/{__version__}")
        assert "cookie" not in headers and "authorization" not in headers


def test_at_most_two_requests_at_once_to_one_host(cli, services):
    busy = {"now": 0, "most": 0}
    lock = threading.Lock()

    def slow_page(request, query):
        with lock:
            busy["now"] += 1
            busy["most"] = max(busy["most"], busy["now"])
        time.sleep(0.3)
        with lock:
            busy["now"] -= 1
        return Reply(body=threadreader_page("mara_reads", "Mara", TWEETS), content_type="text/html")

    links = [f"https://threadreaderapp.com/thread/{n}.html" for n in range(11, 16)]
    for n in range(11, 16):
        services.routes[f"/thread/{n}.html"] = slow_page
    assert cli("import", *links).code == 0
    assert busy["most"] == 2


# -- the command line around links ------------------------------------------------------------


def test_links_from_a_file_and_from_standard_input(cli, services, tmp_path, monkeypatch):
    BlueskyConversation(dana_thread()).serve(services, {HANDLE: DANA})
    MastodonConversation(wren_thread()).serve(services)
    links_file = tmp_path / "links.txt"
    links_file.write_text(f"# to read\n\nhttps://bsky.app/profile/{HANDLE}/post/p2\n")
    assert cli("import", "--links", links_file).code == 0
    monkeypatch.setattr(sys, "stdin", io.StringIO(f"{services.base}/@wren/102\n"))
    result = cli("import", "--links", "-", "--json")
    assert result.code == 0
    report = json.loads(result.out)
    assert len(report["added"]) == 1 and report["failed"] == []
    assert len(listed(cli)) == 2


def test_json_report_names_failed_links_as_files(cli, services):
    result = cli("import", "--json", "https://x.com/someone/status/42", "ftp://example.org/x")
    assert result.code == 1
    failed = json.loads(result.out)["failed"]
    assert [item["file"] for item in failed] == ["https://x.com/someone/status/42", "ftp://example.org/x"]
    assert failed[1]["reason"].startswith("not a link threads-tui can fetch; it knows Bluesky posts")


def test_import_with_nothing_to_import_is_a_usage_error(cli):
    result = cli("import")
    assert result.code == 2 and "import needs a PATH or a link" in result.err


def test_show_and_export_give_the_threads_link(cli, services, tmp_path):
    BlueskyConversation(dana_thread()).serve(services, {HANDLE: DANA})
    cli("import", f"https://bsky.app/profile/{HANDLE}/post/p1")
    (summary,) = listed(cli)
    text = cli("show", summary["id"]).out.splitlines()
    assert text[1] == f"https://bsky.app/profile/{HANDLE}/post/p1"
    assert cli("export", "--out", tmp_path / "out").code == 0
    (page,) = (tmp_path / "out").iterdir()
    assert f"Original: <https://bsky.app/profile/{HANDLE}/post/p1>" in page.read_text()


# -- refresh -------------------------------------------------------------------------------------


def test_refresh_replaces_a_preview_with_the_whole_thread_keeping_the_readers_marks(cli, db_path, services):
    posts = dana_thread(5)
    posts[3].gone = "notFound"  # the fourth post is missing today
    conversation = BlueskyConversation(posts)
    conversation.serve(services, {HANDLE: DANA})
    cli("import", f"https://bsky.app/profile/{HANDLE}/post/p1")
    (preview,) = listed(cli)
    assert (preview["post_count"], preview["complete"]) == (3, False)
    UserData(Library.open(db_path)).set_state(preview["id"], bookmarked=True, read=True, position=2)
    posts[3].gone = None  # back again
    result = cli("refresh", preview["id"][:12])
    assert result.code == 0, result.err
    assert "1 updated" in result.out
    (whole,) = listed(cli)
    assert (whole["id"], whole["post_count"], whole["complete"]) == (preview["id"], 5, True)
    state = UserData(Library.open(db_path)).state(preview["id"])
    assert (state.get("bookmarked"), state.get("read"), state.get("position")) == (True, True, 2)


def test_refresh_previews_fetches_every_preview_with_an_address(cli, services):
    posts = dana_thread(4)
    posts[2].gone = "blocked"
    BlueskyConversation(posts).serve(services, {HANDLE: DANA})
    cli("import", f"https://bsky.app/profile/{HANDLE}/post/p1", SAMPLES / "threadreader" / "ines-trains.txt")
    posts[2].gone = None
    services.requests.clear()
    result = cli("refresh", "--previews")
    assert result.code == 0, result.err
    assert [path for path in services.paths_asked() if "getPostThread" in path]  # only the fetched preview
    dana = next(doc for doc in listed(cli) if doc["author_handle"] == HANDLE)
    assert (dana["post_count"], dana["complete"]) == (4, True)


def test_refresh_of_a_thread_from_a_file_says_it_has_no_address(cli):
    cli("import", SAMPLES / "threadreader" / "mira-sourdough.txt")
    thread_id = next(doc["id"] for doc in listed(cli) if doc["complete"])
    result = cli("refresh", thread_id)
    assert result.code == 1 and "has no address to fetch it from" in result.err
    assert cli("refresh").code == 2


# -- what a link names ---------------------------------------------------------------------------


def test_addresses():
    assert parse_address(" https://bsky.app/profile/a.b/post/3k2 ") == BlueskyPost(
        "https://bsky.app/profile/a.b/post/3k2", "a.b", "3k2")
    assert parse_address("https://mastodon.social/@ivy/1101") == MastodonStatus(
        "https://mastodon.social/@ivy/1101", "https://mastodon.social", "ivy", "1101")
    assert parse_address("https://x.com/i/web/status/77") == ThreadReaderPage("https://x.com/i/web/status/77", "77")
    with pytest.raises(AddressError, match="only for a server on this machine"):
        parse_address("http://mastodon.social/@ivy/1101")
    for unknown in ("https://bsky.app/profile/a.b", "https://x.com/home", "mailto:a@b", "https://example.org/@a/b"):
        with pytest.raises(AddressError, match="it knows Bluesky posts"):
            parse_address(unknown)


def test_mastodon_fetch_gives_the_thread_the_saved_files_give(cli, services, tmp_path, monkeypatch):
    """The sample status and context, served as the instance would serve them (its own addresses)."""
    def served(name: str) -> bytes:
        text = (SAMPLES / "mastodon" / name).read_text()  # the statuses' pages, not the accounts', name the server
        return re.sub(r'"url": "https://fedi\.example/(@\w+/\d+)"', rf'"url": "{services.base}/\1"', text).encode()

    services.routes["/api/v1/statuses/2205"] = Reply(body=served("status.json"))
    services.routes["/api/v1/statuses/2205/context"] = Reply(body=served("context.json"))
    assert cli("import", f"{services.base}/@wren/2205").code == 0
    (fetched,) = listed(cli)
    fetched_posts = shown(cli, fetched["id"])["posts"]
    monkeypatch.setenv("THREADS_TUI_DB", str(tmp_path / "other" / "library.json"))
    assert cli("import", SAMPLES / "mastodon" / "status.json", SAMPLES / "mastodon" / "context.json").code == 0
    (from_files,) = listed(cli)
    assert from_files | {"source": None, "url": None} == fetched | {"source": None, "url": None}
    assert fetched["url"] == f"{services.base}/@wren/2201"
    without_address = [post | {"url": None} for post in fetched_posts]
    assert [post | {"url": None} for post in shown(cli, from_files["id"])["posts"]] == without_address
    assert len(fetched_posts) == 3 and fetched_posts[1]["url"] == f"{services.base}/@wren/2205"


def test_fetching_leaves_no_thread_running(db_path, services):
    """An import of files after the links forks its worker processes only from a process of one thread."""
    from tui.importing import run_import

    MastodonConversation(wren_thread()).serve(services)
    before = threading.active_count()
    report = run_import([], Library.open(db_path), links=[f"{services.base}/@wren/100", f"{services.base}/@x/1"])
    assert len(report.counts.added) == 1 and len(report.failures) == 1
    assert threading.active_count() == before


# -- what a careless or hostile server cannot do ---------------------------------------------------


def test_a_server_dripping_its_answer_is_cut_off_at_the_deadline(cli, services):
    dripping(services, "/api/v1/statuses/7")
    started = time.monotonic()
    result = cli("import", f"{services.base}/@wren/7")
    took = time.monotonic() - started
    assert result.code == 1 and "took more than 8 s to send its answer (timed out)" in result.err
    assert 8 <= took < 12  # 4 read timeouts of 2 s, however slowly the bytes come


def test_a_gzip_bomb_is_refused_without_unpacking_it(cli, db_path, services):
    import gzip
    import resource

    bomb = gzip.compress(b"[" + b" " * (200 * 1024 * 1024) + b"]", compresslevel=9)  # 200 MiB in ~200 KiB
    services.routes["/api/v1/statuses/7"] = Reply(body=bomb, headers={"Content-Encoding": "gzip"})
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result = cli("import", f"{services.base}/@wren/7")
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert result.code == 1 and "sent more than 16 MiB, more than any thread needs: refused" in result.err
    assert grown_kib < 64 * 1024


def test_an_answer_in_an_encoding_threads_tui_does_not_read_is_one_line(cli, services):
    services.routes["/api/v1/statuses/7"] = Reply(body=b"\x00\x01", headers={"Content-Encoding": "br"})
    result = cli("import", f"{services.base}/@wren/7")
    assert result.code == 1 and "sent its answer encoded as 'br', which threads-tui does not read" in result.err


def test_503_is_waited_out_too(cli, services):
    toots = wren_thread()
    MastodonConversation(toots).serve(services)
    moments = services.rate_limited("/api/v1/statuses/100", json_reply(toots[0].status(services.base)),
                                    retry_after="0", status=503)
    result = cli("import", f"{services.base}/@wren/100")
    assert result.code == 0 and len(moments) == 2 and "asks to slow down (HTTP 503)" in result.err


def test_retry_after_in_seconds_dates_and_nonsense():
    from datetime import datetime, timedelta, timezone
    from email.utils import format_datetime

    from tui.fetching.http import DEFAULT_WAIT_SECONDS, _retry_after

    assert _retry_after("7") == 7 and _retry_after(" 1.5 ") == 1.5
    for nonsense in ("²", "-3", "soon", "", None, "1e9"):
        assert _retry_after(nonsense) == DEFAULT_WAIT_SECONDS
    later = datetime.now(timezone.utc) + timedelta(seconds=30)
    assert 25 < _retry_after(format_datetime(later, usegmt=True)) <= 30
    assert 25 < _retry_after(later.strftime("%a, %d %b %Y %H:%M:%S")) <= 30  # no zone: UTC
    assert _retry_after("Mon, 01 Jan 2001 00:00:00 GMT") == 0


def test_a_redirect_to_another_host_is_refused(cli, services):
    port = services.base.rsplit(":", 1)[1]
    services.redirect("/api/v1/statuses/7", f"http://localhost:{port}/api/v1/statuses/8")
    result = cli("import", f"{services.base}/@wren/7")
    assert result.code == 1 and f"redirects to another host (localhost:{port}): refused" in result.err
    assert services.paths_asked() == ["/api/v1/statuses/7"]


def test_a_copy_on_the_internet_cannot_send_threads_tui_to_this_machine():
    from tui.fetching.mastodon import _origin_of

    remote = parse_address("https://mastodon.example/@wren@other.example/9001")
    assert isinstance(remote, MastodonStatus)
    for local in ("http://127.0.0.1:8080/@wren/1", "https://localhost/@wren/1", "https://10.0.0.5/@wren/1",
                  "https://[::1]/@wren/1", "https://192.168.1.2/@wren/1"):
        assert _origin_of(remote, {"url": local}) is None, local
    origin = _origin_of(remote, {"url": "https://other.example/@wren/77"})
    assert origin == MastodonStatus("https://other.example/@wren/77", "https://other.example", "wren", "77")
    loopback = parse_address("http://127.0.0.1:8080/@wren@127.0.0.1:9090/5")
    assert isinstance(loopback, MastodonStatus)
    assert _origin_of(loopback, {"url": "http://127.0.0.1:9090/@wren/77"}) is not None  # a test's two servers


def test_a_service_address_from_the_environment_must_be_https_or_this_machine(cli, services, monkeypatch):
    monkeypatch.setenv("THREADS_TUI_BLUESKY_API", "http://appview.example")
    result = cli("import", f"https://bsky.app/profile/{HANDLE}/post/p1")
    assert result.code == 1
    assert "$THREADS_TUI_BLUESKY_API is 'http://appview.example': it must be an https:// address" in result.err


@pytest.mark.parametrize("rkey", ["p1", "p150"])
def test_a_long_bluesky_thread_nests_deep_and_still_comes_whole(cli, services, rkey):
    BlueskyConversation(dana_thread(150)).serve(services, {HANDLE: DANA})
    result = cli("import", f"https://bsky.app/profile/{HANDLE}/post/{rkey}")
    assert result.code == 0, result.err
    (summary,) = listed(cli)
    assert (summary["post_count"], summary["complete"]) == (150, True)


def test_refresh_json_with_nothing_to_refresh_is_still_json(cli):
    cli("import", SAMPLES / "threadreader" / "mira-sourdough.txt")
    result = cli("refresh", "--previews", "--json")
    assert result.code == 0
    assert json.loads(result.out) == {"added": [], "updated": [], "unchanged": [], "failed": [], "warnings": []}
