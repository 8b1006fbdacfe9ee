"""Imported text is data: escape sequences, controls and bidirectional overrides never reach a terminal."""

from hypothesis import given
from hypothesis import strategies as st

from tui.text import _CONTROL, _ESCAPE_SEQUENCE, _SEPARATORS, clean_line, clean_text, strip_control


def slow_strip(text: str) -> str:
    """strip_control without its fast check: what it must always give."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").translate(_SEPARATORS)
    return _CONTROL.sub("", _ESCAPE_SEQUENCE.sub("", text))


def test_escape_sequences_and_controls_are_removed():
    assert strip_control("a\x1b[31mred\x1b[0m b\x1b]0;title\x07c \x9b2Jd\x00e\x7f") == "ared bc de"
    assert strip_control("one\r\ntwo\rthree\ttab") == "one\ntwo\nthree\ttab"


def test_bidirectional_overrides_are_removed_and_separators_become_line_breaks():
    assert strip_control("abc\u202edcba\u202c and \u2066isolated\u2069") == "abcdcba and isolated"
    assert strip_control("line\u2028next\u2029para") == "line\nnext\n\npara"


def test_text_people_write_is_kept_as_typed():
    kept = "[bold red]not markup[/] ’ … café 👩‍👩‍👧 עברית \u200f mark"
    assert strip_control(kept) == kept
    assert clean_line("  Dana \x1b[2J Example\n") == "Dana Example"
    assert clean_text("a  \n\n\n\nb \n") == "a\n\nb"


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=200) | st.text(
    alphabet="ab \n\r\t\x1b[]();\x07\x9b\x9c\x85\u2028\u2029\u202a\u202e\u2066\u2069\u200d\xa0é", max_size=60))
def test_the_fast_check_never_lets_anything_through(text):
    assert strip_control(text) == slow_strip(text)
    assert not any(c in strip_control(text) for c in "\x1b\x9b\x07\u202e\u2066\u2028")
