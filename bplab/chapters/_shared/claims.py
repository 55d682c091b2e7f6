"""Claims a notebook's prose makes about a training run, checked where they are made.

Training is chaotic: a last-bit difference in one matrix product (another CPU, BLAS library or
thread count) grows into a different loss curve within tens of epochs. So a cell that prints a
trained result at full precision is marked ``# NBVAL_IGNORE_OUTPUT`` (its numbers are still
shown to the learner), and the sentence the text builds on it is checked right after, with a
tolerance that holds on every machine::

    claim("the network reaches at least 95 % test accuracy", acc >= 0.95, f"{acc:.3f}")

prints ``✓ the network reaches at least 95 % test accuracy``. If a run ever ends otherwise, the
learner reads ``✗ ... (measured: 0.912)`` instead of a traceback, and nbval, which compares this
line, fails the notebook: the text and the numbers disagree, and the text needs fixing.
"""
from __future__ import annotations

__all__ = ["claim"]


def claim(statement: str, holds, measured: str = "") -> None:
    """Print ``✓ statement`` if ``holds`` is true, else ``✗ statement (measured: ...)``.

    Never raises (a run that ends differently must not stop the learner's notebook) and
    returns nothing (so a notebook shows only the printed line)."""
    if holds:
        print(f"✓ {statement}")
    else:
        print(f"✗ {statement} — not so in this run" + (f" (measured: {measured})" if measured else ""))
