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

# One implementation, shared with `bplab copy --student` (the installed command has no tools/).
from bplab.course import BEGIN, END, heads_a_solution, is_solution  # noqa: F401  (re-exported)
from bplab.course import student_version as _student_version

REPO = Path(__file__).resolve().parent.parent


def student_version(nb):
    """A copy of ``nb`` (a NotebookNode) without solution cells (and their headings), outputs
    cleared, and the number of solutions dropped (bplab.course.student_version)."""
    out, dropped = _student_version(nb)
    return nbformat.from_dict(out), dropped


def main(argv):
    out_dir = Path(argv[0]) if argv else REPO / "student"
    out_dir.mkdir(parents=True, exist_ok=True)
    for path in sorted((REPO / "notebooks").glob("[0-9]*.ipynb")):
        nb, dropped = student_version(nbformat.read(path, as_version=4))
        nbformat.write(nb, out_dir / path.name)
        print(f"{path.name:34s} {dropped:2d} solutions removed -> {out_dir / path.name}")


if __name__ == "__main__":
    main(sys.argv[1:])
