"""The main screen's footer: where its keys do not fit, Help and Quit still show."""

from __future__ import annotations

from textual import events
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer

KEPT_KEYS = frozenset({"question_mark", "q"})  # `?` lists every key, `q` quits: never left out


class ReaderFooter(Footer):
    """A compact footer that, short of room, leaves out the keys just left of Help and Quit (Search,
    Import, then the pane's) until Help and Quit fit; `?` lists them all."""

    _made_for: tuple[object, ...] = ()  # what the keys shown were made for (`_keys_now`)
    _unfitted = False  # keys made and not yet fitted: they are, at the first layout that gives them sizes

    def on_mount(self) -> None:
        self.screen.screen_layout_refresh_signal.subscribe(self, self._laid_out)

    def _keys_now(self) -> tuple[object, ...]:
        """What the keys would be made for now: the screen's width and the keys it shows."""
        return (self.app.size.width, *((binding.key, binding.action, binding.description, enabled, tooltip)
                                        for _, binding, enabled, tooltip in self.screen.active_bindings.values()
                                        if binding.show))

    async def recompose(self) -> None:
        if not self.screen.is_active:  # covered (the palette, a dialog): nothing has a size to fit by
            return  # `refit` makes them once the screen shows, if they changed meanwhile
        self._made_for = self._keys_now()
        await super().recompose()
        self._unfitted = True
        self.refresh(layout=True)  # a layout after this one: the keys' sizes, then `_laid_out` fits them

    def on_resize(self, event: events.Resize) -> None:
        self.call_after_refresh(self.recompose)  # every key back, then as many as fit

    def refit(self) -> None:
        """Make and fit the keys again if they changed while the screen was covered, once it is drawn
        (what uncovered it, a search's thread say, shows first)."""
        if self.is_mounted and self._keys_now() != self._made_for:
            self.call_later(self.call_after_refresh, self.recompose)  # from the footer's queue: its compose binds to it

    def _units(self) -> list[list[Widget]]:
        """The footer's items as they are left out: a key, or a group of keys with its label (told apart
        by CSS type: Textual exports no names for the footer's parts)."""
        groups = set(self.query_children("KeyGroup"))
        labels = set(self.query_children("FooterLabel"))
        units: list[list[Widget]] = []
        for child in self.children:
            if child in labels and units and units[-1][-1] in groups:
                units[-1].append(child)
            else:
                units.append([child])
        return units

    @staticmethod
    def _width(unit: list[Widget]) -> int:
        return sum(widget.outer_size.width + widget.styles.margin.width for widget in unit if widget.display)

    @staticmethod
    def _kept(unit: list[Widget]) -> bool:
        return any(getattr(key, "key", None) in KEPT_KEYS for widget in unit
                   for key in (widget, *widget.query_children("FooterKey")))

    def _laid_out(self, screen: Screen) -> None:
        """After each layout of the screen: keys made since the last fit are fitted, once they have sizes."""
        if not self._unfitted:
            return
        units = self._units()
        if self.size.width and all(widget.outer_size.width for unit in units for widget in unit if widget.display):
            self._unfitted = False
            self._fit(units)

    def _fit(self, units: list[list[Widget]]) -> None:
        room = self.size.width
        used = sum(self._width(unit) for unit in units)
        for unit in reversed(units):
            if used <= room:
                return
            if not self._kept(unit) and self._width(unit):
                used -= self._width(unit)
                for widget in unit:
                    widget.display = False
