"""Stand-in reader (replaced by the full reader)."""
from textual.app import App, ComposeResult
from textual.widgets import Footer, Static

def run_reader(library, paths):
    class Reader(App):
        BINDINGS = [("q", "quit", "Quit")]
        def compose(self) -> ComposeResult:
            yield Static(f"{len(library)} threads", markup=False)
            yield Footer()
    Reader().run()
    return 0
