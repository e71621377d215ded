"""lessons_lib.notebook.setup_notebook makes random results repeatable."""

import random

import matplotlib
import numpy as np
import pytest
import torch

from lessons_lib.notebook import setup_notebook


def draw_everything(seed):
    rng = setup_notebook(seed=seed)
    legacy = np.random.rand(2)  # noqa: NPY002 - setup_notebook seeds the legacy generator too
    return (rng.normal(size=3), legacy, random.random(), torch.randn(3))


def test_same_seed_same_numbers_everywhere():
    a, b = draw_everything(3), draw_everything(3)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(np.asarray(x), np.asarray(y))


def test_other_seed_other_numbers():
    assert not np.array_equal(draw_everything(1)[0], draw_everything(2)[0])


def test_threads_determinism_and_figure_style_are_set():
    setup_notebook(threads=1)
    assert torch.get_num_threads() == 1
    assert torch.are_deterministic_algorithms_enabled()
    assert matplotlib.rcParams["image.interpolation"] == "nearest"
    setup_notebook(threads=2, deterministic=False)
    assert torch.get_num_threads() == 2
    assert not torch.are_deterministic_algorithms_enabled()
    setup_notebook()


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"seed": -1}, ValueError, "seed must be at least 0"),
        ({"seed": 1.5}, TypeError, "seed must be an int"),
        ({"threads": 0}, ValueError, "threads must be at least 1"),
        ({"threads": True}, TypeError, "threads must be an int"),
        ({"deterministic": "yes"}, TypeError, "deterministic must be True or False"),
    ],
)
def test_bad_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        setup_notebook(**kwargs)
