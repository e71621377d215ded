"""One call that makes a lesson's outputs reproducible.

Every lesson starts with::

    from lessons_lib.notebook import setup_notebook
    rng = setup_notebook()

so that random numbers, the number of CPU threads, PyTorch's choice of
algorithms, NumPy's printing and Matplotlib's figure style are the same on
every run. That is what lets the test suite (nbval) compare a re-executed
notebook with the outputs stored in it.

Lessons that measure speed use :func:`best_time` (built in the open in
lesson 7).
"""

from __future__ import annotations

import numbers
import os
import random
import time

import numpy as np

__all__ = ["setup_notebook", "best_time", "COLAB_INSTALL_URL"]

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


def setup_notebook(
    seed: int = 0, threads: int = 2, deterministic: bool = True
) -> np.random.Generator:
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


def best_time(func, repeat: int = 5, target_seconds: float = 0.02) -> float:
    """Seconds one call of ``func()`` takes: the fastest of ``repeat`` measurements.

    One warm-up call runs first (the first call can pay for loading code or
    allocating buffers). Each measurement times ``number`` calls, with
    ``number`` chosen so that a measurement lasts about ``target_seconds``,
    and divides by ``number``. Other programs can only make a run slower,
    so the minimum is the best estimate of the code's own cost. The result
    varies between machines and runs: print it in a cell that nbval
    ignores, and assert only comparisons with a wide margin.

    Parameters
    ----------
    func : callable
        Called with no arguments (use ``functools.partial`` or a lambda).
    repeat : int
        Number of measurements, at least 1.
    target_seconds : float
        Rough duration of one measurement, greater than 0.

    Returns
    -------
    float
        Seconds per call.

    Raises
    ------
    TypeError
        If ``func`` is not callable or ``repeat`` is not an int.
    ValueError
        If ``repeat`` or ``target_seconds`` is out of range.

    Examples
    --------
    >>> seconds = best_time(lambda: sum(range(1000)), repeat=2, target_seconds=0.001)
    >>> 0 < seconds < 1
    True
    """
    if not callable(func):
        raise TypeError(f"func must be callable, got {type(func).__name__}")
    if not isinstance(repeat, numbers.Integral) or isinstance(repeat, bool):
        raise TypeError(f"repeat must be an int, got {repeat!r}")
    if repeat < 1:
        raise ValueError(f"repeat must be at least 1, got {repeat}")
    if (
        not isinstance(target_seconds, numbers.Real)
        or isinstance(target_seconds, bool)
        or not target_seconds > 0
    ):
        raise ValueError(
            f"target_seconds must be a number greater than 0, got {target_seconds!r}"
        )
    func()  # warm-up
    start = time.perf_counter()
    func()
    once = time.perf_counter() - start
    number = max(1, round(target_seconds / max(once, 1e-9)))
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            func()
        best = min(best, (time.perf_counter() - start) / number)
    return best
