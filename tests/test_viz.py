"""Tests for lessons_lib.viz.

Figures hold what they claim, animations are stable, bad input is refused.
"""

import re

import matplotlib.pyplot as plt
import numpy as np
import pytest

from lessons_lib import viz


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def cell_texts(ax):
    return [t.get_text() for t in ax.texts]


def test_show_matrix_writes_every_value_in_its_cell():
    m = np.array([[1, 2, 3], [4, 5, 60]])
    fig = viz.show_matrix(m, title="m")
    ax = fig.axes[0]
    assert cell_texts(ax) == ["1", "2", "3", "4", "5", "60"]
    positions = [t.get_position() for t in ax.texts]
    assert positions[5] == (2, 1)  # column, row of the value 60
    assert ax.get_title() == "m"


def test_show_matrix_formats_floats_and_highlights():
    fig, ax = plt.subplots()
    out = viz.show_matrix([[0.5, 1.0]], ax=ax, fmt=".1f", highlight=(0, 1, 1, 1))
    assert out is ax
    assert cell_texts(ax) == ["0.5", "1.0"]
    assert len(ax.patches) == 1


def test_text_is_readable_on_dark_and_light_cells():
    fig = viz.show_matrix([[0, 100]], cmap="Greys")
    colours = [t.get_color() for t in fig.axes[0].texts]
    assert colours == ["black", "white"]


def test_show_kernel_centres_the_colour_scale_on_zero():
    fig = viz.show_kernel([[-1, 0, 3]])
    image = fig.axes[0].images[0]
    assert image.norm.vmin == -3 and image.norm.vmax == 3


def test_show_matrices_panels_are_as_wide_as_their_matrices():
    fig = viz.show_matrices(
        [np.zeros((3, 3)), [[1, -1]], np.ones((3, 6))],
        titles=["a", "k", "b"],
        kernels=(1,),
        highlights=[None, None, (0, 0, 2, 2)],
    )
    axes = fig.axes
    assert [ax.get_title() for ax in axes] == ["a", "k", "b"]
    widths = [ax.get_position().width for ax in axes]
    assert widths[2] > widths[0] > widths[1]
    assert axes[1].images[0].norm.vmin == -1  # drawn as a kernel
    assert len(axes[2].patches) == 1 and len(axes[0].patches) == 0


def test_show_images_one_panel_per_image_with_titles():
    fig = viz.show_images(
        [np.zeros((4, 4)), np.ones((4, 4, 3))], titles=["grey", "colour"]
    )
    assert [ax.get_title() for ax in fig.axes] == ["grey", "colour"]


def test_show_image_grid_fills_rows_and_hides_spare_axes():
    fig = viz.show_image_grid(np.zeros((5, 3, 3)), ncols=3)
    assert len(fig.axes) == 6
    assert sum(ax.axison for ax in fig.axes) == 5


def test_show_images_accepts_tensors():
    torch = pytest.importorskip("torch")
    fig = viz.show_images([torch.zeros(3, 3)])
    assert len(fig.axes) == 1


def test_animation_has_one_frame_per_output_value_and_is_reproducible():
    image = np.arange(16).reshape(4, 4)
    a = viz.animate_sliding_window(image, np.ones((2, 2)), stride=2)
    b = viz.animate_sliding_window(image, np.ones((2, 2)), stride=2)
    assert a.data == b.data
    assert len(re.findall(r"frames\[\d+\] = ", a.data)) == 4
    ids = set(re.findall(r"_anim_img([0-9a-f]{32})", a.data))
    assert len(ids) == 1, "one player id, derived from the frames rather than random"


def test_animation_handles_stride_pairs_dilation_and_pooling():
    x_image = np.arange(81).reshape(9, 9)
    player = viz.animate_sliding_window(x_image, np.eye(3), stride=(3, 1))
    assert len(re.findall(r"frames\[\d+\] = ", player.data)) == 3 * 7
    dilated = viz.animate_sliding_window(
        np.arange(49).reshape(7, 7), np.ones((3, 3)), dilation=2
    )
    assert len(re.findall(r"frames\[\d+\] = ", dilated.data)) == 3 * 3
    pooled = viz.animate_sliding_window(
        [[0, 3, 6, 9], [1, 4, 7, 10], [2, 5, 8, 11]], np.ones((2, 2)), operation="max"
    )
    assert len(re.findall(r"frames\[\d+\] = ", pooled.data)) == 6


def test_conv1d_animation_frames_match_each_mode():
    for mode, frames in (("full", 5), ("same", 4), ("valid", 3)):
        player = viz.animate_conv1d([6, 2], [1, 2, 5, 4], mode=mode)
        assert len(re.findall(r"frames\[\d+\] = ", player.data)) == frames


@pytest.mark.parametrize(
    "call, error, message",
    [
        (
            lambda: viz.show_matrix(np.zeros((2, 2, 2))),
            ValueError,
            "matrix must be 1-D or 2-D",
        ),
        (
            lambda: viz.show_matrix([["a"]]),
            TypeError,
            "matrix must be an array of numbers",
        ),
        (lambda: viz.show_matrix([]), ValueError, "matrix must not be empty"),
        (lambda: viz.show_images([np.zeros((3, 8, 8))]), ValueError, "channels-first"),
        (
            lambda: viz.show_images([np.zeros((2, 2))], titles=["a", "b"]),
            ValueError,
            "titles must have one entry",
        ),
        (lambda: viz.show_images([]), ValueError, "at least one image"),
        (lambda: viz.show_matrices([]), ValueError, "at least one matrix"),
        (
            lambda: viz.show_matrices([[1]], titles=["a", "b"]),
            ValueError,
            "titles must have one entry per matrix",
        ),
        (
            lambda: viz.show_matrices([np.zeros((2, 2, 2))]),
            ValueError,
            r"matrices\[0\] must be 1-D or 2-D",
        ),
        (
            lambda: viz.show_image_grid([np.zeros((2, 2))], ncols=0),
            ValueError,
            "ncols must be at least 1",
        ),
        (
            lambda: viz.show_image_grid([np.zeros((2, 2))], ncols=2.5),
            TypeError,
            "ncols must be an int",
        ),
        (
            lambda: viz.animate_sliding_window(
                np.zeros((3, 3)), np.ones((2, 2)), stride=0
            ),
            ValueError,
            "stride must be at least 1",
        ),
        (
            lambda: viz.animate_sliding_window(
                np.zeros((3, 3)), np.ones((2, 2)), padding=-1
            ),
            ValueError,
            "padding must be at least 0",
        ),
        (
            lambda: viz.animate_sliding_window(np.zeros((20, 20)), np.ones((2, 2))),
            ValueError,
            "max_frames",
        ),
        (
            lambda: viz.animate_sliding_window(np.zeros((2, 2)), np.ones((3, 3))),
            ValueError,
            "kernel",
        ),
        (
            lambda: viz.animate_sliding_window(
                np.zeros((3, 3)), np.ones((2, 2)), operation="min"
            ),
            ValueError,
            "operation must be one of",
        ),
        (
            lambda: viz.animate_sliding_window(
                np.zeros((5, 5)), np.ones((2, 2)), dilation=0
            ),
            ValueError,
            "dilation must be at least 1",
        ),
        (
            lambda: viz.animate_conv1d([1, 2], [1], mode="middle"),
            ValueError,
            "mode must be one of",
        ),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(call, error, message):
    with pytest.raises(error, match=message):
        call()
