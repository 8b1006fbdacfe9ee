"""The main screen's footer: where its keys do not fit, Help and Quit still show."""

from __future__ import annotations

from textual import events
from textual.widget import Widget
from textual.widgets import Footer

KEPT_KEYS = frozenset({"question_mark", "q"})  # `?` lists every key, `q` quits: never left out


class ReaderFooter(Footer):
    """A compact footer that, short of room, leaves out the keys just left of Help and Quit (Search,
    Import, then the pane's) until Help and Quit fit; `?` lists them all."""

    async def recompose(self) -> None:
        await super().recompose()
        self.call_after_refresh(self._fit)

    def on_resize(self, event: events.Resize) -> None:
        self.call_after_refresh(self.recompose)  # every key back, then as many as fit

    def refit(self) -> None:
        """Fit the keys again: they were made while the screen was covered (the palette, a dialog),
        where nothing has a size to fit by."""
        if self.is_mounted:
            self.call_later(self.recompose)  # from the footer's own queue: its compose binds to it

    def _units(self) -> list[list[Widget]]:
        """The footer's items as they are left out: a key, or a group of keys with its label.

        Textual exports no names for the footer's parts: they are told apart by their CSS types.
        """
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

    def _fit(self, tries: int = 5) -> None:
        units = self._units()
        if tries and (not self.size.width or any(not widget.outer_size.width for unit in units for widget in unit)):
            self.call_after_refresh(self._fit, tries - 1)  # not laid out yet: nothing to measure
            return
        room = self.size.width
        used = sum(self._width(unit) for unit in units)
        for unit in reversed(units):
            if used <= room:
                return
            if not self._kept(unit) and self._width(unit):
                used -= self._width(unit)
                for widget in unit:
                    widget.display = False
