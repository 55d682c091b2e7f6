"""The ``bplab`` command (also ``python -m bplab``): copy the course into a folder, open it in
JupyterLab. The copying and its never-overwrite rule live in ``course.py``; this is the
command line around them and the JupyterLab launch (127.0.0.1 only, JupyterLab's token kept,
``--ServerApp.allow_root`` when run as root, as ``make lab`` does)."""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from . import __version__
from .course import MANIFEST, CourseError, copy_course

DEFAULT_DIR = "bplab-course"
DEFAULT_STUDENT_DIR = "bplab-course-student"

DESCRIPTION = """\
bplab: learn backpropagation by doing it. The course is six Jupyter notebooks that ship
with this package; these commands put a copy in a folder of yours and open it.

commands:
  bplab lab [DIR]    copy the course into DIR, then open it in JupyterLab
  bplab copy DIR     only copy the course into DIR (for a course environment, or to look first)
"""

EPILOG = f"""\
examples:
  bplab lab                   the course in ./{DEFAULT_DIR}, opened in JupyterLab
  bplab lab --student         ./{DEFAULT_STUDENT_DIR}: the exercises without their worked solutions
  bplab copy ~/course         copy only; `bplab lab ~/course` opens it later
  python -m bplab lab         the same, where the bplab command is not on PATH

Your notebooks are never overwritten: a copy replaces only a notebook you have not changed
(it compares each with what bplab wrote there, recorded in DIR/{MANIFEST}). A changed one
is kept and named in the report; delete it for a fresh copy, or use --fresh to get the
course's version beside it. JupyterLab listens on 127.0.0.1 only and keeps its token: open
the link with ?token=... that it prints.
"""


def _add_copy_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--student", action="store_true",
                   help="the student edition: notebooks without their worked solutions (and "
                        "without outputs); a notebook that has no solutions is copied whole")
    p.add_argument("--fresh", action="store_true",
                   help="for each notebook you changed, also write the course's version beside "
                        "it as NN_name.fresh.ipynb (your notebook stays as it is)")


def parser() -> argparse.ArgumentParser:
    fmt = argparse.RawDescriptionHelpFormatter
    top = argparse.ArgumentParser(prog="bplab", description=DESCRIPTION, epilog=EPILOG,
                                  formatter_class=fmt)
    top.add_argument("--version", action="version", version=f"bplab {__version__}")
    sub = top.add_subparsers(dest="command", metavar="{lab,copy}")

    lab = sub.add_parser(
        "lab", formatter_class=fmt, help="copy the course into DIR, then open it in JupyterLab",
        description=textwrap.dedent(f"""\
            Copy the course into DIR (unless it is there already), then start JupyterLab in it
            on 127.0.0.1 with a token. Stop it with Ctrl-C.

            DIR defaults to ./{DEFAULT_DIR} (./{DEFAULT_STUDENT_DIR} with --student), or to the
            current folder when that is a course folder already."""),
        epilog=EPILOG.split("\n\n", 1)[1])
    lab.add_argument("dir", nargs="?", metavar="DIR", help="the course folder (created if missing)")
    _add_copy_options(lab)
    lab.add_argument("--port", type=int, default=8888,
                     help="the port to try first (default 8888; JupyterLab takes the next free one)")
    lab.add_argument("--no-browser", action="store_true",
                     help="do not open a browser; open the printed link yourself")

    cp = sub.add_parser(
        "copy", formatter_class=fmt, help="only copy the course into DIR",
        description="Copy the course's notebooks into DIR (created if missing), never "
                    "overwriting one you changed.",
        epilog=EPILOG.split("\n\n", 1)[1])
    cp.add_argument("dir", metavar="DIR", help="the course folder (created if missing)")
    _add_copy_options(cp)
    return top


def _default_dir(student: bool) -> Path:
    """The current folder when it is a course folder of the wanted edition, else the default."""
    here = Path.cwd()
    try:
        edition = json.loads((here / MANIFEST).read_text(encoding="utf-8")).get("edition")
    except (OSError, ValueError, AttributeError):
        edition = None
    if edition == ("student" if student else "full"):
        return here
    return here / (DEFAULT_STUDENT_DIR if student else DEFAULT_DIR)


def _copy(folder: Path, args) -> Path:
    report = copy_course(folder, student=args.student, fresh=args.fresh)
    where = report.folder.resolve()
    print(f"bplab {__version__}: the course ({report.edition} edition) in {where}")
    for line in report.lines():
        print(f"  {line}")
    return where


def lab_command(folder: Path, port: int, no_browser: bool) -> list[str]:
    """The JupyterLab command line: loopback only, the token left on (JupyterLab's default)."""
    cmd = [sys.executable, "-m", "jupyterlab", "--ServerApp.ip=127.0.0.1",
           f"--ServerApp.port={port}", f"--ServerApp.root_dir={folder}"]
    if no_browser:
        cmd.append("--ServerApp.open_browser=False")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        # JupyterLab refuses to start as root unless told; that does not open it to anyone else
        cmd.append("--ServerApp.allow_root=True")
    return cmd


def _lab(folder: Path, args) -> int:
    if importlib.util.find_spec("jupyterlab") is None:
        raise CourseError("JupyterLab is not installed in this Python environment "
                          f"({sys.prefix}): install it with `pip install jupyterlab`, or open "
                          f"the notebooks in {folder} with another Jupyter")
    if not 0 < args.port < 65536:
        raise CourseError(f"--port must be between 1 and 65535, got {args.port}")
    print(f"Starting JupyterLab in {folder} on 127.0.0.1 (with a token: open the link with "
          f"?token=... it prints). Stop it with Ctrl-C.", flush=True)
    proc = subprocess.Popen(lab_command(folder, args.port, args.no_browser), cwd=folder)
    while True:
        try:
            return proc.wait()
        except KeyboardInterrupt:    # JupyterLab gets Ctrl-C too and shuts down (or asks)
            continue


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    if args.command is None:
        parser().print_help()
        return 0
    try:
        if args.command == "copy":
            _copy(Path(args.dir), args)
            return 0
        folder = Path(args.dir) if args.dir else _default_dir(args.student)
        return _lab(_copy(folder, args), args)
    except CourseError as err:
        print(f"bplab: error: {err}", file=sys.stderr)
        return 1
