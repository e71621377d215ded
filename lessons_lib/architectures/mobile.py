"""Efficient CNNs: depthwise separable convolutions and inverted residual blocks.

- :class:`ConvBNAct`: convolution (no bias), batch norm, activation.
- :class:`DepthwiseSeparableConv`: MobileNet v1's layer (Howard et al., 2017):
  a depthwise kxk convolution (one filter per channel, ``groups=C``) then a
  pointwise 1x1 convolution that mixes the channels, each with batch norm and
  ReLU.
- :class:`SqueezeExcitation`: channel attention (Hu et al., 2017): global
  average pooling, a 1x1 bottleneck, a sigmoid gate per channel.
- :class:`InvertedResidual`: MobileNet v2's block (Sandler et al., 2018), which
  EfficientNet calls MBConv: expand with 1x1, depthwise kxk, optional
  squeeze-and-excitation, project with a linear 1x1; the input is added where
  the shapes match.
- :func:`mobilenet`: a stem, a table of stages of inverted residual blocks,
  a 1x1 head, global average pooling and one linear layer. The table
  :data:`MOBILENET_V2` gives torchvision's MobileNetV2 (3,504,872 parameters),
  :data:`EFFICIENTNET_LITE0` EfficientNet-Lite0 (4,652,008), and
  :data:`SMALL_28` a small network for 28x28 images. With
  ``activation="silu", se_ratio=0.25`` the Lite0 table gives torchvision's
  EfficientNet-B0 (5,288,548).

Cost of a kxk convolution from :math:`C_{in}` to :math:`C_{out}` channels on an
:math:`H \\times W` output, and of its depthwise separable replacement:

.. math:: \\text{standard: } H W k^2 C_{in} C_{out}, \\qquad
          \\text{separable: } H W (k^2 C_{in} + C_{in} C_{out}),

so the separable one costs :math:`1/C_{out} + 1/k^2` of the standard one, in
parameters (without the :math:`H W`) as in multiply-adds
(:func:`separable_cost_ratio`).
"""

from __future__ import annotations

import numbers
from collections import OrderedDict

import torch
from torch import nn

__all__ = [
    "ConvBNAct",
    "DepthwiseSeparableConv",
    "SqueezeExcitation",
    "InvertedResidual",
    "separable_cost_ratio",
    "make_divisible",
    "MOBILENET_V2",
    "EFFICIENTNET_LITE0",
    "SMALL_28",
    "mobilenet",
]

#: MobileNetV2 (Table 2 of the paper): expansion t, kernel k, channels c,
#: repeats n, stride s of the first block of each stage.
MOBILENET_V2 = (
    (1, 3, 16, 1, 1),
    (6, 3, 24, 2, 2),
    (6, 3, 32, 3, 2),
    (6, 3, 64, 4, 2),
    (6, 3, 96, 3, 1),
    (6, 3, 160, 3, 2),
    (6, 3, 320, 1, 1),
)

#: EfficientNet-Lite0 = EfficientNet-B0's stages (Table 1 of Tan and Le, 2019)
#: without squeeze-and-excitation and with ReLU6: (t, k, c, n, s) as above.
EFFICIENTNET_LITE0 = (
    (1, 3, 16, 1, 1),
    (6, 3, 24, 2, 2),
    (6, 5, 40, 2, 2),
    (6, 3, 80, 3, 2),
    (6, 5, 112, 3, 1),
    (6, 5, 192, 4, 2),
    (6, 3, 320, 1, 1),
)

#: A small network for 28x28 images (with ``stem="small"``): 28 -> 14 -> 7.
SMALL_28 = (
    (1, 3, 16, 1, 1),
    (4, 3, 24, 2, 2),
    (4, 5, 40, 2, 2),
    (4, 3, 64, 2, 1),
)

_ACTIVATIONS = {"relu": nn.ReLU, "relu6": nn.ReLU6, "silu": nn.SiLU}
_STEMS = ("imagenet", "small")


def _check_int(value, name, minimum):
    if not isinstance(value, numbers.Integral) or isinstance(value, bool):
        raise TypeError(f"{name} must be an int, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
    return int(value)


def _check_kernel(kernel_size):
    _check_int(kernel_size, "kernel_size", 1)
    if kernel_size % 2 == 0:
        raise ValueError(
            f"kernel_size must be odd (so that padding k // 2 keeps the size), "
            f"got {kernel_size}"
        )
    return int(kernel_size)


def _activation(name):
    if name not in _ACTIVATIONS:
        raise ValueError(
            f"activation must be one of {tuple(_ACTIVATIONS)}, got {name!r}"
        )
    return _ACTIVATIONS[name](inplace=True)


def make_divisible(value, divisor=8):
    """Round a channel count to the nearest multiple of ``divisor``, losing < 10%.

    The rule of MobileNet v2 and EfficientNet for scaled widths (multiples of 8
    suit the hardware).

    Parameters
    ----------
    value : float
        Positive.
    divisor : int
        At least 1.

    Returns
    -------
    int

    Raises
    ------
    TypeError, ValueError
        For a value that is not a positive number, or a bad divisor.

    Examples
    --------
    >>> make_divisible(32 * 0.5), make_divisible(24 * 0.35), make_divisible(100)
    (16, 8, 104)
    """
    if not isinstance(value, numbers.Real) or isinstance(value, bool):
        raise TypeError(f"value must be a number, got {value!r}")
    if not value > 0:
        raise ValueError(f"value must be greater than 0, got {value}")
    divisor = _check_int(divisor, "divisor", 1)
    rounded = max(divisor, int(value + divisor / 2) // divisor * divisor)
    if rounded < 0.9 * value:
        rounded += divisor
    return rounded


def separable_cost_ratio(out_channels, kernel_size):
    """Cost of a depthwise separable convolution relative to a standard one.

    :math:`(k^2 C_{in} + C_{in} C_{out}) / (k^2 C_{in} C_{out})
    = 1/C_{out} + 1/k^2`, for the weights and for the multiply-adds alike
    (biases and batch norm left out); it does not depend on :math:`C_{in}`.

    Parameters
    ----------
    out_channels : int
        At least 1.
    kernel_size : int
        At least 1.

    Returns
    -------
    float

    Raises
    ------
    TypeError, ValueError
        For an argument that is not an int, or below 1.

    Examples
    --------
    >>> round(separable_cost_ratio(256, 3), 4)  # 1/256 + 1/9: about 8.5 times less
    0.115
    """
    out_channels = _check_int(out_channels, "out_channels", 1)
    kernel_size = _check_int(kernel_size, "kernel_size", 1)
    return 1 / out_channels + 1 / kernel_size**2


class ConvBNAct(nn.Sequential):
    """Convolution (no bias, padding ``k // 2``), batch norm, optional activation.

    Parameters
    ----------
    in_channels, out_channels : int
    kernel_size : int
        Odd.
    stride : int
    groups : int
        ``in_channels`` for a depthwise convolution.
    activation : {"relu", "relu6", "silu"} or None
        None for the linear projection of an inverted residual block.
    bn_eps : float

    Examples
    --------
    >>> layer = ConvBNAct(8, 8, 3, groups=8)  # depthwise: 8 filters of 3x3x1
    >>> layer[0].weight.shape, sum(p.numel() for p in layer.parameters())
    (torch.Size([8, 1, 3, 3]), 88)
    """

    def __init__(
        self,
        in_channels,
        out_channels,
        kernel_size,
        stride=1,
        groups=1,
        activation="relu",
        bn_eps=1e-5,
    ):
        in_channels = _check_int(in_channels, "in_channels", 1)
        out_channels = _check_int(out_channels, "out_channels", 1)
        kernel_size = _check_kernel(kernel_size)
        stride = _check_int(stride, "stride", 1)
        groups = _check_int(groups, "groups", 1)
        if in_channels % groups or out_channels % groups:
            raise ValueError(
                f"groups ({groups}) must divide in_channels ({in_channels}) and "
                f"out_channels ({out_channels})"
            )
        layers = [
            nn.Conv2d(
                in_channels,
                out_channels,
                kernel_size,
                stride,
                kernel_size // 2,
                groups=groups,
                bias=False,
            ),
            nn.BatchNorm2d(out_channels, eps=bn_eps),
        ]
        if activation is not None:
            layers.append(_activation(activation))
        super().__init__(*layers)


class DepthwiseSeparableConv(nn.Module):
    """A depthwise kxk convolution, then a pointwise 1x1 one (MobileNet v1).

    ``depthwise`` filters each channel on its own (``groups=in_channels``),
    ``pointwise`` mixes the channels; each is followed by batch norm and the
    activation. It replaces a standard kxk convolution from ``in_channels``
    to ``out_channels`` at :func:`separable_cost_ratio` of its cost.

    Parameters
    ----------
    in_channels, out_channels : int
    kernel_size : int
        Odd, 3 by default.
    stride : int
        Of the depthwise convolution.
    activation : {"relu", "relu6", "silu"}

    Raises
    ------
    TypeError, ValueError
        For arguments of the wrong type or out of range.

    Examples
    --------
    >>> layer = DepthwiseSeparableConv(32, 64)
    >>> tuple(layer(torch.zeros(1, 32, 8, 8)).shape)
    (1, 64, 8, 8)
    >>> layer.depthwise[0].weight.numel(), layer.pointwise[0].weight.numel()
    (288, 2048)
    """

    def __init__(
        self, in_channels, out_channels, kernel_size=3, stride=1, activation="relu"
    ):
        super().__init__()
        self.depthwise = ConvBNAct(
            in_channels,
            in_channels,
            kernel_size,
            stride,
            groups=in_channels,
            activation=activation,
        )
        self.pointwise = ConvBNAct(in_channels, out_channels, 1, activation=activation)

    def forward(self, x):
        return self.pointwise(self.depthwise(x))


class SqueezeExcitation(nn.Module):
    """Scale each channel by a gate in (0, 1) computed from the whole image.

    :math:`s = \\sigma(W_2\\, \\mathrm{act}(W_1\\, \\bar{x} + b_1) + b_2)`, with
    :math:`\\bar{x}` the channel means; the output is :math:`s_c x_c`.

    Parameters
    ----------
    channels : int
        Channels of the input (and output).
    squeezed : int
        Width of the bottleneck, at least 1.
    activation : {"relu", "relu6", "silu"}

    Examples
    --------
    >>> se = SqueezeExcitation(16, 4)
    >>> sum(p.numel() for p in se.parameters())  # (16*4 + 4) + (4*16 + 16)
    148
    """

    def __init__(self, channels, squeezed, activation="relu"):
        super().__init__()
        channels = _check_int(channels, "channels", 1)
        squeezed = _check_int(squeezed, "squeezed", 1)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.reduce = nn.Conv2d(channels, squeezed, 1)
        self.act = _activation(activation)
        self.expand = nn.Conv2d(squeezed, channels, 1)

    def forward(self, x):
        gate = torch.sigmoid(self.expand(self.act(self.reduce(self.pool(x)))))
        return x * gate


class InvertedResidual(nn.Module):
    """MobileNet v2's inverted residual block (EfficientNet's MBConv).

    1x1 ``expand`` to ``expand_ratio * in_channels`` channels (left out when the
    ratio is 1), ``depthwise`` kxk with the stride, optional ``se``, 1x1
    ``project`` to ``out_channels`` with batch norm and *no* activation (a
    linear bottleneck). When ``stride == 1`` and ``in_channels ==
    out_channels`` the input is added to the output.

    Parameters
    ----------
    in_channels, out_channels : int
    expand_ratio : int
        At least 1 (6 in MobileNet v2 and EfficientNet).
    kernel_size : int
        Odd (3 or 5 in EfficientNet).
    stride : int
    se_ratio : float, optional
        With a squeeze-and-excitation of ``max(1, int(in_channels * se_ratio))``
        channels (EfficientNet's 0.25); None for none (MobileNet v2, Lite).
    activation : {"relu", "relu6", "silu"}
        ReLU6 in MobileNet v2 and EfficientNet-Lite, SiLU (swish) in
        EfficientNet.
    bn_eps : float

    Raises
    ------
    TypeError, ValueError
        For arguments of the wrong type or out of range.

    Examples
    --------
    >>> block = InvertedResidual(24, 24, expand_ratio=6)
    >>> block.use_residual, tuple(block(torch.zeros(1, 24, 14, 14)).shape)
    (True, (1, 24, 14, 14))
    >>> InvertedResidual(24, 40, 6, kernel_size=5, stride=2).use_residual
    False
    """

    def __init__(
        self,
        in_channels,
        out_channels,
        expand_ratio,
        kernel_size=3,
        stride=1,
        se_ratio=None,
        activation="relu6",
        bn_eps=1e-5,
    ):
        super().__init__()
        in_channels = _check_int(in_channels, "in_channels", 1)
        out_channels = _check_int(out_channels, "out_channels", 1)
        expand_ratio = _check_int(expand_ratio, "expand_ratio", 1)
        stride = _check_int(stride, "stride", 1)
        hidden = in_channels * expand_ratio
        if expand_ratio != 1:
            self.expand = ConvBNAct(
                in_channels, hidden, 1, activation=activation, bn_eps=bn_eps
            )
        self.depthwise = ConvBNAct(
            hidden,
            hidden,
            kernel_size,
            stride,
            groups=hidden,
            activation=activation,
            bn_eps=bn_eps,
        )
        if se_ratio is not None:
            if not isinstance(se_ratio, numbers.Real) or isinstance(se_ratio, bool):
                raise TypeError(f"se_ratio must be a number or None, got {se_ratio!r}")
            if not 0 < se_ratio <= 1:
                raise ValueError(f"se_ratio must be in (0, 1], got {se_ratio}")
            squeezed = max(1, int(in_channels * se_ratio))
            self.se = SqueezeExcitation(hidden, squeezed, activation)
        self.project = ConvBNAct(
            hidden, out_channels, 1, activation=None, bn_eps=bn_eps
        )
        self.use_residual = stride == 1 and in_channels == out_channels

    def forward(self, x):
        out = x
        for name in ("expand", "depthwise", "se", "project"):
            if hasattr(self, name):
                out = getattr(self, name)(out)
        return out + x if self.use_residual else out


def mobilenet(
    config=MOBILENET_V2,
    num_classes=1000,
    in_channels=3,
    input_size=224,
    width=1.0,
    stem_channels=32,
    head_channels=1280,
    stem=None,
    activation="relu6",
    se_ratio=None,
    dropout=0.2,
    bn_eps=1e-5,
):
    """A stem, stages of inverted residual blocks, a 1x1 head, pooling, a classifier.

    ``features``: ``stem`` (3x3 convolution), then the blocks of each stage
    (the first with the stage's stride, the others with stride 1), then
    ``head`` (1x1 convolution); ``classifier``: global average pooling,
    flatten, dropout, linear.

    Parameters
    ----------
    config : sequence of (t, k, c, n, s)
        One row per stage: expansion ratio, kernel size, output channels,
        number of blocks, stride of the first block. :data:`MOBILENET_V2`,
        :data:`EFFICIENTNET_LITE0`, :data:`SMALL_28`, or your own.
    num_classes, in_channels : int
    input_size : int
        Side of the square input images, at least 1; picks the stem when
        ``stem`` is None.
    width : float
        Multiplies every channel count, rounded by :func:`make_divisible`.
    stem_channels, head_channels : int
        Output channels of the stem and of the head. ``width`` scales the
        stem; it widens the head when above 1 but never narrows it
        (MobileNet v2's rule).
    stem : {"imagenet", "small"}, optional
        "imagenet": the stem has stride 2; "small": stride 1. By default
        "small" for ``input_size`` below 64.
    activation : {"relu", "relu6", "silu"}
    se_ratio : float, optional
        Squeeze-and-excitation in every block (EfficientNet-B0: 0.25).
    dropout : float
        In [0, 1).
    bn_eps : float
        Batch-norm epsilon (1e-5 in torchvision's MobileNetV2 and
        EfficientNet-B0, 1e-3 in TensorFlow's EfficientNets and the
        ``efficientnet_lite_pytorch`` package).

    Returns
    -------
    torch.nn.Sequential
        With children ``features`` and ``classifier``.

    Raises
    ------
    TypeError, ValueError
        For arguments of the wrong type or out of range, or a bad config row.

    Examples
    --------
    >>> sum(p.numel() for p in mobilenet().parameters())  # torchvision's MobileNetV2
    3504872
    >>> sum(p.numel() for p in mobilenet(EFFICIENTNET_LITE0).parameters())
    4652008
    >>> small = mobilenet(SMALL_28, 10, 1, 28, stem_channels=16, head_channels=256)
    >>> tuple(small(torch.zeros(2, 1, 28, 28)).shape)
    (2, 10)
    """
    _check_int(num_classes, "num_classes", 1)
    _check_int(in_channels, "in_channels", 1)
    _check_int(input_size, "input_size", 1)
    _check_int(stem_channels, "stem_channels", 1)
    _check_int(head_channels, "head_channels", 1)
    if not isinstance(width, numbers.Real) or isinstance(width, bool):
        raise TypeError(f"width must be a number, got {width!r}")
    if not width > 0:
        raise ValueError(f"width must be greater than 0, got {width}")
    if not isinstance(dropout, numbers.Real) or isinstance(dropout, bool):
        raise TypeError(f"dropout must be a number, got {dropout!r}")
    if not 0 <= dropout < 1:
        raise ValueError(f"dropout must be in [0, 1), got {dropout}")
    if stem is None:
        stem = "small" if input_size < 64 else "imagenet"
    if stem not in _STEMS:
        raise ValueError(f"stem must be one of {_STEMS} or None, got {stem!r}")
    if isinstance(config, (str, bytes)) or not hasattr(config, "__len__"):
        raise TypeError(f"config must be a sequence of (t, k, c, n, s), got {config!r}")
    if len(config) == 0:
        raise ValueError("config must have at least one stage")
    for row in config:
        if not (isinstance(row, (tuple, list)) and len(row) == 5):
            raise ValueError(f"each config row must be (t, k, c, n, s), got {row!r}")

    channels = make_divisible(stem_channels * width)
    features = OrderedDict()
    features["stem"] = ConvBNAct(
        in_channels,
        channels,
        3,
        stride=2 if stem == "imagenet" else 1,
        activation=activation,
        bn_eps=bn_eps,
    )
    for stage, (t, k, c, n, s) in enumerate(config, start=1):
        _check_int(n, f"repeats n of stage {stage}", 1)
        out_channels = make_divisible(c * width)
        for i in range(n):
            features[f"stage{stage}_{i + 1}"] = InvertedResidual(
                channels,
                out_channels,
                t,
                k,
                s if i == 0 else 1,
                se_ratio,
                activation,
                bn_eps,
            )
            channels = out_channels
    head = make_divisible(head_channels * max(1.0, width))
    features["head"] = ConvBNAct(
        channels, head, 1, activation=activation, bn_eps=bn_eps
    )
    classifier = nn.Sequential(
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Dropout(p=dropout),
        nn.Linear(head, num_classes),
    )
    return nn.Sequential(
        OrderedDict(features=nn.Sequential(features), classifier=classifier)
    )
