"""Tests for :mod:`lessons_lib.train` on tiny synthetic data.

The training plots of :mod:`lessons_lib.viz` are tested here too.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from lessons_lib.train import (
    accuracy,
    confusion_matrix,
    evaluate,
    fit,
    load_checkpoint,
    predict,
    save_checkpoint,
)
from lessons_lib.viz import plot_confusion_matrix, plot_history, show_misclassified


def halves_dataset(n, seed):
    """8x8 noisy images: class 0 is bright on the left half, class 1 on the right."""
    g = torch.Generator().manual_seed(seed)
    labels = torch.randint(0, 2, (n,), generator=g)
    images = 0.3 * torch.randn(n, 1, 8, 8, generator=g)
    images[labels == 0, :, :, :4] += 1.0
    images[labels == 1, :, :, 4:] += 1.0
    return TensorDataset(images, labels)


def tiny_cnn():
    torch.manual_seed(0)
    return nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(64, 2),
    )


def loaders(seed=0):
    train = DataLoader(
        halves_dataset(128, 1),
        batch_size=16,
        shuffle=True,
        generator=torch.Generator().manual_seed(seed),
    )
    val = DataLoader(halves_dataset(64, 2), batch_size=32)
    return train, val


def test_fit_reaches_100_percent_on_a_separable_set(capsys):
    model = tiny_cnn()
    train, val = loaders()
    history = fit(model, train, val, epochs=5, lr=0.01, device="cpu", progress=False)
    assert list(history.columns) == [
        "epoch",
        "train_loss",
        "train_accuracy",
        "val_loss",
        "val_accuracy",
        "seconds",
        "best",
    ]
    assert history["val_accuracy"].max() == 1.0
    assert history["train_loss"].iloc[-1] < history["train_loss"].iloc[0]
    lines = capsys.readouterr()
    assert lines.err == "", "nothing on standard error (nbval compares it)"
    assert (
        len([line for line in lines.out.splitlines() if line.startswith("epoch")]) == 5
    )
    # the best weights are back in the model: they score the best validation accuracy
    assert (
        evaluate(model, val, device="cpu")["accuracy"] == history["val_accuracy"].max()
    )
    scores, labels = predict(model, val, device="cpu")
    assert scores.shape == (64, 2) and labels.shape == (64,)


def test_fit_is_repeatable_on_the_cpu():
    histories = []
    for _ in range(2):
        train, val = loaders(seed=3)
        histories.append(
            fit(tiny_cnn(), train, val, epochs=2, lr=0.01, device="cpu", progress=False)
        )
    columns = ["train_loss", "train_accuracy", "val_loss", "val_accuracy"]
    assert histories[0][columns].equals(histories[1][columns])


def test_early_stopping_and_checkpoint_file(tmp_path, capsys):
    model = tiny_cnn()
    train, val = loaders()
    frozen = torch.optim.SGD(
        model.parameters(), lr=0.0
    )  # nothing changes, so nothing improves after epoch 1
    path = tmp_path / "best.pt"
    history = fit(
        model,
        train,
        val,
        epochs=10,
        optimizer=frozen,
        device="cpu",
        checkpoint=path,
        monitor="val_loss",
        patience=2,
        progress=False,
    )
    assert len(history) == 3 and history["best"].tolist() == [True, False, False]
    assert "stopped early" in capsys.readouterr().out
    assert path.is_file()


def test_checkpoint_round_trip(tmp_path):
    model = tiny_cnn()
    path = save_checkpoint(model, tmp_path / "sub" / "weights.pt")
    saved = {k: v.clone() for k, v in model.state_dict().items()}
    with torch.no_grad():
        for p in model.parameters():
            p.add_(1.0)
    load_checkpoint(model, path)
    for key, value in model.state_dict().items():
        assert torch.equal(value, saved[key])
    with pytest.raises(RuntimeError):
        load_checkpoint(nn.Linear(3, 2), path)
    with pytest.raises(FileNotFoundError, match="no checkpoint"):
        load_checkpoint(model, tmp_path / "missing.pt")


def test_progress_bar_only_outside_ci(monkeypatch, capsys):
    monkeypatch.setenv("CI", "true")
    train, _ = loaders()
    fit(
        tiny_cnn(),
        train,
        epochs=1,
        device="cpu",
        monitor="train_loss",
        restore_best=False,
    )
    out = capsys.readouterr()
    assert out.out.startswith("epoch 1/1 | train loss") and out.err == ""


def test_accuracy_and_confusion_matrix_against_a_loop():
    rng = np.random.default_rng(0)
    labels, scores = rng.integers(0, 4, size=200), rng.normal(size=(200, 4))
    predicted = scores.argmax(axis=1)
    counts = confusion_matrix(labels, predicted, 4)
    expected = np.zeros((4, 4), dtype=int)
    for t, p in zip(labels, predicted):
        expected[t, p] += 1
    np.testing.assert_array_equal(counts, expected)
    assert (
        accuracy(scores, labels)
        == np.trace(counts) / 200
        == accuracy(torch.from_numpy(scores), labels)
    )


def test_plots():
    train, val = loaders()
    model = tiny_cnn()
    history = fit(model, train, val, epochs=2, lr=0.01, device="cpu", progress=False)
    plt.close(plot_history(history))
    scores, labels = predict(model, val, device="cpu")
    plt.close(
        plot_confusion_matrix(
            confusion_matrix(labels, scores.argmax(1), 2),
            ["left", "right"],
            normalize=True,
        )
    )
    images = torch.zeros(4, 1, 8, 8)
    fig, shown = show_misclassified(
        images,
        [0, 0, 1, 1],
        torch.tensor([[0.0, 3.0], [0.0, 1.0], [2.0, 0.0], [0.0, 5.0]]),
        ["a", "b"],
    )
    assert shown.tolist() == [0, 2, 1]
    plt.close(fig)
    assert (
        show_misclassified(images, [1, 1, 1, 1], torch.tensor([[0.0, 1.0]] * 4))[0]
        is None
    )


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda tr, va: fit("model", tr), TypeError, "model must be a torch.nn.Module"),
        (
            lambda tr, va: fit(tiny_cnn(), None),
            TypeError,
            "train_loader must be an iterable",
        ),
        (
            lambda tr, va: fit(tiny_cnn(), tr, va, epochs=0),
            ValueError,
            "epochs must be at least 1",
        ),
        (
            lambda tr, va: fit(tiny_cnn(), tr, va, epochs=1.5),
            TypeError,
            "epochs must be an int",
        ),
        (lambda tr, va: fit(tiny_cnn(), tr), ValueError, "needs a val_loader"),
        (
            lambda tr, va: fit(tiny_cnn(), tr, va, monitor="accuracy"),
            ValueError,
            "monitor must be one of",
        ),
        (
            lambda tr, va: fit(tiny_cnn(), tr, va, progress="yes"),
            ValueError,
            "progress must be",
        ),
        (lambda tr, va: fit(tiny_cnn(), tr, va, device=3), TypeError, "device must be"),
        (
            lambda tr, va: fit(tiny_cnn(), tr, va, lr=-1.0),
            ValueError,
            "lr must be a positive number",
        ),
        (
            lambda tr, va: fit(tiny_cnn(), tr, va, patience=0),
            ValueError,
            "patience must be at least 1",
        ),
        (
            lambda tr, va: confusion_matrix([0, 3], [0, 1], 3),
            ValueError,
            r"labels must be in 0..2",
        ),
        (lambda tr, va: confusion_matrix([0, 1], [0], 3), ValueError, "same length"),
        (
            lambda tr, va: accuracy([[0.1, 0.9]], [0, 1]),
            ValueError,
            "predictions for 2 labels",
        ),
        (
            lambda tr, va: plot_history({"epoch": [1]}),
            ValueError,
            "history lacks the columns",
        ),
        (lambda tr, va: plot_confusion_matrix([[1, 2]]), ValueError, "square"),
    ],
)
def test_bad_arguments_get_clear_errors(call, error, match):
    train, val = loaders()
    with pytest.raises(error, match=match):
        call(train, val)
