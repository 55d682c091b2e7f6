"""Execute notebooks top to bottom in a fresh kernel and save them with their outputs.

    python tools/run_notebooks.py notebooks/01_chain_rule.ipynb [...]

Run this (or `make notebooks`) whenever bplab changes what a notebook prints: nbval compares
the saved outputs with a fresh run. Prints each notebook's run-all time.
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
# The kernel must draw inline, as in JupyterLab; an inherited MPLBACKEND=Agg would silently
# drop every figure from the saved notebook.
os.environ.pop("MPLBACKEND", None)

import nbformat  # noqa: E402
from nbclient import NotebookClient  # noqa: E402


def run(path: Path, timeout: int = 600) -> float:
    nb = nbformat.read(path, as_version=4)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                 "language": "python"}
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    t0 = time.perf_counter()
    client.execute()
    dt = time.perf_counter() - t0
    _replace_widget_outputs(nb)
    nb.metadata.pop("widgets", None)
    nbformat.write(nb, path)
    return dt


WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
WIDGET_NOTE = ("Interactive controls appear here when you run this cell in JupyterLab "
               "(the figure above shows their default view).")


def _replace_widget_outputs(nb) -> None:
    """A saved widget output is only a pointer to live kernel state that no longer exists:
    JupyterLab would show "model not found" and GitHub nothing. Save a short note instead
    (these cells are NBVAL_IGNORE_OUTPUT, so nbval does not compare them)."""
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if WIDGET_MIME in data:
                out["data"] = {"text/plain": WIDGET_NOTE}


def main(argv):
    paths = [Path(a) for a in argv] or sorted(Path("notebooks").glob("[0-9]*.ipynb"))
    total = 0.0
    for p in paths:
        dt = run(p)
        total += dt
        print(f"{p.name:40s} {dt:6.1f} s")
    print(f"{'total':40s} {total:6.1f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
