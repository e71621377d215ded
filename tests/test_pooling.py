"""Tests for :mod:`lessons_lib.pooling` against ``torch.nn.functional`` pooling."""

from __future__ import annotations

import hypothesis.strategies as st
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import HealthCheck, given, settings

from lessons_lib.pooling import (
    avg_pool2d,
    global_avg_pool2d,
    global_max_pool2d,
    max_pool2d,
    pool_output_size,
)

MANY = settings(
    max_examples=300,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@st.composite
def pooling_cases(draw):
    """A (N, C, H, W) float array and settings PyTorch accepts."""
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    sh, sw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    ph, pw = draw(st.integers(0, kh // 2)), draw(st.integers(0, kw // 2))
    h = draw(st.integers(max(1, kh - 2 * ph), 11))
    w = draw(st.integers(max(1, kw - 2 * pw), 11))
    n, c = draw(st.integers(1, 2)), draw(st.integers(1, 3))
    seed = draw(st.integers(0, 2**16))
    x = np.random.default_rng(seed).normal(size=(n, c, h, w))
    ceil_mode = draw(st.booleans())
    return x, dict(
        kernel_size=(kh, kw), stride=(sh, sw), padding=(ph, pw), ceil_mode=ceil_mode
    )


@MANY
@given(case=pooling_cases(), count_include_pad=st.booleans())
def test_pooling_matches_torch(case, count_include_pad):
    x, kw = case
    t = torch.from_numpy(x)
    np.testing.assert_array_equal(max_pool2d(x, **kw), F.max_pool2d(t, **kw).numpy())
    np.testing.assert_allclose(
        avg_pool2d(x, **kw, count_include_pad=count_include_pad),
        F.avg_pool2d(t, **kw, count_include_pad=count_include_pad).numpy(),
        atol=1e-12,
    )
    h, w = x.shape[-2:]
    expected = F.max_pool2d(t, **kw).shape[-2:]
    assert (
        pool_output_size(
            h, kw["kernel_size"][0], kw["stride"][0], kw["padding"][0], kw["ceil_mode"]
        ),
        pool_output_size(
            w, kw["kernel_size"][1], kw["stride"][1], kw["padding"][1], kw["ceil_mode"]
        ),
    ) == expected


def test_stride_defaults_to_the_kernel_and_integers_stay_integers():
    grid = np.arange(16).reshape(4, 4)
    np.testing.assert_array_equal(max_pool2d(grid, 2), [[5, 7], [13, 15]])
    assert max_pool2d(grid, 2).dtype == grid.dtype
    np.testing.assert_array_equal(
        max_pool2d(grid - 100, 3, stride=1, padding=1)[0, 0], -95
    )


def test_worked_examples_of_the_course():
    grid = np.array([[0, 3, 6, 9], [1, 4, 7, 10], [2, 5, 8, 11]])
    np.testing.assert_array_equal(
        max_pool2d(grid, 2, stride=1), [[4, 7, 10], [5, 8, 11]]
    )
    x_map = np.arange(49).reshape(7, 7)
    assert max_pool2d(x_map, 2, ceil_mode=True).shape == (4, 4)
    assert max_pool2d(x_map, 2).shape == (3, 3)
    assert pool_output_size(30, 2) == 15 and pool_output_size(13, 2) == 6
    assert pool_output_size(55, 3, stride=2) == 27


def test_pooling_works_on_any_leading_axes():
    x = np.random.default_rng(0).normal(size=(2, 3, 4, 6, 8))
    assert max_pool2d(x, 2).shape == (2, 3, 4, 3, 4)
    np.testing.assert_array_equal(max_pool2d(x, 2)[1, 2, 3], max_pool2d(x[1, 2, 3], 2))


def test_global_pooling_matches_torch():
    x = np.random.default_rng(1).normal(size=(2, 5, 7, 3))
    t = torch.from_numpy(x)
    np.testing.assert_allclose(
        global_avg_pool2d(x), F.adaptive_avg_pool2d(t, 1).numpy()[..., 0, 0]
    )
    np.testing.assert_array_equal(
        global_max_pool2d(x), torch.amax(t, dim=(-2, -1)).numpy()
    )
    assert global_avg_pool2d(x).shape == (2, 5)


@pytest.mark.parametrize(
    "call, error, message",
    [
        (
            lambda: max_pool2d(np.zeros(4), 2),
            ValueError,
            r"x must have shape \(\.\.\., H, W\)",
        ),
        (lambda: max_pool2d("abc", 2), TypeError, "x must be an array of numbers"),
        (
            lambda: max_pool2d(np.zeros((4, 4)), 0),
            ValueError,
            "kernel_size must be at least 1",
        ),
        (
            lambda: max_pool2d(np.zeros((4, 4)), 2.0),
            TypeError,
            "kernel_size must be an int",
        ),
        (
            lambda: max_pool2d(np.zeros((4, 4)), 2, stride=0),
            ValueError,
            "stride must be at least 1",
        ),
        (
            lambda: max_pool2d(np.zeros((4, 4)), 2, padding=2),
            ValueError,
            "padding must be at most half",
        ),
        (
            lambda: max_pool2d(np.zeros((2, 2)), 3),
            ValueError,
            "longer than the padded input",
        ),
        (
            lambda: max_pool2d(np.zeros((4, 4)), 2, ceil_mode=1),
            TypeError,
            "ceil_mode must be True or False",
        ),
        (
            lambda: avg_pool2d(np.zeros((4, 4)), 2, count_include_pad="yes"),
            TypeError,
            "count_include_pad",
        ),
        (lambda: global_avg_pool2d(np.zeros(3)), ValueError, "x must have shape"),
        (lambda: pool_output_size((7, 9), 2), TypeError, "n must be an int"),
        (
            lambda: pool_output_size(7, 2, stride=0),
            ValueError,
            "stride must be at least 1",
        ),
    ],
)
def test_bad_input_gets_a_clear_error(call, error, message):
    with pytest.raises(error, match=message):
        call()
