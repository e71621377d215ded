"""GoogLeNet and the efficient CNNs, checked against torchvision and the formulas."""

import pytest
import torch
import torchvision
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from lessons_lib.architectures.inception import (
    GOOGLENET_BLOCKS,
    ConvBNReLU,
    InceptionBlock,
    googlenet,
)
from lessons_lib.architectures.mobile import (
    EFFICIENTNET_LITE0,
    MOBILENET_V2,
    SMALL_28,
    ConvBNAct,
    DepthwiseSeparableConv,
    InvertedResidual,
    SqueezeExcitation,
    make_divisible,
    mobilenet,
    separable_cost_ratio,
)


def n_params(model):
    return sum(p.numel() for p in model.parameters())


def multiply_adds(model, shape):
    model.eval()
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        model(torch.zeros(shape))
    return counter.get_total_flops() // 2


def randomise_batch_norm(model, seed=0):
    """Give every batch norm non-trivial statistics, so that a copy is really tested."""
    generator = torch.Generator().manual_seed(seed)
    for module in model.modules():
        if isinstance(module, nn.BatchNorm2d):
            size = module.num_features
            module.running_mean.copy_(0.1 * torch.randn(size, generator=generator))
            module.running_var.copy_(0.5 + torch.rand(size, generator=generator))
            module.weight.data.copy_(0.5 + torch.rand(size, generator=generator))
            module.bias.data.copy_(0.1 * torch.randn(size, generator=generator))


def same_logits(ours, theirs, shape, seed=1):
    ours.eval()
    theirs.eval()
    x = torch.randn(shape, generator=torch.Generator().manual_seed(seed))
    with torch.no_grad():
        expected = theirs(x)
        torch.testing.assert_close(ours(x), expected, rtol=1e-4, atol=1e-5)
    return expected


# --------------------------------------------------------------------------- GoogLeNet
def test_googlenet_full_size_is_torchvisions_without_aux_heads():
    torch.manual_seed(0)
    theirs = torchvision.models.googlenet(
        weights=None, aux_logits=False, init_weights=True, transform_input=False
    )
    randomise_batch_norm(theirs)
    ours = googlenet()
    assert n_params(ours) == n_params(theirs) == 6_624_904
    ours.load_state_dict(theirs.state_dict())  # strict: the same names and shapes
    logits = same_logits(ours, theirs, (2, 3, 64, 64))
    assert logits.shape == (2, 1000) and logits.abs().max() > 1e-3


def test_googlenet_paper_kernel_adds_the_5x5_weights():
    extra = sum(
        red * out * (25 - 9)
        for stage in GOOGLENET_BLOCKS
        for _, (_, _, _, red, out, _) in stage
    )
    assert n_params(googlenet(kernel_5x5=5)) == 6_624_904 + extra
    block = googlenet(kernel_5x5=5).inception3a.branch3[1].conv
    assert block.kernel_size == (5, 5) and block.padding == (2, 2)


def test_inception_block_counts_follow_the_formula():
    block = InceptionBlock(192, 64, 96, 128, 16, 32, 32)  # inception 3a
    weights = 192 * 64 + 192 * 96 + 9 * 96 * 128 + 192 * 16 + 9 * 16 * 32 + 192 * 32
    batch_norm = 2 * (64 + 96 + 128 + 16 + 32 + 32)
    assert n_params(block) == weights + batch_norm
    assert block.out_channels == 256
    x = torch.randn(1, 192, 28, 28)
    block.eval()
    with torch.no_grad():
        out = block(x)
        parts = [block.branch1(x), block.branch2(x), block.branch3(x), block.branch4(x)]
    assert [p.shape[1] for p in parts] == [64, 128, 32, 32]
    torch.testing.assert_close(out, torch.cat(parts, dim=1))
    assert multiply_adds(block, (1, 192, 28, 28)) == 28 * 28 * weights


def test_small_googlenet_keeps_28_pixels_until_stage_3():
    small = googlenet(num_classes=10, in_channels=1, input_size=28, width=0.25)
    assert not hasattr(small, "maxpool1") and not hasattr(small, "maxpool2")
    assert small.conv1.conv.kernel_size == (3, 3) and small.conv1.conv.stride == (1, 1)
    shapes = {}

    def record(name):
        def hook(module, inputs, output):
            shapes[name] = tuple(output.shape)

        return hook

    for name in ("conv3", "inception3b", "inception4e", "inception5b"):
        getattr(small, name).register_forward_hook(record(name))
    assert small(torch.zeros(2, 1, 28, 28)).shape == (2, 10)
    assert shapes == {
        "conv3": (2, 48, 28, 28),
        "inception3b": (2, 120, 28, 28),
        "inception4e": (2, 208, 14, 14),
        "inception5b": (2, 256, 7, 7),
    }
    full = googlenet()
    assert full(torch.zeros(1, 3, 224, 224)).shape == (1, 1000)


def test_googlenet_blocks_and_stem_options():
    shallow = googlenet(10, 1, 28, width=0.5, blocks=(1, 1, 1))
    names = [name for name, _ in shallow.named_children()]
    assert [n for n in names if n.startswith("inception")] == [
        "inception3a",
        "inception4a",
        "inception5a",
    ]
    assert shallow.fc.in_features == shallow.inception5a.out_channels
    assert hasattr(googlenet(input_size=64), "maxpool1")
    assert not hasattr(googlenet(input_size=224, stem="small"), "maxpool1")


@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        ({"width": 0}, ValueError, "width"),
        ({"width": "wide"}, TypeError, "width"),
        ({"blocks": (3, 5, 2)}, ValueError, "at most 2"),
        ({"blocks": (1, 1)}, TypeError, "three ints"),
        ({"blocks": (1, 0, 1)}, ValueError, "stage 4"),
        ({"stem": "tiny"}, ValueError, "stem"),
        ({"input_size": 10}, ValueError, "input_size"),
        ({"num_classes": 2.0}, TypeError, "num_classes"),
        ({"dropout": 1.0}, ValueError, "dropout"),
        ({"kernel_5x5": 4}, ValueError, "kernel_5x5"),
    ],
)
def test_googlenet_rejects_bad_arguments(kwargs, error, words):
    with pytest.raises(error, match=words):
        googlenet(**kwargs)


def test_inception_block_rejects_bad_channels():
    with pytest.raises(ValueError, match="ch3x3_reduce"):
        InceptionBlock(192, 64, 0, 128, 16, 32, 32)
    with pytest.raises(TypeError, match="in_channels"):
        InceptionBlock(192.0, 64, 96, 128, 16, 32, 32)


def test_conv_bn_relu_has_torchvisions_layout():
    layer = ConvBNReLU(3, 8, 3, padding=1)
    assert list(layer.state_dict()) == [
        "conv.weight",
        "bn.weight",
        "bn.bias",
        "bn.running_mean",
        "bn.running_var",
        "bn.num_batches_tracked",
    ]
    assert layer.bn.eps == 0.001 and layer.conv.bias is None


# --------------------------------------------------------------------------- mobile
@pytest.mark.parametrize("c_in, c_out, k", [(32, 64, 3), (16, 256, 3), (24, 40, 5)])
def test_depthwise_separable_cost_ratio_is_counted(c_in, c_out, k):
    standard = nn.Conv2d(c_in, c_out, k, padding=k // 2, bias=False)
    separable = DepthwiseSeparableConv(c_in, c_out, k)
    conv_weights = [
        m.weight.numel() for m in separable.modules() if type(m) is nn.Conv2d
    ]
    assert conv_weights == [k * k * c_in, c_in * c_out]
    ratio = separable_cost_ratio(c_out, k)
    assert sum(conv_weights) / standard.weight.numel() == pytest.approx(ratio)
    assert n_params(separable) == sum(conv_weights) + 2 * (c_in + c_out)
    shape = (1, c_in, 14, 14)
    macs = multiply_adds(separable, shape) / multiply_adds(standard, shape)
    assert macs == pytest.approx(ratio)
    assert ratio == pytest.approx(1 / c_out + 1 / k**2)


def test_depthwise_convolution_filters_each_channel_alone():
    layer = ConvBNAct(4, 4, 3, groups=4, activation=None).eval()
    x = torch.zeros(1, 4, 5, 5)
    x[0, 2, 2, 2] = 1.0  # one pixel in channel 2 only
    with torch.no_grad():
        out = layer[0](x)
    assert out[0, [0, 1, 3]].abs().max() == 0 and out[0, 2].abs().max() > 0


def test_inverted_residual_structure_and_shortcut():
    block = InvertedResidual(24, 24, expand_ratio=6, kernel_size=5)
    assert block.use_residual
    assert block.expand[0].out_channels == 144 and block.depthwise[0].groups == 144
    assert len(block.project) == 2  # conv and batch norm: no activation
    nn.init.zeros_(block.project[1].weight)
    nn.init.zeros_(block.project[1].bias)
    block.eval()
    x = torch.randn(2, 24, 7, 7)
    with torch.no_grad():
        torch.testing.assert_close(block(x), x)  # the branch is zero: identity left
    down = InvertedResidual(24, 40, 6, kernel_size=3, stride=2)
    assert not down.use_residual and down(x).shape == (2, 40, 4, 4)
    first = InvertedResidual(32, 16, 1)
    assert not hasattr(first, "expand")


def test_squeeze_excitation_gates_channels():
    se = SqueezeExcitation(8, 2).eval()
    x = torch.rand(1, 8, 4, 4) + 0.1
    with torch.no_grad():
        scale = se(x) / x
    assert ((scale > 0) & (scale < 1)).all()
    torch.testing.assert_close(scale, scale[:, :, :1, :1].expand_as(scale))
    with_se = InvertedResidual(16, 16, 6, se_ratio=0.25)
    assert with_se.se.reduce.out_channels == 4 and with_se.se.reduce.in_channels == 96


def test_mobilenet_v2_is_torchvisions():
    torch.manual_seed(0)
    theirs = torchvision.models.mobilenet_v2(weights=None)
    randomise_batch_norm(theirs)
    ours = mobilenet(MOBILENET_V2)
    assert n_params(ours) == n_params(theirs) == 3_504_872
    mine, tv = ours.state_dict(), theirs.state_dict()
    assert [v.shape for v in mine.values()] == [v.shape for v in tv.values()]
    ours.load_state_dict(dict(zip(mine, tv.values())))  # same order, other names
    same_logits(ours, theirs, (2, 3, 64, 64))


def test_efficientnet_b0_is_torchvisions_with_se_and_silu():
    torch.manual_seed(0)
    theirs = torchvision.models.efficientnet_b0(weights=None)
    randomise_batch_norm(theirs)
    ours = mobilenet(EFFICIENTNET_LITE0, activation="silu", se_ratio=0.25)
    assert n_params(ours) == n_params(theirs) == 5_288_548
    mine, tv = ours.state_dict(), theirs.state_dict()
    assert [v.shape for v in mine.values()] == [v.shape for v in tv.values()]
    ours.load_state_dict(dict(zip(mine, tv.values())))
    same_logits(ours, theirs, (2, 3, 64, 64))


def test_efficientnet_lite0_counts_match_the_package():
    efficientnet_lite = pytest.importorskip("efficientnet_lite_pytorch")
    theirs = efficientnet_lite.EfficientNet.from_name("efficientnet-lite0")
    ours = mobilenet(EFFICIENTNET_LITE0, bn_eps=1e-3)
    assert n_params(ours) == n_params(theirs) == 4_652_008
    theirs_convs = [
        m.weight.shape for m in theirs.modules() if isinstance(m, nn.Conv2d)
    ]
    ours_convs = [m.weight.shape for m in ours.modules() if isinstance(m, nn.Conv2d)]
    assert ours_convs == theirs_convs
    assert not any(isinstance(m, SqueezeExcitation) for m in ours.modules())
    assert all(type(m) is not nn.SiLU for m in ours.modules())


def test_small_mobile_net_for_28_pixels():
    small = mobilenet(SMALL_28, 10, 1, 28, stem_channels=16, head_channels=256)
    assert small.features.stem[0].stride == (1, 1)
    out = small.features(torch.zeros(2, 1, 28, 28))
    assert out.shape == (2, 256, 7, 7)
    assert small(torch.zeros(2, 1, 28, 28)).shape == (2, 10)
    blocks = [m for m in small.modules() if isinstance(m, InvertedResidual)]
    assert len(blocks) == sum(row[3] for row in SMALL_28)
    assert [b.use_residual for b in blocks] == [
        True,
        False,
        True,
        False,
        True,
        False,
        True,
    ]
    assert mobilenet(input_size=224).features.stem[0].stride == (2, 2)


def test_make_divisible_matches_torchvisions_rule():
    from torchvision.models._utils import _make_divisible

    for channels in (16, 24, 32, 40, 96, 112, 320, 1280):
        for width in (0.25, 0.35, 0.5, 0.75, 1.0, 1.4):
            assert make_divisible(channels * width) == _make_divisible(
                channels * width, 8
            )
    with pytest.raises(ValueError, match="value"):
        make_divisible(0)
    with pytest.raises(TypeError, match="divisor"):
        make_divisible(10, divisor=2.5)


@pytest.mark.parametrize(
    "call, error, words",
    [
        (lambda: ConvBNAct(4, 4, 2), ValueError, "odd"),
        (lambda: ConvBNAct(4, 6, 3, groups=4), ValueError, "groups"),
        (lambda: ConvBNAct(4, 4, 3, activation="tanh"), ValueError, "activation"),
        (lambda: InvertedResidual(8, 8, 0), ValueError, "expand_ratio"),
        (lambda: InvertedResidual(8, 8, 6, se_ratio=0), ValueError, "se_ratio"),
        (lambda: InvertedResidual(8, 8, 6, se_ratio="a"), TypeError, "se_ratio"),
        (lambda: separable_cost_ratio(0, 3), ValueError, "out_channels"),
        (lambda: separable_cost_ratio(8, 3.0), TypeError, "kernel_size"),
        (lambda: mobilenet(width=-1), ValueError, "width"),
        (lambda: mobilenet(stem="big"), ValueError, "stem"),
        (lambda: mobilenet(config=[(6, 3, 16, 1)]), ValueError, "row"),
        (lambda: mobilenet(config=[]), ValueError, "at least one"),
        (lambda: mobilenet(config="MOBILENET_V2"), TypeError, "config"),
        (lambda: mobilenet(config=[(6, 3, 16, 0, 1)]), ValueError, "stage 1"),
        (lambda: mobilenet(dropout=1), ValueError, "dropout"),
    ],
)
def test_mobile_builders_reject_bad_arguments(call, error, words):
    with pytest.raises(error, match=words):
        call()
