"""Exercise checks for notebook 01 (the chain rule and computational graphs).

Each ``check_*`` runs your answer, compares it with a reference, and either prints one
line starting with a tick or raises :class:`~bplab.chapters._shared.feedback.ExerciseError` telling you
what is off (the worst point first, then a small table of every point that fails) and,
for the usual slips, why.

=======================  ===================================================================
``check_derivative``     exercise 1: your ``df`` against the finite-difference slope of ``f``
                         at several x (spots swapped arguments, a flipped sign, a constant
                         factor, and the classic slips for g(x) = x·exp(−x²))
``graph_exercise``       exercise 2: builds the small graph L = d·c, d = c + a, c = a·b
``check_graph_grads``    exercise 2: your hand-computed ∂L/∂a, ∂L/∂b, ∂L/∂c, ∂L/∂d
``check_sigmoid_prime``  exercise 3: your σ'(z) (spots "returned σ itself", "applied it to z", ...)
``check_neuron_grads``   exercise 4: your hand-derived gradients of one sigmoid neuron's
                         squared error (spots a dropped 2, a skipped σ', swapped (db, dw), ...)
=======================  ===================================================================
"""
from __future__ import annotations

import math
import numbers

import numpy as np

from bplab.engine import Value
from bplab.chapters._shared.feedback import (ExerciseError, as_number, call_learner,
                                              exercise_check, function_name, passed, short)

__all__ = ["ExerciseError", "check_derivative", "check_sigmoid_prime", "graph_exercise",
           "check_graph_grads", "check_neuron_grads", "neuron_loss", "NEURON_CASES"]

DEFAULT_POINTS = (-2.0, -1.0, -0.5, 0.0, 0.3, 1.0, 1.5, 2.5)
_MAX_ROWS = 8          # failing points listed in a message


# ----------------------------------------------------------------------------- helpers
def _fmt(v: float) -> str:
    return f"{v:.6g}"


def _close(got: float, expected: float, rtol: float, atol: float) -> bool:
    return abs(got - expected) <= atol + rtol * abs(expected)


def _all_close(got, ref, rtol, atol) -> bool:
    return all(_close(g, r, rtol, atol) for g, r in zip(got, ref))


def _points(points, fn: str) -> list[float]:
    try:
        pts = [float(p) for p in points]
    except (TypeError, ValueError):
        raise ValueError(f"{fn}(points=...): expected a list of numbers, got {points!r:.60}") from None
    if not pts:
        raise ValueError(f"{fn}(points=...): expected at least one point, got an empty list")
    if not all(math.isfinite(p) for p in pts):
        raise ValueError(f"{fn}(points=...): points must be finite, got {pts}")
    return pts


def _mismatch_report(var, pts, got, want, ok, got_head, want_head):
    """'off at k of n points; worst at ...' plus a small table of the failing points."""
    bad = [i for i, good in enumerate(ok) if not good]
    worst = max(bad, key=lambda i: abs(got[i] - want[i]))
    shown = sorted(sorted(bad, key=lambda i: -abs(got[i] - want[i]))[:_MAX_ROWS])
    header = (var, got_head, want_head, "error")
    rows = [(f"{pts[i]:g}", _fmt(got[i]), _fmt(want[i]), f"{abs(got[i] - want[i]):.2g}") for i in shown]
    widths = [max(len(r[k]) for r in [header, *rows]) for k in range(4)]
    lines = ["  " + "  ".join(s.rjust(w) for s, w in zip(header, widths))]
    for i, r in zip(shown, rows):
        lines.append("  " + "  ".join(s.rjust(w) for s, w in zip(r, widths))
                     + ("   ← largest error" if i == worst and len(bad) > 1 else ""))
    if len(bad) > len(shown):
        lines.append(f"  (and {len(bad) - len(shown)} more)")
    return worst, len(bad), "\n".join(lines)


# ------------------------------------------------------------ exercise 1: f'(x)
def _bump(x):
    return x * math.exp(-x * x)


# Usual slips when differentiating g(x) = x·exp(−x²) (exercise 1): (wrong df, explanation).
_BUMP_SLIPS = (
    (lambda x: math.exp(-x * x) * (1 + x),
     "you forgot the chain rule's inner derivative: (e^{−x²})' = e^{−x²}·(−2x), not e^{−x²}."),
    (lambda x: math.exp(-x * x) * (1 - x * x),
     "the inner derivative of −x² is −2x, not −x (the 2 from the power rule is missing)."),
    (lambda x: math.exp(-x * x) * (1 + 2 * x * x),
     "the inner derivative of −x² has the wrong sign: it is −2x."),
    (lambda x: -2 * x * x * math.exp(-x * x),
     "the product rule has two terms: you kept x·(e^{−x²})' but dropped (x)'·e^{−x²} = e^{−x²}."),
    (lambda x: math.exp(-x * x),
     "the product rule has two terms: you kept (x)'·e^{−x²} but dropped x·(e^{−x²})' = −2x²·e^{−x²}."),
    (lambda x: -2 * x * math.exp(-x * x),
     "that is the derivative of e^{−x²} alone; g = x·e^{−x²} is a product, so use the product rule."),
)


def _slope(f, x, h, fname):
    return (as_number(f"{fname}({x:g} + h)", call_learner(f, x + h, name=fname))
            - as_number(f"{fname}({x:g} - h)", call_learner(f, x - h, name=fname))) / (2 * h)


def _arguments_swapped(f, df, pts, h, rtol, atol) -> bool:
    """True if f looks like the derivative of df (check_derivative(dg, g) instead of (g, dg))."""
    try:
        fvals = [float(f(x)) for x in pts]
        dslopes = [(float(df(x + h)) - float(df(x - h))) / (2 * h) for x in pts]
    except Exception:                       # df may not even be smooth: then it is no swap
        return False
    return all(math.isfinite(v) for v in fvals + dslopes) and _all_close(dslopes, fvals, rtol, atol)


@exercise_check
def check_derivative(f, df, points=DEFAULT_POINTS, *, h: float = 1e-5, rtol: float = 1e-4,
                     atol: float = 1e-6) -> None:
    """Exercise 1: compare your derivative ``df(x)`` with the central difference
    (f(x+h) − f(x−h)) / 2h at every x in ``points``.

    Call it as ``check_derivative(function, derivative)``. When ``df`` is wrong the message
    names the point with the largest error, lists every failing point in a small table and,
    where it can tell, says why: swapped arguments, ``df`` returning ``f`` itself, a flipped
    sign, a constant factor, or one of the classic slips for g(x) = x·exp(−x²).
    """
    pts = _points(points, "check_derivative")
    if isinstance(h, bool) or not (isinstance(h, numbers.Real) and h > 0):
        raise ValueError(f"check_derivative(h=...): expected a small positive step, got {h!r}")
    if not callable(f):
        raise ExerciseError(f"f should be the function itself, got {type(f).__name__}; "
                            "call check_derivative(function, derivative).")
    fname, name = function_name(f, "f"), function_name(df, "df")
    slopes = [_slope(f, x, h, fname) for x in pts]
    got = [as_number(f"{name}({x:g})", call_learner(df, x, name=name)) for x in pts]
    ok = [_close(g, s, rtol, atol) for g, s in zip(got, slopes)]
    if all(ok):
        passed(f"{name} matches the finite-difference slope of {fname} at all {len(pts)} points "
               f"({', '.join(f'{p:g}' for p in pts)}).")
        return

    flipped = _all_close(got, [-s for s in slopes], rtol, atol)
    if not flipped and _arguments_swapped(f, df, pts, h, rtol, atol):
        raise ExerciseError(
            f"the arguments look swapped: {fname} is the slope of {name}, not the other way round. "
            f"Pass the function first and its derivative second: check_derivative({name}, {fname}).")
    fvals = [as_number(f"{fname}({x:g})", call_learner(f, x, name=fname)) for x in pts]
    hint = ""
    if _all_close(got, fvals, rtol, atol):
        hint = f"{name} returns {fname}'s own values, not its slope."
    elif _all_close(fvals, [_bump(x) for x in pts], 1e-9, 1e-12):
        for slip, why in _BUMP_SLIPS:
            if _all_close(got, [slip(x) for x in pts], rtol, atol):
                hint = why
                break
    if not hint and flipped:
        hint = "the right size but the wrong sign at every point."
    if not hint:
        big = [(g / s) for g, s in zip(got, slopes) if abs(s) > 1e3 * atol]
        if len(big) >= 2:
            k = float(np.median(big))
            if not _close(k, 1.0, 1e-3, 0) and _all_close(got, [k * s for s in slopes], rtol, atol):
                hint = (f"every value is {k:.4g} × the true slope: a constant factor is missing or extra "
                        "(often a chain-rule factor, like the 2 in d(x²)/dx = 2x).")
    worst, n_bad, table = _mismatch_report("x", pts, got, slopes, ok, f"{name}(x)", f"slope of {fname}")
    xw = pts[worst]
    msg = (f"your derivative is off at {n_bad} of {len(pts)} points; the largest error is at x={xw:g}: "
           f"{name}({xw:g}) = {_fmt(got[worst])}, but nudging x by ±{h:g} moves {fname} with a slope "
           f"of {_fmt(slopes[worst])}.")
    if hint:
        msg += f"\nLikely cause: {hint}"
    raise ExerciseError(msg + "\n" + table)


# ------------------------------------------------------------ exercise 3: σ'(z)
SIGMOID_POINTS = (-6.0, -2.0, -0.5, 0.0, 0.5, 2.0, 6.0)


def _sigmoid(z: float) -> float:
    """σ(z) as the engine computes it (``Value.sigmoid``), the reference for exercises 3 and 4."""
    return Value(float(z)).sigmoid().data


@exercise_check
def check_sigmoid_prime(fn, points=SIGMOID_POINTS) -> None:
    """Exercise 3: check ``fn(z)`` = dσ/dz = σ(z)(1 − σ(z)) at a few points (incl. large |z|).

    Recognises the usual slips (σ itself, the formula applied to z, a flipped sign, a square
    too many, the tanh rule 1 − σ², ...); otherwise names the point with the largest error
    and lists every failing point.
    """
    name = function_name(fn, "your σ'")
    pts = _points(points, "check_sigmoid_prime")
    got = [as_number(f"{name}({z:g})", call_learner(fn, z, name=name)) for z in pts]
    sig = [_sigmoid(z) for z in pts]
    want = [s * (1 - s) for s in sig]
    rtol, atol = 1e-6, 1e-9
    ok = [_close(g, w, rtol, atol) for g, w in zip(got, want)]
    if all(ok):
        passed(f"{name}(z) = σ(z)(1 − σ(z)) at z = {', '.join(f'{p:g}' for p in pts)}. "
               "Its largest value is σ'(0) = 0.25.")
        return
    diagnoses = [
        (sig, "you returned σ(z) itself; the derivative is σ(z)·(1 − σ(z))."),
        ([z * (1 - z) for z in pts], "you computed z·(1 − z): the formula must be applied to the "
                                     "sigmoid's output, σ(z)·(1 − σ(z)), not to z."),
        ([s * (1 + s) for s in sig], "you wrote σ(z)·(1 + σ(z)); it is σ(z)·(1 − σ(z))."),
        ([-w for w in want], "the sign is flipped: σ is increasing, so σ'(z) > 0 everywhere."),
        ([1 - s for s in sig], "you returned 1 − σ(z); multiply it by σ(z)."),
        ([s * (1 - s) ** 2 for s in sig], "you squared (1 − σ(z)); it is σ(z)·(1 − σ(z)), no square."),
        ([s * s * (1 - s) for s in sig], "you squared σ(z); it is σ(z)·(1 − σ(z)), no square."),
        ([w * w for w in want], "you squared the whole derivative; it is σ(z)·(1 − σ(z)), no square."),
        ([1 - s * s for s in sig], "1 − σ(z)² is the rule for tanh (tanh' = 1 − tanh²); "
                                   "for the sigmoid it is σ(z)·(1 − σ(z))."),
    ]
    worst, n_bad, table = _mismatch_report("z", pts, got, want, ok, f"{name}(z)", "σ'(z)")
    zw = pts[worst]
    where = (f"off at {n_bad} of {len(pts)} points; the largest error is at z={zw:g}: "
             f"got {_fmt(got[worst])}, expected {_fmt(want[worst])}.")
    for ref, msg in diagnoses:
        if _all_close(got, ref, rtol, atol):
            raise ExerciseError(f"{name}: {msg}\n(It is {where})\n{table}")
    raise ExerciseError(f"{name} is {where}\n{table}")


# ------------------------------------------- exercise 2: gradients of a small graph
_GRAPH_A, _GRAPH_B = 3.0, -2.0


def graph_exercise():
    """Build exercise 2's graph and return ``(L, nodes)``: nodes is {'a', 'b', 'c', 'd', 'L'} -> Value.

        c = a * b        d = c + a        L = d * c        with a = 3, b = -2

    ``a`` is used twice (by c and by d) and so is ``c`` (by d and by L). Backward has not
    been called: every .grad is 0 until you call ``L.backward()``.
    """
    a = Value(_GRAPH_A, label="a")
    b = Value(_GRAPH_B, label="b")
    c = a * b
    c.label = "c"
    d = c + a
    d.label = "d"
    L = d * c
    L.label = "L"
    return L, {"a": a, "b": b, "c": c, "d": d, "L": L}


def _graph_reference():
    L, nodes = graph_exercise()
    L.backward()
    return {k: v.grad for k, v in nodes.items()}


@exercise_check
def check_graph_grads(grads) -> None:
    """Exercise 2: check your hand-computed gradients {'a': ∂L/∂a, 'b': ..., 'c': ..., 'd': ...}."""
    if not isinstance(grads, dict):
        raise ExerciseError(f"pass a dict like {{'a': ..., 'b': ..., 'c': ..., 'd': ...}}, "
                            f"got {type(grads).__name__}.")
    want = _graph_reference()
    unknown = sorted(set(grads) - set(want), key=str)
    if unknown:
        raise ExerciseError(f"unknown node name(s) {unknown}: the graph's nodes are a, b, c, d and L.")
    missing = [k for k in "abcd" if k not in grads]
    if missing:
        raise ExerciseError(f"grads is missing {', '.join(repr(k) for k in missing)}: "
                            "give ∂L/∂(node) for each of a, b, c, d.")
    got = {k: as_number(f"grads[{k!r}]", v) for k, v in grads.items()}
    a, b = _GRAPH_A, _GRAPH_B
    c = a * b
    d = c + a
    if "L" in got and not _close(got["L"], 1.0, 1e-9, 1e-9):
        raise ExerciseError(f"∂L/∂L is 1 (the output moves one-for-one with itself), got {_fmt(got['L'])}.")
    # work backwards, in the order backward() would: d, then c, then a and b
    if not _close(got["d"], want["d"], 1e-6, 1e-9):
        raise ExerciseError(f"∂L/∂d is off: got {_fmt(got['d'])}, expected {_fmt(want['d'])}. "
                            "L = d·c, so ∂L/∂d is the other factor, c.")
    if not _close(got["c"], want["c"], 1e-6, 1e-9):
        direct, via_d = d, want["d"] * 1.0
        if _close(got["c"], direct, 1e-6, 1e-9) or _close(got["c"], via_d, 1e-6, 1e-9):
            raise ExerciseError(
                f"∂L/∂c = {_fmt(got['c'])} counts only one path. c reaches L twice: directly "
                f"(∂L/∂c with d held fixed is d = {_fmt(direct)}) and through d = c + a "
                f"(∂L/∂d · 1 = {_fmt(via_d)}). Gradients from different paths ADD.")
        raise ExerciseError(f"∂L/∂c is off: got {_fmt(got['c'])}, expected {_fmt(want['c'])}.")
    if not _close(got["a"], want["a"], 1e-6, 1e-9):
        via_c, via_d = want["c"] * b, want["d"] * 1.0
        if _close(got["a"], via_c, 1e-6, 1e-9) or _close(got["a"], via_d, 1e-6, 1e-9):
            raise ExerciseError(
                f"∂L/∂a = {_fmt(got['a'])} counts only one path. a is used twice: in c = a·b "
                f"(∂L/∂c · b = {_fmt(via_c)}) and in d = c + a (∂L/∂d · 1 = {_fmt(via_d)}). Add them.")
        raise ExerciseError(f"∂L/∂a is off: got {_fmt(got['a'])}, expected {_fmt(want['a'])}.")
    if not _close(got["b"], want["b"], 1e-6, 1e-9):
        hint = " Did you multiply by b instead of a? c = a·b, so ∂c/∂b = a." \
            if _close(got["b"], want["c"] * b, 1e-6, 1e-9) else ""
        raise ExerciseError(f"∂L/∂b is off: got {_fmt(got['b'])}, expected {_fmt(want['b'])}.{hint}")
    passed("all four gradients match backward(): "
           + ", ".join(f"∂L/∂{k} = {want[k]:g}" for k in "abcd") + ".")


# -------------------------------------------------- exercise 4: one neuron by hand
NEURON_CASES = (
    dict(x=[1.0, -2.0], w=[0.5, -0.3], b=0.1, y=1.0),
    dict(x=[0.5, 1.5, -1.0], w=[-1.0, 0.2, 0.4], b=-0.3, y=0.0),
    dict(x=[2.0], w=[0.7], b=0.5, y=1.0),
)


def neuron_loss(x, w, b, y):
    """The reference, with Value: returns (L, [∂L/∂w_i], ∂L/∂b) for L = (σ(w·x + b) − y)²."""
    ws = [Value(float(wi)) for wi in w]
    bv = Value(float(b))
    z = bv
    for xi, wi in zip(x, ws):
        z = z + wi * float(xi)
    L = (z.sigmoid() - float(y)) ** 2
    L.backward()
    return L.data, [wi.grad for wi in ws], bv.grad


def _is_sequence(v) -> bool:
    return isinstance(v, (list, tuple, np.ndarray)) and np.ndim(v) >= 1


def _check_neuron_case(fn, name, case, where):
    x, w, b, y = case["x"], case["w"], case["b"], case["y"]
    out = call_learner(fn, list(x), list(w), b, y, name=name)
    if out is None:
        raise ExerciseError(f"{name} returned None: did you forget to `return dw, db`?")
    if not (isinstance(out, (tuple, list)) and len(out) == 2):
        raise ExerciseError(f"{name} should return a pair (dw, db), got {type(out).__name__} {short(out)}.")
    dw, db = out
    if dw is None:
        raise ExerciseError("dw is None: did you forget to `return` it?")
    if not _is_sequence(dw) and _is_sequence(db):
        raise ExerciseError(f"{name} returned (db, dw) = {short(out)}: the order is swapped. "
                            "Return the weights' gradients first: `return dw, db`.")
    if not _is_sequence(dw) and len(w) > 1:
        raise ExerciseError(f"{name} should return a pair (dw, db) with dw a list of {len(w)} numbers, "
                            f"got {short(out)}: did you return only dw?")
    try:
        dw = [float(v) for v in np.asarray(dw, dtype=float).ravel()]
    except (TypeError, ValueError):
        raise ExerciseError(f"dw should be a list of numbers, got {type(dw).__name__} {short(dw)}.") from None
    if len(dw) != len(w):
        raise ExerciseError(f"dw has {len(dw)} entr{'y' if len(dw) == 1 else 'ies'}, "
                            f"expected {len(w)}: one per weight.")
    db = as_number("db", db)
    _, want_dw, want_db = neuron_loss(x, w, b, y)
    z = sum(xi * wi for xi, wi in zip(x, w)) + b
    a = _sigmoid(z)
    slope = a * (1 - a)
    got_all, want_all = dw + [db], want_dw + [want_db]
    rtol, atol = 1e-6, 1e-9
    if _all_close(got_all, want_all, rtol, atol):
        return

    def ratio_is(r):
        return _all_close(got_all, [e * r for e in want_all], rtol, atol)

    if ratio_is(0.5):
        raise ExerciseError(f"{where} every gradient is half the right size: you dropped the 2 "
                            "in ∂L/∂a = 2(a − y).")
    if ratio_is(-1.0):
        raise ExerciseError(f"{where} every gradient has the wrong sign: ∂L/∂a = 2(a − y), not 2(y − a).")
    if ratio_is(1 / slope):
        raise ExerciseError(f"{where} you skipped the sigmoid's own derivative: multiply by "
                            f"∂a/∂z = a(1 − a) = {slope:.6g}.")
    if len(w) == 1 and _close(dw[0], want_db, rtol, atol) and _close(db, want_dw[0], rtol, atol):
        raise ExerciseError(f"{where} dw and db are swapped: return the weights' gradients first, "
                            "`return dw, db`.")
    if _close(db, want_db, rtol, atol) and any(not _close(g, e, rtol, atol) for g, e in zip(dw, want_dw)):
        if _all_close(dw, [want_db * wi for wi in w], rtol, atol):
            raise ExerciseError(f"{where} dw uses the weights: ∂z/∂w_i is the input x_i "
                                "(z = w·x + b), so ∂L/∂w_i = ∂L/∂z · x_i.")
        if _all_close(dw, [want_db] * len(w), rtol, atol):
            raise ExerciseError(f"{where} every ∂L/∂w_i equals ∂L/∂z: multiply by the input, "
                                "∂L/∂w_i = ∂L/∂z · x_i.")
    bad = [i for i, (g, e) in enumerate(zip(dw, want_dw)) if not _close(g, e, rtol, atol)]
    if len(bad) == 1:
        i = bad[0]
        raise ExerciseError(f"{where} ∂L/∂w[{i}] is off: got {_fmt(dw[i])}, expected {_fmt(want_dw[i])}.")
    if bad:
        raise ExerciseError(f"{where} ∂L/∂w is off at indices {bad}: got {short(dw)}, "
                            f"expected {short(want_dw)}.")
    raise ExerciseError(f"{where} ∂L/∂b is off: got {_fmt(db)}, expected {_fmt(want_db)} "
                        "(∂z/∂b = 1, so ∂L/∂b = ∂L/∂z).")


@exercise_check
def check_neuron_grads(fn) -> None:
    """Exercise 4: check ``fn(x, w, b, y) -> (dw, db)``, the gradient of L = (σ(w·x + b) − y)².

    ``x`` and ``w`` are lists of floats of equal length, ``b`` and ``y`` floats; return
    ``dw`` as a list (or array) with one entry per weight and ``db`` as a number.
    """
    name = function_name(fn, "your function")
    for case in NEURON_CASES:
        where = "for x={x}, w={w}, b={b}, y={y}:".format(**case)
        try:
            _check_neuron_case(fn, name, case, where)
        except ExerciseError as e:
            if str(e).startswith("for x=") or "not written yet" in str(e):
                raise
            raise ExerciseError(f"{where} {e}") from None
    passed(f"{name} agrees with backward() on all {len(NEURON_CASES)} neurons "
           f"({', '.join(str(len(c['w'])) for c in NEURON_CASES)} weights).")
