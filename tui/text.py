"""Making imported text safe and clean: it is data, never terminal control."""

from __future__ import annotations

import re

# ESC-introduced sequences (CSI, OSC, DCS, APC, PM, SOS and two-byte escapes)
# and their 8-bit C1 forms. OSC/DCS-style strings end at BEL or ST.
_ESCAPE_SEQUENCE = re.compile(
    r"""
    (?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?            # CSI ... final byte
  | (?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])      # OSC, DCS, SOS, PM, APC ...
        [^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?    # ... up to BEL or ST
  | \x1b[ -/]*[0-~]?                             # other escapes
    """,
    re.VERBOSE,
)
# Every C0 control but tab and newline, DEL, the C1 range, and the bidirectional
# embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069), which can
# make a terminal show text in another order than it has.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# Line and paragraph separators: line breaks to a reader, but not to every terminal.
_SEPARATORS = {0x2028: "\n", 0x2029: "\n\n"}
# What the slow path would change, found fast: C0 controls but tab and newline,
# and DEL, as bytes; the rest in their UTF-8 forms (U+0080-U+009F is C2 80-9F,
# U+2028-U+202E is E2 80 A8-AE, U+2066-U+2069 is E2 81 A6-A9).
_C0_AND_DEL = bytes([*range(0x00, 0x09), *range(0x0B, 0x20), 0x7F])
# Each pattern starts with one fixed byte, which the regex engine scans for fast (an
# alternation of them would be matched at every byte, ten times slower).
_C1_UTF8 = re.compile(rb"\xc2[\x80-\x9f]")
_BIDI_OR_SEPARATOR_UTF8 = re.compile(rb"\xe2(?:\x80[\xa8-\xae]|\x81[\xa6-\xa9])")
_BLANK_RUN = re.compile(r"\n{3,}")


def _has_control(text: str) -> bool:
    """Whether `text` holds anything `strip_control` removes (bytes scans: a regex class is slow)."""
    data = text.encode("utf-8", "surrogatepass")
    if len(data.translate(None, _C0_AND_DEL)) != len(data):
        return True
    if text.isascii():
        return False
    return _C1_UTF8.search(data) is not None or _BIDI_OR_SEPARATOR_UTF8.search(data) is not None


def strip_control(text: str) -> str:
    """Remove escape sequences, control and bidirectional-override characters; keep tabs and newlines."""
    if not _has_control(text):
        return text
    text = text.replace("\r\n", "\n").replace("\r", "\n").translate(_SEPARATORS)
    text = _ESCAPE_SEQUENCE.sub("", text)
    return _CONTROL.sub("", text)


def clean_text(text: str) -> str:
    """Safe post text: controls stripped, line ends trimmed, at most one blank line in a row."""
    text = strip_control(text).replace("\t", " ")
    if " \n" in text or text.endswith(" "):
        text = "\n".join(line.rstrip() for line in text.split("\n"))
    if "\n\n\n" in text:
        text = _BLANK_RUN.sub("\n\n", text)
    return text.strip("\n")


def clean_line(text: str | None) -> str | None:
    """Safe one-line value (names, handles, alt text); None stays None, empty becomes None."""
    if text is None:
        return None
    text = " ".join(strip_control(text).split())
    return text or None


def clean_paragraphs(text: str | None) -> str | None:
    """Safe text kept in its lines and paragraphs (alt text): spaces within a line collapsed,
    at most one blank line in a row; None stays None, empty becomes None."""
    if text is None:
        return None
    lines = (" ".join(line.split()) for line in strip_control(text).split("\n"))
    return clean_text("\n".join(lines)) or None
