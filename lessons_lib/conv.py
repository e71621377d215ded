"""Convolution and cross-correlation written from their definitions.

Every function here has a twin in NumPy, SciPy or PyTorch, and the unit tests
check that the two agree:

==========================  =============================================
``convolve1d``              ``numpy.convolve``
``convolve2d``              ``scipy.signal.convolve2d``
``correlate1d``             ``torch.nn.functional.conv1d`` (one channel)
``correlate2d``             ``torch.nn.functional.conv2d`` (one channel)
``conv_output_size``        the output length of ``torch.nn.Conv1d/Conv2d``
``im2col`` / ``col2im``     ``torch.nn.functional.unfold`` / ``fold``
``conv2d_im2col``           ``torch.nn.functional.conv2d`` (batches, channels)
==========================  =============================================

The loop versions (``convolve1d_loops``, ``convolve2d_loops``) follow the
formulas line by line and are what the lessons show first; the vectorised
versions use :func:`numpy.lib.stride_tricks.sliding_window_view` and are what
the rest of the course calls.
"""

from __future__ import annotations

import numbers

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

__all__ = [
    "convolve1d",
    "convolve1d_loops",
    "convolve2d",
    "convolve2d_loops",
    "correlate1d",
    "correlate2d",
    "conv_output_size",
    "pad2d",
    "im2col",
    "col2im",
    "conv2d_im2col",
]

_MODES = ("full", "same", "valid")
_BOUNDARIES = ("fill", "symm", "wrap")


# ---------------------------------------------------------------------------
# argument checking
# ---------------------------------------------------------------------------
def _as_array(value, name: str, ndim: int) -> np.ndarray:
    """Return ``value`` as a numeric array with ``ndim`` dimensions or raise."""
    if isinstance(value, (str, bytes)) or value is None:
        raise TypeError(
            f"{name} must be an array of numbers, got {type(value).__name__}"
        )
    arr = np.asarray(value)
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.number) or arr.dtype == bool
    ):
        raise TypeError(f"{name} must be an array of numbers, got dtype {arr.dtype}")
    if arr.dtype == bool:
        arr = arr.astype(np.int64)
    if arr.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D, got an array of shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} must not be empty, got shape {arr.shape}")
    return arr


def _check_choice(value, name: str, choices) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, one of {choices}; got {value!r}")
    if value not in choices:
        raise ValueError(f"{name} must be one of {choices}; got {value!r}")
    return value


def _as_pair(value, name: str, minimum: int) -> tuple[int, int]:
    """An int or a pair of ints, each at least ``minimum``, as a pair."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        pair = (int(value), int(value))
    elif (
        isinstance(value, (tuple, list))
        and len(value) == 2
        and all(
            isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in value
        )
    ):
        pair = (int(value[0]), int(value[1]))
    else:
        raise TypeError(f"{name} must be an int or a pair of ints, got {value!r}")
    if min(pair) < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value!r}")
    return pair


def _result_dtype(a: np.ndarray, b: np.ndarray):
    return np.result_type(a.dtype, b.dtype)


# ---------------------------------------------------------------------------
# 1D convolution
# ---------------------------------------------------------------------------
def _check_1d(x, h, mode):
    x = _as_array(x, "x", 1)
    h = _as_array(h, "h", 1)
    _check_choice(mode, "mode", _MODES)
    return x, h


def _crop_full(full: np.ndarray, n: int, m: int, mode: str) -> np.ndarray:
    """Cut the 'same' or 'valid' part out of a full 1D convolution.

    Follows NumPy: 'same' has length ``max(n, m)``, centred on the full
    result; 'valid' has length ``max(n, m) - min(n, m) + 1``.
    """
    if mode == "full":
        return full
    if mode == "same":
        length = max(n, m)
    else:
        length = max(n, m) - min(n, m) + 1
    start = (full.size - length) // 2
    return full[start : start + length]


def convolve1d_loops(x, h, mode: str = "full") -> np.ndarray:
    """1D discrete convolution by the textbook double loop.

    Computes :math:`y[n] = \\sum_k x[k]\\,h[n-k]` for every ``n`` where the
    sum has at least one term, then keeps the part that ``mode`` asks for.
    Slow on purpose: it is the definition, term by term.

    Parameters
    ----------
    x, h : array_like, 1-D
        The two sequences. Convolution is symmetric, so which one is the
        "signal" and which the "kernel" does not change the result.
    mode : {"full", "same", "valid"}
        As in :func:`numpy.convolve`.

    Returns
    -------
    numpy.ndarray
        The convolution, with length ``n+m-1`` ("full"), ``max(n, m)``
        ("same") or ``max(n, m) - min(n, m) + 1`` ("valid").

    Raises
    ------
    TypeError
        If an input is not numeric or ``mode`` is not a string.
    ValueError
        If an input is not 1-D or is empty, or ``mode`` is unknown.

    Examples
    --------
    >>> convolve1d_loops([3, 4, 5], [2, 1, 0]).tolist()
    [6, 11, 14, 5, 0]
    """
    x, h = _check_1d(x, h, mode)
    n, m = x.size, h.size
    out = np.zeros(n + m - 1, dtype=_result_dtype(x, h))
    for i in range(n + m - 1):
        for k in range(n):
            if 0 <= i - k < m:
                out[i] += x[k] * h[i - k]
    return _crop_full(out, n, m, mode)


def convolve1d(x, h, mode: str = "full") -> np.ndarray:
    """1D discrete convolution, vectorised; equal to :func:`numpy.convolve`.

    The shorter sequence is flipped and slid along the longer one, which is
    zero-padded by ``len(short) - 1`` on both sides; each window gives one
    dot product.

    Parameters
    ----------
    x, h : array_like, 1-D
        The two sequences (order does not matter).
    mode : {"full", "same", "valid"}
        "full" keeps every overlap (length ``n+m-1``), "same" the centred
        ``max(n, m)`` values, "valid" only the positions where the shorter
        sequence lies wholly inside the longer one.

    Returns
    -------
    numpy.ndarray

    Raises
    ------
    TypeError, ValueError
        As :func:`convolve1d_loops`.

    Examples
    --------
    >>> convolve1d([6, 2], [1, 2, 5, 4], mode="same").tolist()
    [6, 14, 34, 34]
    """
    x, h = _check_1d(x, h, mode)
    n, m = x.size, h.size
    long, short = (x, h) if n >= m else (h, x)
    pad = short.size - 1
    padded = np.pad(long, pad)
    windows = sliding_window_view(padded, short.size)
    full = windows @ short[::-1].astype(_result_dtype(x, h))
    return _crop_full(full.astype(_result_dtype(x, h)), n, m, mode)


# ---------------------------------------------------------------------------
# 2D convolution, SciPy style
# ---------------------------------------------------------------------------
def _check_2d(image, kernel, mode, boundary, fillvalue):
    image = _as_array(image, "image", 2)
    kernel = _as_array(kernel, "kernel", 2)
    _check_choice(mode, "mode", _MODES)
    _check_choice(boundary, "boundary", _BOUNDARIES)
    if not isinstance(fillvalue, numbers.Number) or isinstance(fillvalue, bool):
        raise TypeError(f"fillvalue must be a number, got {fillvalue!r}")
    if mode == "valid":
        fits = all(i >= k for i, k in zip(image.shape, kernel.shape))
        fits_other_way = all(k >= i for i, k in zip(image.shape, kernel.shape))
        if not (fits or fits_other_way):
            raise ValueError(
                "in mode 'valid' one of image and kernel must be at least as "
                "large as the other in every dimension; got image "
                f"{image.shape} and kernel {kernel.shape}"
            )
    return image, kernel


def _swap_for_valid(image, kernel, mode):
    """In 'valid' mode with a kernel larger than the image, swap the two.

    Convolution is commutative, and a valid output never touches padding;
    swapping keeps the padding (of whatever kind) out of the sum, as SciPy does.
    """
    if (
        mode == "valid"
        and image.shape != kernel.shape
        and all(k >= i for i, k in zip(image.shape, kernel.shape))
    ):
        return kernel, image
    return image, kernel


def _boundary_pad(
    image: np.ndarray, pad_h: int, pad_w: int, boundary: str, fillvalue, dtype
) -> np.ndarray:
    widths = ((pad_h, pad_h), (pad_w, pad_w))
    if boundary == "fill":
        # As SciPy: fillvalue is converted to the output dtype (the common dtype of
        # image and kernel; a float is truncated for integer inputs) and rejected if
        # it does not fit. It never changes the output dtype.
        try:
            fill = np.array(fillvalue, dtype=dtype)
        except (TypeError, ValueError, OverflowError) as err:
            raise ValueError(
                f"fillvalue {fillvalue!r} cannot be "
                f"converted to the output dtype {dtype}"
            ) from err
        return np.pad(
            image.astype(dtype), widths, mode="constant", constant_values=fill
        )
    return np.pad(image, widths, mode="symmetric" if boundary == "symm" else "wrap")


def _crop_2d(full: np.ndarray, image_shape, kernel_shape, mode: str) -> np.ndarray:
    if mode == "full":
        return full
    if mode == "same":
        # SciPy keeps the output the size of the *first* input, centred.
        starts = [(f - i) // 2 for f, i in zip(full.shape, image_shape)]
        return full[
            starts[0] : starts[0] + image_shape[0],
            starts[1] : starts[1] + image_shape[1],
        ]
    # valid
    shape = [abs(i - k) + 1 for i, k in zip(image_shape, kernel_shape)]
    starts = [min(i, k) - 1 for i, k in zip(image_shape, kernel_shape)]
    return full[starts[0] : starts[0] + shape[0], starts[1] : starts[1] + shape[1]]


def convolve2d_loops(
    image, kernel, mode: str = "full", boundary: str = "fill", fillvalue=0
) -> np.ndarray:
    """2D convolution by flip, pad and slide, with explicit loops.

    The algorithm a person follows on paper: rotate the kernel by 180
    degrees, pad the image by ``kernel_size - 1`` on every side (with
    ``fillvalue``, a mirror image, or the opposite edge), slide the flipped
    kernel over every position, multiply and add; then keep the part that
    ``mode`` asks for. Arguments, results and errors as :func:`convolve2d`.

    Examples
    --------
    >>> image = [[255, 7, 3], [212, 240, 4], [218, 216, 230]]
    >>> convolve2d_loops(image, [[-1, 1]], mode="valid").tolist()
    [[248, 4], [-28, 236], [2, -14]]
    """
    image, kernel = _check_2d(image, kernel, mode, boundary, fillvalue)
    image, kernel = _swap_for_valid(image, kernel, mode)
    kh, kw = kernel.shape
    flipped = kernel[::-1, ::-1]
    padded = _boundary_pad(
        image, kh - 1, kw - 1, boundary, fillvalue, _result_dtype(image, kernel)
    )
    out_h, out_w = image.shape[0] + kh - 1, image.shape[1] + kw - 1
    out = np.zeros((out_h, out_w), dtype=np.result_type(padded.dtype, kernel.dtype))
    for r in range(out_h):
        for c in range(out_w):
            total = 0
            for i in range(kh):
                for j in range(kw):
                    total += padded[r + i, c + j] * flipped[i, j]
            out[r, c] = total
    return _crop_2d(out, image.shape, kernel.shape, mode)


def convolve2d(
    image, kernel, mode: str = "full", boundary: str = "fill", fillvalue=0
) -> np.ndarray:
    """2D convolution; equal to :func:`scipy.signal.convolve2d`.

    .. math:: (I * g)[r, c] = \\sum_{u}\\sum_{v} I[r-u, c-v]\\, g[u, v]

    Parameters
    ----------
    image : array_like, 2-D
        The input.
    kernel : array_like, 2-D
        The kernel (it is flipped, as convolution requires).
    mode : {"full", "same", "valid"}
        "full": every position where image and kernel overlap
        (``H+kh-1, W+kw-1``); "same": the centre part, the size of ``image``;
        "valid": only positions that need no padding (``H-kh+1, W-kw+1``).
    boundary : {"fill", "symm", "wrap"}
        How the image is extended past its edge: a constant ``fillvalue``,
        a mirror image (the edge pixel repeated, as SciPy's "symm"), or the
        opposite edge (periodic).
    fillvalue : number
        The constant used with ``boundary="fill"``. As in SciPy, it is converted
        to the output dtype (truncated if the inputs are integers).

    Returns
    -------
    numpy.ndarray

    Raises
    ------
    TypeError
        If an input is not numeric, or ``mode``/``boundary`` is not a string.
    ValueError
        If an input is not 2-D or empty, ``mode``/``boundary`` is unknown, or
        in "valid" mode neither input fits inside the other.

    Examples
    --------
    >>> image = [[255, 7, 3], [212, 240, 4], [218, 216, 230]]
    >>> convolve2d(image, [[-1, 1], [2, 3]], mode="valid").tolist()
    [[751, 263], [1118, 714]]
    """
    image, kernel = _check_2d(image, kernel, mode, boundary, fillvalue)
    image, kernel = _swap_for_valid(image, kernel, mode)
    kh, kw = kernel.shape
    padded = _boundary_pad(
        image, kh - 1, kw - 1, boundary, fillvalue, _result_dtype(image, kernel)
    )
    windows = sliding_window_view(padded, (kh, kw))
    dtype = np.result_type(padded.dtype, kernel.dtype)
    full = np.einsum(
        "rcij,ij->rc",
        windows.astype(dtype, copy=False),
        kernel[::-1, ::-1].astype(dtype),
    )
    return _crop_2d(full, image.shape, kernel.shape, mode)


# ---------------------------------------------------------------------------
# cross-correlation, deep-learning style
# ---------------------------------------------------------------------------
def conv_output_size(n, kernel, stride=1, padding=0, dilation=1) -> int:
    """Length of a convolution's output along one axis, as PyTorch computes it.

    .. math::

        n_{out} = \\left\\lfloor \\frac{n + 2p - d\\,(k-1) - 1}{s} \\right\\rfloor + 1

    Parameters
    ----------
    n : int
        Input length (at least 1).
    kernel : int
        Kernel length (at least 1).
    stride : int
        Step between windows (at least 1).
    padding : int
        Zeros added at *each* end (at least 0).
    dilation : int
        Spacing between kernel taps (at least 1); the kernel spans
        ``dilation * (kernel - 1) + 1`` inputs.

    Returns
    -------
    int

    Raises
    ------
    TypeError
        If an argument is not an int.
    ValueError
        If an argument is out of range, or the (dilated) kernel is longer
        than the padded input, so that no output position exists.

    Examples
    --------
    >>> conv_output_size(6, 3)
    4
    >>> conv_output_size(9, 3, stride=2)
    4
    """
    values = {
        "n": n,
        "kernel": kernel,
        "stride": stride,
        "padding": padding,
        "dilation": dilation,
    }
    for name, value in values.items():
        if not isinstance(value, numbers.Integral) or isinstance(value, bool):
            raise TypeError(f"{name} must be an int, got {value!r}")
    for name in ("n", "kernel", "stride", "dilation"):
        if values[name] < 1:
            raise ValueError(f"{name} must be at least 1, got {values[name]}")
    if padding < 0:
        raise ValueError(f"padding must be at least 0, got {padding}")
    span = dilation * (kernel - 1) + 1
    if span > n + 2 * padding:
        raise ValueError(
            f"the kernel spans {span} inputs (kernel={kernel}, dilation={dilation}) "
            f"but the padded input has only {n + 2 * padding} "
            f"(n={n}, padding={padding}); there is no output"
        )
    return (n + 2 * padding - span) // stride + 1


def _same_padding(kernel: int, dilation: int) -> tuple[int, int]:
    """Zeros before and after so that stride-1 output length equals input length."""
    total = dilation * (kernel - 1)
    return total // 2, total - total // 2


def pad2d(image, padding, value=0) -> np.ndarray:
    """Pad a 2-D array with a constant on all four sides.

    Parameters
    ----------
    image : array_like, 2-D
    padding : int or (int, int)
        Rows added at top and bottom, columns added at left and right.
    value : number
        The constant (zero by default).

    Examples
    --------
    >>> pad2d([[1]], 1).tolist()
    [[0, 0, 0], [0, 1, 0], [0, 0, 0]]
    """
    image = _as_array(image, "image", 2)
    ph, pw = _as_pair(padding, "padding", 0)
    return np.pad(image, ((ph, ph), (pw, pw)), mode="constant", constant_values=value)


def correlate1d(x, w, stride=1, padding=0, dilation=1) -> np.ndarray:
    """1D cross-correlation as a one-channel ``torch.nn.Conv1d`` computes it (no flip).

    .. math:: y[i] = \\sum_{j} x_{pad}[i s + j d]\\, w[j]

    Parameters
    ----------
    x : array_like, 1-D
        The signal.
    w : array_like, 1-D
        The kernel; used as it is, not flipped.
    stride : int
        Step between windows, at least 1.
    padding : int, "valid" or "same"
        Zeros added at each end ("same": stride 1 only; an odd total puts
        the extra zero at the end, as in PyTorch).
    dilation : int
        Spacing between kernel taps, at least 1.

    Returns
    -------
    numpy.ndarray
        Length ``conv_output_size(len(x), len(w), stride, padding, dilation)``.

    Raises
    ------
    TypeError, ValueError
        As :func:`correlate2d`, for 1-D inputs.

    Examples
    --------
    >>> correlate1d([1, 2, 5, 4, 0, 3], [6, 2, -1]).tolist()
    [5, 18, 38, 21]
    >>> correlate1d([1, 2, 5, 4, 0, 3], [1, -1], stride=2, padding=1).tolist()
    [-1, -3, 4, 3]
    """
    x = _as_array(x, "x", 1)
    w = _as_array(w, "w", 1)
    for name, value in (("stride", stride), ("dilation", dilation)):
        if not isinstance(value, numbers.Integral) or isinstance(value, bool):
            raise TypeError(f"{name} must be an int, got {value!r}")
    if not isinstance(padding, str) and (
        not isinstance(padding, numbers.Integral) or isinstance(padding, bool)
    ):
        raise TypeError(f"padding must be an int, 'valid' or 'same', got {padding!r}")
    pad = padding if isinstance(padding, str) else (0, padding)
    return correlate2d(
        x[None, :], w[None, :], stride=(1, stride), padding=pad, dilation=(1, dilation)
    )[0]


def correlate2d(image, kernel, stride=1, padding=0, dilation=1) -> np.ndarray:
    """2D cross-correlation as deep-learning layers compute it (no flip).

    .. math:: y[r, c] = \\sum_{i}\\sum_{j} x[r s_h + i d_h,\\; c s_w + j d_w]\\, w[i, j]

    where ``x`` is the zero-padded image. Equal to
    ``torch.nn.functional.conv2d`` on one image with one channel.

    Parameters
    ----------
    image : array_like, 2-D
        The input, ``(H, W)``.
    kernel : array_like, 2-D
        The filter, ``(kh, kw)``; used as it is, not flipped.
    stride : int or (int, int)
        Step between windows, at least 1.
    padding : int, (int, int), "valid" or "same"
        Zeros added on each side; "valid" means 0, "same" pads so that
        the output has the input's size (stride 1 only; when the total pad is
        odd, the extra zero goes at the bottom/right, as in PyTorch).
    dilation : int or (int, int)
        Spacing between kernel taps, at least 1.

    Returns
    -------
    numpy.ndarray
        Shape ``(conv_output_size(H, kh, ...), conv_output_size(W, kw, ...))``.

    Raises
    ------
    TypeError
        If an input is not numeric or a parameter has the wrong type.
    ValueError
        If an input is not 2-D or empty, stride/dilation are below 1,
        padding is negative or unknown, "same" is asked with a stride other
        than 1, or the kernel does not fit in the padded image.

    Examples
    --------
    >>> grid = np.arange(4)[:, None] + 3 * np.arange(4)   # rows 0 3 6 9, 1 4 7 10, ...
    >>> correlate2d(grid, [[0, 1, 0], [0, 1, 0], [0, 1, 0]]).tolist()
    [[12, 21], [15, 24]]
    """
    image = _as_array(image, "image", 2)
    kernel = _as_array(kernel, "kernel", 2)
    sh, sw = _as_pair(stride, "stride", 1)
    dh, dw = _as_pair(dilation, "dilation", 1)
    kh, kw = kernel.shape
    if isinstance(padding, str):
        _check_choice(padding, "padding", ("valid", "same"))
        if padding == "valid":
            pads = ((0, 0), (0, 0))
        else:
            if (sh, sw) != (1, 1):
                raise ValueError(
                    f"padding='same' needs stride 1, got stride={stride!r}"
                )
            pads = (_same_padding(kh, dh), _same_padding(kw, dw))
    else:
        ph, pw = _as_pair(padding, "padding", 0)
        pads = ((ph, ph), (pw, pw))
    span_h, span_w = dh * (kh - 1) + 1, dw * (kw - 1) + 1
    padded_h = image.shape[0] + sum(pads[0])
    padded_w = image.shape[1] + sum(pads[1])
    if span_h > padded_h or span_w > padded_w:
        raise ValueError(
            f"the kernel spans {(span_h, span_w)} pixels "
            f"(kernel {kernel.shape}, dilation {(dh, dw)}) "
            f"but the padded image is only {(padded_h, padded_w)}; there is no output"
        )
    padded = np.pad(image, pads, mode="constant")
    windows = sliding_window_view(padded, (span_h, span_w))[::sh, ::sw, ::dh, ::dw]
    dtype = np.result_type(padded.dtype, kernel.dtype)
    return np.einsum(
        "rcij,ij->rc", windows.astype(dtype, copy=False), kernel.astype(dtype)
    )


# ---------------------------------------------------------------------------
# batched, multi-channel convolution lowered to one matrix multiply
# ---------------------------------------------------------------------------
def _as_batch(x, name: str = "x") -> np.ndarray:
    """A numeric 4-D array, or an error that names the expected layout."""
    layout = "(N, C, H, W)" if name == "x" else "(F, C, kh, kw)"
    if isinstance(x, (str, bytes)) or x is None:
        raise TypeError(
            f"{name} must be an array of numbers with "
            f"shape {layout}, got {type(x).__name__}"
        )
    arr = np.asarray(x)
    if arr.ndim != 4:
        raise ValueError(
            f"{name} must be 4-D with shape {layout}, got shape {arr.shape}"
        )
    return _as_array(arr, name, 4)


def _resolve_padding(
    padding, kernel_hw, dilation_hw, stride_hw
) -> tuple[int, int, int, int]:
    """(top, bottom, left, right) zeros for an int, a pair, "valid" or "same"."""
    if isinstance(padding, str):
        _check_choice(padding, "padding", ("valid", "same"))
        if padding == "valid":
            return 0, 0, 0, 0
        if stride_hw != (1, 1):
            raise ValueError(f"padding='same' needs stride 1, got stride={stride_hw!r}")
        top, bottom = _same_padding(kernel_hw[0], dilation_hw[0])
        left, right = _same_padding(kernel_hw[1], dilation_hw[1])
        return top, bottom, left, right
    ph, pw = _as_pair(padding, "padding", 0)
    return ph, ph, pw, pw


def _im2col_geometry(x_shape, kernel_size, stride, padding, dilation):
    kh, kw = _as_pair(kernel_size, "kernel_size", 1)
    sh, sw = _as_pair(stride, "stride", 1)
    dh, dw = _as_pair(dilation, "dilation", 1)
    top, bottom, left, right = _resolve_padding(padding, (kh, kw), (dh, dw), (sh, sw))
    _, _, h, w = x_shape
    span_h, span_w = dh * (kh - 1) + 1, dw * (kw - 1) + 1
    if span_h > h + top + bottom or span_w > w + left + right:
        raise ValueError(
            f"the kernel spans {(span_h, span_w)} pixels "
            f"(kernel_size {(kh, kw)}, dilation {(dh, dw)}) "
            "but the padded input is only "
            f"{(h + top + bottom, w + left + right)}; there is no output"
        )
    out_h = (h + top + bottom - span_h) // sh + 1
    out_w = (w + left + right - span_w) // sw + 1
    return (kh, kw), (sh, sw), (dh, dw), (top, bottom, left, right), (out_h, out_w)


def im2col(x, kernel_size, stride=1, padding=0, dilation=1) -> np.ndarray:
    """Unfold every receptive field of a batch of images into a column.

    Column ``l`` of ``cols[n]`` holds the ``C * kh * kw`` input values that
    output position ``l`` (row-major over the output grid) sees, ordered
    channel, then kernel row, then kernel column. A convolution then is one
    matrix product: ``weight.reshape(F, -1) @ cols[n]``. Equal to
    ``torch.nn.functional.unfold``.

    Parameters
    ----------
    x : array_like, shape (N, C, H, W)
    kernel_size : int or (int, int)
    stride : int or (int, int)
    padding : int, (int, int), "valid" or "same"
        Zeros on each side ("same": stride 1 only; an odd total puts the
        extra zero at the bottom/right, as PyTorch does).
    dilation : int or (int, int)

    Returns
    -------
    numpy.ndarray, shape (N, C * kh * kw, out_h * out_w)

    Raises
    ------
    TypeError
        If ``x`` is not numeric or a size is not an int (pair).
    ValueError
        If ``x`` is not 4-D, a size is out of range, or the kernel does not
        fit in the padded input.

    Examples
    --------
    >>> im2col(np.arange(9).reshape(1, 1, 3, 3), 2)[0].tolist()
    [[0, 1, 3, 4], [1, 2, 4, 5], [3, 4, 6, 7], [4, 5, 7, 8]]
    """
    x = _as_batch(x)
    (kh, kw), (sh, sw), (dh, dw), (top, bottom, left, right), (out_h, out_w) = (
        _im2col_geometry(x.shape, kernel_size, stride, padding, dilation)
    )
    n, c = x.shape[:2]
    padded = np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)))
    span = (dh * (kh - 1) + 1, dw * (kw - 1) + 1)
    windows = sliding_window_view(padded, span, axis=(2, 3))[
        :, :, ::sh, ::sw, ::dh, ::dw
    ]
    windows = windows[:, :, :out_h, :out_w]  # (N, C, out_h, out_w, kh, kw)
    cols = windows.transpose(0, 1, 4, 5, 2, 3).reshape(n, c * kh * kw, out_h * out_w)
    # a reshape that needs no copy would hand back a read-only view of the padded input
    return cols if cols.flags.writeable else cols.copy()


def col2im(
    cols, input_shape, kernel_size, stride=1, padding=0, dilation=1
) -> np.ndarray:
    """Fold columns back into images, adding the values that land on the same pixel.

    The adjoint (transpose) of :func:`im2col`: it is what carries a
    convolution's gradient from its columns back to its input. Equal to
    ``torch.nn.functional.fold``.

    Parameters
    ----------
    cols : array_like, shape (N, C * kh * kw, out_h * out_w)
    input_shape : (N, C, H, W)
        Shape of the images that :func:`im2col` unfolded.
    kernel_size, stride, padding, dilation
        As given to :func:`im2col`.

    Returns
    -------
    numpy.ndarray, shape ``input_shape``

    Raises
    ------
    ValueError
        If ``cols`` does not have the shape that ``im2col`` gives for
        ``input_shape`` and these settings.

    Examples
    --------
    >>> col2im(np.ones((1, 4, 4)), (1, 1, 3, 3), 2)[0, 0].tolist()
    [[1.0, 2.0, 1.0], [2.0, 4.0, 2.0], [1.0, 2.0, 1.0]]
    """
    if not (
        isinstance(input_shape, (tuple, list))
        and len(input_shape) == 4
        and all(
            isinstance(v, numbers.Integral) and not isinstance(v, bool) and v >= 1
            for v in input_shape
        )
    ):
        raise ValueError(
            f"input_shape must be four positive ints (N, C, H, W), got {input_shape!r}"
        )
    cols = _as_array(cols, "cols", 3)
    n, c, h, w = (int(v) for v in input_shape)
    (kh, kw), (sh, sw), (dh, dw), (top, bottom, left, right), (out_h, out_w) = (
        _im2col_geometry((n, c, h, w), kernel_size, stride, padding, dilation)
    )
    expected = (n, c * kh * kw, out_h * out_w)
    if cols.shape != expected:
        raise ValueError(
            f"cols must have shape {expected} for input_shape "
            f"{tuple(input_shape)}, got {cols.shape}"
        )
    blocks = cols.reshape(n, c, kh, kw, out_h, out_w)
    dtype = (
        np.result_type(cols.dtype, np.float64)
        if cols.dtype.kind in "biu"
        else cols.dtype
    )
    padded = np.zeros((n, c, h + top + bottom, w + left + right), dtype=dtype)
    for i in range(kh):
        for j in range(kw):
            r0, c0 = i * dh, j * dw
            padded[:, :, r0 : r0 + sh * out_h : sh, c0 : c0 + sw * out_w : sw] += (
                blocks[:, :, i, j]
            )
    return padded[:, :, top : top + h, left : left + w]


def conv2d_im2col(x, weight, bias=None, stride=1, padding=0, dilation=1) -> np.ndarray:
    """A convolutional layer's forward pass: im2col, then one matrix multiply.

    .. math:: y[n, f, r, c] = b[f] + \\sum_{k}\\sum_{i}\\sum_{j}
              w[f, k, i, j]\\; x_{pad}[n, k,\\, r s_h + i d_h,\\, c s_w + j d_w]

    Equal to ``torch.nn.functional.conv2d(x, weight, bias, stride, padding, dilation)``.

    Parameters
    ----------
    x : array_like, shape (N, C, H, W)
    weight : array_like, shape (F, C, kh, kw)
        ``F`` filters, each spanning all ``C`` input channels.
    bias : array_like, shape (F,), optional
    stride, padding, dilation
        As for :func:`im2col`.

    Returns
    -------
    numpy.ndarray, shape (N, F, out_h, out_w)

    Raises
    ------
    TypeError
        If an array is not numeric.
    ValueError
        If the shapes do not match (channels of ``x`` vs ``weight``, length
        of ``bias``) or the settings are out of range.

    Examples
    --------
    >>> x = np.arange(16.0).reshape(1, 1, 4, 4)
    >>> conv2d_im2col(x, np.ones((1, 1, 2, 2)), stride=2)[0, 0].tolist()
    [[10.0, 18.0], [42.0, 50.0]]
    """
    x = _as_batch(x)
    weight = _as_batch(weight, "weight")
    f, c_w, kh, kw = weight.shape
    if c_w != x.shape[1]:
        raise ValueError(
            f"weight has {c_w} input channels (shape {weight.shape}) "
            f"but x has {x.shape[1]} (shape {x.shape})"
        )
    cols = im2col(x, (kh, kw), stride, padding, dilation)
    dtype = np.result_type(cols.dtype, weight.dtype)
    out = np.matmul(
        weight.reshape(f, -1).astype(dtype, copy=False), cols.astype(dtype, copy=False)
    )
    if bias is not None:
        bias = _as_array(bias, "bias", 1)
        if bias.shape != (f,):
            raise ValueError(
                f"bias must have shape ({f},), one per filter, got {bias.shape}"
            )
        out = out + bias[:, None]
    (_, _), (_, _), (_, _), _, (out_h, out_w) = _im2col_geometry(
        x.shape, (kh, kw), stride, padding, dilation
    )
    return out.reshape(x.shape[0], f, out_h, out_w)
