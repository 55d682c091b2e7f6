"""The one build step pyproject.toml cannot say: the wheel carries the course.

All metadata lives in pyproject.toml. This only makes ``build_py`` copy the repository's data sets
(``data/*.npz`` with ``data/README.md``: provenance, licences, checksums) and notebooks
(``notebooks/[0-9]*.ipynb``, stored with their outputs) into the built package as
``bplab/_course/data/`` and ``bplab/_course/notebooks/``. So git holds one copy, in data/ and
notebooks/, and an installed bplab still finds them: ``bplab.data`` loads the data from there and
``bplab copy`` / ``bplab lab`` copy the notebooks from there (bplab/course.py).

MANIFEST.in puts data/ and notebooks/ (with the notebooks' MyST sources) into the sdist, so a
wheel built from the sdist gets them the same way. An editable install (``pip install -e .``,
``make lab``, ``make test``) copies nothing: bplab then reads the clone's own data/ and notebooks/.
"""
from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
# repository folder -> the files of it that the wheel carries (in bplab/_course/<folder>/)
COURSE = {
    "data": ["*.npz", "README.md"],
    "notebooks": ["[0-9]*.ipynb"],
}


class build_py_with_course(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return
        course = Path(self.build_lib) / "bplab" / "_course"
        shutil.rmtree(course, ignore_errors=True)         # nothing left over from an older build
        for folder, patterns in COURSE.items():
            files = sorted({p for pattern in patterns for p in (ROOT / folder).glob(pattern)})
            if not files:
                raise SystemExit(f"setup.py: no {' or '.join(patterns)} in {ROOT / folder}; the "
                                 f"wheel must carry the course (build from a clone or the sdist)")
            dest = course / folder
            dest.mkdir(parents=True, exist_ok=True)
            for f in files:
                self.copy_file(str(f), str(dest / f.name), preserve_mode=False)


setup(cmdclass={"build_py": build_py_with_course})
