"""Running an import: walk paths, pick an importer per file by content, fill the library.

No Textual here: the CLI and the reader's import worker both call `run_import`.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .importers import IMPORTERS, Importer, ImportFailure, ParseResult, Source
from .library import ImportCounts, Library
from .model import Thread

MAX_ZIP_MEMBERS = 100_000
COMMIT_EVERY_THREADS = 5_000


@dataclass
class FileFailure:
    """A file that could not be imported, and why (one line)."""

    name: str
    reason: str

    def line(self) -> str:
        return f"{self.name}: {self.reason}"


@dataclass
class ImportReport:
    """What an import run did: per-file failures and warnings, and the library counts."""

    files_done: int = 0
    files_imported: int = 0
    threads_found: int = 0
    failures: list[FileFailure] = field(default_factory=list)
    warnings: list[FileFailure] = field(default_factory=list)
    counts: ImportCounts = field(default_factory=ImportCounts)

    def summary_line(self) -> str:
        return (
            f"{len(self.counts.added)} added, {len(self.counts.updated)} updated, "
            f"{len(self.counts.unchanged)} unchanged, {len(self.failures)} "
            f"file{'s' if len(self.failures) != 1 else ''} failed"
        )


ProgressCallback = Callable[[ImportReport, str], None]


class ImportRun:
    """One import: a fresh instance of every importer, so pooled formats see all files."""

    def __init__(self, importers: Iterable[type[Importer]] = IMPORTERS) -> None:
        self.importers = [cls() for cls in importers]
        self.report = ImportReport()

    def names(self) -> str:
        return ", ".join(importer.name for importer in self.importers)

    def sources(self, paths: Iterable[Path]) -> Iterator[tuple[str, Callable[[], ParseResult]]]:
        """Each unit of work: a display name and a function that parses it."""
        seen_dirs: set[tuple[int, int]] = set()
        for path in paths:
            yield from self._walk(Path(path), seen_dirs)

    def _walk(self, path: Path, seen_dirs: set[tuple[int, int]]) -> Iterator[tuple[str, Callable[[], ParseResult]]]:
        name = str(path)
        try:
            info = path.stat()
        except OSError as error:
            reason = "no such file or folder" if isinstance(error, FileNotFoundError) else (
                error.strerror or str(error)).lower()
            yield name, _failing(reason)
            return
        if path.is_dir():
            key = (info.st_dev, info.st_ino)
            if key in seen_dirs:
                return  # a symlink loop or a folder named twice: seen already
            seen_dirs.add(key)
            for importer in self.importers:
                if importer.detect_dir(path):
                    yield name, lambda importer=importer: importer.parse_dir(path)
                    return
            try:
                children = sorted(os.scandir(path), key=lambda entry: entry.name)
            except OSError as error:
                yield name, _failing(f"cannot list folder: {(error.strerror or str(error)).lower()}")
                return
            for child in children:
                if child.name.startswith("."):
                    continue
                yield from self._walk(Path(child.path), seen_dirs)
            return
        if not path.is_file():
            yield name, _failing("not a regular file")
            return
        yield name, lambda: self._parse_file(path)

    def _parse_file(self, path: Path) -> ParseResult:
        source = Source(str(path), path=path)
        if source.size == 0:
            raise ImportFailure("empty file")
        head = source.head()
        if zipfile.is_zipfile(path):
            return self._parse_zip(path)
        if head[:2] == b"PK":
            raise ImportFailure("a broken or truncated zip archive")
        return self._parse_source(source)

    def _parse_zip(self, path: Path) -> ParseResult:
        try:
            zip_file = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError) as error:
            raise ImportFailure(f"a broken zip archive ({error})") from error
        with zip_file:
            for importer in self.importers:
                if importer.detect_zip(zip_file):
                    return importer.parse_zip(zip_file, str(path))
            combined = ParseResult()
            members = [m for m in zip_file.infolist() if not m.is_dir()]
            if len(members) > MAX_ZIP_MEMBERS:
                raise ImportFailure(f"zip holds {len(members)} files, more than {MAX_ZIP_MEMBERS}")
            failures = 0
            for member in members:
                source = Source(f"{path}:{member.filename}", zip_file=zip_file, member=member)
                try:
                    part = self._parse_source(source)
                except ImportFailure as failure:
                    failures += 1
                    self.report.warnings.append(FileFailure(source.name, str(failure)))
                    continue
                combined.threads.extend(part.threads)
                combined.warnings.extend(part.warnings)
            if not combined.threads and failures:
                raise ImportFailure("no file in the zip holds a thread")
            return combined

    def _parse_source(self, source: Source) -> ParseResult:
        if source.size == 0:
            raise ImportFailure("empty file")
        head = source.head()
        for importer in self.importers:
            if importer.detect(source):
                if source.size > importer.max_bytes:
                    raise ImportFailure(
                        f"too large for a {importer.name} file "
                        f"({source.size / 1048576:.0f} MiB, limit {importer.max_bytes // 1048576} MiB)"
                    )
                return importer.parse(source)
        if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise ImportFailure("binary data, not a saved thread")
        raise ImportFailure(f"not a format threads-tui knows (it reads: {self.names()})")

    def run(
        self,
        paths: Iterable[Path],
        library: Library,
        progress: ProgressCallback | None = None,
        cancelled: Callable[[], bool] = lambda: False,
    ) -> ImportReport:
        """Import every path into the library, committing in batches; report what happened."""
        report = self.report
        batch: list[Thread] = []

        def commit() -> None:
            if batch:
                counts = library.add_threads(batch)
                report.counts.added += counts.added
                report.counts.updated += counts.updated
                report.counts.unchanged += counts.unchanged
                batch.clear()

        for name, parse in self.sources(paths):
            if cancelled():
                break
            try:
                result = parse()
            except ImportFailure as failure:
                report.failures.append(FileFailure(name, str(failure)))
            except RecursionError:
                report.failures.append(FileFailure(name, "nested too deeply to read"))
            except MemoryError:
                report.failures.append(FileFailure(name, "too large to read in memory"))
            else:
                report.files_imported += 1
                report.threads_found += len(result.threads)
                report.warnings += [FileFailure(name, w) for w in result.warnings]
                batch.extend(result.threads)
            report.files_done += 1
            if progress:
                progress(report, name)
            if len(batch) >= COMMIT_EVERY_THREADS:
                commit()
        for importer in self.importers:
            try:
                pooled = importer.finish()
            except ImportFailure as failure:
                report.failures.append(FileFailure(importer.name, str(failure)))
                continue
            report.threads_found += len(pooled.threads)
            report.warnings += [FileFailure(importer.name, w) for w in pooled.warnings]
            batch.extend(pooled.threads)
        commit()
        if progress:
            progress(report, "")
        return report


def _failing(reason: str) -> Callable[[], ParseResult]:
    def fail() -> ParseResult:
        raise ImportFailure(reason)
    return fail


def run_import(
    paths: Iterable[Path],
    library: Library,
    progress: ProgressCallback | None = None,
    cancelled: Callable[[], bool] = lambda: False,
) -> ImportReport:
    """Import files and folders into the library (see `ImportRun.run`)."""
    return ImportRun().run(paths, library, progress, cancelled)
