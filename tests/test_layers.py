"""Tests for :mod:`lessons_lib.layers` against PyTorch and finite differences.

Every forward pass is checked against ``torch.nn.functional``, every backward
pass against ``torch.autograd`` and against finite differences.
"""

from __future__ import annotations

import hypothesis.strategies as st
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import HealthCheck, given, settings

from lessons_lib import layers as L

CASES = settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def autograd(fn, *arrays, dout):
    """Output of ``fn`` and gradients of sum(out * dout), by torch.autograd.

    ``fn`` runs on float64 tensors made from ``arrays``; there is one gradient
    for each.
    """
    tensors = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]
    out = fn(*tensors)
    out.backward(torch.as_tensor(dout, dtype=torch.float64))
    return out.detach().numpy(), [t.grad.numpy() for t in tensors]


@st.composite
def conv_cases(draw, dilation=True):
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    sh, sw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    ph, pw = draw(st.integers(0, 2)), draw(st.integers(0, 2))
    dh, dw = (draw(st.integers(1, 2)), draw(st.integers(1, 2))) if dilation else (1, 1)
    h = draw(st.integers(max(1, dh * (kh - 1) + 1 - 2 * ph), 7))
    w = draw(st.integers(max(1, dw * (kw - 1) + 1 - 2 * pw), 7))
    n, c, f = draw(st.integers(1, 2)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    x, weight, bias = (
        rng.normal(size=(n, c, h, w)),
        rng.normal(size=(f, c, kh, kw)),
        rng.normal(size=f),
    )
    return (
        x,
        weight,
        bias,
        dict(stride=(sh, sw), padding=(ph, pw), dilation=(dh, dw)),
        rng,
    )


@CASES
@given(case=conv_cases())
def test_conv_forward_and_backward_match_torch(case):
    x, w, b, kw, rng = case
    expected, (ex, ew, eb) = None, (None, None, None)
    for forward, backward in (
        (L.conv_forward_naive, L.conv_backward_naive),
        (L.conv_forward, L.conv_backward),
    ):
        out, cache = forward(x, w, b, **kw)
        dout = np.random.default_rng(1).normal(size=out.shape)
        if expected is None:
            expected, (ex, ew, eb) = autograd(
                lambda x_, w_, b_: F.conv2d(x_, w_, b_, **kw), x, w, b, dout=dout
            )
        np.testing.assert_allclose(out, expected, rtol=1e-10, atol=1e-10)
        dx, dw, db = backward(dout, cache)
        for got, want in ((dx, ex), (dw, ew), (db, eb)):
            np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-10)


@settings(max_examples=15, deadline=None, database=None)
@given(case=conv_cases())
def test_conv_backward_passes_the_gradient_check(case):
    x, w, b, kw, _ = case
    out, cache = L.conv_forward(x, w, b, **kw)
    dout = np.random.default_rng(2).normal(size=out.shape)
    dx, dw, db = L.conv_backward(dout, cache)
    errors = L.gradient_check(
        lambda x, w, b: L.conv_forward(x, w, b, **kw)[0],
        {"x": x, "w": w, "b": b},
        {"x": dx, "w": dw, "b": db},
        dout=dout,
    )
    assert max(errors.values()) < 1e-7, errors


def test_conv_same_padding_and_no_bias():
    rng = np.random.default_rng(0)
    x, w = rng.normal(size=(2, 3, 6, 5)), rng.normal(size=(4, 3, 3, 1))
    out, cache = L.conv_forward(x, w, None, padding="same")
    out_naive, cache_naive = L.conv_forward_naive(x, w, None, padding="same")
    expected = F.conv2d(
        torch.from_numpy(x), torch.from_numpy(w), padding="same"
    ).numpy()
    np.testing.assert_allclose(out, expected, atol=1e-12)
    np.testing.assert_allclose(out_naive, expected, atol=1e-12)
    assert L.conv_backward(np.ones_like(out), cache)[2] is None
    assert L.conv_backward_naive(np.ones_like(out), cache_naive)[2] is None


@st.composite
def pool_cases(draw, padding=True):
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    sh, sw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    ph, pw = (
        (draw(st.integers(0, kh // 2)), draw(st.integers(0, kw // 2)))
        if padding
        else (0, 0)
    )
    h, w = (
        draw(st.integers(max(1, kh - 2 * ph), 7)),
        draw(st.integers(max(1, kw - 2 * pw), 7)),
    )
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    # integers make ties common: the gradient must then go where PyTorch sends it
    x = rng.integers(
        -3, 4, size=(draw(st.integers(1, 2)), draw(st.integers(1, 3)), h, w)
    ).astype(np.float64)
    return x, dict(kernel_size=(kh, kw), stride=(sh, sw), padding=(ph, pw))


@CASES
@given(case=pool_cases())
def test_max_pool_matches_torch_including_ties(case):
    x, kw = case
    out, cache = L.max_pool_forward(x, **kw)
    dout = np.random.default_rng(3).normal(size=out.shape)
    expected, (dx_torch,) = autograd(lambda t: F.max_pool2d(t, **kw), x, dout=dout)
    np.testing.assert_array_equal(out, expected)
    np.testing.assert_allclose(L.max_pool_backward(dout, cache), dx_torch, atol=1e-12)


@CASES
@given(case=pool_cases(padding=False))
def test_naive_max_pool_matches_torch(case):
    x, kw = case
    kw.pop("padding")
    out, cache = L.max_pool_forward_naive(x, **kw)
    dout = np.random.default_rng(4).normal(size=out.shape)
    expected, (dx_torch,) = autograd(lambda t: F.max_pool2d(t, **kw), x, dout=dout)
    np.testing.assert_array_equal(out, expected)
    np.testing.assert_allclose(
        L.max_pool_backward_naive(dout, cache), dx_torch, atol=1e-12
    )


@CASES
@given(case=pool_cases())
def test_avg_pool_matches_torch(case):
    x, kw = case
    out, cache = L.avg_pool_forward(x, **kw)
    dout = np.random.default_rng(5).normal(size=out.shape)
    expected, (dx_torch,) = autograd(lambda t: F.avg_pool2d(t, **kw), x, dout=dout)
    np.testing.assert_allclose(out, expected, atol=1e-12)
    np.testing.assert_allclose(L.avg_pool_backward(dout, cache), dx_torch, atol=1e-12)


def test_max_pool_default_stride_is_the_kernel():
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    out, _ = L.max_pool_forward(x, 2)
    assert out[0, 0].tolist() == [[5.0, 7.0], [13.0, 15.0]]
    assert L.max_pool_forward_naive(x, 2)[0].tolist() == out.tolist()


@pytest.mark.parametrize(
    ("forward", "backward", "torch_fn"),
    [
        (L.relu_forward, L.relu_backward, F.relu),
        (L.sigmoid_forward, L.sigmoid_backward, torch.sigmoid),
        (L.tanh_forward, L.tanh_backward, torch.tanh),
        (L.flatten_forward, L.flatten_backward, lambda t: torch.flatten(t, 1)),
    ],
)
def test_elementwise_layers_match_torch(forward, backward, torch_fn):
    rng = np.random.default_rng(6)
    x = rng.normal(size=(3, 2, 4, 5)) * 3
    x[0, 0, 0, :2] = 0.0  # ReLU's kink: PyTorch passes no gradient at exactly 0
    out, cache = forward(x)
    dout = rng.normal(size=out.shape)
    expected, (dx_torch,) = autograd(torch_fn, x, dout=dout)
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(backward(dout, cache), dx_torch, rtol=1e-12, atol=1e-15)


def test_sigmoid_does_not_overflow():
    out, _ = L.sigmoid_forward(np.array([-1000.0, 1000.0]))
    assert out.tolist() == [0.0, 1.0]


@pytest.mark.parametrize("bias", [True, False])
def test_dense_matches_torch(bias):
    rng = np.random.default_rng(7)
    x, w, b = rng.normal(size=(4, 6)), rng.normal(size=(3, 6)), rng.normal(size=3)
    out, cache = L.dense_forward(x, w, b if bias else None)
    dout = rng.normal(size=out.shape)
    if bias:
        expected, grads = autograd(F.linear, x, w, b, dout=dout)
    else:
        expected, grads = autograd(F.linear, x, w, dout=dout)
        grads.append(None)
    np.testing.assert_allclose(out, expected, rtol=1e-12)
    for got, want in zip(L.dense_backward(dout, cache), grads):
        if want is None:
            assert got is None
        else:
            np.testing.assert_allclose(got, want, rtol=1e-12)


def test_softmax_cross_entropy_matches_torch():
    rng = np.random.default_rng(8)
    scores, y = rng.normal(size=(5, 4)) * 10, rng.integers(0, 4, size=5)
    loss, dscores = L.softmax_cross_entropy(scores, y)
    t = torch.tensor(scores, requires_grad=True)
    expected = F.cross_entropy(t, torch.from_numpy(y))
    expected.backward()
    assert abs(loss - expected.item()) < 1e-12
    np.testing.assert_allclose(dscores, t.grad.numpy(), rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(
        L.softmax(scores), F.softmax(torch.from_numpy(scores), 1).numpy(), rtol=1e-12
    )
    errors = L.gradient_check(
        lambda s: L.softmax_cross_entropy(s, y)[0], {"s": scores}, {"s": dscores}
    )
    assert errors["s"] < 1e-7


def test_mse_loss_matches_torch():
    rng = np.random.default_rng(9)
    pred, target = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    loss, dpred = L.mse_loss(pred, target)
    t = torch.tensor(pred, requires_grad=True)
    expected = F.mse_loss(t, torch.from_numpy(target))
    expected.backward()
    assert abs(loss - expected.item()) < 1e-12
    np.testing.assert_allclose(dpred, t.grad.numpy(), rtol=1e-12)


def test_dropout_keeps_the_expectation_and_reuses_the_mask():
    rng = np.random.default_rng(10)
    x = np.ones((200, 500))
    out, cache = L.dropout_forward(x, 0.3, training=True, rng=rng)
    assert set(np.unique(out).tolist()) == {0.0, 1 / 0.7}
    assert abs((out == 0).mean() - 0.3) < 0.01
    assert abs(out.mean() - 1.0) < 0.02
    np.testing.assert_array_equal(
        L.dropout_backward(np.full(x.shape, 2.0), cache), 2 * out
    )
    evaluated, cache = L.dropout_forward(x, 0.3, training=False)
    np.testing.assert_array_equal(evaluated, x)
    np.testing.assert_array_equal(L.dropout_backward(x, cache), x)
    # PyTorch's dropout draws another mask but makes the same two values
    torch.manual_seed(0)
    dropped = F.dropout(torch.ones(200, 500, dtype=torch.float64), p=0.3, training=True)
    assert set(torch.unique(dropped).tolist()) == {0.0, 1 / 0.7}


@pytest.mark.parametrize("shape", [(6, 4), (4, 3, 5, 2)])
@pytest.mark.parametrize("training", [True, False])
def test_batchnorm_matches_torch(shape, training):
    rng = np.random.default_rng(11)
    x = rng.normal(loc=2.0, scale=3.0, size=shape)
    channels = shape[1]
    gamma, beta = rng.normal(size=channels), rng.normal(size=channels)
    running_mean, running_var = (
        rng.normal(size=channels),
        rng.uniform(0.5, 2.0, size=channels),
    )
    t_mean, t_var = torch.tensor(running_mean), torch.tensor(running_var)
    out, cache = L.batchnorm_forward(
        x, gamma, beta, running_mean, running_var, training=training, momentum=0.2
    )
    dout = rng.normal(size=shape)
    expected, grads = autograd(
        lambda x_, g_, b_: F.batch_norm(
            x_, t_mean, t_var, g_, b_, training=training, momentum=0.2, eps=1e-5
        ),
        x,
        gamma,
        beta,
        dout=dout,
    )
    np.testing.assert_allclose(out, expected, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(running_mean, t_mean.numpy(), rtol=1e-12)
    np.testing.assert_allclose(running_var, t_var.numpy(), rtol=1e-12)
    for got, want in zip(L.batchnorm_backward(dout, cache), grads):
        np.testing.assert_allclose(got, want, rtol=1e-8, atol=1e-10)


def test_batchnorm_gradient_check():
    rng = np.random.default_rng(12)
    x, gamma, beta = (
        rng.normal(size=(4, 2, 3, 3)),
        rng.normal(size=2),
        rng.normal(size=2),
    )

    def forward(x, gamma, beta):
        return L.batchnorm_forward(x, gamma, beta, np.zeros(2), np.ones(2))[0]

    out, cache = L.batchnorm_forward(x, gamma, beta, np.zeros(2), np.ones(2))
    dout = rng.normal(size=out.shape)
    dx, dgamma, dbeta = L.batchnorm_backward(dout, cache)
    errors = L.gradient_check(
        forward,
        {"x": x, "gamma": gamma, "beta": beta},
        {"x": dx, "gamma": dgamma, "beta": dbeta},
        dout=dout,
    )
    assert max(errors.values()) < 1e-7, errors


def test_gradient_checker_catches_a_wrong_gradient():
    x = np.array([1.0, -2.0, 3.0])
    right = L.numerical_gradient(lambda v: np.sum(v**3), x)
    np.testing.assert_allclose(right, 3 * x**2, rtol=1e-8)
    assert x.tolist() == [1.0, -2.0, 3.0], "x is restored"
    errors = L.gradient_check(lambda x: np.sum(x**3), {"x": x}, {"x": 2 * x**2})
    assert errors["x"] > 0.1
    assert L.relative_error(np.zeros(3), np.zeros(3)) == 0.0


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (
            lambda: L.conv_forward(np.zeros((1, 2, 5, 5)), np.zeros((3, 1, 3, 3))),
            ValueError,
            "w has 1 input channels",
        ),
        (
            lambda: L.conv_forward_naive(np.zeros((2, 5, 5)), np.zeros((3, 1, 3, 3))),
            ValueError,
            r"x must be 4-D",
        ),
        (
            lambda: L.conv_forward(
                np.zeros((1, 1, 5, 5)), np.zeros((3, 1, 3, 3)), np.zeros(2)
            ),
            ValueError,
            "b must have shape",
        ),
        (
            lambda: L.conv_forward(np.zeros((1, 1, 2, 2)), np.zeros((1, 1, 3, 3))),
            ValueError,
            "no output",
        ),
        (
            lambda: L.conv_forward("x", np.zeros((1, 1, 3, 3))),
            TypeError,
            "x must be an array of numbers",
        ),
        (
            lambda: L.conv_backward(
                np.zeros((1, 1, 2, 2)),
                L.conv_forward(np.zeros((1, 1, 5, 5)), np.zeros((1, 1, 3, 3)))[1],
            ),
            ValueError,
            r"dout must have the shape of the convolution forward output "
            r"\(1, 1, 3, 3\)",
        ),
        (
            lambda: L.conv_backward(np.zeros((1, 1, 3, 3)), ("relu", None)),
            TypeError,
            "returned by conv_forward",
        ),
        (
            lambda: L.max_pool_forward(np.zeros((1, 1, 4, 4)), 2, padding=2),
            ValueError,
            "at most half the kernel",
        ),
        (
            lambda: L.max_pool_forward(np.zeros((1, 1, 4, 4)), 0),
            ValueError,
            "kernel_size must be at least 1",
        ),
        (lambda: L.avg_pool_forward(np.zeros((4, 4)), 2), ValueError, "x must be 4-D"),
        (
            lambda: L.dense_forward(np.zeros((2, 3, 4)), np.zeros((5, 12))),
            ValueError,
            "flatten images first",
        ),
        (
            lambda: L.dense_forward(np.zeros((2, 3)), np.zeros((5, 4))),
            ValueError,
            "x has 3 features",
        ),
        (lambda: L.flatten_forward(np.zeros(3)), ValueError, "batch axis"),
        (
            lambda: L.softmax_cross_entropy(np.zeros((2, 3)), np.array([0.0, 1.0])),
            TypeError,
            "integer class labels",
        ),
        (
            lambda: L.softmax_cross_entropy(np.zeros((2, 3)), np.array([0, 3])),
            ValueError,
            r"y must be in 0..2",
        ),
        (
            lambda: L.softmax_cross_entropy(np.zeros((2, 3)), np.array([0])),
            ValueError,
            r"y must have shape \(2,\)",
        ),
        (lambda: L.mse_loss(np.zeros(3), np.zeros(4)), ValueError, "same shape"),
        (
            lambda: L.dropout_forward(np.zeros(3), 1.0, rng=np.random.default_rng()),
            ValueError,
            r"p must be in \[0, 1\)",
        ),
        (
            lambda: L.dropout_forward(np.zeros(3), 0.5),
            TypeError,
            "rng must be a numpy.random.Generator",
        ),
        (
            lambda: L.dropout_forward(np.zeros(3), 0.5, training="yes"),
            TypeError,
            "training must be True or False",
        ),
        (
            lambda: L.batchnorm_forward(
                np.zeros((4, 3)), np.ones(2), np.zeros(3), np.zeros(3), np.ones(3)
            ),
            ValueError,
            "gamma must have shape",
        ),
        (
            lambda: L.batchnorm_forward(
                np.zeros((4, 3)), np.ones(3), np.zeros(3), [0.0] * 3, np.ones(3)
            ),
            TypeError,
            "running_mean must be a float numpy array",
        ),
        (
            lambda: L.batchnorm_forward(
                np.zeros((1, 3)), np.ones(3), np.zeros(3), np.zeros(3), np.ones(3)
            ),
            ValueError,
            "more than one value per channel",
        ),
        (
            lambda: L.batchnorm_forward(
                np.zeros((2, 3, 4)), np.ones(3), np.zeros(3), np.zeros(3), np.ones(3)
            ),
            ValueError,
            r"x must be 2-D or 4-D",
        ),
        (
            lambda: L.batchnorm_forward(
                np.zeros((2, 3)),
                np.ones(3),
                np.zeros(3),
                np.zeros(3),
                np.ones(3),
                eps=0.0,
            ),
            ValueError,
            "eps must be positive",
        ),
        (
            lambda: L.numerical_gradient(lambda v: v, np.zeros(3)),
            ValueError,
            "must return a scalar",
        ),
        (
            lambda: L.numerical_gradient(lambda v: 0.0, np.zeros(3, dtype=int)),
            TypeError,
            "float numpy array",
        ),
        (
            lambda: L.numerical_gradient(lambda v: 0.0, np.zeros(3), h=0),
            ValueError,
            "h must be a positive number",
        ),
        (
            lambda: L.gradient_check(
                lambda x: 0.0, {"x": np.zeros(2)}, {"y": np.zeros(2)}
            ),
            ValueError,
            "grads names",
        ),
        (
            lambda: L.gradient_check(
                lambda x: 0.0, {"x": np.zeros(2)}, {"x": np.zeros(3)}
            ),
            ValueError,
            "has shape",
        ),
        (lambda: L.relative_error(np.zeros(2), np.zeros(3)), ValueError, "same shape"),
    ],
)
def test_bad_arguments_get_clear_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()
