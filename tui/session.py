"""A reading session: what the reader shows and changes, apart from how it draws it (no Textual here).

The library as last read; the user's data (reading state, tags, highlights,
saved searches, the list's order); the reading-state changes not yet saved;
the last search's hits, which n / N step through; and the deletes `z` can
undo. The screens read it and change reading state in it; the app runs the
workers that read and write the files behind it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from .finding import Marks
from .library import Deletion, Library
from .search import Hit
from .sorting import SETTING as SORT_SETTING
from .sorting import known_sort
from .storage import file_stamp
from .user_data import Highlight, UserData, UserDataError

@dataclass(slots=True)
class Delays:
    """How long the reader waits, in seconds; tests set them to 0 to run the delayed work at once."""

    save_state_after: float = 1.0  # before it saves reading state
    open_after: float = 0.12  # the list's cursor rests this long on a thread before it opens (paging past opens none)
    mark_read_after: float = 5.0  # focus on the reading pane this long marks its thread read
    search_delay: float = 0.25  # before it searches what is typed


@dataclass(frozen=True, slots=True)
class UserSnapshot:
    """The user's file as read (states, tags, highlights, settings), its stamp then, and why it could not be."""

    tags: dict[str, list[str]]
    highlights: list[Highlight]
    stamp: tuple[int, int, int] | None
    theme: str | None = None
    sort: str | None = None
    error: str = ""
    searches: dict[str, str] = field(default_factory=dict)  # saved searches: name -> query
    states: dict[str, dict[str, Any]] = field(default_factory=dict)  # reading state by thread id


def read_user_data(library: Library) -> UserSnapshot:
    """The user's file of a library, read (off the UI thread where it can be)."""
    user_data = UserData(library)
    stamp = file_stamp(user_data.path)
    try:
        read = user_data.read()
        return UserSnapshot(read.tags, read.highlights, stamp, read.settings.get("theme"),
                            read.settings.get(SORT_SETTING), searches=read.searches, states=read.states)
    except UserDataError as error:
        return UserSnapshot({}, [], stamp, error=str(error))


def position_in(state: dict[str, Any]) -> int:
    """The post a reading state was left at: the first, where the user's file holds no post number there."""
    position = state.get("position")
    return position if isinstance(position, int) and not isinstance(position, bool) and position > 0 else 0


class ReadingSession:
    """One run of the reader over a library (see the module docstring)."""

    def __init__(self, library: Library, delays: Delays | None = None) -> None:
        self.library = library
        self.delays = delays or Delays()
        self.at_start = read_user_data(library)
        self.states: dict[str, dict[str, Any]] = {}
        self.tags: dict[str, list[str]] = {}
        self.highlights: list[Highlight] = []
        self.saved_searches: dict[str, str] = {}
        self.user_stamp: tuple[int, int, int] | None = None
        self.pending_states: dict[str, dict[str, Any]] = {}  # changed, not yet handed to a save
        self.changed_this_run: set[str] = set()
        self.take_user_data(self.at_start)
        self.sort_order = known_sort(self.at_start.sort)  # the list's order (`S`), as chosen last time
        self.hits: list[Hit] = []
        self.hit_index = -1
        self.hit_query = ""
        self.deletions: list[Deletion] = []  # what this run deleted, latest last: z undoes the latest

    # -- the user's data --------------------------------------------------

    def take_user_data(self, snapshot: UserSnapshot) -> None:
        """The user's file as read; what this run changed in the reading state wins (its save may be on its way)."""
        self.tags, self.highlights, self.user_stamp = snapshot.tags, snapshot.highlights, snapshot.stamp
        self.saved_searches = snapshot.searches
        states = dict(snapshot.states)
        for thread_id in self.changed_this_run:
            states[thread_id] = {**states.get(thread_id, {}), **self.states.get(thread_id, {})}
        self.states = states

    @property
    def marks(self) -> Marks:
        """The user's marks on threads (reading states, tags), as a query reads them."""
        return Marks(self.states, self.tags)

    def user_file_changed(self) -> bool:
        """Whether someone wrote the user's file since it was last read here."""
        return file_stamp(UserData(self.library).path) != self.user_stamp

    # -- reading state ----------------------------------------------------

    def state(self, thread_id: str) -> dict[str, Any]:
        """A thread's reading state (read, bookmarked, position, last_open): empty where it has none."""
        return self.states.get(thread_id, {})

    def position(self, thread_id: str) -> int:
        """The post the thread was left at."""
        return position_in(self.state(thread_id))

    def change_states(self, changes: dict[str, dict[str, Any]]) -> None:
        """Change threads' reading state now; `take_pending` hands the changes to a save."""
        for thread_id, fields in changes.items():
            self.states.setdefault(thread_id, {"id": thread_id}).update(fields)
            self.pending_states.setdefault(thread_id, {}).update(fields)
            self.changed_this_run.add(thread_id)

    def take_pending(self) -> dict[str, dict[str, Any]]:
        """The changes not yet saved, now the caller's to save."""
        pending, self.pending_states = self.pending_states, {}
        return pending

    def put_back(self, pending: dict[str, dict[str, Any]]) -> None:
        """Changes a save could not write: pending again, under any made since."""
        for thread_id, fields in pending.items():
            self.pending_states[thread_id] = {**fields, **self.pending_states.get(thread_id, {})}

    def write_states(self, pending: dict[str, dict[str, Any]]) -> tuple[int, int, int] | None:
        """Write reading-state changes into the user's file (raises LibraryError or UserDataError); the file's
        stamp after it where nobody else wrote it since it was read (our own save need not be read again)."""
        user_data = UserData(self.library)
        with self.library.locked():
            seen = file_stamp(user_data.path) == self.user_stamp
            user_data.set_states(pending)
            return file_stamp(user_data.path) if seen else None

    def save_changed(self) -> None:
        """Write every reading state this run changed, pending or not (the app's last save may have been cut short)."""
        changed = {thread_id: {key: value for key, value in self.states[thread_id].items() if key != "id"}
                   for thread_id in self.changed_this_run}
        if changed:
            UserData(self.library).set_states(changed)
        self.pending_states = {}

    def last_open_thread(self) -> str | None:
        """The thread that was open when the reader last quit, if one was."""
        stamps = [(state["last_open"], thread_id) for thread_id, state in self.states.items()
                  if isinstance(state.get("last_open"), int | float)]
        return max(stamps)[1] if stamps else None

    def left_open(self, thread_id: str) -> None:
        """The reader quits on this thread: the next run opens it."""
        self.change_states({thread_id: {"last_open": time.time()}})

    # -- delete and undo --------------------------------------------------

    def state_to_keep(self, thread_id: str) -> dict[str, Any]:
        """A thread about to be deleted: its reading state as this run holds it (for undo), no longer
        to be saved (a save after the delete would leave it behind)."""
        self.pending_states.pop(thread_id, None)
        self.changed_this_run.discard(thread_id)
        return {key: value for key, value in self.state(thread_id).items() if key != "id"}

    def deleted(self, deletion: Deletion) -> None:
        """Threads are gone: their state, and their search hits (n / N step over them)."""
        self.deletions.append(deletion)
        gone = {thread.id for thread in deletion.threads}
        for thread_id in gone:  # and a change made to it meanwhile is not saved
            self.states.pop(thread_id, None)
            self.pending_states.pop(thread_id, None)
            self.changed_this_run.discard(thread_id)
        if any(hit.thread_id in gone for hit in self.hits):
            self.hits = [hit for hit in self.hits if hit.thread_id not in gone]
            self.hit_index = min(self.hit_index, len(self.hits) - 1)

    # -- search hits ------------------------------------------------------

    def keep_hits(self, query: str, hits: list[Hit]) -> None:
        self.hits, self.hit_query = hits, query

    def go_to_hit(self, index: int) -> Hit:
        """Hit `index` (wrapping round), now the current one."""
        self.hit_index = index % len(self.hits)
        return self.hits[self.hit_index]

