"""The [tool.ruff] checks of pyproject.toml hold for the library, tests and lessons."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_ruff_finds_nothing():
    ruff = Path(sys.executable).parent / "ruff"
    result = subprocess.run(
        [
            str(ruff),
            "check",
            "--no-cache",
            "lessons_lib",
            "tests",
            "book",
            ".ci/execute-notebooks",
            "conftest.py",
            "data",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
