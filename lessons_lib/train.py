"""A small, readable training loop for PyTorch classifiers.

Every training lesson uses it.

- :func:`fit` trains for some epochs, measures loss and accuracy on the
  training and validation data after each one, keeps the best weights in a
  checkpoint file, can stop early, and returns the history as a
  :class:`pandas.DataFrame`.
- :func:`evaluate`, :func:`predict`, :func:`accuracy` and
  :func:`confusion_matrix` measure a trained model.
- :func:`save_checkpoint` / :func:`load_checkpoint` store and restore the
  weights with ``torch.save`` and ``torch.load(weights_only=True)`` (which
  refuses to run code hidden in a file).

Progress: in a terminal, a tqdm bar runs over the batches of each epoch. In a
notebook, in CI (``CI`` set) or whenever standard error is not a terminal, the
loop prints one line per epoch on standard output instead, because a progress
bar writes to standard error, which nbval compares and CI logs fill up with.

The loop runs on :func:`default_device` (CUDA when present, the CPU
otherwise) unless told otherwise. It is deterministic on the CPU when the
notebook called :func:`lessons_lib.notebook.setup_notebook` and the data
loaders shuffle with a seeded ``torch.Generator``.
"""

from __future__ import annotations

import math
import numbers
import os
import sys
import time
from pathlib import Path

import numpy as np

from .pooling import _as_int

__all__ = [
    "default_device",
    "accuracy",
    "confusion_matrix",
    "predict",
    "evaluate",
    "train_epoch",
    "fit",
    "save_checkpoint",
    "load_checkpoint",
]

_MONITORS = ("val_accuracy", "val_loss", "train_accuracy", "train_loss")


def default_device():
    """``torch.device("cuda")`` when a GPU is available, else ``torch.device("cpu")``.

    Examples
    --------
    >>> default_device().type in ("cpu", "cuda")
    True
    """
    import torch

    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


# ---------------------------------------------------------------------------
# argument checking
# ---------------------------------------------------------------------------
def _check_model(model):
    import torch

    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")


def _check_loader(loader, name):
    if (
        loader is None
        or isinstance(loader, (str, bytes))
        or not hasattr(loader, "__iter__")
    ):
        raise TypeError(
            f"{name} must be an iterable of (inputs, "
            "labels) batches such as a DataLoader, "
            f"got {type(loader).__name__}"
        )


def _resolve_device(device):
    import torch

    if device is None:
        return default_device()
    if isinstance(device, (str, torch.device)):
        return torch.device(device)
    raise TypeError(
        f"device must be None, a string such as 'cpu' or a torch.device, got {device!r}"
    )


def _labels_array(values, name):
    import torch

    if isinstance(values, torch.Tensor):
        values = values.detach().cpu().numpy()
    arr = np.asarray(values)
    if arr.ndim != 1 or not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(
            f"{name} must be a 1-D array of integer "
            f"class labels, got shape {arr.shape} "
            f"and dtype {arr.dtype}"
        )
    return arr


# ---------------------------------------------------------------------------
# measuring
# ---------------------------------------------------------------------------
def accuracy(scores, labels) -> float:
    """Fraction of rows of ``scores`` whose largest entry is at the true label.

    Parameters
    ----------
    scores : array_like or torch.Tensor, shape (N, K)
        Class scores (logits or probabilities), or already predicted labels
        of shape (N,).
    labels : array_like or torch.Tensor of int, shape (N,)

    Returns
    -------
    float

    Raises
    ------
    ValueError
        If the shapes do not match.

    Examples
    --------
    >>> accuracy([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]], [1, 0, 0])
    0.6666666666666666
    """
    import torch

    if isinstance(scores, torch.Tensor):
        scores = scores.detach().cpu().numpy()
    scores = np.asarray(scores)
    labels = _labels_array(labels, "labels")
    predicted = scores.argmax(axis=1) if scores.ndim == 2 else scores
    if predicted.shape != labels.shape:
        raise ValueError(
            f"scores give {predicted.shape[0] if predicted.ndim else 0} predictions "
            f"for {labels.shape[0]} labels (scores shape {scores.shape})"
        )
    return float(np.mean(predicted == labels))


def confusion_matrix(labels, predicted, num_classes: int) -> np.ndarray:
    """Counts of (true class, predicted class) pairs.

    Parameters
    ----------
    labels, predicted : array_like or torch.Tensor of int, shape (N,)
    num_classes : int

    Returns
    -------
    numpy.ndarray of int, shape (num_classes, num_classes)
        Row ``i``, column ``j``: how many images of class ``i`` were predicted
        as class ``j``; the diagonal holds the correct ones.

    Raises
    ------
    ValueError
        If the arrays differ in length or hold a class outside
        ``0 .. num_classes-1``.

    Examples
    --------
    >>> confusion_matrix([0, 0, 1, 2], [0, 1, 1, 2], 3).tolist()
    [[1, 1, 0], [0, 1, 0], [0, 0, 1]]
    """
    num_classes = _as_int(num_classes, "num_classes", 1)
    labels = _labels_array(labels, "labels")
    predicted = _labels_array(predicted, "predicted")
    if labels.shape != predicted.shape:
        raise ValueError(
            "labels and predicted must have the same length, "
            f"got {labels.shape} and {predicted.shape}"
        )
    for name, arr in (("labels", labels), ("predicted", predicted)):
        if arr.size and (arr.min() < 0 or arr.max() >= num_classes):
            raise ValueError(
                f"{name} must be in 0..{num_classes - 1}, "
                f"got values from {arr.min()} to {arr.max()}"
            )
    counts = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(counts, (labels, predicted), 1)
    return counts


def predict(model, loader, device=None):
    """Class scores of ``model`` for every batch of ``loader``, in evaluation mode.

    Parameters
    ----------
    model : torch.nn.Module
    loader : iterable of (inputs, labels)
    device : str or torch.device, optional
        Defaults to :func:`default_device`.

    Returns
    -------
    scores : torch.Tensor, shape (N, K), on the CPU
    labels : torch.Tensor, shape (N,), on the CPU

    Raises
    ------
    TypeError
        If ``model`` or ``loader`` is of the wrong kind.
    """
    import torch

    _check_model(model)
    _check_loader(loader, "loader")
    device = _resolve_device(device)
    was_training = model.training
    model.to(device).eval()
    scores, labels = [], []
    try:
        with torch.no_grad():
            for inputs, targets in loader:
                scores.append(model(inputs.to(device)).cpu())
                labels.append(torch.as_tensor(targets).cpu())
    finally:
        model.train(was_training)
    if not scores:
        raise ValueError("loader gave no batches")
    return torch.cat(scores), torch.cat(labels)


def evaluate(model, loader, loss_fn=None, device=None) -> dict:
    """Mean loss and accuracy of ``model`` on ``loader``.

    Parameters
    ----------
    model : torch.nn.Module
    loader : iterable of (inputs, labels)
    loss_fn : callable, optional
        ``loss_fn(scores, labels)`` returning the mean loss of a batch;
        ``torch.nn.functional.cross_entropy`` by default.
    device : str or torch.device, optional

    Returns
    -------
    dict
        ``{"loss": float, "accuracy": float}``; the loss is averaged over
        images, not batches.
    """
    import torch.nn.functional as F

    loss_fn = F.cross_entropy if loss_fn is None else loss_fn
    scores, labels = predict(model, loader, device)
    return {
        "loss": float(loss_fn(scores, labels)),
        "accuracy": accuracy(scores, labels),
    }


def train_epoch(model, loader, optimizer, loss_fn=None, device=None, bar=None) -> dict:
    """One pass over ``loader`` with one optimiser step per batch.

    Returns the mean training loss and accuracy over the epoch, measured on
    each batch as it was trained (so with dropout active and weights that
    change during the epoch).

    Parameters
    ----------
    model : torch.nn.Module
    loader : iterable of (inputs, labels)
    optimizer : torch.optim.Optimizer
    loss_fn : callable, optional
        ``torch.nn.functional.cross_entropy`` by default.
    device : str or torch.device, optional
    bar : tqdm progress bar, optional
        Advanced by one per batch.

    Returns
    -------
    dict
        ``{"loss": float, "accuracy": float}``.
    """
    import torch
    import torch.nn.functional as F

    _check_model(model)
    _check_loader(loader, "loader")
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(
            f"optimizer must be a torch.optim.Optimizer, got {type(optimizer).__name__}"
        )
    loss_fn = F.cross_entropy if loss_fn is None else loss_fn
    device = _resolve_device(device)
    model.to(device).train()
    total_loss, correct, seen = 0.0, 0, 0
    for inputs, targets in loader:
        inputs, targets = inputs.to(device), torch.as_tensor(targets).to(device)
        optimizer.zero_grad()
        scores = model(inputs)
        loss = loss_fn(scores, targets)
        loss.backward()
        optimizer.step()
        total_loss += loss.item() * len(targets)
        correct += int((scores.detach().argmax(dim=1) == targets).sum())
        seen += len(targets)
        if bar is not None:
            bar.update(1)
    if seen == 0:
        raise ValueError("loader gave no batches")
    return {"loss": total_loss / seen, "accuracy": correct / seen}


# ---------------------------------------------------------------------------
# checkpoints
# ---------------------------------------------------------------------------
def save_checkpoint(model, path) -> Path:
    """Save ``model.state_dict()`` to ``path`` (its folder is created).

    Returns
    -------
    pathlib.Path
    """
    import torch

    _check_model(model)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(model.state_dict(), path)
    return path


def load_checkpoint(model, path):
    """Load weights saved by :func:`save_checkpoint` into ``model`` and return it.

    Uses ``torch.load(weights_only=True)``: only tensors and plain containers
    are read, never arbitrary Python objects.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    RuntimeError
        If the saved weights do not fit ``model`` (PyTorch names the keys).
    """
    import torch

    _check_model(model)
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}")
    state = torch.load(path, map_location="cpu", weights_only=True)
    model.load_state_dict(state)
    return model


# ---------------------------------------------------------------------------
# the loop
# ---------------------------------------------------------------------------
def _use_bar(progress) -> bool:
    if progress == "auto":
        return (
            not os.environ.get("CI") and sys.stderr is not None and sys.stderr.isatty()
        )
    if isinstance(progress, bool):
        return progress
    raise ValueError(f"progress must be 'auto', True or False, got {progress!r}")


def _epoch_line(row: dict, epochs: int) -> str:
    width = len(str(epochs))
    parts = [
        f"epoch {row['epoch']:>{width}}/{epochs}",
        f"train loss {row['train_loss']:.4f} acc {row['train_accuracy']:.4f}",
    ]
    if not math.isnan(row["val_loss"]):
        parts.append(f"val loss {row['val_loss']:.4f} acc {row['val_accuracy']:.4f}")
    parts.append(f"{row['seconds']:.1f} s")
    return " | ".join(parts)


def fit(
    model,
    train_loader,
    val_loader=None,
    epochs=10,
    optimizer=None,
    lr=1e-3,
    loss_fn=None,
    device=None,
    checkpoint=None,
    monitor="val_accuracy",
    patience=None,
    scheduler=None,
    restore_best=True,
    progress="auto",
):
    """Train ``model`` for ``epochs`` epochs and return what happened, epoch by epoch.

    After every epoch the model is evaluated on ``val_loader`` (when given);
    when the ``monitor``-ed number improves, the weights are saved to
    ``checkpoint``. With ``patience``, training stops after that many epochs
    without improvement (early stopping). At the end the best weights are
    loaded back (``restore_best``).

    Parameters
    ----------
    model : torch.nn.Module
    train_loader : iterable of (inputs, labels)
        Shuffle it with a seeded ``torch.Generator`` for repeatable runs.
    val_loader : iterable of (inputs, labels), optional
    epochs : int
        At least 1.
    optimizer : torch.optim.Optimizer, optional
        ``torch.optim.Adam(model.parameters(), lr=lr)`` by default.
    lr : float
        Learning rate of the default optimiser (ignored otherwise).
    loss_fn : callable, optional
        ``torch.nn.functional.cross_entropy`` by default.
    device : str or torch.device, optional
        :func:`default_device` by default.
    checkpoint : str or path-like, optional
        Where to keep the best weights; a temporary file is used (and
        removed) when only ``restore_best`` or ``patience`` needs one.
    monitor : {"val_accuracy", "val_loss", "train_accuracy", "train_loss"}
        The number that decides "best" (higher accuracy, lower loss).
    patience : int, optional
        Stop after this many epochs without improvement.
    scheduler : torch.optim.lr_scheduler.LRScheduler, optional
        Stepped once per epoch.
    restore_best : bool
        Load the best weights into ``model`` at the end.
    progress : {"auto", True, False}
        A tqdm bar over the batches (True), one printed line per epoch
        (False), or a bar only in an interactive terminal outside CI ("auto").

    Returns
    -------
    pandas.DataFrame
        One row per epoch: ``epoch``, ``train_loss``, ``train_accuracy``,
        ``val_loss``, ``val_accuracy`` (NaN without ``val_loader``),
        ``seconds``, ``best`` (True on the epochs whose weights were saved).

    Raises
    ------
    TypeError
        If the model, a loader, the optimiser or the device is of the wrong kind.
    ValueError
        If ``epochs``/``patience`` is below 1, ``monitor`` is unknown or needs
        ``val_loader``, or ``progress`` is not one of its values.
    """
    import tempfile

    import pandas as pd
    import torch

    _check_model(model)
    _check_loader(train_loader, "train_loader")
    if val_loader is not None:
        _check_loader(val_loader, "val_loader")
    epochs = _as_int(epochs, "epochs", 1)
    if patience is not None:
        patience = _as_int(patience, "patience", 1)
    if not isinstance(monitor, str) or monitor not in _MONITORS:
        raise ValueError(f"monitor must be one of {_MONITORS}, got {monitor!r}")
    if monitor.startswith("val_") and val_loader is None:
        raise ValueError(
            f"monitor={monitor!r} needs a val_loader; "
            "pass one or monitor a training number"
        )
    if not isinstance(restore_best, bool):
        raise TypeError(f"restore_best must be True or False, got {restore_best!r}")
    use_bar = _use_bar(progress)
    device = _resolve_device(device)
    model.to(device)
    if optimizer is None:
        if not isinstance(lr, numbers.Real) or isinstance(lr, bool) or not lr > 0:
            raise ValueError(f"lr must be a positive number, got {lr!r}")
        optimizer = torch.optim.Adam(model.parameters(), lr=lr)

    temporary = None
    if checkpoint is None and (restore_best or patience is not None):
        handle, temporary = tempfile.mkstemp(suffix=".pt", prefix="fit-best-")
        os.close(handle)
        checkpoint = temporary
    higher_is_better = monitor.endswith("accuracy")
    best_value, since_best, rows = None, 0, []
    bar = None
    try:
        if use_bar:
            from tqdm.auto import tqdm

            total = len(train_loader) if hasattr(train_loader, "__len__") else None
            bar = tqdm(total=total, unit="batch", leave=False)
        for epoch in range(1, epochs + 1):
            start = time.perf_counter()
            if bar is not None:
                bar.reset()
                bar.set_description(f"epoch {epoch}/{epochs}")
            trained = train_epoch(model, train_loader, optimizer, loss_fn, device, bar)
            measured = (
                evaluate(model, val_loader, loss_fn, device)
                if val_loader is not None
                else {"loss": math.nan, "accuracy": math.nan}
            )
            if scheduler is not None:
                scheduler.step()
            row = {
                "epoch": epoch,
                "train_loss": trained["loss"],
                "train_accuracy": trained["accuracy"],
                "val_loss": measured["loss"],
                "val_accuracy": measured["accuracy"],
                "seconds": time.perf_counter() - start,
            }
            value = row[monitor]
            improved = best_value is None or (
                value > best_value if higher_is_better else value < best_value
            )
            row["best"] = bool(improved)
            if improved:
                best_value, since_best = value, 0
                if checkpoint is not None:
                    save_checkpoint(model, checkpoint)
            else:
                since_best += 1
            rows.append(row)
            if bar is not None:
                bar.write(_epoch_line(row, epochs))
            else:
                print(_epoch_line(row, epochs), flush=True)
            if patience is not None and since_best >= patience:
                print(
                    f"stopped early: no better {monitor} for {patience} epochs",
                    flush=True,
                )
                break
        if restore_best and checkpoint is not None:
            load_checkpoint(model, checkpoint)
            model.to(device)
    finally:
        if bar is not None:
            bar.close()
        if temporary is not None and os.path.exists(temporary):
            os.remove(temporary)
    return pd.DataFrame(rows)
