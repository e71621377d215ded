"""Pooling: summarise each window of a feature map by its maximum or its mean.

Works on a single map ``(H, W)`` or on any stack ``(..., H, W)`` such as a
batch ``(N, C, H, W)``; every leading axis is pooled independently. The unit
tests check each function against PyTorch:

======================  ==============================================
``max_pool2d``          ``torch.nn.functional.max_pool2d``
``avg_pool2d``          ``torch.nn.functional.avg_pool2d``
``global_max_pool2d``   ``torch.amax(x, dim=(-2, -1))``
``global_avg_pool2d``   ``torch.nn.functional.adaptive_avg_pool2d(x, 1)``
======================  ==============================================

Output size along each axis, with kernel ``k``, stride ``s`` and padding ``p``:

.. math:: n_{out} = \\left\\lfloor \\frac{n + 2p - k}{s} \\right\\rfloor + 1
          \\quad(\\text{or } \\lceil\\cdot\\rceil \\text{ with } \\texttt{ceil\\_mode}),

where with ``ceil_mode`` a last window that would start in the right/bottom
padding is dropped (as in PyTorch). ``ceil_mode=True`` is how a 7x7 map gives a
4x4 map with 2x2 windows and stride 2: the last row and column of windows hang
over the edge and see only what is inside.
"""

from __future__ import annotations

import numbers

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .conv import _as_pair

__all__ = [
    "pool_output_size",
    "max_pool2d",
    "avg_pool2d",
    "global_max_pool2d",
    "global_avg_pool2d",
]


def _as_maps(x) -> np.ndarray:
    if isinstance(x, (str, bytes)) or x is None:
        raise TypeError(f"x must be an array of numbers, got {type(x).__name__}")
    arr = np.asarray(x)
    if not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise TypeError(f"x must be an array of numbers, got dtype {arr.dtype}")
    if arr.ndim < 2 or arr.size == 0:
        raise ValueError(
            f"x must have shape (..., H, W) with H, W >= 1, got shape {arr.shape}"
        )
    if arr.dtype == bool:
        arr = arr.astype(np.int64)
    return arr


def _as_int(value, name, minimum):
    if not isinstance(value, numbers.Integral) or isinstance(value, bool):
        raise TypeError(f"{name} must be an int, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value!r}")
    return int(value)


def _check_bool(value, name):
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def pool_output_size(n, kernel, stride=None, padding=0, ceil_mode=False) -> int:
    """Length of a pooling output along one axis, as PyTorch computes it.

    Parameters
    ----------
    n : int
        Input length, at least 1.
    kernel : int
        Window length, at least 1.
    stride : int, optional
        Step between windows; defaults to ``kernel`` (windows that do not overlap).
    padding : int
        Implicit padding on each side, at most ``kernel // 2``.
    ceil_mode : bool
        Round up, so that a last, partial window is kept.

    Returns
    -------
    int

    Raises
    ------
    TypeError, ValueError
        If an argument is not an int or is out of range, or the window
        does not fit in the padded input.

    Examples
    --------
    >>> pool_output_size(7, 2), pool_output_size(7, 2, ceil_mode=True)
    (3, 4)
    """
    n, kernel = _as_int(n, "n", 1), _as_int(kernel, "kernel", 1)
    stride = kernel if stride is None else _as_int(stride, "stride", 1)
    padding = _as_int(padding, "padding", 0)
    ceil_mode = _check_bool(ceil_mode, "ceil_mode")
    if padding > kernel // 2:
        raise ValueError(
            f"padding must be at most half the kernel ({kernel // 2}), got {padding}"
        )
    if kernel > n + 2 * padding:
        raise ValueError(
            f"the window ({kernel}) is longer than the "
            f"padded input ({n + 2 * padding}); no output"
        )
    span = n + 2 * padding - kernel
    out = (-(-span // stride) if ceil_mode else span // stride) + 1
    if ceil_mode and (out - 1) * stride >= n + padding:
        out -= 1  # the last window would start in the right-hand padding
    return out


def _pool_setup(x, kernel_size, stride, padding, ceil_mode):
    x = _as_maps(x)
    kh, kw = _as_pair(kernel_size, "kernel_size", 1)
    sh, sw = (kh, kw) if stride is None else _as_pair(stride, "stride", 1)
    ph, pw = _as_pair(padding, "padding", 0)
    h, w = x.shape[-2:]
    out_h = pool_output_size(h, kh, sh, ph, ceil_mode)
    out_w = pool_output_size(w, kw, sw, pw, ceil_mode)
    # extra zeros at the bottom/right for windows that hang over the edge
    extra_h = max(0, (out_h - 1) * sh + kh - (h + 2 * ph))
    extra_w = max(0, (out_w - 1) * sw + kw - (w + 2 * pw))
    pads = [(0, 0)] * (x.ndim - 2) + [(ph, ph + extra_h), (pw, pw + extra_w)]
    return x, (kh, kw), (sh, sw), (ph, pw), (out_h, out_w), pads


def _windows(padded, kernel, stride, out_hw):
    views = sliding_window_view(padded, kernel, axis=(-2, -1))[
        ..., :: stride[0], :: stride[1], :, :
    ]
    return views[..., : out_hw[0], : out_hw[1], :, :]


def max_pool2d(x, kernel_size, stride=None, padding=0, ceil_mode=False):
    """Max pooling: the largest value in each window.

    .. math::

        y[r, c] = \\max_{0 \\le i < k_h,\\ 0 \\le j < k_w}
                  x[r s_h + i - p_h,\\; c s_w + j - p_w]

    Padding never wins (it counts as minus infinity).

    Parameters
    ----------
    x : array_like, shape (..., H, W)
    kernel_size : int or (int, int)
    stride : int or (int, int), optional
        Defaults to ``kernel_size``.
    padding : int or (int, int)
        At most half the kernel on each axis.
    ceil_mode : bool
        Keep a last, partial window (see :func:`pool_output_size`).

    Returns
    -------
    numpy.ndarray, shape (..., out_h, out_w), the input's dtype.

    Raises
    ------
    TypeError, ValueError
        For a non-numeric or less than 2-D ``x`` or out-of-range sizes.

    Examples
    --------
    >>> grid = np.arange(12).reshape(4, 3).T
    >>> max_pool2d(grid, 2, stride=1).tolist()
    [[4, 7, 10], [5, 8, 11]]
    """
    x, kernel, stride, _, out_hw, pads = _pool_setup(
        x, kernel_size, stride, padding, ceil_mode
    )
    if np.issubdtype(x.dtype, np.floating):
        lowest = -np.inf
    else:
        lowest = np.iinfo(x.dtype).min
    padded = np.pad(x, pads, mode="constant", constant_values=lowest)
    return _windows(padded, kernel, stride, out_hw).max(axis=(-2, -1))


def avg_pool2d(
    x, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True
):
    """Average pooling: the mean of each window.

    Parameters
    ----------
    x : array_like, shape (..., H, W)
    kernel_size, stride, padding, ceil_mode
        As for :func:`max_pool2d`.
    count_include_pad : bool
        Whether zeros of the implicit ``padding`` count in the divisor
        (PyTorch's default). Parts of a ``ceil_mode`` window beyond the
        padding never count.

    Returns
    -------
    numpy.ndarray of float, shape (..., out_h, out_w)

    Examples
    --------
    >>> avg_pool2d(np.arange(12).reshape(4, 3).T, 2, stride=1).tolist()
    [[2.0, 5.0, 8.0], [3.0, 6.0, 9.0]]
    """
    count_include_pad = _check_bool(count_include_pad, "count_include_pad")
    x, kernel, stride, (ph, pw), out_hw, pads = _pool_setup(
        x, kernel_size, stride, padding, ceil_mode
    )
    padded = np.pad(x.astype(float), pads, mode="constant")
    sums = _windows(padded, kernel, stride, out_hw).sum(axis=(-2, -1))
    h, w = x.shape[-2:]

    def counts(n, k, s, p, n_out):
        starts = np.arange(n_out) * s - p  # window start in input coordinates
        lo, hi = (0, n) if not count_include_pad else (-p, n + p)
        return np.minimum(starts + k, hi) - np.maximum(starts, lo)

    divisor = np.outer(
        counts(h, kernel[0], stride[0], ph, out_hw[0]),
        counts(w, kernel[1], stride[1], pw, out_hw[1]),
    )
    return sums / divisor


def global_max_pool2d(x):
    """The largest value of each whole map: shape ``(..., H, W)`` to ``(...)``.

    Examples
    --------
    >>> global_max_pool2d(np.arange(12).reshape(2, 2, 3)).tolist()
    [5, 11]
    """
    return _as_maps(x).max(axis=(-2, -1))


def global_avg_pool2d(x):
    """The mean of each whole map: shape ``(..., H, W)`` to ``(...)`` (float).

    Examples
    --------
    >>> global_avg_pool2d(np.arange(12).reshape(2, 2, 3)).tolist()
    [2.5, 8.5]
    """
    return _as_maps(x).astype(float).mean(axis=(-2, -1))
