"""Tests for :mod:`lessons_lib.models`: parameters, multiply-adds, receptive fields."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torchvision
from torch import nn

from lessons_lib.conv import conv_output_size
from lessons_lib.models import (
    conv2d_multiply_adds,
    count_multiply_adds,
    count_parameters,
    measured_receptive_field,
    model_summary,
    receptive_field,
)


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


# ---------------------------------------------------------------------------
# multiply-adds
# ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("c_in", "c_out", "kernel", "stride", "padding", "dilation", "groups", "size"),
    [
        (3, 64, 11, 4, 2, 1, 1, 224),  # AlexNet's first layer
        (64, 64, 3, 1, 1, 1, 1, 56),
        (32, 32, 3, 2, 1, 1, 32, 31),  # depthwise, odd size
        (48, 96, (3, 5), (1, 2), (1, 2), 1, 2, 20),  # two groups, non-square
        (8, 16, 3, 1, 2, 2, 1, 17),  # dilated
        (16, 24, 1, 1, 0, 1, 1, 7),  # 1x1
    ],
)
def test_conv_multiply_adds_formula_matches_the_flop_counter(
    c_in, c_out, kernel, stride, padding, dilation, groups, size
):
    conv = nn.Conv2d(c_in, c_out, kernel, stride, padding, dilation, groups)
    out = conv(torch.zeros(1, c_in, size, size)).shape[2:]
    k_h, k_w = conv.kernel_size
    sizes = [
        conv_output_size(size, k, s, p, d)
        for k, s, p, d in zip(
            conv.kernel_size, conv.stride, conv.padding, conv.dilation
        )
    ]
    assert tuple(out) == tuple(sizes)
    expected = c_out * sizes[0] * sizes[1] * (c_in // groups) * k_h * k_w
    assert conv2d_multiply_adds(c_in, c_out, kernel, tuple(sizes), groups) == expected
    assert count_multiply_adds(conv, (1, c_in, size, size)) == expected
    assert count_multiply_adds(conv, (3, c_in, size, size)) == 3 * expected


def test_linear_and_matmul_multiply_adds():
    assert count_multiply_adds(nn.Linear(300, 70), (5, 300)) == 5 * 300 * 70
    assert count_multiply_adds(nn.Linear(300, 70, bias=False), (1, 300)) == 21_000

    # a product written in a forward, not in a leaf module, is counted too
    class Gram(nn.Module):
        def forward(self, x):
            return x @ x.transpose(-1, -2)

    assert count_multiply_adds(Gram(), (2, 6, 4)) == 2 * 6 * 6 * 4


def test_count_multiply_adds_restores_mode_and_uses_no_grad():
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.Dropout(0.5))
    model.train()
    before = model[1].running_mean.clone()
    assert count_multiply_adds(model, (4, 1, 8, 8)) == 4 * 2 * 36 * 9
    assert model.training and all(m.training for m in model)
    torch.testing.assert_close(model[1].running_mean, before)  # eval: stats untouched


@pytest.mark.parametrize(
    ("builder", "weights"),
    [
        ("alexnet", "AlexNet_Weights.IMAGENET1K_V1"),
        ("vgg11", "VGG11_Weights.IMAGENET1K_V1"),
        ("resnet18", "ResNet18_Weights.IMAGENET1K_V1"),
        ("mobilenet_v2", "MobileNet_V2_Weights.IMAGENET1K_V1"),
    ],
)
def test_multiply_adds_agree_with_torchvision_metadata(builder, weights):
    """torchvision's "_ops" (labelled GFLOPS) are giga multiply-adds, to 3 decimals."""
    torch.manual_seed(0)
    model = getattr(torchvision.models, builder)(weights=None)
    meta = torchvision.models.get_weight(weights).meta  # offline: no download
    ours = count_multiply_adds(model, (1, 3, 224, 224))
    assert round(ours / 1e9, 3) == pytest.approx(meta["_ops"], abs=1e-9)
    assert count_parameters(model) == meta["num_params"]


def test_summary_multiply_adds_sum_to_the_total():
    model = nn.Sequential(
        nn.Conv2d(3, 8, 5, stride=2, padding=2),
        nn.BatchNorm2d(8),
        nn.ReLU(),
        nn.Conv2d(8, 8, 3, groups=4, padding=1),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(8 * 4 * 4, 10),
    )
    model.train()
    table = model_summary(model, (2, 3, 16, 16), multiply_adds=True)
    assert list(table.columns)[-1] == "multiply-adds"
    assert table["multiply-adds"].tolist() == [
        2 * conv2d_multiply_adds(3, 8, 5, 8),
        0,
        0,
        2 * conv2d_multiply_adds(8, 8, 3, 8, groups=4),
        0,
        0,
        2 * 128 * 10,
    ]
    assert table["multiply-adds"].sum() == count_multiply_adds(model, (2, 3, 16, 16))
    assert model.training
    assert "multiply-adds" not in model_summary(model, (2, 3, 16, 16)).columns


def test_summary_counts_each_call_of_a_shared_module():
    shared = nn.Linear(4, 4)
    table = model_summary(nn.Sequential(shared, nn.Tanh(), shared), (3, 4), None, True)
    assert table["multiply-adds"].tolist() == [48, 0, 48]
    assert table["parameters"].tolist() == [20, 0, 0]


def test_multiply_adds_bad_arguments():
    with pytest.raises(TypeError, match="multiply_adds must be True or False"):
        model_summary(nn.Linear(2, 2), (1, 2), multiply_adds=1)
    with pytest.raises(TypeError, match="model must be"):
        count_multiply_adds("conv", (1, 2))
    with pytest.raises(TypeError, match="input_shape must be a tuple of ints"):
        count_multiply_adds(nn.Linear(2, 2), [1, 2.0])
    with pytest.raises(ValueError, match="at least 1"):
        count_multiply_adds(nn.Linear(2, 2), (1, 0))
    with pytest.raises(TypeError, match="dtype must be a torch.dtype"):
        count_multiply_adds(nn.Linear(2, 2), (1, 2), dtype="float32")
    with pytest.raises(ValueError, match="divisible by groups"):
        conv2d_multiply_adds(6, 4, 3, 10, groups=4)
    with pytest.raises(TypeError, match="kernel_size must be an int or a pair"):
        conv2d_multiply_adds(6, 4, (3, 3, 3), 10)
    with pytest.raises(ValueError, match="output_size must be at least 1"):
        conv2d_multiply_adds(6, 4, 3, (0, 4))
    with pytest.raises(TypeError, match="groups must be an int"):
        conv2d_multiply_adds(6, 4, 3, 4, groups=2.0)
    with pytest.raises(ValueError, match="in_channels must be at least 1"):
        conv2d_multiply_adds(0, 4, 3, 4)


# ---------------------------------------------------------------------------
# receptive fields
# ---------------------------------------------------------------------------
def random_chain(generator, spatial=2):
    """3-6 convolutions and poolings with random kernels, strides and dilations."""
    conv = {1: nn.Conv1d, 2: nn.Conv2d}[spatial]
    pools = {1: (nn.MaxPool1d, nn.AvgPool1d), 2: (nn.MaxPool2d, nn.AvgPool2d)}[spatial]
    layers, channels = [], 2
    for _ in range(int(generator.integers(3, 7))):
        kind = int(generator.integers(0, 3))
        k = int(generator.integers(1, 6))
        s = int(generator.integers(1, 3))
        if kind == 0:
            d = int(generator.integers(1, 4))
            p = int(generator.integers(0, k // 2 + 1)) * d
            layers += [conv(channels, 3, k, stride=s, padding=p, dilation=d), nn.ReLU()]
            channels = 3
        else:
            k = max(k, 2)
            p = int(generator.integers(0, k // 2 + 1))
            layers.append(pools[kind - 1](k, stride=s, padding=p))
    return nn.Sequential(*layers)


@pytest.mark.parametrize("seed", range(12))
def test_receptive_field_formula_equals_the_measured_field(seed):
    generator = np.random.default_rng(seed)
    spatial = 1 if seed % 4 == 3 else 2
    model = random_chain(generator, spatial)
    table = receptive_field(model, (1, 2) + (160,) * spatial)
    # an input large enough for the centre unit's field to lie inside it
    shape = (1, 2) + (2 * int(table["receptive field"].iloc[-1]) + 64,) * spatial
    table = receptive_field(model, shape)
    assert table["receptive field"].iloc[-1] == measured_receptive_field(model, shape)
    jumps = np.cumprod([s for s in table["stride"]])
    assert table["jump"].tolist() == jumps.tolist()
    assert (table["receptive field"].diff().dropna() >= 0).all()


def test_receptive_field_rows_by_hand():
    model = nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1),
        nn.ReLU(),
        nn.Conv2d(4, 4, 3, padding=1),
        nn.MaxPool2d(2),
        nn.Conv2d(4, 4, 3, dilation=2, padding=2),
        nn.Conv2d(4, 4, (1, 3)),
        nn.AdaptiveAvgPool2d((4, 7)),
    )
    table = receptive_field(model, (1, 1, 32, 32))
    assert table["layer"].tolist() == ["0", "2", "3", "4", "5", "6"]
    assert table["receptive field"].tolist() == [3, 5, 6, 14, (14, 18), 20]
    assert table["jump"].tolist() == [1, 1, 2, 2, 2, (8, 4)]
    assert table["output size"].tolist() == [32, 32, 16, 16, (16, 14), (4, 7)]
    assert table["kernel"].tolist() == [3, 3, 2, 3, (1, 3), (4, 2)]
    assert table["dilation"].tolist() == [1, 1, 1, 2, 1, 1]


def test_two_3x3_convolutions_see_5x5_and_three_see_7x7():
    for depth, field in [(1, 3), (2, 5), (3, 7)]:
        stack = nn.Sequential(*[nn.Conv2d(2, 2, 3, padding=1) for _ in range(depth)])
        assert (
            receptive_field(stack, (1, 2, 20, 20))["receptive field"].iloc[-1] == field
        )
        assert measured_receptive_field(stack, (1, 2, 20, 20)) == field


def test_measured_field_sees_structure_not_weights():
    """A 5x5 kernel whose outer ring is zero still has a 5x5 receptive field."""
    conv = nn.Conv2d(1, 1, 5, bias=False)
    with torch.no_grad():
        conv.weight.zero_()
        conv.weight[..., 1:4, 1:4] = torch.randn(3, 3)
    image = torch.randn(1, 1, 11, 11, requires_grad=True)
    conv(image)[0, 0, 3, 3].backward()
    assert int((image.grad[0, 0].abs().sum(dim=0) > 0).sum()) == 3  # what autograd sees
    assert measured_receptive_field(conv, (1, 1, 11, 11)) == 5
    assert (
        float(conv.weight.detach()[0, 0, 0, 0]) == 0.0
    )  # the model itself is not changed
    # max pooling passes a gradient to one element only; the probe averages instead
    pooled = nn.Sequential(nn.MaxPool2d(3, stride=1), nn.MaxPool2d(3, stride=1))
    assert measured_receptive_field(pooled, (1, 1, 9, 9)) == 5
    assert isinstance(pooled[0], nn.MaxPool2d)


class Residual(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(2, 2, 3, padding=1),
            nn.BatchNorm2d(2),
            nn.ReLU(),
            nn.Conv2d(2, 2, 3, padding=1),
            nn.BatchNorm2d(2),
        )

    def forward(self, x):
        return torch.relu(x + self.body(x))


class Branches(nn.Module):
    def __init__(self):
        super().__init__()
        self.one = nn.Conv2d(2, 2, 1)
        self.three = nn.Conv2d(2, 2, 3, padding=1)
        self.five = nn.Sequential(
            nn.Conv2d(2, 2, 3, padding=1), nn.Conv2d(2, 2, 3, padding=1)
        )
        self.pool = nn.MaxPool2d(3, stride=1, padding=1)

    def forward(self, x):
        return torch.cat(
            [self.one(x), self.three(x), self.five(x), self.pool(x)], dim=1
        )


def test_measured_field_of_branches_and_shortcuts():
    model = nn.Sequential(Residual(), Residual())
    model.eval()
    assert measured_receptive_field(model, (1, 2, 24, 24)) == 9
    assert measured_receptive_field(model, (1, 2, 24, 24), layer="0") == 5
    assert measured_receptive_field(Branches(), (1, 2, 16, 16)) == 5
    stem = nn.Sequential(nn.Conv2d(2, 2, 7, stride=2, padding=3), Branches())
    assert measured_receptive_field(stem, (1, 2, 40, 40)) == 7 + 4 * 2


def test_measured_field_is_clipped_by_a_small_input():
    stack = nn.Sequential(*[nn.Conv2d(1, 1, 3, padding=1) for _ in range(5)])
    assert measured_receptive_field(stack, (1, 1, 32, 32)) == 11
    assert measured_receptive_field(stack, (1, 1, 7, 7)) == 7
    assert measured_receptive_field(stack, (1, 1, 9, 13)) == (9, 11)


def test_receptive_field_bad_arguments():
    chain = nn.Sequential(nn.Conv2d(1, 1, 3), nn.Flatten(), nn.Linear(4, 2))
    with pytest.raises(ValueError, match="at least one spatial axis"):
        receptive_field(nn.Linear(3, 2), (1, 3))
    with pytest.raises(ValueError, match="no convolution or pooling layer"):
        receptive_field(nn.Sequential(nn.ReLU()), (1, 1, 4, 4))
    with pytest.raises(ValueError, match="windows differ in size"):
        receptive_field(nn.AdaptiveAvgPool2d(3), (1, 1, 10, 10))
    with pytest.raises(TypeError, match="model must be"):
        receptive_field(None, (1, 1, 4, 4))
    with pytest.raises(TypeError, match="input_shape must be a tuple of ints"):
        measured_receptive_field(chain, "1, 1, 4, 4")
    with pytest.raises(ValueError, match="not .N, C. plus 2 spatial axes"):
        measured_receptive_field(chain, (1, 1, 4, 4))
    assert measured_receptive_field(chain, (1, 1, 4, 4), layer="0") == 3
    with pytest.raises(ValueError, match="layer 'conv1' is not a module"):
        measured_receptive_field(chain, (1, 1, 4, 4), layer="conv1")
    with pytest.raises(TypeError, match="layer must be a module name"):
        measured_receptive_field(chain, (1, 1, 4, 4), layer=0)
    with pytest.raises(ValueError, match="dilated max pooling"):
        measured_receptive_field(nn.MaxPool2d(3, dilation=2), (1, 1, 12, 12))
