"""Noise models and image-quality measures.

``add_gaussian_noise`` and ``add_salt_and_pepper`` corrupt an image
reproducibly (they take a :class:`numpy.random.Generator`); ``mse`` and
``psnr`` measure how far a (filtered) image is from the clean one.
``psnr`` equals ``skimage.metrics.peak_signal_noise_ratio``.

.. math:: \\mathrm{PSNR} = 10 \\log_{10} \\frac{R^2}{\\mathrm{MSE}}
          \\ \\text{dB}, \\qquad R = \\text{the data range (255 for 8-bit)}

A higher PSNR is closer to the clean image; +6 dB halves the RMS error.
"""

from __future__ import annotations

import numbers

import numpy as np

from .conv import _as_array

__all__ = ["add_gaussian_noise", "add_salt_and_pepper", "mse", "psnr"]


def _check_rng(rng) -> np.random.Generator:
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            "rng must be a numpy.random.Generator (e.g. "
            f"np.random.default_rng(0)), got {type(rng).__name__}"
        )
    return rng


def _check_image_nd(image, name="image") -> np.ndarray:
    if isinstance(image, (str, bytes)) or image is None:
        raise TypeError(
            f"{name} must be an array of numbers, got {type(image).__name__}"
        )
    arr = np.asarray(image)
    if not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise TypeError(f"{name} must be an array of numbers, got dtype {arr.dtype}")
    if arr.ndim not in (2, 3) or arr.size == 0:
        raise ValueError(
            f"{name} must be a non-empty 2-D (grey) or "
            f"3-D (colour) array, got shape {arr.shape}"
        )
    return arr


def _check_clip(clip):
    if clip is None:
        return None
    if not (
        isinstance(clip, (tuple, list))
        and len(clip) == 2
        and all(isinstance(c, numbers.Real) and not isinstance(c, bool) for c in clip)
        and clip[0] < clip[1]
    ):
        raise ValueError(
            "clip must be None or a pair (low, high) "
            f"of numbers with low < high, got {clip!r}"
        )
    return float(clip[0]), float(clip[1])


def add_gaussian_noise(image, sigma, rng, clip=(0, 255)):
    """Add independent Gaussian noise of standard deviation ``sigma`` to every pixel.

    Parameters
    ----------
    image : array_like, 2-D or 3-D
    sigma : float
        Noise standard deviation in the image's units (at least 0).
    rng : numpy.random.Generator
        Source of randomness (pass the notebook's ``rng`` for reproducibility).
    clip : (low, high) or None
        Clip the result to the valid range; ``None`` keeps the raw sum
        (then the noise is exactly zero-mean).

    Returns
    -------
    numpy.ndarray of float64, same shape as ``image``.

    Raises
    ------
    TypeError
        If ``image`` is not numeric or ``rng`` is not a Generator.
    ValueError
        If ``image`` has the wrong shape, ``sigma`` is negative or ``clip``
        is malformed.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> noisy = add_gaussian_noise(np.full((200, 200), 100.0), 10, rng)
    >>> round(float(noisy.std()))
    10
    """
    image = _check_image_nd(image)
    if not isinstance(sigma, numbers.Real) or isinstance(sigma, bool):
        raise TypeError(f"sigma must be a number, got {sigma!r}")
    if not np.isfinite(sigma) or sigma < 0:
        raise ValueError(f"sigma must be a finite number of at least 0, got {sigma!r}")
    rng = _check_rng(rng)
    clip = _check_clip(clip)
    out = image.astype(float) + rng.normal(0.0, float(sigma), size=image.shape)
    return out if clip is None else np.clip(out, *clip)


def add_salt_and_pepper(image, amount, rng, salt_fraction=0.5, low=0, high=255):
    """Set a random fraction ``amount`` of the pixels to pepper or salt.

    Pepper pixels are set to ``low``, salt pixels to ``high``.

    Parameters
    ----------
    image : array_like, 2-D or 3-D
        For a colour image, whole pixels (all channels) are corrupted.
    amount : float
        Fraction of pixels corrupted, in [0, 1].
    rng : numpy.random.Generator
    salt_fraction : float
        Share of the corrupted pixels that become salt, in [0, 1].
    low, high : number
        Pepper and salt values (black and white for 8-bit images).

    Returns
    -------
    numpy.ndarray
        A copy of the image with the input's dtype.

    Raises
    ------
    TypeError
        If ``image`` is not numeric or ``rng`` is not a Generator.
    ValueError
        If ``amount`` or ``salt_fraction`` is outside [0, 1].

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> noisy = add_salt_and_pepper(np.full((100, 100), 128, np.uint8), 0.1, rng)
    >>> float(np.mean(noisy != 128))
    0.1
    """
    image = _check_image_nd(image)
    for name, value in (("amount", amount), ("salt_fraction", salt_fraction)):
        if not isinstance(value, numbers.Real) or isinstance(value, bool):
            raise TypeError(f"{name} must be a number, got {value!r}")
        if not 0 <= value <= 1:
            raise ValueError(f"{name} must be between 0 and 1, got {value!r}")
    rng = _check_rng(rng)
    h, w = image.shape[:2]
    n_pixels = h * w
    n_noisy = int(round(amount * n_pixels))
    n_salt = int(round(salt_fraction * n_noisy))
    chosen = rng.permutation(n_pixels)[:n_noisy]
    out = image.copy()
    flat = out.reshape(n_pixels, -1)
    flat[chosen[:n_salt]] = high
    flat[chosen[n_salt:]] = low
    return out


def mse(reference, image):
    """Mean squared difference between two images of the same shape.

    Examples
    --------
    >>> mse([[0, 0], [0, 0]], [[1, 1], [1, 3]])
    3.0
    """
    reference = _as_array(reference, "reference", np.ndim(reference)).astype(float)
    image = _as_array(image, "image", np.ndim(image)).astype(float)
    if reference.shape != image.shape:
        raise ValueError(
            "reference and image must have the same shape, "
            f"got {reference.shape} and {image.shape}"
        )
    return float(np.mean((reference - image) ** 2))


def psnr(reference, image, data_range=255.0):
    """Peak signal-to-noise ratio of ``image`` against the clean ``reference``.

    Parameters
    ----------
    reference, image : array_like, same shape
    data_range : float
        Distance between the smallest and largest possible pixel values:
        255 for 8-bit images, 1 for images scaled to [0, 1].

    Returns
    -------
    float
        In decibels; ``inf`` if the images are equal.

    Raises
    ------
    ValueError
        If the shapes differ or ``data_range`` is not positive.

    Examples
    --------
    >>> round(psnr(np.zeros((4, 4)), np.full((4, 4), 25.5)), 6)
    20.0
    """
    if not isinstance(data_range, numbers.Real) or isinstance(data_range, bool):
        raise TypeError(f"data_range must be a number, got {data_range!r}")
    if not data_range > 0:
        raise ValueError(f"data_range must be greater than 0, got {data_range!r}")
    error = mse(reference, image)
    if error == 0:
        return float("inf")
    return float(10 * np.log10(data_range**2 / error))
