"""Notebooks are authored as text: notebooks/NN_name.md (MyST markdown, paired by
notebooks/jupytext.toml) is the source, NN_name.ipynb the same cells run with their outputs
(`make notebooks` runs one into the other). These tests fail when a notebook lacks one of the
two files, or when the two disagree on a cell: its type, its source, or the metadata the .md
carries (tags, jupyter.source_hidden, ...; execution timings live only in the .ipynb)."""
from __future__ import annotations

import difflib
from pathlib import Path

import jupytext
import nbformat
import pytest
from jupytext.config import load_jupytext_config

NOTEBOOK_DIR = Path(__file__).resolve().parent.parent / "notebooks"
TEXT_FORMAT = "md:myst"


def _stems(suffix: str, folder: Path = NOTEBOOK_DIR) -> set[str]:
    return {p.stem for p in folder.glob(f"[0-9]*{suffix}")}


def _first_line(source: str) -> str:
    line = source.strip().splitlines()[0] if source.strip() else "(empty)"
    return line if len(line) <= 70 else line[:67] + "..."


def pair_problems(folder: Path = NOTEBOOK_DIR) -> list[str]:
    """One line per notebook that has only one of its two files."""
    notebooks, sources = _stems(".ipynb", folder), _stems(".md", folder)
    problems = [f"{folder.name}/{s}.ipynb has no text source {s}.md "
                f"(create it: jupytext --to {TEXT_FORMAT} {folder.name}/{s}.ipynb)"
                for s in sorted(notebooks - sources)]
    problems += [f"{folder.name}/{s}.md has no {s}.ipynb "
                 f"(create it: make notebooks NB={folder.name}/{s}.md)"
                 for s in sorted(sources - notebooks)]
    return problems


def _cell_view(cell) -> tuple[str, str, dict]:
    return cell.cell_type, cell.source, dict(cell.metadata)


def pair_difference(md: Path, ipynb: Path) -> str | None:
    """None when the .md holds exactly the .ipynb's cells, else where and how they first differ."""
    text_nb = jupytext.read(md, fmt=TEXT_FORMAT)
    saved = nbformat.read(ipynb, as_version=4)
    # The metadata each cell of the .ipynb would carry in its .md: write it as jupytext does
    # (with notebooks/jupytext.toml's filters) and read it back.
    config = load_jupytext_config(str(ipynb))
    as_text = jupytext.reads(jupytext.writes(saved, fmt=TEXT_FORMAT, config=config), fmt=TEXT_FORMAT)
    if len(as_text.cells) != len(saved.cells):
        return (f"{ipynb.name} does not survive the trip to MyST markdown ({len(saved.cells)} cells "
                f"become {len(as_text.cells)}): a cell's text looks like a cell marker")
    expected = [(c.cell_type, c.source, dict(t.metadata)) for c, t in zip(saved.cells, as_text.cells)]
    actual = [_cell_view(c) for c in text_nb.cells]

    fix = (f"If you edited the .md: make notebooks NB={md.parent.name}/{md.name}\n"
           f"If you edited the .ipynb: jupytext --to {TEXT_FORMAT} {ipynb.parent.name}/{ipynb.name}")
    where = f"{md.parent.name}/{md.stem}: the .md and the .ipynb differ"
    for i, (want, got) in enumerate(zip(expected, actual), start=1):
        if want == got:
            continue
        (want_type, want_src, want_meta), (got_type, got_src, got_meta) = want, got
        head = f"{where} at cell {i} (.ipynb: {want_type} {_first_line(want_src)!r})"
        if want_type != got_type:
            detail = f"cell type: {got_type} in the .md, {want_type} in the .ipynb"
        elif want_src != got_src:
            diff = difflib.unified_diff(want_src.splitlines(), got_src.splitlines(),
                                        ipynb.name, md.name, lineterm="", n=1)
            detail = "source:\n" + "\n".join(diff)
        else:
            detail = f"cell metadata: {got_meta} in the .md, {want_meta} in the .ipynb"
        return f"{head}\n{detail}\n{fix}"
    if len(actual) != len(expected):
        longer, extra = (("md", actual), ("ipynb", expected))[len(expected) > len(actual)]
        first = min(len(actual), len(expected))
        return (f"{where}: the .md has {len(actual)} cells, the .ipynb {len(expected)}; "
                f"the .{longer}'s cell {first + 1} is extra: {_first_line(extra[first][1])!r}\n{fix}")
    kernels = text_nb.metadata.get("kernelspec"), as_text.metadata.get("kernelspec")
    if kernels[0] != kernels[1]:
        return f"{where} in the kernelspec: {kernels[0]} in the .md, {kernels[1]} in the .ipynb\n{fix}"
    return None


def test_every_notebook_has_its_text_source_and_back():
    assert _stems(".ipynb"), f"no notebooks found in {NOTEBOOK_DIR}"
    problems = pair_problems()
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


@pytest.mark.parametrize("stem", sorted(_stems(".md") & _stems(".ipynb")))
def test_text_source_and_notebook_agree(stem):
    difference = pair_difference(NOTEBOOK_DIR / f"{stem}.md", NOTEBOOK_DIR / f"{stem}.ipynb")
    if difference:
        pytest.fail(difference, pytrace=False)


def test_the_check_sees_an_edit(tmp_path):
    """The checks above can fail: a pair made in a scratch folder agrees, then an edited line,
    a collapsed solution that is no longer collapsed and a missing .md are each caught."""
    stem = sorted(_stems(".ipynb"))[0]
    for name in (f"{stem}.ipynb", "jupytext.toml"):
        (tmp_path / name).write_text((NOTEBOOK_DIR / name).read_text())
    md, ipynb = tmp_path / f"{stem}.md", tmp_path / f"{stem}.ipynb"
    config = load_jupytext_config(str(ipynb))
    md.write_text(jupytext.writes(nbformat.read(ipynb, as_version=4), fmt=TEXT_FORMAT, config=config))
    assert pair_difference(md, ipynb) is None

    text_nb = jupytext.read(md, fmt=TEXT_FORMAT)
    k = next(i for i, c in enumerate(text_nb.cells) if c.cell_type == "code")
    text_nb.cells[k].source += "\n# edited"
    jupytext.write(text_nb, md, fmt=TEXT_FORMAT)
    message = pair_difference(md, ipynb)
    assert message is not None and f"at cell {k + 1} " in message and "+# edited" in message

    nb = nbformat.read(ipynb, as_version=4)
    nb.cells[k].metadata.update(jupyter={"source_hidden": True}, tags=["solution"])
    nbformat.write(nb, ipynb)
    jupytext.write(nb, md, fmt=TEXT_FORMAT)
    assert pair_difference(md, ipynb) is None        # the metadata travel to the .md ...
    assert "  source_hidden: true\n" in md.read_text()
    md.write_text(md.read_text().replace("  source_hidden: true\n", "  source_hidden: false\n", 1))
    message = pair_difference(md, ipynb)             # ... and a change there is seen
    assert message is not None and f"at cell {k + 1} " in message and "cell metadata" in message

    md.unlink()
    assert pair_problems(tmp_path) == [f"{tmp_path.name}/{stem}.ipynb has no text source {stem}.md "
                                       f"(create it: jupytext --to {TEXT_FORMAT} "
                                       f"{tmp_path.name}/{stem}.ipynb)"]
