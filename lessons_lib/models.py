"""Looking inside PyTorch models: parameter counts and a layer-by-layer summary.

``model_summary`` is the course's version of Keras' ``model.summary()``: it
runs one batch of zeros through the model, records the output shape of every
leaf module with a forward hook, and counts each module's own parameters.

.. math:: \\text{params}(\\texttt{Conv2d}) = C_{out}\\,(C_{in}\\,k_h k_w + 1), \\qquad
          \\text{params}(\\texttt{Linear}) = d_{out}\\,(d_{in} + 1)

(drop the ``+ 1`` without a bias).
"""

from __future__ import annotations

import numbers

__all__ = ["count_parameters", "model_summary"]


def _check_module(model):
    import torch

    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")


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


def model_summary(model, input_shape, dtype=None):
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

    Returns
    -------
    pandas.DataFrame
        Columns ``layer`` (the module's name in the model), ``type``,
        ``output shape`` (a tuple, batch axis included) and ``parameters``;
        ``df["parameters"].sum()`` equals :func:`count_parameters` when every
        parameter is used in the forward pass.

    Raises
    ------
    TypeError
        If ``model`` is not a module or ``input_shape`` is not a tuple of ints.
    ValueError
        If a size in ``input_shape`` is below 1.

    Examples
    --------
    >>> import torch
    >>> net = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.ReLU(), torch.nn.Flatten())
    >>> model_summary(net, (1, 1, 9, 9)).values.tolist()
    [['0', 'Conv2d', (1, 2, 7, 7), 20], ['1', 'ReLU', (1, 2, 7, 7), 0], ['2', 'Flatten', (1, 98), 0]]
    """
    import pandas as pd
    import torch

    _check_module(model)
    if not (
        isinstance(input_shape, (tuple, list))
        and len(input_shape) >= 1
        and all(
            isinstance(v, numbers.Integral) and not isinstance(v, bool)
            for v in input_shape
        )
    ):
        raise TypeError(
            f"input_shape must be a tuple of ints, batch axis first, got {input_shape!r}"
        )
    if min(input_shape) < 1:
        raise ValueError(
            f"input_shape must have every size at least 1, got {tuple(input_shape)}"
        )
    if dtype is None:
        first = next(model.parameters(), None)
        dtype = first.dtype if first is not None else torch.float32

    rows, seen, hooks = [], set(), []

    def record(name):
        def hook(module, inputs, output):
            own = [p for p in module.parameters(recurse=False) if id(p) not in seen]
            seen.update(id(p) for p in own)
            shape = tuple(output.shape) if isinstance(output, torch.Tensor) else None
            rows.append(
                (name, type(module).__name__, shape, sum(p.numel() for p in own))
            )

        return hook

    for name, module in model.named_modules():
        if not any(True for _ in module.children()):
            hooks.append(
                module.register_forward_hook(record(name or type(module).__name__))
            )
    was_training = model.training
    try:
        model.eval()
        with torch.no_grad():
            model(torch.zeros(tuple(int(v) for v in input_shape), dtype=dtype))
    finally:
        model.train(was_training)
        for handle in hooks:
            handle.remove()
    return pd.DataFrame(rows, columns=["layer", "type", "output shape", "parameters"])
