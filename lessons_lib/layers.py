"""The layers of a CNN in NumPy, each with its forward and its backward pass.

Every layer is a pair of functions in the style of Stanford's CS231n:

- ``*_forward(inputs..., settings...)`` returns ``(out, cache)``, where
  ``cache`` holds what the backward pass needs;
- ``*_backward(dout, cache)`` takes the gradient of the loss with respect to
  ``out`` and returns the gradients with respect to the forward inputs.

Layouts follow PyTorch, so weights copy one to one between the two: images
are ``(N, C, H, W)``, convolution weights ``(F, C, kh, kw)``, dense weights
``(out_features, in_features)``. The unit tests check every forward pass
against ``torch.nn.functional`` and every backward pass against
``torch.autograd`` and against finite differences:

================================  ==========================================
``conv_forward[_naive]``          ``F.conv2d`` (loops / im2col)
``max_pool_forward[_naive]``      ``F.max_pool2d`` (loops / im2col)
``avg_pool_forward``              ``F.avg_pool2d``
``relu_forward``                  ``F.relu``
``sigmoid_forward``               ``torch.sigmoid``
``tanh_forward``                  ``torch.tanh``
``flatten_forward``               ``torch.flatten(x, 1)``
``dense_forward``                 ``F.linear``
``softmax_cross_entropy``         ``F.cross_entropy`` (mean over the batch)
``mse_loss``                      ``F.mse_loss`` (mean)
``dropout_forward``               ``F.dropout`` (inverted dropout)
``batchnorm_forward``             ``F.batch_norm`` (1-D and 2-D)
================================  ==========================================

The gradient checker (``numerical_gradient``, ``relative_error``,
``gradient_check``) compares any analytic gradient with central differences

.. math:: \\frac{\\partial L}{\\partial x_i} \\approx
          \\frac{L(x + h e_i) - L(x - h e_i)}{2h}.
"""

from __future__ import annotations

import numbers

import numpy as np

from .conv import _as_pair, _im2col_geometry, col2im, im2col

__all__ = [
    "conv_forward_naive",
    "conv_backward_naive",
    "conv_forward",
    "conv_backward",
    "max_pool_forward_naive",
    "max_pool_backward_naive",
    "max_pool_forward",
    "max_pool_backward",
    "avg_pool_forward",
    "avg_pool_backward",
    "relu_forward",
    "relu_backward",
    "sigmoid_forward",
    "sigmoid_backward",
    "tanh_forward",
    "tanh_backward",
    "flatten_forward",
    "flatten_backward",
    "dense_forward",
    "dense_backward",
    "softmax",
    "softmax_cross_entropy",
    "mse_loss",
    "dropout_forward",
    "dropout_backward",
    "batchnorm_forward",
    "batchnorm_backward",
    "numerical_gradient",
    "relative_error",
    "gradient_check",
]


# ---------------------------------------------------------------------------
# argument checking
# ---------------------------------------------------------------------------
def _as_float(value, name: str, ndim=None, layout: str = "") -> np.ndarray:
    """``value`` as a floating-point array (integers become float64), or an error."""
    if isinstance(value, (str, bytes)) or value is None:
        raise TypeError(
            f"{name} must be an array of numbers, got {type(value).__name__}"
        )
    arr = np.asarray(value)
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.number) or arr.dtype == bool
    ):
        raise TypeError(f"{name} must be an array of numbers, got dtype {arr.dtype}")
    if np.iscomplexobj(arr):
        raise TypeError(f"{name} must be real, got dtype {arr.dtype}")
    if not np.issubdtype(arr.dtype, np.floating):
        arr = arr.astype(np.float64)
    if ndim is not None and arr.ndim not in np.atleast_1d(ndim):
        want = " or ".join(f"{d}-D" for d in np.atleast_1d(ndim))
        raise ValueError(
            f"{name} must be {want}{' with shape ' + layout if layout else ''}, "
            f"got shape {arr.shape}"
        )
    if arr.size == 0:
        raise ValueError(f"{name} must not be empty, got shape {arr.shape}")
    return arr


def _check_dout(dout, shape, layer: str) -> np.ndarray:
    dout = _as_float(dout, "dout")
    if dout.shape != tuple(shape):
        raise ValueError(
            f"dout must have the shape of the {layer} "
            f"forward output {tuple(shape)}, got {dout.shape}"
        )
    return dout


def _check_cache(cache, kind: str):
    if not (isinstance(cache, tuple) and len(cache) >= 1 and cache[0] == kind):
        raise TypeError(
            "cache must be the cache returned by "
            f"{kind}_forward, got {type(cache).__name__}"
        )
    return cache[1:]


def _conv_inputs(x, w, b):
    x = _as_float(x, "x", 4, "(N, C, H, W)")
    w = _as_float(w, "w", 4, "(F, C, kh, kw)")
    if w.shape[1] != x.shape[1]:
        raise ValueError(
            f"w has {w.shape[1]} input channels (shape {w.shape}) "
            f"but x has {x.shape[1]} (shape {x.shape})"
        )
    if b is not None:
        b = _as_float(b, "b", 1, "(F,)")
        if b.shape != (w.shape[0],):
            raise ValueError(
                f"b must have shape ({w.shape[0]},), "
                f"one value per filter, got {b.shape}"
            )
    return x, w, b


def _pool_settings(x, kernel_size, stride, padding):
    x = _as_float(x, "x", 4, "(N, C, H, W)")
    kh, kw = _as_pair(kernel_size, "kernel_size", 1)
    sh, sw = (kh, kw) if stride is None else _as_pair(stride, "stride", 1)
    ph, pw = _as_pair(padding, "padding", 0)
    if 2 * ph > kh or 2 * pw > kw:
        raise ValueError(
            "padding must be at most half the kernel size, "
            f"got padding {(ph, pw)} for kernel {(kh, kw)}"
        )
    return x, (kh, kw), (sh, sw), (ph, pw)


# ---------------------------------------------------------------------------
# convolution
# ---------------------------------------------------------------------------
def conv_forward_naive(x, w, b=None, stride=1, padding=0, dilation=1):
    """Forward pass of a convolutional layer, one output value at a time.

    .. math:: y[n, f, i, j] = b_f + \\sum_{c, u, v} w[f, c, u, v]\\;
              x_{pad}[n, c,\\, i s_h + u d_h,\\, j s_w + v d_w]

    Parameters
    ----------
    x : array_like, shape (N, C, H, W)
    w : array_like, shape (F, C, kh, kw)
    b : array_like, shape (F,), optional
    stride, padding, dilation
        As for :func:`lessons_lib.conv.im2col` (``padding`` may also be
        ``"valid"`` or ``"same"``).

    Returns
    -------
    out : numpy.ndarray, shape (N, F, out_h, out_w)
    cache : tuple
        For :func:`conv_backward_naive`.

    Raises
    ------
    TypeError
        If an array is not numeric or a setting is not an int (pair).
    ValueError
        If the shapes do not match or the kernel does not fit.

    Examples
    --------
    >>> x = np.arange(16.0).reshape(1, 1, 4, 4)
    >>> out, cache = conv_forward_naive(x, np.ones((1, 1, 2, 2)), stride=2)
    >>> out[0, 0].tolist()
    [[10.0, 18.0], [42.0, 50.0]]
    """
    x, w, b = _conv_inputs(x, w, b)
    _, (sh, sw), (dh, dw), (top, bottom, left, right), (out_h, out_w) = (
        _im2col_geometry(x.shape, w.shape[2:], stride, padding, dilation)
    )
    n_images, n_filters = x.shape[0], w.shape[0]
    span_h, span_w = dh * (w.shape[2] - 1) + 1, dw * (w.shape[3] - 1) + 1
    xp = np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)))
    out = np.zeros((n_images, n_filters, out_h, out_w), dtype=np.result_type(x, w))
    for n in range(n_images):
        for f in range(n_filters):
            for i in range(out_h):
                for j in range(out_w):
                    window = xp[
                        n,
                        :,
                        i * sh : i * sh + span_h : dh,
                        j * sw : j * sw + span_w : dw,
                    ]
                    out[n, f, i, j] = np.sum(window * w[f]) + (
                        0.0 if b is None else b[f]
                    )
    geometry = ((sh, sw), (dh, dw), (top, bottom, left, right))
    return out, ("conv_naive", xp, x.shape, w, b is not None, geometry, out.shape)


def conv_backward_naive(dout, cache):
    """Backward pass of :func:`conv_forward_naive`, one output value at a time.

    Each output value ``y[n, f, i, j]`` came from one window of the padded
    input and the whole filter ``w[f]``; its gradient ``g`` flows back as
    ``g * window`` into ``dw[f]`` and as ``g * w[f]`` into the window of
    ``dx``. Summing over all outputs gives

    .. math::

        \\frac{\\partial L}{\\partial w} = \\text{(input)} \\star g, \\qquad
        \\frac{\\partial L}{\\partial x} = g \\ast w \\;\\text{(full convolution)}.

    Parameters
    ----------
    dout : array_like, shape (N, F, out_h, out_w)
    cache : tuple
        From :func:`conv_forward_naive`.

    Returns
    -------
    dx : numpy.ndarray, shape (N, C, H, W)
    dw : numpy.ndarray, shape (F, C, kh, kw)
    db : numpy.ndarray, shape (F,), or None if the forward pass had no bias

    Raises
    ------
    ValueError
        If ``dout`` does not have the forward output's shape.

    Examples
    --------
    >>> out, cache = conv_forward_naive(
    ...     np.ones((1, 1, 3, 3)), np.ones((1, 1, 2, 2)), np.zeros(1)
    ... )
    >>> dx, dw, db = conv_backward_naive(np.ones_like(out), cache)
    >>> dx[0, 0].tolist(), db.tolist()
    ([[1.0, 2.0, 1.0], [2.0, 4.0, 2.0], [1.0, 2.0, 1.0]], [4.0])
    """
    xp, x_shape, w, has_bias, ((sh, sw), (dh, dw), (top, _, left, _)), out_shape = (
        _check_cache(cache, "conv_naive")
    )
    dout = _check_dout(dout, out_shape, "convolution")
    n_images, n_filters, out_h, out_w = out_shape
    span_h, span_w = dh * (w.shape[2] - 1) + 1, dw * (w.shape[3] - 1) + 1
    dxp = np.zeros(xp.shape, dtype=np.result_type(xp, dout))
    dw_ = np.zeros(w.shape, dtype=np.result_type(w, dout))
    for n in range(n_images):
        for f in range(n_filters):
            for i in range(out_h):
                for j in range(out_w):
                    rows = slice(i * sh, i * sh + span_h, dh)
                    cols = slice(j * sw, j * sw + span_w, dw)
                    dw_[f] += dout[n, f, i, j] * xp[n, :, rows, cols]
                    dxp[n, :, rows, cols] += dout[n, f, i, j] * w[f]
    dx = dxp[:, :, top : top + x_shape[2], left : left + x_shape[3]]
    db = dout.sum(axis=(0, 2, 3)) if has_bias else None
    return dx, dw_, db


def conv_forward(x, w, b=None, stride=1, padding=0, dilation=1):
    """Forward pass of a convolutional layer as im2col and one matrix product.

    Same result as :func:`conv_forward_naive`, many times faster: every
    receptive field becomes a column (:func:`lessons_lib.conv.im2col`) and all
    filters multiply all columns at once.

    Parameters
    ----------
    x, w, b, stride, padding, dilation
        As for :func:`conv_forward_naive`.

    Returns
    -------
    out : numpy.ndarray, shape (N, F, out_h, out_w)
    cache : tuple
        For :func:`conv_backward`.

    Raises
    ------
    TypeError, ValueError
        As :func:`conv_forward_naive`.

    Examples
    --------
    >>> x = np.arange(9.0).reshape(1, 1, 3, 3)
    >>> out, _ = conv_forward(x, np.ones((2, 1, 2, 2)), np.array([0.0, 100.0]))
    >>> out[0].tolist()
    [[[8.0, 12.0], [20.0, 24.0]], [[108.0, 112.0], [120.0, 124.0]]]
    """
    x, w, b = _conv_inputs(x, w, b)
    _, _, _, _, (out_h, out_w) = _im2col_geometry(
        x.shape, w.shape[2:], stride, padding, dilation
    )
    cols = im2col(x, w.shape[2:], stride, padding, dilation).astype(
        np.result_type(x, w), copy=False
    )
    out = np.matmul(w.reshape(w.shape[0], -1), cols)
    if b is not None:
        out = out + b[:, None]
    out = out.reshape(x.shape[0], w.shape[0], out_h, out_w)
    settings = (w.shape[2:], stride, padding, dilation)
    return out, ("conv", cols, x.shape, w, b is not None, settings, out.shape)


def conv_backward(dout, cache):
    """Backward pass of :func:`conv_forward` with matrix products and col2im.

    With ``cols`` the im2col matrix and ``G`` the upstream gradient reshaped
    to ``(N, F, L)``: ``dw = sum_n G[n] @ cols[n].T``, ``dcols = w.T @ G``,
    and ``dx = col2im(dcols)`` adds each column back onto the pixels it came
    from.

    Parameters
    ----------
    dout : array_like, shape (N, F, out_h, out_w)
    cache : tuple
        From :func:`conv_forward`.

    Returns
    -------
    dx, dw, db
        As :func:`conv_backward_naive`.

    Raises
    ------
    ValueError
        If ``dout`` does not have the forward output's shape.

    Examples
    --------
    >>> out, cache = conv_forward(np.ones((1, 1, 3, 3)), np.ones((1, 1, 2, 2)))
    >>> conv_backward(np.ones_like(out), cache)[0][0, 0].tolist()
    [[1.0, 2.0, 1.0], [2.0, 4.0, 2.0], [1.0, 2.0, 1.0]]
    """
    cols, x_shape, w, has_bias, (kernel, stride, padding, dilation), out_shape = (
        _check_cache(cache, "conv")
    )
    dout = _check_dout(dout, out_shape, "convolution")
    n_images, n_filters = out_shape[:2]
    grad = dout.reshape(n_images, n_filters, -1)
    dw = np.einsum("nfl,nkl->fk", grad, cols).reshape(w.shape)
    dcols = np.matmul(w.reshape(n_filters, -1).T, grad)
    dx = col2im(dcols, tuple(x_shape), kernel, stride, padding, dilation)
    db = dout.sum(axis=(0, 2, 3)) if has_bias else None
    return dx, dw, db


# ---------------------------------------------------------------------------
# pooling
# ---------------------------------------------------------------------------
def max_pool_forward_naive(x, kernel_size, stride=None):
    """Max pooling, window by window, remembering where each maximum was.

    Parameters
    ----------
    x : array_like, shape (N, C, H, W)
    kernel_size : int or (int, int)
    stride : int or (int, int), optional
        Defaults to ``kernel_size`` (windows side by side).

    Returns
    -------
    out : numpy.ndarray, shape (N, C, out_h, out_w)
    cache : tuple
        For :func:`max_pool_backward_naive`.

    Raises
    ------
    TypeError, ValueError
        If ``x`` is not a numeric 4-D array or a size is out of range.

    Examples
    --------
    >>> x = np.array([[[[1.0, 5.0, 2.0, 0.0], [3.0, 4.0, 8.0, 6.0]]]])
    >>> max_pool_forward_naive(x, 2)[0][0, 0].tolist()
    [[5.0, 8.0]]
    """
    x, (kh, kw), (sh, sw), _ = _pool_settings(x, kernel_size, stride, 0)
    _, _, _, _, (out_h, out_w) = _im2col_geometry(x.shape, (kh, kw), (sh, sw), 0, 1)
    n_images, channels = x.shape[:2]
    out = np.zeros((n_images, channels, out_h, out_w), dtype=x.dtype)
    for n in range(n_images):
        for c in range(channels):
            for i in range(out_h):
                for j in range(out_w):
                    out[n, c, i, j] = x[
                        n, c, i * sh : i * sh + kh, j * sw : j * sw + kw
                    ].max()
    return out, ("max_pool_naive", x, (kh, kw), (sh, sw), out.shape)


def max_pool_backward_naive(dout, cache):
    """Backward pass of max pooling: each window's gradient goes to its arg-max.

    The other inputs of the window did not change the output, so their
    gradient is zero. When the maximum is tied, the first one in reading
    order gets the gradient (as in PyTorch); overlapping windows add up.

    Parameters
    ----------
    dout : array_like, shape (N, C, out_h, out_w)
    cache : tuple
        From :func:`max_pool_forward_naive`.

    Returns
    -------
    dx : numpy.ndarray, shape (N, C, H, W)

    Raises
    ------
    ValueError
        If ``dout`` does not have the forward output's shape.

    Examples
    --------
    >>> x = np.array([[[[1.0, 5.0, 2.0, 0.0], [3.0, 4.0, 8.0, 6.0]]]])
    >>> out, cache = max_pool_forward_naive(x, 2)
    >>> max_pool_backward_naive(np.array([[[[10.0, 20.0]]]]), cache)[0, 0].tolist()
    [[0.0, 10.0, 0.0, 0.0], [0.0, 0.0, 20.0, 0.0]]
    """
    x, (kh, kw), (sh, sw), out_shape = _check_cache(cache, "max_pool_naive")
    dout = _check_dout(dout, out_shape, "max-pooling")
    dx = np.zeros(x.shape, dtype=np.result_type(x, dout))
    n_images, channels, out_h, out_w = out_shape
    for n in range(n_images):
        for c in range(channels):
            for i in range(out_h):
                for j in range(out_w):
                    window = x[n, c, i * sh : i * sh + kh, j * sw : j * sw + kw]
                    u, v = np.unravel_index(np.argmax(window), window.shape)
                    dx[n, c, i * sh + u, j * sw + v] += dout[n, c, i, j]
    return dx


def _pool_columns(x, kernel, stride, padding, fill):
    """Every pooling window as a column: (N*C, kh*kw, L), padded with ``fill``."""
    n_images, channels, h, w = x.shape
    ph, pw = padding
    padded = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=fill)
    cols = im2col(
        padded.reshape(n_images * channels, 1, h + 2 * ph, w + 2 * pw), kernel, stride
    )
    return cols, padded.shape


def max_pool_forward(x, kernel_size, stride=None, padding=0):
    """Max pooling with im2col: every window a column, one ``argmax`` for all.

    Parameters
    ----------
    x : array_like, shape (N, C, H, W)
    kernel_size : int or (int, int)
    stride : int or (int, int), optional
        Defaults to ``kernel_size``.
    padding : int or (int, int)
        Implicit ``-inf`` on each side (never the maximum), at most half the
        kernel, as in PyTorch.

    Returns
    -------
    out : numpy.ndarray, shape (N, C, out_h, out_w)
    cache : tuple
        For :func:`max_pool_backward`.

    Raises
    ------
    TypeError, ValueError
        If ``x`` is not a numeric 4-D array or a size is out of range.

    Examples
    --------
    >>> x = np.array([[[[1.0, 5.0, 2.0], [3.0, 4.0, 8.0]]]])
    >>> max_pool_forward(x, 2, stride=1)[0][0, 0].tolist()
    [[5.0, 8.0]]
    """
    x, kernel, stride_hw, padding_hw = _pool_settings(x, kernel_size, stride, padding)
    cols, padded_shape = _pool_columns(x, kernel, stride_hw, padding_hw, -np.inf)
    _, _, _, _, (out_h, out_w) = _im2col_geometry(padded_shape, kernel, stride_hw, 0, 1)
    arg = np.argmax(cols, axis=1)
    out = np.take_along_axis(cols, arg[:, None, :], axis=1)[:, 0, :]
    out = out.reshape(x.shape[0], x.shape[1], out_h, out_w)
    return out, (
        "max_pool",
        arg,
        cols.shape,
        x.shape,
        padded_shape,
        kernel,
        stride_hw,
        padding_hw,
        out.shape,
    )


def max_pool_backward(dout, cache):
    """Backward pass of :func:`max_pool_forward`: scatter to the arg-max, then col2im.

    Parameters
    ----------
    dout : array_like, shape (N, C, out_h, out_w)
    cache : tuple
        From :func:`max_pool_forward`.

    Returns
    -------
    dx : numpy.ndarray, shape (N, C, H, W)

    Raises
    ------
    ValueError
        If ``dout`` does not have the forward output's shape.

    Examples
    --------
    >>> x = np.array([[[[1.0, 5.0, 2.0], [3.0, 4.0, 8.0]]]])
    >>> out, cache = max_pool_forward(x, 2, stride=1)
    >>> max_pool_backward(np.ones_like(out), cache)[0, 0].tolist()
    [[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
    """
    arg, cols_shape, x_shape, padded_shape, kernel, stride, (ph, pw), out_shape = (
        _check_cache(cache, "max_pool")
    )
    dout = _check_dout(dout, out_shape, "max-pooling")
    dcols = np.zeros(cols_shape, dtype=dout.dtype)
    np.put_along_axis(
        dcols, arg[:, None, :], dout.reshape(cols_shape[0], 1, -1), axis=1
    )
    n_maps = cols_shape[0]
    dpadded = col2im(dcols, (n_maps, 1) + tuple(padded_shape[2:]), kernel, stride)
    h, w = x_shape[2:]
    return dpadded.reshape(padded_shape)[:, :, ph : ph + h, pw : pw + w]


def avg_pool_forward(x, kernel_size, stride=None, padding=0):
    """Average pooling with im2col (padding counts as zeros, PyTorch's default).

    Parameters
    ----------
    x : array_like, shape (N, C, H, W)
    kernel_size : int or (int, int)
    stride : int or (int, int), optional
        Defaults to ``kernel_size``.
    padding : int or (int, int)
        Zeros on each side, included in every average, at most half the kernel.

    Returns
    -------
    out : numpy.ndarray, shape (N, C, out_h, out_w)
    cache : tuple
        For :func:`avg_pool_backward`.

    Raises
    ------
    TypeError, ValueError
        If ``x`` is not a numeric 4-D array or a size is out of range.

    Examples
    --------
    >>> x = np.array([[[[1.0, 5.0, 2.0, 0.0], [3.0, 7.0, 8.0, 6.0]]]])
    >>> avg_pool_forward(x, 2)[0][0, 0].tolist()
    [[4.0, 4.0]]
    """
    x, kernel, stride_hw, padding_hw = _pool_settings(x, kernel_size, stride, padding)
    cols, padded_shape = _pool_columns(x, kernel, stride_hw, padding_hw, 0.0)
    _, _, _, _, (out_h, out_w) = _im2col_geometry(padded_shape, kernel, stride_hw, 0, 1)
    out = cols.mean(axis=1).reshape(x.shape[0], x.shape[1], out_h, out_w)
    return out, (
        "avg_pool",
        cols.shape,
        x.shape,
        padded_shape,
        kernel,
        stride_hw,
        padding_hw,
        out.shape,
    )


def avg_pool_backward(dout, cache):
    """Backward pass of average pooling: each window's gradient is shared equally.

    Every input of a ``kh x kw`` window gets ``dout / (kh * kw)``; inputs in
    several windows add up their shares.

    Parameters
    ----------
    dout : array_like, shape (N, C, out_h, out_w)
    cache : tuple
        From :func:`avg_pool_forward`.

    Returns
    -------
    dx : numpy.ndarray, shape (N, C, H, W)

    Raises
    ------
    ValueError
        If ``dout`` does not have the forward output's shape.

    Examples
    --------
    >>> out, cache = avg_pool_forward(np.zeros((1, 1, 2, 4)), 2)
    >>> avg_pool_backward(np.array([[[[4.0, 8.0]]]]), cache)[0, 0].tolist()
    [[1.0, 1.0, 2.0, 2.0], [1.0, 1.0, 2.0, 2.0]]
    """
    cols_shape, x_shape, padded_shape, kernel, stride, (ph, pw), out_shape = (
        _check_cache(cache, "avg_pool")
    )
    dout = _check_dout(dout, out_shape, "average-pooling")
    share = dout.reshape(cols_shape[0], 1, -1) / (kernel[0] * kernel[1])
    dcols = np.broadcast_to(share, cols_shape)
    dpadded = col2im(
        np.ascontiguousarray(dcols),
        (cols_shape[0], 1) + tuple(padded_shape[2:]),
        kernel,
        stride,
    )
    h, w = x_shape[2:]
    return dpadded.reshape(padded_shape)[:, :, ph : ph + h, pw : pw + w]


# ---------------------------------------------------------------------------
# activations, flatten, dense
# ---------------------------------------------------------------------------
def relu_forward(x):
    """ReLU, :math:`\\max(0, x)`, element by element.

    Returns
    -------
    out : numpy.ndarray
    cache : tuple
        For :func:`relu_backward`.

    Examples
    --------
    >>> relu_forward([-2.0, 0.0, 3.0])[0].tolist()
    [0.0, 0.0, 3.0]
    """
    x = _as_float(x, "x")
    return np.maximum(x, 0), ("relu", x)


def relu_backward(dout, cache):
    """Gradient of ReLU: passes ``dout`` where the input was positive, else 0.

    At exactly 0 the gradient is taken as 0, as PyTorch does.

    Examples
    --------
    >>> out, cache = relu_forward([-2.0, 0.0, 3.0])
    >>> relu_backward([5.0, 5.0, 5.0], cache).tolist()
    [0.0, 0.0, 5.0]
    """
    (x,) = _check_cache(cache, "relu")
    dout = _check_dout(dout, x.shape, "ReLU")
    return np.where(x > 0, dout, 0.0)


def sigmoid_forward(x):
    """The logistic sigmoid :math:`\\sigma(x) = 1 / (1 + e^{-x})`, without overflow.

    Examples
    --------
    >>> sigmoid_forward([0.0])[0].tolist()
    [0.5]
    """
    x = _as_float(x, "x")
    out = np.exp(-np.logaddexp(0.0, -x))
    return out, ("sigmoid", out)


def sigmoid_backward(dout, cache):
    """Gradient of the sigmoid: :math:`\\sigma'(x) = \\sigma(x)(1 - \\sigma(x))`.

    Examples
    --------
    >>> out, cache = sigmoid_forward([0.0])
    >>> sigmoid_backward([1.0], cache).tolist()
    [0.25]
    """
    (out,) = _check_cache(cache, "sigmoid")
    dout = _check_dout(dout, out.shape, "sigmoid")
    return dout * out * (1.0 - out)


def tanh_forward(x):
    """The hyperbolic tangent, element by element.

    Examples
    --------
    >>> tanh_forward([0.0])[0].tolist()
    [0.0]
    """
    x = _as_float(x, "x")
    out = np.tanh(x)
    return out, ("tanh", out)


def tanh_backward(dout, cache):
    """Gradient of tanh: :math:`1 - \\tanh^2(x)`.

    Examples
    --------
    >>> out, cache = tanh_forward([0.0])
    >>> tanh_backward([2.0], cache).tolist()
    [2.0]
    """
    (out,) = _check_cache(cache, "tanh")
    dout = _check_dout(dout, out.shape, "tanh")
    return dout * (1.0 - out**2)


def flatten_forward(x):
    """Flatten every axis but the first: ``(N, C, H, W)`` becomes ``(N, C*H*W)``.

    The order is C, then H, then W, as ``torch.flatten(x, 1)``.

    Examples
    --------
    >>> flatten_forward(np.zeros((2, 3, 4, 5)))[0].shape
    (2, 60)
    """
    x = _as_float(x, "x")
    if x.ndim < 2:
        raise ValueError(
            f"x must have a batch axis and at least one more, got shape {x.shape}"
        )
    return x.reshape(x.shape[0], -1), ("flatten", x.shape)


def flatten_backward(dout, cache):
    """Gradient of flatten: reshape ``dout`` back to the input's shape.

    Examples
    --------
    >>> out, cache = flatten_forward(np.zeros((2, 3, 4)))
    >>> flatten_backward(np.ones((2, 12)), cache).shape
    (2, 3, 4)
    """
    (shape,) = _check_cache(cache, "flatten")
    dout = _check_dout(dout, (shape[0], int(np.prod(shape[1:]))), "flatten")
    return dout.reshape(shape)


def dense_forward(x, w, b=None):
    """A fully connected (dense, linear) layer: :math:`y = x W^T + b`.

    Parameters
    ----------
    x : array_like, shape (N, D)
    w : array_like, shape (M, D)
        PyTorch's ``nn.Linear(D, M).weight`` layout.
    b : array_like, shape (M,), optional

    Returns
    -------
    out : numpy.ndarray, shape (N, M)
    cache : tuple
        For :func:`dense_backward`.

    Raises
    ------
    ValueError
        If ``x`` is not 2-D (flatten it first) or the sizes do not match.

    Examples
    --------
    >>> dense_forward([[1.0, 2.0]], [[1.0, 1.0], [0.0, 3.0]], [0.5, 0.0])[0].tolist()
    [[3.5, 6.0]]
    """
    x = _as_float(x, "x", 2, "(N, D); flatten images first")
    w = _as_float(w, "w", 2, "(M, D)")
    if w.shape[1] != x.shape[1]:
        raise ValueError(
            f"x has {x.shape[1]} features (shape {x.shape}) "
            f"but w expects {w.shape[1]} (shape {w.shape})"
        )
    out = x @ w.T
    if b is not None:
        b = _as_float(b, "b", 1, "(M,)")
        if b.shape != (w.shape[0],):
            raise ValueError(
                f"b must have shape ({w.shape[0]},), "
                f"one value per output, got {b.shape}"
            )
        out = out + b
    return out, ("dense", x, w, b is not None, out.shape)


def dense_backward(dout, cache):
    """Backward pass of :func:`dense_forward`.

    .. math:: \\frac{\\partial L}{\\partial x} = G W, \\quad
              \\frac{\\partial L}{\\partial W} = G^T x, \\quad
              \\frac{\\partial L}{\\partial b} = \\textstyle\\sum_n G_n

    Returns
    -------
    dx : numpy.ndarray, shape (N, D)
    dw : numpy.ndarray, shape (M, D)
    db : numpy.ndarray, shape (M,), or None without a bias

    Examples
    --------
    >>> out, cache = dense_forward([[1.0, 2.0]], [[1.0, 1.0], [0.0, 3.0]])
    >>> [g.tolist() for g in dense_backward([[1.0, 0.0]], cache)[:2]]
    [[[1.0, 1.0]], [[1.0, 2.0], [0.0, 0.0]]]
    """
    x, w, has_bias, out_shape = _check_cache(cache, "dense")
    dout = _check_dout(dout, out_shape, "dense")
    return dout @ w, dout.T @ x, (dout.sum(axis=0) if has_bias else None)


# ---------------------------------------------------------------------------
# losses
# ---------------------------------------------------------------------------
def softmax(scores):
    """Softmax along the last axis, shifted by the maximum so that it cannot overflow.

    .. math:: p_k = \\frac{e^{s_k}}{\\sum_j e^{s_j}}

    Examples
    --------
    >>> softmax([[0.0, 0.0], [1000.0, 1000.0]]).tolist()
    [[0.5, 0.5], [0.5, 0.5]]
    """
    scores = _as_float(scores, "scores")
    shifted = np.exp(scores - scores.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


def softmax_cross_entropy(scores, y):
    """Softmax cross-entropy loss and its gradient.

    The loss is the mean cross-entropy of the softmax ``p`` of ``scores`` with
    the true classes ``y``:

    .. math::

        L = -\\frac{1}{N}\\sum_n \\log p_{n, y_n}, \\qquad
        \\frac{\\partial L}{\\partial s_{n,k}} = \\frac{p_{n,k} - [k = y_n]}{N}

    Parameters
    ----------
    scores : array_like, shape (N, K)
        Unnormalised class scores (logits).
    y : array_like of int, shape (N,)
        True classes, each in ``0 .. K-1``.

    Returns
    -------
    loss : float
        Equal to ``torch.nn.functional.cross_entropy(scores, y)``.
    dscores : numpy.ndarray, shape (N, K)

    Raises
    ------
    TypeError
        If ``y`` is not an integer array.
    ValueError
        If the shapes do not match or a class is out of range.

    Examples
    --------
    >>> loss, dscores = softmax_cross_entropy([[0.0, 0.0]], [1])
    >>> round(loss, 4), dscores.tolist()
    (0.6931, [[0.5, -0.5]])
    """
    scores = _as_float(scores, "scores", 2, "(N, K)")
    y = np.asarray(y)
    if not np.issubdtype(y.dtype, np.integer):
        raise TypeError(f"y must hold integer class labels, got dtype {y.dtype}")
    if y.shape != (scores.shape[0],):
        raise ValueError(
            f"y must have shape ({scores.shape[0]},), "
            f"one label per row of scores, got {y.shape}"
        )
    if y.min() < 0 or y.max() >= scores.shape[1]:
        raise ValueError(
            f"y must be in 0..{scores.shape[1] - 1} "
            f"(scores has {scores.shape[1]} classes), "
            f"got values from {y.min()} to {y.max()}"
        )
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    n = scores.shape[0]
    loss = -log_probs[np.arange(n), y].mean()
    dscores = np.exp(log_probs)
    dscores[np.arange(n), y] -= 1.0
    return float(loss), dscores / n


def mse_loss(pred, target):
    """Mean squared error and its gradient with respect to ``pred``.

    .. math:: L = \\frac{1}{M}\\sum_i (p_i - t_i)^2, \\qquad
              \\frac{\\partial L}{\\partial p_i} = \\frac{2 (p_i - t_i)}{M}

    Returns
    -------
    loss : float
        Equal to ``torch.nn.functional.mse_loss(pred, target)``.
    dpred : numpy.ndarray, shape of ``pred``

    Raises
    ------
    ValueError
        If ``pred`` and ``target`` differ in shape.

    Examples
    --------
    >>> loss, dpred = mse_loss([1.0, 3.0], [1.0, 1.0])
    >>> loss, dpred.tolist()
    (2.0, [0.0, 2.0])
    """
    pred = _as_float(pred, "pred")
    target = _as_float(target, "target")
    if pred.shape != target.shape:
        raise ValueError(
            "pred and target must have the same shape, "
            f"got {pred.shape} and {target.shape}"
        )
    diff = pred - target
    return float(np.mean(diff**2)), 2.0 * diff / diff.size


# ---------------------------------------------------------------------------
# dropout and batch normalisation
# ---------------------------------------------------------------------------
def dropout_forward(x, p, training=True, rng=None):
    """Inverted dropout: zero each value with probability ``p``, scale up the rest.

    The rest are scaled by ``1/(1-p)``. The scaling keeps every value's
    expectation unchanged, so at evaluation time (``training=False``) the
    layer does nothing.

    Parameters
    ----------
    x : array_like
    p : float
        Probability of dropping a value, in ``[0, 1)``.
    training : bool
    rng : numpy.random.Generator
        Draws the mask; needed when ``training`` is true.

    Returns
    -------
    out : numpy.ndarray
    cache : tuple
        For :func:`dropout_backward` (holds the scaled mask).

    Raises
    ------
    TypeError
        If ``p`` is not a number, ``training`` not a bool, or ``rng`` not a
        Generator while training.
    ValueError
        If ``p`` is outside ``[0, 1)``.

    Examples
    --------
    >>> out, _ = dropout_forward(np.ones(8), 0.5, rng=np.random.default_rng(0))
    >>> sorted(set(out.tolist()))
    [0.0, 2.0]
    """
    x = _as_float(x, "x")
    if not isinstance(p, numbers.Real) or isinstance(p, bool):
        raise TypeError(f"p must be a number, got {p!r}")
    if not 0 <= p < 1:
        raise ValueError(
            f"p must be in [0, 1), the probability of dropping a value; got {p}"
        )
    if not isinstance(training, (bool, np.bool_)):
        raise TypeError(f"training must be True or False, got {training!r}")
    if not training:
        return x.copy(), ("dropout", None, x.shape)
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            "rng must be a numpy.random.Generator "
            f"when training, got {type(rng).__name__}"
        )
    mask = (rng.random(x.shape) >= p).astype(x.dtype) / x.dtype.type(1.0 - p)
    return x * mask, ("dropout", mask, x.shape)


def dropout_backward(dout, cache):
    """Backward pass of dropout: the same mask, the same scaling.

    Examples
    --------
    >>> out, cache = dropout_forward(np.ones(4), 0.5, rng=np.random.default_rng(0))
    >>> bool(np.all(dropout_backward(np.ones(4), cache) == out))
    True
    """
    mask, shape = _check_cache(cache, "dropout")
    dout = _check_dout(dout, shape, "dropout")
    return dout.copy() if mask is None else dout * mask


def _check_bn_state(array, name, channels):
    if not isinstance(array, np.ndarray) or not np.issubdtype(array.dtype, np.floating):
        raise TypeError(
            f"{name} must be a float numpy array (it is "
            f"updated in place), got {type(array).__name__}"
        )
    if array.shape != (channels,):
        raise ValueError(
            f"{name} must have shape ({channels},), "
            f"one value per channel, got {array.shape}"
        )


def batchnorm_forward(
    x, gamma, beta, running_mean, running_var, training=True, momentum=0.1, eps=1e-5
):
    """Batch normalisation of ``(N, D)`` features or ``(N, C, H, W)`` feature maps.

    In training, every channel is normalised with the mean and (biased)
    variance of the batch, over the batch axis and, for maps, over all
    positions; the running statistics are then updated in place, as
    PyTorch's ``nn.BatchNorm1d/2d`` update their buffers (with the unbiased
    variance):

    .. math:: \\hat x = \\frac{x - \\mu_B}{\\sqrt{\\sigma_B^2 + \\epsilon}}, \\quad
              y = \\gamma \\hat x + \\beta, \\quad
              \\mu_{run} \\leftarrow (1 - m)\\,\\mu_{run} + m\\,\\mu_B

    In evaluation the running statistics take the place of the batch's.

    Parameters
    ----------
    x : array_like, shape (N, D) or (N, C, H, W)
    gamma, beta : array_like, shape (D,) or (C,)
        Scale and shift, learned.
    running_mean, running_var : numpy.ndarray of float, shape (D,) or (C,)
        Updated in place when ``training``.
    training : bool
    momentum : float
        Weight of the new batch in the running statistics, in ``[0, 1]``.
    eps : float
        Added to the variance, positive.

    Returns
    -------
    out : numpy.ndarray, shape of ``x``
    cache : tuple
        For :func:`batchnorm_backward`.

    Raises
    ------
    TypeError
        If the running statistics are not float arrays or a flag is not a bool.
    ValueError
        If the shapes do not match, a setting is out of range, or a
        training batch has one value per channel (no variance to measure).

    Examples
    --------
    >>> mean, var = np.zeros(1), np.ones(1)
    >>> out, _ = batchnorm_forward([[1.0], [3.0]], [1.0], [0.0], mean, var)
    >>> out.ravel().round(4).tolist(), mean.tolist(), var.round(4).tolist()
    ([-1.0, 1.0], [0.2], [1.1])
    """
    x = _as_float(x, "x", (2, 4), "(N, D) or (N, C, H, W)")
    channels = x.shape[1]
    gamma = _as_float(gamma, "gamma", 1)
    beta = _as_float(beta, "beta", 1)
    for name, value in (("gamma", gamma), ("beta", beta)):
        if value.shape != (channels,):
            raise ValueError(
                f"{name} must have shape ({channels},), one "
                f"value per channel of x, got {value.shape}"
            )
    _check_bn_state(running_mean, "running_mean", channels)
    _check_bn_state(running_var, "running_var", channels)
    if not isinstance(training, (bool, np.bool_)):
        raise TypeError(f"training must be True or False, got {training!r}")
    for name, value in (("momentum", momentum), ("eps", eps)):
        if not isinstance(value, numbers.Real) or isinstance(value, bool):
            raise TypeError(f"{name} must be a number, got {value!r}")
    if not 0 <= momentum <= 1:
        raise ValueError(f"momentum must be in [0, 1], got {momentum}")
    if not eps > 0:
        raise ValueError(f"eps must be positive, got {eps}")

    axes = (0,) if x.ndim == 2 else (0, 2, 3)
    shape = (1, channels) + (1,) * (x.ndim - 2)
    count = x.size // channels
    if training:
        if count < 2:
            raise ValueError(
                "a training batch needs more than one value "
                f"per channel, got x of shape {x.shape}"
            )
        mean = x.mean(axis=axes)
        var = x.var(axis=axes)
        running_mean *= 1 - momentum
        running_mean += momentum * mean
        running_var *= 1 - momentum
        running_var += momentum * var * count / (count - 1)
    else:
        mean, var = running_mean, running_var
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = (x - mean.reshape(shape)) * inv_std.reshape(shape)
    out = gamma.reshape(shape) * x_hat + beta.reshape(shape)
    return out, ("batchnorm", x_hat, gamma, inv_std, axes, shape, bool(training))


def batchnorm_backward(dout, cache):
    """Backward pass of batch normalisation.

    In training the batch mean and variance depend on every input, which
    gives, per channel over its ``m`` values,

    .. math::

        \\frac{\\partial L}{\\partial x}
        = \\frac{\\gamma}{m\\sqrt{\\sigma_B^2+\\epsilon}}
        \\Big(m\\, g - \\textstyle\\sum g - \\hat x \\sum g \\hat x\\Big),

    with :math:`g = \\partial L / \\partial y`. In evaluation the statistics
    are constants and the layer is a per-channel affine map.

    Returns
    -------
    dx : numpy.ndarray, shape of ``x``
    dgamma, dbeta : numpy.ndarray, shape (C,)

    Examples
    --------
    >>> out, cache = batchnorm_forward(
    ...     [[1.0], [3.0]], [1.0], [0.0], np.zeros(1), np.ones(1)
    ... )
    >>> dx, dgamma, dbeta = batchnorm_backward([[1.0], [1.0]], cache)
    >>> dx.ravel().round(6).tolist(), dbeta.tolist()
    ([0.0, 0.0], [2.0])
    """
    x_hat, gamma, inv_std, axes, shape, training = _check_cache(cache, "batchnorm")
    dout = _check_dout(dout, x_hat.shape, "batch-norm")
    dgamma = np.sum(dout * x_hat, axis=axes)
    dbeta = np.sum(dout, axis=axes)
    g = dout * gamma.reshape(shape)
    if not training:
        return g * inv_std.reshape(shape), dgamma, dbeta
    m = x_hat.size // x_hat.shape[1]
    dx = (inv_std.reshape(shape) / m) * (
        m * g
        - g.sum(axis=axes).reshape(shape)
        - x_hat * np.sum(g * x_hat, axis=axes).reshape(shape)
    )
    return dx, dgamma, dbeta


# ---------------------------------------------------------------------------
# gradient checking
# ---------------------------------------------------------------------------
def numerical_gradient(f, x, dout=None, h=1e-6):
    """Gradient of ``f`` at ``x`` by central differences, one entry at a time.

    ``x`` is changed in place (and restored) and ``f(x)`` called twice per
    entry, so ``f`` may also be a function that ignores its argument and reads
    ``x`` from elsewhere. Use float64: in float32 the differences drown in
    rounding.

    Parameters
    ----------
    f : callable
        ``f(x)`` returns a scalar, or an array when ``dout`` is given.
    x : numpy.ndarray of float
    dout : array_like, optional
        Upstream gradient: the result is then the gradient of
        ``sum(f(x) * dout)``, which is what a layer's backward pass computes.
    h : float
        Step, positive.

    Returns
    -------
    numpy.ndarray, shape of ``x``

    Raises
    ------
    TypeError
        If ``f`` is not callable or ``x`` not a float array.
    ValueError
        If ``h`` is not positive, or ``f`` returns a non-scalar without ``dout``.

    Examples
    --------
    >>> x = np.array([1.0, 2.0])
    >>> numerical_gradient(lambda v: np.sum(v**2), x).round(6).tolist()
    [2.0, 4.0]
    """
    if not callable(f):
        raise TypeError(f"f must be callable, got {type(f).__name__}")
    if not isinstance(x, np.ndarray) or not np.issubdtype(x.dtype, np.floating):
        raise TypeError(
            "x must be a float numpy array (it is "
            f"perturbed in place), got {type(x).__name__}"
            + (f" of dtype {x.dtype}" if isinstance(x, np.ndarray) else "")
        )
    if not isinstance(h, numbers.Real) or isinstance(h, bool) or not h > 0:
        raise ValueError(f"h must be a positive number, got {h!r}")
    if dout is not None:
        dout = _as_float(dout, "dout")
    grad = np.zeros(x.shape, dtype=np.float64)
    for index in np.ndindex(x.shape):
        old = x[index]
        x[index] = old + h
        plus = np.array(f(x), dtype=np.float64, copy=True)
        x[index] = old - h
        minus = np.array(f(x), dtype=np.float64, copy=True)
        x[index] = old
        if dout is None:
            if plus.size != 1:
                raise ValueError(
                    "f must return a scalar when dout is "
                    f"not given, got shape {plus.shape}"
                )
            grad[index] = (plus.item() - minus.item()) / (2 * h)
        else:
            grad[index] = np.sum((plus - minus) * dout) / (2 * h)
    return grad


def relative_error(a, b) -> float:
    """Relative difference of two arrays: ``||a - b|| / (||a|| + ||b||)``.

    0 for equal arrays, 1 for ``b = -a`` or one of them zero; a correct
    float64 gradient checked by central differences scores about 1e-9 or
    less. Two zero arrays score 0.

    Raises
    ------
    ValueError
        If the shapes differ.

    Examples
    --------
    >>> relative_error([1.0, 2.0], [1.0, 2.0]), relative_error([1.0], [3.0])
    (0.0, 0.5)
    """
    a = _as_float(a, "a")
    b = _as_float(b, "b")
    if a.shape != b.shape:
        raise ValueError(
            f"a and b must have the same shape, got {a.shape} and {b.shape}"
        )
    scale = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if scale == 0 else float(np.linalg.norm(a - b) / scale)


def gradient_check(f, inputs, grads, dout=None, h=1e-6):
    """Check analytic gradients against central differences, input by input.

    Parameters
    ----------
    f : callable
        Called as ``f(**inputs)``; returns a scalar loss, or an array when
        ``dout`` is given.
    inputs : dict of str to numpy.ndarray of float
        The arrays to perturb (in place, restored afterwards).
    grads : dict of str to array_like
        The analytic gradient for some or all of ``inputs``, by the same name.
    dout : array_like, optional
        Upstream gradient, as for :func:`numerical_gradient`.
    h : float

    Returns
    -------
    dict of str to float
        The :func:`relative_error` of each gradient in ``grads``.

    Raises
    ------
    TypeError
        If ``inputs`` or ``grads`` is not a dict.
    ValueError
        If ``grads`` names an input that ``inputs`` lacks, or a gradient's
        shape differs from its input's.

    Examples
    --------
    >>> x, w = np.array([[1.0, 2.0]]), np.array([[3.0, -1.0]])
    >>> out, cache = dense_forward(x, w)
    >>> dx, dw, _ = dense_backward(np.ones_like(out), cache)
    >>> errors = gradient_check(lambda x, w: dense_forward(x, w)[0], {"x": x, "w": w},
    ...                         {"x": dx, "w": dw}, dout=np.ones_like(out))
    >>> all(e < 1e-8 for e in errors.values())
    True
    """
    if not isinstance(inputs, dict) or not isinstance(grads, dict):
        raise TypeError("inputs and grads must be dicts that map names to arrays")
    unknown = set(grads) - set(inputs)
    if unknown:
        raise ValueError(
            f"grads names {sorted(unknown)}, which "
            f"inputs lacks (inputs has {sorted(inputs)})"
        )
    errors = {}
    for name, analytic in grads.items():
        analytic = _as_float(analytic, f"grads[{name!r}]")
        if analytic.shape != np.shape(inputs[name]):
            raise ValueError(
                f"grads[{name!r}] has shape {analytic.shape} "
                f"but inputs[{name!r}] has shape "
                f"{np.shape(inputs[name])}"
            )
        numeric = numerical_gradient(
            lambda _: f(**inputs), inputs[name], dout=dout, h=h
        )
        errors[name] = relative_error(analytic, numeric)
    return errors
