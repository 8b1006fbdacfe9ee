"""The X/Twitter archive importer, on archives the tests write (made-up people and text)."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui.importers import IMPORTERS
from tui.importers.base import ImportFailure
from tui.importers.twitter_archive import TwitterArchiveImporter
from tui.model import PartialDate

from .conftest import FIXTURES, SAMPLES

NOTE_EXAMPLE = FIXTURES / "twitter-archive" / "note-example"
SAMPLE_ZIP = SAMPLES / "twitter" / "twitter-2024-02-14-jonas_fixes.zip"
ACCOUNT_ID = "1001"
# Snowflake ids of 3 Nov 2023, growing with time like real ones.
ROOT, SECOND, THIRD, FOURTH, FIFTH = (str(1720000000000000000 + n * 100) for n in range(1, 6))


def tweet(id_str: str, text: str, reply_to: str | None = None, *, user_id: str | None = ACCOUNT_ID,
          screen_name: str | None = "otto_example", minute: int = 0, **extra: Any) -> dict[str, Any]:
    """One archive item, shaped like the real ones (every number a string)."""
    body: dict[str, Any] = {
        "id_str": id_str,
        "created_at": f"Fri Nov 03 09:{minute:02d}:00 +0000 2023",
        "full_text": text,
        "entities": {"urls": []},
        **extra,
    }
    if reply_to:
        body["in_reply_to_status_id_str"] = reply_to
        if user_id:
            body["in_reply_to_user_id_str"] = user_id
        if screen_name:
            body["in_reply_to_screen_name"] = screen_name
    return {"tweet": body}


def js(global_name: str, value: Any, pretty: bool = True) -> str:
    """A `data/*.js` file: pretty-printed like the archive (`"key" : value`) or one line."""
    if pretty:
        return f"window.{global_name} = " + json.dumps(value, indent=2, ensure_ascii=False).replace('": ', '" : ')
    return f"window.{global_name} = " + json.dumps(value, separators=(",", ":"), ensure_ascii=False)


ACCOUNT_JS = js("YTD.account.part0", [{"account": {
    "username": "otto_example", "accountId": ACCOUNT_ID, "accountDisplayName": "Otto Example"}}])


def write_zip(path: Path, files: dict[str, str | bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return path


def archive(tmp_path: Path, tweets: list[dict[str, Any]], **files: str) -> Path:
    """A zip with account.js, the tweets in data/tweets.js, and any other `data/` files."""
    contents: dict[str, str | bytes] = {"Your archive.html": "<html></html>", "data/account.js": ACCOUNT_JS,
                                        "data/tweets.js": js("YTD.tweets.part0", tweets)}
    contents.update({f"data/{name.replace('_', '-')}.js": text for name, text in files.items()})
    return write_zip(tmp_path / "twitter-2023-11-04-abc.zip", contents)


def parse(path: Path):
    importer = TwitterArchiveImporter()
    if path.is_dir():
        return importer.parse_dir(path)
    with zipfile.ZipFile(path) as zip_file:
        assert importer.detect_zip(zip_file)
        return importer.parse_zip(zip_file, str(path))


def texts(thread) -> list[str]:
    return [post.text for post in thread.posts]


def note_example_zip(tmp_path: Path) -> Path:
    return write_zip(tmp_path / "twitter-2023-11-04-5f3c.zip", {
        f"data/{f.name}": f.read_bytes() for f in (NOTE_EXAMPLE / "data").iterdir()})


# The note's example

def test_note_example_through_the_cli_gives_exactly_what_the_note_says(cli, tmp_path):
    result = cli("import", note_example_zip(tmp_path))
    assert result.code == 0, result.err
    assert result.err == ""
    listed = json.loads(cli("list", "--json").out)
    assert [t["id"] for t in listed] == ["1720000000000000100"]
    shown = json.loads(cli("show", "1720000000000000100", "--json").out)
    assert {k: shown[k] for k in ("author_name", "author_handle", "date", "post_count", "declared_count",
                                  "complete", "title")} == {
        "author_name": "Otto Example", "author_handle": "otto_example", "date": "2023-11-03",
        "post_count": 2, "declared_count": None, "complete": True, "title": "Sourdough, week one & two 🧵"}
    assert [(p["text"], p["links"], p["id"], p["time"]) for p in shown["posts"]] == [
        ("Sourdough, week one & two 🧵", [], "1720000000000000100", "2023-11-03T09:10:00Z"),
        ("Part two: the recipe https://example.com/bread?step=2&section=crumb",
         ["https://example.com/bread?step=2&section=crumb"], "1720000000000000200", "2023-11-03T09:15:00Z"),
    ]


def test_note_example_through_the_parser():
    result = parse(NOTE_EXAMPLE)
    (thread,) = result.threads
    assert (thread.id, thread.author_name, thread.author_handle) == (
        "1720000000000000100", "Otto Example", "otto_example")
    assert (thread.date, thread.declared_count, thread.complete) == (PartialDate(2023, 11, 3), None, True)
    assert texts(thread) == ["Sourdough, week one & two 🧵",
                             "Part two: the recipe https://example.com/bread?step=2&section=crumb"]
    assert thread.posts[1].links == ["https://example.com/bread?step=2&section=crumb"]
    assert result.warnings == []


def test_unpacked_folder_the_data_folder_itself_and_a_folder_holding_it(cli, tmp_path):
    assert cli("import", NOTE_EXAMPLE / "data").code == 0
    assert cli("import", NOTE_EXAMPLE).out.count("1 unchanged") == 1
    assert cli("import", FIXTURES / "twitter-archive").out.count("1 unchanged") == 1
    assert [t["id"] for t in json.loads(cli("list", "--json").out)] == ["1720000000000000100"]


# Files: parts, names, manifest

def test_part_files_in_no_order_pretty_and_one_line_from_the_manifest(tmp_path):
    manifest = js("__THAR_CONFIG", {
        "userInfo": {"accountId": ACCOUNT_ID, "userName": "otto_example", "displayName": "Otto Example"},
        "dataTypes": {"tweets": {"files": [
            {"fileName": "data/tweets.js", "globalName": "YTD.tweets.part0", "count": "2"},
            {"fileName": "data/tweets-part1.js", "globalName": "YTD.tweets.part1", "count": "2"}]}}})
    part0 = [tweet(FOURTH, "Four", THIRD, minute=4), tweet(ROOT, "One", minute=1)]
    part1 = [tweet(THIRD, "Three", SECOND, minute=3), tweet(SECOND, "Two", ROOT, minute=2)]
    path = write_zip(tmp_path / "archive.zip", {
        "data/manifest.js": manifest,
        "data/account.js": ACCOUNT_JS,
        "data/tweets.js": js("YTD.tweets.part0", part0),
        "data/tweets-part1.js": js("YTD.tweets.part1", part1, pretty=False),
    })
    (thread,) = parse(path).threads
    assert texts(thread) == ["One", "Two", "Three", "Four"]
    assert [p.time for p in thread.posts] == [f"2023-11-03T09:0{n}:00Z" for n in range(1, 5)]


def test_the_manifest_says_which_files_hold_tweets(tmp_path):
    manifest = js("__THAR_CONFIG", {"dataTypes": {"tweets": {"files": [
        {"fileName": "data/tweets.js"}, {"fileName": "data/tweets-part7.js"}]}}})
    unlisted = js("YTD.tweets.part1", [tweet(THIRD, "Not listed, not read", ROOT)])
    path = archive(tmp_path, [tweet(ROOT, "One"), tweet(SECOND, "Two", ROOT)],
                   manifest=manifest, tweets_part1=unlisted)
    result = parse(path)
    assert [texts(t) for t in result.threads] == [["One", "Two"]]
    assert result.warnings == ["data/manifest.js lists 'data/tweets-part7.js', which is missing: skipped"]


def test_without_a_manifest_only_tweet_files_by_name(tmp_path):
    not_tweets = js("YTD.tweet_headers.part0", [{"tweet": {"tweet_id": ROOT}}])
    deleted = js("YTD.deleted_tweets.part0", [tweet(FOURTH, "Deleted", ROOT)])
    path = archive(tmp_path, [tweet(ROOT, "One"), tweet(SECOND, "Two", ROOT)],
                   tweets_part1=js("YTD.tweets.part1", [tweet(THIRD, "Three", SECOND)]),
                   tweet_headers=not_tweets, deleted_tweets=deleted)
    (thread,) = parse(path).threads
    assert texts(thread) == ["One", "Two", "Three"]


def test_older_archives_say_tweet_for_tweets(tmp_path):
    path = write_zip(tmp_path / "old.zip", {
        "data/account.js": ACCOUNT_JS,
        "data/tweet.js": js("YTD.tweet.part0", [tweet(SECOND, "Two", ROOT), tweet(ROOT, "One")]),
        "data/tweet-part1.js": js("YTD.tweet.part1", [tweet(THIRD, "Three", SECOND)], pretty=False),
    })
    (thread,) = parse(path).threads
    assert texts(thread) == ["One", "Two", "Three"]


def test_name_from_the_manifest_when_there_is_no_account_file(tmp_path):
    manifest = js("__THAR_CONFIG", {"userInfo": {
        "accountId": ACCOUNT_ID, "userName": "otto_example", "displayName": "Otto From Manifest"}})
    path = write_zip(tmp_path / "a.zip", {"data/manifest.js": manifest, "data/tweets.js": js(
        "YTD.tweets.part0", [tweet(ROOT, "One"), tweet(SECOND, "Two", ROOT)])})
    (thread,) = parse(path).threads
    assert (thread.author_name, thread.author_handle) == ("Otto From Manifest", "otto_example")


def test_archive_inside_a_top_folder_of_the_zip(tmp_path):
    path = write_zip(tmp_path / "a.zip", {
        "twitter-2023/data/account.js": ACCOUNT_JS,
        "twitter-2023/data/tweets.js": js("YTD.tweets.part0", [tweet(ROOT, "One"), tweet(SECOND, "Two", ROOT)]),
    })
    assert texts(parse(path).threads[0]) == ["One", "Two"]


# Threads

def test_broken_chain_gives_a_complete_start_and_an_incomplete_rest(tmp_path):
    # FOURTH's parent (a deleted tweet) is missing; so is FIFTH's, alone after its gap.
    path = archive(tmp_path, [
        tweet(ROOT, "One"), tweet(SECOND, "Two", ROOT), tweet(FOURTH, "Four", THIRD),
        tweet(str(int(FOURTH) + 1), "Four and a half", FOURTH), tweet(FIFTH, "Five alone", "1719999999999999999"),
    ])
    threads = parse(path).threads
    assert [(t.id, texts(t), t.complete) for t in threads] == [
        (ROOT, ["One", "Two"], True), (FOURTH, ["Four", "Four and a half"], False), (FIFTH, ["Five alone"], False)]


def test_retweets_lone_tweets_and_replies_to_others_are_not_threads(tmp_path):
    path = archive(tmp_path, [
        tweet(ROOT, "RT @bakery_co: New loaves on Friday"),
        tweet(SECOND, "A lone tweet."),
        tweet(THIRD, "@bakery_co Which flour?", "1719000000000000000", user_id="42", screen_name="bakery_co"),
    ])
    result = parse(path)
    assert result.threads == []
    assert result.warnings == ["no self-threads among 2 tweets"]


def test_reply_to_someone_else_with_a_self_reply_under_it_is_a_thread(tmp_path):
    path = archive(tmp_path, [
        tweet(ROOT, "@bakery_co Which flour?", "1719000000000000000", user_id="42", screen_name="bakery_co"),
        tweet(SECOND, "Answering myself: rye.", ROOT),
    ])
    assert texts(parse(path).threads[0]) == ["@bakery_co Which flour?", "Answering myself: rye."]


def test_self_reply_by_screen_name_in_any_case(tmp_path):
    path = archive(tmp_path, [tweet(ROOT, "One"), tweet(SECOND, "Two", ROOT, user_id=None, screen_name="OTTO_Example"),
                              tweet(THIRD, "Three", SECOND, user_id="9", screen_name="someone_else")])
    (thread,) = parse(path).threads
    assert texts(thread) == ["One", "Two"]


def test_branches_follow_depth_first_each_after_the_tweet_it_answers(tmp_path):
    path = archive(tmp_path, [tweet(THIRD, "Three", ROOT), tweet(ROOT, "One"), tweet(SECOND, "Two", ROOT),
                              tweet(FOURTH, "Four", SECOND)])
    thread = parse(path).threads[0]
    assert texts(thread) == ["One", "Two", "Four", "Three"]  # Three answers One, written after Two
    assert [post.answers for post in thread.posts] == [None, None, None, ROOT]


def test_account_read_from_replies_when_no_account_file(tmp_path):
    path = write_zip(tmp_path / "a.zip", {"data/tweets.js": js("YTD.tweets.part0", [
        tweet(ROOT, "One"), tweet(SECOND, "Two", ROOT), tweet(FOURTH, "Four", THIRD)])})
    result = parse(path)
    assert [(texts(t), t.complete, t.author_handle) for t in result.threads] == [
        (["One", "Two"], True, "otto_example"), (["Four"], False, "otto_example")]
    assert result.warnings == ["no account in data/account.js or the manifest: read it from the replies"]


# Text, links, media

def test_entities_decoded_once_before_expanding_urls(tmp_path):
    expanded = "https://example.com/a?b=1&section=2&amp;keep"
    path = archive(tmp_path, [
        tweet(ROOT, "Tea &amp; toast &lt;3 &amp;amp; https://t.co/x1 https://t.co/m1",
              entities={"urls": [{"url": "https://t.co/x1", "expanded_url": expanded, "display_url": "example.com/a…"}]},
              extended_entities={"media": [{"url": "https://t.co/m1", "type": "photo",
                                            "media_url_https": "https://pbs.twimg.com/media/A.jpg"}]}),
        tweet(SECOND, "[bold]not markup[/bold] \x1b[31mred\x1b[0m", ROOT),
    ])
    first, second = parse(path).threads[0].posts
    assert first.text == f"Tea & toast <3 &amp; {expanded}"
    assert first.links == [expanded]
    assert "§" not in first.text
    assert second.text == "[bold]not markup[/bold] red"


def test_tco_links_are_replaced_by_string_even_when_the_indices_are_wrong(tmp_path):
    # Indices count the raw text, entities and emoji included: after decoding they point elsewhere.
    text = "Tea &amp; 🍞 notes: https://t.co/AbC1 and https://t.co/DeF2 (then https://t.co/AbC1)"
    urls = [{"url": "https://t.co/AbC1", "expanded_url": "https://example.com/bread?step=2&section=crumb",
             "display_url": "example.com/bread?step=2…", "indices": ["20", "43"]},
            {"url": "https://t.co/DeF2", "expanded_url": "https://example.org/rye", "display_url": "example.org/rye",
             "indices": ["48", "71"]},
            {"url": "https://t.co/AbC1", "expanded_url": "https://example.com/bread?step=2&section=crumb",
             "display_url": "example.com/bread?step=2…", "indices": ["78", "101"]}]
    path = archive(tmp_path, [tweet(ROOT, "Start."), tweet(SECOND, text, ROOT, entities={"urls": urls})])
    second = parse(path).threads[0].posts[1]
    assert second.text == ("Tea & 🍞 notes: https://example.com/bread?step=2&section=crumb and "
                           "https://example.org/rye (then https://example.com/bread?step=2&section=crumb)")
    assert second.links == ["https://example.com/bread?step=2&section=crumb", "https://example.org/rye"]


def test_media_in_entities_only_when_there_are_no_extended_entities(tmp_path):
    photo = {"url": "https://t.co/m9", "type": "photo", "media_url_https": "https://pbs.twimg.com/media/Only.jpg"}
    only_entities = tweet(SECOND, "One photo https://t.co/m9", ROOT, entities={"urls": [], "media": [photo]})
    path = archive(tmp_path, [tweet(ROOT, "Start."), only_entities])
    second = parse(path).threads[0].posts[1]
    assert (second.text, [m.to_dict() for m in second.media], second.links) == (
        "One photo", [{"kind": "image", "url": "https://pbs.twimg.com/media/Only.jpg", "alt": None}], [])


def test_created_at_with_an_offset_gives_the_utc_date_and_time(tmp_path):
    late = tweet(ROOT, "Late bake.")
    late["tweet"]["created_at"] = "Fri Nov 03 21:30:00 -0500 2023"
    path = archive(tmp_path, [late, tweet(SECOND, "Still baking.", ROOT)])
    (thread,) = parse(path).threads
    assert (thread.date, thread.posts[0].time) == (PartialDate(2023, 11, 4), "2023-11-04T02:30:00Z")


def test_a_fuller_archive_replaces_the_partial_thread(cli, tmp_path):
    older = tmp_path / "older"
    older.mkdir()
    partial = archive(older, [tweet(ROOT, "One"), tweet(SECOND, "Two", ROOT)])
    assert cli("import", partial).out.endswith(": 1 added, 0 updated, 0 unchanged, 0 files failed.\n")
    fuller = archive(tmp_path, [tweet(ROOT, "One"), tweet(SECOND, "Two", ROOT), tweet(THIRD, "Three", SECOND)])
    assert cli("import", fuller).out.endswith(": 0 added, 1 updated, 0 unchanged, 0 files failed.\n")
    assert cli("import", partial).out.endswith(": 0 added, 0 updated, 1 unchanged, 0 files failed.\n")
    shown = json.loads(cli("show", ROOT, "--json").out)
    assert ([p["text"] for p in shown["posts"]], shown["source"]) == (["One", "Two", "Three"], str(fuller))


def test_media_photos_videos_gifs_and_the_highest_bitrate(tmp_path):
    def video(kind: str, variants: list[dict[str, str]]) -> dict[str, Any]:
        return {"url": "https://t.co/m1", "type": kind, "media_url_https": "https://pbs.twimg.com/thumb.jpg",
                "video_info": {"variants": variants}}
    media = [
        {"url": "https://t.co/m1", "type": "photo", "media_url_https": "https://pbs.twimg.com/media/P1.jpg",
         "ext_alt_text": "A loaf, sliced"},
        {"url": "https://t.co/m1", "type": "photo", "media_url_https": "https://pbs.twimg.com/media/P2.jpg"},
    ]
    clips = [
        video("video", [
            {"bitrate": "632000", "content_type": "video/mp4", "url": "https://video.twimg.com/low.mp4"},
            {"content_type": "application/x-mpegURL", "url": "https://video.twimg.com/list.m3u8"},
            {"bitrate": "2176000", "content_type": "video/mp4", "url": "https://video.twimg.com/high.mp4"},
            {"bitrate": "950000", "content_type": "video/mp4", "url": "https://video.twimg.com/mid.mp4"}]),
        video("animated_gif", [{"bitrate": "0", "content_type": "video/mp4", "url": "https://video.twimg.com/gif.mp4"}]),
    ]
    path = archive(tmp_path, [
        tweet(ROOT, "Photos https://t.co/m1", extended_entities={"media": media}, entities={"urls": [], "media": media[:1]}),
        tweet(SECOND, "A video https://t.co/m1", ROOT, extended_entities={"media": clips[:1]}),
        tweet(THIRD, "A gif https://t.co/m1", SECOND, extended_entities={"media": clips[1:]}),
    ])
    posts = parse(path).threads[0].posts
    assert texts(parse(path).threads[0]) == ["Photos", "A video", "A gif"]
    assert [[m.to_dict() for m in p.media] for p in posts] == [
        [{"kind": "image", "url": "https://pbs.twimg.com/media/P1.jpg", "alt": "A loaf, sliced"},
         {"kind": "image", "url": "https://pbs.twimg.com/media/P2.jpg", "alt": None}],
        [{"kind": "video", "url": "https://video.twimg.com/high.mp4", "alt": None}],
        [{"kind": "video", "url": "https://video.twimg.com/gif.mp4", "alt": None}],
    ]


# Bad input: one line, library unchanged

def library_listing(cli) -> list[dict[str, Any]]:
    return json.loads(cli("list", "--json").out)


def good_tweets() -> str:
    return js("YTD.tweets.part0", [tweet(ROOT, "One"), tweet(SECOND, "Two", ROOT)])


@pytest.mark.parametrize("files,reason", [
    ({"data/tweets.js": "window.YTD.tweets.part0 = [\n  { \"tweet\" : {\n    \"id_str\" : oops } } ]"},
     "data/tweets.js: not valid JSON after the '=' (line 3, column 16: unexpected character, expected a JSON value)"),
    ({"data/tweets.js": "window.YTD.tweets.part0 = [{\"tweet\": {}}] trailing"},
     "data/tweets.js: not valid JSON after the '=' (line 1, column 43: unexpected content after document)"),
    ({"data/tweets.js": b"\x89PNG\r\n\x1a\n\x00\x00binary"},
     "data/tweets.js: no 'window.YTD... =' assignment: not an archive data file"),
    ({"data/tweets.js": b"window.YTD.tweets.part0 = [\"caf\xe9\"]"}, "data/tweets.js: not UTF-8 text"),
    ({"data/tweets.js": js("YTD.tweets.part0", ["just", "strings"])},
     'data/tweets.js: item 1 is a string, expected {"tweet": {...}}'),
    ({"data/tweets.js": js("YTD.tweets.part0", {"tweet": {}})},
     "data/tweets.js: expected a list of tweets after the '=', found an object"),
    ({"data/tweets.js": js("YTD.tweets.part0", [{"tweet": {"id_str": ROOT, "created_at": "x"}}])},
     f"data/tweets.js: tweet {ROOT}: no 'full_text'"),
    ({"data/tweets.js": js("YTD.tweets.part0", [{"tweet": {"id_str": 17, "full_text": "x"}}])},
     "data/tweets.js: item 1: 'id_str' is a number, expected a string"),
    ({"data/tweets.js": js("YTD.tweets.part0", [{"tweet": {"id_str": ROOT, "full_text": "x",
                                                           "created_at": "yesterday"}}])},
     f"data/tweets.js: tweet {ROOT}: created_at 'yesterday' is not a date like 'Fri Nov 03 09:15:00 +0000 2023'"),
    ({"data/tweets.js": js("YTD.tweets.part0", [tweet(ROOT, "x", entities={"urls": "none"})])},
     f"data/tweets.js: tweet {ROOT}: 'urls' is a string, expected an array"),
    ({"data/tweets.js": good_tweets(), "data/account.js": js("YTD.account.part0", {"username": "x"})},
     'data/account.js: expected [{"account": {...}}], found an object'),
    ({"data/tweets.js": good_tweets(),
      "data/manifest.js": js("__THAR_CONFIG", {"dataTypes": {"tweets": {"files": "data/tweets.js"}}})},
     "data/manifest.js: dataTypes.tweets.files: 'files' is a string, expected an array"),
    ({"data/manifest.js": js("__THAR_CONFIG", {})},
     "no tweet file (data/tweets.js or data/tweet.js) in the archive"),
])
def test_bad_archives_fail_with_one_line_and_leave_the_library_alone(cli, tmp_path, files, reason):
    cli("import", NOTE_EXAMPLE)
    before = library_listing(cli)
    path = write_zip(tmp_path / "bad.zip", {"data/account.js": ACCOUNT_JS, **files})
    result = cli("import", path)
    assert result.code == 1
    assert result.err == f"failed: {path}: {reason}\n"
    assert "Traceback" not in result.err
    assert library_listing(cli) == before


def test_truncated_and_corrupt_zips_fail_clearly(cli, tmp_path):
    cli("import", NOTE_EXAMPLE)
    before = library_listing(cli)
    whole = archive(tmp_path, [tweet(ROOT, "One " * 2000), tweet(SECOND, "Two", ROOT)]).read_bytes()
    truncated = tmp_path / "truncated.zip"
    truncated.write_bytes(whole[: len(whole) // 2])
    result = cli("import", truncated)
    assert (result.code, result.err) == (1, f"failed: {truncated}: a broken or truncated zip archive\n")

    corrupt = tmp_path / "corrupt.zip"
    with zipfile.ZipFile(tmp_path / "twitter-2023-11-04-abc.zip") as original:
        info = original.getinfo("data/tweets.js")
    damaged = bytearray(whole)
    data_start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for offset in range(data_start + 20, data_start + 60):
        damaged[offset] ^= 0x55
    corrupt.write_bytes(bytes(damaged))
    result = cli("import", corrupt)
    assert result.code == 1
    assert result.err.startswith(f"failed: {corrupt}: data/tweets.js: cannot read: ")
    assert len(result.err.splitlines()) == 1
    assert library_listing(cli) == before


def test_a_zip_bomb_stops_at_the_size_cap(tmp_path, monkeypatch):
    monkeypatch.setattr(TwitterArchiveImporter, "max_bytes", 1024 * 1024)
    bomb = "window.YTD.tweets.part0 = [" + " " * (8 * 1024 * 1024) + "]"
    path = write_zip(tmp_path / "bomb.zip", {"data/account.js": ACCOUNT_JS, "data/tweets.js": bomb})
    assert path.stat().st_size < 64 * 1024
    with pytest.raises(ImportFailure, match=r"^data/tweets\.js: too large: over 1 MiB$"):
        parse(path)


# Detection

def test_detected_by_content_when_renamed_without_extension(cli, tmp_path):
    renamed = tmp_path / "my-archive"
    renamed.write_bytes(note_example_zip(tmp_path).read_bytes())
    assert cli("import", renamed).code == 0
    assert [t["id"] for t in library_listing(cli)] == ["1720000000000000100"]


def test_a_folder_with_an_unrelated_tweets_js_is_walked_not_claimed(tmp_path):
    project = tmp_path / "web-app"
    project.mkdir()
    (project / "tweets.js").write_text("export const tweets = [];\n")
    assert not TwitterArchiveImporter().detect_dir(project)
    assert TwitterArchiveImporter().detect_dir(NOTE_EXAMPLE)
    assert TwitterArchiveImporter().detect_dir(NOTE_EXAMPLE / "data")
    assert TwitterArchiveImporter in IMPORTERS


def test_sample_archive_has_a_thread_a_broken_chain_and_nothing_else(cli):
    result = parse(SAMPLE_ZIP)
    summary = [(t.id, t.post_count, t.complete) for t in result.threads]
    assert summary == [("1746608665785270272", 4, True), ("1753334941086646272", 2, True),
                       ("1753339219276726272", 2, False)]
    restoration = result.threads[0]
    assert restoration.posts[1].links == ["https://example.org/repair?part=seatpost&section=steel"]
    assert [[m.kind for m in p.media] for p in restoration.posts] == [[], [], ["image"], ["video"]]
    assert restoration.posts[3].media[0].url.endswith("/720x1280/high.mp4")
    assert cli("import", SAMPLES / "twitter").code == 0


# Whatever the JSON holds: threads or one ImportFailure, never another exception

_KEYS = ["tweet", "id_str", "created_at", "full_text", "entities", "urls", "url", "expanded_url",
         "extended_entities", "media", "type", "video_info", "variants", "bitrate", "content_type",
         "in_reply_to_status_id_str", "in_reply_to_user_id_str", "in_reply_to_screen_name"]
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8)
    | st.sampled_from([ROOT, SECOND, ACCOUNT_ID, "photo", "video", "video/mp4", "Fri Nov 03 09:15:00 +0000 2023"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(_KEYS), inner, max_size=6),
    max_leaves=25,
)


@settings(max_examples=300, deadline=None)
@given(value=_JSON, as_tweet=st.booleans())
def test_any_json_gives_threads_or_one_clear_failure(value, as_tweet):
    tweets = [tweet(ROOT, "One"), {"tweet": {**tweet(SECOND, "Two", ROOT)["tweet"], **value}}] \
        if as_tweet and isinstance(value, dict) else value
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zip_file:
        zip_file.writestr("data/account.js", ACCOUNT_JS)
        zip_file.writestr("data/tweets.js", js("YTD.tweets.part0", tweets))
    with zipfile.ZipFile(buffer) as zip_file:
        try:
            TwitterArchiveImporter().parse_zip(zip_file, "fuzz.zip")
        except ImportFailure as failure:
            assert str(failure) and "\n" not in str(failure)
