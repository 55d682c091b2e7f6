"""Run the notebooks' text sources into the saved notebooks, outputs included.

    python tools/run_notebooks.py                                   # every notebook in notebooks/
    python tools/run_notebooks.py notebooks/02_backprop_network.md  # one (its .md or .ipynb path)

Each notebook is a pair (notebooks/jupytext.toml): NN_name.md, MyST markdown, is the source you
edit and review; NN_name.ipynb holds the same cells with their outputs, which nbval compares with
a fresh run. For each pair this takes the cells from the .md into the .ipynb (jupytext's update:
unchanged cells keep their ids and outputs), executes it top to bottom in a fresh kernel and saves
it. Run it (or `make notebooks`) after editing a .md, or whenever bplab changes what a notebook
prints. Every .md is read before anything runs, so a broken one fails at once. Prints each
notebook's run-all time.
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

import jupytext  # noqa: E402
import nbformat  # noqa: E402
from jupytext.combine import combine_inputs_with_outputs  # noqa: E402
from nbclient import NotebookClient  # noqa: E402

NOTEBOOK_DIR = Path(__file__).resolve().parent.parent / "notebooks"
TEXT_FORMAT = "md:myst"   # as in notebooks/jupytext.toml


def pair_of(arg: str | Path) -> tuple[Path, Path]:
    """(text source, notebook) of the pair that ``arg``, either of the two files, belongs to."""
    path = Path(arg)
    if path.suffix not in (".md", ".ipynb"):
        raise SystemExit(f"run_notebooks: {arg} is neither a notebook's .md source nor its .ipynb")
    return path.with_suffix(".md"), path.with_suffix(".ipynb")


def all_pairs(folder: Path = NOTEBOOK_DIR) -> list[tuple[Path, Path]]:
    if folder.is_relative_to(Path.cwd()):
        folder = folder.relative_to(Path.cwd())     # shorter paths in messages
    stems = {p.stem for p in folder.glob("[0-9]*.md")} | {p.stem for p in folder.glob("[0-9]*.ipynb")}
    return [pair_of(folder / f"{stem}.md") for stem in sorted(stems)]


def load_inputs(md: Path, ipynb: Path):
    """The notebook to execute: the cells of ``md``, with the ids, metadata and (until it runs)
    outputs of the matching cells of ``ipynb``; a new notebook is just its .md."""
    if not md.exists():
        raise SystemExit(f"run_notebooks: {ipynb} has no text source {md.name}; create it with\n"
                         f"    jupytext --to {TEXT_FORMAT} {ipynb}\nthen edit the .md and commit both")
    nb = jupytext.read(md, fmt=TEXT_FORMAT)
    if ipynb.exists():
        nb = combine_inputs_with_outputs(nb, nbformat.read(ipynb, as_version=4), fmt=TEXT_FORMAT)
    # The pairing is declared in notebooks/jupytext.toml, not in each notebook (jupytext's reader
    # adds a "default_lexer" here, which would otherwise land in the saved .ipynb).
    nb.metadata.pop("jupytext", None)
    return nb


def run(nb, path: Path, timeout: int = 60) -> float:
    # 60 s a cell is plenty (a whole notebook runs in well under 20 s) and bounds the stall when
    # nbclient sees a widget cell's reply only as its wait times out (jupyter/nbclient#312).
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
    pairs = [pair_of(a) for a in argv] or all_pairs()
    notebooks = [(load_inputs(md, ipynb), ipynb) for md, ipynb in pairs]
    total = 0.0
    for nb, ipynb in notebooks:
        dt = run(nb, ipynb)
        total += dt
        print(f"{ipynb.name:40s} {dt:6.1f} s")
    print(f"{'total':40s} {total:6.1f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
