"""Tests for :mod:`lessons_lib.models`: parameter counts and the layer summary."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from lessons_lib.models import count_parameters, model_summary


def keras_cifar_like():
    """Three 3x3 convolutions with 32, 64, 64 filters and two 2x2 poolings."""
    return nn.Sequential(
        nn.Conv2d(3, 32, 3),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(64, 64, 3),
        nn.ReLU(),
    )


def test_conv_and_linear_counts_follow_the_formulas():
    for c_in, c_out, k in [(1, 1, 1), (3, 32, 3), (32, 64, 5), (64, 64, 3)]:
        assert count_parameters(nn.Conv2d(c_in, c_out, k)) == c_out * (c_in * k * k + 1)
        assert (
            count_parameters(nn.Conv2d(c_in, c_out, k, bias=False))
            == c_out * c_in * k * k
        )
        assert count_parameters(nn.Linear(c_in * 7, c_out)) == c_out * (c_in * 7 + 1)


def test_summary_shapes_and_parameters():
    table = model_summary(keras_cifar_like(), (1, 3, 32, 32))
    assert table["type"].tolist() == ["Conv2d", "ReLU", "MaxPool2d"] * 2 + [
        "Conv2d",
        "ReLU",
    ]
    assert table["output shape"].tolist() == [
        (1, 32, 30, 30),
        (1, 32, 30, 30),
        (1, 32, 15, 15),
        (1, 64, 13, 13),
        (1, 64, 13, 13),
        (1, 64, 6, 6),
        (1, 64, 4, 4),
        (1, 64, 4, 4),
    ]
    conv_rows = table[table["type"] == "Conv2d"]["parameters"].tolist()
    assert conv_rows == [32 * (27 + 1), 64 * (32 * 9 + 1), 64 * (64 * 9 + 1)]
    assert table["parameters"].sum() == count_parameters(keras_cifar_like())


def test_summary_counts_shared_modules_once_and_restores_mode():
    shared = nn.Linear(4, 4)
    model = nn.Sequential(shared, nn.Tanh(), shared)
    model.train()
    table = model_summary(model, (2, 4))
    assert table["parameters"].tolist() == [20, 0, 0]
    assert model.training
    assert count_parameters(model) == 20
    model[0].weight.requires_grad_(False)
    assert count_parameters(model, trainable_only=True) == 4


def test_summary_uses_the_model_dtype():
    table = model_summary(nn.Linear(3, 2).double(), (5, 3))
    assert table["output shape"].tolist() == [(5, 2)]


@pytest.mark.parametrize(
    ("args", "error", "match"),
    [
        (("not a model", (1, 3)), TypeError, "model must be a torch.nn.Module"),
        ((nn.Linear(3, 2), 3), TypeError, "input_shape must be a tuple of ints"),
        ((nn.Linear(3, 2), (1, 3.0)), TypeError, "input_shape must be a tuple of ints"),
        ((nn.Linear(3, 2), (0, 3)), ValueError, "at least 1"),
    ],
)
def test_summary_bad_arguments(args, error, match):
    with pytest.raises(error, match=match):
        model_summary(*args)


def test_count_parameters_bad_arguments():
    with pytest.raises(TypeError, match="model must be"):
        count_parameters([torch.zeros(3)])
    with pytest.raises(TypeError, match="trainable_only"):
        count_parameters(nn.Linear(2, 2), trainable_only=1)
