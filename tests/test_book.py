"""The book's structure: the table of contents, the notebooks' shape and hygiene."""

import json
import re
from pathlib import Path

import pytest
import yaml

from lessons_lib.notebook import COLAB_INSTALL_URL

ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "book"
NOTEBOOKS = sorted(BOOK.glob("*.ipynb"))


def toc_files():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [chapter["file"] for chapter in part["chapters"]]
    return files


def load(path):
    return json.loads(path.read_text())


def test_toc_and_book_list_the_same_notebooks():
    listed = {f for f in toc_files() if (ROOT / (f + ".ipynb")).exists()}
    present = {str(p.relative_to(ROOT).with_suffix("")) for p in NOTEBOOKS}
    assert listed == present, (
        f"only in _toc.yml: {listed - present}; only in book/: {present - listed}"
    )


def test_every_toc_entry_exists():
    for entry in toc_files():
        assert any((ROOT / (entry + ext)).exists() for ext in (".ipynb", ".md")), (
            f"{entry} is in _toc.yml but missing"
        )


def test_lessons_are_numbered_in_toc_order():
    lessons = [f for f in toc_files() if re.match(r"book/\d+_", f)]
    numbers = [int(re.match(r"book/(\d+)_", f).group(1)) for f in lessons]
    assert numbers == list(range(1, len(lessons) + 1))


def test_colab_cell_installs_from_the_configured_repository():
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    assert COLAB_INSTALL_URL == "git+" + config["repository"]["url"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_shape(path):
    nb = load(path)
    cells = nb["cells"]
    first = "".join(cells[0]["source"])
    assert cells[0]["cell_type"] == "markdown" and first.startswith("# "), (
        "a lesson opens with its title"
    )
    number = int(path.name.split("_")[0])
    assert first.startswith(f"# {number}. "), "the title carries the lesson's number"
    colab = "".join(cells[1]["source"])
    assert 'if "google.colab" in sys.modules' in colab and COLAB_INSTALL_URL in colab
    code = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
    assert any("setup_notebook(" in src for src in code[:3]), (
        "setup_notebook() runs at the top"
    )
    markdown = "\n".join(
        "".join(c["source"]) for c in cells if c["cell_type"] == "markdown"
    )
    assert "## Takeaway" in markdown and "## Exercises" in markdown
    start = next(
        i
        for i, c in enumerate(cells)
        if c["cell_type"] == "markdown" and "## Exercises" in "".join(c["source"])
    )
    hidden = [
        c for c in cells[start:] if "hide-cell" in c.get("metadata", {}).get("tags", [])
    ]
    assert len(hidden) >= 2, (
        "exercises come with solutions hidden, code and output (tag hide-cell)"
    )
    assert all(
        any(t.startswith("hide-") for t in c.get("metadata", {}).get("tags", []))
        for c in cells[start:]
        if c["cell_type"] == "code"
    ), "every solution cell is folded on the website"
    assert "$" in markdown, "the lesson states its math"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_stored_executed_and_honest(path):
    nb = load(path)
    code = [
        c
        for c in nb["cells"]
        if c["cell_type"] == "code" and "".join(c["source"]).strip()
    ]
    counts = [c["execution_count"] for c in code]
    assert counts == list(range(1, len(code) + 1)), (
        "re-execute top to bottom: .ci/execute-notebooks"
    )
    asserts = 0
    for cell in code:
        src = "".join(cell["source"])
        assert "NBVAL_SKIP" not in src
        asserts += len(
            re.findall(
                r"^\s*assert\b|assert_(array_)?(almost_)?equal|assert_allclose|assert_close",
                src,
                re.M,
            )
        )
        for out in cell.get("outputs", []):
            assert out["output_type"] != "error", (
                f"a stored error output: {out.get('ename')}"
            )
            if out["output_type"] == "stream":
                assert out["name"] == "stdout", (
                    "nothing on stderr: " + "".join(out["text"])[:200]
                )
            text = "".join(out.get("data", {}).get("text/plain", ""))
            assert not re.search(r" at 0x[0-9a-f]{6,}>", text), (
                f"a memory address in an output: {text[:80]}"
            )
    assert asserts >= 5, "a lesson asserts what it claims"
    assert path.stat().st_size < 5_000_000, "keep stored outputs small"


def test_xdist_groups_name_real_notebooks_and_keep_each_notebook_whole():
    from conftest import TRAINING_NOTEBOOKS, xdist_group_of

    stems = {p.stem for p in NOTEBOOKS}
    assert TRAINING_NOTEBOOKS <= stems, TRAINING_NOTEBOOKS - stems
    groups = {p.stem: xdist_group_of(p) for p in NOTEBOOKS}
    assert all(groups[s] == "training" for s in TRAINING_NOTEBOOKS)
    light = {g for s, g in groups.items() if s not in TRAINING_NOTEBOOKS}
    assert len(light) == len(stems) - len(TRAINING_NOTEBOOKS)
    assert xdist_group_of(ROOT / "tests" / "test_site.py") == "site"
    assert xdist_group_of(ROOT / "tests" / "test_conv.py") is None
