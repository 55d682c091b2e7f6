"""The course as files: the notebooks that ship with bplab, copied into a learner's folder
without ever overwriting the learner's work, and the student edition of a notebook.

    copy_course("bplab-course")                 # what `bplab copy bplab-course` does
    copy_course("my-course", student=True)      # notebooks without their worked solutions

Where the files are found (:func:`course_files`): in an installed bplab, in ``bplab/_course/``
(``notebooks/*.ipynb`` and ``data/``, put there by setup.py when the wheel is built from the
repository's ``notebooks/`` and ``data/``); in a clone (``pip install -e .``, ``make lab``), in
the clone's own ``notebooks/`` and ``data/``.

Never overwriting. ``DIR/.bplab-course.json`` records the sha256 of each notebook as it was
written. On every later copy a notebook in DIR is

- written when it is missing;
- left as it is when it already holds the course's version;
- replaced when it still holds exactly what bplab wrote there last time (the learner has not
  changed it: a newer bplab ships a newer version, or the other edition was asked for);
- otherwise **kept**: the learner changed it (ran it, wrote an answer), or bplab never wrote it.
  It is reported, and with ``fresh=True`` the course's version is written beside it as
  ``NN_name.fresh.ipynb`` (``.fresh2``, ... when that name is taken by another file).

The student edition (:func:`student_version`, also behind ``make student``): a solution is a
code cell between nbgrader's markers ``### BEGIN SOLUTION`` / ``### END SOLUTION``; the student
edition drops each one (and the markdown cell right before it when that cell only heads the
solution, i.e. starts with "Solution") and clears every output. A notebook without solution
cells has no student edition: ``copy_course(student=True)`` copies it whole and says so.

Only the standard library is used (a notebook is read as JSON, not through nbformat).
"""
from __future__ import annotations

import copy
import hashlib
import json
import os
import stat
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["BEGIN", "END", "MANIFEST", "CourseError", "CopyReport", "course_files", "notebooks",
           "is_solution", "heads_a_solution", "student_version", "copy_course"]

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"

#: The file in a learner's course folder that records what bplab wrote there.
MANIFEST = ".bplab-course.json"

PACKAGE = Path(__file__).resolve().parent


class CourseError(Exception):
    """A problem the learner can fix (a folder that is a file, not writable, ...): the message
    says what and how, and `bplab` prints it without a traceback."""


# ------------------------------------------------------------------------- where the course is
def course_files() -> Path:
    """The folder holding ``notebooks/`` and ``data/``: the installed copy inside the package, or
    the clone the package was imported from."""
    for root in (PACKAGE / "_course", PACKAGE.parent):
        if (root / "notebooks").is_dir() and any((root / "notebooks").glob("[0-9]*.ipynb")):
            return root
    raise CourseError(
        f"the course's notebooks are missing: neither {PACKAGE / '_course' / 'notebooks'} (an "
        f"installed bplab) nor {PACKAGE.parent / 'notebooks'} (a clone) holds any. Reinstall "
        f"bplab (pip install --force-reinstall bplab) or restore notebooks/ in your clone.")


def notebooks() -> list[Path]:
    """The course's notebooks, in chapter order."""
    return sorted((course_files() / "notebooks").glob("[0-9]*.ipynb"))


# ------------------------------------------------------------------------- the student edition
def _source(cell) -> str:
    src = cell.get("source", "")
    return src if isinstance(src, str) else "".join(src)


def is_solution(cell) -> bool:
    """A worked solution: a code cell holding ``### BEGIN SOLUTION``."""
    return cell.get("cell_type") == "code" and BEGIN in _source(cell)


def heads_a_solution(cell) -> bool:
    """A markdown cell whose text starts with "Solution" (after heading or emphasis marks)."""
    return cell.get("cell_type") == "markdown" and \
        _source(cell).lstrip("#* _>").lower().startswith("solution")


def student_version(nb):
    """``(copy of nb without solution cells and their headings, outputs cleared, number of
    solutions dropped)``. ``nb`` is a notebook as a dict (``json.load``) or an nbformat
    NotebookNode; it is left unchanged. Raises ``ValueError`` for a ``### BEGIN SOLUTION``
    without its ``### END SOLUTION``."""
    cells, dropped = [], 0
    src_cells = nb.get("cells", [])
    for i, cell in enumerate(src_cells):
        nxt = src_cells[i + 1] if i + 1 < len(src_cells) else None
        if is_solution(cell):
            if END not in _source(cell):
                raise ValueError(f"cell {i}: {BEGIN} without {END}")
            dropped += 1
            continue
        if heads_a_solution(cell) and nxt is not None and is_solution(nxt):
            continue
        cell = copy.deepcopy(cell)
        if cell.get("cell_type") == "code":
            cell["outputs"], cell["execution_count"] = [], None
        cells.append(cell)
    out = copy.deepcopy({k: v for k, v in nb.items() if k != "cells"})
    out["cells"] = cells
    return out, dropped


def _notebook_bytes(nb: dict) -> bytes:
    """A notebook written as nbformat writes it (indent 1, sorted keys, UTF-8, final newline)."""
    return (json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


# ------------------------------------------------------------------------- copying
@dataclass
class CopyReport:
    """What :func:`copy_course` did, one list of notebook names per outcome."""
    folder: Path
    edition: str
    written: list = field(default_factory=list)      # new in the folder
    updated: list = field(default_factory=list)      # replaced: the learner had not changed them
    current: list = field(default_factory=list)      # already the course's version
    kept: list = field(default_factory=list)         # changed by the learner: left alone
    fresh: list = field(default_factory=list)        # (kept name, fresh copy's name)
    full: list = field(default_factory=list)         # --student, but copied whole: (name, why)

    def lines(self) -> list[str]:
        """The report for a person, one line per outcome plus what to do about kept notebooks."""
        out = []
        if self.written:
            out.append(f"copied {_names(self.written)}")
        if self.updated:
            out.append(f"updated {_names(self.updated)} (you had not changed them)")
        if self.current:
            out.append(f"up to date: {_names(self.current)}")
        for name, why in self.full:
            out.append(f"{name}: {why}, so it is the full notebook")
        fresh = dict(self.fresh)
        for name in self.kept:
            if name in fresh:
                out.append(f"kept your changed {name}; the course's version is beside it as {fresh[name]}")
            else:
                out.append(f"kept your changed {name}: it differs from the course's version and "
                           f"was not overwritten")
        if self.kept and len(fresh) < len(self.kept):
            out.append("  for a fresh copy: delete or rename that notebook and copy again, or add "
                       "--fresh to get the course's version beside it as NN_name.fresh.ipynb")
        return out


def _names(names) -> str:
    return ", ".join(names) if len(names) <= 2 else f"{len(names)} notebooks ({names[0]} ... {names[-1]})"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _read_manifest(folder: Path) -> dict:
    """``{notebook name: sha256 as bplab wrote it}``; an unreadable manifest counts as empty (so
    every existing notebook is treated as the learner's: kept)."""
    try:
        files = json.loads((folder / MANIFEST).read_text(encoding="utf-8")).get("files", {})
        return {name: entry["sha256"] for name, entry in files.items()}
    except (OSError, ValueError, AttributeError, KeyError, TypeError):
        return {}


def _file_mode(path: Path) -> int:
    """The replaced file's permissions, or what a new file gets under the umask."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _atomic_write(path: Path, data: bytes) -> None:
    """Replace ``path`` in one step (a crash leaves the old file or the new, never half)."""
    mode = _file_mode(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _prepare_folder(folder: Path) -> None:
    if folder.exists() and not folder.is_dir():
        raise CourseError(f"{folder} is a file, not a folder. Give the name of a folder for the "
                          f"course (it is created if it does not exist), e.g. bplab-course")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise CourseError(f"cannot create the folder {folder}: a file is in the way on its path. "
                          f"Choose another folder") from None
    except OSError as err:
        raise CourseError(f"cannot create the folder {folder} ({err.strerror}). Choose a folder "
                          f"you can write to, e.g. one in your home directory") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise CourseError(f"cannot write into {folder} (permission denied). Choose a folder you "
                          f"can write to, e.g. one in your home directory")


def _edition(path: Path, student: bool) -> tuple[bytes, str | None]:
    """The bytes to write for one packaged notebook, and why it is the full notebook when a
    student edition was asked for but does not exist."""
    data = path.read_bytes()
    if not student:
        return data, None
    try:
        nb = json.loads(data.decode("utf-8"))
        out, dropped = student_version(nb)
    except (ValueError, UnicodeDecodeError, AttributeError, TypeError) as err:
        return data, f"its solutions could not be taken out ({err})"
    if not dropped:
        return data, "it has no worked solutions to take out"
    return _notebook_bytes(out), None


def _fresh_name(folder: Path, name: str, data: bytes) -> str:
    stem = name[:-len(".ipynb")] if name.endswith(".ipynb") else name
    n = 1
    while True:
        candidate = f"{stem}.fresh{n if n > 1 else ''}.ipynb"
        path = folder / candidate
        if not path.exists():
            return candidate
        try:
            if path.is_file() and path.read_bytes() == data:
                return candidate
        except OSError:
            pass
        n += 1


def copy_course(folder, *, student: bool = False, fresh: bool = False) -> CopyReport:
    """Copy the course's notebooks into ``folder`` (created if needed), never overwriting a
    notebook the learner changed (see the module docstring). Raises :class:`CourseError` with a
    message for the learner when the folder is a file or cannot be written."""
    folder = Path(folder).expanduser()
    sources = notebooks()
    _prepare_folder(folder)
    recorded = _read_manifest(folder)
    report = CopyReport(folder=folder, edition="student" if student else "full")
    manifest = dict(recorded)
    try:
        for src in sources:
            name = src.name
            data, why_full = _edition(src, student)
            if why_full:
                report.full.append((name, why_full))
            want = _sha256(data)
            target = folder / name
            if not target.exists():
                with open(target, "xb") as f:        # "x": never over a file that appeared meanwhile
                    f.write(data)
                manifest[name] = want
                report.written.append(name)
                continue
            have = _sha256(target.read_bytes()) if target.is_file() else None
            if have == want:
                manifest[name] = want
                report.current.append(name)
            elif have is not None and have == recorded.get(name):
                _atomic_write(target, data)
                manifest[name] = want
                report.updated.append(name)
            else:
                report.kept.append(name)
                if fresh:
                    fresh_name = _fresh_name(folder, name, data)
                    if not (folder / fresh_name).exists():
                        with open(folder / fresh_name, "xb") as f:
                            f.write(data)
                    report.fresh.append((name, fresh_name))
    except OSError as err:
        raise CourseError(f"cannot write {err.filename or folder} ({err.strerror}). Choose a "
                          f"folder you can write to, e.g. one in your home directory") from None
    finally:
        if manifest != recorded or not (folder / MANIFEST).exists():
            _write_manifest(folder, manifest, report.edition)
    return report


def _write_manifest(folder: Path, files: dict, edition: str) -> None:
    from . import __version__

    text = json.dumps({
        "about": "Written by `bplab copy` / `bplab lab`: the sha256 of each notebook as bplab "
                 "wrote it, so that a later copy replaces only notebooks you have not changed.",
        "bplab": __version__,
        "edition": edition,
        "files": {name: {"sha256": digest} for name, digest in sorted(files.items())},
    }, indent=1) + "\n"
    try:
        _atomic_write(folder / MANIFEST, text.encode("utf-8"))
    except OSError:
        pass        # the notebooks are there; without the record a later copy keeps them all
