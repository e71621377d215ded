"""Tests for :mod:`lessons_lib.filters`: each filter against OpenCV or SciPy.

Random images are drawn by Hypothesis (8-bit integers, so that OpenCV's
``uint8`` paths apply) and compared with the library that offers the same
filter; small hand-made cases pin down the border rules.
"""

from __future__ import annotations

import cv2
import hypothesis.extra.numpy as hnp
import hypothesis.strategies as st
import numpy as np
import pytest
import scipy.ndimage as ndi
from hypothesis import HealthCheck, given, settings

from lessons_lib import filters as fl

FAST = settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

# numpy.pad mode -> (OpenCV border flag, scipy.ndimage mode)
BORDER_MAP = {
    "constant": (cv2.BORDER_CONSTANT, "constant"),
    "edge": (cv2.BORDER_REPLICATE, "nearest"),
    "reflect": (cv2.BORDER_REFLECT_101, "mirror"),
    "symmetric": (cv2.BORDER_REFLECT, "reflect"),
    "wrap": (cv2.BORDER_WRAP, "wrap"),
}


def uint8_images(min_side=5, max_side=24):
    return hnp.arrays(
        np.uint8,
        st.tuples(st.integers(min_side, max_side), st.integers(min_side, max_side)),
        elements=st.integers(0, 255),
    )


def footprints():
    """Odd-sided 0/1 masks with at least one pixel set."""
    shapes = st.tuples(st.sampled_from([1, 3, 5]), st.sampled_from([1, 3, 5]))
    return shapes.flatmap(
        lambda s: hnp.arrays(np.uint8, s, elements=st.integers(0, 1))
    ).filter(lambda f: f.any())


# ---------------------------------------------------------------------------
# window_filter and the non-linear filters
# ---------------------------------------------------------------------------
@FAST
@given(
    image=uint8_images(),
    footprint=footprints(),
    border=st.sampled_from(list(BORDER_MAP)),
)
def test_window_filter_matches_scipy_generic_filter(image, footprint, border):
    mode = BORDER_MAP[border][1]
    img = image.astype(np.int64)
    for reduce, func in (
        ("sum", np.sum),
        ("max", np.max),
        ("min", np.min),
        ("median", np.median),
    ):
        expected = ndi.generic_filter(
            img.astype(float), func, footprint=footprint, mode=mode, cval=7
        )
        got = fl.window_filter(img, footprint, reduce, border=border, cval=7)
        np.testing.assert_allclose(got, expected, err_msg=f"reduce={reduce}")


def test_window_filter_ignore_border_averages_only_inside_pixels():
    shape = np.zeros((5, 5), int)
    shape[2, 2] = 1
    out = fl.window_filter(shape, fl.cross_footprint(), "mean", border="ignore")
    assert out[2, 2] == pytest.approx(1 / 5)
    corner = fl.window_filter(
        np.ones((4, 4)), fl.cross_footprint(), "sum", border="ignore"
    )
    assert corner[0, 0] == 3 and corner[0, 1] == 4 and corner[1, 1] == 5


def test_window_filter_accepts_a_callable_over_the_window_axis():
    image = np.arange(20).reshape(4, 5)
    np.testing.assert_array_equal(
        fl.window_filter(image, 3, lambda w: w.max(axis=-1) - w.min(axis=-1), "edge"),
        fl.window_filter(image, 3, "max", "edge")
        - fl.window_filter(image, 3, "min", "edge"),
    )


@FAST
@given(
    image=uint8_images(),
    size=st.sampled_from([1, 3, 5, 7]),
    border=st.sampled_from(list(BORDER_MAP)),
)
def test_mean_filter_matches_opencv_blur_and_scipy(image, size, border):
    flag, mode = BORDER_MAP[border]
    got = fl.mean_filter(image, size, border=border)
    if border != "wrap":  # OpenCV's linear filters do not offer BORDER_WRAP
        np.testing.assert_allclose(
            got,
            cv2.blur(image.astype(np.float64), (size, size), borderType=flag),
            atol=1e-9,
        )
    np.testing.assert_allclose(
        got, ndi.uniform_filter(image.astype(np.float64), size, mode=mode), atol=1e-9
    )


@FAST
@given(image=uint8_images(), size=st.sampled_from([3, 5]))
def test_median_filter_matches_opencv_everywhere(image, size):
    np.testing.assert_array_equal(
        fl.median_filter(image, size), cv2.medianBlur(image, size)
    )
    assert fl.median_filter(image, size).dtype == np.uint8


@FAST
@given(image=uint8_images(min_side=3))
def test_shrinking_window_median_equals_opencv_away_from_the_border(image):
    shrinking = fl.median_filter(image, 3, border="ignore")
    np.testing.assert_array_equal(
        shrinking[1:-1, 1:-1], cv2.medianBlur(image, 3)[1:-1, 1:-1]
    )


@FAST
@given(
    image=uint8_images(),
    footprint=footprints().filter(lambda f: f[f.shape[0] // 2, f.shape[1] // 2]),
)
def test_dilate_and_erode_match_opencv(image, footprint):
    # structuring elements contain their centre; otherwise a border window can be
    # all outside, and OpenCV then returns the dtype's extreme value
    np.testing.assert_array_equal(
        fl.dilate(image, footprint), cv2.dilate(image, footprint)
    )
    np.testing.assert_array_equal(
        fl.erode(image, footprint), cv2.erode(image, footprint)
    )


def test_cross_footprint_shapes():
    assert fl.cross_footprint(2).sum() == 9
    assert fl.cross_footprint(2).shape == (5, 5)


# ---------------------------------------------------------------------------
# linear filters
# ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "sigma, radius", [(0.5, 1), (1.0, 3), (1.5, 4), (2.0, 6), (3.3, 10)]
)
def test_gaussian_kernels_match_opencv(sigma, radius):
    expected = cv2.getGaussianKernel(2 * radius + 1, sigma, cv2.CV_64F).ravel()
    np.testing.assert_allclose(
        fl.gaussian_kernel1d(sigma, radius), expected, atol=1e-12
    )
    np.testing.assert_allclose(
        fl.gaussian_kernel(sigma, radius), np.outer(expected, expected), atol=1e-12
    )
    assert fl.gaussian_kernel(sigma, radius).sum() == pytest.approx(1.0)


def test_gaussian_kernel_default_radius_is_three_sigma():
    assert fl.gaussian_kernel1d(2.0).shape == (13,)
    assert fl.gaussian_kernel1d(0.2).shape == (3,)


@FAST
@given(
    image=uint8_images(min_side=10),
    sigma=st.floats(0.5, 3.0),
    border=st.sampled_from(list(BORDER_MAP)),
)
def test_gaussian_filter_matches_opencv_and_scipy(image, sigma, border):
    radius = min(4, int(np.ceil(3 * sigma)))
    size = 2 * radius + 1
    flag, mode = BORDER_MAP[border]
    img = image.astype(np.float64)
    got = fl.gaussian_filter(img, sigma, radius=radius, border=border)
    if border != "wrap":
        np.testing.assert_allclose(
            got, cv2.GaussianBlur(img, (size, size), sigma, borderType=flag), atol=1e-9
        )
    np.testing.assert_allclose(
        got, ndi.gaussian_filter(img, sigma, mode=mode, radius=radius), atol=1e-9
    )


@FAST
@given(
    image=uint8_images(),
    kernel=hnp.arrays(
        np.int64,
        st.sampled_from([(1, 3), (3, 3), (3, 5), (5, 1)]),
        elements=st.integers(-4, 4),
    ),
    border=st.sampled_from(list(BORDER_MAP)),
)
def test_filter2d_matches_opencv(image, kernel, border):
    flag, mode = BORDER_MAP[border]
    got = fl.filter2d(image, kernel, border=border)
    if border != "wrap":
        expected = cv2.filter2D(
            image.astype(np.float64), -1, kernel.astype(np.float64), borderType=flag
        )
        np.testing.assert_allclose(got, expected, atol=1e-9)
    np.testing.assert_allclose(
        got, ndi.correlate(image.astype(np.float64), kernel, mode=mode), atol=1e-9
    )


@FAST
@given(image=uint8_images())
def test_sobel_and_laplacian_match_opencv(image):
    img = image.astype(np.float64)
    gx, gy, magnitude = fl.sobel_gradients(img)
    np.testing.assert_array_equal(gx, cv2.Sobel(img, cv2.CV_64F, 1, 0, ksize=3))
    np.testing.assert_array_equal(gy, cv2.Sobel(img, cv2.CV_64F, 0, 1, ksize=3))
    np.testing.assert_allclose(magnitude, np.sqrt(gx**2 + gy**2))
    np.testing.assert_array_equal(
        fl.laplacian(img), cv2.Laplacian(img, cv2.CV_64F, ksize=1)
    )


def test_sobel_sign_convention_dark_to_bright_is_positive():
    ramp = np.tile(np.arange(6.0), (6, 1))  # brighter to the right
    gx, gy, _ = fl.sobel_gradients(ramp, border="edge")
    assert (gx[:, 1:-1] == 8).all() and (gy == 0).all()


def test_unsharp_mask_is_image_plus_amount_times_detail():
    rng = np.random.default_rng(3)
    img = rng.uniform(0, 255, (16, 16))
    blurred = fl.gaussian_filter(img, 1.2)
    np.testing.assert_allclose(
        fl.unsharp_mask(img, 1.2, 0.7), img + 0.7 * (img - blurred)
    )
    np.testing.assert_allclose(fl.unsharp_mask(img, 1.2, 0.0), img)
    clipped = fl.unsharp_mask(img, 1.2, 3.0, clip=(0, 255))
    assert clipped.min() >= 0 and clipped.max() <= 255


def test_filters_preserve_a_constant_image():
    flat = np.full((9, 9), 42.0)
    for out in (
        fl.mean_filter(flat, 5),
        fl.median_filter(flat, 5),
        fl.gaussian_filter(flat, 1.5),
    ):
        np.testing.assert_allclose(out, 42.0)
    for out in fl.sobel_gradients(flat):
        np.testing.assert_allclose(out, 0.0)


# ---------------------------------------------------------------------------
# bad input
# ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "call, error, message",
    [
        (
            lambda: fl.window_filter(np.zeros((3, 3, 3))),
            ValueError,
            "image must be 2-D",
        ),
        (
            lambda: fl.window_filter("abc"),
            TypeError,
            "image must be an array of numbers",
        ),
        (
            lambda: fl.window_filter(np.zeros((3, 3)), 4),
            ValueError,
            "footprint must be an odd int",
        ),
        (
            lambda: fl.window_filter(np.zeros((3, 3)), np.ones((2, 3))),
            ValueError,
            "odd height and width",
        ),
        (
            lambda: fl.window_filter(np.zeros((3, 3)), np.full((3, 3), 2)),
            ValueError,
            "only 0/1",
        ),
        (
            lambda: fl.window_filter(np.zeros((3, 3)), np.zeros((3, 3))),
            ValueError,
            "at least one pixel",
        ),
        (
            lambda: fl.window_filter(np.zeros((3, 3)), 3, "mode"),
            ValueError,
            "reduce must be one of",
        ),
        (
            lambda: fl.window_filter(np.zeros((3, 3)), 3, "max", "zeros"),
            ValueError,
            "border must be one of",
        ),
        (
            lambda: fl.window_filter(np.zeros((3, 3)), 3, lambda w: w),
            ValueError,
            "one value per pixel",
        ),
        (
            lambda: fl.mean_filter(np.zeros((3, 3)), 2),
            ValueError,
            "size must be an odd int",
        ),
        (
            lambda: fl.mean_filter(np.zeros((3, 3)), 3.0),
            TypeError,
            "size must be an int",
        ),
        (
            lambda: fl.mean_filter(np.zeros((2, 2)), 5, "reflect"),
            ValueError,
            "larger than the window",
        ),
        (
            lambda: fl.gaussian_kernel(0),
            ValueError,
            "sigma must be a finite number greater than 0",
        ),
        (lambda: fl.gaussian_kernel("1"), TypeError, "sigma must be a number"),
        (
            lambda: fl.gaussian_kernel1d(1.0, radius=-1),
            ValueError,
            "radius must be at least 0",
        ),
        (
            lambda: fl.filter2d(np.zeros((3, 3)), np.ones((2, 2))),
            ValueError,
            "kernel must have odd",
        ),
        (
            lambda: fl.filter2d(np.zeros((3, 3)), np.ones((3, 3)), "ignore"),
            ValueError,
            "border must be one of",
        ),
        (
            lambda: fl.unsharp_mask(np.zeros((5, 5)), amount=-1),
            ValueError,
            "amount must be",
        ),
        (
            lambda: fl.unsharp_mask(np.zeros((5, 5)), radius=1, clip=(5, 1)),
            ValueError,
            "clip must be a pair",
        ),
        (lambda: fl.cross_footprint(0), ValueError, "radius must be at least 1"),
    ],
)
def test_bad_input_gets_a_clear_error(call, error, message):
    with pytest.raises(error, match=message):
        call()
