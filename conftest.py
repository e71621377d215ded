"""Shared pytest configuration.

Per-notebook execution times in the summary, and the grouping that lets
``pytest -n 2 --dist loadgroup --no-loadscope-reorder`` (what ``.ci/test``
runs) split the suite over
two workers safely: the cells of one notebook share a kernel, so each notebook
is one group; the site build and its browser tests share session fixtures, so
they are one group; and the notebooks that train networks on both PyTorch
threads form one group that runs first, on one worker, one after another,
while the other worker takes everything else.
"""

from collections import defaultdict
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")


#: Lessons whose training keeps both cores busy for a minute or more.
TRAINING_NOTEBOOKS = frozenset(
    {
        "10_dropout_batchnorm",
        "12_mnist_lenet5",
        "13_fashion_mnist_pipeline",
        "14_regularisation_measured",
        "15_alexnet",
        "16_vgg",
        "17_inception",
        "18_resnet",
        "19_efficient_cnns",
        "20_pretrained_networks",
        "21_feature_extraction_vs_fine_tuning",
        "22_transfer_guidelines",
    }
)


def xdist_group_of(path):
    """The xdist group of the tests in ``path``, or None if they may be split."""
    path = Path(path)
    if path.suffix == ".ipynb":
        return "training" if path.stem in TRAINING_NOTEBOOKS else path.stem
    if path.name == "test_site.py":
        return "site"
    return None


def pytest_collection_modifyitems(config, items):
    """Put the training notebooks first (a stable sort: cells keep their order)."""
    items.sort(key=lambda item: xdist_group_of(item.path) != "training")


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """With ``--dist loadgroup``, schedule by :func:`xdist_group_of`.

    Each group is one work unit, run on one worker in collection order; other
    tests are units of their own. (xdist's own ``xdist_group`` marks rename
    node ids, which pytest 9 no longer honours, so the grouping lives here.)
    Use ``--no-loadscope-reorder`` to keep the training notebooks first.
    """
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class NotebookGroupScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid):
            return xdist_group_of(nodeid.split("::")[0]) or nodeid

    return NotebookGroupScheduling(config, log)


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
