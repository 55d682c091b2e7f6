"""The course as someone who installs bplab meets it: no clone, only the package.

    make test-package

Builds the wheel as a user does (``pip wheel .``) and the sdist with a wheel built *from* it
(``python -m build``), checks that both carry the data sets (with data/README.md, whose checksums
must still match) and every notebook, then installs the wheel into a fresh virtual environment
(not editable; nothing from this clone on its path), and there: loads both data sets, runs
``bplab copy`` and nbval over the copied notebooks (as a course's CI validates them), takes the
student edition, and starts ``bplab lab`` to see it answer on 127.0.0.1 only, and only with its
token. Network: PyPI only, for the wheel's dependencies (pip's cache makes later runs quick).
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import re
import signal
import subprocess
import sys
import tarfile
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.package

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted(p.name for p in (REPO / "notebooks").glob("[0-9]*.ipynb"))
DATA = ["digits.npz", "mnist_subset.npz", "README.md"]
NBVAL_FLAGS = ["--nbval", "--nbval-current-env", "--nbval-cell-timeout=300",
               "--nbval-sanitize-with", str(REPO / "tests" / "nbval_sanitize.cfg")]


def _run(cmd, **kw):
    t0 = time.monotonic()
    kw.setdefault("env", _clean_env())
    proc = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, **kw)
    print(f"$ {' '.join(map(str, cmd))}  ({time.monotonic() - t0:.1f} s)")
    if proc.returncode != 0:
        pytest.fail(f"{' '.join(map(str, cmd))} exited {proc.returncode}\n"
                    f"--- stdout\n{proc.stdout[-6000:]}\n--- stderr\n{proc.stderr[-6000:]}")
    return proc


def _clean_env(**extra) -> dict:
    """The environment without anything that would point the installed bplab back at this clone."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "BPLAB_DATA_DIR", "MPLBACKEND", "VIRTUAL_ENV", "PYTHONHOME")
           and not k.startswith(("JUPYTER", "JPY_"))}
    env.update(OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1",
               PYDEVD_DISABLE_FILE_VALIDATION="1")
    env.update(extra)
    return env


def _content_sha256(npz_bytes: bytes) -> str:
    with np.load(io.BytesIO(npz_bytes), allow_pickle=False) as f:
        return hashlib.sha256(f["images"].tobytes() + f["labels"].tobytes()).hexdigest()


# ----------------------------------------------------------------------------------- building
@pytest.fixture(scope="module")
def dist(tmp_path_factory):
    """``pip wheel .`` (a user's build) and ``python -m build`` (sdist, then a wheel from it)."""
    out = tmp_path_factory.mktemp("dist")
    _run([sys.executable, "-m", "pip", "wheel", REPO, "--no-deps", "--quiet", "-w", out / "pip"])
    _run([sys.executable, "-m", "build", "--outdir", out / "build", REPO])
    wheel, = (out / "pip").glob("bplab-*.whl")
    from_sdist, = (out / "build").glob("bplab-*.whl")
    sdist, = (out / "build").glob("bplab-*.tar.gz")
    size = wheel.stat().st_size
    with zipfile.ZipFile(wheel) as z:
        count = len(z.namelist())
    print(f"wheel {wheel.name}: {size / 1e6:.2f} MB, {count} files; sdist {sdist.stat().st_size / 1e6:.2f} MB")
    return {"wheel": wheel, "wheel_from_sdist": from_sdist, "sdist": sdist}


@pytest.mark.parametrize("which", ["wheel", "wheel_from_sdist"])
def test_the_wheel_carries_the_course(dist, which):
    with zipfile.ZipFile(dist[which]) as z:
        names = set(z.namelist())
        for fname in DATA:
            member = f"bplab/_course/data/{fname}"
            assert member in names, f"{dist[which].name} lacks {member}"
            assert z.read(member) == (REPO / "data" / fname).read_bytes(), f"{member} differs from data/{fname}"
        shipped = sorted(n.rsplit("/", 1)[1] for n in names if n.startswith("bplab/_course/notebooks/"))
        assert shipped == NOTEBOOKS and len(NOTEBOOKS) >= 6
        for name in NOTEBOOKS:
            assert z.read(f"bplab/_course/notebooks/{name}") == (REPO / "notebooks" / name).read_bytes()
        # the checksums that data/README.md and bplab.data state still match the shipped files
        from bplab.data import SHA256

        readme = z.read("bplab/_course/data/README.md").decode()
        for key, fname in (("digits", "digits.npz"), ("mnist_subset", "mnist_subset.npz")):
            digest = _content_sha256(z.read(f"bplab/_course/data/{fname}"))
            assert digest == SHA256[key] and f"`{fname}` | `{digest}`" in readme
        entry_points = next(z.read(n).decode() for n in names if n.endswith(".dist-info/entry_points.txt"))
        assert re.search(r"^bplab = bplab\.cli:main$", entry_points, re.M)
        assert not [n for n in names if n.startswith(("tests/", "tools/", "site/", "notebooks/", "data/"))]


def test_the_sdist_carries_the_sources_of_the_course(dist):
    with tarfile.open(dist["sdist"]) as t:
        names = {n.split("/", 1)[1] for n in t.getnames() if "/" in n}
    want = {f"data/{f}" for f in DATA} | {f"notebooks/{n}" for n in NOTEBOOKS} \
        | {f"notebooks/{n[:-6]}.md" for n in NOTEBOOKS} | {"notebooks/jupytext.toml", "setup.py",
                                                            "pyproject.toml", "MANIFEST.in", "LICENSE"}
    assert want <= names, f"missing from the sdist: {sorted(want - names)}"


# ----------------------------------------------------------------------------------- installed
@pytest.fixture(scope="module")
def venv(dist, tmp_path_factory):
    """A fresh virtual environment with the wheel installed (plus pytest and nbval, as a course's
    CI has); returns its bin/ folder. Its commands run in a scratch folder, never in this clone."""
    root = tmp_path_factory.mktemp("venv")
    _run([sys.executable, "-m", "venv", root / "venv"])
    bindir = root / "venv" / "bin"
    _run([bindir / "python", "-m", "pip", "install", "--quiet", dist["wheel"], "pytest", "nbval"])
    return bindir


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    return tmp_path_factory.mktemp("learner")


def test_installed_bplab_loads_both_data_sets_from_the_package(venv, home):
    code = ("import bplab, bplab.data as d; X, y = d.load_digits(); M, m = d.load_mnist_subset(); "
            "print(bplab.__file__); print(d._data_dir()); print(X.shape, y.shape, M.shape, m.shape)")
    out = _run([venv / "python", "-c", code], cwd=home).stdout.splitlines()
    package = Path(out[0]).parent
    assert "site-packages" in package.parts and not package.is_relative_to(REPO)
    assert Path(out[1]) == package / "_course" / "data"
    assert out[2] == "(1797, 64) (1797,) (5000, 784) (5000,)"


def test_bplab_command_copies_the_course_and_nbval_passes_on_it(venv, home):
    assert _run([venv / "bplab", "--version"], cwd=home).stdout.strip().startswith("bplab ")
    assert "bplab lab [DIR]" in _run([venv / "bplab", "--help"], cwd=home).stdout
    out = _run([venv / "bplab", "copy", "course"], cwd=home).stdout
    assert f"copied {len(NOTEBOOKS)} notebooks" in out, out
    copied = sorted(p.name for p in (home / "course").glob("*.ipynb"))
    assert copied == NOTEBOOKS
    again = _run([venv / "python", "-m", "bplab", "copy", "course"], cwd=home).stdout
    assert f"up to date: {len(NOTEBOOKS)} notebooks" in again, again
    # what a course's CI does with the notebooks: run them in the installed package, compare outputs
    run = _run([venv / "python", "-m", "pytest", "course", *NBVAL_FLAGS, "-p", "no:cacheprovider", "-q"],
               cwd=home, env=_clean_env(IPYTHONDIR=str(home / ".ipython")))
    summary = run.stdout.strip().splitlines()[-1]
    print(summary)
    assert re.search(r"\d+ passed", summary) and "failed" not in summary and "error" not in summary


def test_student_edition_from_the_installed_package(venv, home):
    out = _run([venv / "bplab", "copy", "student", "--student"], cwd=home).stdout
    assert "student edition" in out
    for name in NOTEBOOKS:
        nb = json.loads((home / "student" / name).read_text(encoding="utf-8"))
        full = json.loads((REPO / "notebooks" / name).read_text(encoding="utf-8"))
        if any("### BEGIN SOLUTION" in "".join(c["source"]) for c in full["cells"]):
            assert not any("### BEGIN SOLUTION" in "".join(c["source"]) for c in nb["cells"]), name
            assert all(not c.get("outputs") for c in nb["cells"]), name
        else:
            assert nb == full and f"{name}: it has no worked solutions" in out


def _listening_addresses(port: int) -> set[str]:
    """The local addresses of sockets listening on ``port`` (from /proc/net, Linux)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            local, state = line.split()[1], line.split()[3]
            addr, p = local.split(":")
            if state == "0A" and int(p, 16) == port:
                found.add(addr)
    return found


LOOPBACK = {"0100007F", "00000000000000000000000001000000"}      # 127.0.0.1 and ::1 as /proc writes them


def test_bplab_lab_serves_the_course_on_loopback_only_with_its_token(venv, home):
    port = _free_port()
    jdirs = {name: home / "jupyter" / sub for name, sub in (
        ("JUPYTER_CONFIG_DIR", "config"), ("JUPYTER_RUNTIME_DIR", "runtime"), ("JUPYTER_DATA_DIR", "data"))}
    for d in jdirs.values():
        d.mkdir(parents=True, exist_ok=True)
    log = home / "lab.log"
    with open(log, "wb") as logf:
        proc = subprocess.Popen([venv / "bplab", "lab", "lab-course", "--no-browser", "--port", str(port)],
                                cwd=home, stdout=logf, stderr=subprocess.STDOUT, start_new_session=True,
                                env=_clean_env(**{k: str(v) for k, v in jdirs.items()}))
    try:
        token, t_end = None, time.monotonic() + 120
        while token is None and time.monotonic() < t_end:
            assert proc.poll() is None, f"bplab lab exited {proc.returncode}:\n{log.read_text()[-4000:]}"
            m = re.search(rf"http://127\.0\.0\.1:{port}/lab\?token=([0-9a-f]+)", log.read_text())
            token = m and m.group(1)
            time.sleep(0.5)
        assert token, f"no link with a token in the output:\n{log.read_text()[-4000:]}"
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        base = f"http://127.0.0.1:{port}"
        with pytest.raises(urllib.error.HTTPError) as refused:
            opener.open(f"{base}/api/contents", timeout=10)
        assert refused.value.code == 403
        with opener.open(f"{base}/api/contents?token={token}", timeout=10) as r:
            listing = sorted(item["name"] for item in json.load(r)["content"])
        assert listing == NOTEBOOKS
        addresses = _listening_addresses(port)
        assert addresses and addresses <= LOOPBACK, f"listening on {addresses}"
        text = log.read_text()
        assert f"copied {len(NOTEBOOKS)} notebooks" in text and "with a token" in text
    finally:
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(proc.pid, sig)
                proc.wait(timeout=15)
                break
            except (ProcessLookupError, subprocess.TimeoutExpired):
                continue


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
