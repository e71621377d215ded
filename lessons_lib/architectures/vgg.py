"""VGG (Simonyan and Zisserman, 2014): stacks of 3x3 convolutions, at any scale.

Five stages of 3x3 convolutions (padding 1, so a stage keeps the map size),
each followed by a 2x2 max pooling that halves it; 64, 128, 256, 512 and 512
channels; then three dense layers. The depths differ only in the number of
convolutions per stage, which is all of :data:`VGG_CONFIGS`:

=====  ===================  ====================================
depth  convs per stage      = convolutions + 3 dense layers
=====  ===================  ====================================
11     1, 1, 2, 2, 2        8 + 3   (configuration A of the paper)
13     2, 2, 2, 2, 2        10 + 3  (B)
16     2, 2, 3, 3, 3        13 + 3  (D)
19     2, 2, 4, 4, 4        16 + 3  (E)
=====  ===================  ====================================

At full size :func:`vgg` builds exactly torchvision's ``vgg11`` ... ``vgg19``
and their ``_bn`` twins (``batch_norm=True``: convolution, batch norm, ReLU),
module names included, so torchvision's state dicts load into ours.

How ``input_size`` changes the design
-------------------------------------
- A stage's **pooling** is kept only while its output is at least 3x3 (a
  3x3 convolution on a smaller map sees mostly padding); a left-out pooling
  becomes ``nn.Identity()``, so the module indices, and state-dict keys, are
  the same at every size. At 224 all five are kept (224 / 2**5 = 7); at 28,
  three (28 -> 14 -> 7 -> 3), and stages 4 and 5 work on 3x3 maps.
- The **adaptive average pooling** before the dense layers gives 7x7 maps
  (torchvision's choice, which lets a 224-network run on larger images) or
  the feature maps' own size when that is smaller: it never enlarges a map.
- ``width`` multiplies every convolution's channels, and the dense layers'
  4096 units unless ``dense`` is given.
"""

from __future__ import annotations

from torch import nn

from .alexnet import _check_dropout, _check_int, _check_width, scaled_channels

__all__ = ["VGG_STAGE_CHANNELS", "VGG_CONFIGS", "VGG", "vgg"]

#: Channels of the five stages.
VGG_STAGE_CHANNELS = (64, 128, 256, 512, 512)
#: Convolutions per stage of each depth (depth = convolutions + 3 dense layers).
VGG_CONFIGS = {
    11: (1, 1, 2, 2, 2),
    13: (2, 2, 2, 2, 2),
    16: (2, 2, 3, 3, 3),
    19: (2, 2, 4, 4, 4),
}
#: A pooling is kept only if its output is at least this wide.
MIN_POOLED = 3
POOLED_SIZE = 7


class VGG(nn.Module):
    """``features`` (convolutions), ``avgpool``, ``classifier`` (dense layers)."""

    def __init__(self, features, avgpool, classifier):
        super().__init__()
        self.features = features
        self.avgpool = avgpool
        self.classifier = classifier

    def forward(self, x):
        x = self.avgpool(self.features(x))
        return self.classifier(x.flatten(1))


def _init_weights(model):
    """torchvision's initialisation of VGG (He-normal convolutions, small dense)."""
    for module in model.modules():
        if isinstance(module, nn.Conv2d):
            nn.init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")
            nn.init.zeros_(module.bias)
        elif isinstance(module, nn.BatchNorm2d):
            nn.init.ones_(module.weight)
            nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Linear):
            nn.init.normal_(module.weight, 0, 0.01)
            nn.init.zeros_(module.bias)


def vgg(
    depth,
    num_classes=1000,
    in_channels=3,
    input_size=224,
    width=1.0,
    batch_norm=False,
    dense=None,
    dropout=0.5,
):
    """VGG-11/13/16/19 for ``input_size`` x ``input_size`` images, any width.

    Parameters
    ----------
    depth : {11, 13, 16, 19}
        A key of :data:`VGG_CONFIGS`.
    num_classes : int
        Outputs of the last dense layer (1000 for ImageNet).
    in_channels : int
        3 for colour images, 1 for grey ones.
    input_size : int
        Side of the (square) images the network is designed for; it decides
        which poolings are kept and the size of the dense input (see the
        module's description). At least 3. Other sizes still run through
        the network (the adaptive pooling adapts).
    width : float
        Multiplies the channels of every convolution (and the dense units
        when ``dense`` is None).
    batch_norm : bool
        A ``BatchNorm2d`` between every convolution and its ReLU.
    dense : int, optional
        Units of the two hidden dense layers; ``round(4096 * width)`` by
        default.
    dropout : float
        Dropout probability after the first two dense layers.

    Returns
    -------
    VGG

    Raises
    ------
    TypeError
        If a count is not an int or ``batch_norm`` not a bool.
    ValueError
        If ``depth`` is not in :data:`VGG_CONFIGS` or an argument is out of
        range.

    Examples
    --------
    >>> from lessons_lib.models import count_parameters
    >>> count_parameters(vgg(16))  # torchvision's VGG-16
    138357544
    >>> small = vgg(11, num_classes=10, in_channels=1, input_size=28, width=0.125)
    >>> [type(m).__name__ for m in small.features].count("MaxPool2d")
    3
    """
    if isinstance(depth, bool) or depth not in VGG_CONFIGS:
        raise ValueError(f"depth must be one of {sorted(VGG_CONFIGS)}, got {depth!r}")
    num_classes = _check_int(num_classes, "num_classes", 1)
    in_channels = _check_int(in_channels, "in_channels", 1)
    input_size = _check_int(input_size, "input_size", MIN_POOLED)
    width = _check_width(width)
    dropout = _check_dropout(dropout)
    if not isinstance(batch_norm, bool):
        raise TypeError(f"batch_norm must be True or False, got {batch_norm!r}")
    dense = round(4096 * width) if dense is None else dense
    dense = _check_int(dense, "dense", 1)

    layers, channels, size = [], in_channels, input_size
    for convs, stage_channels in zip(VGG_CONFIGS[depth], VGG_STAGE_CHANNELS):
        out = scaled_channels(stage_channels, width)
        for _ in range(convs):
            layers.append(nn.Conv2d(channels, out, kernel_size=3, padding=1))
            if batch_norm:
                layers.append(nn.BatchNorm2d(out))
            layers.append(nn.ReLU(inplace=True))
            channels = out
        if size // 2 >= MIN_POOLED:
            layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
            size //= 2
        else:
            layers.append(nn.Identity())

    pooled = min(POOLED_SIZE, size)
    classifier = nn.Sequential(
        nn.Linear(channels * pooled * pooled, dense),
        nn.ReLU(inplace=True),
        nn.Dropout(p=dropout),
        nn.Linear(dense, dense),
        nn.ReLU(inplace=True),
        nn.Dropout(p=dropout),
        nn.Linear(dense, num_classes),
    )
    model = VGG(
        nn.Sequential(*layers), nn.AdaptiveAvgPool2d((pooled, pooled)), classifier
    )
    _init_weights(model)
    return model
