"""The layout shows the architecture: the core never leans on a chapter or on private names."""
from __future__ import annotations

import ast
from pathlib import Path

import bplab

PACKAGE = Path(bplab.__file__).resolve().parent
CORE = ["engine", "layers", "activations", "losses", "init", "network", "autoencoder", "optim",
        "training", "gradcheck"]
UTILITIES = ["data", "metrics", "pca", "_validate"]
# The `bplab` command (python -m bplab): copies the shipped course into a folder, opens JupyterLab.
COMMAND = ["course", "cli", "__main__"]


def _imports(path):
    """(module, [names]) for every import in a file, lazy (function-level) ones included."""
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            base = "." * node.level + (node.module or "")
            yield base, [a.name for a in node.names]
        elif isinstance(node, ast.Import):
            for a in node.names:
                yield a.name, []


def test_top_level_holds_only_core_utilities_and_the_command():
    modules = sorted(p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__")
    assert modules == sorted(CORE + UTILITIES + COMMAND)
    # _course/ (the shipped notebooks and data) exists only in a built package (setup.py)
    folders = sorted(p.name for p in PACKAGE.iterdir()
                     if p.is_dir() and p.name not in ("__pycache__", "_course"))
    assert folders == ["chapters"]


def test_no_core_or_utility_module_imports_a_chapter():
    for name in CORE + UTILITIES + COMMAND:
        for module, _ in _imports(PACKAGE / f"{name}.py"):
            assert "chapters" not in module, f"bplab/{name}.py imports {module}"


def test_no_module_reaches_into_another_modules_private_names():
    for path in sorted(PACKAGE.rglob("*.py")):
        for module, names in _imports(path):
            private = [n for n in names if n.startswith("_") and not n.startswith("__")]
            assert not private, f"{path.relative_to(PACKAGE)} imports private {private} from {module}"


def test_every_chapter_folder_exists_for_its_notebook():
    notebooks = sorted(p.stem[:2] for p in (PACKAGE.parent / "notebooks").glob("[0-9]*.ipynb"))
    chapters = sorted(p.name[2:] for p in (PACKAGE / "chapters").glob("ch[0-9]*"))
    assert chapters == notebooks
