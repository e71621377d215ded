"""Tests for the im2col convolution in :mod:`lessons_lib.conv` against PyTorch.

``im2col``/``col2im`` are compared with ``F.unfold``/``F.fold`` and
``conv2d_im2col`` with ``F.conv2d`` over random shapes, strides, paddings and
dilations; ``col2im`` is also checked to be the adjoint of ``im2col``.
"""

from __future__ import annotations

import warnings

import hypothesis.strategies as st
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import HealthCheck, given, settings

from lessons_lib.conv import col2im, conv2d_im2col, conv_output_size, im2col

MANY = settings(
    max_examples=250,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@st.composite
def conv_cases(draw, allow_same=True):
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    sh, sw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    dh, dw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    padding = draw(
        st.one_of(
            st.tuples(st.integers(0, 2), st.integers(0, 2)),
            st.sampled_from(["valid", "same"]) if allow_same else st.just((0, 0)),
        )
    )
    if padding == "same":
        sh = sw = 1
    pad_h = 0 if isinstance(padding, str) else padding[0]
    pad_w = 0 if isinstance(padding, str) else padding[1]
    span_h, span_w = dh * (kh - 1) + 1, dw * (kw - 1) + 1
    h = draw(st.integers(max(1, span_h - 2 * pad_h), 10))
    w = draw(st.integers(max(1, span_w - 2 * pad_w), 10))
    n, c, f = draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(1, 4))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    x = rng.normal(size=(n, c, h, w))
    weight = rng.normal(size=(f, c, kh, kw))
    bias = rng.normal(size=f) if draw(st.booleans()) else None
    return x, weight, bias, dict(stride=(sh, sw), padding=padding, dilation=(dh, dw))


def torch_conv(x, weight, bias, settings_):
    with warnings.catch_warnings():
        # PyTorch warns that 'same' with an even kernel copies the input; harmless here
        warnings.simplefilter("ignore", UserWarning)
        out = F.conv2d(
            torch.from_numpy(x),
            torch.from_numpy(weight),
            None if bias is None else torch.from_numpy(bias),
            **settings_,
        )
    return out.numpy()


@MANY
@given(case=conv_cases())
def test_conv2d_im2col_matches_torch(case):
    x, weight, bias, kw = case
    np.testing.assert_allclose(
        conv2d_im2col(x, weight, bias, **kw),
        torch_conv(x, weight, bias, kw),
        atol=1e-10,
    )


@MANY
@given(case=conv_cases(allow_same=False))
def test_im2col_and_col2im_match_unfold_and_fold(case):
    x, weight, _, kw = case
    ksize = weight.shape[2:]
    cols = im2col(x, ksize, **kw)
    np.testing.assert_array_equal(
        cols, F.unfold(torch.from_numpy(x), ksize, **kw).numpy()
    )
    folded = F.fold(torch.from_numpy(cols), x.shape[2:], ksize, **kw).numpy()
    np.testing.assert_allclose(col2im(cols, x.shape, ksize, **kw), folded, atol=1e-12)


@MANY
@given(case=conv_cases())
def test_col2im_is_the_adjoint_of_im2col(case):
    x, weight, _, kw = case
    ksize = weight.shape[2:]
    cols = im2col(x, ksize, **kw)
    y = np.random.default_rng(0).normal(size=cols.shape)
    assert np.vdot(cols, y) == pytest.approx(
        np.vdot(x, col2im(y, x.shape, ksize, **kw)), rel=1e-10, abs=1e-10
    )


def test_output_shape_follows_conv_output_size():
    x = np.zeros((2, 3, 28, 28))
    out = conv2d_im2col(x, np.zeros((8, 3, 5, 5)), stride=2, padding=1)
    assert out.shape == (
        2,
        8,
        conv_output_size(28, 5, 2, 1),
        conv_output_size(28, 5, 2, 1),
    )


def test_integer_inputs_give_exact_integer_results():
    x = np.arange(2 * 2 * 5 * 5).reshape(2, 2, 5, 5)
    weight = np.arange(3 * 2 * 3 * 3).reshape(3, 2, 3, 3) - 20
    got = conv2d_im2col(x, weight, np.array([1, 2, 3]), padding=1)
    assert got.dtype.kind == "i"
    np.testing.assert_array_equal(
        got, torch_conv(x, weight, np.array([1, 2, 3]), dict(padding=1))
    )


@pytest.mark.parametrize(
    "call, error, message",
    [
        (
            lambda: conv2d_im2col(np.zeros((3, 5, 5)), np.zeros((1, 3, 3, 3))),
            ValueError,
            r"x must be 4-D with shape \(N, C, H, W\)",
        ),
        (
            lambda: conv2d_im2col(np.zeros((1, 3, 5, 5)), np.zeros((3, 3, 3))),
            ValueError,
            r"weight must be 4-D with shape \(F, C, kh, kw\)",
        ),
        (
            lambda: conv2d_im2col(np.zeros((1, 3, 5, 5)), np.zeros((2, 1, 3, 3))),
            ValueError,
            "weight has 1 input channels",
        ),
        (
            lambda: conv2d_im2col(
                np.zeros((1, 1, 5, 5)), np.zeros((2, 1, 3, 3)), bias=np.zeros(3)
            ),
            ValueError,
            r"bias must have shape \(2,\)",
        ),
        (
            lambda: conv2d_im2col(np.zeros((1, 1, 2, 2)), np.zeros((1, 1, 3, 3))),
            ValueError,
            "no output",
        ),
        (
            lambda: conv2d_im2col(
                np.zeros((1, 1, 5, 5)), np.zeros((1, 1, 3, 3)), stride=2, padding="same"
            ),
            ValueError,
            "padding='same' needs stride 1",
        ),
        (
            lambda: conv2d_im2col("x", np.zeros((1, 1, 3, 3))),
            TypeError,
            "x must be an array of numbers",
        ),
        (
            lambda: im2col(np.zeros((1, 1, 5, 5)), 0),
            ValueError,
            "kernel_size must be at least 1",
        ),
        (
            lambda: im2col(np.zeros((1, 1, 5, 5)), 3, padding=-1),
            ValueError,
            "padding must be at least 0",
        ),
        (
            lambda: col2im(np.zeros((1, 9, 4)), (1, 1, 5, 5), 3),
            ValueError,
            r"cols must have shape \(1, 9, 9\)",
        ),
        (
            lambda: col2im(np.zeros((1, 9, 9)), (1, 5, 5), 3),
            ValueError,
            "input_shape must be four positive ints",
        ),
    ],
)
def test_bad_input_gets_a_clear_error(call, error, message):
    with pytest.raises(error, match=message):
        call()
