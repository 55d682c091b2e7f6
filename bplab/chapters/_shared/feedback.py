"""Shared helpers for exercise checks: compare, explain, and congratulate."""
from __future__ import annotations

import numpy as np

__all__ = ["ExerciseError", "as_array", "check_close", "check_shape", "call_learner", "passed"]


class ExerciseError(AssertionError):
    """Raised when a learner's answer is wrong; the message says what and where."""


def call_learner(fn, *args, name=None):
    """Call the learner's function, turning a crash into a helpful message."""
    name = name or getattr(fn, "__name__", "your function")
    if not callable(fn):
        raise ExerciseError(f"expected a function, got {type(fn).__name__}: pass the function itself, "
                            f"without calling it (e.g. check(my_fn), not check(my_fn()))")
    try:
        return fn(*args)
    except NotImplementedError:
        raise ExerciseError(f"{name} is not written yet: replace `raise NotImplementedError` "
                            "with your code") from None
    except Exception as e:
        raise ExerciseError(f"{name} raised {type(e).__name__}: {e}") from e


def as_array(x, what: str, *, finite: bool = False) -> np.ndarray:
    """The learner's answer as a float64 array, or an ExerciseError saying what it was instead."""
    if x is None:
        raise ExerciseError(f"{what} is None: did you forget to `return` it?")
    try:
        a = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError):
        raise ExerciseError(f"{what} should be a numpy array, got {type(x).__name__}") from None
    if finite and not np.isfinite(a).all():
        raise ExerciseError(f"{what} contains NaN or inf (first values: {a.ravel()[:4]})")
    return a


def check_shape(what: str, got, expected_shape) -> None:
    shape = np.shape(got)
    if got is None:
        raise ExerciseError(f"{what} is None: did you forget to `return` it?")
    if tuple(shape) != tuple(expected_shape):
        raise ExerciseError(f"{what} has shape {tuple(shape)}, expected {tuple(expected_shape)}")


def check_close(what: str, got, expected, *, at=None, rtol=1e-6, atol=1e-8) -> None:
    """Raise ExerciseError naming the first place where ``got`` and ``expected`` differ."""
    if got is None:
        raise ExerciseError(f"{what} is None: did you forget to `return` it?")
    try:
        g = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        raise ExerciseError(f"{what} should be a number or an array, got {type(got).__name__}") from None
    e = np.asarray(expected, dtype=np.float64)
    if g.shape != e.shape:
        if g.size == e.size == 1:
            g = g.reshape(e.shape)
        else:
            raise ExerciseError(f"{what} has shape {g.shape}, expected {e.shape}")
    if not np.isfinite(g).all():
        raise ExerciseError(f"{what} contains NaN or inf: {g.ravel()[:5]}")
    bad = ~np.isclose(g, e, rtol=rtol, atol=atol)
    if bad.any():
        # report the worst point (largest error relative to the tolerance), not merely the first
        excess = np.where(bad, np.abs(g - e) / (atol + rtol * np.abs(e)), -1.0)
        idx = np.unravel_index(np.argmax(excess), g.shape) if g.ndim else ()
        where = ""
        if at is not None:
            pos = at[tuple(idx)] if np.ndim(at) else at
            where = f" at {pos}"
        elif g.ndim:
            where = f" at index {tuple(int(i) for i in idx)}"
        gv = g[tuple(idx)] if g.ndim else float(g)
        ev = e[tuple(idx)] if e.ndim else float(e)
        n_bad = int(bad.sum())
        also = f" ({n_bad} of {g.size} values are off; this is the worst)" if g.ndim and n_bad > 1 else ""
        digits = 6 if abs(gv - ev) >= 1e-5 * max(abs(ev), 1e-300) else 10
        raise ExerciseError(f"{what} is off{where}: got {gv:.{digits}g}, expected {ev:.{digits}g}{also}")


def passed(message: str) -> None:
    print(f"✓ Correct! {message}")
