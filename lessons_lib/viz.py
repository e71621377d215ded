"""Pictures for the lessons: matrices with their numbers, kernels, images, animations.

Each ``show_*`` function draws with Matplotlib and returns the
:class:`~matplotlib.figure.Figure` (or the Axes it drew on, when given one), so
a lesson can add to it; end the cell with ``plt.show()``.

The ``animate_*`` functions return an :class:`IPython.display.HTML` object
holding a JavaScript player with the frames embedded as PNG images, so the
animation plays in Jupyter, in Colab and on the static website alike.
"""

from __future__ import annotations

import hashlib
import numbers
import re

import matplotlib.pyplot as plt
import numpy as np
from matplotlib import animation
from matplotlib.patches import Rectangle
from matplotlib.ticker import MaxNLocator

from .layers import softmax

__all__ = [
    "show_matrix",
    "show_kernel",
    "show_matrices",
    "show_images",
    "show_image_grid",
    "plot_history",
    "plot_confusion_matrix",
    "show_misclassified",
    "show_top_predictions",
    "animate_sliding_window",
    "animate_conv1d",
]


# ---------------------------------------------------------------------------
# argument checking
# ---------------------------------------------------------------------------
def _as_matrix(value, name: str) -> np.ndarray:
    arr = np.asarray(value)
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.number) or arr.dtype == bool
    ):
        raise TypeError(f"{name} must be an array of numbers, got dtype {arr.dtype}")
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2:
        raise ValueError(f"{name} must be 1-D or 2-D, got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} must not be empty")
    return arr


def _as_image(value, name: str) -> np.ndarray:
    if hasattr(value, "detach"):  # a torch tensor
        value = value.detach().cpu().numpy()
    arr = np.asarray(value)
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.number) or arr.dtype == bool
    ):
        raise TypeError(f"{name} must be an array of numbers, got dtype {arr.dtype}")
    if arr.ndim == 3 and arr.shape[-1] == 1:
        arr = arr[..., 0]
    if arr.ndim == 3 and arr.shape[0] in (1, 3) and arr.shape[-1] not in (3, 4):
        raise ValueError(
            f"{name} looks channels-first with shape "
            f"{arr.shape}; pass it as (H, W, C), "
            "for example with image.transpose(1, 2, 0)"
        )
    if arr.ndim not in (2, 3) or (arr.ndim == 3 and arr.shape[-1] not in (3, 4)):
        raise ValueError(f"{name} must be (H, W) or (H, W, 3|4), got shape {arr.shape}")
    return arr


def _format_number(value, fmt) -> str:
    if fmt is not None:
        return format(value, fmt)
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.2f}"


def _text_colour(image, value) -> str:
    """White on dark cells, black on light ones (by the cell colour's luminance)."""
    if not np.isfinite(value):
        return "black"
    red, green, blue, _ = image.cmap(image.norm(value))
    return "white" if 0.299 * red + 0.587 * green + 0.114 * blue < 0.5 else "black"


# ---------------------------------------------------------------------------
# matrices and kernels
# ---------------------------------------------------------------------------
def show_matrix(
    matrix,
    ax=None,
    title=None,
    fmt=None,
    cmap="Blues",
    highlight=None,
    vmin=None,
    vmax=None,
    fontsize=None,
    show_values=True,
):
    """Draw a small matrix as coloured cells with its numbers written in them.

    Parameters
    ----------
    matrix : array_like, 1-D or 2-D
        The values (a 1-D array is drawn as one row).
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure is made when omitted.
    title : str, optional
    fmt : str, optional
        A format spec for the numbers (e.g. ``".2f"``); by default integers
        are written as integers and other numbers with two decimals.
    cmap : str
        Matplotlib colour map for the cells.
    highlight : (row, col, height, width), optional
        A rectangle of cells outlined in red (a kernel's window, say).
    vmin, vmax : float, optional
        Colour scale limits.
    fontsize : float, optional
        Size of the numbers; chosen from the matrix size when omitted.
    show_values : bool
        Write the numbers (turn off for large matrices).

    Returns
    -------
    matplotlib.figure.Figure or matplotlib.axes.Axes
        The new figure, or ``ax`` when one was given.

    Raises
    ------
    TypeError
        If ``matrix`` is not numeric.
    ValueError
        If ``matrix`` is empty or has more than two dimensions.

    Examples
    --------
    >>> fig = show_matrix([[1, 2], [3, 4]], title="A")
    >>> plt.close(fig)
    """
    m = _as_matrix(matrix, "matrix")
    rows, cols = m.shape
    own_figure = ax is None
    if own_figure:
        fig, ax = plt.subplots(
            figsize=(max(1.2, 0.45 * cols + 0.4), max(1.0, 0.45 * rows + 0.5))
        )
    values = m.astype(float)
    shown = ax.imshow(values, cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest")
    if show_values:
        size = fontsize or (10 if max(rows, cols) <= 8 else 7)
        for r in range(rows):
            for c in range(cols):
                if np.isfinite(values[r, c]):  # NaN cells are left blank
                    ax.text(
                        c,
                        r,
                        _format_number(m[r, c], fmt),
                        ha="center",
                        va="center",
                        fontsize=size,
                        color=_text_colour(shown, values[r, c]),
                    )
    ax.set_xticks(np.arange(-0.5, cols, 1), minor=True)
    ax.set_yticks(np.arange(-0.5, rows, 1), minor=True)
    ax.grid(which="minor", color="white", linewidth=1.0)
    ax.tick_params(which="both", length=0, labelbottom=False, labelleft=False)
    for spine in ax.spines.values():
        spine.set_visible(False)
    if highlight is not None:
        r0, c0, h, w = highlight
        ax.add_patch(
            Rectangle(
                (c0 - 0.5, r0 - 0.5), w, h, fill=False, edgecolor="red", linewidth=2.5
            )
        )
    if title:
        ax.set_title(title)
    if own_figure:
        fig.tight_layout()
        return fig
    return ax


def show_kernel(kernel, ax=None, title=None, fmt=None, cmap="RdBu_r", show_values=True):
    """Draw a kernel as a heat map with a colour scale centred on zero.

    Positive weights are red, negative blue and zero white, so the sign
    pattern (what the kernel responds to) shows at a glance.

    Parameters
    ----------
    kernel : array_like, 2-D
    ax, title, fmt, show_values
        As :func:`show_matrix`.
    cmap : str
        A diverging colour map.

    Returns
    -------
    matplotlib.figure.Figure or matplotlib.axes.Axes

    Raises
    ------
    TypeError, ValueError
        As :func:`show_matrix`.

    Examples
    --------
    >>> fig = show_kernel([[-1, 0, 1]] * 3, title="horizontal gradient")
    >>> plt.close(fig)
    """
    k = _as_matrix(kernel, "kernel").astype(float)
    limit = float(np.max(np.abs(k))) or 1.0
    return show_matrix(
        k,
        ax=ax,
        title=title,
        fmt=fmt,
        cmap=cmap,
        vmin=-limit,
        vmax=limit,
        show_values=show_values,
    )


def show_matrices(
    matrices, titles=None, kernels=(), highlights=None, fmt=None, cell=0.42, fontsize=9
):
    """Draw several small matrices side by side, each cell with its number.

    The usual picture of a convolution step: an input, a kernel, a padded
    input with the window outlined, an output. Panels are as wide as their
    matrices, so equal cells line up.

    Parameters
    ----------
    matrices : sequence of array_like
        Each 1-D or 2-D.
    titles : sequence of str, optional
        One per matrix.
    kernels : collection of int
        Indices of the matrices to draw as kernels (:func:`show_kernel`:
        diverging colours centred on zero); the others use :func:`show_matrix`.
    highlights : sequence of (row, col, height, width) or None, optional
        One per matrix: a rectangle of cells to outline in red, or None.
    fmt : str, optional
        Number format, as :func:`show_matrix`.
    cell : float
        Size of one cell in inches.
    fontsize : float
        Size of the numbers.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    TypeError
        If a matrix is not numeric.
    ValueError
        If there are no matrices, a matrix is empty or has more than two
        dimensions, or ``titles``/``highlights`` do not have one entry per matrix.

    Examples
    --------
    >>> fig = show_matrices(
    ...     [np.eye(3), [[1, -1]]], titles=["image", "kernel"], kernels=(1,)
    ... )
    >>> len(fig.axes)
    2
    >>> plt.close(fig)
    """
    arrays = [_as_matrix(m, f"matrices[{i}]") for i, m in enumerate(matrices)]
    n = len(arrays)
    if n == 0:
        raise ValueError("matrices must hold at least one matrix")
    titles = [None] * n if titles is None else list(titles)
    highlights = [None] * n if highlights is None else list(highlights)
    for name, values in (("titles", titles), ("highlights", highlights)):
        if len(values) != n:
            raise ValueError(
                f"{name} must have one entry per matrix: {len(values)} for {n} matrices"
            )
    widths = [a.shape[1] for a in arrays]
    height = max(a.shape[0] for a in arrays)
    fig, axes = plt.subplots(
        1,
        n,
        figsize=(cell * sum(widths) + 0.7 * n, cell * height + 0.8),
        gridspec_kw={"width_ratios": widths},
        squeeze=False,
    )
    for i, (ax, a) in enumerate(zip(axes[0], arrays)):
        if i in kernels:
            show_kernel(a, ax=ax, title=titles[i], fmt=fmt)
        else:
            show_matrix(
                a,
                ax=ax,
                title=titles[i],
                fmt=fmt,
                highlight=highlights[i],
                fontsize=fontsize,
            )
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------------------
# images
# ---------------------------------------------------------------------------
def _check_image_list(images, titles):
    if isinstance(images, np.ndarray) and images.ndim == 2:
        images = [images]
    images = [_as_image(img, f"images[{i}]") for i, img in enumerate(images)]
    if not images:
        raise ValueError("images must hold at least one image")
    if titles is not None:
        titles = list(titles)
        if len(titles) != len(images):
            raise ValueError(
                "titles must have one entry per image: "
                f"{len(titles)} titles for {len(images)} images"
            )
    return images, titles


def _draw_image(ax, img, title, cmap, vmin=None, vmax=None, colorbar=False):
    if img.ndim == 2:
        shown = ax.imshow(img, cmap=cmap, vmin=vmin, vmax=vmax)
        if colorbar:
            ax.figure.colorbar(shown, ax=ax, fraction=0.046, pad=0.04)
    else:
        ax.imshow(img)
    ax.set_xticks([])
    ax.set_yticks([])
    if title is not None:
        ax.set_title(title)


def show_images(
    images, titles=None, cmap="gray", size=3.0, vmin=None, vmax=None, colorbar=False
):
    """Show images side by side in one row, each with its title.

    Parameters
    ----------
    images : sequence of array_like
        Each ``(H, W)`` (drawn with ``cmap``) or ``(H, W, 3)`` (colour),
        as NumPy arrays or tensors. Channels-first ``(3, H, W)`` is refused
        with a hint, since it would be drawn wrongly.
    titles : sequence of str, optional
        One per image.
    cmap : str
        Colour map for single-channel images.
    size : float
        Height of each panel in inches.
    vmin, vmax : float, optional
        Shared colour limits for single-channel images (by default each
        image is scaled to its own range).
    colorbar : bool
        Add a colour bar to each single-channel panel.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    TypeError
        If an image is not numeric.
    ValueError
        If an image has the wrong shape, or titles and images differ in number.

    Examples
    --------
    >>> fig = show_images([np.eye(3), np.ones((3, 3))], titles=["eye", "ones"])
    >>> plt.close(fig)
    """
    images, titles = _check_image_list(images, titles)
    n = len(images)
    fig, axes = plt.subplots(
        1, n, figsize=(size * n * (1.25 if colorbar else 1), size), squeeze=False
    )
    for i, (ax, img) in enumerate(zip(axes[0], images)):
        _draw_image(
            ax, img, None if titles is None else titles[i], cmap, vmin, vmax, colorbar
        )
    fig.tight_layout()
    return fig


def show_image_grid(images, ncols=8, titles=None, cmap="gray", size=1.2):
    """Show many small images in a grid (digits, filters, feature maps).

    Parameters
    ----------
    images : sequence of array_like, or an array of shape (N, H, W)
    ncols : int
        Images per row, at least 1.
    titles : sequence of str, optional
        One per image (labels, say).
    cmap : str
        Colour map for single-channel images.
    size : float
        Side of each cell in inches.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    TypeError
        If ``ncols`` is not an int or an image is not numeric.
    ValueError
        If ``ncols`` is below 1, an image has the wrong shape, or titles
        and images differ in number.

    Examples
    --------
    >>> fig = show_image_grid(np.zeros((10, 4, 4)), ncols=5)
    >>> plt.close(fig)
    """
    if not isinstance(ncols, numbers.Integral) or isinstance(ncols, bool):
        raise TypeError(f"ncols must be an int, got {ncols!r}")
    if ncols < 1:
        raise ValueError(f"ncols must be at least 1, got {ncols}")
    if hasattr(images, "detach"):
        images = images.detach().cpu().numpy()
    images, titles = _check_image_list(list(images), titles)
    n = len(images)
    cols = min(ncols, n)
    rows = -(-n // cols)
    fig, axes = plt.subplots(
        rows,
        cols,
        figsize=(size * cols, size * rows * (1.2 if titles else 1.0)),
        squeeze=False,
    )
    for i, ax in enumerate(axes.flat):
        if i < n:
            _draw_image(ax, images[i], None if titles is None else titles[i], cmap)
        else:
            ax.axis("off")
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------------------
# training results
# ---------------------------------------------------------------------------
def plot_history(history, axes=None, title=None):
    """Learning curves: loss and accuracy per epoch, training and validation.

    Parameters
    ----------
    history : pandas.DataFrame or dict of lists
        What :func:`lessons_lib.train.fit` returns: columns ``epoch``,
        ``train_loss``, ``train_accuracy`` and optionally ``val_loss``,
        ``val_accuracy`` and ``best`` (the saved epochs are marked).
    axes : pair of matplotlib Axes, optional
        Where to draw loss and accuracy; a new figure by default.
    title : str, optional
        Put above the loss panel.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        If a needed column is missing or the history is empty.

    Examples
    --------
    >>> fig = plot_history(
    ...     {"epoch": [1, 2], "train_loss": [0.9, 0.5], "train_accuracy": [0.6, 0.8]}
    ... )
    >>> plt.close(fig)
    """
    import pandas as pd

    table = pd.DataFrame(history)
    missing = {"epoch", "train_loss", "train_accuracy"} - set(table.columns)
    if missing:
        raise ValueError(
            f"history lacks the columns {sorted(missing)}; it has {list(table.columns)}"
        )
    if table.empty:
        raise ValueError("history is empty: no epoch to plot")
    if axes is None:
        fig, axes = plt.subplots(1, 2, figsize=(10, 3.4))
    else:
        fig = axes[0].figure
    for ax, quantity in zip(axes, ("loss", "accuracy")):
        ax.plot(
            table["epoch"], table[f"train_{quantity}"], "o-", ms=3, label="training"
        )
        column = f"val_{quantity}"
        if column in table and table[column].notna().any():
            ax.plot(table["epoch"], table[column], "s-", ms=3, label="validation")
            if "best" in table and table["best"].any():
                best = table[table["best"]].iloc[-1]
                ax.plot(
                    [best["epoch"]],
                    [best[column]],
                    "*",
                    ms=12,
                    color="C3",
                    label="best (kept)",
                )
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel(quantity)
        ax.grid(alpha=0.3)
        ax.legend()
    if title is not None:
        axes[0].set_title(title)
    fig.tight_layout()
    return fig


def plot_confusion_matrix(
    counts, class_names=None, ax=None, normalize=False, title=None
):
    """Draw a confusion matrix (rows: true class, columns: predicted) with its numbers.

    Parameters
    ----------
    counts : array_like of int, shape (K, K)
        As :func:`lessons_lib.train.confusion_matrix` returns.
    class_names : sequence of str, optional
        K names for the axes; ``0 .. K-1`` by default.
    ax : matplotlib Axes, optional
    normalize : bool
        Show each row as fractions of its true class (the diagonal is then
        the per-class accuracy).
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        If ``counts`` is not square or ``class_names`` has the wrong length.

    Examples
    --------
    >>> fig = plot_confusion_matrix([[5, 1], [0, 4]], ["cat", "dog"])
    >>> plt.close(fig)
    """
    counts = _as_matrix(counts, "counts")
    k = counts.shape[0]
    if counts.shape != (k, k):
        raise ValueError(
            f"counts must be a square (K, K) matrix, got shape {counts.shape}"
        )
    names = (
        [str(i) for i in range(k)]
        if class_names is None
        else [str(c) for c in class_names]
    )
    if len(names) != k:
        raise ValueError(
            f"class_names must have {k} names, one per row of counts, got {len(names)}"
        )
    values = counts.astype(float)
    if normalize:
        totals = values.sum(axis=1, keepdims=True)
        values = np.divide(values, totals, out=np.zeros_like(values), where=totals > 0)
    if ax is None:
        side = max(3.5, 0.5 * k + 1.5)
        fig, ax = plt.subplots(figsize=(side + 0.8, side))
    else:
        fig = ax.figure
    shown = ax.imshow(values, cmap="Blues")
    fig.colorbar(shown, ax=ax, fraction=0.046, pad=0.04)
    for i in range(k):
        for j in range(k):
            text = f"{values[i, j]:.2f}" if normalize else f"{int(counts[i, j])}"
            ax.text(
                j,
                i,
                text,
                ha="center",
                va="center",
                fontsize=8,
                color="white" if values[i, j] > 0.6 * values.max() else "black",
            )
    ax.set_xticks(
        range(k),
        names,
        rotation=45 if max(map(len, names)) > 2 else 0,
        ha="right" if max(map(len, names)) > 2 else "center",
    )
    ax.set_yticks(range(k), names)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    if title is not None:
        ax.set_title(title)
    fig.tight_layout()
    return fig


def show_misclassified(
    images, labels, scores, class_names=None, count=16, ncols=8, size=1.3
):
    """The most confidently wrong predictions, with true and predicted class.

    Parameters
    ----------
    images : array_like or torch.Tensor, shape (N, H, W), (N, 1, H, W) or (N, H, W, 3)
    labels : array_like of int, shape (N,)
    scores : array_like or torch.Tensor, shape (N, K)
        Logits or probabilities; a softmax turns them into confidences.
    class_names : sequence of str, optional
    count : int
        How many to show at most (fewer when fewer are wrong).
    ncols : int
    size : float
        Side of each cell in inches.

    Returns
    -------
    fig : matplotlib.figure.Figure or None
        None when nothing is misclassified.
    shown : numpy.ndarray of int
        Indices of the images shown, most confident mistake first.

    Raises
    ------
    ValueError
        If the lengths of ``images``, ``labels`` and ``scores`` differ.

    Examples
    --------
    >>> scores = [[2.0, 0.0], [3.0, 0.0], [0.0, 1.0]]
    >>> fig, shown = show_misclassified(np.zeros((3, 4, 4)), [0, 1, 1], scores)
    >>> shown.tolist()
    [1]
    >>> plt.close(fig)
    """

    def numpy(value):
        return (
            value.detach().cpu().numpy()
            if hasattr(value, "detach")
            else np.asarray(value)
        )

    images, labels, scores = numpy(images), numpy(labels), numpy(scores).astype(float)
    if not (len(images) == len(labels) == len(scores)):
        raise ValueError(
            f"images, labels and scores must have the same length, got {len(images)}, "
            f"{len(labels)} and {len(scores)}"
        )
    if images.ndim == 4 and images.shape[1] == 1:
        images = images[:, 0]
    probabilities = softmax(scores)
    predicted = probabilities.argmax(axis=1)
    wrong = np.flatnonzero(predicted != labels)
    order = wrong[np.argsort(-probabilities[wrong, predicted[wrong]], kind="stable")][
        :count
    ]
    if order.size == 0:
        return None, order
    names = (
        (lambda c: str(c)) if class_names is None else (lambda c: str(class_names[c]))
    )
    titles = [
        f"{names(labels[i])} → {names(predicted[i])}\n"
        f"{probabilities[i, predicted[i]]:.0%}"
        for i in order
    ]
    fig = show_image_grid(
        [images[i] for i in order], ncols=ncols, titles=titles, size=size
    )
    for ax in fig.axes:
        ax.title.set_fontsize(8)
    return fig, order


# ---------------------------------------------------------------------------
# animations
# ---------------------------------------------------------------------------
def _animation_html(fig, update, frames: int, interval: int):
    """Render an animation to a self-contained JavaScript player.

    Matplotlib names the player's HTML elements with a random id; it is
    replaced by one derived from the frames, so that the same animation
    always gives the same HTML.
    """
    from IPython.display import HTML

    anim = animation.FuncAnimation(
        fig, update, frames=frames, interval=interval, blit=False
    )
    html = anim.to_jshtml(default_mode="once")
    plt.close(fig)
    for old in set(re.findall(r"_anim_img([0-9a-f]{32})", html)):
        html = html.replace(old, "ANIMATION_ID")
    digest = hashlib.sha256(html.encode()).hexdigest()[:32]
    return HTML(html.replace("ANIMATION_ID", digest))


def _check_positive_int(value, name, minimum):
    if not isinstance(value, numbers.Integral) or isinstance(value, bool):
        raise TypeError(f"{name} must be an int, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
    return int(value)


def animate_sliding_window(
    image,
    kernel,
    stride=1,
    padding=0,
    flip=False,
    interval=800,
    max_frames=36,
    dilation=1,
    operation="correlate",
):
    """Animate a kernel sliding over an image while the output fills in.

    Three panels: the (padded) input with the current window outlined, the
    kernel, and the output so far, the newest value outlined. Each frame is
    one output value: the sum of the window times the kernel (or, for
    pooling, the window's maximum or mean).

    Parameters
    ----------
    image : array_like, 2-D
        A small input (up to about 10x10 keeps the numbers readable).
    kernel : array_like, 2-D
        The weights; for ``operation="max"`` or ``"mean"`` only its shape
        is used (the window).
    stride : int or (int, int)
        Step of the window (rows, columns), at least 1.
    padding : int or (int, int)
        Zeros added on each side (rows, columns), at least 0.
    flip : bool
        Rotate the kernel by 180 degrees first: True shows a true
        convolution, False the cross-correlation of deep-learning layers.
    interval : int
        Milliseconds between frames.
    max_frames : int
        Refuse inputs that would need more frames than this (keeps the
        page small).
    dilation : int or (int, int)
        Spacing between the kernel's taps; with dilation above 1 each tap
        is outlined on its own.
    operation : {"correlate", "max", "mean"}
        Sum of products (a convolutional layer), or max/average pooling.

    Returns
    -------
    IPython.display.HTML
        A player that shows the frames.

    Raises
    ------
    TypeError, ValueError
        For non-numeric or non-2-D inputs, a stride or dilation below 1, a
        negative padding, a kernel larger than the padded image, an unknown
        operation, or too many frames.

    Examples
    --------
    >>> player = animate_sliding_window(np.arange(9).reshape(3, 3), np.ones((2, 2)))
    >>> "<script" in player.data
    True
    """
    from .conv import _as_pair, _check_choice, correlate2d

    img = _as_matrix(image, "image")
    ker = _as_matrix(kernel, "kernel")
    sh, sw = _as_pair(stride, "stride", 1)
    ph, pw = _as_pair(padding, "padding", 0)
    dh, dw = _as_pair(dilation, "dilation", 1)
    _check_choice(operation, "operation", ("correlate", "max", "mean"))
    max_frames = _check_positive_int(max_frames, "max_frames", 1)
    used = ker[::-1, ::-1] if flip else ker
    kh, kw = ker.shape
    padded = np.pad(img, ((ph, ph), (pw, pw)))
    out = correlate2d(img, used, stride=(sh, sw), padding=(ph, pw), dilation=(dh, dw))
    if operation != "correlate":
        reduce = np.max if operation == "max" else np.mean
        out = np.array(
            [
                [
                    reduce(
                        padded[
                            r * sh : r * sh + dh * (kh - 1) + 1 : dh,
                            c * sw : c * sw + dw * (kw - 1) + 1 : dw,
                        ]
                    )
                    for c in range(out.shape[1])
                ]
                for r in range(out.shape[0])
            ]
        )
    frames = out.size
    if frames > max_frames:
        raise ValueError(
            f"the output has {frames} values, more than "
            f"max_frames={max_frames}; use a smaller image"
        )
    rows, cols = padded.shape
    span_h, span_w = dh * (kh - 1) + 1, dw * (kw - 1) + 1
    fmt = None  # integers as integers, anything else with two decimals

    width_ratios = [cols, kw, out.shape[1]]
    fig, axes = plt.subplots(
        1,
        3,
        figsize=(0.42 * sum(width_ratios) + 1.6, 0.42 * rows + 0.9),
        gridspec_kw={"width_ratios": width_ratios},
        dpi=80,
    )
    vmin, vmax = float(out.min()), float(out.max())
    what = {
        "correlate": "sum(window x kernel)",
        "max": "max(window)",
        "mean": "mean(window)",
    }[operation]

    def update(k):
        r, c = divmod(k, out.shape[1])
        for ax in axes:
            ax.clear()
        single = (dh, dw) == (1, 1)
        show_matrix(
            padded,
            ax=axes[0],
            title="input" + (" (padded)" if ph or pw else ""),
            highlight=(r * sh, c * sw, span_h, span_w) if single else None,
            cmap="Greys",
            vmin=padded.min() - 1,
            vmax=padded.max() * 3 + 1,
        )
        if not single:
            axes[0].add_patch(
                Rectangle(
                    (c * sw - 0.5, r * sh - 0.5),
                    span_w,
                    span_h,
                    fill=False,
                    edgecolor="tab:orange",
                    linewidth=1.2,
                    linestyle="--",
                )
            )
            for i in range(kh):
                for j in range(kw):
                    axes[0].add_patch(
                        Rectangle(
                            (c * sw + j * dw - 0.5, r * sh + i * dh - 0.5),
                            1,
                            1,
                            fill=False,
                            edgecolor="tab:red",
                            linewidth=2.2,
                        )
                    )
        if operation == "correlate":
            show_kernel(
                used, ax=axes[1], title="kernel (flipped)" if flip else "kernel"
            )
        else:
            show_matrix(
                np.ones_like(ker),
                ax=axes[1],
                title=f"{operation} window",
                cmap="Greys",
                vmin=0,
                vmax=4,
                show_values=False,
            )
        shown = np.full(out.shape, np.nan)
        shown.flat[: k + 1] = out.flat[: k + 1]
        show_matrix(
            np.nan_to_num(shown),
            ax=axes[2],
            title="output",
            cmap="Blues",
            vmin=vmin - 1,
            vmax=vmax + (vmax - vmin) + 1,
            highlight=(r, c, 1, 1),
            show_values=False,
        )
        for i in range(k + 1):
            rr, cc = divmod(i, out.shape[1])
            axes[2].text(
                cc,
                rr,
                _format_number(out[rr, cc], fmt),
                ha="center",
                va="center",
                fontsize=9,
            )
        fig.suptitle(
            f"output[{r}, {c}] = {what} = {_format_number(out[r, c], fmt)}", fontsize=10
        )

    update(0)
    fig.tight_layout()
    return _animation_html(fig, update, frames, interval)


def animate_conv1d(x, h, mode="full", interval=900):
    """Animate 1D convolution: the flipped kernel slides along the signal.

    Each frame shows the zero-padded signal with the current window, the
    flipped kernel under it, and the output so far; the title writes out the
    products. As in :func:`numpy.convolve`, the longer sequence is the one
    that is padded and the shorter one slides (convolution is commutative),
    so a "valid" animation never touches padding.

    Parameters
    ----------
    x : array_like, 1-D
        The signal (up to about 12 samples keeps it readable).
    h : array_like, 1-D
        The kernel.
    mode : {"full", "same", "valid"}
        Which outputs to show, as in :func:`numpy.convolve`.
    interval : int
        Milliseconds between frames.

    Returns
    -------
    IPython.display.HTML

    Raises
    ------
    TypeError, ValueError
        As :func:`lessons_lib.conv.convolve1d`.

    Examples
    --------
    >>> player = animate_conv1d([3, 4, 5], [2, 1, 0])
    >>> "<script" in player.data
    True
    """
    from .conv import convolve1d

    full = convolve1d(x, h, mode="full")
    kept = convolve1d(x, h, mode=mode)
    x, h = np.asarray(x), np.asarray(h)
    if h.size > x.size:
        x, h = h, x
    m = h.size
    # the full output's indices that this mode keeps (numpy centres them)
    start = (full.size - kept.size) // 2
    positions = list(range(start, start + kept.size))
    padded = np.concatenate([np.zeros(m - 1), x, np.zeros(m - 1)])
    flipped = h[::-1]
    width = padded.size

    fig, axes = plt.subplots(3, 1, figsize=(0.55 * width + 1.0, 3.9))

    def update(k):
        pos = positions[k]
        for ax in axes:
            ax.clear()
        show_matrix(
            padded,
            ax=axes[0],
            title="signal, with zeros added at both ends",
            cmap="Greys",
            vmin=padded.min() - 1,
            vmax=padded.max() * 3 + 1,
            highlight=(0, pos, 1, m),
        )
        under = np.full(width, np.nan)
        under[pos : pos + m] = flipped
        show_matrix(
            under,
            ax=axes[1],
            title=f"kernel, flipped, shifted by {pos}",
            cmap="Reds",
            vmin=min(0, flipped.min()) - abs(flipped).max(),
            vmax=abs(flipped).max() * 3,
        )
        done = np.full(width, np.nan)
        for i in positions[: k + 1]:
            done[i + m - 1] = full[i]
        show_matrix(
            done,
            ax=axes[2],
            title=f"output ({mode})",
            cmap="Blues",
            vmin=full.min() - 1,
            vmax=full.max() * 3 + 1,
            highlight=(0, pos + m - 1, 1, 1),
        )
        products = " + ".join(
            f"{_format_number(a, None)}*{_format_number(b, None)}"
            for a, b in zip(padded[pos : pos + m], flipped)
        )
        fig.suptitle(
            f"y[{pos}] = {products} = {_format_number(full[pos], None)}", fontsize=10
        )

    update(0)
    fig.tight_layout(h_pad=1.2)
    return _animation_html(fig, update, len(positions), interval)


# ---------------------------------------------------------------------------
# predictions of an ImageNet classifier
# ---------------------------------------------------------------------------
def show_top_predictions(image, probs, categories, k=5, title=None, axes=None):
    """An image beside a bar chart of its ``k`` most probable classes.

    Parameters
    ----------
    image : PIL image or array_like
        ``(H, W)`` or ``(H, W, 3)`` (uint8 or floats in [0, 1]).
    probs : array_like, shape (C,)
        One probability per class (a softmax output), e.g. 1000 for ImageNet.
    categories : sequence of str
        ``C`` class names, in the order of ``probs``.
    k : int
        How many classes to show, 1 to ``C``.
    title : str, optional
        Title above the image.
    axes : pair of matplotlib Axes, optional
        Where to draw the image and the bars; a new figure if None.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    TypeError
        ``k`` is not an int.
    ValueError
        ``probs`` is not 1-D, has negative values, or its length differs from
        ``categories``; ``k`` is out of range; ``axes`` is not two Axes.

    Examples
    --------
    >>> probs = [0.1, 0.7, 0.2]
    >>> fig = show_top_predictions(np.zeros((8, 8)), probs, ["a", "b", "c"], k=2)
    >>> [t.get_text() for t in fig.axes[1].get_yticklabels()]
    ['b', 'c']
    >>> plt.close(fig)
    """
    if hasattr(probs, "detach"):
        probs = probs.detach().cpu().numpy()
    p = np.asarray(probs, dtype=float)
    if p.ndim != 1:
        raise ValueError(
            f"probs must be 1-D (one number per class), got shape {p.shape}"
        )
    if (p < 0).any():
        raise ValueError("probs must not be negative (pass a softmax output)")
    categories = list(categories)
    if len(categories) != len(p):
        raise ValueError(
            f"categories must name every class: {len(categories)} names for "
            f"{len(p)} probabilities"
        )
    if not isinstance(k, numbers.Integral) or isinstance(k, bool):
        raise TypeError(f"k must be an int, got {k!r}")
    if not 1 <= k <= len(p):
        raise ValueError(f"k must be between 1 and {len(p)}, got {k}")
    img = _as_image(np.asarray(image), "image")
    if axes is None:
        fig, axes = plt.subplots(
            1, 2, figsize=(7.0, 2.6), gridspec_kw={"width_ratios": [1, 1.4]}
        )
    else:
        axes = list(axes)
        if len(axes) != 2:
            raise ValueError(f"axes must be two Axes (image, bars), got {len(axes)}")
        fig = axes[0].figure
    top = np.argsort(-p, kind="stable")[:k]
    _draw_image(axes[0], img, title, "gray")
    bars = axes[1].barh(np.arange(k), p[top], color="tab:blue")
    axes[1].set_yticks(np.arange(k), [categories[i] for i in top])
    axes[1].invert_yaxis()
    axes[1].set_xlim(0, 1)
    axes[1].set_xlabel("probability")
    for bar, value in zip(bars, p[top]):
        inside = value + 0.02 > 0.8  # no room on the right: write on the bar
        axes[1].text(
            0.8 if inside else value + 0.02,
            bar.get_y() + bar.get_height() / 2,
            f"{value:.1%}",
            va="center",
            fontsize=9,
            color="white" if inside else "black",
        )
    fig.tight_layout()
    return fig
