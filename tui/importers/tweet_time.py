"""What the X/Twitter importers share: tweet ids, and a tweet's time from its id."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TypeGuard

SNOWFLAKE_EPOCH_MS = 1288834974657
# Ids below this are the sequential ids of tweets from before November 2010: they hold no time.
FIRST_SNOWFLAKE = 1 << 40


def is_tweet_id(text: str | None) -> TypeGuard[str]:
    """Whether text is a tweet id: ASCII digits, at most 20 of them."""
    return text is not None and text.isascii() and text.isdigit() and 0 < len(text) <= 20


def snowflake_time(tweet_id: str | None) -> datetime | None:
    """The time a snowflake tweet id encodes: `(id >> 22) + 1288834974657` ms, UTC."""
    if not is_tweet_id(tweet_id):
        return None
    number = int(tweet_id)
    if number < FIRST_SNOWFLAKE:
        return None
    try:
        return datetime.fromtimestamp(((number >> 22) + SNOWFLAKE_EPOCH_MS) / 1000, UTC)
    except (OverflowError, OSError, ValueError):
        return None
