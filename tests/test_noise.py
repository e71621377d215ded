"""Tests for :mod:`lessons_lib.noise`.

Noise statistics, reproducibility, PSNR vs scikit-image.
"""

from __future__ import annotations

import numpy as np
import pytest
from skimage.metrics import mean_squared_error, peak_signal_noise_ratio

from lessons_lib.noise import add_gaussian_noise, add_salt_and_pepper, mse, psnr


def test_gaussian_noise_has_the_asked_spread_and_zero_mean():
    clean = np.full((400, 400), 128.0)
    noisy = add_gaussian_noise(clean, 20, np.random.default_rng(1), clip=None)
    noise = noisy - clean
    assert abs(noise.mean()) < 0.2 and abs(noise.std() - 20) < 0.2


def test_gaussian_noise_is_reproducible_and_clipped():
    clean = np.zeros((50, 50), np.uint8)
    a = add_gaussian_noise(clean, 30, np.random.default_rng(7))
    b = add_gaussian_noise(clean, 30, np.random.default_rng(7))
    np.testing.assert_array_equal(a, b)
    assert a.min() == 0 and a.max() <= 255 and a.dtype == np.float64
    np.testing.assert_array_equal(
        add_gaussian_noise(clean, 0, np.random.default_rng(0)), clean
    )


def test_colour_images_get_noise_on_every_channel():
    clean = np.full((30, 30, 3), 100.0)
    noisy = add_gaussian_noise(clean, 5, np.random.default_rng(2), clip=None)
    assert noisy.shape == clean.shape and (noisy.std(axis=(0, 1)) > 4).all()


@pytest.mark.parametrize("amount", [0.0, 0.05, 2 / 21, 0.5, 1.0])
def test_salt_and_pepper_corrupts_exactly_the_asked_fraction(amount):
    clean = np.full((60, 70), 128, np.uint8)
    noisy = add_salt_and_pepper(clean, amount, np.random.default_rng(0))
    changed = noisy != 128
    assert changed.sum() == round(amount * clean.size)
    assert set(np.unique(noisy[changed])) <= {0, 255}
    assert noisy.dtype == np.uint8 and (clean == 128).all(), "the input is not modified"


def test_salt_fraction_and_colour_pixels():
    clean = np.full((100, 100, 3), 128, np.uint8)
    noisy = add_salt_and_pepper(
        clean, 0.2, np.random.default_rng(0), salt_fraction=0.25
    )
    salt = (noisy == 255).all(axis=2).sum()
    pepper = (noisy == 0).all(axis=2).sum()
    assert (salt, pepper) == (500, 1500)
    assert (
        (noisy == 128).all(axis=2)
        | (noisy == 255).all(axis=2)
        | (noisy == 0).all(axis=2)
    ).all()


def test_mse_and_psnr_match_scikit_image():
    rng = np.random.default_rng(4)
    clean = rng.integers(0, 256, (32, 32)).astype(float)
    noisy = add_gaussian_noise(clean, 15, rng)
    assert mse(clean, noisy) == pytest.approx(mean_squared_error(clean, noisy))
    assert psnr(clean, noisy) == pytest.approx(
        peak_signal_noise_ratio(clean, noisy, data_range=255)
    )
    assert psnr(clean / 255, noisy / 255, data_range=1.0) == pytest.approx(
        psnr(clean, noisy)
    )
    assert psnr(clean, clean) == float("inf")


def test_halving_the_error_adds_six_decibels():
    clean = np.zeros((8, 8))
    assert psnr(clean, clean + 2) - psnr(clean, clean + 4) == pytest.approx(
        20 * np.log10(2)
    )


@pytest.mark.parametrize(
    "call, error, message",
    [
        (
            lambda: add_gaussian_noise(np.zeros((3, 3)), 1, 0),
            TypeError,
            "rng must be a numpy.random.Generator",
        ),
        (
            lambda: add_gaussian_noise(np.zeros((3, 3)), -1, np.random.default_rng()),
            ValueError,
            "sigma must be",
        ),
        (
            lambda: add_gaussian_noise(np.zeros(3), 1, np.random.default_rng()),
            ValueError,
            "2-D .* or 3-D",
        ),
        (
            lambda: add_gaussian_noise(
                np.zeros((3, 3)), 1, np.random.default_rng(), clip=(1,)
            ),
            ValueError,
            "clip",
        ),
        (
            lambda: add_salt_and_pepper(np.zeros((3, 3)), 1.5, np.random.default_rng()),
            ValueError,
            "amount must be between 0 and 1",
        ),
        (
            lambda: add_salt_and_pepper(
                np.zeros((3, 3)), 0.1, np.random.default_rng(), salt_fraction=-0.1
            ),
            ValueError,
            "salt_fraction must be between 0 and 1",
        ),
        (
            lambda: add_salt_and_pepper("image", 0.1, np.random.default_rng()),
            TypeError,
            "image must be an array",
        ),
        (lambda: mse(np.zeros((2, 2)), np.zeros((2, 3))), ValueError, "same shape"),
        (
            lambda: psnr(np.zeros((2, 2)), np.ones((2, 2)), data_range=0),
            ValueError,
            "data_range must be greater",
        ),
    ],
)
def test_bad_input_gets_a_clear_error(call, error, message):
    with pytest.raises(error, match=message):
        call()
