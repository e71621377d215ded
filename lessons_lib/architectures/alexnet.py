"""AlexNet (Krizhevsky, Sutskever and Hinton, 2012), at any scale.

Five convolutions, three max poolings with overlapping 3x3 windows, and three
dense layers with dropout:

========  ==========================  ============================
layer     torchvision (default)       ``variant="2012"`` (the paper)
========  ==========================  ============================
conv1     64 x 11x11, stride 4        96 x 11x11, stride 4, LRN
pool1     3x3, stride 2               3x3, stride 2
conv2     192 x 5x5                   256 x 5x5, 2 groups, LRN
pool2     3x3, stride 2               3x3, stride 2
conv3-5   384, 256, 256 x 3x3         384, 384 (2 groups), 256 (2 groups)
pool3     3x3, stride 2               3x3, stride 2
dense     4096, 4096, classes         4096, 4096, classes
========  ==========================  ============================

The default is torchvision's ``alexnet``, which follows Krizhevsky's
single-GPU version of 2014 ("One weird trick...", arXiv:1404.5997): the
builder gives it with exactly its 61,100,840 parameters and module names, so
``AlexNet.load_state_dict(torchvision.models.alexnet().state_dict())``
works. ``variant="2012"`` is the network of the paper: the two GPUs become
``groups=2`` in the layers whose filters saw only their own GPU's maps, and
local response normalisation follows the first two ReLUs. The paper's
arithmetic (55x55 maps after the first layer) needs 227x227 inputs, not the
224 it states.

How ``input_size`` changes the design
-------------------------------------
- The **stem** (the first convolution) is the ImageNet one, 11x11 with
  stride 4, when ``input_size >= 64``; for smaller images (28x28
  Fashion-MNIST) it is a 3x3 convolution with stride 1 and padding 1, which
  keeps the full resolution. ``stem=(kernel, stride, padding)`` overrides it.
- A **pooling** is kept only while its output is at least 3x3 (a 3x3
  convolution on a smaller map sees mostly padding); a left-out pooling
  becomes ``nn.Identity()``, so the module indices, and state-dict keys, are
  the same at every size.
- The **adaptive average pooling** before the dense layers gives 6x6 maps
  (torchvision's choice) or the feature maps' own size when that is smaller:
  it never enlarges a map.
- ``width`` multiplies every convolution's channels, and the dense layers'
  4096 units unless ``dense`` is given.
"""

from __future__ import annotations

import numbers

from torch import nn

__all__ = ["ALEXNET_CHANNELS", "AlexNet", "alexnet"]

#: Channels of the five convolutions of each variant.
ALEXNET_CHANNELS = {
    "torchvision": (64, 192, 384, 256, 256),
    "2012": (96, 256, 384, 384, 256),
}
#: Channel groups of the five convolutions ("2012": the layers split over two GPUs).
ALEXNET_GROUPS = {"torchvision": (1, 1, 1, 1, 1), "2012": (1, 2, 1, 2, 2)}
IMAGENET_STEM = (11, 4, 2)  # kernel, stride, padding (the 2012 paper: padding 0)
SMALL_STEM = (3, 1, 1)
#: Smaller images get SMALL_STEM.
STEM_SWITCH = 64
#: A pooling is kept only if its output is at least this wide.
MIN_POOLED = 3
POOLED_SIZE = 6


class AlexNet(nn.Module):
    """``features`` (convolutions), ``avgpool``, ``classifier`` (dense layers)."""

    def __init__(self, features, avgpool, classifier):
        super().__init__()
        self.features = features
        self.avgpool = avgpool
        self.classifier = classifier

    def forward(self, x):
        x = self.avgpool(self.features(x))
        return self.classifier(x.flatten(1))


def _check_int(value, name, minimum):
    if not isinstance(value, numbers.Integral) or isinstance(value, bool):
        raise TypeError(f"{name} must be an int, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value!r}")
    return int(value)


def _check_width(width):
    if isinstance(width, bool) or not isinstance(width, numbers.Real) or width <= 0:
        raise ValueError(f"width must be a number greater than 0, got {width!r}")
    return float(width)


def _check_dropout(dropout):
    if (
        isinstance(dropout, bool)
        or not isinstance(dropout, numbers.Real)
        or not 0 <= dropout < 1
    ):
        raise ValueError(f"dropout must be a number in [0, 1), got {dropout!r}")
    return float(dropout)


def scaled_channels(channels, width, groups=1):
    """``round(channels * width)``, at least ``groups`` and divisible by ``groups``."""
    return max(groups, groups * round(channels * width / groups))


def _conv_size(n, kernel, stride, padding):
    return (n + 2 * padding - kernel) // stride + 1


def alexnet(
    num_classes=1000,
    in_channels=3,
    input_size=224,
    width=1.0,
    dense=None,
    dropout=0.5,
    variant="torchvision",
    stem=None,
):
    """AlexNet for ``input_size`` x ``input_size`` images, full size or scaled down.

    Parameters
    ----------
    num_classes : int
        Outputs of the last dense layer (1000 for ImageNet).
    in_channels : int
        3 for colour images, 1 for grey ones.
    input_size : int
        Side of the (square) images the network is designed for; it chooses
        the stem, which poolings are kept and the size of the dense input
        (see the module's description). At least 3. Other sizes still run
        through the network (the adaptive pooling adapts).
    width : float
        Multiplies the channels of every convolution (and the dense units
        when ``dense`` is None).
    dense : int, optional
        Units of the two hidden dense layers; ``round(4096 * width)`` by
        default.
    dropout : float
        Dropout probability before the first two dense layers.
    variant : {"torchvision", "2012"}
        torchvision's single-GPU AlexNet, or the 2012 paper's two-GPU one
        (grouped convolutions, local response normalisation, no padding in
        the first layer: use ``input_size=227``).
    stem : (int, int, int), optional
        ``(kernel, stride, padding)`` of the first convolution, instead of
        the one chosen from ``input_size``.

    Returns
    -------
    AlexNet

    Raises
    ------
    TypeError
        If a count is not an int or ``stem`` not three ints.
    ValueError
        If an argument is out of range, ``variant`` is unknown, or the
        images are too small for the stem (a map would be empty).

    Examples
    --------
    >>> from lessons_lib.models import count_parameters
    >>> count_parameters(alexnet())  # torchvision's AlexNet
    61100840
    >>> small = alexnet(num_classes=10, in_channels=1, input_size=28, width=0.25)
    >>> [type(m).__name__ for m in small.features][:3], small.features[0].kernel_size
    (['Conv2d', 'ReLU', 'MaxPool2d'], (3, 3))
    """
    num_classes = _check_int(num_classes, "num_classes", 1)
    in_channels = _check_int(in_channels, "in_channels", 1)
    input_size = _check_int(input_size, "input_size", MIN_POOLED)
    width = _check_width(width)
    dropout = _check_dropout(dropout)
    if variant not in ALEXNET_CHANNELS:
        raise ValueError(
            f"variant must be one of {sorted(ALEXNET_CHANNELS)}, got {variant!r}"
        )
    if stem is None:
        if input_size >= STEM_SWITCH:
            stem = (
                IMAGENET_STEM if variant == "torchvision" else IMAGENET_STEM[:2] + (0,)
            )
        else:
            stem = SMALL_STEM
    if not (
        isinstance(stem, (tuple, list))
        and len(stem) == 3
        and all(
            isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in stem
        )
    ):
        raise TypeError(
            f"stem must be (kernel, stride, padding), three ints, got {stem!r}"
        )
    kernel, stride, padding = (int(v) for v in stem)
    if kernel < 1 or stride < 1 or padding < 0:
        raise ValueError(
            f"stem needs kernel >= 1, stride >= 1 and padding >= 0, got {tuple(stem)}"
        )

    groups = ALEXNET_GROUPS[variant]
    divisor = max(groups)  # grouped layers need channel counts divisible by 2
    channels = [scaled_channels(c, width, divisor) for c in ALEXNET_CHANNELS[variant]]
    dense = round(4096 * width) if dense is None else dense
    dense = _check_int(dense, "dense", 1)

    size = _conv_size(input_size, kernel, stride, padding)
    if size < 1:
        raise ValueError(
            f"input_size={input_size} is too small for a {kernel}x{kernel} stem with "
            f"stride {stride} and padding {padding}: its output would be empty"
        )

    def pool():
        nonlocal size
        pooled = (size - 3) // 2 + 1
        if pooled < MIN_POOLED:
            return [nn.Identity()]
        size = pooled
        return [nn.MaxPool2d(kernel_size=3, stride=2)]  # overlapping windows

    def lrn():
        # the paper's k=2, n=5, alpha=1e-4, beta=0.75; PyTorch divides alpha by n
        return [nn.LocalResponseNorm(size=5, alpha=5 * 1e-4, beta=0.75, k=2.0)]

    norm = lrn if variant == "2012" else list
    c1, c2, c3, c4, c5 = channels
    layers = [
        nn.Conv2d(in_channels, c1, kernel, stride, padding),
        nn.ReLU(inplace=True),
    ]
    layers += norm() + pool()
    layers += [nn.Conv2d(c1, c2, 5, padding=2, groups=groups[1]), nn.ReLU(inplace=True)]
    layers += norm() + pool()
    layers += [nn.Conv2d(c2, c3, 3, padding=1, groups=groups[2]), nn.ReLU(inplace=True)]
    layers += [nn.Conv2d(c3, c4, 3, padding=1, groups=groups[3]), nn.ReLU(inplace=True)]
    layers += [nn.Conv2d(c4, c5, 3, padding=1, groups=groups[4]), nn.ReLU(inplace=True)]
    layers += pool()

    pooled = min(POOLED_SIZE, size)
    classifier = nn.Sequential(
        nn.Dropout(p=dropout),
        nn.Linear(c5 * pooled * pooled, dense),
        nn.ReLU(inplace=True),
        nn.Dropout(p=dropout),
        nn.Linear(dense, dense),
        nn.ReLU(inplace=True),
        nn.Linear(dense, num_classes),
    )
    return AlexNet(
        nn.Sequential(*layers), nn.AdaptiveAvgPool2d((pooled, pooled)), classifier
    )
