"""Shared pytest configuration: per-notebook execution times in the summary."""

from collections import defaultdict
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parent.parent


def pytest_terminal_summary(terminalreporter):
    """Print how long nbval took to run each notebook.

    The time covers all its cells, kernel start included.
    """
    seconds = defaultdict(float)
    for reports in terminalreporter.stats.values():
        for report in reports:
            nodeid = getattr(report, "nodeid", "")
            duration = getattr(report, "duration", None)
            if ".ipynb::" in nodeid and duration is not None:
                seconds[nodeid.split("::")[0]] += duration
    if not seconds:
        return
    terminalreporter.section("notebook execution times (nbval)")
    for notebook, total in sorted(seconds.items()):
        terminalreporter.write_line(f"{total:8.1f} s  {notebook}")
    terminalreporter.write_line(f"{sum(seconds.values()):8.1f} s  all notebooks")
