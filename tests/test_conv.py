"""Tests for :mod:`lessons_lib.conv`.

Every function is compared with its twin (``numpy.convolve``,
``scipy.signal.convolve2d``, ``torch.nn.functional.conv2d``, the output
length of ``torch.nn.Conv1d/Conv2d``) on many random inputs drawn by
Hypothesis, and on the worked examples the course publishes. Integer inputs
are used wherever possible so that results can be compared exactly.
"""

from __future__ import annotations

import itertools
import warnings

import hypothesis.extra.numpy as hnp
import hypothesis.strategies as st
import numpy as np
import pytest
import scipy.signal
import torch
import torch.nn.functional as F
from hypothesis import HealthCheck, example, given, settings

from lessons_lib.conv import (
    conv_output_size,
    convolve1d,
    convolve1d_loops,
    convolve2d,
    convolve2d_loops,
    correlate1d,
    correlate2d,
    pad2d,
)

MODES = ("full", "same", "valid")
BOUNDARIES = ("fill", "symm", "wrap")
CONVOLVE1D = (convolve1d, convolve1d_loops)
CONVOLVE2D = (convolve2d, convolve2d_loops)

# deadline=None: the loop versions and the first torch call are slow and
# their timing varies; database=None: no .hypothesis folder is written.
FAST = settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
MEDIUM = settings(
    max_examples=300,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
MANY = settings(
    max_examples=600,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


# ---------------------------------------------------------------------------
# strategies and references
# ---------------------------------------------------------------------------
def int_vectors(max_len: int = 12):
    return hnp.arrays(np.int64, st.integers(1, max_len), elements=st.integers(-9, 9))


def float_vectors(max_len: int = 12):
    return hnp.arrays(
        np.float64,
        st.integers(1, max_len),
        elements=st.floats(-10, 10, allow_nan=False, allow_infinity=False),
    )


def shapes_2d(max_side: int = 8):
    return st.tuples(st.integers(1, max_side), st.integers(1, max_side))


def int_images(max_side: int = 8):
    return hnp.arrays(np.int64, shapes_2d(max_side), elements=st.integers(-9, 9))


def float_images(max_side: int = 8):
    return hnp.arrays(
        np.float64,
        shapes_2d(max_side),
        elements=st.floats(-10, 10, allow_nan=False, allow_infinity=False),
    )


def int_or_pair(lo: int, hi: int):
    return st.one_of(
        st.integers(lo, hi), st.tuples(st.integers(lo, hi), st.integers(lo, hi))
    )


def assert_same_array(ours: np.ndarray, ref: np.ndarray) -> None:
    """Same shape, same dtype kind, same values (exactly)."""
    ref = np.asarray(ref)
    assert isinstance(ours, np.ndarray)
    assert ours.shape == ref.shape
    assert ours.dtype.kind == ref.dtype.kind, (ours.dtype, ref.dtype)
    np.testing.assert_array_equal(ours, ref)


def torch_conv2d(image, kernel, stride=1, padding=0, dilation=1) -> np.ndarray:
    """``F.conv2d`` on one 1-channel float64 image, as a 2-D NumPy array."""
    x = torch.as_tensor(np.asarray(image, dtype=np.float64))[None, None]
    w = torch.as_tensor(np.asarray(kernel, dtype=np.float64))[None, None]
    with warnings.catch_warnings():
        # padding="same" with an even kernel warns that it pads asymmetrically
        warnings.simplefilter("ignore", UserWarning)
        out = F.conv2d(x, w, stride=stride, padding=padding, dilation=dilation)
    return out[0, 0].numpy()


def torch_conv1d_length(n, kernel, stride, padding, dilation):
    """Length of ``nn.Conv1d`` output on zeros of length n, or None if torch refuses."""
    layer = torch.nn.Conv1d(1, 1, kernel, stride, padding, dilation)
    try:
        with torch.no_grad():
            return layer(torch.zeros(1, 1, n)).shape[-1]
    except RuntimeError:
        return None


def our_length(n, kernel, stride, padding, dilation):
    try:
        return conv_output_size(n, kernel, stride, padding, dilation)
    except ValueError:
        return None


# ---------------------------------------------------------------------------
# 1. the twins agree: 1D convolution vs numpy.convolve
# ---------------------------------------------------------------------------
@MANY
@given(x=int_vectors(), h=int_vectors(), mode=st.sampled_from(MODES))
@example(x=np.array([7]), h=np.array([3]), mode="same")  # one sample each
@example(x=np.array([1, 2, 3]), h=np.array([4, 5, 6]), mode="valid")  # equal lengths
@example(
    x=np.array([1, 2]), h=np.arange(1, 13), mode="same"
)  # kernel longer than signal
@example(x=np.arange(12), h=np.array([1, -1]), mode="same")  # even kernel
def test_convolve1d_matches_numpy_integers(x, h, mode):
    ref = np.convolve(x, h, mode)
    for fn in CONVOLVE1D:
        out = fn(x, h, mode)
        assert_same_array(out, ref)
        assert out.dtype == ref.dtype


@MEDIUM
@given(x=float_vectors(), h=float_vectors(), mode=st.sampled_from(MODES))
def test_convolve1d_matches_numpy_floats(x, h, mode):
    ref = np.convolve(x, h, mode)
    for fn in CONVOLVE1D:
        out = fn(x, h, mode)
        assert out.shape == ref.shape
        assert out.dtype == np.float64
        np.testing.assert_allclose(out, ref, rtol=1e-10, atol=1e-9)


@FAST
@given(x=int_vectors(), h=int_vectors(), mode=st.sampled_from(MODES))
def test_convolve1d_accepts_lists(x, h, mode):
    assert_same_array(convolve1d(x.tolist(), h.tolist(), mode), np.convolve(x, h, mode))


def test_convolve1d_every_length_pair():
    """Exhaustive over lengths 1..12.

    The shapes alone are where 'same'/'valid' go wrong.
    """
    rng = np.random.default_rng(0)
    for n, m in itertools.product(range(1, 13), repeat=2):
        x, h = rng.integers(-9, 10, n), rng.integers(-9, 10, m)
        for mode in MODES:
            ref = np.convolve(x, h, mode)
            assert_same_array(convolve1d(x, h, mode), ref)
            assert_same_array(convolve1d_loops(x, h, mode), ref)


# ---------------------------------------------------------------------------
# 1. the twins agree: 2D convolution vs scipy.signal.convolve2d
# ---------------------------------------------------------------------------
def _check_against_scipy(image, kernel, mode, boundary, fillvalue, exact=True):
    try:
        ref = scipy.signal.convolve2d(image, kernel, mode, boundary, fillvalue)
    except ValueError:
        # SciPy refuses 'valid' when neither array fits inside the other
        assert mode == "valid"
        for fn in CONVOLVE2D:
            with pytest.raises(ValueError, match="valid"):
                fn(image, kernel, mode, boundary, fillvalue)
        return
    for fn in CONVOLVE2D:
        out = fn(image, kernel, mode, boundary, fillvalue)
        if exact:
            assert_same_array(out, ref)
            assert out.dtype == ref.dtype
        else:
            assert out.shape == ref.shape
            assert out.dtype == ref.dtype
            np.testing.assert_allclose(out, ref, rtol=1e-10, atol=1e-9)


@MANY
@given(
    image=int_images(),
    kernel=int_images(),
    mode=st.sampled_from(MODES),
    boundary=st.sampled_from(BOUNDARIES),
    fillvalue=st.integers(-5, 5),
)
@example(
    image=np.array([[5]]),
    kernel=np.array([[2]]),
    mode="same",
    boundary="fill",
    fillvalue=0,
)
@example(
    image=np.array([[5]]),
    kernel=np.arange(12).reshape(3, 4),
    mode="full",
    boundary="symm",
    fillvalue=0,
)
@example(
    image=np.array([[5]]),
    kernel=np.arange(12).reshape(3, 4),
    mode="same",
    boundary="wrap",
    fillvalue=0,
)
@example(
    image=np.array([[5]]),
    kernel=np.arange(12).reshape(3, 4),
    mode="valid",
    boundary="fill",
    fillvalue=1,
)
@example(
    image=np.arange(6).reshape(2, 3),
    kernel=np.ones((2, 3), np.int64),
    mode="valid",
    boundary="fill",
    fillvalue=0,
)  # kernel equal to the image
@example(
    image=np.arange(6).reshape(2, 3),
    kernel=np.arange(56).reshape(7, 8),
    mode="valid",
    boundary="symm",
    fillvalue=0,
)  # kernel larger than the image in both directions: the two are swapped
@example(
    image=np.arange(6).reshape(2, 3),
    kernel=np.arange(8).reshape(4, 2),
    mode="valid",
    boundary="fill",
    fillvalue=0,
)  # neither fits: SciPy raises
@example(
    image=np.arange(40).reshape(5, 8),
    kernel=np.arange(8).reshape(2, 4),
    mode="same",
    boundary="wrap",
    fillvalue=0,
)  # even kernel, non-square everything
@example(
    image=np.arange(15).reshape(3, 5),
    kernel=np.arange(64).reshape(8, 8),
    mode="same",
    boundary="symm",
    fillvalue=0,
)  # symmetric padding wider than the image
@example(
    image=np.arange(15).reshape(3, 5),
    kernel=np.arange(64).reshape(8, 8),
    mode="full",
    boundary="wrap",
    fillvalue=0,
)  # periodic padding wider than the image
def test_convolve2d_matches_scipy_integers(image, kernel, mode, boundary, fillvalue):
    _check_against_scipy(image, kernel, mode, boundary, fillvalue)


@MEDIUM
@given(
    image=float_images(),
    kernel=float_images(),
    mode=st.sampled_from(MODES),
    boundary=st.sampled_from(BOUNDARIES),
    fillvalue=st.floats(-5, 5, allow_nan=False),
)
def test_convolve2d_matches_scipy_floats(image, kernel, mode, boundary, fillvalue):
    _check_against_scipy(image, kernel, mode, boundary, fillvalue, exact=False)


@FAST
@given(
    image=int_images(5),
    kernel=int_images(5),
    mode=st.sampled_from(MODES),
    fillvalue=st.floats(-5, 5, allow_nan=False),
)
def test_convolve2d_integer_inputs_with_float_fillvalue_match_scipy(
    image, kernel, mode, fillvalue
):
    """SciPy converts the fill value to the inputs' (integer) dtype; so must we."""
    _check_against_scipy(image, kernel, mode, "fill", fillvalue)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("boundary", BOUNDARIES)
def test_convolve2d_every_small_shape_pair(mode, boundary):
    """Exhaustive over image and kernel sides 1..4 (1-pixel, equal, larger, even...)."""
    rng = np.random.default_rng(1)
    for h, w, kh, kw in itertools.product(range(1, 5), repeat=4):
        image = rng.integers(-9, 10, (h, w))
        kernel = rng.integers(-9, 10, (kh, kw))
        _check_against_scipy(image, kernel, mode, boundary, 2)


# ---------------------------------------------------------------------------
# 1. the twins agree: cross-correlation vs torch.nn.functional.conv2d
# ---------------------------------------------------------------------------
@st.composite
def correlate_params(draw):
    padding = draw(st.one_of(int_or_pair(0, 3), st.sampled_from(["valid", "same"])))
    if padding == "same":
        stride = draw(
            st.sampled_from([1, (1, 1)])
        )  # torch allows "same" only with stride 1
    else:
        stride = draw(int_or_pair(1, 3))
    return stride, padding, draw(int_or_pair(1, 3))


def _check_against_torch(image, kernel, stride, padding, dilation, exact=True):
    try:
        ref = torch_conv2d(image, kernel, stride, padding, dilation)
    except RuntimeError:
        # torch: "Kernel size can't be greater than actual input size"
        with pytest.raises(ValueError, match="kernel"):
            correlate2d(image, kernel, stride, padding, dilation)
        return
    out = correlate2d(image, kernel, stride, padding, dilation)
    assert out.shape == ref.shape
    if exact:
        assert out.dtype == np.int64
        np.testing.assert_array_equal(out, ref)
    else:
        assert out.dtype == np.float64
        np.testing.assert_allclose(out, ref, rtol=1e-10, atol=1e-9)


@MANY
@given(image=int_images(), kernel=int_images(), params=correlate_params())
@example(image=np.array([[4]]), kernel=np.array([[3]]), params=(1, 0, 1))  # 1 pixel
@example(
    image=np.array([[4]]), kernel=np.ones((2, 2), np.int64), params=(1, 0, 1)
)  # does not fit
@example(image=np.array([[4]]), kernel=np.ones((2, 2), np.int64), params=(1, "same", 1))
@example(
    image=np.arange(12).reshape(3, 4),
    kernel=np.ones((3, 4), np.int64),
    params=(1, "valid", 1),
)
@example(
    image=np.arange(12).reshape(3, 4),
    kernel=np.ones((5, 6), np.int64),
    params=(2, 1, 1),
)  # fits exactly thanks to the padding
@example(
    image=np.arange(12).reshape(3, 4),
    kernel=np.arange(4).reshape(2, 2),
    params=((1, 1), "same", (2, 3)),
)  # "same" with an even, dilated kernel
@example(
    image=np.arange(35).reshape(5, 7),
    kernel=np.arange(6).reshape(2, 3),
    params=((3, 1), (0, 2), (2, 1)),
)  # different stride, padding, dilation per axis
def test_correlate2d_matches_torch_integers(image, kernel, params):
    _check_against_torch(image, kernel, *params)


@MEDIUM
@given(image=float_images(), kernel=float_images(), params=correlate_params())
def test_correlate2d_matches_torch_floats(image, kernel, params):
    _check_against_torch(image, kernel, *params, exact=False)


@FAST
@given(image=int_images(), kernel=int_images())
def test_correlate2d_is_convolve2d_valid_with_flipped_kernel(image, kernel):
    """Correlation = convolution by the 180-degree turned kernel.

    This holds with no stride, padding or dilation.
    """
    if kernel.shape[0] > image.shape[0] or kernel.shape[1] > image.shape[1]:
        with pytest.raises(ValueError, match="kernel"):
            correlate2d(image, kernel)
        return
    assert_same_array(
        correlate2d(image, kernel), convolve2d(image, kernel[::-1, ::-1], mode="valid")
    )


@FAST
@given(image=int_images(), padding=int_or_pair(0, 3), value=st.integers(-5, 5))
def test_pad2d_matches_numpy_pad(image, padding, value):
    ph, pw = (padding, padding) if isinstance(padding, int) else padding
    ref = np.pad(image, ((ph, ph), (pw, pw)), constant_values=value)
    assert_same_array(pad2d(image, padding, value), ref)


# ---------------------------------------------------------------------------
# 1. the twins agree: conv_output_size vs torch layers
# ---------------------------------------------------------------------------
@MEDIUM
@given(
    n=st.integers(1, 12),
    kernel=st.integers(1, 9),
    stride=st.integers(1, 3),
    padding=st.integers(0, 3),
    dilation=st.integers(1, 3),
)
@example(n=3, kernel=3, stride=1, padding=0, dilation=1)  # kernel equal to the input
@example(n=3, kernel=4, stride=1, padding=0, dilation=1)  # one too long
@example(n=3, kernel=5, stride=1, padding=1, dilation=1)  # fits thanks to the padding
@example(n=1, kernel=2, stride=1, padding=0, dilation=3)
def test_conv_output_size_matches_conv1d(n, kernel, stride, padding, dilation):
    assert our_length(n, kernel, stride, padding, dilation) == torch_conv1d_length(
        n, kernel, stride, padding, dilation
    )


def test_conv_output_size_every_small_case_matches_conv1d():
    """Exhaustive: n 1..12, kernel 1..9, stride 1..3, padding 0..3, dilation 1..3."""
    weight = torch.zeros(1, 1, 1)
    for n, k, s, p, d in itertools.product(
        range(1, 13), range(1, 10), range(1, 4), range(0, 4), range(1, 4)
    ):
        try:
            expected = F.conv1d(
                torch.zeros(1, 1, n),
                weight.expand(1, 1, k),
                stride=s,
                padding=p,
                dilation=d,
            ).shape[-1]
        except RuntimeError:
            expected = None
        assert our_length(n, k, s, p, d) == expected, (n, k, s, p, d)


@FAST
@given(
    n=shapes_2d(12),
    kernel=shapes_2d(9),
    stride=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    padding=st.tuples(st.integers(0, 3), st.integers(0, 3)),
    dilation=st.tuples(st.integers(1, 3), st.integers(1, 3)),
)
def test_conv_output_size_matches_conv2d_per_axis(n, kernel, stride, padding, dilation):
    layer = torch.nn.Conv2d(1, 1, kernel, stride, padding, dilation)
    ours = [
        our_length(*args)
        for args in zip(n, kernel, stride, padding, dilation, strict=True)
    ]
    try:
        with torch.no_grad():
            shape = tuple(layer(torch.zeros(1, 1, *n)).shape[-2:])
    except RuntimeError:
        assert None in ours
    else:
        assert tuple(ours) == shape


@FAST
@given(image=int_images(), kernel=int_images(), params=correlate_params())
def test_correlate2d_shape_is_conv_output_size(image, kernel, params):
    stride, padding, dilation = params
    if isinstance(padding, str):
        return
    sh, sw = (stride, stride) if isinstance(stride, int) else stride
    ph, pw = (padding, padding) if isinstance(padding, int) else padding
    dh, dw = (dilation, dilation) if isinstance(dilation, int) else dilation
    rows = our_length(image.shape[0], kernel.shape[0], sh, ph, dh)
    cols = our_length(image.shape[1], kernel.shape[1], sw, pw, dw)
    if rows is None or cols is None:
        with pytest.raises(ValueError, match="kernel"):
            correlate2d(image, kernel, stride, padding, dilation)
    else:
        assert correlate2d(image, kernel, stride, padding, dilation).shape == (
            rows,
            cols,
        )


# ---------------------------------------------------------------------------
# 2. the seed worked examples the course publishes
# ---------------------------------------------------------------------------
I3 = [[255, 7, 3], [212, 240, 4], [218, 216, 230]]


@pytest.mark.parametrize("fn", CONVOLVE1D)
def test_seed_convolve1d(fn):
    assert fn([3, 4, 5], [2, 1, 0]).tolist() == [6, 11, 14, 5, 0]
    assert fn([6, 2], [1, 2, 5, 4]).tolist() == [6, 14, 34, 34, 8]
    assert fn([6, 2], [1, 2, 5, 4], mode="full").tolist() == [6, 14, 34, 34, 8]
    assert fn([6, 2], [1, 2, 5, 4], mode="same").tolist() == [6, 14, 34, 34]
    assert fn([6, 2], [1, 2, 5, 4], mode="valid").tolist() == [14, 34, 34]


def test_seed_convolve1d_agrees_with_numpy():
    assert np.convolve([3, 4, 5], [2, 1, 0]).tolist() == [6, 11, 14, 5, 0]
    assert np.convolve([6, 2], [1, 2, 5, 4], "same").tolist() == [6, 14, 34, 34]


@pytest.mark.parametrize("fn", CONVOLVE2D)
def test_seed_convolve2d_difference_kernel(fn):
    assert fn(I3, [[-1, 1]], mode="valid").tolist() == [[248, 4], [-28, 236], [2, -14]]
    assert fn(I3, [[-1, 1]], mode="full").tolist() == [
        [-255, 248, 4, 3],
        [-212, -28, 236, 4],
        [-218, 2, -14, 230],
    ]


@pytest.mark.parametrize("fn", CONVOLVE2D)
def test_seed_convolve2d_2x2_kernel(fn):
    h = [[-1, 1], [2, 3]]
    assert fn(I3, h, mode="valid").tolist() == [[751, 263], [1118, 714]]
    assert fn(I3, h).tolist() == [
        [-255, 248, 4, 3],
        [298, 751, 263, 13],
        [206, 1118, 714, 242],
        [436, 1086, 1108, 690],
    ]


@pytest.mark.parametrize("fn", CONVOLVE2D)
def test_seed_convolve2d_7x7_same(fn):
    image = np.arange(1, 50).reshape(7, 7)
    kernel = [[-1, 1, -1], [-2, 3, 1], [2, -4, 0]]
    out = fn(image, kernel, mode="same", boundary="fill", fillvalue=0)
    assert out.shape == (7, 7)
    assert out[0].tolist() == [-2, -8, -7, -6, -5, -4, 28]
    assert out[-1].tolist() == [-29, 13, 13, 13, 13, 13, 27]
    assert_same_array(out, scipy.signal.convolve2d(image, kernel, mode="same"))


def test_seed_correlate2d_5x5():
    image = [
        [3, 3, 2, 1, 0],
        [0, 0, 1, 3, 1],
        [3, 1, 2, 2, 3],
        [2, 0, 0, 2, 2],
        [2, 0, 0, 0, 1],
    ]
    kernel = [[0, 1, 2], [2, 2, 0], [0, 1, 2]]
    expected = [[12, 12, 17], [10, 17, 19], [9, 6, 14]]
    assert correlate2d(image, kernel).tolist() == expected
    assert torch_conv2d(image, kernel).tolist() == expected


def test_seed_correlate2d_vertical_line():
    image = [[0, 3, 6, 9], [1, 4, 7, 10], [2, 5, 8, 11], [3, 6, 9, 12]]
    assert correlate2d(image, [[0, 1, 0]] * 3).tolist() == [[12, 21], [15, 24]]


def test_seed_correlate2d_sharpen_padding_1():
    image = [
        [60, 113, 56, 139, 85],
        [73, 121, 54, 84, 128],
        [131, 99, 70, 129, 127],
        [80, 57, 115, 69, 134],
        [104, 126, 123, 95, 130],
    ]
    sharpen = [[0, -1, 0], [-1, 5, -1], [0, -1, 0]]
    out = correlate2d(image, sharpen, padding=1)
    assert out.shape == (5, 5)
    assert out[0, 0] == 114
    np.testing.assert_array_equal(out, torch_conv2d(image, sharpen, padding=1))


def test_seed_correlate2d_stride_2():
    image = [
        [1, 0, 0, 1, 1, 0],
        [1, 0, 1, 0, 0, 1],
        [0, 0, 0, 1, 1, 0],
        [0, 1, 1, 0, 1, 0],
        [1, 0, 1, 1, 0, 0],
        [0, 1, 0, 0, 1, 0],
    ]
    assert correlate2d(image, [[1, 0], [0, 1]], stride=2).tolist() == [
        [1, 0, 2],
        [1, 0, 1],
        [2, 1, 0],
    ]


def test_seed_correlate2d_horizontal_line_padding_1():
    image = [[1, 1, 1], [0, 0, 0], [0, 0, 0]]
    kernel = [[0, 0, 0], [1, 1, 1], [0, 0, 0]]
    assert correlate2d(image, kernel, padding=1).tolist() == [
        [2, 3, 2],
        [0, 0, 0],
        [0, 0, 0],
    ]


def test_seed_conv_output_size():
    assert conv_output_size(6, 3) == 4
    assert conv_output_size(10, 3, padding=0) == 8
    assert conv_output_size(10, 3, padding=1) == 10
    assert conv_output_size(9, 3, stride=1, padding=0) == 7
    assert conv_output_size(9, 3, stride=2, padding=0) == 4
    assert conv_output_size(9, 3, stride=3, padding=0) == 3
    assert conv_output_size(24, 3) == 22
    # the 10x10 image with a 3x3 kernel, through a real layer
    layer = torch.nn.Conv2d(1, 1, 3, padding=0)
    with torch.no_grad():
        assert tuple(layer(torch.zeros(1, 1, 10, 10)).shape[-2:]) == (8, 8)


# ---------------------------------------------------------------------------
# 3. bad input
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("fn", CONVOLVE1D)
class TestConvolve1dBadInput:
    def test_2d_input(self, fn):
        with pytest.raises(ValueError, match=r"x must be 1-D"):
            fn([[1, 2], [3, 4]], [1, 2])
        with pytest.raises(ValueError, match=r"h must be 1-D"):
            fn([1, 2], [[1, 2]])

    def test_scalar_input(self, fn):
        with pytest.raises(ValueError, match=r"x must be 1-D"):
            fn(3, [1, 2])

    def test_empty(self, fn):
        with pytest.raises(ValueError, match=r"x must not be empty"):
            fn([], [1, 2])
        with pytest.raises(ValueError, match=r"h must not be empty"):
            fn([1, 2], np.array([], dtype=float))

    @pytest.mark.parametrize(
        "bad",
        [
            "abc",
            b"abc",
            None,
            ["a", "b"],
            np.array([1, "x"], dtype=object),
            np.array([None, None]),
        ],
    )
    def test_not_numbers(self, fn, bad):
        with pytest.raises(TypeError, match=r"x must be an array of numbers"):
            fn(bad, [1, 2])
        with pytest.raises(TypeError, match=r"h must be an array of numbers"):
            fn([1, 2], bad)

    @pytest.mark.parametrize("mode", ["Full", "fulll", "", "circular"])
    def test_unknown_mode(self, fn, mode):
        with pytest.raises(ValueError, match=r"mode must be one of"):
            fn([1, 2], [1], mode=mode)

    @pytest.mark.parametrize("mode", [None, 0, 1.5, ["full"]])
    def test_mode_not_a_string(self, fn, mode):
        with pytest.raises(TypeError, match=r"mode must be a string"):
            fn([1, 2], [1], mode=mode)


@pytest.mark.parametrize("fn", [*CONVOLVE2D, correlate2d])
class Test2dBadInput:
    @pytest.mark.parametrize("shape", [(3,), (2, 2, 2), (1, 1, 1)])
    def test_wrong_ndim_image(self, fn, shape):
        with pytest.raises(ValueError, match=r"image must be 2-D"):
            fn(np.ones(shape), [[1]])

    @pytest.mark.parametrize("shape", [(3,), (2, 2, 2)])
    def test_wrong_ndim_kernel(self, fn, shape):
        with pytest.raises(ValueError, match=r"kernel must be 2-D"):
            fn([[1, 2], [3, 4]], np.ones(shape))

    @pytest.mark.parametrize("shape", [(0, 0), (0, 3), (3, 0)])
    def test_empty(self, fn, shape):
        with pytest.raises(ValueError, match=r"image must not be empty"):
            fn(np.zeros(shape), [[1]])
        with pytest.raises(ValueError, match=r"kernel must not be empty"):
            fn([[1, 2], [3, 4]], np.zeros(shape))

    @pytest.mark.parametrize(
        "bad",
        [
            "abc",
            None,
            [["a", "b"]],
            np.array([[1, "x"]], dtype=object),
            np.array([[None]]),
        ],
    )
    def test_not_numbers(self, fn, bad):
        with pytest.raises(TypeError, match=r"image must be an array of numbers"):
            fn(bad, [[1]])
        with pytest.raises(TypeError, match=r"kernel must be an array of numbers"):
            fn([[1, 2], [3, 4]], bad)


@pytest.mark.parametrize("fn", CONVOLVE2D)
class TestConvolve2dBadInput:
    @pytest.mark.parametrize("mode", ["FULL", "same ", "", "reflect"])
    def test_unknown_mode(self, fn, mode):
        with pytest.raises(ValueError, match=r"mode must be one of"):
            fn([[1, 2]], [[1]], mode=mode)

    @pytest.mark.parametrize("mode", [None, 2, b"full"])
    def test_mode_not_a_string(self, fn, mode):
        with pytest.raises(TypeError, match=r"mode must be a string"):
            fn([[1, 2]], [[1]], mode=mode)

    @pytest.mark.parametrize(
        "boundary", ["symmetric", "reflect", "circular", "Fill", ""]
    )
    def test_unknown_boundary(self, fn, boundary):
        with pytest.raises(ValueError, match=r"boundary must be one of"):
            fn([[1, 2]], [[1]], boundary=boundary)

    @pytest.mark.parametrize("boundary", [None, 0])
    def test_boundary_not_a_string(self, fn, boundary):
        with pytest.raises(TypeError, match=r"boundary must be a string"):
            fn([[1, 2]], [[1]], boundary=boundary)

    @pytest.mark.parametrize("fillvalue", ["0", None, [0], True])
    def test_fillvalue_not_a_number(self, fn, fillvalue):
        with pytest.raises(TypeError, match=r"fillvalue must be a number"):
            fn([[1, 2]], [[1]], fillvalue=fillvalue)

    @pytest.mark.parametrize(
        "image, kernel, fillvalue",
        [
            (
                np.ones((2, 2), np.uint8),
                np.ones((2, 2), np.uint8),
                300,
            ),  # does not fit in uint8
            (np.ones((2, 2), np.uint8), np.ones((2, 2), np.uint8), -1),
            (np.ones((2, 2), np.int64), np.ones((2, 2), np.int64), float("nan")),
            (np.ones((2, 2)), np.ones((2, 2)), 1j),  # complex into float
        ],
    )
    def test_fillvalue_not_representable(self, fn, image, kernel, fillvalue):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with pytest.raises(ValueError):
                scipy.signal.convolve2d(image, kernel, fillvalue=fillvalue)
        with pytest.raises(ValueError, match=r"fillvalue"):
            fn(image, kernel, fillvalue=fillvalue)

    @pytest.mark.parametrize(
        "image_shape, kernel_shape",
        [((3, 3), (4, 2)), ((3, 3), (2, 4)), ((1, 5), (2, 1)), ((5, 1), (1, 2))],
    )
    def test_valid_neither_fits(self, fn, image_shape, kernel_shape):
        image, kernel = np.ones(image_shape), np.ones(kernel_shape)
        with pytest.raises(ValueError):
            scipy.signal.convolve2d(image, kernel, mode="valid")
        with pytest.raises(ValueError, match=r"valid.*image.*kernel"):
            fn(image, kernel, mode="valid")
        # the other modes are fine with any shapes
        for mode in ("full", "same"):
            assert (
                fn(image, kernel, mode=mode).shape
                == scipy.signal.convolve2d(image, kernel, mode).shape
            )


class TestCorrelate2dBadInput:
    image = np.arange(36).reshape(6, 6)
    kernel = np.ones((3, 3), dtype=np.int64)

    @pytest.mark.parametrize("stride", [0, -1, (1, 0), (0, 2), (-2, 1)])
    def test_stride_below_1(self, stride):
        with pytest.raises(ValueError, match=r"stride must be at least 1"):
            correlate2d(self.image, self.kernel, stride=stride)

    @pytest.mark.parametrize("dilation", [0, -1, (1, 0)])
    def test_dilation_below_1(self, dilation):
        with pytest.raises(ValueError, match=r"dilation must be at least 1"):
            correlate2d(self.image, self.kernel, dilation=dilation)

    @pytest.mark.parametrize("padding", [-1, (0, -1), (-3, 2)])
    def test_negative_padding(self, padding):
        with pytest.raises(ValueError, match=r"padding must be at least 0"):
            correlate2d(self.image, self.kernel, padding=padding)

    @pytest.mark.parametrize("stride", [2, (2, 1), (1, 2)])
    def test_same_padding_needs_stride_1(self, stride):
        with pytest.raises(
            (ValueError, RuntimeError), match="same"
        ):  # torch refuses too
            F.conv2d(
                torch.zeros(1, 1, 6, 6),
                torch.zeros(1, 1, 3, 3),
                stride=stride,
                padding="same",
            )
        with pytest.raises(ValueError, match=r"padding='same' needs stride 1"):
            correlate2d(self.image, self.kernel, stride=stride, padding="same")

    @pytest.mark.parametrize("padding", ["full", "SAME", "", "zeros"])
    def test_unknown_padding_string(self, padding):
        with pytest.raises(ValueError, match=r"padding must be one of"):
            correlate2d(self.image, self.kernel, padding=padding)

    @pytest.mark.parametrize("name", ["stride", "padding", "dilation"])
    @pytest.mark.parametrize(
        "value", [1.0, 2.5, (1, 1.0), (1,), (1, 1, 1), None, [1, 2, 3], True, (True, 1)]
    )
    def test_wrong_type(self, name, value):
        with pytest.raises(
            TypeError, match=rf"{name} must be an int or a pair of ints"
        ):
            correlate2d(self.image, self.kernel, **{name: value})

    def test_numpy_integers_are_ints(self):
        out = correlate2d(
            self.image,
            self.kernel,
            stride=np.int64(2),
            padding=(np.int32(1), 1),
            dilation=np.int8(1),
        )
        np.testing.assert_array_equal(
            out, torch_conv2d(self.image, self.kernel, 2, 1, 1)
        )

    @pytest.mark.parametrize(
        "kernel_shape, kwargs",
        [
            ((7, 1), {}),
            ((1, 7), {}),
            ((3, 3), {"dilation": 3}),
            ((9, 9), {"padding": 1}),
            ((2, 2), {"dilation": (6, 1)}),
        ],
    )
    def test_kernel_does_not_fit(self, kernel_shape, kwargs):
        kernel = np.ones(kernel_shape)
        with pytest.raises(RuntimeError):
            torch_conv2d(self.image, kernel, **kwargs)
        with pytest.raises(ValueError, match=r"kernel spans .* padded image"):
            correlate2d(self.image, kernel, **kwargs)


class TestConvOutputSizeBadInput:
    def test_n_zero(self):
        with pytest.raises(ValueError, match=r"n must be at least 1"):
            conv_output_size(0, 3)

    @pytest.mark.parametrize(
        "kwargs, name",
        [
            ({"kernel": 0}, "kernel"),
            ({"stride": 0}, "stride"),
            ({"stride": -2}, "stride"),
            ({"dilation": 0}, "dilation"),
            ({"n": -4}, "n"),
        ],
    )
    def test_below_1(self, kwargs, name):
        args = {"n": 6, "kernel": 3, **kwargs}
        with pytest.raises(ValueError, match=rf"{name} must be at least 1"):
            conv_output_size(**args)

    def test_negative_padding(self):
        with pytest.raises(ValueError, match=r"padding must be at least 0"):
            conv_output_size(6, 3, padding=-1)

    @pytest.mark.parametrize(
        "args", [(2, 3), (6, 7), (6, 4, 1, 0, 2), (1, 4, 1, 1), (5, 3, 1, 0, 3)]
    )
    def test_kernel_too_large(self, args):
        with pytest.raises(ValueError, match=r"kernel spans .* padded input"):
            conv_output_size(*args)

    @pytest.mark.parametrize("name", ["n", "kernel", "stride", "padding", "dilation"])
    @pytest.mark.parametrize("value", [3.0, 2.5, "3", None, True, (3,), np.float64(3)])
    def test_not_int(self, name, value):
        args = {
            "n": 6,
            "kernel": 3,
            "stride": 1,
            "padding": 0,
            "dilation": 1,
            name: value,
        }
        with pytest.raises(TypeError, match=rf"{name} must be an int"):
            conv_output_size(**args)

    def test_numpy_ints_accepted(self):
        assert (
            conv_output_size(np.int64(10), np.int32(3), np.int8(1), np.uint8(1)) == 10
        )


class TestPad2dBadInput:
    def test_not_2d(self):
        with pytest.raises(ValueError, match=r"image must be 2-D"):
            pad2d([1, 2, 3], 1)

    def test_negative_padding(self):
        with pytest.raises(ValueError, match=r"padding must be at least 0"):
            pad2d([[1]], -1)

    @pytest.mark.parametrize("padding", [1.0, "same", None, (1, 2, 3), True])
    def test_padding_type(self, padding):
        with pytest.raises(
            TypeError, match=r"padding must be an int or a pair of ints"
        ):
            pad2d([[1]], padding)


# ---------------------------------------------------------------------------
# 4. dtypes
# ---------------------------------------------------------------------------
INT_DTYPES = [np.int8, np.uint8, np.int16, np.int32, np.int64]
FLOAT_DTYPES = [np.float32, np.float64]


@pytest.mark.parametrize("fn", CONVOLVE1D)
@pytest.mark.parametrize("dtype_x", INT_DTYPES + FLOAT_DTYPES)
@pytest.mark.parametrize("dtype_h", [np.uint8, np.int64, np.float32, np.float64])
def test_convolve1d_dtype_follows_numpy(fn, dtype_x, dtype_h):
    x = np.array([1, 2, 3, 0, 2], dtype=dtype_x)
    h = np.array([2, 1], dtype=dtype_h)
    ref = np.convolve(x, h)
    out = fn(x, h)
    assert out.dtype == ref.dtype
    np.testing.assert_array_equal(out, ref)


@pytest.mark.parametrize("fn", CONVOLVE2D)
@pytest.mark.parametrize("dtype_image", INT_DTYPES + FLOAT_DTYPES)
@pytest.mark.parametrize(
    "dtype_kernel", [np.int8, np.uint8, np.int64, np.float32, np.float64]
)
@pytest.mark.parametrize("fillvalue", [0, 1, 2.5])
def test_convolve2d_dtype_follows_scipy(fn, dtype_image, dtype_kernel, fillvalue):
    image = np.array([[1, 2, 0], [3, 1, 2]], dtype=dtype_image)
    kernel = np.array([[1, 0], [2, 1]], dtype=dtype_kernel)
    ref = scipy.signal.convolve2d(image, kernel, fillvalue=fillvalue)
    out = fn(image, kernel, fillvalue=fillvalue)
    assert out.dtype == ref.dtype
    np.testing.assert_array_equal(out, ref)


@pytest.mark.parametrize("dtype", INT_DTYPES)
def test_integer_inputs_give_integer_outputs(dtype):
    x = np.array([1, 2, 3], dtype=dtype)
    image = np.array([[1, 2], [3, 4]], dtype=dtype)
    for out in (
        convolve1d(x, x),
        convolve1d_loops(x, x),
        convolve2d(image, image),
        convolve2d_loops(image, image),
        convolve2d(image, image, boundary="symm"),
        convolve2d(image, image, fillvalue=1.7),
        correlate2d(image, image, padding=1),
        pad2d(image, 1),
    ):
        assert np.issubdtype(out.dtype, np.integer), out.dtype


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_float_inputs_give_float_outputs(dtype):
    x = np.array([1, 2, 3], dtype=dtype)
    image = np.array([[1, 2], [3, 4]], dtype=dtype)
    for out in (
        convolve1d(x, [1, 2]),
        convolve1d_loops([1, 2], x),
        convolve2d(image, [[1]]),
        convolve2d_loops([[1]], image, mode="valid"),
        correlate2d(image, [[1, 2]]),
        correlate2d([[1, 2]], image[:1]),
    ):
        assert np.issubdtype(out.dtype, np.floating), out.dtype


def test_mixed_int_and_float_give_float():
    assert convolve1d([1, 2], [0.5]).dtype == np.float64
    assert convolve2d([[1, 2]], [[0.5]]).dtype == np.float64
    assert correlate2d([[1, 2]], [[0.5]]).dtype == np.float64
    assert correlate2d([[1.0, 2.0]], [[1]]).tolist() == [[1.0, 2.0]]


def test_bool_arrays_count_as_zero_and_one():
    """A deliberate choice of conv.py: booleans are summed as 0/1 integers.

    (``numpy.convolve`` would give a logical result and SciPy refuses booleans.)
    """
    assert convolve1d([True, True], [True, True]).tolist() == [1, 2, 1]
    assert convolve2d([[True, True]], [[True, True]]).tolist() == [[1, 2, 1]]
    assert correlate2d([[True, True]], [[True]]).tolist() == [[1, 1]]


def test_inputs_are_not_modified():
    image = np.arange(12).reshape(3, 4)
    kernel = np.array([[1, -1], [2, 0]])
    before = image.copy(), kernel.copy()
    for fn in CONVOLVE2D:
        fn(image, kernel, mode="same", boundary="symm")
    correlate2d(image, kernel, padding="same")
    np.testing.assert_array_equal(image, before[0])
    np.testing.assert_array_equal(kernel, before[1])


# ---------------------------------------------------------------------------
# correlate1d
# ---------------------------------------------------------------------------
@MEDIUM
@given(
    x=int_vectors(),
    w=int_vectors(5),
    stride=st.integers(1, 3),
    padding=st.one_of(st.integers(0, 3), st.sampled_from(["valid", "same"])),
    dilation=st.integers(1, 3),
)
def test_correlate1d_matches_torch_conv1d(x, w, stride, padding, dilation):
    if padding == "same":
        stride = 1
    kwargs = dict(stride=stride, padding=padding, dilation=dilation)
    pad = 0 if isinstance(padding, str) else padding
    span = dilation * (len(w) - 1) + 1
    if padding != "same" and span > len(x) + 2 * pad:
        with pytest.raises(ValueError, match="no output"):
            correlate1d(x, w, **kwargs)
        return
    with warnings.catch_warnings():
        warnings.simplefilter(
            "ignore", UserWarning
        )  # PyTorch: 'same' with an even kernel copies the input
        expected = F.conv1d(
            torch.tensor(x, dtype=torch.float64)[None, None],
            torch.tensor(w, dtype=torch.float64)[None, None],
            **kwargs,
        )[0, 0].numpy()
    got = correlate1d(x, w, **kwargs)
    np.testing.assert_array_equal(got, expected)
    if not isinstance(padding, str):
        assert len(got) == conv_output_size(len(x), len(w), stride, padding, dilation)


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: correlate1d([[1, 2]], [1]), ValueError, "x must be 1-D"),
        (lambda: correlate1d([1, 2], "ab"), TypeError, "w must be an array of numbers"),
        (
            lambda: correlate1d([1, 2, 3], [1], stride=0),
            ValueError,
            "stride must be at least 1",
        ),
        (
            lambda: correlate1d([1, 2, 3], [1], stride=1.5),
            TypeError,
            "stride must be an int",
        ),
        (
            lambda: correlate1d([1, 2, 3], [1], padding=(1, 1)),
            TypeError,
            "padding must be an int, 'valid' or 'same'",
        ),
        (
            lambda: correlate1d([1, 2, 3], [1], stride=2, padding="same"),
            ValueError,
            "padding='same' needs stride 1",
        ),
    ],
)
def test_correlate1d_bad_input(call, error, message):
    with pytest.raises(error, match=message):
        call()
