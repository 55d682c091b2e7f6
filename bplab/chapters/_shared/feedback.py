"""Shared helpers for exercise checks: compare, explain, and congratulate.

Every exercise in the course has the same three cells: the learner's stub (a docstring and
``raise NotImplementedError``), a check, and a collapsed worked solution followed by the same
check. A check is written as a plain function that raises :class:`ExerciseError` naming the
slip and calls :func:`passed` when all is right; :func:`exercise_check` turns it into what the
notebook calls, which never raises:

* ``… my_fn is not written yet: ...`` while the stub is untouched,
* ``✗ dW has shape (3, 4), expected (4, 3): ...`` for a slip, naming it,
* ``✓ Correct! ...`` when it is right.

The raising form stays available as ``check.strict`` (tests use it).
"""
from __future__ import annotations

import functools
import math
import numbers

import numpy as np

from bplab.engine import Value

__all__ = ["ExerciseError", "NotWrittenYet", "exercise_check", "yours_or_ours", "as_array", "as_number", "check_close", "check_shape", "call_learner",
           "function_name", "passed", "same", "short", "spy_on"]


class ExerciseError(AssertionError):
    """Raised when a learner's answer is wrong; the message says what and where."""


class NotWrittenYet(ExerciseError):
    """The learner's function still raises NotImplementedError."""


def exercise_check(verify):
    """Make a notebook check out of ``verify`` (which raises ExerciseError or calls passed()):
    it prints one line and never raises (it returns nothing, so a notebook shows only that
    line). ``check.strict`` is ``verify`` itself, and ``check.passes(...)`` says quietly
    whether an answer is right."""
    @functools.wraps(verify)
    def check(*args, **kwargs):
        try:
            verify(*args, **kwargs)
        except NotWrittenYet as e:
            print(f"… {e}")
        except ExerciseError as e:
            print(f"✗ {e}")

    def passes(*args, **kwargs) -> bool:
        import contextlib
        import io

        with contextlib.redirect_stdout(io.StringIO()):
            try:
                verify(*args, **kwargs)
            except ExerciseError:
                return False
        return True

    check.strict = verify
    check.passes = passes
    return check


def yours_or_ours(fn, ours, check, label: str):
    """The learner's ``fn`` if it passes ``check`` (quietly), else bplab's ``ours``, saying which,
    so that the rest of a chapter runs whether or not an exercise is done yet."""
    ok = check.passes(fn)
    print(f"{label}: using {'your' if ok else 'bplab’s'} version"
          + ("" if ok else " (yours is not finished yet)"))
    return fn if ok else ours


def spy_on(model, methods, name: str, loss_call: str) -> list:
    """Record which of bplab's ready-made gradients the learner's code asks ``model`` for.

    Each of ``methods`` on ``model`` is wrapped to append ``"name.method"`` to the returned
    list when called; ``"loss_fn"`` is recorded (as ``loss_call``) only when its gradient is
    asked for, since the loss value alone is fair to use."""
    used = []
    for method in methods:
        original = getattr(model, method)
        if method == "loss_fn":
            def spy(out, y, *, grad=True, _original=original):
                if grad:
                    used.append(loss_call)
                return _original(out, y, grad=grad)
        else:
            def spy(*args, _original=original, _method=method, **kwargs):
                used.append(f"{name}.{_method}")
                return _original(*args, **kwargs)
        setattr(model, method, spy)
    return used


def call_learner(fn, *args, name=None):
    """Call the learner's function, turning a crash into a helpful message."""
    name = name or getattr(fn, "__name__", "your function")
    if not callable(fn):
        raise ExerciseError(f"expected a function, got {type(fn).__name__}: pass the function itself, "
                            f"without calling it (e.g. check(my_fn), not check(my_fn()))")
    try:
        return fn(*args)
    except NotImplementedError:
        raise NotWrittenYet(f"{name} is not written yet: replace `raise NotImplementedError` "
                            "with your code, then run its cell and this one again") from None
    except Exception as e:
        raise ExerciseError(f"{name} raised {type(e).__name__}: {e}") from e


def function_name(fn, default: str) -> str:
    """The learner's function name for messages; ``default`` (the notebook's name for it) for
    lambdas, partials and other nameless callables, so no message says "<lambda>"."""
    name = getattr(fn, "__name__", None)
    return name if isinstance(name, str) and name.isidentifier() else default


def short(v) -> str:
    """A compact, rounded rendering of what a learner returned (never cut mid-number)."""
    if isinstance(v, np.ndarray):
        v = v.tolist()
    if isinstance(v, (list, tuple)):
        items = [short(x) for x in v[:6]] + (["…"] if len(v) > 6 else [])
        body = ", ".join(items)
        return f"({body})" if isinstance(v, tuple) else f"[{body}]"
    if isinstance(v, (numbers.Real, np.floating, np.integer)) and not isinstance(v, bool):
        return f"{float(v):.4g}"
    r = repr(v)
    return r if len(r) <= 30 else r[:27] + "..."


def as_number(what: str, v, *, array_hint: str = "") -> float:
    """The learner's answer as one finite float (a one-element array counts as its number), or
    an ExerciseError saying what it was instead; ``array_hint`` is added when it was an array."""
    if v is None:
        raise ExerciseError(f"{what} is None: did you forget to `return` it?")
    if isinstance(v, Value):
        raise ExerciseError(f"{what} is a Value; return a plain number (use .data or .grad).")
    if isinstance(v, np.ndarray) and v.size == 1:
        v = v.reshape(()).item()
    if isinstance(v, np.ndarray):
        raise ExerciseError(f"{what} should be a single number, got an array of shape {v.shape}"
                            + (f": {array_hint}." if array_hint else "."))
    if isinstance(v, bool) or not isinstance(v, (numbers.Real, np.floating, np.integer)):
        raise ExerciseError(f"{what} should be a number, got {type(v).__name__} {short(v)}.")
    v = float(v)
    if not math.isfinite(v):
        raise ExerciseError(f"{what} is {v}: expected a finite number.")
    return v


def same(a, b, *, rtol=1e-7, atol=1e-10) -> bool:
    """Same shape and equal within the tolerances (for spotting which slip a learner made)."""
    return np.shape(a) == np.shape(b) and bool(np.allclose(a, b, rtol=rtol, atol=atol))


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
