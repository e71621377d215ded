"""Image filters built from a sliding window.

Each filter is written from its definition with
:func:`numpy.lib.stride_tricks.sliding_window_view` (no Python loop over
pixels), and the unit tests check it against the library that offers the
same thing:

==========================  =================================================
``window_filter``           ``scipy.ndimage.generic_filter`` with a footprint
``mean_filter``             ``cv2.blur`` / ``scipy.ndimage.uniform_filter``
``median_filter``           ``cv2.medianBlur`` (``border="edge"``)
``gaussian_kernel``         ``cv2.getGaussianKernel`` (outer product)
``gaussian_filter``         ``cv2.GaussianBlur`` / ``scipy.ndimage.gaussian_filter``
``sobel_gradients``         ``cv2.Sobel`` (``ksize=3``)
``laplacian``               ``cv2.Laplacian`` (``ksize=1``)
``unsharp_mask``            the formula ``image + amount * (image - blurred)``
``dilate`` / ``erode``      ``cv2.dilate`` / ``cv2.erode``
==========================  =================================================

Borders
-------
A window centred on a border pixel reaches outside the image. ``border``
says what it finds there (the names are those of :func:`numpy.pad`):

============  =====================  ==========================  ===============
``border``    ``numpy.pad`` mode     OpenCV                      ``scipy.ndimage``
============  =====================  ==========================  ===============
"constant"    constant (``cval``)    ``BORDER_CONSTANT``         "constant"
"edge"        edge                   ``BORDER_REPLICATE``        "nearest"
"reflect"     reflect (``dcb|bcd``)  ``BORDER_REFLECT_101``      "mirror"
"symmetric"   symmetric (``cba|abc``)  ``BORDER_REFLECT``        "reflect"
"wrap"        wrap                   ``BORDER_WRAP``             "wrap"
"ignore"      --                     --                          --
============  =====================  ==========================  ===============

"ignore" leaves the outside pixels out of the window, so a mean near the
border divides by the number of pixels actually inside the image (the
"border-normalised" mean of source 004).
"""

from __future__ import annotations

import numbers

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .conv import _as_array, _check_choice

__all__ = [
    "BORDERS",
    "SOBEL_X",
    "SOBEL_Y",
    "LAPLACIAN",
    "cross_footprint",
    "window_filter",
    "mean_filter",
    "median_filter",
    "dilate",
    "erode",
    "gaussian_kernel1d",
    "gaussian_kernel",
    "filter2d",
    "gaussian_filter",
    "sobel_gradients",
    "laplacian",
    "unsharp_mask",
]

BORDERS = ("constant", "edge", "reflect", "symmetric", "wrap", "ignore")
_REDUCTIONS = ("sum", "mean", "max", "min", "median")

#: Sobel kernel for d/dx (columns), used as a cross-correlation: dark-to-bright
#: from left to right gives a positive response (as ``cv2.Sobel(img, dx=1, dy=0)``).
SOBEL_X = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]])
#: Sobel kernel for d/dy (rows): dark-to-bright from top to bottom is positive.
SOBEL_Y = SOBEL_X.T.copy()
#: The 4-neighbour Laplacian (``cv2.Laplacian`` with ``ksize=1``).
LAPLACIAN = np.array([[0, 1, 0], [1, -4, 1], [0, 1, 0]])


# ---------------------------------------------------------------------------
# argument checking
# ---------------------------------------------------------------------------
def _check_image(image) -> np.ndarray:
    return _as_array(image, "image", 2)


def _check_size(size, name: str = "size") -> int:
    if not isinstance(size, numbers.Integral) or isinstance(size, bool):
        raise TypeError(f"{name} must be an int, got {size!r}")
    if size < 1 or size % 2 == 0:
        raise ValueError(
            f"{name} must be an odd int of at least 1 (the "
            f"window needs a centre pixel), got {size}"
        )
    return int(size)


def _check_footprint(footprint) -> np.ndarray:
    """An int (square window) or a 2-D array of 0/1 (or bools) with odd sides."""
    if isinstance(footprint, numbers.Integral) and not isinstance(footprint, bool):
        size = _check_size(footprint, "footprint")
        return np.ones((size, size), dtype=bool)
    fp = _as_array(footprint, "footprint", 2)
    if not np.isin(fp, (0, 1)).all():
        raise ValueError(
            "footprint must contain only 0/1 (or False/True): "
            "it says which pixels are in the window"
        )
    if fp.shape[0] % 2 == 0 or fp.shape[1] % 2 == 0:
        raise ValueError(
            "footprint must have odd height and width "
            f"(a centre pixel), got shape {fp.shape}"
        )
    if not fp.any():
        raise ValueError("footprint must select at least one pixel")
    return fp.astype(bool)


def _check_positive_number(value, name: str, allow_zero: bool = False) -> float:
    if not isinstance(value, numbers.Real) or isinstance(value, bool):
        raise TypeError(f"{name} must be a number, got {value!r}")
    value = float(value)
    if not np.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        rule = "at least 0" if allow_zero else "greater than 0"
        raise ValueError(f"{name} must be a finite number {rule}, got {value!r}")
    return value


def _pad(image: np.ndarray, ph: int, pw: int, border: str, cval) -> np.ndarray:
    """Pad by ``ph`` rows and ``pw`` columns on each side; "ignore" pads with NaN."""
    pads = ((ph, ph), (pw, pw))
    if border == "ignore":
        return np.pad(
            image.astype(float), pads, mode="constant", constant_values=np.nan
        )
    if border == "constant":
        return np.pad(image, pads, mode="constant", constant_values=cval)
    if border in ("reflect", "symmetric", "wrap") and (
        ph >= image.shape[0] or pw >= image.shape[1]
    ):
        raise ValueError(
            f"border={border!r} needs the image to "
            "be larger than the window's half size "
            f"({ph}, {pw}); got an image of shape {image.shape}"
        )
    return np.pad(image, pads, mode=border)


def _windows(image, footprint, border, cval):
    """Array of shape ``(H, W, k)``: the ``k`` pixels of each pixel's window."""
    border = _check_choice(border, "border", BORDERS)
    fh, fw = footprint.shape
    padded = _pad(image, fh // 2, fw // 2, border, cval)
    views = sliding_window_view(padded, footprint.shape)
    return views[..., footprint]


# ---------------------------------------------------------------------------
# non-linear (and linear) window filters
# ---------------------------------------------------------------------------
def cross_footprint(radius: int = 1) -> np.ndarray:
    """The "+"-shaped window: the centre and its neighbours along rows and columns.

    Each of the four arms is ``radius`` pixels long.

    Parameters
    ----------
    radius : int
        Arm length, at least 1.

    Returns
    -------
    numpy.ndarray of bool, shape ``(2 * radius + 1, 2 * radius + 1)``

    Examples
    --------
    >>> cross_footprint().astype(int).tolist()
    [[0, 1, 0], [1, 1, 1], [0, 1, 0]]
    """
    if not isinstance(radius, numbers.Integral) or isinstance(radius, bool):
        raise TypeError(f"radius must be an int, got {radius!r}")
    if radius < 1:
        raise ValueError(f"radius must be at least 1, got {radius}")
    fp = np.zeros((2 * radius + 1, 2 * radius + 1), dtype=bool)
    fp[radius, :] = True
    fp[:, radius] = True
    return fp


def window_filter(image, footprint=3, reduce="mean", border="constant", cval=0):
    """Slide a window over the image and reduce the pixels under it to one number.

    .. math::

        y[r, c] = \\operatorname{reduce}\\{\\, x[r + i, c + j] : (i, j) \\in F \\,\\}

    where ``F`` is the footprint, centred on ``(r, c)``.

    Parameters
    ----------
    image : array_like, 2-D
    footprint : int or array_like of 0/1, 2-D
        The window: an odd int for a square, or a mask with odd sides
        (e.g. :func:`cross_footprint`).
    reduce : {"sum", "mean", "max", "min", "median"} or callable
        What to do with the window's pixels. A callable receives an array of
        shape ``(H, W, k)`` and must reduce the last axis.
    border : str
        One of :data:`BORDERS` (see the module docstring).
    cval : number
        The outside value for ``border="constant"``.

    Returns
    -------
    numpy.ndarray
        Same shape as ``image``; float for "mean" and "median" (and for any
        reduction with ``border="ignore"``).

    Raises
    ------
    TypeError
        If the image is not numeric or ``reduce`` is neither a name nor callable.
    ValueError
        If the image is not 2-D, the footprint is not an odd 0/1 mask, or
        ``reduce``/``border`` is unknown.

    Examples
    --------
    >>> window_filter([[0, 0, 0], [0, 9, 0], [0, 0, 0]], 3, "max").tolist()
    [[9, 9, 9], [9, 9, 9], [9, 9, 9]]
    >>> window_filter(
    ...     [[4, 8], [0, 0]], cross_footprint(), "mean", border="ignore"
    ... ).tolist()
    [[4.0, 4.0], [1.3333333333333333, 2.6666666666666665]]
    """
    image = _check_image(image)
    fp = _check_footprint(footprint)
    if callable(reduce):
        func = reduce
    else:
        _check_choice(reduce, "reduce", _REDUCTIONS)
        ignore = border == "ignore"
        table = {
            "sum": np.nansum if ignore else np.sum,
            "mean": np.nanmean if ignore else np.mean,
            "max": np.nanmax if ignore else np.max,
            "min": np.nanmin if ignore else np.min,
            "median": np.nanmedian if ignore else np.median,
        }
        func = table[reduce]
    windows = _windows(image, fp, border, cval)
    out = func(windows, axis=-1) if not callable(reduce) else func(windows)
    out = np.asarray(out)
    if out.shape != image.shape:
        raise ValueError(
            "reduce must return one value per pixel, "
            f"shape {image.shape}; got shape {out.shape}"
        )
    return out


def mean_filter(image, size=3, border="reflect"):
    """Box blur: replace each pixel by the mean of the ``size x size`` square around it.

    Equal to ``cv2.blur(image, (size, size))`` for the default border.

    Parameters
    ----------
    image : array_like, 2-D
    size : int
        Odd side of the square window.
    border : str
        One of :data:`BORDERS`.

    Returns
    -------
    numpy.ndarray of float, same shape as ``image``.

    Examples
    --------
    >>> mean_filter([[0, 0, 0], [0, 9, 0], [0, 0, 0]], border="constant").tolist()
    [[1.0, 1.0, 1.0], [1.0, 1.0, 1.0], [1.0, 1.0, 1.0]]
    """
    size = _check_size(size)
    image = _check_image(image)
    if border == "ignore":
        return window_filter(image, size, "mean", border)
    # a box filter is separable: mean over rows, then over columns
    _check_choice(border, "border", BORDERS)
    r = size // 2
    padded = _pad(image.astype(float), r, r, border, 0)
    rows = sliding_window_view(padded, size, axis=0).mean(axis=-1)
    return sliding_window_view(rows, size, axis=1).mean(axis=-1)


def median_filter(image, size=3, border="edge"):
    """Replace each pixel by the median of the ``size x size`` square around it.

    With the default border this equals ``cv2.medianBlur(image, size)``
    (OpenCV repeats the edge pixels) for every pixel.

    Parameters
    ----------
    image : array_like, 2-D
    size : int
        Odd side of the square window.
    border : str
        One of :data:`BORDERS`; "ignore" gives the shrinking window of
        source 000's loop (which then averages the two middle values of an
        even count).

    Returns
    -------
    numpy.ndarray
        Same shape as ``image``; the input's dtype for odd windows inside
        the image, float when a median of an even count is possible.

    Examples
    --------
    >>> median_filter([[0, 0, 0], [0, 255, 0], [0, 0, 0]]).tolist()
    [[0, 0, 0], [0, 0, 0], [0, 0, 0]]
    """
    size = _check_size(size)
    image = _check_image(image)
    out = window_filter(image, size, "median", border)
    if border != "ignore":
        # a median of an odd count is one of the pixels: keep the dtype
        out = out.astype(image.dtype)
    return out


def dilate(image, footprint=3, border="constant"):
    """Grey-level (or binary) dilation: the maximum under the window.

    Grows bright shapes by the footprint. Equal to ``cv2.dilate`` with the
    same kernel (OpenCV treats the outside as never winning).

    Parameters
    ----------
    image : array_like, 2-D
    footprint : int or array_like of 0/1
    border : str
        "constant" pads with the image's minimum, so that the outside never
        wins; any other value of :data:`BORDERS` is used as given.

    Examples
    --------
    >>> dilate([[0, 0, 0], [0, 1, 0], [0, 0, 0]], cross_footprint()).tolist()
    [[0, 1, 0], [1, 1, 1], [0, 1, 0]]
    """
    image = _check_image(image)
    return window_filter(image, footprint, "max", border, cval=image.min())


def erode(image, footprint=3, border="constant"):
    """Grey-level (or binary) erosion: the minimum under the window.

    Shrinks bright shapes by the footprint; equal to ``cv2.erode``.

    Parameters
    ----------
    image : array_like, 2-D
    footprint : int or array_like of 0/1
    border : str
        "constant" pads with the image's maximum, so that the outside never
        wins; any other value of :data:`BORDERS` is used as given.

    Examples
    --------
    >>> erode([[0, 1, 0], [1, 1, 1], [0, 1, 0]], cross_footprint()).tolist()
    [[0, 0, 0], [0, 1, 0], [0, 0, 0]]
    """
    image = _check_image(image)
    return window_filter(image, footprint, "min", border, cval=image.max())


# ---------------------------------------------------------------------------
# linear filters
# ---------------------------------------------------------------------------
def _check_radius(radius, sigma):
    if radius is None:
        return max(1, int(np.ceil(3 * sigma)))
    if not isinstance(radius, numbers.Integral) or isinstance(radius, bool):
        raise TypeError(f"radius must be an int or None, got {radius!r}")
    if radius < 0:
        raise ValueError(f"radius must be at least 0, got {radius}")
    return int(radius)


def gaussian_kernel1d(sigma, radius=None):
    """Sampled, normalised 1D Gaussian.

    ``g[i] = exp(-i**2 / (2 sigma**2)) / Z`` for ``i = -radius..radius``.

    Parameters
    ----------
    sigma : float
        Standard deviation in pixels, greater than 0.
    radius : int, optional
        Half-width; the default ``ceil(3 sigma)`` keeps all but about 0.3% of
        the continuous Gaussian's mass.

    Returns
    -------
    numpy.ndarray of float, shape ``(2 * radius + 1,)``, summing to 1.

    Examples
    --------
    >>> gaussian_kernel1d(1.0, radius=1).round(4).tolist()
    [0.2741, 0.4519, 0.2741]
    """
    sigma = _check_positive_number(sigma, "sigma")
    radius = _check_radius(radius, sigma)
    i = np.arange(-radius, radius + 1, dtype=float)
    g = np.exp(-(i**2) / (2 * sigma**2))
    return g / g.sum()


def gaussian_kernel(sigma, radius=None):
    """Normalised 2D Gaussian kernel, the outer product of two 1D ones.

    .. math::

        G[i, j] = \\frac{1}{Z} \\exp\\!\\left(-\\frac{i^2 + j^2}{2\\sigma^2}\\right)
                = g[i]\\, g[j]

    Parameters
    ----------
    sigma : float
        Standard deviation in pixels, greater than 0.
    radius : int, optional
        Half-width (default ``ceil(3 sigma)``).

    Returns
    -------
    numpy.ndarray of float, shape ``(2 * radius + 1, 2 * radius + 1)``, summing to 1.

    Examples
    --------
    >>> k = gaussian_kernel(1.0, radius=2)
    >>> k.shape, round(float(k.sum()), 12)
    ((5, 5), 1.0)
    """
    g = gaussian_kernel1d(sigma, radius)
    return np.outer(g, g)


def filter2d(image, kernel, border="reflect", cval=0):
    """Correlate an image with a kernel centred on each pixel.

    The output has the image's size. Like ``cv2.filter2D`` (which also
    correlates, without flipping). The kernel must have odd sides so that it
    has a centre.

    Parameters
    ----------
    image : array_like, 2-D
    kernel : array_like, 2-D, odd sides
    border : str
        One of :data:`BORDERS` except "ignore".
    cval : number
        Outside value for ``border="constant"``.

    Returns
    -------
    numpy.ndarray, same shape as ``image``.

    Examples
    --------
    >>> filter2d([[1, 2, 3]], [[-1, 0, 1]], border="edge").tolist()
    [[1, 2, 1]]
    """
    image = _check_image(image)
    kernel = _as_array(kernel, "kernel", 2)
    if kernel.shape[0] % 2 == 0 or kernel.shape[1] % 2 == 0:
        raise ValueError(
            "kernel must have odd height and width "
            f"(a centre), got shape {kernel.shape}"
        )
    _check_choice(border, "border", BORDERS[:-1])
    kh, kw = kernel.shape
    padded = _pad(image, kh // 2, kw // 2, border, cval)
    dtype = np.result_type(padded.dtype, kernel.dtype)
    return np.einsum(
        "rcij,ij->rc",
        sliding_window_view(padded, kernel.shape).astype(dtype, copy=False),
        kernel.astype(dtype),
    )


def gaussian_filter(image, sigma, radius=None, border="reflect"):
    """Blur with a Gaussian, as two 1D passes (rows, then columns).

    Separability makes the cost ``2 (2r + 1)`` multiplications per pixel
    instead of ``(2r + 1)**2``. With the default border this equals
    ``cv2.GaussianBlur(image, (2r + 1, 2r + 1), sigma)`` for float images.

    Parameters
    ----------
    image : array_like, 2-D
    sigma : float
        Standard deviation in pixels, greater than 0.
    radius : int, optional
        Half-width (default ``ceil(3 sigma)``).
    border : str
        One of :data:`BORDERS` except "ignore".

    Returns
    -------
    numpy.ndarray of float, same shape as ``image``.

    Examples
    --------
    >>> out = gaussian_filter(np.full((4, 4), 7.0), sigma=1.0)
    >>> bool(np.allclose(out, 7.0))
    True
    """
    image = _check_image(image)
    g = gaussian_kernel1d(sigma, radius)
    _check_choice(border, "border", BORDERS[:-1])
    r = len(g) // 2
    padded = _pad(image.astype(float), r, r, border, 0)
    rows = sliding_window_view(padded, len(g), axis=0) @ g
    return sliding_window_view(rows, len(g), axis=1) @ g


def sobel_gradients(image, border="reflect"):
    """Horizontal and vertical Sobel derivatives, and the gradient magnitude.

    .. math::

        G_x = I \\star S_x,\\quad G_y = I \\star S_y,\\quad |G| = \\sqrt{G_x^2 + G_y^2}

    (``\\star`` is correlation.) ``G_x`` equals
    ``cv2.Sobel(image, cv2.CV_64F, 1, 0)``.

    Parameters
    ----------
    image : array_like, 2-D
    border : str
        One of :data:`BORDERS` except "ignore".

    Returns
    -------
    gx, gy, magnitude : numpy.ndarray
        Three float arrays of the image's shape.

    Examples
    --------
    >>> gx, gy, mag = sobel_gradients([[2, 2, 5, 5]] * 3, border="edge")
    >>> gx[0].tolist(), bool((gy == 0).all())
    ([0.0, 12.0, 12.0, 0.0], True)
    """
    image = _check_image(image).astype(float)
    gx = filter2d(image, SOBEL_X, border)
    gy = filter2d(image, SOBEL_Y, border)
    return gx, gy, np.hypot(gx, gy)


def laplacian(image, border="reflect"):
    """The 4-neighbour Laplacian: up + down + left + right - 4 x centre.

    Zero on flat regions and on linear ramps; large at edges and fine
    detail. Equal to ``cv2.Laplacian(image, cv2.CV_64F, ksize=1)``.

    Parameters
    ----------
    image : array_like, 2-D
    border : str
        One of :data:`BORDERS` except "ignore".

    Examples
    --------
    >>> laplacian([[0, 0, 0], [0, 1, 0], [0, 0, 0]], border="constant")[1].tolist()
    [1.0, -4.0, 1.0]
    """
    return filter2d(_check_image(image).astype(float), LAPLACIAN, border)


def unsharp_mask(image, sigma=1.0, amount=1.0, radius=None, clip=None):
    """Sharpen by adding back the detail that a Gaussian blur removes.

    .. math:: y = x + a\\,(x - G_\\sigma * x)

    Parameters
    ----------
    image : array_like, 2-D
    sigma : float
        Blur used to find the detail, greater than 0.
    amount : float
        How much detail to add back, at least 0 (0 returns the image).
    radius : int, optional
        Gaussian half-width (default ``ceil(3 sigma)``).
    clip : (low, high), optional
        Clip the result to this range (e.g. ``(0, 255)``).

    Returns
    -------
    numpy.ndarray of float, same shape as ``image``.

    Examples
    --------
    >>> unsharp_mask([[5, 5, 9, 9]] * 3, sigma=0.8, radius=1)[0].round(2).tolist()
    [5.0, 4.04, 9.96, 9.0]
    """
    image = _check_image(image).astype(float)
    amount = _check_positive_number(amount, "amount", allow_zero=True)
    out = image + amount * (image - gaussian_filter(image, sigma, radius))
    if clip is not None:
        if not (
            isinstance(clip, (tuple, list)) and len(clip) == 2 and clip[0] < clip[1]
        ):
            raise ValueError(
                f"clip must be a pair (low, high) with low < high, got {clip!r}"
            )
        out = np.clip(out, clip[0], clip[1])
    return out
