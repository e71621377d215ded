"""A learner's own machine: everything a lesson imports is a declared dependency.

``pip install -e .`` (or the Colab cell, which installs the package from its
repository) must give every module that a notebook or ``lessons_lib``
imports. This test reads the imports (with :mod:`ast`, so that nothing is
executed), maps each top-level module to the distribution that provides it in
this environment (``importlib.metadata.packages_distributions``) and checks
that the distribution is listed in ``pyproject.toml``'s ``dependencies``.
"""

import ast
import importlib.metadata
import json
import re
import sys
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parent.parent

# Provided by the notebook's kernel (Jupyter itself), not by lessons_lib.
KERNEL_PROVIDED = {"ipykernel"}


def _top_level_imports(source):
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def _notebook_source(path):
    cells = json.loads(path.read_text())["cells"]
    lines = []
    for cell in cells:
        if cell["cell_type"] != "code":
            continue
        for line in "".join(cell["source"]).splitlines():
            # IPython magics and shell escapes are not Python
            if not line.lstrip().startswith(("%", "!")):
                lines.append(line)
        lines.append("")
    return "\n".join(lines)


def _normalise(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def declared_distributions():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = set()
    for requirement in project["dependencies"]:
        names.add(_normalise(re.match(r"[A-Za-z0-9_.\-]+", requirement).group(0)))
    return names


def imported_modules():
    modules = {}
    sources = [(p, p.read_text()) for p in (ROOT / "lessons_lib").rglob("*.py")]
    sources += [(p, _notebook_source(p)) for p in (ROOT / "book").glob("*.ipynb")]
    for path, source in sources:
        for name in _top_level_imports(source):
            modules.setdefault(name, set()).add(path.name)
    return modules


def test_the_import_reader_sees_imports_and_skips_magics():
    source = "import numpy as np\nfrom torch.nn import functional\nfrom . import x\n"
    assert _top_level_imports(source) == {"numpy", "torch"}


def test_every_imported_module_is_a_declared_dependency():
    stdlib = set(sys.stdlib_module_names)
    providers = importlib.metadata.packages_distributions()
    declared = declared_distributions()
    missing = {}
    for module, files in sorted(imported_modules().items()):
        if module in stdlib or module == "lessons_lib":
            continue
        dists = {_normalise(d) for d in providers.get(module, [])}
        assert dists, f"{module} (imported by {sorted(files)}) is not installed"
        if dists & KERNEL_PROVIDED:
            continue
        if not dists & declared:
            missing[module] = (sorted(dists), sorted(files)[:3])
    assert not missing, f"add to pyproject.toml dependencies: {missing}"
