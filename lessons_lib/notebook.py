"""One call that makes a lesson's outputs reproducible.

Every lesson starts with::

    from lessons_lib.notebook import setup_notebook
    rng = setup_notebook()

so that random numbers, the number of CPU threads, PyTorch's choice of
algorithms, NumPy's printing and Matplotlib's figure style are the same on
every run. That is what lets the test suite (nbval) compare a re-executed
notebook with the outputs stored in it.
"""

from __future__ import annotations

import numbers
import os
import random

import numpy as np

__all__ = ["setup_notebook", "COLAB_INSTALL_URL"]

#: The repository a Colab user installs ``lessons_lib`` from (also in ``_config.yml``).
COLAB_INSTALL_URL = "git+https://github.com/cnn-from-pixels/cnn-course"

FIGURE_DEFAULTS = {
    "figure.figsize": (6.4, 4.0),
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "figure.autolayout": False,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "font.size": 10,
    "image.interpolation": "nearest",
    "animation.embed_limit": 8.0,
}


def setup_notebook(seed: int = 0, threads: int = 2, deterministic: bool = True) -> np.random.Generator:
    """Seed every random number generator and fix what else changes outputs.

    Parameters
    ----------
    seed : int
        Seed for Python's ``random``, NumPy's legacy global generator,
        PyTorch, and the returned :class:`numpy.random.Generator`.
    threads : int
        Number of CPU threads PyTorch uses (results of floating-point
        reductions can depend on it, so it is fixed rather than left to the
        machine). At least 1.
    deterministic : bool
        Ask PyTorch for deterministic algorithms only
        (:func:`torch.use_deterministic_algorithms`).

    Returns
    -------
    numpy.random.Generator
        A generator seeded with ``seed``; lessons draw their random numbers
        from it.

    Raises
    ------
    TypeError
        If ``seed`` or ``threads`` is not an int, or ``deterministic`` not a bool.
    ValueError
        If ``seed`` is negative or ``threads`` is below 1.

    Examples
    --------
    >>> rng = setup_notebook(seed=1)
    >>> int(rng.integers(0, 100))
    47
    """
    for name, value in (("seed", seed), ("threads", threads)):
        if not isinstance(value, numbers.Integral) or isinstance(value, bool):
            raise TypeError(f"{name} must be an int, got {value!r}")
    if not isinstance(deterministic, bool):
        raise TypeError(f"deterministic must be True or False, got {deterministic!r}")
    if seed < 0:
        raise ValueError(f"seed must be at least 0, got {seed}")
    if threads < 1:
        raise ValueError(f"threads must be at least 1, got {threads}")

    os.environ["PYTHONHASHSEED"] = str(seed)
    # cuBLAS needs this to be deterministic on a GPU; harmless on the CPU.
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    random.seed(seed)
    np.random.seed(seed)  # noqa: NPY002 - code that still uses the legacy global generator
    np.set_printoptions(precision=4, suppress=True, linewidth=100, threshold=1000)

    import torch

    torch.manual_seed(seed)
    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(deterministic)
    if torch.backends.cudnn.is_available():
        torch.backends.cudnn.benchmark = False
        torch.backends.cudnn.deterministic = deterministic
    torch.set_printoptions(precision=4, sci_mode=False, linewidth=100)

    import matplotlib

    matplotlib.rcParams.update(FIGURE_DEFAULTS)
    return np.random.default_rng(seed)
