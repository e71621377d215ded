"""ResNet (He et al., 2015): basic and bottleneck blocks, at any scale.

- :class:`BasicBlock`: two 3x3 convolutions with batch norm, plus a shortcut.
- :class:`Bottleneck`: 1x1 (reduce), 3x3, 1x1 (expand by 4), plus a shortcut.
- :func:`resnet`: ResNet-18/34/50/101/152. At full size (``width=64``,
  ``stem="imagenet"``) the module names and parameter counts are those of
  ``torchvision.models.resnet18`` and friends, so their state dicts load into
  ours; ``stem="small"`` starts with one 3x3 convolution and no max pooling,
  for 28x28 or 32x32 images.
- :func:`cifar_resnet`: the 6n+2 family of the paper's CIFAR-10 section
  (ResNet-8/14/20/32/56/110): three stages of ``n`` basic blocks with ``width``,
  ``2 width`` and ``4 width`` channels.
- ``plain=True`` builds the no-shortcut twin of any of them: the same layers,
  the additions (and projection shortcuts) removed.

A residual block computes :math:`y = \\mathrm{relu}(F(x) + s(x))`, where
:math:`s` is the identity, or a 1x1 projection with batch norm where the shape
changes ("projection", option B of the paper), or a subsampling with zero
channels appended ("identity", option A, no parameters).

The checkpoint of the course's best Fashion-MNIST model is
``data/resnet_fashion.pt``, written by ``data/make_resnet_fashion.py``;
:func:`load_fashion_resnet` checks its SHA-256 before loading it.
"""

from __future__ import annotations

import hashlib
import numbers
from pathlib import Path

import torch
from torch import nn
from torch.nn import functional as F

__all__ = [
    "BasicBlock",
    "Bottleneck",
    "IdentityShortcut",
    "resnet",
    "cifar_resnet",
    "RESNET_LAYERS",
    "FASHION_CONFIG",
    "FASHION_CHECKPOINT",
    "FASHION_SHA256",
    "fashion_resnet",
    "load_fashion_resnet",
]

#: Blocks per stage and block type of each ImageNet depth (Table 1 of the paper).
RESNET_LAYERS = {
    18: ("basic", (2, 2, 2, 2)),
    34: ("basic", (3, 4, 6, 3)),
    50: ("bottleneck", (3, 4, 6, 3)),
    101: ("bottleneck", (3, 4, 23, 3)),
    152: ("bottleneck", (3, 8, 36, 3)),
}

_SHORTCUTS = ("projection", "identity")


def _check_int(value, name, minimum):
    if not isinstance(value, numbers.Integral) or isinstance(value, bool):
        raise TypeError(f"{name} must be an int, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
    return int(value)


def _check_bool(value, name):
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return value


def _check_choice(value, name, choices):
    if value not in choices:
        raise ValueError(f"{name} must be one of {choices}, got {value!r}")
    return value


def _conv3x3(in_channels, out_channels, stride=1):
    return nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False)


def _conv1x1(in_channels, out_channels, stride=1):
    return nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False)


class IdentityShortcut(nn.Module):
    """Option A shortcut: keep every ``stride``-th pixel and append zero channels.

    It has no parameters. With ``stride=1`` and equal channels it is the
    identity.

    Parameters
    ----------
    in_channels, out_channels : int
        ``out_channels >= in_channels``.
    stride : int

    Examples
    --------
    >>> s = IdentityShortcut(2, 4, stride=2)
    >>> tuple(s(torch.ones(1, 2, 4, 4)).shape), float(s(torch.ones(1, 2, 4, 4)).sum())
    ((1, 4, 2, 2), 8.0)
    """

    def __init__(self, in_channels, out_channels, stride=1):
        super().__init__()
        self.in_channels = _check_int(in_channels, "in_channels", 1)
        self.out_channels = _check_int(out_channels, "out_channels", 1)
        self.stride = _check_int(stride, "stride", 1)
        if self.out_channels < self.in_channels:
            raise ValueError(
                "an identity shortcut cannot drop channels: out_channels "
                f"({out_channels}) must be at least in_channels ({in_channels})"
            )

    def forward(self, x):
        if self.stride > 1:
            x = x[:, :, :: self.stride, :: self.stride]
        extra = self.out_channels - self.in_channels
        if extra:
            x = F.pad(x, (0, 0, 0, 0, 0, extra))
        return x

    def extra_repr(self):
        return f"{self.in_channels}, {self.out_channels}, stride={self.stride}"


def _shortcut(in_channels, out_channels, stride, shortcut, plain):
    """The ``downsample`` module of a block: None where the identity fits."""
    if plain or (stride == 1 and in_channels == out_channels):
        return None
    if shortcut == "identity":
        return IdentityShortcut(in_channels, out_channels, stride)
    return nn.Sequential(
        _conv1x1(in_channels, out_channels, stride), nn.BatchNorm2d(out_channels)
    )


class BasicBlock(nn.Module):
    """Two 3x3 convolutions with batch norm; the input is added before the last ReLU.

    Parameters
    ----------
    in_channels : int
    channels : int
        Channels of both convolutions and of the output.
    stride : int
        Stride of the first convolution (2 halves the image).
    shortcut : {"projection", "identity"}
        What the shortcut does where the shape changes: a 1x1 convolution with
        batch norm, or :class:`IdentityShortcut` (no parameters).
    plain : bool
        No shortcut at all (the plain twin).

    Raises
    ------
    TypeError, ValueError
        For arguments of the wrong type or out of range.

    Examples
    --------
    >>> block = BasicBlock(16, 32, stride=2)
    >>> tuple(block(torch.zeros(1, 16, 8, 8)).shape)
    (1, 32, 4, 4)
    >>> sum(p.numel() for p in block.parameters())  # 2 convs + 2 BN + projection
    14528
    """

    expansion = 1

    def __init__(
        self, in_channels, channels, stride=1, shortcut="projection", plain=False
    ):
        super().__init__()
        in_channels = _check_int(in_channels, "in_channels", 1)
        channels = _check_int(channels, "channels", 1)
        stride = _check_int(stride, "stride", 1)
        _check_choice(shortcut, "shortcut", _SHORTCUTS)
        self.plain = _check_bool(plain, "plain")
        self.conv1 = _conv3x3(in_channels, channels, stride)
        self.bn1 = nn.BatchNorm2d(channels)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = _conv3x3(channels, channels)
        self.bn2 = nn.BatchNorm2d(channels)
        self.downsample = _shortcut(in_channels, channels, stride, shortcut, plain)
        self.stride = stride

    @property
    def last_bn(self):
        """The batch norm whose scale ``zero_init_residual`` sets to 0."""
        return self.bn2

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        if not self.plain:
            out = out + (x if self.downsample is None else self.downsample(x))
        return self.relu(out)


class Bottleneck(nn.Module):
    """1x1 (reduce to ``channels``), 3x3, 1x1 (expand to ``4 channels``), shortcut.

    As in torchvision ("ResNet v1.5"), the stride sits on the 3x3 convolution.

    Parameters
    ----------
    in_channels : int
    channels : int
        Channels of the inner convolutions; the output has ``4 * channels``.
    stride, shortcut, plain
        As for :class:`BasicBlock`.

    Examples
    --------
    >>> block = Bottleneck(256, 64)
    >>> tuple(block(torch.zeros(1, 256, 8, 8)).shape)
    (1, 256, 8, 8)
    >>> sum(p.numel() for p in block.parameters())
    70400
    """

    expansion = 4

    def __init__(
        self, in_channels, channels, stride=1, shortcut="projection", plain=False
    ):
        super().__init__()
        in_channels = _check_int(in_channels, "in_channels", 1)
        channels = _check_int(channels, "channels", 1)
        stride = _check_int(stride, "stride", 1)
        _check_choice(shortcut, "shortcut", _SHORTCUTS)
        self.plain = _check_bool(plain, "plain")
        out_channels = channels * self.expansion
        self.conv1 = _conv1x1(in_channels, channels)
        self.bn1 = nn.BatchNorm2d(channels)
        self.conv2 = _conv3x3(channels, channels, stride)
        self.bn2 = nn.BatchNorm2d(channels)
        self.conv3 = _conv1x1(channels, out_channels)
        self.bn3 = nn.BatchNorm2d(out_channels)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = _shortcut(in_channels, out_channels, stride, shortcut, plain)
        self.stride = stride

    @property
    def last_bn(self):
        """The batch norm whose scale ``zero_init_residual`` sets to 0."""
        return self.bn3

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        if not self.plain:
            out = out + (x if self.downsample is None else self.downsample(x))
        return self.relu(out)


class ResNet(nn.Module):
    """A stem, stages of residual blocks, global average pooling and one dense layer.

    Build it with :func:`resnet` or :func:`cifar_resnet`.
    """

    def __init__(
        self,
        block,
        layers,
        widths,
        num_classes,
        in_channels,
        stem,
        shortcut,
        plain,
        zero_init_residual,
    ):
        super().__init__()
        first = widths[0]
        if stem == "imagenet":
            self.conv1 = nn.Conv2d(
                in_channels, first, 7, stride=2, padding=3, bias=False
            )
            self.bn1 = nn.BatchNorm2d(first)
            self.relu = nn.ReLU(inplace=True)
            self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        else:
            self.conv1 = _conv3x3(in_channels, first)
            self.bn1 = nn.BatchNorm2d(first)
            self.relu = nn.ReLU(inplace=True)
            pooled = stem == "pooled"
            self.maxpool = nn.MaxPool2d(2) if pooled else nn.Identity()
        channels = first
        for i, (blocks, width) in enumerate(zip(layers, widths)):
            stage = []
            for j in range(blocks):
                stride = 2 if (i > 0 and j == 0) else 1
                stage.append(block(channels, width, stride, shortcut, plain))
                channels = width * block.expansion
            setattr(self, f"layer{i + 1}", nn.Sequential(*stage))
        self.num_stages = len(layers)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(channels, num_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
        if zero_init_residual:
            for m in self.modules():
                if isinstance(m, (BasicBlock, Bottleneck)):
                    nn.init.zeros_(m.last_bn.weight)

    def stages(self):
        """The stages ``layer1, layer2, ...`` as a list."""
        return [getattr(self, f"layer{i + 1}") for i in range(self.num_stages)]

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        for stage in self.stages():
            x = stage(x)
        return self.fc(torch.flatten(self.avgpool(x), 1))


def _common_checks(num_classes, in_channels, width, plain, zero_init_residual):
    _check_int(num_classes, "num_classes", 1)
    _check_int(in_channels, "in_channels", 1)
    _check_int(width, "width", 1)
    _check_bool(plain, "plain")
    _check_bool(zero_init_residual, "zero_init_residual")


def resnet(
    depth,
    num_classes=1000,
    in_channels=3,
    width=64,
    stem="imagenet",
    plain=False,
    shortcut="projection",
    zero_init_residual=False,
):
    """ResNet-18/34/50/101/152, full size or scaled down.

    Parameters
    ----------
    depth : {18, 34, 50, 101, 152}
    num_classes : int
    in_channels : int
        3 for colour, 1 for grey images.
    width : int
        Channels of the first stage (64 at full size); stages double it.
    stem : {"imagenet", "small", "pooled"}
        "imagenet": 7x7 convolution with stride 2 and a 3x3 max pooling
        (224 pixels become 56); "small": one 3x3 convolution, stride 1, no
        pooling (for 28x28 or 32x32 images); "pooled": the same 3x3
        convolution followed by a 2x2 max pooling (28 pixels become 14).
    plain : bool
        Build the no-shortcut twin.
    shortcut : {"projection", "identity"}
        Shortcut where the shape changes (torchvision uses "projection").
    zero_init_residual : bool
        Start the last batch norm of each block at scale 0, so that every
        residual block starts as the identity.

    Returns
    -------
    torch.nn.Module
        With torchvision's module names (``conv1``, ``bn1``, ``layer1`` ...
        ``layer4``, ``fc``): ``resnet(18)`` loads
        ``torchvision.models.resnet18(weights=None).state_dict()``.

    Raises
    ------
    ValueError
        For an unknown depth, stem or shortcut, or a number out of range.
    TypeError
        For an argument of the wrong type.

    Examples
    --------
    >>> sum(p.numel() for p in resnet(18).parameters())
    11689512
    >>> small = resnet(18, num_classes=10, in_channels=1, width=16, stem="small")
    >>> tuple(small(torch.zeros(2, 1, 28, 28)).shape)
    (2, 10)
    """
    if not isinstance(depth, numbers.Integral) or isinstance(depth, bool):
        raise TypeError(f"depth must be an int, got {depth!r}")
    if depth not in RESNET_LAYERS:
        raise ValueError(f"depth must be one of {tuple(RESNET_LAYERS)}, got {depth}")
    _common_checks(num_classes, in_channels, width, plain, zero_init_residual)
    _check_choice(stem, "stem", ("imagenet", "small", "pooled"))
    _check_choice(shortcut, "shortcut", _SHORTCUTS)
    kind, layers = RESNET_LAYERS[depth]
    block = BasicBlock if kind == "basic" else Bottleneck
    widths = [width * 2**i for i in range(4)]
    return ResNet(
        block,
        layers,
        widths,
        num_classes,
        in_channels,
        stem,
        shortcut,
        plain,
        zero_init_residual,
    )


def cifar_resnet(
    n,
    num_classes=10,
    in_channels=3,
    width=16,
    shortcut="projection",
    plain=False,
    zero_init_residual=False,
    stem="small",
):
    """The paper's CIFAR-10 family: ResNet-(6n+2), three stages of ``n`` basic blocks.

    One 3x3 convolution with ``width`` channels, then stages of ``width``,
    ``2 width``, ``4 width`` channels (the second and third start with stride
    2), global average pooling and a dense layer: ``6 n + 2`` weight layers.
    ``n = 1, 2, 3, 5, 9`` give ResNet-8, -14, -20, -32, -56.

    Parameters
    ----------
    n : int
        Blocks per stage, at least 1.
    num_classes, in_channels, width, plain, zero_init_residual
        As for :func:`resnet`.
    shortcut : {"projection", "identity"}
        "identity" is the paper's option A for CIFAR-10 (zero-padded, no
        parameters); "projection" (option B) adds a 1x1 convolution with batch
        norm where the shape changes.
    stem : {"small", "pooled"}
        "small" is the paper's; "pooled" adds a 2x2 max pooling after the first
        convolution, so that every stage works on a quarter of the pixels.

    Returns
    -------
    torch.nn.Module

    Raises
    ------
    ValueError, TypeError
        For arguments out of range or of the wrong type.

    Examples
    --------
    >>> net = cifar_resnet(3, shortcut="identity")  # ResNet-20: 0.27 M in the paper
    >>> sum(p.numel() for p in net.parameters())
    269722
    >>> sum(p.numel() for p in cifar_resnet(3, plain=True).parameters())
    269722
    """
    _check_int(n, "n", 1)
    _common_checks(num_classes, in_channels, width, plain, zero_init_residual)
    _check_choice(shortcut, "shortcut", _SHORTCUTS)
    _check_choice(stem, "stem", ("small", "pooled"))
    return ResNet(
        BasicBlock,
        (n, n, n),
        (width, 2 * width, 4 * width),
        num_classes,
        in_channels,
        stem,
        shortcut,
        plain,
        zero_init_residual,
    )


# ---------------------------------------------------------------------------
# the course's best Fashion-MNIST model
# ---------------------------------------------------------------------------
#: Builder arguments of the model that ``data/make_resnet_fashion.py`` trains.
FASHION_CONFIG = {
    "n": 1,
    "width": 32,
    "stem": "pooled",
    "in_channels": 1,
    "num_classes": 10,
}

#: Pixel mean and standard deviation of the Fashion-MNIST training images
#: (lesson 13 measures them); inputs are standardised with them.
FASHION_MEAN, FASHION_STD = 0.2860, 0.3530

#: Where the checkpoint lives, relative to the repository root.
FASHION_CHECKPOINT = Path(__file__).resolve().parents[2] / "data" / "resnet_fashion.pt"

#: SHA-256 of ``data/resnet_fashion.pt`` as committed.
FASHION_SHA256 = "d0eb1b3d05daa082db5764baa497ea436c2858d8ee6671c3c6a86d37935e60f5"


def fashion_resnet():
    """A fresh (untrained) copy of the course's best Fashion-MNIST model.

    Examples
    --------
    >>> tuple(fashion_resnet()(torch.zeros(1, 1, 28, 28)).shape)
    (1, 10)
    """
    return cifar_resnet(**FASHION_CONFIG)


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def load_fashion_resnet(path=None, sha256=None):
    """The trained Fashion-MNIST ResNet, its checkpoint checked by SHA-256 first.

    Parameters
    ----------
    path : str or path-like, optional
        Defaults to :data:`FASHION_CHECKPOINT`.
    sha256 : str, optional
        Expected checksum; :data:`FASHION_SHA256` by default.

    Returns
    -------
    torch.nn.Module
        In evaluation mode, on the CPU.

    Raises
    ------
    FileNotFoundError
        If the file is missing.
    ValueError
        If its SHA-256 differs; the message names the script that rebuilds it.
    """
    path = Path(FASHION_CHECKPOINT if path is None else path)
    expected = FASHION_SHA256 if sha256 is None else sha256
    rebuild = "run `python data/make_resnet_fashion.py` to rebuild it"
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}: {rebuild}")
    actual = _sha256(path)
    if actual != expected:
        raise ValueError(
            f"{path} has SHA-256 {actual}, expected {expected}: the file is "
            f"corrupt or from another run; {rebuild} (and update FASHION_SHA256)"
        )
    model = fashion_resnet()
    state = torch.load(path, map_location="cpu", weights_only=True)
    model.load_state_dict({k: v.float() for k, v in state.items()})
    return model.eval()


# ---------------------------------------------------------------------------
# training (used by data/make_resnet_fashion.py and by lesson 18)
# ---------------------------------------------------------------------------
def augment_batch(images, generator, pad=2, flip=True):
    """Random crops (after zero padding) and horizontal flips of a whole batch at once.

    Each image is padded by ``pad`` pixels on every side and cut back to its
    size at a random offset (so shifted by up to ``pad`` pixels), and, with
    ``flip``, mirrored left-right with probability 1/2. Done on tensors,
    without a Python loop over images.

    Parameters
    ----------
    images : torch.Tensor, shape (N, C, H, W)
    generator : torch.Generator
        Source of the random offsets and flips (seeded for repeatable runs).
    pad : int
        At least 0.
    flip : bool

    Returns
    -------
    torch.Tensor, same shape as ``images``

    Raises
    ------
    TypeError, ValueError
        If ``images`` is not a 4-D tensor, ``generator`` not a torch.Generator,
        ``pad`` negative or ``flip`` not a bool.

    Examples
    --------
    >>> x = torch.arange(16.0).reshape(1, 1, 4, 4)
    >>> out = augment_batch(x, torch.Generator().manual_seed(0), pad=1)
    >>> out.shape == x.shape, bool(torch.isin(out, torch.cat([x.flatten(),
    ...     torch.zeros(1)])).all())
    (True, True)
    """
    if not isinstance(images, torch.Tensor) or images.ndim != 4:
        raise TypeError("images must be a 4-D torch.Tensor of shape (N, C, H, W)")
    if not isinstance(generator, torch.Generator):
        raise TypeError(
            f"generator must be a torch.Generator, got {type(generator).__name__}"
        )
    pad = _check_int(pad, "pad", 0)
    _check_bool(flip, "flip")
    n, _, h, w = images.shape
    out = images
    if pad:
        padded = F.pad(images, (pad, pad, pad, pad))
        dy = torch.randint(0, 2 * pad + 1, (n,), generator=generator)
        dx = torch.randint(0, 2 * pad + 1, (n,), generator=generator)
        rows = (dy[:, None] + torch.arange(h)[None, :])[:, None, :, None]
        cols = (dx[:, None] + torch.arange(w)[None, :])[:, None, None, :]
        batch = torch.arange(n)[:, None, None, None]
        chans = torch.arange(images.shape[1])[None, :, None, None]
        out = padded[batch, chans, rows, cols]
    if flip:
        mirror = torch.rand(n, generator=generator) < 0.5
        out = torch.where(mirror[:, None, None, None], out.flip(3), out)
    return out


def fashion_splits(val_size=5000, seed=0):
    """Fashion-MNIST's 60,000 training images split into training and validation.

    Pixels are standardised with :data:`FASHION_MEAN` and :data:`FASHION_STD`.

    Returns
    -------
    dict
        ``{"train": (x, y), "val": (x, y)}`` of tensors.
    """
    from lessons_lib.data import dataset_tensors, load_fashion_mnist

    val_size = _check_int(val_size, "val_size", 1)
    x, y = dataset_tensors(load_fashion_mnist(train=True))
    x = (x - FASHION_MEAN) / FASHION_STD
    order = torch.randperm(len(y), generator=torch.Generator().manual_seed(seed))
    val, train = order[:val_size], order[val_size:]
    return {"train": (x[train], y[train]), "val": (x[val], y[val])}


def _evaluate(model, x, y, batch_size=1000):
    model.eval()
    loss, correct = 0.0, 0
    with torch.no_grad():
        for i in range(0, len(y), batch_size):
            scores = model(x[i : i + batch_size])
            loss += float(
                F.cross_entropy(scores, y[i : i + batch_size], reduction="sum")
            )
            correct += int((scores.argmax(1) == y[i : i + batch_size]).sum())
    return loss / len(y), correct / len(y)


def train_fashion_resnet(
    model,
    train,
    val,
    epochs,
    batch_size=128,
    lr=0.1,
    weight_decay=5e-4,
    label_smoothing=0.1,
    seed=0,
    max_steps=None,
    log=None,
):
    """SGD with Nesterov momentum and a one-cycle learning rate, stepped per batch.

    Each epoch shuffles the training tensors, augments every batch with
    :func:`augment_batch`, then measures loss and accuracy on ``val``.

    Parameters
    ----------
    model : torch.nn.Module
    train, val : tuple of (images, labels) tensors
    epochs : int
    batch_size : int
    lr : float
        Peak learning rate of the one-cycle schedule.
    weight_decay, label_smoothing : float
    seed : int
        Seeds the shuffling and the augmentation.
    max_steps : int, optional
        Stop each epoch after this many batches (for quick tests).
    log : callable, optional
        Called with each epoch's row (a dict) as soon as it is measured.

    Returns
    -------
    list of dict
        One row per epoch: epoch, train_loss, train_accuracy, val_loss,
        val_accuracy, lr, seconds.
    """
    import time

    epochs = _check_int(epochs, "epochs", 1)
    batch_size = _check_int(batch_size, "batch_size", 1)
    x, y = train
    steps = -(-len(y) // batch_size)
    if max_steps is not None:
        steps = min(steps, _check_int(max_steps, "max_steps", 1))
    g = torch.Generator().manual_seed(seed)
    decay, no_decay = [], []
    for p in model.parameters():
        (no_decay if p.ndim == 1 else decay).append(p)
    optimizer = torch.optim.SGD(
        [
            {"params": decay, "weight_decay": weight_decay},
            {"params": no_decay, "weight_decay": 0.0},
        ],
        lr=lr,
        momentum=0.9,
        nesterov=True,
    )
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=lr, total_steps=epochs * steps, pct_start=0.25
    )
    rows = []
    for epoch in range(1, epochs + 1):
        start = time.perf_counter()
        model.train()
        order = torch.randperm(len(y), generator=g)
        total, correct, seen = 0.0, 0, 0
        for step in range(steps):
            idx = order[step * batch_size : (step + 1) * batch_size]
            inputs, targets = augment_batch(x[idx], g), y[idx]
            scores = model(inputs)
            loss = F.cross_entropy(scores, targets, label_smoothing=label_smoothing)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
            total += loss.item() * len(idx)
            correct += int((scores.detach().argmax(1) == targets).sum())
            seen += len(idx)
        val_loss, val_acc = _evaluate(model, *val)
        row = {
            "epoch": epoch,
            "train_loss": total / seen,
            "train_accuracy": correct / seen,
            "val_loss": val_loss,
            "val_accuracy": val_acc,
            "lr": optimizer.param_groups[0]["lr"],
            "seconds": time.perf_counter() - start,
        }
        rows.append(row)
        if log is not None:
            log(row)
    return rows
