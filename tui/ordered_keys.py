"""Keys and pastes handled in order, each against the state the one before it left.

Over SSH, or when someone types ahead, keys arrive in bursts. Textual hands each key to the focused
widget at once, while what the key before it started (a focus change, a dialog opening, a scroll, a
thread loading) is applied a moment later: the next key lands on the old focus or reads the old state.
Here the app admits one key at a time: the next waits until every message the last one caused has been
handled and the screen has refreshed, and until the work a screen holds keys for is done.
"""

from __future__ import annotations

import asyncio
from collections import deque
from contextlib import suppress
from typing import Any, TypeVar

from textual import events, work
from textual.app import App
from textual.widgets import Input
from textual.worker import Worker, WorkerError

ReturnType = TypeVar("ReturnType")
KeyEvent = events.Key | events.Paste

# Handled at once, whatever is pending: the way out works even while a disk hangs.
IMMEDIATE_KEYS = frozenset({"ctrl+q"})
# Rounds of waiting for quiet before a key goes in anyway (a timer may keep posting).
SETTLE_ROUNDS = 20
# The longest a key waits for the screen to refresh (a frame takes far less): a screen
# closed meanwhile never runs what waited for its refresh.
REFRESH_WAIT_SECONDS = 0.25


# Escape then f or b in one read is parsed as ctrl+right or ctrl+left (emacs's word moves).
WORD_MOVE_LETTERS = {"ctrl+right": "f", "ctrl+left": "b"}


def split_escape(event: KeyEvent, in_text_box: bool) -> list[KeyEvent]:
    """Escape and a letter or digit after it in one read reach the app as alt+key (a terminal
    sends alt as an escape first), or for f and b as ctrl+right and ctrl+left: the reader binds
    no alt+key, nor those outside a text box (where they move by words), so they are the two keys pressed."""
    if not isinstance(event, events.Key):
        return [event]
    character = event.character
    if not in_text_box and event.key in WORD_MOVE_LETTERS:
        character = WORD_MOVE_LETTERS[event.key]
    elif not (event.key.startswith("alt+") and character and character.isalnum()):
        return [event]
    return [events.Key("escape", "\x1b"), events.Key(character, character)]


def is_text(event: KeyEvent) -> bool:
    """A paste, or a key that types a character."""
    return isinstance(event, events.Paste) or event.is_printable


class OrderedKeysApp(App[ReturnType]):
    """An App whose keys wait for their predecessors' effects (see the module docstring)."""

    def __init__(self) -> None:
        super().__init__()
        self._waiting_keys: deque[KeyEvent] = deque()
        self._admitted: KeyEvent | None = None
        self._admitting = False  # a worker is admitting the waiting keys
        self._key_holds: list[Worker[object]] = []
        self._typed_into: Input | None = None  # the text box the last key typed into

    def hold_keys(self, worker: Worker[Any]) -> None:
        """Keys not yet handled wait until `worker` ends: it makes the state they act on."""
        self._key_holds.append(worker)

    def prepare_for_key(self, event: KeyEvent) -> None:
        """Called just before `event` is handled: start (and hold keys for) work it needs done."""

    async def on_event(self, event: events.Event) -> None:
        if (isinstance(event, events.Key | events.Paste) and not event.is_forwarded and event is not self._admitted
                and not (isinstance(event, events.Key) and event.key in IMMEDIATE_KEYS)):
            # alt+key now; a word move when its turn comes, against the focus the keys before it leave.
            self._waiting_keys.extend(split_escape(event, in_text_box=True))
            if not self._admitting:
                # What the keys before did has settled: the first goes in now, unless it must wait.
                first = self._next_key()
                self.prepare_for_key(first)
                if not self._waiting_keys and not self._unfinished_holds():
                    self._note_typing(first)
                    await super().on_event(first)
                else:
                    self._waiting_keys.appendleft(first)
                self._admitting = True
                self._admit_keys()
            return
        await super().on_event(event)

    @work(group="keys")
    async def _admit_keys(self) -> None:
        """Wait for the last key's effects, then hand the waiting keys to the app one by one,
        each once the one before has settled; end when none is left and all has settled."""
        while True:
            if not self._waiting_keys:
                await self._settle(None)
                if not self._waiting_keys:
                    break
                continue
            event = self._waiting_keys[0]
            await self._settle(event)
            event = self._next_key()
            self._admitted = event
            self._note_typing(event)
            self.post_message(event)
        self._admitting = False

    def _next_key(self) -> KeyEvent:
        """The first waiting key, a word move split against the focus as it is now."""
        event = self._waiting_keys.popleft()
        keys = split_escape(event, in_text_box=isinstance(self.focused, Input))
        self._waiting_keys.extendleft(reversed(keys[1:]))
        return keys[0]

    def _note_typing(self, event: KeyEvent) -> None:
        self._typed_into = self.focused if is_text(event) and isinstance(self.focused, Input) else None

    def _unfinished_holds(self) -> list[Worker[object]]:
        self._key_holds = [worker for worker in self._key_holds if not worker.is_finished]
        return self._key_holds

    async def _settle(self, event: KeyEvent | None) -> None:
        """Wait until the keys before `event` (None: the last key) have had their effect."""
        rounds = 0
        while True:
            holds = self._unfinished_holds()
            if holds:
                with suppress(WorkerError):  # failed or cancelled: its end is what counted
                    await holds[0].wait()
                continue
            # A box takes typed text at once: text typed on into it needs no refresh first (a
            # paste sent as keys goes in at the speed it comes).
            typing_on = (event is not None and is_text(event) and self._typed_into is not None
                         and self.focused is self._typed_into)
            if not await self._round_trip(refresh=not typing_on):
                return  # the app is closing
            rounds += 1
            if not self._quiet() and rounds < SETTLE_ROUNDS:
                continue
            if event is not None:
                self.prepare_for_key(event)
            if not self._unfinished_holds():
                return

    async def _round_trip(self, refresh: bool) -> bool:
        """Wait until the app has handled what is queued for it, and (`refresh`) the screen has
        refreshed and run what waited for that (a scroll, say)."""
        handled = asyncio.Event()
        if not self.call_later(handled.set):
            return False
        await handled.wait()
        refreshed = asyncio.Event()
        if refresh and self.call_after_refresh(refreshed.set):  # run by the current screen
            with suppress(TimeoutError):
                await asyncio.wait_for(refreshed.wait(), REFRESH_WAIT_SECONDS)
        else:
            await asyncio.sleep(0)
        return True

    def _quiet(self) -> bool:
        """No message waits to be handled by the app, its screens or the current screen's widgets."""
        nodes = [self, *self.screen_stack, *self.screen.walk_children()]
        return all(node.message_queue_size == 0 for node in nodes)
