"""The wheel (not only an editable install) carries the package and its styles."""

import subprocess
import sys
import zipfile

from .conftest import ROOT


def test_wheel_holds_package_and_styles(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path), str(ROOT)],
        check=True, capture_output=True, timeout=300,
    )
    wheel = next(tmp_path.glob("threads_tui-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "tui/styles/app.tcss" in names
    assert "tui/app.py" in names and "tui/importers/threadreader_text.py" in names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "threads-tui = tui.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()
