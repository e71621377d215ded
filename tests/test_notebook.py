"""Tests for lessons_lib.notebook.

setup_notebook makes random results repeatable; best_time measures honestly.
"""

import random
import time

import matplotlib
import numpy as np
import pytest
import torch

from lessons_lib.notebook import best_time, setup_notebook


def draw_everything(seed):
    rng = setup_notebook(seed=seed)
    # setup_notebook seeds the legacy generator too
    legacy = np.random.rand(2)  # noqa: NPY002
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


def test_best_time_warms_up_adapts_the_number_of_calls_and_keeps_the_minimum():
    calls = []

    def work():
        calls.append(1)
        time.sleep(0.002)

    seconds = best_time(work, repeat=3, target_seconds=0.01)
    # warm-up + one probe call + 3 measurements of about 0.01 s / 0.002 s = 5 calls each
    assert 3 * 2 + 2 <= len(calls) <= 3 * 6 + 2
    assert 0.002 <= seconds < 0.05


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        (dict(func=42), TypeError, "func must be callable"),
        (dict(func=print, repeat=0), ValueError, "repeat must be at least 1"),
        (dict(func=print, repeat=2.5), TypeError, "repeat must be an int"),
        (
            dict(func=print, target_seconds=0),
            ValueError,
            "target_seconds must be a number greater than 0",
        ),
    ],
)
def test_best_time_bad_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        best_time(**kwargs)
