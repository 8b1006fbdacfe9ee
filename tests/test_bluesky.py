"""The Bluesky getPostThread importer on real-shaped files (made-up people and text)."""

import json
from pathlib import Path

import pytest

from tui.importers.base import ImportFailure, Source
from tui.importers.bluesky import BlueskyThreadImporter
from tui.model import PartialDate

from .conftest import FIXTURES, SAMPLES

NOTE_EXAMPLE = FIXTURES / "bluesky" / "note-example.json"
THREAD_VIEW = "app.bsky.feed.defs#threadViewPost"
SAM, LU = "did:plc:sam1", "did:plc:lu2"


def uri(did: str, rkey: str) -> str:
    return f"at://{did}/app.bsky.feed.post/{rkey}"


def post(did: str, rkey: str, text: str, minute: int, parent: str | None = None, **extra) -> dict:
    """A post view; `extra` may hold `facets` (record) and `embed` (view)."""
    author = {"did": did, "handle": "samrowe.bsky.social" if did == SAM else "lu.example.com"}
    if did == SAM:
        author["displayName"] = "Sam Rowe"
    record = {"text": text, "createdAt": f"2024-02-10T20:{minute:02d}:00.000Z"}
    if parent:
        record["reply"] = {"root": {"uri": parent}, "parent": {"uri": parent}}
    if "facets" in extra:
        record["facets"] = extra["facets"]
    view = {"uri": uri(did, rkey), "author": author, "record": record}
    if "embed" in extra:
        view["embed"] = extra["embed"]
    return view


def node(post_view: dict, replies: list | None = None, parent: dict | None = None) -> dict:
    data = {"$type": THREAD_VIEW, "post": post_view}
    if replies is not None:
        data["replies"] = replies
    if parent is not None:
        data["parent"] = parent
    return data


def link_facet(start: int, end: int, target: str) -> dict:
    return {"index": {"byteStart": start, "byteEnd": end},
            "features": [{"$type": "app.bsky.richtext.facet#link", "uri": target}]}


def write(tmp_path: Path, data, name: str = "thread.json") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


def parse(path: Path):
    return BlueskyThreadImporter().parse(Source(str(path), path=path))


def parse_thread(tmp_path: Path, focal: dict):
    (thread,) = parse(write(tmp_path, {"thread": focal})).threads
    return thread


def test_note_example_through_the_parser():
    (thread,) = parse(NOTE_EXAMPLE).threads
    assert (thread.author_name, thread.author_handle) == ("Sam Rowe", "samrowe.bsky.social")
    assert thread.date == PartialDate(2024, 2, 10)
    assert (thread.complete, thread.declared_count) == (True, None)
    assert thread.id == "at://did:plc:sam1/app.bsky.feed.post/3kaa"
    assert [p.text for p in thread.posts] == ["Three tips for night walks ↓",
                                              "1. A red torch keeps your night sight."]
    assert [p.id for p in thread.posts] == [uri(SAM, "3kaa"), uri(SAM, "3kcc")]
    assert thread.posts[1].time == "2024-02-10T20:02:00.000Z"
    (image,) = thread.posts[1].media
    assert image.to_dict() == {
        "kind": "image",
        "url": "https://cdn.bsky.app/img/feed_fullsize/plain/did:plc:sam1/bafk1@jpeg",
        "alt": "A red head torch on a fence post",
    }


def test_note_example_through_the_cli(cli):
    result = cli("import", NOTE_EXAMPLE)
    assert result.code == 0, result.err
    (listed,) = json.loads(cli("list", "--json").out)
    assert listed | {"source": None} == {
        "id": uri(SAM, "3kaa"), "author_name": "Sam Rowe", "author_handle": "samrowe.bsky.social",
        "date": "2024-02-10", "title": "Three tips for night walks ↓", "post_count": 2,
        "declared_count": None, "complete": True, "source": None,
        "url": "https://bsky.app/profile/samrowe.bsky.social/post/3kaa", "tags": [],
    }
    shown = json.loads(cli("show", listed["id"], "--json").out)
    assert [p["text"] for p in shown["posts"]] == ["Three tips for night walks ↓",
                                                   "1. A red torch keeps your night sight."]
    assert shown["posts"][1]["media"] == [{
        "kind": "image",
        "url": "https://cdn.bsky.app/img/feed_fullsize/plain/did:plc:sam1/bafk1@jpeg",
        "alt": "A red head torch on a fence post",
    }]
    assert "Saving this!" not in cli("show", listed["id"]).out


def test_facet_worked_example_counts_utf8_bytes(cli):
    path = FIXTURES / "bluesky" / "facet-example.json"
    text = json.loads(path.read_text())["thread"]["post"]["record"]["text"]
    assert text == "Café 🌊 map: example.org/maps/riv… #rivers" and len(text.encode("utf-8")) == 47
    expected = "Café 🌊 map: https://example.org/maps/river-walks-2024 #rivers"
    (thread,) = parse(path).threads
    assert thread.posts[0].text == expected
    assert thread.posts[0].links == ["https://example.org/maps/river-walks-2024"]
    assert cli("import", path).code == 0
    shown = json.loads(cli("show", uri(SAM, "3kmap"), "--json").out)
    assert shown["posts"][0]["text"] == expected
    assert shown["posts"][0]["links"] == ["https://example.org/maps/river-walks-2024"]


def test_several_facets_after_emoji_are_replaced_last_first(tmp_path):
    text = "🌊🌊 see a.org/x… and b.org/y… @lu.example.com"
    data = text.encode("utf-8")
    first, second = data.index(b"a.org"), data.index(b"b.org")
    mention = data.index(b"@lu")
    facets = [
        link_facet(second, second + len("b.org/y…".encode()), "https://b.org/y-long"),
        {"index": {"byteStart": mention, "byteEnd": len(data)},
         "features": [{"$type": "app.bsky.richtext.facet#mention", "did": LU}]},
        link_facet(first, first + len("a.org/x…".encode()), "https://a.org/x-long"),
    ]
    thread = parse_thread(tmp_path, node(post(SAM, "3k1", text, 0, facets=facets)))
    assert thread.posts[0].text == "🌊🌊 see https://a.org/x-long and https://b.org/y-long @lu.example.com"
    assert thread.posts[0].links == ["https://a.org/x-long", "https://b.org/y-long"]


def test_facets_out_of_range_inside_a_character_or_overlapping_keep_their_text(tmp_path):
    text = "é tail"
    facets = [link_facet(1, 2, "https://inside.example"), link_facet(3, 99, "https://far.example"),
              link_facet(3, 7, "https://tail.example"), link_facet(2, 5, "https://overlap.example"),
              link_facet(0, 2, " ")]
    thread = parse_thread(tmp_path, node(post(SAM, "3k1", text, 0, facets=facets)))
    assert thread.posts[0].text == "é https://tail.example"
    assert "https://tail.example" in thread.posts[0].links


def test_parent_chain_up_to_the_first_own_post(tmp_path):
    lu_root = node(post(LU, "3k0", "What are your walking tips?", 0))
    first = node(post(SAM, "3k1", "Mine, a thread:", 1, uri(LU, "3k0")), parent=lu_root)
    second = node(post(SAM, "3k2", "One: boots.", 2, uri(SAM, "3k1")), parent=first)
    focal = node(post(SAM, "3k3", "Two: water.", 3, uri(SAM, "3k2")), parent=second, replies=[
        node(post(SAM, "3k4", "Three: a map.", 4, uri(SAM, "3k3")), replies=[])])
    thread = parse_thread(tmp_path, focal)
    assert [p.text for p in thread.posts] == ["Mine, a thread:", "One: boots.", "Two: water.", "Three: a map."]
    assert thread.id == uri(SAM, "3k1")
    assert thread.complete is True  # the first post answers someone else: nothing is missing


def test_not_found_parent_by_the_author_leaves_the_thread_incomplete(tmp_path):
    gone = {"$type": "app.bsky.feed.defs#notFoundPost", "uri": uri(SAM, "3k1"), "notFound": True}
    focal = node(post(SAM, "3k2", "Part two.", 2, uri(SAM, "3k1")), parent=gone, replies=[
        node(post(SAM, "3k3", "Part three.", 3, uri(SAM, "3k2")))])
    thread = parse_thread(tmp_path, focal)
    assert [p.text for p in thread.posts] == ["Part two.", "Part three."]
    assert thread.complete is False
    assert thread.id == uri(SAM, "3k2")


def test_a_file_that_stops_below_the_start_is_incomplete(tmp_path):
    thread = parse_thread(tmp_path, node(post(SAM, "3k2", "Part two.", 2, uri(SAM, "3k1"))))
    assert thread.complete is False


def test_blocked_and_not_found_replies_are_skipped(tmp_path):
    blocked = {"$type": "app.bsky.feed.defs#blockedPost", "uri": uri(LU, "3kx"), "blocked": True,
               "author": {"did": LU}}
    missing = {"$type": "app.bsky.feed.defs#notFoundPost", "uri": uri(SAM, "3ky"), "notFound": True}
    focal = node(post(SAM, "3k1", "Start.", 1), replies=[
        blocked, missing, node(post(SAM, "3k2", "Next.", 2, uri(SAM, "3k1")))])
    thread = parse_thread(tmp_path, focal)
    assert [p.text for p in thread.posts] == ["Start.", "Next."]
    assert thread.complete is True


def test_others_replies_and_the_authors_answers_to_them_are_left_out(tmp_path):
    lu_reply = node(post(LU, "3kl", "Why boots?", 2, uri(SAM, "3k1")), replies=[
        node(post(SAM, "3ka", "Ankles, Lu.", 3, uri(LU, "3kl")))])
    # An answer to Lu that the API lists under the focal post still answers Lu, not the thread.
    stray = node(post(SAM, "3kb", "Also: socks, Lu.", 4, uri(LU, "3kl")))
    focal = node(post(SAM, "3k1", "Boots matter.", 1), replies=[
        lu_reply, stray, node(post(SAM, "3k2", "So do socks.", 5, uri(SAM, "3k1")))])
    thread = parse_thread(tmp_path, focal)
    assert [p.text for p in thread.posts] == ["Boots matter.", "So do socks."]


def test_several_self_replies_the_earliest_continues_the_thread(tmp_path):
    later = node(post(SAM, "3kz", "Afterthought.", 9, uri(SAM, "3k1")))
    earliest = node(post(SAM, "3k2", "Two.", 2, uri(SAM, "3k1")), replies=[
        node(post(SAM, "3k3", "Three.", 3, uri(SAM, "3k2")))])
    thread = parse_thread(tmp_path, node(post(SAM, "3k1", "One.", 1), replies=[later, earliest]))
    assert [p.text for p in thread.posts] == ["One.", "Two.", "Three."]


def quoted_view(text: str, **value_extra) -> dict:
    return {"$type": "app.bsky.embed.record#viewRecord", "uri": uri(LU, "3kq"),
            "author": {"did": LU, "handle": "lu.example.com"},
            "value": {"text": text, "createdAt": "2024-02-01T10:00:00.000Z", **value_extra}}


def test_quotes_with_facets_and_quotes_that_are_gone(tmp_path):
    quote = {"$type": "app.bsky.embed.record#view", "record": quoted_view(
        "Map 🗺 at ex.org/m…", facets=[link_facet(12, 23, "https://ex.org/map-2024")])}
    gone = {"$type": "app.bsky.embed.record#view", "record": {
        "$type": "app.bsky.embed.record#viewNotFound", "uri": uri(LU, "3kg"), "notFound": True}}
    blocked = {"$type": "app.bsky.embed.record#view", "record": {
        "$type": "app.bsky.embed.record#viewBlocked", "uri": uri(LU, "3kb"), "blocked": True}}
    focal = node(post(SAM, "3k1", "Look:", 1, embed=quote), replies=[
        node(post(SAM, "3k2", "Gone.", 2, uri(SAM, "3k1"), embed=gone), replies=[
            node(post(SAM, "3k3", "Blocked.", 3, uri(SAM, "3k2"), embed=blocked))])])
    thread = parse_thread(tmp_path, focal)
    quoted = thread.posts[0].quoted
    assert quoted.text == "Map 🗺 at https://ex.org/map-2024"
    assert (quoted.id, quoted.links) == (uri(LU, "3kq"), ["https://ex.org/map-2024"])
    assert thread.posts[1].quoted is None and thread.posts[2].quoted is None


def test_record_with_media_gives_images_and_the_quote(tmp_path):
    embed = {"$type": "app.bsky.embed.recordWithMedia#view",
             "media": {"$type": "app.bsky.embed.images#view", "images": [
                 {"fullsize": "https://cdn.example/a@jpeg", "alt": ""},
                 {"fullsize": "https://cdn.example/b@jpeg", "alt": "A stile"}]},
             "record": {"record": quoted_view("Their walk")}}
    thread = parse_thread(tmp_path, node(post(SAM, "3k1", "Same stile!", 1, embed=embed)))
    first = thread.posts[0]
    assert [m.to_dict() for m in first.media] == [
        {"kind": "image", "url": "https://cdn.example/a@jpeg", "alt": None},
        {"kind": "image", "url": "https://cdn.example/b@jpeg", "alt": "A stile"}]
    assert first.quoted.text == "Their walk"


def test_video_and_link_card(tmp_path):
    video = {"$type": "app.bsky.embed.video#view", "playlist": "https://video.example/p.m3u8",
             "thumbnail": "https://video.example/t.jpg"}
    card = {"$type": "app.bsky.embed.external#view", "external": {
        "uri": "https://example.org/walks", "title": "Night walks", "description": "A guide"}}
    focal = node(post(SAM, "3k1", "Clip:", 1, embed=video), replies=[
        node(post(SAM, "3k2", "Guide:", 2, uri(SAM, "3k1"), embed=card))])
    clip, guide = parse_thread(tmp_path, focal).posts
    assert [m.to_dict() for m in clip.media] == [
        {"kind": "video", "url": "https://video.example/p.m3u8", "alt": None}]
    assert [m.to_dict() for m in guide.media] == [
        {"kind": "link", "url": "https://example.org/walks", "alt": "Night walks"}]
    assert guide.links == ["https://example.org/walks"]


def test_a_detached_quote_is_no_quote_and_a_video_keeps_its_alt(tmp_path):
    detached = {"$type": "app.bsky.embed.record#view", "record": {
        "$type": "app.bsky.embed.record#viewDetached", "uri": uri(LU, "3kd"), "detached": True}}
    video = {"$type": "app.bsky.embed.video#view", "playlist": "https://video.example/p.m3u8",
             "thumbnail": "https://video.example/t.jpg", "alt": "Torch light on a wet path"}
    focal = node(post(SAM, "3k1", "Quoted, then detached:", 1, embed=detached), replies=[
        node(post(SAM, "3k2", "Clip:", 2, uri(SAM, "3k1"), embed=video))])
    quoting, clip = parse_thread(tmp_path, focal).posts
    assert (quoting.text, quoting.quoted, quoting.media) == ("Quoted, then detached:", None, [])
    assert [m.to_dict() for m in clip.media] == [
        {"kind": "video", "url": "https://video.example/p.m3u8", "alt": "Torch light on a wet path"}]


def test_absent_display_name_is_null(tmp_path):
    view = post(SAM, "3k1", "No name set.", 1)
    del view["author"]["displayName"]
    thread = parse_thread(tmp_path, node(view))
    assert (thread.author_name, thread.author_handle) == (None, "samrowe.bsky.social")


def test_a_blocked_parent_at_the_start_is_left_out_and_the_thread_starts_below_it(tmp_path):
    blocked = {"$type": "app.bsky.feed.defs#blockedPost", "uri": uri(LU, "3k0"), "blocked": True,
               "author": {"did": LU, "viewer": {"blockedBy": True}}}
    focal = node(post(SAM, "3k1", "Answering a thread I cannot see.", 1, uri(LU, "3k0")), parent=blocked,
                 replies=[node(post(SAM, "3k2", "And more.", 2, uri(SAM, "3k1")))])
    thread = parse_thread(tmp_path, focal)
    assert [p.text for p in thread.posts] == ["Answering a thread I cannot see.", "And more."]
    assert (thread.id, thread.complete) == (uri(SAM, "3k1"), True)  # it answers someone else: nothing missing


def test_a_created_at_with_an_offset_gives_the_utc_date(tmp_path):
    view = post(SAM, "3k1", "Late walk.", 1)
    view["record"]["createdAt"] = "2024-02-10T21:30:00.000-05:00"
    thread = parse_thread(tmp_path, node(view))
    assert thread.date == PartialDate(2024, 2, 11)
    assert thread.posts[0].time == "2024-02-10T21:30:00.000-05:00"


def test_a_depth_cut_file_is_replaced_by_the_fuller_one(tmp_path, cli):
    def chain(posts: int) -> dict:
        """The thread 3k1 -> 3k2 -> ..., `posts` long, saved from its first post."""
        below = None
        for number in range(posts, 0, -1):
            parent = uri(SAM, f"3k{number - 1}") if number > 1 else None
            below = node(post(SAM, f"3k{number}", f"Part {number}.", number, parent),
                         replies=[] if below is None else [below])
        return {"thread": below}

    cut = write(tmp_path, chain(7), "cut.json")  # what the API gives without `depth`
    full = write(tmp_path, chain(9), "full.json")
    assert cli("import", cut).out.endswith(": 1 added, 0 updated, 0 unchanged, 0 files failed.\n")
    assert cli("import", full).out.endswith(": 0 added, 1 updated, 0 unchanged, 0 files failed.\n")
    (listed,) = json.loads(cli("list", "--json").out)
    assert (listed["id"], listed["post_count"], listed["complete"]) == (uri(SAM, "3k1"), 9, True)
    assert cli("import", cut).out.endswith(": 0 added, 0 updated, 1 unchanged, 0 files failed.\n")
    assert json.loads(cli("list", "--json").out)[0]["post_count"] == 9


def test_empty_display_name_is_null_and_control_characters_are_stripped(tmp_path):
    view = post(LU, "3k1", "Red \x1b[31malert\x1b[0m [bold]kept[/bold]", 1)
    view["author"]["displayName"] = ""
    thread = parse_thread(tmp_path, node(view))
    assert thread.author_name is None and thread.author_handle == "lu.example.com"
    assert thread.posts[0].text == "Red alert [bold]kept[/bold]"


def test_detection_is_by_content_not_name(tmp_path, cli):
    renamed = tmp_path / "saved-thread"
    renamed.write_bytes(NOTE_EXAMPLE.read_bytes())
    assert BlueskyThreadImporter().detect(Source(str(renamed), path=renamed))
    assert cli("import", renamed).code == 0
    assert json.loads(cli("list", "--json").out)[0]["id"] == uri(SAM, "3kaa")
    for other in (FIXTURES / "mastodon" / "context.json", FIXTURES / "threadreader" / "note-example.txt"):
        assert not BlueskyThreadImporter().detect(Source(str(other), path=other))


def test_detected_whatever_the_order_of_the_top_level_keys(tmp_path, cli):
    note = json.loads(NOTE_EXAMPLE.read_text())
    gate = {"uri": "at://did:plc:sam1/app.bsky.feed.threadgate/3kaa", "lists": [],
            "record": {"$type": "app.bsky.feed.threadgate", "allow": [], "createdAt": "2024-02-10T20:00:00.000Z"}}
    path = write(tmp_path, {"threadgate": gate, "thread": note["thread"]}, "gated.json")
    assert BlueskyThreadImporter().detect(Source(str(path), path=path))
    result = cli("import", path)
    assert (result.code, result.err) == (0, "")
    assert result.out.endswith(": 1 added, 0 updated, 0 unchanged, 0 files failed.\n")
    (thread,) = parse(path).threads
    assert [p.text for p in thread.posts] == ["Three tips for night walks ↓",
                                              "1. A red torch keeps your night sight."]
    plain = write(tmp_path, {"threadgate": gate, "thread": None}, "no-thread.json")
    assert not BlueskyThreadImporter().detect(Source(str(plain), path=plain))


def nested(depth: int) -> str:
    return '{"thread": {"$type": "app.bsky.feed.defs#threadViewPost", "x": ' + "[" * depth + "]" * depth + "}}"


@pytest.mark.parametrize("content,reason", [
    ('{"thread": [{"$type": "app.bsky.feed.defs#threadViewPost"}]}', "`thread` should be an object, not an array"),
    ('{"thread": {"$type": "app.bsky.feed.defs#threadViewPost"}}', "`thread.post` is missing"),
    ('{"thread": {"$type": "app.bsky.feed.defs#threadViewPost", "post": {"uri": "at://x"', "not valid JSON"),
    ('{"thread": {"$type": "app.bsky.feed.defs#threadViewPost", "post": {"uri": "at://x", '
     '"author": {"did": 7, "handle": "h"}, "record": {}}}}',
     "`thread.post.author.did` should be a string, not a number"),
    ('{"thread": {"$type": "app.bsky.feed.defs#notFoundPost", "uri": "at://x", "notFound": true}}',
     "the focal post is not in the file"),
    (nested(5000), "nested too deeply"),
], ids=["thread-list", "no-post", "truncated", "did-number", "focal-not-found", "deep"])
def test_malformed_files_fail_with_one_line_and_leave_the_library_unchanged(tmp_path, cli, content, reason):
    assert cli("import", NOTE_EXAMPLE).code == 0
    before = cli("list", "--json").out
    bad = write(tmp_path, content, "broken.json")
    result = cli("import", bad)
    assert result.code == 1
    (line,) = result.err.splitlines()
    assert line.startswith(f"failed: {bad}: ") and reason in line
    assert "Traceback" not in result.err
    assert cli("list", "--json").out == before
    with pytest.raises(ImportFailure):
        parse(bad)


def test_bad_record_fields_fail_clearly(tmp_path):
    view = post(SAM, "3k1", "Hi", 1)
    view["record"]["createdAt"] = "yesterday"
    with pytest.raises(ImportFailure, match=r"`thread.post.record.createdAt` is not a date and time"):
        parse(write(tmp_path, {"thread": node(view)}))
    view = post(SAM, "3k1", "Hi", 1, facets=[{"index": {"byteStart": "0", "byteEnd": 2}, "features": []}])
    with pytest.raises(ImportFailure, match=r"`thread.post.record.facets\[0\].index.byteStart` should be"):
        parse(write(tmp_path, {"thread": node(view)}))


def test_sample_has_a_link_facet_an_image_with_alt_and_leaves_out_another_persons_reply():
    (path,) = sorted((SAMPLES / "bluesky").glob("*.json"))
    (thread,) = parse(path).threads
    assert thread.complete and thread.post_count >= 3
    assert any(p.links for p in thread.posts)
    assert any(m.alt for p in thread.posts for m in p.media)
    authors = json.loads(path.read_text())["thread"]["replies"]
    others = [r["post"]["record"]["text"] for r in authors if r["post"]["author"]["handle"] != thread.author_handle]
    assert others and not any(p.text == text for p in thread.posts for text in others)
