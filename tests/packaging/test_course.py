"""`bplab copy` / `bplab lab` (bplab/course.py, bplab/cli.py) on a small made-up course: what is
written, what is never overwritten, the student edition, and the messages a learner reads.
test_wheel.py does the same with the real notebooks from an installed wheel."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import bplab
from bplab import cli, course

REPO = Path(__file__).resolve().parents[2]


def _nb(*cells) -> dict:
    return {"cells": list(cells), "metadata": {"kernelspec": {"name": "python3"}},
            "nbformat": 4, "nbformat_minor": 5}


def _code(src, text=None):
    outputs = [{"name": "stdout", "output_type": "stream", "text": [text]}] if text else []
    return {"cell_type": "code", "execution_count": 1 if text else None, "id": str(abs(hash(src)))[:8],
            "metadata": {}, "outputs": outputs, "source": src.splitlines(keepends=True)}


def _md(src):
    return {"cell_type": "markdown", "id": str(abs(hash(src)))[:8], "metadata": {}, "source": src}


EXERCISE = _nb(_md("# Chapter 1"),
               _code("def f(x):\n    raise NotImplementedError"),
               _code("check_f(f)", text="not written yet\n"),
               _md("**Solution** (open it after you have tried)"),
               _code("### BEGIN SOLUTION\ndef f(x):\n    return 2 * x\n### END SOLUTION\ncheck_f(f)",
                     text="✓ Correct!\n"),
               _md("Next"))
NO_SOLUTIONS = _nb(_md("# Chapter 2"), _code("print(1)", text="1\n"))
UNBALANCED = _nb(_code("### BEGIN SOLUTION\nx = 1"))


@pytest.fixture
def fake_course(tmp_path, monkeypatch):
    """A course of three notebooks in place of the shipped one; returns its notebooks folder."""
    nbdir = tmp_path / "pkg" / "notebooks"
    nbdir.mkdir(parents=True)
    for name, nb in (("01_one.ipynb", EXERCISE), ("02_two.ipynb", NO_SOLUTIONS),
                     ("03_three.ipynb", UNBALANCED)):
        (nbdir / name).write_text(json.dumps(nb, indent=1))
    monkeypatch.setattr(course, "notebooks", lambda: sorted(nbdir.glob("[0-9]*.ipynb")))
    return nbdir


def _run(argv, capsys):
    rc = cli.main(argv)
    out, err = capsys.readouterr()
    return rc, out, err


def test_the_shipped_course_is_found():
    names = [p.name for p in course.notebooks()]
    assert names == sorted(p.name for p in (REPO / "notebooks").glob("[0-9]*.ipynb"))
    assert len(names) >= 6 and course.course_files() == REPO     # a clone: the clone's files


def test_copy_writes_every_notebook_and_records_it(fake_course, tmp_path, capsys):
    dest = tmp_path / "learner" / "course"
    rc, out, err = _run(["copy", str(dest)], capsys)
    assert rc == 0 and err == ""
    assert "full edition" in out and "copied 3 notebooks" in out
    for src in fake_course.iterdir():
        assert (dest / src.name).read_bytes() == src.read_bytes()
    manifest = json.loads((dest / course.MANIFEST).read_text())
    assert manifest["edition"] == "full" and set(manifest["files"]) == {p.name for p in fake_course.iterdir()}
    rc, out, _ = _run(["copy", str(dest)], capsys)
    assert rc == 0 and "up to date: 3 notebooks" in out and "copied" not in out


def test_a_changed_notebook_is_never_overwritten(fake_course, tmp_path, capsys):
    dest = tmp_path / "c"
    course.copy_course(dest)
    mine = dest / "01_one.ipynb"
    mine.write_text(mine.read_text().replace("raise NotImplementedError", "return x + x"))
    edited = mine.read_bytes()
    rc, out, _ = _run(["copy", str(dest)], capsys)
    assert rc == 0 and mine.read_bytes() == edited
    assert "kept your changed 01_one.ipynb" in out and "was not overwritten" in out
    assert "delete or rename that notebook" in out and "--fresh" in out
    # not even by the student edition, nor by a newer course
    (fake_course / "01_one.ipynb").write_text(json.dumps(_nb(_md("# Chapter 1, new"))))
    rc, out, _ = _run(["copy", str(dest), "--student"], capsys)
    assert mine.read_bytes() == edited and "kept your changed 01_one.ipynb" in out
    # --fresh puts the course's version beside it, once
    rc, out, _ = _run(["copy", str(dest), "--fresh"], capsys)
    assert mine.read_bytes() == edited
    fresh = dest / "01_one.fresh.ipynb"
    assert fresh.read_bytes() == (fake_course / "01_one.ipynb").read_bytes()
    assert "the course's version is beside it as 01_one.fresh.ipynb" in out
    _run(["copy", str(dest), "--fresh"], capsys)
    assert sorted(p.name for p in dest.glob("01_one*")) == ["01_one.fresh.ipynb", "01_one.ipynb"]
    # a fresh copy the learner changed is not overwritten either: the next one gets another name
    fresh.write_text("my notes")
    _run(["copy", str(dest), "--fresh"], capsys)
    assert fresh.read_text() == "my notes" and (dest / "01_one.fresh2.ipynb").exists()


def test_an_unchanged_notebook_is_updated_to_a_newer_course(fake_course, tmp_path, capsys):
    dest = tmp_path / "c"
    course.copy_course(dest)
    newer = json.dumps(_nb(_md("# Chapter 2, second edition")))
    (fake_course / "02_two.ipynb").write_text(newer)
    rc, out, _ = _run(["copy", str(dest)], capsys)
    assert "updated 02_two.ipynb (you had not changed them)" in out
    assert (dest / "02_two.ipynb").read_text() == newer


def test_a_notebook_bplab_did_not_write_is_kept(fake_course, tmp_path, capsys):
    dest = tmp_path / "c"
    dest.mkdir()
    (dest / "02_two.ipynb").write_text("the learner's own file")
    (dest / course.MANIFEST).write_text("{not json")           # a damaged record: keep everything
    rc, out, _ = _run(["copy", str(dest)], capsys)
    assert rc == 0 and (dest / "02_two.ipynb").read_text() == "the learner's own file"
    assert "copied 01_one.ipynb, 03_three.ipynb" in out and "kept your changed 02_two.ipynb" in out


def test_student_edition_where_it_exists(fake_course, tmp_path, capsys):
    dest = tmp_path / "s"
    rc, out, _ = _run(["copy", str(dest), "--student"], capsys)
    assert rc == 0 and "student edition" in out
    nb = json.loads((dest / "01_one.ipynb").read_text())
    sources = ["".join(c["source"]) if isinstance(c["source"], list) else c["source"] for c in nb["cells"]]
    assert sources == ["# Chapter 1", "def f(x):\n    raise NotImplementedError", "check_f(f)", "Next"]
    assert all(c["outputs"] == [] and c["execution_count"] is None
               for c in nb["cells"] if c["cell_type"] == "code")
    assert "02_two.ipynb: it has no worked solutions to take out, so it is the full notebook" in out
    assert (dest / "02_two.ipynb").read_bytes() == (fake_course / "02_two.ipynb").read_bytes()
    assert "03_three.ipynb: its solutions could not be taken out" in out
    assert "without ### END SOLUTION" in out
    assert json.loads((dest / course.MANIFEST).read_text())["edition"] == "student"


def test_student_version_leaves_its_input_alone_and_matches_make_student():
    before = json.dumps(EXERCISE)
    out, dropped = course.student_version(EXERCISE)
    assert dropped == 1 and json.dumps(EXERCISE) == before
    assert len(out["cells"]) == 4
    with pytest.raises(ValueError, match="cell 0: ### BEGIN SOLUTION without ### END SOLUTION"):
        course.student_version(UNBALANCED)
    # tools/student_edition.py (make student) is the same function on an nbformat notebook
    import importlib.util
    import nbformat

    spec = importlib.util.spec_from_file_location("student_edition", REPO / "tools" / "student_edition.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    node, n = tool.student_version(nbformat.reads(before, as_version=4))
    assert n == 1 and [c.source for c in node.cells] == ["".join(c["source"]) for c in out["cells"]]


def test_a_file_is_not_a_folder(fake_course, tmp_path, capsys):
    f = tmp_path / "notes.txt"
    f.write_text("x")
    rc, out, err = _run(["copy", str(f)], capsys)
    assert rc == 1 and out == ""
    assert err.startswith(f"bplab: error: {f} is a file, not a folder.")
    assert "Traceback" not in err and f.read_text() == "x"
    rc, _, err = _run(["copy", str(f / "course")], capsys)
    assert rc == 1 and "cannot create the folder" in err


def test_a_folder_that_cannot_be_written(fake_course, tmp_path, capsys, monkeypatch):
    dest = tmp_path / "ro"
    dest.mkdir()
    real_access = os.access
    monkeypatch.setattr(course.os, "access", lambda p, m: False if Path(p) == dest else real_access(p, m))
    rc, _, err = _run(["copy", str(dest)], capsys)
    assert rc == 1 and f"bplab: error: cannot write into {dest} (permission denied)" in err
    assert list(dest.iterdir()) == []


def test_lab_copies_then_starts_jupyterlab_on_loopback_with_its_token(fake_course, tmp_path, capsys,
                                                                      monkeypatch):
    started = {}

    class FakePopen:
        def __init__(self, cmd, cwd):
            started.update(cmd=cmd, cwd=cwd)

        def wait(self):
            return 0

    monkeypatch.setattr(cli.subprocess, "Popen", FakePopen)
    monkeypatch.chdir(tmp_path)
    rc, out, _ = _run(["lab", "--no-browser", "--port", "9999"], capsys)
    assert rc == 0 and (tmp_path / "bplab-course" / "01_one.ipynb").exists()
    cmd = started["cmd"]
    assert cmd[:3] == [sys.executable, "-m", "jupyterlab"] and started["cwd"] == tmp_path / "bplab-course"
    assert "--ServerApp.ip=127.0.0.1" in cmd and "--ServerApp.port=9999" in cmd
    assert f"--ServerApp.root_dir={tmp_path / 'bplab-course'}" in cmd
    assert "--ServerApp.open_browser=False" in cmd
    assert not any("token" in a.lower() or "password" in a.lower() for a in cmd)   # JupyterLab's own token
    assert ("--ServerApp.allow_root=True" in cmd) == (os.geteuid() == 0)
    assert "with a token" in out
    # run again from inside the course folder: that folder, not a new one inside it
    monkeypatch.chdir(tmp_path / "bplab-course")
    _run(["lab"], capsys)
    assert started["cwd"] == tmp_path / "bplab-course" and not (tmp_path / "bplab-course" / "bplab-course").exists()
    _run(["lab", "--student"], capsys)
    assert started["cwd"] == tmp_path / "bplab-course" / "bplab-course-student"


def test_version_help_and_python_m(capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["--version"])
    assert exit_.value.code == 0 and capsys.readouterr().out == f"bplab {bplab.__version__}\n"
    rc, out, _ = _run([], capsys)
    assert rc == 0 and out.startswith("usage: bplab") and "bplab lab [DIR]" in out and "examples:" in out
    for sub in ("lab", "copy"):
        with pytest.raises(SystemExit):
            cli.main([sub, "--help"])
        text = capsys.readouterr().out
        assert text.startswith(f"usage: bplab {sub}") and "--student" in text and "never overwritten" in text
    run = subprocess.run([sys.executable, "-m", "bplab", "--version"], capture_output=True, text=True,
                         cwd=REPO, check=True)
    assert run.stdout == f"bplab {bplab.__version__}\n"
