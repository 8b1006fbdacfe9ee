"""Property tests: random and mutated input through the real import path, for every importer.

Seeds are every sample and fixture file, so importers added later (with their
samples) are covered without touching this file.
"""

from __future__ import annotations

import io
from contextlib import redirect_stderr, redirect_stdout
import shutil
import tempfile
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tui.cli import main
from tui.importers import IMPORTERS
from tui.importing import INTERNAL_ERROR, ImportRun
from tui.library import Library, LibraryError

from .conftest import FIXTURES, SAMPLES
from .safety_helpers import MIB, library_files

SEED_FILES = sorted(p for root in (SAMPLES, FIXTURES) for p in root.rglob("*")
                    if p.is_file() and p.stat().st_size < MIB)
SEEDS = [(p.name, p.read_bytes()) for p in SEED_FILES]
NASTY = [b"\x00", b"\x1b[2J", b"\x1b]0;x\x07", b"\x9b", b"\r", b"\n\n", b"\xff\xfe", b"\xef\xbb\xbf",
         b"PK\x03\x04", b"[bold]", b"{", b"[", b"<", b'"', b"\\u0000", "•".encode(), b"\xe9"]
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@st.composite
def mutated(draw: st.DrawFn, payload: bytes) -> bytes:
    """A few byte-level edits of `payload`: flips, cuts, insertions, repeats, nasty tokens."""
    data = bytearray(payload)
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data)))
        edit = draw(st.sampled_from(["flip", "cut", "insert", "repeat", "nasty", "truncate"]))
        if edit == "flip" and at < len(data):
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif edit == "cut":
            del data[at:at + draw(st.integers(1, 200))]
        elif edit == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=64))
        elif edit == "repeat":
            data[at:at] = data[at:at + draw(st.integers(1, 400))] * draw(st.integers(2, 20))
        elif edit == "nasty":
            data[at:at] = draw(st.sampled_from(NASTY))
        elif edit == "truncate":
            del data[at:]
    return bytes(data)


def zipped(name: str, payload: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"saved/{name}", payload)
    return buffer.getvalue()


@st.composite
def hostile_files(draw: st.DrawFn) -> tuple[str, bytes]:
    """A file name and content: a mutated seed, raw or in a zip (maybe itself mutated), or random bytes."""
    if not SEEDS or draw(st.integers(0, 9)) == 0:
        return "random.bin", draw(st.binary(max_size=4096))
    name, payload = draw(st.sampled_from(SEEDS))
    shape = draw(st.sampled_from(["raw", "mutated", "zip", "mutated-zip"]))
    if shape in ("mutated", "zip"):
        payload = draw(mutated(payload))
    if shape in ("zip", "mutated-zip"):
        name, payload = name + ".zip", zipped(name, payload)
    if shape == "mutated-zip":
        payload = draw(mutated(payload))
    return name, payload


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A library holding every seed file that imports; copied for each example."""
    path = tmp_path_factory.mktemp("template") / "library.json"
    ImportRun().run(SEED_FILES, Library(path))
    return path


def import_one(template: Path, name: str, payload: bytes, importers: list) -> None:
    """Import one file into a copy of the template library and check the safety properties."""
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        db_path = folder / "lib" / "library.json"
        shutil.copytree(template.parent, db_path.parent)
        path = folder / name
        path.write_bytes(payload)
        before = library_files(db_path)

        report = ImportRun(importers).run([path], Library.open(db_path))

        lines = [f.line() for f in report.failures + report.warnings]
        assert not any(INTERNAL_ERROR in line for line in lines), lines
        assert all("\n" not in line for line in lines)
        if report.failures:
            assert report.files_imported == 0
            assert library_files(db_path) == before, lines
        Library.open(db_path)  # still opens


@pytest.mark.parametrize("importer", IMPORTERS, ids=lambda cls: cls.__name__)
@FAST
@given(case=hostile_files())
def test_each_importer_fails_cleanly_and_leaves_the_library(template, importer, case):
    import_one(template, *case, importers=[importer])


@FAST
@given(case=hostile_files())
def test_all_importers_together_fail_cleanly_and_leave_the_library(template, case):
    import_one(template, *case, importers=IMPORTERS)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_damaged_library_is_refused_or_read_never_overwritten(template, data):
    """Mutate library.json or a shard: every command gives a working result or one line naming
    the file; a library that cannot be opened is never written."""
    with tempfile.TemporaryDirectory() as scratch:
        db_path = Path(scratch) / "lib" / "library.json"
        shutil.copytree(template.parent, db_path.parent)
        damaged = data.draw(st.sampled_from(sorted(db_path.parent.rglob("*.json"))))
        damaged.write_bytes(data.draw(mutated(damaged.read_bytes())))
        payload = db_path.read_bytes()
        for command in (["list"], ["list", "--json"], ["export", "--out", scratch + "/md"]):
            err = io.StringIO()
            with redirect_stdout(io.StringIO()), redirect_stderr(err):
                code = main(["--db", str(db_path), *command])
            assert code == 0 or (code == 1 and err.getvalue().count("\n") == 1 and str(db_path.parent) in err.getvalue())
        try:
            Library.open(db_path)
        except LibraryError:
            with pytest.raises(LibraryError):
                ImportRun().run(SEED_FILES[:1], Library.open(db_path))
            assert db_path.read_bytes() == payload
