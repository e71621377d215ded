"""Tests for the AlexNet and VGG builders: torchvision's networks at full size."""

from __future__ import annotations

import pytest
import torch
import torchvision
from torch import nn

from lessons_lib.architectures.alexnet import ALEXNET_CHANNELS, alexnet
from lessons_lib.architectures.vgg import VGG_CONFIGS, vgg
from lessons_lib.models import (
    count_parameters,
    measured_receptive_field,
    receptive_field,
)

VGG_WEIGHTS = {11: "VGG11", 13: "VGG13", 16: "VGG16", 19: "VGG19"}


@pytest.fixture(scope="module")
def alexnets():
    torch.manual_seed(0)
    return alexnet(), torchvision.models.alexnet(weights=None)


@pytest.fixture(scope="module")
def vgg16s():
    torch.manual_seed(0)
    return vgg(16), torchvision.models.vgg16(weights=None)


def test_alexnet_is_torchvisions(alexnets):
    ours, theirs = alexnets
    assert count_parameters(ours) == count_parameters(theirs) == 61_100_840
    assert str(ours) == str(theirs)  # the same modules, in the same places
    ours.load_state_dict(theirs.state_dict())
    ours.eval(), theirs.eval()
    images = torch.randn(2, 3, 224, 224, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        torch.testing.assert_close(ours(images), theirs(images), rtol=0, atol=0)


def test_vgg16_is_torchvisions(vgg16s):
    ours, theirs = vgg16s
    assert count_parameters(ours) == count_parameters(theirs) == 138_357_544
    assert str(ours) == str(theirs)
    ours.load_state_dict(theirs.state_dict())
    ours.eval(), theirs.eval()
    image = torch.randn(1, 3, 224, 224, generator=torch.Generator().manual_seed(2))
    with torch.no_grad():
        torch.testing.assert_close(ours(image), theirs(image), rtol=0, atol=0)
        # the adaptive pooling lets the 224 network run on other sizes too
        assert ours(torch.zeros(1, 3, 96, 96)).shape == (1, 1000)


@pytest.mark.parametrize("depth", sorted(VGG_CONFIGS))
@pytest.mark.parametrize("batch_norm", [False, True])
def test_every_vgg_has_torchvisions_parameters(depth, batch_norm):
    name = VGG_WEIGHTS[depth] + ("_BN" if batch_norm else "") + "_Weights.IMAGENET1K_V1"
    meta = torchvision.models.get_weight(name).meta  # offline, no download
    with torch.device("meta"):  # no memory, no initialisation cost
        ours = vgg(depth, batch_norm=batch_norm)
        builder = f"vgg{depth}" + ("_bn" if batch_norm else "")
        theirs = getattr(torchvision.models, builder)(weights=None)
    assert count_parameters(ours) == meta["num_params"] == count_parameters(theirs)
    assert str(ours) == str(theirs)
    assert sum(VGG_CONFIGS[depth]) + 3 == depth
    assert ours.state_dict().keys() == theirs.state_dict().keys()


def test_vgg_bn_state_dict_gives_the_same_logits():
    torch.manual_seed(3)
    theirs = torchvision.models.vgg11_bn(weights=None)
    for module in theirs.modules():  # non-trivial running statistics
        if isinstance(module, nn.BatchNorm2d):
            module.running_mean.uniform_(-0.1, 0.1)
            module.running_var.uniform_(0.5, 2.0)
    with torch.device("meta"):
        ours = vgg(11, batch_norm=True)  # skip initialising weights we overwrite
    ours = ours.to_empty(device="cpu")
    ours.load_state_dict(theirs.state_dict())
    ours.eval(), theirs.eval()
    images = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        torch.testing.assert_close(ours(images), theirs(images), rtol=0, atol=0)


def test_the_2012_alexnet_two_gpus_as_groups():
    with torch.device("meta"):
        paper = alexnet(variant="2012", input_size=227)
        one_gpu = alexnet(variant="2012", input_size=227)
    convs = [m for m in paper.features if isinstance(m, nn.Conv2d)]
    assert [c.out_channels for c in convs] == list(ALEXNET_CHANNELS["2012"])
    assert [c.groups for c in convs] == [1, 2, 1, 2, 2]
    assert sum(isinstance(m, nn.LocalResponseNorm) for m in paper.features) == 2
    assert count_parameters(paper) == 60_965_224  # "60 million parameters"
    # without the split, conv2 would have twice the weights (its biases stay)
    conv2 = convs[1]
    assert conv2.weight.numel() == 256 * 48 * 5 * 5
    one_gpu.features[4] = nn.Conv2d(96, 256, 5, padding=2)
    grown = count_parameters(one_gpu) - count_parameters(paper)
    assert grown == conv2.weight.numel()
    # the paper's 55x55 first maps need 227x227 inputs
    first = paper.features[0](torch.zeros(1, 3, 227, 227, device="meta"))
    assert first.shape[-1] == 55


def test_small_alexnet_design():
    small = alexnet(num_classes=10, in_channels=1, input_size=28, width=0.25)
    assert small.features[0].kernel_size == (3, 3) and small.features[0].stride == (
        1,
        1,
    )
    kinds = [type(m).__name__ for m in small.features]
    assert kinds.count("MaxPool2d") == 2 and kinds[-1] == "Identity"  # 6x6 kept
    assert [m.out_channels for m in small.features if isinstance(m, nn.Conv2d)] == [
        16,
        48,
        96,
        64,
        64,
    ]
    assert small.classifier[1].in_features == 64 * 6 * 6
    assert small.classifier[1].out_features == 1024
    assert small(torch.zeros(5, 1, 28, 28)).shape == (5, 10)
    with torch.device("meta"):
        assert small.state_dict().keys() == alexnet().state_dict().keys()
    # the ImageNet stem above 64 pixels, all poolings at 224
    assert alexnet(input_size=64).features[0].kernel_size == (11, 11)
    assert alexnet(input_size=63).features[0].kernel_size == (3, 3)
    assert alexnet(input_size=28, stem=(5, 1, 2)).features[0].kernel_size == (5, 5)
    with torch.device("meta"):
        assert alexnet(width=0.5, dense=100).classifier[4].in_features == 100


def test_small_vgg_design():
    small = vgg(11, num_classes=10, in_channels=1, input_size=28, width=0.125)
    kinds = [type(m).__name__ for m in small.features]
    assert kinds.count("MaxPool2d") == 3 and kinds.count("Identity") == 2
    assert small.avgpool.output_size == (3, 3)
    assert small.classifier[0].in_features == 64 * 3 * 3
    assert small(torch.zeros(2, 1, 28, 28)).shape == (2, 10)
    with torch.device("meta"):
        assert small.state_dict().keys() == vgg(11).state_dict().keys()
    assert vgg(16, input_size=32).avgpool.output_size == (4, 4)
    bn = vgg(13, batch_norm=True, input_size=28, width=0.25)
    assert sum(isinstance(m, nn.BatchNorm2d) for m in bn.features) == 10


def test_receptive_fields_of_the_full_networks(alexnets, vgg16s):
    alex = receptive_field(alexnets[0].features, (1, 3, 224, 224))
    assert alex["receptive field"].tolist() == [11, 19, 51, 67, 99, 131, 163, 195]
    assert alex["jump"].iloc[-1] == 32
    deep = receptive_field(vgg16s[0].features, (1, 3, 224, 224))
    assert deep["receptive field"].iloc[-1] == 212 and deep["jump"].iloc[-1] == 32
    assert deep["receptive field"].tolist()[:3] == [3, 5, 6]  # two 3x3 convs see 5x5


def test_small_networks_receptive_fields_are_measured():
    small = alexnet(num_classes=10, in_channels=1, input_size=28, width=0.125)
    formula = receptive_field(small.features, (1, 1, 28, 28))["receptive field"]
    assert formula.iloc[-1] == 41
    assert measured_receptive_field(small, (1, 1, 96, 96), layer="features") == 41
    deep = vgg(11, num_classes=10, in_channels=1, input_size=28, width=0.125)
    formula = receptive_field(deep.features, (1, 1, 28, 28))["receptive field"]
    assert (
        measured_receptive_field(deep, (1, 1, 160, 160), layer="features")
        == (formula.iloc[-1])
    )


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"num_classes": 0}, ValueError, "num_classes must be at least 1"),
        ({"in_channels": 1.0}, TypeError, "in_channels must be an int"),
        ({"input_size": 2}, ValueError, "input_size must be at least 3"),
        ({"width": 0}, ValueError, "width must be a number greater than 0"),
        ({"width": True}, ValueError, "width must be a number greater than 0"),
        ({"dense": 0}, ValueError, "dense must be at least 1"),
        ({"dropout": 1.0}, ValueError, "dropout must be a number in"),
        ({"variant": "2014"}, ValueError, "variant must be one of"),
        ({"stem": (11, 4)}, TypeError, "stem must be .kernel, stride, padding."),
        ({"stem": (3, 0, 1)}, ValueError, "stem needs kernel >= 1, stride >= 1"),
        (
            {"stem": (11, 4, 0), "input_size": 8},
            ValueError,
            "input_size=8 is too small for a 11x11 stem",
        ),
    ],
)
def test_alexnet_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        alexnet(**kwargs)


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "match"),
    [
        ((15,), {}, ValueError, r"depth must be one of \[11, 13, 16, 19\]"),
        (("16",), {}, ValueError, "depth must be one of"),
        ((True,), {}, ValueError, "depth must be one of"),
        ((11,), {"batch_norm": "yes"}, TypeError, "batch_norm must be True or False"),
        ((11,), {"input_size": 1}, ValueError, "input_size must be at least 3"),
        ((11,), {"width": -1.0}, ValueError, "width must be"),
        ((11,), {"dropout": -0.1}, ValueError, "dropout must be"),
        ((11,), {"num_classes": 2.5}, TypeError, "num_classes must be an int"),
    ],
)
def test_vgg_bad_arguments(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        vgg(*args, **kwargs)
