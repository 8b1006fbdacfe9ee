"""Parsing many files in worker processes, so a large CLI import uses every core (no Textual here).

Units that name a plain file go to the workers in chunks, the rest are parsed here, and every outcome
comes back in the caller's order. Small imports never start a pool: it would cost more than it saves.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from itertools import chain
from pathlib import Path
from typing import Generic, NamedTuple, TypeVar

# Below this many plain files a pool does not pay for its start-up.
PARALLEL_MIN_FILES = 400
# Files a worker is given at once: fewer, larger chunks cost the main process less.
CHUNK_FILES = 256
CHUNKS_IN_FLIGHT_PER_WORKER = 3
MAX_WORKERS = 8
ORPHAN_CHECK_SECONDS = 0.5
# How long stopping a pool lets its workers finish the chunks in hand (usually a tenth of a second).
STOP_GRACE_SECONDS = 10.0

Outcome = TypeVar("Outcome")
Chunk = TypeVar("Chunk")
Result = TypeVar("Result")


class Unit(NamedTuple, Generic[Result]):
    """One unit of work: a display name, how to parse it here, and the plain file it is, if one (a tuple:
    a large import makes one per file, in the main process, whose time is the import's)."""

    name: str
    parse: Callable[[], Result]
    file: Path | str | None = None


def worker_count() -> int:
    """How many worker processes: one per core this process may run on."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return min(cores, MAX_WORKERS)


def _start_worker() -> None:
    """In a worker: leave ctrl+c to the main process (a worker interrupted holding the result queue's lock
    would leave the others, and the pool's shutdown, waiting forever), and exit when that process is gone."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(ORPHAN_CHECK_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="threads-tui-orphan-watch", daemon=True).start()


def _fork_context() -> multiprocessing.context.BaseContext | None:
    """fork, where it is safe: from a process running one thread (the CLI). Not from the reader, whose other
    threads may hold locks a child would wait on forever; not spawn, which prints onto the reader's screen."""
    if "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return None


class _Pending(NamedTuple):
    """A unit waiting for its outcome: from a chunk's worker, else parsed here when its turn comes."""

    unit: Unit
    chunk: Future | None = None
    position: int = 0
    last_of_chunk: bool = False


def ordered_outcomes(
    units: Iterable[Unit[Result]],
    parse_here: Callable[[Unit[Result]], Outcome],
    parse_files: Callable[[list[Path | str]], Chunk],
    read_chunk: Callable[[Chunk], list[Outcome | None]],
    min_files: int | None = None,
) -> Iterator[tuple[Unit[Result], Outcome]]:
    """Each unit with its outcome, in order.

    `parse_files` (module-level) runs in a worker on a chunk of files; `read_chunk` turns what it sent into
    an outcome per file, None for one only this process can parse (an archive, a pooled format). A pool
    starts only for `min_files` plain files or more (PARALLEL_MIN_FILES when None).
    """
    min_files = PARALLEL_MIN_FILES if min_files is None else min_files
    units = iter(units)
    lookahead: list[Unit[Result]] = []
    files = 0
    for unit in units:
        lookahead.append(unit)
        files += unit.file is not None
        if files >= min_files:
            break
    workers = worker_count()
    context = _fork_context()
    if files < min_files or workers < 2 or context is None:
        for unit in chain(lookahead, units):
            yield unit, parse_here(unit)
        return
    executor = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_start_worker)
    try:
        yield from _through_pool(executor, chain(lookahead, units), parse_here, parse_files, read_chunk,
                                 workers * CHUNKS_IN_FLIGHT_PER_WORKER)
    except BaseException:
        # Interrupted, cancelled or failed: don't wait for chunks nobody will read.
        _stop(executor)
        raise
    finally:
        executor.shutdown(wait=True, cancel_futures=True)


def _stop(executor: ProcessPoolExecutor) -> None:
    """End a pool's workers: chunks not handed out are dropped, those in hand may finish for
    STOP_GRACE_SECONDS, then the workers are killed (one killed while sending would leave the pool's
    thread waiting for the rest forever, and the process could never exit)."""
    processes = list((getattr(executor, "_processes", None) or {}).values())
    executor.shutdown(wait=False, cancel_futures=True)
    try:
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for process in processes:
            process.join(timeout=max(0.0, deadline - time.monotonic()))
    finally:  # a second ctrl+c while waiting: stop them at once
        for process in processes:
            if process.is_alive():
                process.terminate()
        for process in processes:
            process.join(timeout=5)


def _through_pool(executor: ProcessPoolExecutor, units: Iterator[Unit[Result]],
                  parse_here: Callable[[Unit[Result]], Outcome], parse_files: Callable[[list[Path | str]], Chunk],
                  read_chunk: Callable[[Chunk], list[Outcome | None]],
                  chunks_in_flight: int) -> Iterator[tuple[Unit[Result], Outcome]]:
    """Submit plain files in chunks while walking on; give outcomes as the head of the line is ready."""
    queue: deque[_Pending] = deque()
    read: dict[Future, list[Outcome | None] | None] = {}  # each chunk's outcomes, read once (None: failed)
    chunk: list[Unit[Result]] = []
    in_flight = 0
    broken = False

    def submit() -> None:
        nonlocal broken, in_flight
        if not chunk:
            return
        future: Future | None = None
        if not broken:
            try:
                future = executor.submit(parse_files, [unit.file for unit in chunk if unit.file is not None])
                in_flight += 1
            except BrokenProcessPool:
                broken = True
        queue.extend(_Pending(unit, future, index, index == len(chunk) - 1) for index, unit in enumerate(chunk))
        chunk.clear()

    def settle(pending: _Pending) -> Outcome:
        nonlocal broken, in_flight
        outcome = None
        if pending.chunk is not None:
            in_flight -= pending.last_of_chunk
            if pending.chunk not in read:
                try:
                    read[pending.chunk] = read_chunk(pending.chunk.result())
                except BrokenProcessPool:  # a worker died (out of memory, say): go on without the pool
                    broken = True
                    read[pending.chunk] = None
                except Exception:  # the chunk failed as a whole: its files are parsed here, one by one
                    read[pending.chunk] = None
            outcomes = read[pending.chunk]
            outcome = outcomes[pending.position] if outcomes is not None else None
            if pending.last_of_chunk:
                read.pop(pending.chunk, None)
        return parse_here(pending.unit) if outcome is None else outcome

    def head_ready() -> bool:
        head = queue[0].chunk
        return head is None or head.done() or in_flight >= chunks_in_flight

    for unit in units:
        if unit.file is not None:
            chunk.append(unit)
            if len(chunk) < CHUNK_FILES:
                continue  # nothing new to give until a chunk is sent
            submit()
        else:
            submit()
            queue.append(_Pending(unit))
        while queue and head_ready():
            pending = queue.popleft()
            yield pending.unit, settle(pending)
    submit()
    while queue:
        pending = queue.popleft()
        yield pending.unit, settle(pending)
