"""Write the student edition: every notebook with its worked solutions taken out.

    python tools/student_edition.py [OUT_DIR]        # default: student/ (git-ignored)

A solution lives in its own code cell, collapsed in JupyterLab, between nbgrader's markers::

    ### BEGIN SOLUTION
    def my_dense_backward(dZ, X, W):
        ...
    ### END SOLUTION
    ch02.check_dense_backward(my_dense_backward)

The student edition drops every such cell (and the markdown cell right before it when that
cell only heads the solution, i.e. starts with "Solution"), clears all outputs, and keeps the
rest: the learner's stubs (``raise NotImplementedError``) and the checks after them, which
print "not written yet" until the learner has written the function. Instructors who grade
with nbgrader can read the same markers in the full notebooks instead.
"""
from __future__ import annotations

import sys
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parent.parent
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"


def is_solution(cell) -> bool:
    return cell.cell_type == "code" and BEGIN in cell.source


def heads_a_solution(cell) -> bool:
    text = cell.source.lstrip("#* _>").lower()
    return cell.cell_type == "markdown" and text.startswith("solution")


def student_version(nb):
    """A copy of ``nb`` without solution cells (and their headings), outputs cleared."""
    cells, dropped = [], 0
    for i, cell in enumerate(nb.cells):
        nxt = nb.cells[i + 1] if i + 1 < len(nb.cells) else None
        if is_solution(cell):
            if END not in cell.source:
                raise ValueError(f"cell {i}: {BEGIN} without {END}")
            dropped += 1
            continue
        if heads_a_solution(cell) and nxt is not None and is_solution(nxt):
            continue
        cell = nbformat.from_dict(dict(cell))
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        cells.append(cell)
    out = nbformat.from_dict(dict(nb))
    out.cells = cells
    return out, dropped


def main(argv):
    out_dir = Path(argv[0]) if argv else REPO / "student"
    out_dir.mkdir(parents=True, exist_ok=True)
    for path in sorted((REPO / "notebooks").glob("[0-9]*.ipynb")):
        nb, dropped = student_version(nbformat.read(path, as_version=4))
        nbformat.write(nb, out_dir / path.name)
        print(f"{path.name:34s} {dropped:2d} solutions removed -> {out_dir / path.name}")


if __name__ == "__main__":
    main(sys.argv[1:])
