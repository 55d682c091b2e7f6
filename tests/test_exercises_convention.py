"""Every notebook's exercises follow the one convention, and the student edition runs clean.

The convention (README, bplab/chapters/_shared/feedback.py): a stub cell that raises
NotImplementedError, a check cell right after it, then a "Solution" heading and the worked
solution in a collapsed cell between nbgrader's markers, followed by the same check.
`make student` (tools/student_edition.py) drops the solutions; here that edition is run top to
bottom in a fresh kernel, as an instructor's learners would: no error output anywhere, and every
check of an untouched stub says "not written yet".
"""
from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((REPO / "notebooks").glob("[0-9]*.ipynb"))
CHECK_CALL = re.compile(r"\bch0\d\.check_\w+\(")
MIN_EXERCISES = 3

_spec = importlib.util.spec_from_file_location("student_edition", REPO / "tools" / "student_edition.py")
student_edition = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(student_edition)


def _is_stub(cell) -> bool:
    return cell.cell_type == "code" and "raise NotImplementedError" in cell.source \
        and student_edition.BEGIN not in cell.source


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_solution_is_collapsed_headed_and_follows_a_stub_and_its_check(path):
    cells = nbformat.read(path, as_version=4).cells
    solutions = [i for i, c in enumerate(cells) if student_edition.is_solution(c)]
    assert len(solutions) >= MIN_EXERCISES, \
        f"{path.name} has {len(solutions)} exercises in the stub/check/solution form, expected >= {MIN_EXERCISES}"
    for i in solutions:
        cell = cells[i]
        where = f"{path.name}, cell {i}"
        assert cell.metadata.get("jupyter", {}).get("source_hidden") is True, \
            f"{where}: a solution must open collapsed (jupyter.source_hidden)"
        assert student_edition.END in cell.source, f"{where}: ### BEGIN SOLUTION without ### END SOLUTION"
        assert CHECK_CALL.search(cell.source.split(student_edition.END)[1]), \
            f"{where}: the solution cell must end by running the check on the solution"
        assert student_edition.heads_a_solution(cells[i - 1]), \
            f"{where}: the cell before a solution must be a markdown heading starting 'Solution'"
        assert CHECK_CALL.search(cells[i - 2].source), f"{where}: no check cell before the solution"
        assert _is_stub(cells[i - 3]), f"{where}: no stub (raise NotImplementedError) before the check"


def test_student_edition_drops_solutions_and_their_headings():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("def f(x):\n    raise NotImplementedError"),
                nbformat.v4.new_code_cell("ch01.check_f(f)", outputs=[nbformat.v4.new_output(
                    "stream", text="✓ Correct!\n")], execution_count=3),
                nbformat.v4.new_markdown_cell("**Solution** — open it after you have tried."),
                nbformat.v4.new_code_cell("### BEGIN SOLUTION\ndef f(x):\n    return 2 * x\n"
                                          "### END SOLUTION\nch01.check_f(f)"),
                nbformat.v4.new_markdown_cell("Next section")]
    out, dropped = student_edition.student_version(nb)
    assert dropped == 1
    assert [c.source for c in out.cells] == [nb.cells[0].source, nb.cells[1].source, "Next section"]
    assert out.cells[1].outputs == [] and out.cells[1].execution_count is None
    assert len(nb.cells) == 5                       # the full notebook is left alone


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_student_edition_runs_clean(path, tmp_path):
    from nbclient import NotebookClient

    nb, dropped = student_edition.student_version(nbformat.read(path, as_version=4))
    assert dropped >= MIN_EXERCISES
    # A short cell timeout on purpose: nbclient sometimes sees a widget cell's reply only when
    # its wait times out (jupyter/nbclient#312); no cell of the course takes 10 s.
    NotebookClient(nb, timeout=60, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        errors = [o for o in cell.outputs if o.output_type == "error"]
        assert not errors, f"{path.name} (student edition), cell {i} raised {errors[0].ename}: {errors[0].evalue}"
        if CHECK_CALL.search(cell.source) and i > 0 and _is_stub(nb.cells[i - 1]):
            text = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
            assert "not written yet" in text, \
                f"{path.name} (student edition), cell {i}: the check of an untouched stub printed {text!r}"
