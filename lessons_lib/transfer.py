"""Transfer learning as plain functions: few-shot splits, linear probes, fine-tuning.

The recipe of Part VI, one function per step:

- :func:`few_shot_indices` draws ``k`` labelled images per class with a seed
  (nested: the 4-shot set of a seed contains its 2-shot set), for learning
  curves over repeated random splits;
- :func:`train_linear_probe` fits a **linear probe**, multinomial logistic
  regression on frozen features, by full-batch L-BFGS. It minimises

  .. math:: \\frac{1}{n}\\sum_{i=1}^{n} -\\log
            \\frac{e^{w_{y_i}^\\top x_i + b_{y_i}}}{\\sum_k e^{w_k^\\top x_i + b_k}}
            + \\frac{\\lambda}{2}\\lVert W\\rVert^2,

  the objective of scikit-learn's ``LogisticRegression(C=1 / (lambda * n))``
  (the bias is not penalised); :func:`choose_weight_decay` picks
  :math:`\\lambda` by stratified cross-validation inside the training images;
- :func:`fine_tune` trains a network whose parameters are split in two
  groups, the new classifier (``lr_head``) and the trainable part of the
  pretrained body (``lr_backbone``); ``trainable`` says what is frozen. The
  batch normalisation layers of the frozen part stay in evaluation mode;
- :func:`split_efficientnet` cuts EfficientNet-Lite0 into a frozen trunk
  and a trainable tail, so that the trunk's output is computed once and
  only the last blocks run while fine-tuning;
- :func:`learning_curve` and :func:`summarize_curve` repeat an experiment
  over labelled-set sizes and seeds and tabulate the spread;
- :class:`SmallCNN` is the small network trained from scratch that every
  transfer result is compared with.

The functions take any ``torch.nn.Module`` classifier: the EfficientNet-Lite0
of :mod:`lessons_lib.pretrained` or a torchvision network (VGG-16,
ResNet-50, Inception v3).
"""

from __future__ import annotations

import math
import numbers
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .pretrained import find_classifier

__all__ = [
    "few_shot_indices",
    "stratified_folds",
    "l2_normalize",
    "LinearProbe",
    "train_linear_probe",
    "choose_weight_decay",
    "set_trainable",
    "fine_tune",
    "split_efficientnet",
    "learning_curve",
    "summarize_curve",
    "SmallCNN",
]


# ---------------------------------------------------------------------------
# argument checking
# ---------------------------------------------------------------------------
def _as_int(value, name, minimum):
    if not isinstance(value, numbers.Integral) or isinstance(value, bool):
        raise TypeError(f"{name} must be an int, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value!r}")
    return int(value)


def _as_positive(value, name, allow_zero=False):
    if not isinstance(value, numbers.Real) or isinstance(value, bool):
        raise TypeError(f"{name} must be a number, got {value!r}")
    value = float(value)
    if not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        rule = "at least 0" if allow_zero else "positive"
        raise ValueError(f"{name} must be {rule} and finite, got {value!r}")
    return value


def _as_labels(labels, name="labels"):

    if isinstance(labels, torch.Tensor):
        labels = labels.detach().cpu().numpy()
    arr = np.asarray(labels)
    if arr.ndim != 1 or not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(
            f"{name} must be a 1-D array of integer class labels, "
            f"got shape {arr.shape} and dtype {arr.dtype}"
        )
    if arr.size and arr.min() < 0:
        raise ValueError(f"{name} must be at least 0, got {int(arr.min())}")
    return arr.astype(np.int64)


def _as_features(features, name="features"):

    if isinstance(features, np.ndarray):
        features = torch.from_numpy(features)
    if not isinstance(features, torch.Tensor):
        raise TypeError(
            f"{name} must be a torch.Tensor or numpy array, "
            f"got {type(features).__name__}"
        )
    if features.ndim != 2:
        raise ValueError(
            f"{name} must be 2-D (images, features), got shape {tuple(features.shape)}"
        )
    if not torch.is_floating_point(features):
        features = features.float()
    if not torch.isfinite(features).all():
        raise ValueError(f"{name} contains NaN or infinite values")
    return features


def _check_model(model):

    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")


# ---------------------------------------------------------------------------
# splits
# ---------------------------------------------------------------------------
def few_shot_indices(labels, per_class, seed, pool=None):
    """Indices of ``per_class`` images of every class, drawn at random with ``seed``.

    Each class is shuffled once with ``seed`` and its first ``per_class``
    images are taken, so the sets of one seed are **nested**: the 2-shot set
    is part of the 4-shot set. Different seeds give different splits.

    Parameters
    ----------
    labels : array_like or torch.Tensor of int, shape (N,)
        The label of every image of the data set. Every label that occurs in
        it is a class that must be represented.
    per_class : int or None
        Images per class, at least 1; ``None`` takes every image of ``pool``
        (classes may then be unbalanced).
    seed : int
        At least 0.
    pool : array_like of int, optional
        Indices of the images that may be drawn (for example the training
        part of a fixed split); all images by default.

    Returns
    -------
    numpy.ndarray of int64
        Sorted indices into ``labels``.

    Raises
    ------
    TypeError
        If ``per_class`` or ``seed`` is not an int.
    ValueError
        If ``labels`` is not 1-D integer, ``pool`` holds an index outside
        ``labels`` or twice, or a class has fewer than ``per_class`` images
        in ``pool``.

    Examples
    --------
    >>> labels = [0, 0, 0, 1, 1, 1, 2, 2, 2]
    >>> few_shot_indices(labels, per_class=2, seed=0).tolist()
    [0, 2, 4, 5, 6, 8]
    >>> set(few_shot_indices(labels, 1, seed=0)) <= set(few_shot_indices(labels, 2, 0))
    True
    """
    labels = _as_labels(labels)
    seed = _as_int(seed, "seed", 0)
    if per_class is not None:
        per_class = _as_int(per_class, "per_class", 1)
    if pool is None:
        pool = np.arange(len(labels))
    else:
        pool = np.asarray(pool)
        if pool.ndim != 1 or (pool.size and not np.issubdtype(pool.dtype, np.integer)):
            raise ValueError(f"pool must be a 1-D array of indices, got {pool!r}")
        if pool.size and (pool.min() < 0 or pool.max() >= len(labels)):
            raise ValueError(
                f"pool must hold indices from 0 to {len(labels) - 1}, "
                f"got {int(pool.min())} to {int(pool.max())}"
            )
        if len(np.unique(pool)) != len(pool):
            raise ValueError("pool must not hold an index twice")
        pool = np.sort(pool.astype(np.int64))
    if per_class is None:
        return pool
    rng = np.random.default_rng(seed)
    chosen = []
    for label in np.unique(labels):
        members = pool[labels[pool] == label]
        if len(members) < per_class:
            raise ValueError(
                f"class {int(label)} has only {len(members)} images in the pool, "
                f"fewer than per_class={per_class}"
            )
        chosen.append(members[rng.permutation(len(members))[:per_class]])
    return np.sort(np.concatenate(chosen))


def stratified_folds(labels, folds, seed=0):
    """Split image positions into ``folds`` parts with every class spread evenly.

    Parameters
    ----------
    labels : array_like of int, shape (N,)
    folds : int
        At least 2, and at most the size of the smallest class (so that
        every class is present in every training part and every held-out
        part).
    seed : int

    Returns
    -------
    list of numpy.ndarray
        ``folds`` sorted arrays of positions, disjoint, together ``0..N-1``.

    Raises
    ------
    ValueError
        If ``folds`` is below 2 or larger than the smallest class.

    Examples
    --------
    >>> parts = stratified_folds([0, 0, 1, 1, 1, 1], folds=2, seed=0)
    >>> [len(p) for p in parts], sorted(np.concatenate(parts).tolist())
    ([3, 3], [0, 1, 2, 3, 4, 5])
    """
    labels = _as_labels(labels)
    folds = _as_int(folds, "folds", 2)
    seed = _as_int(seed, "seed", 0)
    classes, counts = np.unique(labels, return_counts=True)
    if counts.size == 0 or folds > counts.min():
        smallest = int(counts.min()) if counts.size else 0
        raise ValueError(
            f"folds must be at most the size of the smallest class ({smallest}), "
            f"got {folds}"
        )
    rng = np.random.default_rng(seed)
    parts = [[] for _ in range(folds)]
    offset = 0
    for label in classes:
        members = np.flatnonzero(labels == label)
        members = members[rng.permutation(len(members))]
        for position, index in enumerate(members):
            parts[(position + offset) % folds].append(index)
        offset += len(members)  # the next class starts where this one stopped
    return [np.sort(np.asarray(p, dtype=np.int64)) for p in parts]


# ---------------------------------------------------------------------------
# linear probes
# ---------------------------------------------------------------------------
def l2_normalize(features, eps=1e-12):
    """Scale every row of ``features`` to Euclidean length 1.

    Parameters
    ----------
    features : torch.Tensor or numpy.ndarray, shape (N, D)
    eps : float
        Rows shorter than this are divided by ``eps`` instead (no division
        by zero).

    Returns
    -------
    Same type as ``features``.

    Examples
    --------
    >>> l2_normalize(np.array([[3.0, 4.0], [0.0, 2.0]])).tolist()
    [[0.6, 0.8], [0.0, 1.0]]
    """

    eps = _as_positive(eps, "eps")
    if isinstance(features, np.ndarray):
        return l2_normalize(torch.from_numpy(features), eps).numpy()
    features = _as_features(features)
    return features / features.norm(dim=1, keepdim=True).clamp_min(eps)


class LinearProbe:
    """A linear classifier on features, as :func:`train_linear_probe` returns it.

    Attributes
    ----------
    weight : torch.Tensor, shape (K, D)
    bias : torch.Tensor, shape (K,)
    normalize : bool
        Whether features are L2-normalised before the linear map.
    weight_decay : float
        The :math:`\\lambda` it was trained with.
    iterations : int
        L-BFGS iterations used.
    """

    def __init__(self, weight, bias, normalize, weight_decay, iterations):
        self.weight = weight
        self.bias = bias
        self.normalize = normalize
        self.weight_decay = weight_decay
        self.iterations = iterations

    def __repr__(self):
        classes, dims = self.weight.shape
        return (
            f"LinearProbe({dims} features -> {classes} classes, "
            f"weight_decay={self.weight_decay:g}, normalize={self.normalize})"
        )

    def _prepare(self, features):
        features = _as_features(features)
        if features.shape[1] != self.weight.shape[1]:
            raise ValueError(
                f"features must have {self.weight.shape[1]} columns, "
                f"got {features.shape[1]}"
            )
        features = features.to(self.weight.dtype)
        return l2_normalize(features) if self.normalize else features

    def scores(self, features):
        """Class scores (logits), shape (N, K)."""
        return self._prepare(features) @ self.weight.T + self.bias

    def probabilities(self, features):
        """Softmax of :meth:`scores`."""
        return self.scores(features).softmax(dim=1)

    def predict(self, features):
        """Predicted labels, shape (N,)."""
        return self.scores(features).argmax(dim=1)

    def accuracy(self, features, labels):
        """Fraction of ``features`` whose predicted label is ``labels``."""
        labels = _as_labels(labels)
        predicted = self.predict(features).numpy()
        if len(predicted) != len(labels):
            raise ValueError(
                f"labels must have one entry per row of features ({len(predicted)}), "
                f"got {len(labels)}"
            )
        return float((predicted == labels).mean())

    def to_linear(self):
        """The probe as a ``torch.nn.Linear`` (float32), e.g. to put on a network.

        Normalisation is not part of the layer: apply :func:`l2_normalize`
        first when ``normalize`` is True.
        """
        classes, dims = self.weight.shape
        layer = torch.nn.Linear(dims, classes)
        with torch.no_grad():
            layer.weight.copy_(self.weight)
            layer.bias.copy_(self.bias)
        return layer


def train_linear_probe(
    features,
    labels,
    weight_decay=1e-3,
    normalize=False,
    num_classes=None,
    max_iter=500,
    tol=1e-9,
):
    """Multinomial logistic regression on fixed features (a linear probe).

    Minimises the mean cross-entropy plus :math:`\\frac{\\lambda}{2}\\lVert
    W\\rVert^2` (``lambda = weight_decay``, bias not penalised) with
    full-batch L-BFGS in float64 (SciPy's, with the exact gradient). The
    optimum is unique for ``weight_decay > 0``; it is the one of scikit-learn's
    ``LogisticRegression(C=1 / (weight_decay * N))``.

    Parameters
    ----------
    features : torch.Tensor or numpy.ndarray, shape (N, D)
    labels : array_like of int, shape (N,)
    weight_decay : float
        :math:`\\lambda`, positive.
    normalize : bool
        L2-normalise every feature vector first (then the probe compares
        directions, not lengths).
    num_classes : int, optional
        Number of classes ``K``; ``max(labels) + 1`` by default.
    max_iter : int
        L-BFGS iterations, at most.
    tol : float
        Stop when the largest gradient entry is below ``tol``.

    Returns
    -------
    LinearProbe

    Raises
    ------
    TypeError
        If ``features`` is not an array or tensor, or ``normalize`` not a bool.
    ValueError
        If shapes disagree, a label is outside ``0..num_classes-1``, fewer
        than 2 classes occur, or ``weight_decay`` is not positive.

    Examples
    --------
    >>> x = np.array([[0.0, 1.0], [0.1, 0.9], [1.0, 0.0], [0.9, 0.2]])
    >>> probe = train_linear_probe(x, [0, 0, 1, 1], weight_decay=0.01)
    >>> probe.predict(x).tolist(), probe.accuracy(x, [0, 0, 1, 1])
    ([0, 0, 1, 1], 1.0)
    """

    features = _as_features(features)
    labels = _as_labels(labels)
    if len(labels) != features.shape[0]:
        raise ValueError(
            f"labels must have one entry per row of features ({features.shape[0]}), "
            f"got {len(labels)}"
        )
    weight_decay = _as_positive(weight_decay, "weight_decay")
    if not isinstance(normalize, bool):
        raise TypeError(f"normalize must be True or False, got {normalize!r}")
    max_iter = _as_int(max_iter, "max_iter", 1)
    tol = _as_positive(tol, "tol")
    if len(np.unique(labels)) < 2:
        raise ValueError("labels must hold at least 2 different classes")
    classes = int(labels.max()) + 1 if num_classes is None else num_classes
    classes = _as_int(classes, "num_classes", 2)
    if labels.max() >= classes:
        raise ValueError(
            f"labels must be below num_classes={classes}, got {int(labels.max())}"
        )

    x = features.detach().to(torch.float64)
    if normalize:
        x = l2_normalize(x)
    weight, bias, iterations = _fit_softmax_regression(
        x.numpy(), labels, classes, weight_decay, max_iter, tol
    )
    return LinearProbe(
        torch.from_numpy(weight),
        torch.from_numpy(bias),
        normalize,
        weight_decay,
        iterations,
    )


def _fit_softmax_regression(x, labels, classes, weight_decay, max_iter, tol):
    """L-BFGS on the penalised mean cross-entropy, with its exact gradient, in NumPy.

    With fewer images than features (few-shot), the optimal weights lie in
    the span of the images' features (the gradient of the penalised loss
    always does, and L-BFGS starts from 0), so the problem is solved in the
    coordinates of that span, from a thin SVD, and mapped back: the same
    optimum with ``n`` instead of ``D`` numbers per class. NumPy rather than
    autograd, and one BLAS thread: the steps are tiny, and on a busy machine
    a pool of threads makes each of them slow.
    """
    from scipy.optimize import minimize

    basis = None
    if x.shape[0] < x.shape[1]:
        u, singular, basis = np.linalg.svd(x, full_matrices=False)
        x = u * singular  # coordinates of every row in the basis of its span
    n, dims = x.shape
    onehot = np.zeros((n, classes))
    onehot[np.arange(n), labels] = 1.0

    def objective(theta):
        weight = theta[: classes * dims].reshape(classes, dims)
        bias = theta[classes * dims :]
        logits = x @ weight.T + bias
        logits -= logits.max(axis=1, keepdims=True)
        log_p = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
        loss = -(onehot * log_p).sum() / n + 0.5 * weight_decay * (weight**2).sum()
        residual = (np.exp(log_p) - onehot) / n
        grad_w = residual.T @ x + weight_decay * weight
        return loss, np.concatenate([grad_w.ravel(), residual.sum(axis=0)])

    with _one_blas_thread():
        result = minimize(
            objective,
            np.zeros(classes * (dims + 1)),
            jac=True,
            method="L-BFGS-B",
            options={"maxiter": max_iter, "gtol": tol, "ftol": 1e-15, "maxcor": 20},
        )
    weight = result.x[: classes * dims].reshape(classes, dims)
    if basis is not None:
        weight = weight @ basis
    return weight, result.x[classes * dims :].copy(), int(result.nit)


def _one_blas_thread():
    """Limit NumPy's BLAS to one thread in a block (when threadpoolctl is there)."""
    import contextlib

    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def choose_weight_decay(
    features, labels, grid, folds=None, seed=0, normalize=False, num_classes=None
):
    """Pick the probe's weight decay by stratified cross-validation on ``features``.

    Every value of ``grid`` trains one probe per fold on the other folds and
    is scored on the held-out fold by its mean cross-entropy (smoother than
    accuracy on a handful of images); the lowest mean wins, ties going to
    the larger weight decay. Only the images passed in are used: give it the
    training images, never the test set.

    Parameters
    ----------
    features : torch.Tensor or numpy.ndarray, shape (N, D)
    labels : array_like of int, shape (N,)
    grid : sequence of float
        Candidate weight decays, all positive.
    folds : int, optional
        ``min(5, smallest class)`` by default; at least 2.
    seed : int
        Seed of the folds.
    normalize : bool
        Passed to :func:`train_linear_probe`.
    num_classes : int, optional
        Passed to :func:`train_linear_probe`.

    Returns
    -------
    best : float
        The chosen weight decay.
    table : pandas.DataFrame
        One row per candidate: ``weight_decay``, ``cv_loss``, ``cv_accuracy``.

    Raises
    ------
    ValueError
        If ``grid`` is empty, or a class has fewer than 2 images (there is
        nothing to hold out).

    Examples
    --------
    >>> x = np.array([[0.0, 1.0], [0.1, 0.9], [0.2, 1.0], [1.0, 0.0], [0.9, 0.2],
    ...               [1.0, 0.1]])
    >>> best, table = choose_weight_decay(x, [0, 0, 0, 1, 1, 1], [1e-3, 1.0], folds=3)
    >>> table["cv_accuracy"].tolist()
    [1.0, 1.0]
    """
    import pandas as pd

    features = _as_features(features)
    labels = _as_labels(labels)
    grid = [_as_positive(value, "grid values") for value in grid]
    if not grid:
        raise ValueError("grid must hold at least one weight decay")
    smallest = int(np.unique(labels, return_counts=True)[1].min())
    if smallest < 2:
        raise ValueError(
            "cross-validation needs at least 2 images of every class, "
            f"the smallest class has {smallest}"
        )
    folds = min(5, smallest) if folds is None else folds
    parts = stratified_folds(labels, folds, seed)
    classes = int(labels.max()) + 1 if num_classes is None else num_classes
    rows = []
    for value in grid:
        loss_sum, correct = 0.0, 0
        for held_out in parts:
            keep = np.setdiff1d(np.arange(len(labels)), held_out)
            probe = train_linear_probe(
                features[keep], labels[keep], value, normalize, classes
            )
            scores = probe.scores(features[held_out])
            target = _torch_labels(labels[held_out])
            loss_sum += float(F.cross_entropy(scores, target, reduction="sum"))
            correct += int((scores.argmax(dim=1) == target).sum())
        rows.append(
            {
                "weight_decay": value,
                "cv_loss": loss_sum / len(labels),
                "cv_accuracy": correct / len(labels),
            }
        )
    table = pd.DataFrame(rows)
    order = sorted(range(len(rows)), key=lambda i: (rows[i]["cv_loss"], -grid[i]))
    return grid[order[0]], table


def _torch_labels(labels):

    return torch.from_numpy(np.ascontiguousarray(labels, dtype=np.int64))


# ---------------------------------------------------------------------------
# fine-tuning
# ---------------------------------------------------------------------------
def _in_module(parameter_name, module_name):
    return parameter_name == module_name or parameter_name.startswith(module_name + ".")


def set_trainable(model, trainable="all", head=None):
    """Freeze part of ``model`` (``requires_grad``) and say which parameters train.

    Parameters
    ----------
    model : torch.nn.Module
    trainable : "head", "all" or str
        ``"head"``: only the head trains (feature extraction with a new
        classifier); ``"all"``: everything trains; the name of a submodule,
        e.g. ``"_blocks.14"``: that module and every parameter registered
        after it train (the last blocks), the earlier ones are frozen. The
        head always trains.
    head : str, optional
        Name of the classifier module;
        :func:`lessons_lib.pretrained.find_classifier` by default.

    Returns
    -------
    dict
        ``{"head": [...], "backbone": [...]}``: the trainable parameters of
        the head and of the rest, for two optimiser parameter groups.

    Raises
    ------
    ValueError
        If ``trainable`` or ``head`` names no submodule of ``model``.

    Examples
    --------
    >>> import torch
    >>> net = torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.Linear(4, 4),
    ...                           torch.nn.Linear(4, 2))
    >>> groups = set_trainable(net, "1")
    >>> [len(groups["head"]), len(groups["backbone"]), net[0].weight.requires_grad]
    [2, 2, False]
    """
    _check_model(model)
    head = find_classifier(model) if head is None else head
    modules = dict(model.named_modules())
    if not isinstance(head, str) or head not in modules:
        raise ValueError(f"head must name a submodule of model, got {head!r}")
    if not isinstance(trainable, str):
        raise TypeError(
            f"trainable must be 'head', 'all' or a module name, got {trainable!r}"
        )
    if trainable not in ("head", "all") and trainable not in modules:
        raise ValueError(
            "trainable must be 'head', 'all' or the name of a submodule, "
            f"got {trainable!r}"
        )
    groups = {"head": [], "backbone": []}
    reached = trainable == "all"
    for name, parameter in model.named_parameters():
        if trainable not in ("head", "all") and _in_module(name, trainable):
            reached = True
        in_head = _in_module(name, head)
        parameter.requires_grad_(in_head or reached)
        if in_head:
            groups["head"].append(parameter)
        elif reached:
            groups["backbone"].append(parameter)
    return groups


def _frozen_batchnorm_to_eval(model):

    count = 0
    for module in model.modules():
        if isinstance(module, torch.nn.modules.batchnorm._BatchNorm):
            parameters = list(module.parameters(recurse=False))
            if not any(p.requires_grad for p in parameters):
                module.eval()
                count += 1
    return count


def _as_tensor_pair(data, name):

    if (
        isinstance(data, (tuple, list))
        and len(data) == 2
        and all(isinstance(part, torch.Tensor) for part in data)
    ):
        images, labels = data
        if len(images) != len(labels):
            raise ValueError(
                f"{name} images and labels differ in length: "
                f"{len(images)} and {len(labels)}"
            )
        if len(images) == 0:
            raise ValueError(f"{name} is empty")
        return images, labels.long()
    raise TypeError(
        f"{name} must be a pair (images, labels) of tensors, got {type(data).__name__}"
    )


def _evaluate(model, images, labels, batch_size):

    was_training = model.training
    model.eval()
    correct = 0
    with torch.no_grad():
        for start in range(0, len(images), batch_size):
            scores = model(images[start : start + batch_size])
            correct += int(
                (scores.argmax(dim=1) == labels[start : start + batch_size]).sum()
            )
    model.train(was_training)
    return correct / len(images)


def fine_tune(
    model,
    train_data,
    val_data=None,
    *,
    epochs,
    lr_head,
    lr_backbone=None,
    trainable="all",
    head=None,
    batch_size=32,
    weight_decay=0.0,
    frozen_bn_eval=True,
    augment=None,
    seed=0,
    schedule="cosine",
    verbose=False,
):
    """Train ``model`` with two learning rates: one for the head, one for the body.

    The parameters named by ``trainable`` train with AdamW, the head with
    ``lr_head`` and the rest with ``lr_backbone`` (two parameter groups);
    the others are frozen. With ``frozen_bn_eval`` the batch normalisation
    layers whose parameters are frozen stay in evaluation mode during
    training: they normalise with the running statistics learnt on the
    source data and do not update them. The model is changed in place and
    left in evaluation mode.

    Parameters
    ----------
    model : torch.nn.Module
        A classifier whose head already has the right number of outputs.
    train_data : (torch.Tensor, torch.Tensor)
        Images (N, C, H, W), already preprocessed, and labels (N,).
    val_data : (torch.Tensor, torch.Tensor), optional
        Scored after every epoch (reported only, nothing is chosen on it).
    epochs : int
        At least 1.
    lr_head : float
    lr_backbone : float, optional
        Defaults to ``lr_head``; ignored when ``trainable="head"``.
    trainable : "head", "all" or str
        See :func:`set_trainable`.
    head : str, optional
        See :func:`set_trainable`.
    batch_size : int
    weight_decay : float
        AdamW's decoupled weight decay, at least 0.
    frozen_bn_eval : bool
    augment : callable, optional
        ``augment(images, generator)`` returns an augmented training batch.
    seed : int
        Seeds the shuffling and ``augment``'s generator.
    schedule : "cosine" or "constant"
        Cosine decay of both learning rates to 0 over the training steps, or
        none.
    verbose : bool
        Print one line per epoch.

    Returns
    -------
    pandas.DataFrame
        One row per epoch: ``epoch``, ``train_loss``, ``train_accuracy``,
        ``val_accuracy`` (NaN without ``val_data``), ``seconds``.

    Raises
    ------
    TypeError
        If ``model`` is not a module or the data are not pairs of tensors.
    ValueError
        If a number is out of range, ``schedule`` is unknown, or
        ``trainable``/``head`` name no submodule.

    Examples
    --------
    >>> import torch
    >>> _ = torch.manual_seed(0)
    >>> net = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(4, 2))
    >>> x = torch.tensor([[0.0, 0, 0, 1], [0, 0, 1, 1], [1, 1, 0, 0], [1, 0, 0, 0]])
    >>> y = torch.tensor([0, 0, 1, 1])
    >>> history = fine_tune(net, (x, y), (x, y), epochs=20, lr_head=0.1, batch_size=2)
    >>> float(history["val_accuracy"].iloc[-1])
    1.0
    """
    import pandas as pd

    _check_model(model)
    images, labels = _as_tensor_pair(train_data, "train_data")
    if val_data is not None:
        val_images, val_labels = _as_tensor_pair(val_data, "val_data")
    epochs = _as_int(epochs, "epochs", 1)
    batch_size = _as_int(batch_size, "batch_size", 1)
    seed = _as_int(seed, "seed", 0)
    lr_head = _as_positive(lr_head, "lr_head")
    lr_backbone = (
        lr_head if lr_backbone is None else _as_positive(lr_backbone, "lr_backbone")
    )
    weight_decay = _as_positive(weight_decay, "weight_decay", allow_zero=True)
    for flag, value in (("frozen_bn_eval", frozen_bn_eval), ("verbose", verbose)):
        if not isinstance(value, bool):
            raise TypeError(f"{flag} must be True or False, got {value!r}")
    if schedule not in ("cosine", "constant"):
        raise ValueError(f"schedule must be 'cosine' or 'constant', got {schedule!r}")
    if augment is not None and not callable(augment):
        raise TypeError(f"augment must be callable or None, got {augment!r}")

    groups = set_trainable(model, trainable, head)
    parameter_groups = [{"params": groups["head"], "lr": lr_head}]
    if groups["backbone"]:
        parameter_groups.append({"params": groups["backbone"], "lr": lr_backbone})
    optimizer = torch.optim.AdamW(parameter_groups, weight_decay=weight_decay)
    steps_per_epoch = math.ceil(len(images) / batch_size)
    total_steps = epochs * steps_per_epoch
    scheduler = None
    if schedule == "cosine":
        scheduler = torch.optim.lr_scheduler.LambdaLR(
            optimizer, lambda step: 0.5 * (1 + math.cos(math.pi * step / total_steps))
        )
    generator = torch.Generator().manual_seed(seed)
    rows = []
    for epoch in range(1, epochs + 1):
        start = time.perf_counter()
        model.train()
        if frozen_bn_eval:
            _frozen_batchnorm_to_eval(model)
        order = torch.randperm(len(images), generator=generator)
        loss_sum, correct = 0.0, 0
        for first in range(0, len(images), batch_size):
            batch = order[first : first + batch_size]
            inputs, targets = images[batch], labels[batch]
            if augment is not None:
                inputs = augment(inputs, generator)
            scores = model(inputs)
            loss = F.cross_entropy(scores, targets)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            if scheduler is not None:
                scheduler.step()
            loss_sum += loss.item() * len(batch)
            correct += int((scores.detach().argmax(dim=1) == targets).sum())
        row = {
            "epoch": epoch,
            "train_loss": loss_sum / len(images),
            "train_accuracy": correct / len(images),
            "val_accuracy": math.nan,
        }
        if val_data is not None:
            row["val_accuracy"] = _evaluate(model, val_images, val_labels, 256)
        row["seconds"] = time.perf_counter() - start
        rows.append(row)
        if verbose:
            print(
                f"epoch {epoch}/{epochs} | train loss {row['train_loss']:.4f} "
                f"acc {row['train_accuracy']:.4f} | val acc {row['val_accuracy']:.4f} "
                f"| {row['seconds']:.1f} s"
            )
    model.eval()
    return pd.DataFrame(rows)


class _EfficientNetTrunk(nn.Module):
    """Stem and the first blocks of an EfficientNet-Lite: images to feature maps."""

    def __init__(self, model, first_block):
        super().__init__()
        self.first_block = first_block
        self.conv_stem, self.bn_stem = model._conv_stem, model._bn0
        self.activation = model._swish
        self.blocks = nn.ModuleList(model._blocks[:first_block])
        self._rates = [_drop_rate(model, i) for i in range(first_block)]

    def forward(self, images):
        x = self.activation(self.bn_stem(self.conv_stem(images)))
        for block, rate in zip(self.blocks, self._rates):
            x = block(x, drop_connect_rate=rate)
        return x


class _EfficientNetTail(nn.Module):
    """The last blocks, the head convolution and the classifier: maps to scores."""

    def __init__(self, model, first_block):
        super().__init__()
        self.first_block = first_block
        self.blocks = nn.ModuleList(model._blocks[first_block:])
        self.conv_head, self.bn_head = model._conv_head, model._bn1
        self.activation, self.pool = model._swish, model._avg_pooling
        self.dropout, self.fc = model._dropout, model._fc
        self._rates = [
            _drop_rate(model, first_block + i) for i in range(len(self.blocks))
        ]

    def forward(self, x):
        for block, rate in zip(self.blocks, self._rates):
            x = block(x, drop_connect_rate=rate)
        x = self.activation(self.bn_head(self.conv_head(x)))
        return self.fc(self.dropout(self.pool(x).flatten(1)))


def _drop_rate(model, index):
    # EfficientNet's stochastic depth: the rate grows linearly with the block
    rate = model._global_params.drop_connect_rate
    return rate * index / len(model._blocks) if rate else rate


def split_efficientnet(model, first_block):
    """Cut an EfficientNet-Lite into a trunk and a tail at block ``first_block``.

    ``tail(trunk(x))`` computes exactly ``model(x)`` (the same modules, in
    the same order). The trunk is the part a fine-tuning of the last blocks
    freezes: run it once over the data (in evaluation mode, under
    ``torch.no_grad()``) and train the tail on its output. Both share their
    modules with ``model``: training the tail trains the model.

    Parameters
    ----------
    model : efficientnet_lite_pytorch.EfficientNet
        As :func:`lessons_lib.pretrained.load_pretrained` builds it.
    first_block : int
        Index of the first block that trains, ``0 .. len(model._blocks)``
        (16 blocks in EfficientNet-Lite0; 16 leaves only the head
        convolution and the classifier in the tail).

    Returns
    -------
    trunk, tail : torch.nn.Module
        The tail's classifier is named ``fc``.

    Raises
    ------
    TypeError
        If ``model`` is not an EfficientNet (it has no ``_blocks``).
    ValueError
        If ``first_block`` is outside ``0 .. len(model._blocks)``.

    Examples
    --------
    >>> from lessons_lib.pretrained import load_pretrained
    >>> model, _ = load_pretrained(weights=None)
    >>> trunk, tail = split_efficientnet(model, 14)
    >>> x = torch.randn(2, 3, 64, 64)
    >>> maps = trunk(x)
    >>> tuple(maps.shape), torch.allclose(tail(maps), model(x), atol=1e-5)
    ((2, 192, 2, 2), True)
    """
    _check_model(model)
    needed = ("_blocks", "_conv_stem", "_conv_head", "_fc", "_global_params")
    if not all(hasattr(model, name) for name in needed):
        raise TypeError(
            "model must be an EfficientNet of efficientnet_lite_pytorch (with "
            f"_blocks, _conv_head and _fc), got {type(model).__name__}"
        )
    first_block = _as_int(first_block, "first_block", 0)
    if first_block > len(model._blocks):
        raise ValueError(
            f"first_block must be at most {len(model._blocks)} (the number of "
            f"blocks), got {first_block}"
        )
    return _EfficientNetTrunk(model, first_block), _EfficientNetTail(model, first_block)


# ---------------------------------------------------------------------------
# learning curves
# ---------------------------------------------------------------------------
def learning_curve(run, labels, sizes, seeds, pool=None):
    """Run an experiment on labelled sets of several sizes, several times each.

    For every size and seed, :func:`few_shot_indices` draws the labelled set
    and ``run(indices)`` trains and scores one or more methods **on that same
    set** (so methods are compared on identical splits).

    Parameters
    ----------
    run : callable
        ``run(indices)`` returns a dict ``{method name: test accuracy}``.
    labels : array_like of int
        Labels of the images the indices refer to.
    sizes : sequence of int or None
        Images per class (``None``: all of ``pool``).
    seeds : sequence of int
    pool : array_like of int, optional
        Indices that may be drawn.

    Returns
    -------
    pandas.DataFrame
        One row per (size, seed, method): ``method``, ``per_class`` (-1 for
        all), ``images``, ``seed``, ``accuracy``.

    Raises
    ------
    TypeError
        If ``run`` is not callable or does not return a dict.
    ValueError
        If ``sizes`` or ``seeds`` is empty.

    Examples
    --------
    >>> run = lambda idx: {"size": len(idx)}
    >>> curve = learning_curve(run, [0, 0, 1, 1], sizes=[1, 2], seeds=[0])
    >>> curve[["per_class", "images", "accuracy"]].values.tolist()
    [[1, 2, 2], [2, 4, 4]]
    """
    import pandas as pd

    if not callable(run):
        raise TypeError(f"run must be callable, got {run!r}")
    sizes, seeds = list(sizes), list(seeds)
    if not sizes or not seeds:
        raise ValueError("sizes and seeds must each hold at least one value")
    rows = []
    for size in sizes:
        for seed in seeds:
            indices = few_shot_indices(labels, size, seed, pool)
            result = run(indices)
            if not isinstance(result, dict):
                raise TypeError(f"run must return a dict of accuracies, got {result!r}")
            for method, value in result.items():
                rows.append(
                    {
                        "method": method,
                        "per_class": -1 if size is None else int(size),
                        "images": len(indices),
                        "seed": int(seed),
                        "accuracy": value,
                    }
                )
    return pd.DataFrame(rows)


def summarize_curve(curve):
    """Mean, standard deviation, minimum and maximum accuracy per method and size.

    Parameters
    ----------
    curve : pandas.DataFrame
        With columns ``method``, ``per_class``, ``images``, ``accuracy``
        (what :func:`learning_curve` returns, or the rows of a saved CSV).

    Returns
    -------
    pandas.DataFrame
        One row per (method, per_class): ``images`` (mean), ``mean``, ``std``
        (sample standard deviation, NaN for one run), ``min``, ``max``,
        ``runs``.

    Raises
    ------
    ValueError
        If a column is missing.

    Examples
    --------
    >>> import pandas as pd
    >>> rows = pd.DataFrame({"method": ["a", "a"], "per_class": [1, 1],
    ...                      "images": [2, 2], "accuracy": [0.5, 0.7]})
    >>> summarize_curve(rows)[["mean", "min", "max", "runs"]].values.round(2).tolist()
    [[0.6, 0.5, 0.7, 2.0]]
    """
    needed = {"method", "per_class", "images", "accuracy"}
    missing = needed - set(getattr(curve, "columns", []))
    if missing:
        raise ValueError(
            f"curve must have the columns {sorted(needed)}; missing {sorted(missing)}"
        )
    grouped = curve.groupby(["method", "per_class"], sort=True)
    summary = grouped.agg(
        images=("images", "mean"),
        mean=("accuracy", "mean"),
        std=("accuracy", "std"),
        min=("accuracy", "min"),
        max=("accuracy", "max"),
        runs=("accuracy", "size"),
    )
    return summary.reset_index()


# ---------------------------------------------------------------------------
# the baseline trained from scratch
# ---------------------------------------------------------------------------
class SmallCNN(nn.Module):
    """A small CNN to train from scratch: the baseline transfer learning must beat.

    Four 3x3 convolutions (``width``, ``2 width``, ``4 width``, ``4 width``
    channels) with batch normalisation and ReLU, max pooling after the first
    two, global average pooling (so any input size works), dropout and one
    linear layer named ``fc``. With the defaults it has 241,898 parameters
    for 10 classes.

    Parameters
    ----------
    num_classes : int
        At least 2.
    in_channels : int
        1 for grey images, 3 for colour.
    width : int
        Channels of the first convolution.
    dropout : float
        In ``[0, 1)``.

    Raises
    ------
    TypeError, ValueError
        For arguments of the wrong kind or out of range.

    Examples
    --------
    >>> net = SmallCNN(10)
    >>> tuple(net(torch.zeros(2, 1, 28, 28)).shape)
    (2, 10)
    >>> sum(p.numel() for p in net.parameters())
    241898
    """

    def __init__(self, num_classes, in_channels=1, width=32, dropout=0.2):
        super().__init__()
        num_classes = _as_int(num_classes, "num_classes", 2)
        in_channels = _as_int(in_channels, "in_channels", 1)
        width = _as_int(width, "width", 1)
        dropout = _as_positive(dropout, "dropout", allow_zero=True)
        if dropout >= 1:
            raise ValueError(f"dropout must be below 1, got {dropout}")

        def block(c_in, c_out):
            return [
                nn.Conv2d(c_in, c_out, 3, padding=1, bias=False),
                nn.BatchNorm2d(c_out),
                nn.ReLU(),
            ]

        self.features = nn.Sequential(
            *block(in_channels, width),
            nn.MaxPool2d(2),
            *block(width, 2 * width),
            nn.MaxPool2d(2),
            *block(2 * width, 4 * width),
            *block(4 * width, 4 * width),
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
        )
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(4 * width, num_classes)

    def forward(self, images):
        return self.fc(self.dropout(self.features(images)))
