"""Inception blocks and GoogLeNet (Szegedy et al., 2014), at any scale.

- :class:`ConvBNReLU`: a convolution without bias, batch norm, ReLU
  (torchvision's ``BasicConv2d``; the 2014 paper had no batch norm).
- :class:`InceptionBlock`: four parallel branches (1x1; 1x1 then 3x3; 1x1
  then "5x5"; 3x3 max pooling then 1x1) whose outputs are concatenated along
  the channel axis.
- :func:`googlenet`: the 22-layer network of the paper, without its two
  auxiliary classifiers. At full size its module names and its 6,624,904
  parameters are those of ``torchvision.models.googlenet(aux_logits=False)``,
  so torchvision's state dict loads into it; ``width`` and ``blocks`` scale it
  down, and ``stem="small"`` keeps a 28x28 image at 28x28 until the first
  Inception stage.

A quirk kept on purpose: torchvision's branch called "5x5" uses a 3x3
convolution (a known mistake of the original port that its published
weights depend on). ``kernel_5x5=3`` follows torchvision, so that counts and
state dicts agree; ``kernel_5x5=5`` builds the paper's block.

The cost of a convolution with :math:`C_{in}` input and :math:`C_{out}` output
channels, a :math:`k \\times k` kernel and an :math:`H \\times W` output is

.. math:: \\text{params} = k^2 C_{in} C_{out}, \\qquad
          \\text{multiply-adds} = H W k^2 C_{in} C_{out},

so a 1x1 "reduction" to few channels before a 3x3 or 5x5 convolution divides
the cost of the expensive layer by :math:`C_{in} / C_{reduce}`.
"""

from __future__ import annotations

import numbers
from collections import OrderedDict

import torch
from torch import nn

__all__ = [
    "ConvBNReLU",
    "InceptionBlock",
    "GOOGLENET_BLOCKS",
    "googlenet",
]

#: The nine Inception blocks of GoogLeNet (Table 1 of the paper) by stage:
#: name, then #1x1, #3x3 reduce, #3x3, #5x5 reduce, #5x5, pool proj.
GOOGLENET_BLOCKS = (
    (
        ("inception3a", (64, 96, 128, 16, 32, 32)),
        ("inception3b", (128, 128, 192, 32, 96, 64)),
    ),
    (
        ("inception4a", (192, 96, 208, 16, 48, 64)),
        ("inception4b", (160, 112, 224, 24, 64, 64)),
        ("inception4c", (128, 128, 256, 24, 64, 64)),
        ("inception4d", (112, 144, 288, 32, 64, 64)),
        ("inception4e", (256, 160, 320, 32, 128, 128)),
    ),
    (
        ("inception5a", (256, 160, 320, 32, 128, 128)),
        ("inception5b", (384, 192, 384, 48, 128, 128)),
    ),
)

_STEMS = ("imagenet", "small")


def _check_int(value, name, minimum):
    if not isinstance(value, numbers.Integral) or isinstance(value, bool):
        raise TypeError(f"{name} must be an int, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
    return int(value)


def _check_real(value, name):
    if not isinstance(value, numbers.Real) or isinstance(value, bool):
        raise TypeError(f"{name} must be a number, got {value!r}")
    return float(value)


class ConvBNReLU(nn.Module):
    """Convolution (no bias), batch norm (eps 0.001), ReLU.

    The same module names (``conv``, ``bn``) as torchvision's ``BasicConv2d``.

    Parameters
    ----------
    in_channels, out_channels : int
    kernel_size : int
    stride : int
    padding : int

    Examples
    --------
    >>> layer = ConvBNReLU(3, 8, kernel_size=3, padding=1)
    >>> sum(p.numel() for p in layer.parameters())  # 8*3*3*3 weights + 2*8 BN
    232
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0):
        super().__init__()
        self.conv = nn.Conv2d(
            in_channels, out_channels, kernel_size, stride, padding, bias=False
        )
        self.bn = nn.BatchNorm2d(out_channels, eps=0.001)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x):
        return self.relu(self.bn(self.conv(x)))


class InceptionBlock(nn.Module):
    """Four parallel branches, concatenated along the channel axis.

    ``branch1``: 1x1 convolution. ``branch2``: 1x1 reduction, then 3x3.
    ``branch3``: 1x1 reduction, then the "5x5" convolution. ``branch4``: 3x3
    max pooling (stride 1), then a 1x1 projection. Every branch keeps the
    height and width, so the output has
    ``ch1x1 + ch3x3 + ch5x5 + pool_proj`` channels (``out_channels``).

    Parameters
    ----------
    in_channels : int
    ch1x1 : int
        Output channels of the 1x1 branch.
    ch3x3_reduce, ch3x3 : int
        Channels after the 1x1 reduction and after the 3x3 convolution.
    ch5x5_reduce, ch5x5 : int
        The same for the "5x5" branch.
    pool_proj : int
        Channels of the 1x1 projection after the max pooling.
    kernel_5x5 : {3, 5}
        Kernel of the "5x5" branch: 3 as in torchvision (whose weights need
        it), 5 as in the paper.

    Raises
    ------
    TypeError
        If a channel count or ``kernel_5x5`` is not an int.
    ValueError
        If a channel count is below 1 or ``kernel_5x5`` is not 3 or 5.

    Examples
    --------
    >>> block = InceptionBlock(192, 64, 96, 128, 16, 32, 32)  # inception 3a
    >>> block.out_channels, tuple(block(torch.zeros(1, 192, 28, 28)).shape)
    (256, (1, 256, 28, 28))
    """

    def __init__(
        self,
        in_channels,
        ch1x1,
        ch3x3_reduce,
        ch3x3,
        ch5x5_reduce,
        ch5x5,
        pool_proj,
        kernel_5x5=3,
    ):
        super().__init__()
        counts = {
            "in_channels": in_channels,
            "ch1x1": ch1x1,
            "ch3x3_reduce": ch3x3_reduce,
            "ch3x3": ch3x3,
            "ch5x5_reduce": ch5x5_reduce,
            "ch5x5": ch5x5,
            "pool_proj": pool_proj,
        }
        for name, value in counts.items():
            _check_int(value, name, 1)
        _check_int(kernel_5x5, "kernel_5x5", 1)
        if kernel_5x5 not in (3, 5):
            raise ValueError(
                f"kernel_5x5 must be 3 (torchvision) or 5 (the paper), got {kernel_5x5}"
            )
        self.in_channels = int(in_channels)
        self.out_channels = int(ch1x1 + ch3x3 + ch5x5 + pool_proj)
        self.branch1 = ConvBNReLU(in_channels, ch1x1, kernel_size=1)
        self.branch2 = nn.Sequential(
            ConvBNReLU(in_channels, ch3x3_reduce, kernel_size=1),
            ConvBNReLU(ch3x3_reduce, ch3x3, kernel_size=3, padding=1),
        )
        self.branch3 = nn.Sequential(
            ConvBNReLU(in_channels, ch5x5_reduce, kernel_size=1),
            ConvBNReLU(
                ch5x5_reduce, ch5x5, kernel_size=kernel_5x5, padding=kernel_5x5 // 2
            ),
        )
        self.branch4 = nn.Sequential(
            nn.MaxPool2d(kernel_size=3, stride=1, padding=1, ceil_mode=True),
            ConvBNReLU(in_channels, pool_proj, kernel_size=1),
        )

    def forward(self, x):
        branches = (self.branch1, self.branch2, self.branch3, self.branch4)
        return torch.cat([branch(x) for branch in branches], dim=1)


def _scaled(channels, width):
    return max(1, round(channels * width))


def googlenet(
    num_classes=1000,
    in_channels=3,
    input_size=224,
    width=1.0,
    blocks=(2, 5, 2),
    stem=None,
    dropout=0.2,
    kernel_5x5=3,
):
    """GoogLeNet without its auxiliary classifiers, full size or scaled down.

    The layers, in order: a stem (``conv1``, ``maxpool1``, ``conv2``,
    ``conv3``, ``maxpool2``), Inception stages 3, 4 and 5 separated by max
    poolings (``maxpool3``, ``maxpool4``), then global average pooling,
    dropout and one linear layer (``fc``) instead of dense layers.

    Parameters
    ----------
    num_classes : int
    in_channels : int
        3 for colour, 1 for grey images.
    input_size : int
        Side of the square input images, at least 15; it picks the stem when
        ``stem`` is None.
    width : float
        Multiplies every channel count (rounded, at least 1); 1.0 is the paper.
    blocks : tuple of three ints
        Inception blocks in stages 3, 4 and 5, at most (2, 5, 2): the first
        ones of each stage in :data:`GOOGLENET_BLOCKS`.
    stem : {"imagenet", "small"}, optional
        "imagenet": 7x7 convolution with stride 2 and two 3x3 max poolings
        with stride 2 (224 pixels become 28 before stage 3); "small": the
        same three convolutions with a 3x3 first kernel, stride 1 and no
        pooling (28 pixels stay 28). By default "small" for ``input_size``
        below 64, else "imagenet".
    dropout : float
        Dropout probability before ``fc``, in [0, 1).
    kernel_5x5 : {3, 5}
        See :class:`InceptionBlock`.

    Returns
    -------
    torch.nn.Sequential
        With torchvision's module names: at full size ``googlenet()`` loads
        ``torchvision.models.googlenet(weights=None, aux_logits=False)``'s
        state dict and computes the same logits.

    Raises
    ------
    TypeError
        For an argument of the wrong type.
    ValueError
        For a number out of range or an unknown stem.

    Examples
    --------
    >>> sum(p.numel() for p in googlenet().parameters())
    6624904
    >>> small = googlenet(num_classes=10, in_channels=1, input_size=28, width=0.25)
    >>> tuple(small(torch.zeros(2, 1, 28, 28)).shape)
    (2, 10)
    """
    _check_int(num_classes, "num_classes", 1)
    _check_int(in_channels, "in_channels", 1)
    _check_int(input_size, "input_size", 15)
    width = _check_real(width, "width")
    if not width > 0:
        raise ValueError(f"width must be greater than 0, got {width}")
    dropout = _check_real(dropout, "dropout")
    if not 0 <= dropout < 1:
        raise ValueError(f"dropout must be in [0, 1), got {dropout}")
    full = tuple(len(stage) for stage in GOOGLENET_BLOCKS)
    if not (isinstance(blocks, (tuple, list)) and len(blocks) == 3):
        raise TypeError(f"blocks must be a tuple of three ints, got {blocks!r}")
    for count, most, stage in zip(blocks, full, (3, 4, 5)):
        _check_int(count, f"blocks[{stage - 3}] (stage {stage})", 1)
        if count > most:
            raise ValueError(
                f"blocks[{stage - 3}] (stage {stage}) must be at most {most}, got "
                f"{count}"
            )
    if stem is None:
        stem = "small" if input_size < 64 else "imagenet"
    if stem not in _STEMS:
        raise ValueError(f"stem must be one of {_STEMS} or None, got {stem!r}")

    def c(channels):
        return _scaled(channels, width)

    layers = OrderedDict()
    if stem == "imagenet":
        layers["conv1"] = ConvBNReLU(in_channels, c(64), 7, stride=2, padding=3)
        layers["maxpool1"] = nn.MaxPool2d(3, stride=2, ceil_mode=True)
    else:
        layers["conv1"] = ConvBNReLU(in_channels, c(64), 3, padding=1)
    layers["conv2"] = ConvBNReLU(c(64), c(64), 1)
    layers["conv3"] = ConvBNReLU(c(64), c(192), 3, padding=1)
    if stem == "imagenet":
        layers["maxpool2"] = nn.MaxPool2d(3, stride=2, ceil_mode=True)
    channels = c(192)
    pools = {0: ("maxpool3", nn.MaxPool2d(3, 2, ceil_mode=True))}
    pools[1] = ("maxpool4", nn.MaxPool2d(2, 2, ceil_mode=True))
    for stage, count in enumerate(blocks):
        for name, config in GOOGLENET_BLOCKS[stage][:count]:
            block = InceptionBlock(
                channels, *(c(v) for v in config), kernel_5x5=kernel_5x5
            )
            layers[name] = block
            channels = block.out_channels
        if stage in pools:
            layers[pools[stage][0]] = pools[stage][1]
    layers["avgpool"] = nn.AdaptiveAvgPool2d((1, 1))
    layers["flatten"] = nn.Flatten()
    layers["dropout"] = nn.Dropout(p=dropout)
    layers["fc"] = nn.Linear(channels, num_classes)
    return nn.Sequential(layers)
