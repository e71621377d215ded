"""Looking inside PyTorch models: parameters, multiply-adds and receptive fields.

``model_summary`` is the course's version of Keras' ``model.summary()``: it
runs one batch of zeros through the model, records the output shape of every
leaf module with a forward hook, and counts each module's own parameters
(and, on request, its multiply-adds).

.. math:: \\text{params}(\\texttt{Conv2d}) = C_{out}\\,(C_{in}\\,k_h k_w / g + 1),
          \\qquad \\text{params}(\\texttt{Linear}) = d_{out}\\,(d_{in} + 1)

(drop the ``+ 1`` without a bias; ``g`` is the number of groups).

The cost of a forward pass is counted in **multiply-adds** (one
multiplication and one addition, the unit of a dot product):

.. math:: \\text{MACs}(\\texttt{Conv2d}) = C_{out} H_{out} W_{out}\\,
          (C_{in} / g)\\, k_h k_w, \\qquad
          \\text{MACs}(\\texttt{Linear}) = d_{in}\\, d_{out}

:func:`count_multiply_adds` does not use these formulas: it lets
``torch.utils.flop_counter.FlopCounterMode`` watch the matrix products and
convolutions PyTorch really executes (it counts 2 floating-point operations
per multiply-add), so it works for any model. :func:`conv2d_multiply_adds`
is the formula, for checking it.

The **receptive field** of a unit is the set of input pixels it depends on.
Along a chain of convolutions and poolings with kernels ``k``, strides ``s``
and dilations ``d``, its width grows as

.. math:: r_l = r_{l-1} + (k_l - 1)\\, d_l\\, j_{l-1}, \\qquad
          j_l = j_{l-1}\\, s_l, \\qquad r_0 = j_0 = 1

where ``j`` (the *jump*) is the distance, in input pixels, between two
neighbouring units of a layer. :func:`receptive_field` tabulates this
formula; :func:`measured_receptive_field` measures the same width with
autograd, also for networks with branches and shortcuts.
"""

from __future__ import annotations

import copy
import numbers

__all__ = [
    "count_parameters",
    "conv2d_multiply_adds",
    "count_multiply_adds",
    "model_summary",
    "receptive_field",
    "measured_receptive_field",
]


def _check_module(model):
    import torch

    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")


def _is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _check_input_shape(input_shape, min_ndim=1):
    if not (
        isinstance(input_shape, (tuple, list))
        and len(input_shape) >= 1
        and all(_is_int(v) for v in input_shape)
    ):
        raise TypeError(
            "input_shape must be a tuple of ints, batch axis first, "
            f"got {input_shape!r}"
        )
    if min(input_shape) < 1:
        raise ValueError(
            f"input_shape must have every size at least 1, got {tuple(input_shape)}"
        )
    if len(input_shape) < min_ndim:
        raise ValueError(
            "input_shape must have a batch axis, a channel axis and at least one "
            f"spatial axis, got {tuple(input_shape)}"
        )
    return tuple(int(v) for v in input_shape)


def _model_dtype(model, dtype):
    import torch

    if dtype is None:
        first = next(model.parameters(), None)
        return first.dtype if first is not None else torch.float32
    if not isinstance(dtype, torch.dtype):
        raise TypeError(f"dtype must be a torch.dtype, got {dtype!r}")
    return dtype


def _run_zeros(model, input_shape, dtype):
    """One forward pass of a zeros batch: eval mode, no grad, mode restored."""
    import torch

    was_training = model.training
    try:
        model.eval()
        with torch.no_grad():
            return model(torch.zeros(input_shape, dtype=dtype))
    finally:
        model.train(was_training)


def _leaves(model):
    for name, module in model.named_modules():
        if not any(True for _ in module.children()):
            yield name or type(module).__name__, module


def count_parameters(model, trainable_only: bool = False) -> int:
    """Number of scalar parameters in a model (weights and biases, not buffers).

    Parameters
    ----------
    model : torch.nn.Module
    trainable_only : bool
        Count only parameters with ``requires_grad=True``.

    Returns
    -------
    int

    Raises
    ------
    TypeError
        If ``model`` is not a ``torch.nn.Module`` or ``trainable_only`` not a bool.

    Examples
    --------
    >>> import torch
    >>> count_parameters(torch.nn.Conv2d(3, 32, kernel_size=3))  # 32 * (3*3*3 + 1)
    896
    """
    _check_module(model)
    if not isinstance(trainable_only, bool):
        raise TypeError(f"trainable_only must be True or False, got {trainable_only!r}")
    return sum(
        p.numel() for p in model.parameters() if p.requires_grad or not trainable_only
    )


def _pair(value, name):
    if _is_int(value):
        value = (value, value)
    if not (
        isinstance(value, (tuple, list))
        and len(value) == 2
        and all(map(_is_int, value))
    ):
        raise TypeError(f"{name} must be an int or a pair of ints, got {value!r}")
    if min(value) < 1:
        raise ValueError(f"{name} must be at least 1, got {value!r}")
    return int(value[0]), int(value[1])


def conv2d_multiply_adds(
    in_channels, out_channels, kernel_size, output_size, groups=1
) -> int:
    """Multiply-adds of one 2D convolution on one image, from the formula.

    Every one of the ``C_out * H_out * W_out`` outputs is a dot product of a
    ``(C_in / groups) x k_h x k_w`` window with a filter::

        C_out * H_out * W_out * (C_in / groups) * k_h * k_w

    The bias (one addition per output) is not counted, as in
    ``FlopCounterMode`` and torchvision's tables.

    Parameters
    ----------
    in_channels, out_channels : int
        At least 1, each divisible by ``groups``.
    kernel_size : int or (int, int)
    output_size : int or (int, int)
        ``(H_out, W_out)`` (lesson 5's formula gives it from the input size).
    groups : int
        Number of channel groups (``in_channels`` for a depthwise convolution).

    Returns
    -------
    int

    Raises
    ------
    TypeError
        If an argument is not an int (or a pair of ints where allowed).
    ValueError
        If a size is below 1 or a channel count is not divisible by ``groups``.

    Examples
    --------
    >>> conv2d_multiply_adds(3, 64, 11, 55)  # AlexNet's first layer: 64*55*55*3*11*11
    70276800
    >>> conv2d_multiply_adds(32, 32, 3, 10, groups=32)  # depthwise: 32*10*10*1*3*3
    28800
    """
    for name, value in (
        ("in_channels", in_channels),
        ("out_channels", out_channels),
        ("groups", groups),
    ):
        if not _is_int(value):
            raise TypeError(f"{name} must be an int, got {value!r}")
        if value < 1:
            raise ValueError(f"{name} must be at least 1, got {value!r}")
    k_h, k_w = _pair(kernel_size, "kernel_size")
    h_out, w_out = _pair(output_size, "output_size")
    if in_channels % groups or out_channels % groups:
        raise ValueError(
            f"in_channels ({in_channels}) and out_channels ({out_channels}) must be "
            f"divisible by groups ({groups})"
        )
    return out_channels * h_out * w_out * (in_channels // groups) * k_h * k_w


def _flop_counter():
    from torch.utils.flop_counter import FlopCounterMode

    return FlopCounterMode(display=False)


def count_multiply_adds(model, input_shape, dtype=None) -> int:
    """Multiply-adds of one forward pass of ``model`` on a batch of that shape.

    A batch of zeros goes through the model in evaluation mode without
    gradients (its training flag is restored afterwards), watched by
    ``torch.utils.flop_counter.FlopCounterMode``, which counts the
    floating-point operations of convolutions and matrix products (2 per
    multiply-add); the result is half its total. Element-wise work (ReLU,
    pooling, batch norm, additions of biases and shortcuts) is not counted,
    as in the papers and in torchvision's tables.

    Parameters
    ----------
    model : torch.nn.Module
    input_shape : tuple of int
        Batch axis included: ``(1, 3, 224, 224)`` for one ImageNet image.
    dtype : torch.dtype, optional
        Of the zeros; by default that of the model's first parameter.

    Returns
    -------
    int
        For the whole batch (proportional to the batch size).

    Raises
    ------
    TypeError
        If ``model`` is not a module or ``input_shape`` not a tuple of ints.
    ValueError
        If a size in ``input_shape`` is below 1.

    Examples
    --------
    >>> import torch
    >>> count_multiply_adds(torch.nn.Linear(100, 10), (1, 100))
    1000
    >>> count_multiply_adds(torch.nn.Conv2d(3, 8, 3), (2, 3, 10, 10))  # 2*8*8*8*3*3*3
    27648
    """
    _check_module(model)
    input_shape = _check_input_shape(input_shape)
    dtype = _model_dtype(model, dtype)
    counter = _flop_counter()
    with counter:
        _run_zeros(model, input_shape, dtype)
    return counter.get_total_flops() // 2


def model_summary(model, input_shape, dtype=None, multiply_adds=False):
    """A table of the leaf layers of ``model``: output shape and parameters of each.

    One batch of zeros of shape ``input_shape`` goes through the model in
    evaluation mode (no gradients, the model's training flag is restored
    afterwards). Containers such as ``nn.Sequential`` are not listed, only the
    modules that do the work; each one's parameters are counted once, where
    they live (a module used twice is listed twice, its parameters counted on
    the first use only).

    Parameters
    ----------
    model : torch.nn.Module
    input_shape : tuple of int
        The shape of the input batch, batch axis included, e.g.
        ``(1, 3, 32, 32)``.
    dtype : torch.dtype, optional
        Of the zeros; by default that of the model's first parameter
        (``torch.float32`` for a model without parameters).
    multiply_adds : bool
        Add a column ``multiply-adds``: what each call of the layer cost,
        counted by ``FlopCounterMode`` as in :func:`count_multiply_adds`
        (for the whole batch). Its sum equals :func:`count_multiply_adds`
        when all products happen inside leaf modules, as in an
        ``nn.Sequential``; a product written in a container's own
        ``forward`` (``x @ w``) is counted by :func:`count_multiply_adds`
        but belongs to no row.

    Returns
    -------
    pandas.DataFrame
        Columns ``layer`` (the module's name in the model), ``type``,
        ``output shape`` (a tuple, batch axis included) and ``parameters``
        (then ``multiply-adds``, on request); ``df["parameters"].sum()``
        equals :func:`count_parameters` when every parameter is used in the
        forward pass.

    Raises
    ------
    TypeError
        If ``model`` is not a module, ``input_shape`` is not a tuple of ints
        or ``multiply_adds`` is not a bool.
    ValueError
        If a size in ``input_shape`` is below 1.

    Examples
    --------
    >>> import torch
    >>> from torch import nn
    >>> net = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.Flatten())
    >>> model_summary(net, (1, 1, 9, 9)).values.tolist()
    [['0', 'Conv2d', (1, 2, 7, 7), 20], ['1', 'ReLU', (1, 2, 7, 7), 0], \
['2', 'Flatten', (1, 98), 0]]
    >>> model_summary(net, (1, 1, 9, 9), multiply_adds=True)["multiply-adds"].tolist()
    [882, 0, 0]
    """
    import pandas as pd
    import torch

    _check_module(model)
    input_shape = _check_input_shape(input_shape)
    dtype = _model_dtype(model, dtype)
    if not isinstance(multiply_adds, bool):
        raise TypeError(f"multiply_adds must be True or False, got {multiply_adds!r}")

    counter = _flop_counter() if multiply_adds else None
    rows, seen, hooks, started = [], set(), [], {}

    def before(module, inputs):
        started.setdefault(id(module), []).append(counter.get_total_flops())

    def record(name):
        def hook(module, inputs, output):
            own = [p for p in module.parameters(recurse=False) if id(p) not in seen]
            seen.update(id(p) for p in own)
            shape = tuple(output.shape) if isinstance(output, torch.Tensor) else None
            row = [name, type(module).__name__, shape, sum(p.numel() for p in own)]
            if counter is not None:
                start = started[id(module)].pop()
                row.append((counter.get_total_flops() - start) // 2)
            rows.append(row)

        return hook

    for name, module in _leaves(model):
        if counter is not None:
            hooks.append(module.register_forward_pre_hook(before))
        hooks.append(module.register_forward_hook(record(name)))
    try:
        if counter is not None:
            with counter:
                _run_zeros(model, input_shape, dtype)
        else:
            _run_zeros(model, input_shape, dtype)
    finally:
        for handle in hooks:
            handle.remove()
    columns = ["layer", "type", "output shape", "parameters"]
    return pd.DataFrame(rows, columns=columns + ["multiply-adds"] * multiply_adds)


# ---------------------------------------------------------------------------
# receptive fields
# ---------------------------------------------------------------------------
def _ntuple(value, n):
    if isinstance(value, (tuple, list)):
        return tuple(int(v) for v in value)
    return (int(value),) * n


def _compact(values):
    """(5, 5) -> 5; (5, 3) stays a tuple."""
    values = tuple(values)
    return values[0] if len(set(values)) == 1 else values


def _window(module, name, in_size, out_size, spatial):
    """(kernel, stride, dilation) per spatial axis of a conv or pool, or None."""
    from torch import nn

    if isinstance(module, (nn.Conv1d, nn.Conv2d, nn.Conv3d)):
        if len(module.kernel_size) != spatial:
            return None
        return module.kernel_size, module.stride, module.dilation
    if isinstance(module, (nn.MaxPool1d, nn.MaxPool2d, nn.MaxPool3d)):
        kernel = _ntuple(module.kernel_size, spatial)
        stride = _ntuple(
            module.stride if module.stride else module.kernel_size, spatial
        )
        return kernel, stride, _ntuple(module.dilation, spatial)
    if isinstance(module, (nn.AvgPool1d, nn.AvgPool2d, nn.AvgPool3d)):
        kernel = _ntuple(module.kernel_size, spatial)
        stride = _ntuple(
            module.stride if module.stride else module.kernel_size, spatial
        )
        return kernel, stride, (1,) * spatial
    adaptive = (
        nn.AdaptiveAvgPool1d,
        nn.AdaptiveAvgPool2d,
        nn.AdaptiveAvgPool3d,
        nn.AdaptiveMaxPool1d,
        nn.AdaptiveMaxPool2d,
        nn.AdaptiveMaxPool3d,
    )
    if isinstance(module, adaptive):
        if any(i % o for i, o in zip(in_size, out_size)):
            raise ValueError(
                f"layer {name!r} pools a {in_size} map to {out_size}: its windows "
                "differ in size, so its units have different receptive fields; "
                "pass the part of the model before it (e.g. model.features)"
            )
        ratio = tuple(i // o for i, o in zip(in_size, out_size))
        return ratio, ratio, (1,) * spatial
    return None


def receptive_field(model, input_shape, dtype=None):
    """The receptive field of every convolution and pooling layer, by the formula.

    The layers are taken in the order the forward pass calls them (found
    with forward hooks on a batch of zeros, as in :func:`model_summary`),
    and the formula assumes each one feeds the next:

    .. math:: r_l = r_{l-1} + (k_l - 1)\\, d_l\\, j_{l-1}, \\qquad
              j_l = j_{l-1}\\, s_l, \\qquad r_0 = j_0 = 1

    That holds for a chain (``nn.Sequential``, AlexNet, VGG); for networks
    with parallel branches or shortcuts (Inception, ResNet) the listed
    layers are not one chain: measure with :func:`measured_receptive_field`.
    Padding changes where a receptive field lies, not its width. Adaptive
    pooling counts as a pooling with kernel = stride = input size / output
    size when that ratio is a whole number (and raises otherwise).

    Parameters
    ----------
    model : torch.nn.Module
    input_shape : tuple of int
        ``(N, C, H, W)`` (or one or three spatial axes).
    dtype : torch.dtype, optional
        Of the zeros; by default that of the model's first parameter.

    Returns
    -------
    pandas.DataFrame
        One row per layer: ``layer``, ``type``, ``kernel``, ``stride``,
        ``dilation``, ``output size`` (spatial), ``receptive field`` (in
        input pixels) and ``jump`` (the product of the strides so far). A
        value is an int when it is the same along every spatial axis, a
        tuple otherwise.

    Raises
    ------
    TypeError
        If ``model`` is not a module or ``input_shape`` not a tuple of ints.
    ValueError
        If ``input_shape`` has no spatial axis, the model has no convolution
        or pooling layer, or an adaptive pooling has windows of unequal size.

    Examples
    --------
    >>> from torch import nn
    >>> net = nn.Sequential(nn.Conv2d(1, 4, 3), nn.MaxPool2d(2), nn.Conv2d(4, 4, 3))
    >>> table = receptive_field(net, (1, 1, 16, 16))
    >>> table[["receptive field", "jump"]].values.tolist()
    [[3, 1], [4, 2], [8, 2]]
    """
    import pandas as pd
    import torch

    _check_module(model)
    input_shape = _check_input_shape(input_shape, min_ndim=3)
    dtype = _model_dtype(model, dtype)
    spatial = len(input_shape) - 2
    calls, hooks = [], []

    def record(name):
        def hook(module, inputs, output):
            if inputs and isinstance(inputs[0], torch.Tensor):
                if inputs[0].ndim == spatial + 2 and output.ndim == spatial + 2:
                    in_size = tuple(inputs[0].shape[2:])
                    calls.append((name, module, in_size, tuple(output.shape[2:])))

        return hook

    for name, module in _leaves(model):
        hooks.append(module.register_forward_hook(record(name)))
    try:
        _run_zeros(model, input_shape, dtype)
    finally:
        for handle in hooks:
            handle.remove()

    rows = []
    field, jump = (1,) * spatial, (1,) * spatial
    for name, module, in_size, out_size in calls:
        window = _window(module, name, in_size, out_size, spatial)
        if window is None:
            continue
        kernel, stride, dilation = window
        field = tuple(
            r + (k - 1) * d * j for r, k, d, j in zip(field, kernel, dilation, jump)
        )
        jump = tuple(j * s for j, s in zip(jump, stride))
        rows.append(
            [
                name,
                type(module).__name__,
                _compact(kernel),
                _compact(stride),
                _compact(dilation),
                _compact(out_size),
                _compact(field),
                _compact(jump),
            ]
        )
    if not rows:
        raise ValueError("model has no convolution or pooling layer")
    columns = ["layer", "type", "kernel", "stride", "dilation", "output size"]
    return pd.DataFrame(rows, columns=columns + ["receptive field", "jump"])


def _positive_copy(model):
    """A float64 copy whose every path from input to output has a positive gain.

    Convolutions and dense layers average their inputs (all weights
    1 / fan-in, biases 0), batch norms pass their input through unchanged,
    and max poolings become average poolings, which pass a gradient to
    every element of their window (a max pooling passes it to one).
    """
    import torch
    from torch import nn

    averaging = {
        nn.MaxPool1d: nn.AvgPool1d,
        nn.MaxPool2d: nn.AvgPool2d,
        nn.MaxPool3d: nn.AvgPool3d,
        nn.AdaptiveMaxPool1d: nn.AdaptiveAvgPool1d,
        nn.AdaptiveMaxPool2d: nn.AdaptiveAvgPool2d,
        nn.AdaptiveMaxPool3d: nn.AdaptiveAvgPool3d,
    }

    def swapped(name, module):
        kind = type(module)
        if kind not in averaging:
            return module
        if kind.__name__.startswith("Adaptive"):
            return averaging[kind](module.output_size)
        if any(d != 1 for d in _ntuple(module.dilation, 1)):
            raise ValueError(
                "measured_receptive_field does not handle dilated max pooling "
                f"({name!r})"
            )
        return averaging[kind](
            module.kernel_size,
            module.stride,
            module.padding,
            ceil_mode=module.ceil_mode,
        )

    probe = swapped("", copy.deepcopy(model).double().eval())
    for parameter in probe.parameters():
        parameter.requires_grad_(False)  # only the input's gradient is needed
    for parent_name, parent in list(probe.named_modules()):
        for child_name, child in list(parent.named_children()):
            name = f"{parent_name}.{child_name}" if parent_name else child_name
            setattr(parent, child_name, swapped(name, child))
    with torch.no_grad():
        for module in probe.modules():
            if isinstance(module, nn.modules.batchnorm._BatchNorm):
                if module.affine:
                    module.weight.fill_(1.0)
                    module.bias.zero_()
                if module.track_running_stats:
                    module.running_mean.zero_()
                    module.running_var.fill_(1.0)
            elif isinstance(module, (nn.modules.conv._ConvNd, nn.Linear)):
                module.weight.fill_(1.0 / module.weight[0].numel())
                if module.bias is not None:
                    module.bias.zero_()
    return probe


def measured_receptive_field(model, input_shape, layer=None):
    """Width of the input region the centre unit of a feature map depends on.

    Measured with autograd: the gradient of the centre unit (summed over
    channels) with respect to the input is non-zero exactly on the pixels
    that influence it; the result is the extent (last minus first plus one)
    of those pixels along each spatial axis. It works for any model,
    branches and shortcuts included.

    A gradient can be zero by accident (weights that cancel, a ReLU that is
    off, a max pooling that passes it to a single element), so the
    measurement runs on a float64 copy of the model whose convolution and
    dense weights are all ``1 / fan_in`` with zero biases, whose batch norms
    are identities and whose ``nn.MaxPool`` modules are replaced by average
    poolings of the same window, on an input of small positive values
    (``1e-3``). Every path then has a positive gain and no activation is
    switched off, so the result is the structural receptive field, the same
    as the formula of :func:`receptive_field` for a chain. The model itself
    is not changed. Max pooling done with ``F.max_pool2d`` inside a
    ``forward`` cannot be replaced; use ``nn.MaxPool2d`` modules.

    If the receptive field is wider than the input, the measured extent is
    clipped at the border: choose an input larger than the field.

    Parameters
    ----------
    model : torch.nn.Module
    input_shape : tuple of int
        ``(N, C, H, W)`` (or one or three spatial axes); only one image is
        used.
    layer : str, optional
        The name (as in ``model.named_modules()``) of the module whose
        output is measured; by default the model's own output, which must
        then have spatial axes.

    Returns
    -------
    int or tuple of int
        The width in input pixels; a tuple (one per spatial axis) when they
        differ.

    Raises
    ------
    TypeError
        If ``model`` is not a module, ``input_shape`` not a tuple of ints or
        ``layer`` not a string.
    ValueError
        If ``input_shape`` has no spatial axis, ``layer`` is not in the
        model, the measured output has no spatial axes, or the centre unit
        depends on no input pixel.

    Examples
    --------
    >>> from torch import nn
    >>> net = nn.Sequential(nn.Conv2d(1, 4, 3), nn.MaxPool2d(2), nn.Conv2d(4, 4, 3))
    >>> measured_receptive_field(net, (1, 1, 16, 16))
    8
    """
    import torch

    _check_module(model)
    input_shape = _check_input_shape(input_shape, min_ndim=3)
    if layer is not None and not isinstance(layer, str):
        raise TypeError(f"layer must be a module name (a str), got {layer!r}")
    spatial = len(input_shape) - 2
    probe = _positive_copy(model)
    captured = []
    handle = None
    if layer is not None:
        modules = dict(probe.named_modules())
        if layer not in modules:
            raise ValueError(
                f"layer {layer!r} is not a module of the model; names look like "
                f"{[n for n in modules if n][:5]}"
            )
        handle = modules[layer].register_forward_hook(
            lambda module, inputs, output: captured.append(output)
        )
    image = torch.full((1,) + input_shape[1:], 1e-3, dtype=torch.float64)
    image.requires_grad_(True)
    try:
        output = probe(image)
    finally:
        if handle is not None:
            handle.remove()
    if layer is not None:
        output = captured[-1]
    where = f"layer {layer!r}" if layer is not None else "the model"
    if not isinstance(output, torch.Tensor) or output.ndim != spatial + 2:
        shape = tuple(output.shape) if isinstance(output, torch.Tensor) else None
        raise ValueError(
            f"the output of {where} has shape {shape}, not (N, C) plus "
            f"{spatial} spatial axes: pass layer= the name of a module whose "
            "output is a feature map (e.g. layer='features')"
        )
    centre = tuple((size - 1) // 2 for size in output.shape[2:])
    output[(0, slice(None)) + centre].sum().backward()
    influence = image.grad[0].abs().sum(dim=0)
    nonzero = torch.nonzero(influence)
    if len(nonzero) == 0:
        raise ValueError(f"the centre unit of {where} depends on no input pixel")
    extent = nonzero.max(dim=0).values - nonzero.min(dim=0).values + 1
    return _compact(int(v) for v in extent)
