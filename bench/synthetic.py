"""Synthetic Thread Reader pages for benchmarks and smoke tests (made-up words, fixed seed)."""

from __future__ import annotations

import random
from pathlib import Path

WORDS = (
    "notebook debugging thread tests flaky order seeds terminal habit history search notes grep "
    "sourdough starter flour water oven loaf crust proof rye train night border station ticket "
    "sleep breakfast city window river bridge garden coffee tea letter paper pencil keyboard "
    "screen window shell alias function config dotfiles progress estimate count honest calm "
    "slow fast small large morning evening weekend summer winter autumn spring market bicycle"
).split()
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
RARE_WORD = "zebracorn"  # appears in about one post in a thousand: the benchmark's search word
# As rare, but made only of common letters: a search cannot look for a rare byte first.
RARE_PLAIN_WORD = "ostinato"
PHRASE = "river bridge"  # two common words next to each other: in a few posts of a thousand


def sentence(rng: random.Random, words: int) -> str:
    chosen = [rng.choice(WORDS) for _ in range(words)]
    return " ".join(chosen).capitalize() + "."


def page(index: int, posts: int, rng: random.Random) -> str:
    """One saved page: a thread of `posts` tweets by one of 500 authors."""
    author = index % 500
    year = 2015 + index % 10
    lines = [
        f"Author {author} Example Profile picture",
        f"{MONTHS[index % 12]} {1 + index % 28}, {year}",
        f"{posts} tweets, {max(1, posts // 5)} min read",
    ]
    for n in range(posts):
        text = f"{index}-{n} " + sentence(rng, rng.randint(12, 40))
        if rng.random() < 0.001 or (index, n) == (0, 0):  # at least one hit at any size
            text += f" {RARE_WORD}"
        if rng.random() < 0.001 or (index, n) == (0, 1):
            text += f" {RARE_PLAIN_WORD}"
        lines.append(text)
    lines += ["", "• • •", "", f"More from @author_{author}", "", "Did Thread Reader help you today?", ""]
    return "\n".join(lines)


def write_pages(folder: Path, threads: int, posts: int, seed: int = 7) -> list[Path]:
    """Write `threads` pages of `posts` tweets each into `folder`, 1000 files per subfolder."""
    rng = random.Random(seed)
    paths = []
    for index in range(threads):
        sub = folder / f"{index // 1000:04d}"
        if index % 1000 == 0:
            sub.mkdir(parents=True, exist_ok=True)
        path = sub / f"thread-{index:06d}.txt"
        path.write_text(page(index, posts, rng), encoding="utf-8")
        paths.append(path)
    return paths
