"""Tests for the Tux Paint photo stamps in :mod:`lessons_lib.data`."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from lessons_lib.data import (
    STAMP_CLASSES,
    STAMPS_DIR,
    DatasetError,
    StampsDataset,
    load_stamps,
    stamp_splits,
)

COUNTS = {
    "birds": 35,
    "mammals": 37,
    "fruit": 26,
    "flowers": 24,
    "vegetables": 18,
    "fish": 11,
    "insects": 9,
}


@pytest.fixture(scope="module")
def stamps():
    return load_stamps()


def test_classes_and_counts(stamps):
    assert isinstance(stamps, StampsDataset)
    assert stamps.classes == list(STAMP_CLASSES) == list(COUNTS)
    counts = np.bincount(stamps.targets, minlength=7)
    assert counts.tolist() == list(COUNTS.values())
    assert len(stamps) == 160 == len(stamps.paths) == len(stamps.names)
    assert stamps.index.tolist() == list(range(160))
    assert "mammals 37" in repr(stamps)


def test_no_cartoon_folder_and_labels_follow_folders(stamps):
    folders = {
        0: ("animals/birds",),
        1: ("animals/mammals",),
        2: ("food/fruit",),
        3: ("plants/flowers",),
        4: ("food/vegetables",),
        5: ("animals/fish",),
        6: ("animals/insects",),
    }
    for path, label in zip(stamps.paths, stamps.targets):
        rel = path.relative_to(STAMPS_DIR).as_posix()
        assert "cartoon" not in rel and "plastic" not in rel
        assert rel.startswith(folders[label]), rel
        assert path.suffix == ".png"


def test_images_are_rgb_on_white(stamps):
    from PIL import Image

    for k in (0, 40, 100, 159):
        image, label = stamps[k]
        assert image.mode == "RGB" and label == stamps.targets[k]
        with Image.open(stamps.paths[k]) as raw:
            assert image.size == raw.size
            alpha = np.asarray(raw.convert("RGBA"))[..., 3]
        pixels = np.asarray(image)
        # fully transparent pixels became white, opaque ones kept their colour
        assert (alpha == 0).any()
        assert (pixels[alpha == 0] == 255).all()
        assert not (pixels[alpha == 255] == 255).all()
    # items are copies: painting on one does not change the data set
    img, _ = stamps[0]
    before = np.asarray(img).copy()
    img.paste((0, 0, 0), (0, 0, img.size[0], img.size[1]))
    assert np.array_equal(np.asarray(stamps[0][0]), before)


def test_names_and_imagenet_labels(stamps):
    k = [p.name for p in stamps.paths].index("magpie.png")
    assert stamps.names[k] == "A magpie."
    assert stamps.imagenet[k] == [18]
    with_label = [i for i, lab in enumerate(stamps.imagenet) if lab]
    assert len(with_label) == 64
    assert all(0 <= c < 1000 for lab in stamps.imagenet for c in lab)


def test_fixed_split_is_a_third_of_each_class():
    train, test = load_stamps("train"), load_stamps("test")
    assert (len(train), len(test)) == (109, 51)
    assert set(train.index) | set(test.index) == set(range(160))
    assert not set(train.index) & set(test.index)
    for c, n in enumerate(COUNTS.values()):
        assert test.targets.count(c) == n // 3
        assert train.targets.count(c) == n - n // 3
    # the same split every time, and items match the full set's
    assert load_stamps("test").index.tolist() == test.index.tolist()
    full = load_stamps()
    k = int(test.index[5])
    assert test.paths[5] == full.paths[k] and test.targets[5] == full.targets[k]


def test_transform_is_applied():
    ds = load_stamps("test", transform=lambda im: im.size)
    size, label = ds[0]
    assert isinstance(size, tuple) and len(size) == 2 and label == ds.targets[0]


def test_missing_package_says_how_to_install(tmp_path):
    with pytest.raises(DatasetError, match="apt-get install tuxpaint-stamps-default"):
        load_stamps(root=tmp_path / "nowhere")


def test_corrupt_file_is_named(tmp_path):
    root = tmp_path / "stamps"
    for folder in ("animals", "food", "plants"):
        shutil.copytree(STAMPS_DIR / folder, root / folder, dirs_exist_ok=True)
    bad = root / "food" / "fruit" / "banana.png"
    data = bytearray(bad.read_bytes())
    data[-20] ^= 0xFF
    bad.write_bytes(bytes(data))
    # only the files a split reads are checked: the other split still loads
    in_test = "banana.png" in [p.name for p in load_stamps("test").paths]
    assert len(load_stamps("train" if in_test else "test", root=root)) in (51, 109)
    with pytest.raises(DatasetError, match=r"banana\.png is corrupt") as info:
        load_stamps(root=root)
    assert "apt-get install --reinstall tuxpaint-stamps-default" in str(info.value)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"split": "validation"}, ValueError, "split='validation'"),
        ({"split": 1}, TypeError, "split must be a string"),
        ({"transform": 3}, TypeError, "transform must be None or callable"),
        ({"root": 3}, TypeError, "root must be None"),
    ],
)
def test_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        load_stamps(**kwargs)


def test_stamp_splits_sizes_and_seeds(stamps):
    labels = stamps.targets
    train, test = stamp_splits(labels, per_class=8, seed=3)
    assert len(train) == 56 and len(test) == 160 - 56
    assert not set(train) & set(test)
    y = np.asarray(labels)
    assert np.bincount(y[train]).tolist() == [8] * 7
    assert np.bincount(y[test]).tolist() == [n - 8 for n in COUNTS.values()]
    again = stamp_splits(labels, per_class=8, seed=3)
    assert np.array_equal(again[0], train) and np.array_equal(again[1], test)
    other = stamp_splits(labels, per_class=8, seed=4)
    assert not np.array_equal(other[0], train)
    tr, te = stamp_splits(labels, per_class=1, seed=0, test_per_class=2)
    assert np.bincount(y[tr]).tolist() == [1] * 7
    assert np.bincount(y[te]).tolist() == [2] * 7
    assert train.dtype == np.int64 and np.all(np.diff(train) > 0)


@pytest.mark.parametrize(
    "args, kwargs, error, match",
    [
        (([0, 0, 1, 1], 2, 0), {}, ValueError, "class 0 has 2 images"),
        (([0, 0, 0, 1, 1, 1], 1, 0), {"test_per_class": 3}, ValueError, "class 0"),
        (([0, 0, 1, 1], 0, 0), {}, ValueError, "per_class must be at least 1"),
        (([0, 0, 1, 1], 1, -1), {}, ValueError, "seed must be at least 0"),
        (([0, 0, 1, 1], 1.5, 0), {}, TypeError, "per_class must be an int"),
        (([0, 0, 1, 1], 1, 0), {"test_per_class": 0}, ValueError, "test_per_class"),
        (([0.0, 1.0], 1, 0), {}, TypeError, "labels must be integers"),
        (([[0, 1]], 1, 0), {}, ValueError, "1-D"),
        (([], 1, 0), {}, ValueError, "non-empty"),
    ],
)
def test_stamp_splits_errors(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        stamp_splits(*args, **kwargs)
