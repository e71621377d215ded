"""Tests for :mod:`lessons_lib.transfer`: splits, linear probes, fine-tuning, curves."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.linear_model import LogisticRegression

from lessons_lib.pretrained import (
    extract_features,
    feature_extractor,
    load_pretrained,
    replace_classifier,
)
from lessons_lib.transfer import (
    LinearProbe,
    SmallCNN,
    choose_weight_decay,
    few_shot_indices,
    fine_tune,
    l2_normalize,
    learning_curve,
    set_trainable,
    split_efficientnet,
    stratified_folds,
    summarize_curve,
    train_linear_probe,
)


@pytest.fixture(autouse=True)
def one_thread():
    """One PyTorch thread: these tiny models are fastest so, on a busy machine too."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


LABELS = np.repeat(np.arange(4), [5, 7, 9, 6])


def blobs(n_per_class, classes=3, dims=5, spread=1.0, seed=0):
    """Gaussian clouds around random centres: features for a linear probe."""
    rng = np.random.default_rng(seed)
    centres = 3 * rng.normal(size=(classes, dims))
    labels = np.repeat(np.arange(classes), n_per_class)
    features = centres[labels] + spread * rng.normal(size=(len(labels), dims))
    return features, labels


def halves_images(n, seed, size=16):
    """RGB images: class 0 bright on the left half, class 1 on the right half."""
    g = torch.Generator().manual_seed(seed)
    labels = torch.arange(n) % 2
    images = 0.3 * torch.randn(n, 3, size, size, generator=g)
    images[labels == 0, :, :, : size // 2] += 1.0
    images[labels == 1, :, :, size // 2 :] += 1.0
    return images, labels


# --------------------------------------------------------------------- splits
def test_few_shot_indices_draws_per_class_images_nested_and_seeded():
    for k in (1, 3, 5):
        chosen = few_shot_indices(LABELS, k, seed=2)
        assert np.array_equal(np.bincount(LABELS[chosen]), [k] * 4)
        assert np.array_equal(chosen, np.sort(chosen)) and len(set(chosen)) == 4 * k
    small, large = few_shot_indices(LABELS, 2, 7), few_shot_indices(LABELS, 5, 7)
    assert set(small) <= set(large)
    assert np.array_equal(
        few_shot_indices(LABELS, 3, 1), few_shot_indices(LABELS, 3, 1)
    )
    draws = {tuple(few_shot_indices(LABELS, 3, seed)) for seed in range(10)}
    assert len(draws) > 5


def test_few_shot_indices_respects_the_pool_and_takes_all_with_none():
    pool = np.arange(1, len(LABELS), 2)
    chosen = few_shot_indices(LABELS, 2, seed=0, pool=pool)
    assert set(chosen) <= set(pool)
    assert np.array_equal(few_shot_indices(LABELS, None, 0, pool=pool[::-1]), pool)
    labels = torch.as_tensor(LABELS)
    assert np.array_equal(
        few_shot_indices(labels, 2, 0), few_shot_indices(LABELS, 2, 0)
    )


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"per_class": 6}, ValueError, "class 0 has only 5 images"),
        ({"per_class": 0}, ValueError, "per_class must be at least 1"),
        ({"per_class": 2.0}, TypeError, "per_class must be an int"),
        ({"per_class": 2, "seed": -1}, ValueError, "seed must be at least 0"),
        ({"per_class": 1, "pool": [0, 99]}, ValueError, "pool must hold indices"),
        ({"per_class": 1, "pool": [0, 0, 5]}, ValueError, "twice"),
        ({"per_class": 1, "pool": [0, 1, 2]}, ValueError, "class 1 has only 0"),
    ],
)
def test_few_shot_indices_rejects_bad_input(kwargs, error, message):
    kwargs = {"seed": 0, **kwargs}
    with pytest.raises(error, match=message):
        few_shot_indices(LABELS, **kwargs)


def test_few_shot_indices_rejects_labels_that_are_not_integers():
    with pytest.raises(ValueError, match="1-D array of integer class labels"):
        few_shot_indices([0.5, 1.0], 1, 0)


def test_stratified_folds_cover_everything_once_and_spread_each_class():
    parts = stratified_folds(LABELS, folds=4, seed=3)
    together = np.concatenate(parts)
    assert sorted(together.tolist()) == list(range(len(LABELS)))
    for part in parts:
        counts = np.bincount(LABELS[part], minlength=4)
        assert (counts >= 1).all()  # every class held out in every fold
    assert max(map(len, parts)) - min(map(len, parts)) <= 1
    with pytest.raises(ValueError, match="smallest class \\(5\\)"):
        stratified_folds(LABELS, folds=6)
    with pytest.raises(ValueError, match="folds must be at least 2"):
        stratified_folds(LABELS, folds=1)


# --------------------------------------------------------------- linear probe
def test_l2_normalize_gives_unit_rows_and_keeps_the_type():
    x = np.random.default_rng(0).normal(size=(6, 4))
    out = l2_normalize(x)
    assert isinstance(out, np.ndarray)
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), 1.0)
    t = l2_normalize(torch.tensor([[0.0, 0.0], [1.0, 1.0]]))
    assert isinstance(t, torch.Tensor) and torch.isfinite(t).all()
    with pytest.raises(ValueError, match="2-D"):
        l2_normalize(np.zeros(3))


@pytest.mark.parametrize("weight_decay", [1e-3, 1e-1])
@pytest.mark.parametrize("normalize", [False, True])
def test_linear_probe_is_scikit_learns_logistic_regression(weight_decay, normalize):
    features, labels = blobs(20, classes=4, dims=6, spread=2.0)
    probe = train_linear_probe(features, labels, weight_decay, normalize=normalize)
    x = (
        features / np.linalg.norm(features, axis=1, keepdims=True)
        if normalize
        else features
    )
    reference = LogisticRegression(
        C=1 / (weight_decay * len(labels)), tol=1e-10, max_iter=10_000
    ).fit(x, labels)
    np.testing.assert_allclose(probe.weight.numpy(), reference.coef_, atol=1e-4)
    # the bias is defined up to a constant shared by all classes
    centred = probe.bias.numpy() - probe.bias.numpy().mean()
    ref_bias = reference.intercept_ - reference.intercept_.mean()
    np.testing.assert_allclose(centred, ref_bias, atol=1e-4)
    np.testing.assert_allclose(
        probe.probabilities(features).numpy(), reference.predict_proba(x), atol=1e-5
    )
    assert probe.accuracy(features, labels) == reference.score(x, labels)


def test_linear_probe_methods_and_layer_agree():
    features, labels = blobs(10)
    probe = train_linear_probe(torch.tensor(features, dtype=torch.float32), labels)
    assert isinstance(probe, LinearProbe) and probe.iterations > 0
    assert "5 features -> 3 classes" in repr(probe)
    layer = probe.to_linear()
    scores = layer(torch.tensor(features, dtype=torch.float32))
    torch.testing.assert_close(
        scores.double(), probe.scores(features), atol=1e-4, rtol=1e-4
    )
    assert probe.accuracy(features, labels) > 0.9
    with pytest.raises(ValueError, match="5 columns"):
        probe.scores(np.zeros((2, 4)))
    with pytest.raises(ValueError, match="one entry per row"):
        probe.accuracy(features, labels[:-1])


def test_stronger_weight_decay_gives_smaller_weights():
    features, labels = blobs(10)
    norms = [
        float(train_linear_probe(features, labels, wd).weight.norm())
        for wd in (1e-3, 1e-2, 1e-1, 1.0)
    ]
    assert norms == sorted(norms, reverse=True)


@pytest.mark.parametrize(
    "args, kwargs, error, message",
    [
        (([[1.0], [2.0]], [0, 0]), {}, ValueError, "at least 2 different classes"),
        (([[1.0], [2.0]], [0, 1, 1]), {}, ValueError, "one entry per row"),
        (([[1.0], [2.0]], [0, 1]), {"weight_decay": 0}, ValueError, "positive"),
        (([[1.0], [2.0]], [0, 2]), {"num_classes": 2}, ValueError, "below num_classes"),
        (([[1.0], [2.0]], [0, 1]), {"normalize": 1}, TypeError, "True or False"),
        (("ab", [0, 1]), {}, TypeError, "torch.Tensor or numpy array"),
        (([[np.nan], [2.0]], [0, 1]), {}, ValueError, "NaN"),
    ],
)
def test_train_linear_probe_rejects_bad_input(args, kwargs, error, message):
    features, labels = args
    if isinstance(features, list):
        features = np.asarray(features)
    with pytest.raises(error, match=message):
        train_linear_probe(features, labels, **kwargs)


def test_choose_weight_decay_prefers_strong_decay_on_noise_and_weak_on_clean_data():
    rng = np.random.default_rng(1)
    noise = rng.normal(size=(40, 20))
    noise_labels = np.arange(40) % 2
    best_noise, table = choose_weight_decay(noise, noise_labels, [1e-4, 1e-2, 10.0])
    assert best_noise == 10.0
    assert list(table.columns) == ["weight_decay", "cv_loss", "cv_accuracy"]
    clean, clean_labels = blobs(10, spread=0.1)
    best_clean, table = choose_weight_decay(clean, clean_labels, [1e-4, 1e-2, 10.0])
    assert best_clean == 1e-4 and (table["cv_accuracy"] == 1.0).all()


def test_choose_weight_decay_needs_two_images_per_class_and_a_grid():
    features, labels = blobs(1)
    with pytest.raises(ValueError, match="at least 2 images of every class"):
        choose_weight_decay(features, labels, [1e-3])
    features, labels = blobs(3)
    with pytest.raises(ValueError, match="at least one weight decay"):
        choose_weight_decay(features, labels, [])
    with pytest.raises(ValueError, match="positive"):
        choose_weight_decay(features, labels, [-1.0])


# --------------------------------------------------------------- fine-tuning
def untrained(name="resnet18", num_classes=2):
    torch.manual_seed(0)
    model, weights = load_pretrained(name, weights=None)
    assert weights is None
    replace_classifier(model, num_classes)
    return model


def small_resnet(num_classes=2):
    return untrained("resnet18", num_classes)


def small_mobilenet(num_classes=2):
    """MobileNetV3-small: 1.5 M parameters, quick to train on 16x16 images.

    Untrained, its features are tiny (about 1e-10): fine for tests of what
    changes, not for tests of what it learns.
    """
    return untrained("mobilenet_v3_small", num_classes)


def test_set_trainable_freezes_everything_before_the_named_module():
    model = small_resnet()
    groups = set_trainable(model, "layer4")
    frozen = {n for n, p in model.named_parameters() if not p.requires_grad}
    assert all(not n.startswith(("layer4", "fc")) for n in frozen)
    assert any(n.startswith("layer3") for n in frozen)
    assert [p.shape for p in groups["head"]] == [torch.Size([2, 512]), torch.Size([2])]
    layer4 = sum(p.numel() for p in model.layer4.parameters())
    assert sum(p.numel() for p in groups["backbone"]) == layer4
    groups = set_trainable(model, "head")
    assert groups["backbone"] == [] and all(
        not p.requires_grad for p in model.layer4.parameters()
    )
    groups = set_trainable(model, "all")
    assert all(p.requires_grad for p in model.parameters())
    with pytest.raises(ValueError, match="name of a submodule"):
        set_trainable(model, "layer9")
    with pytest.raises(ValueError, match="head must name a submodule"):
        set_trainable(model, "all", head="classifier")
    with pytest.raises(TypeError, match="must be a torch.nn.Module"):
        set_trainable("resnet", "all")


def bn_state(model):
    return {
        n: b.clone()
        for n, b in model.named_buffers()
        if n.endswith(("running_mean", "running_var"))
    }


def test_fine_tune_head_only_leaves_the_frozen_body_and_its_batchnorm_alone():
    model = small_resnet()
    before = {n: p.clone() for n, p in model.named_parameters()}
    stats = bn_state(model)
    images, labels = halves_images(16, seed=0)
    history = fine_tune(
        model, (images, labels), epochs=2, lr_head=1e-2, trainable="head", batch_size=8
    )
    assert list(history.columns) == [
        "epoch",
        "train_loss",
        "train_accuracy",
        "val_accuracy",
        "seconds",
    ]
    assert len(history) == 2 and history["val_accuracy"].isna().all()
    changed = {n for n, p in model.named_parameters() if not torch.equal(p, before[n])}
    assert changed == {"fc.weight", "fc.bias"}
    assert all(torch.equal(b, stats[n]) for n, b in bn_state(model).items())
    assert not model.training


def test_fine_tune_without_frozen_bn_eval_moves_the_running_statistics():
    model = small_resnet()
    stats = bn_state(model)
    images, labels = halves_images(16, seed=0)
    fine_tune(
        model,
        (images, labels),
        epochs=1,
        lr_head=1e-2,
        trainable="head",
        frozen_bn_eval=False,
    )
    moved = [n for n, b in bn_state(model).items() if not torch.equal(b, stats[n])]
    assert len(moved) == len(stats)


def test_fine_tune_gives_the_body_and_the_head_their_own_learning_rates():
    model = small_mobilenet()
    images, labels = halves_images(16, seed=1)
    first, last = model.features[0][0], model.classifier[3]
    body, head = first.weight.detach().clone(), last.weight.detach().clone()
    lr_backbone, steps = 1e-6, 2 * 2
    fine_tune(
        model,
        (images, labels),
        epochs=2,
        lr_head=1e-2,
        lr_backbone=lr_backbone,
        trainable="all",
        batch_size=8,
        schedule="constant",
        augment=lambda x, g: x + 0.01 * torch.randn(x.shape, generator=g),
    )
    # an Adam step moves each weight by about its learning rate at most
    body_moved = float((first.weight.detach() - body).abs().max())
    head_moved = float((last.weight.detach() - head).abs().max())
    assert 0 < body_moved <= 1.5 * steps * lr_backbone
    assert head_moved > 100 * body_moved


def test_fine_tune_is_repeatable_with_a_seed():
    results = []
    for _ in range(2):
        model = small_mobilenet()
        history = fine_tune(
            model, halves_images(16, 0), epochs=2, lr_head=1e-2, trainable="features.9"
        )
        results.append((history["train_loss"].tolist(), model.classifier[3].weight))
    assert results[0][0] == results[1][0]
    assert torch.equal(results[0][1], results[1][1])


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"epochs": 0}, ValueError, "epochs must be at least 1"),
        ({"lr_head": -1.0}, ValueError, "lr_head must be positive"),
        ({"lr_backbone": 0.0}, ValueError, "lr_backbone must be positive"),
        ({"schedule": "step"}, ValueError, "'cosine' or 'constant'"),
        ({"augment": 3}, TypeError, "augment must be callable"),
        ({"frozen_bn_eval": "yes"}, TypeError, "True or False"),
        ({"weight_decay": -0.1}, ValueError, "at least 0"),
    ],
)
def test_fine_tune_rejects_bad_arguments(kwargs, error, message):
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(4, 2))
    data = (torch.zeros(4, 4), torch.tensor([0, 1, 0, 1]))
    kwargs = {"epochs": 1, "lr_head": 0.1, **kwargs}
    with pytest.raises(error, match=message):
        fine_tune(model, data, **kwargs)


def test_fine_tune_rejects_data_that_is_not_a_pair_of_tensors():
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(4, 2))
    with pytest.raises(TypeError, match="pair \\(images, labels\\) of tensors"):
        fine_tune(model, [torch.zeros(4, 4)], epochs=1, lr_head=0.1)
    with pytest.raises(ValueError, match="differ in length"):
        fine_tune(model, (torch.zeros(4, 4), torch.zeros(3)), epochs=1, lr_head=0.1)


def test_the_whole_transfer_recipe_with_an_untrained_torchvision_network():
    """Features -> probe, and fine-tuning, on a tiny task, with weights=None."""
    model = small_resnet(num_classes=2)
    train_images, train_labels = halves_images(24, seed=4)
    test_images, test_labels = halves_images(40, seed=5)
    extractor = feature_extractor(model)
    train_features = extract_features(extractor, train_images, batch_size=8)
    test_features = extract_features(extractor, test_images, batch_size=8)
    assert train_features.shape == (24, 512)
    weight_decay, _ = choose_weight_decay(
        train_features, train_labels, [1e-3, 1e-1], folds=3, normalize=True
    )
    probe = train_linear_probe(train_features, train_labels, weight_decay, True)
    assert probe.accuracy(test_features, test_labels) >= 0.9
    history = fine_tune(
        model,
        (train_images, train_labels),
        (test_images, test_labels),
        epochs=3,
        lr_head=1e-2,
        trainable="head",
        batch_size=8,
    )
    assert history["val_accuracy"].iloc[-1] >= 0.9
    history = fine_tune(
        model,
        (train_images, train_labels),
        epochs=4,
        lr_head=1e-3,
        lr_backbone=1e-3,
        trainable="layer4.1",
        batch_size=8,
    )
    assert history["train_accuracy"].iloc[-1] == 1.0
    assert history["train_loss"].iloc[-1] < history["train_loss"].iloc[0]


# --------------------------------------------------------------- curves, CNN
def test_learning_curve_runs_every_size_and_seed_on_shared_splits():
    seen = []

    def run(indices):
        seen.append(tuple(indices))
        return {"a": len(indices) / 100, "b": float(LABELS[indices].mean())}

    curve = learning_curve(run, LABELS, sizes=[1, 2, None], seeds=[0, 1])
    assert len(curve) == 3 * 2 * 2 and len(seen) == 6
    assert sorted(curve["per_class"].unique().tolist()) == [-1, 1, 2]
    assert (curve.loc[curve.per_class == -1, "images"] == len(LABELS)).all()
    summary = summarize_curve(curve)
    row = summary[(summary.method == "a") & (summary.per_class == 2)].iloc[0]
    assert row["mean"] == pytest.approx(0.08) and row["runs"] == 2
    assert row["min"] <= row["mean"] <= row["max"]
    with pytest.raises(TypeError, match="return a dict"):
        learning_curve(lambda idx: 0.5, LABELS, [1], [0])
    with pytest.raises(ValueError, match="at least one value"):
        learning_curve(run, LABELS, [], [0])
    with pytest.raises(ValueError, match="missing \\['images'\\]"):
        summarize_curve(pd.DataFrame({"method": [], "per_class": [], "accuracy": []}))


def test_small_cnn_takes_any_size_and_checks_its_arguments():
    net = SmallCNN(7, in_channels=3, width=8)
    assert net(torch.zeros(2, 3, 64, 64)).shape == (2, 7)
    assert net(torch.zeros(1, 3, 20, 20)).shape == (1, 7)
    assert net.fc.out_features == 7
    with pytest.raises(ValueError, match="num_classes must be at least 2"):
        SmallCNN(1)
    with pytest.raises(ValueError, match="dropout must be below 1"):
        SmallCNN(3, dropout=1.0)
    with pytest.raises(TypeError, match="width must be an int"):
        SmallCNN(3, width=2.5)


@pytest.mark.parametrize("first_block", [0, 9, 14, 16])
def test_split_efficientnet_tail_of_trunk_is_the_model(first_block):
    torch.manual_seed(0)
    model, _ = load_pretrained(weights=None)
    replace_classifier(model, 3)
    model.eval()
    trunk, tail = split_efficientnet(model, first_block)
    x = torch.randn(2, 3, 48, 48)
    with torch.no_grad():
        torch.testing.assert_close(tail(trunk(x)), model(x), atol=1e-5, rtol=1e-4)
    # the tail shares its modules with the model: the blocks it holds are the last
    assert len(tail.blocks) == len(model._blocks) - first_block
    assert tail.fc is model._fc
    assert set(map(id, tail.parameters())) <= set(map(id, model.parameters()))
    trunk_ids = set(map(id, trunk.parameters()))
    assert trunk_ids.isdisjoint(set(map(id, tail.blocks.parameters())))


def test_split_efficientnet_trains_the_tail_with_fine_tune():
    torch.manual_seed(0)
    model, _ = load_pretrained(weights=None)
    replace_classifier(model, 2)
    trunk, tail = split_efficientnet(model, 15)
    images, labels = halves_images(8, seed=0, size=32)
    with torch.no_grad():
        maps = trunk.eval()(images)
    before = model._blocks[15]._project_conv.weight.detach().clone()
    frozen = model._blocks[3]._project_conv.weight.detach().clone()
    fine_tune(tail, (maps, labels), epochs=1, lr_head=1e-2, batch_size=4)
    assert not torch.equal(before, model._blocks[15]._project_conv.weight)
    assert torch.equal(frozen, model._blocks[3]._project_conv.weight)


def test_split_efficientnet_rejects_other_networks_and_bad_blocks():
    model, _ = load_pretrained(weights=None)
    with pytest.raises(TypeError, match="must be an EfficientNet"):
        split_efficientnet(torch.nn.Linear(2, 2), 1)
    with pytest.raises(TypeError, match="model must be a torch.nn.Module"):
        split_efficientnet("net", 1)
    with pytest.raises(ValueError, match="first_block must be at most 16"):
        split_efficientnet(model, 17)
    with pytest.raises(ValueError, match="first_block must be at least 0"):
        split_efficientnet(model, -1)
    with pytest.raises(TypeError, match="first_block must be an int"):
        split_efficientnet(model, 2.0)
