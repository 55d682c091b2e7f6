"""Exercise checks for notebook 01 (the chain rule and computational graphs).

Each ``check_*`` runs your answer, compares it with a reference, and either prints one
line starting with a tick or raises :class:`~bplab.exercises.ExerciseError` telling you
exactly what is off and, for the usual slips, why.

=======================  ===================================================================
``check_derivative``     your ``df`` against the finite-difference slope of ``f`` at several x
``check_sigmoid_prime``  your sigma'(x) (spots "returned sigma itself", "applied it to x", ...)
``graph_exercise``       builds the small graph of exercise 3 (L = d*c, d = c + a, c = a*b)
``check_graph_grads``    your hand-computed dL/da, dL/db, dL/dc, dL/dd for that graph
``check_neuron_grads``   your hand-derived gradients of one sigmoid neuron's squared error
=======================  ===================================================================
"""
from __future__ import annotations

import math
import numbers

import numpy as np

from ..engine import Value, _sigmoid
from ._feedback import ExerciseError, call_learner, passed

__all__ = ["ExerciseError", "check_derivative", "check_sigmoid_prime", "graph_exercise",
           "check_graph_grads", "check_neuron_grads", "neuron_loss", "NEURON_CASES"]

DEFAULT_POINTS = (-2.0, -1.0, -0.5, 0.0, 0.3, 1.0, 1.5, 2.5)


def _fmt(v: float) -> str:
    return f"{v:.6g}"


def _as_number(what: str, v) -> float:
    if v is None:
        raise ExerciseError(f"{what} is None: did you forget to `return` it?")
    if isinstance(v, Value):
        raise ExerciseError(f"{what} is a Value; return a plain number (use .data or .grad)")
    if isinstance(v, bool) or not isinstance(v, (numbers.Real, np.floating, np.integer)):
        if isinstance(v, np.ndarray) and v.size == 1:
            v = v.item()
        else:
            raise ExerciseError(f"{what} should be a number, got {type(v).__name__} {v!r:.40}")
    v = float(v)
    if not math.isfinite(v):
        raise ExerciseError(f"{what} is {v}: expected a finite number")
    return v


def _close(got: float, expected: float, rtol: float, atol: float) -> bool:
    return abs(got - expected) <= atol + rtol * abs(expected)


# ------------------------------------------------------------------ exercise: f'(x)
def check_derivative(f, df, points=DEFAULT_POINTS, *, h: float = 1e-5, rtol: float = 1e-4,
                     atol: float = 1e-6) -> None:
    """Compare your derivative ``df(x)`` with the central difference (f(x+h) - f(x-h)) / 2h.

    Checked at every x in ``points``; the message names the first x where they disagree.
    """
    try:
        pts = [float(p) for p in points]
    except (TypeError, ValueError):
        raise ValueError(f"check_derivative(points=...): expected a list of numbers, got {points!r:.60}") from None
    if not pts:
        raise ValueError("check_derivative(points=...): expected at least one point, got an empty list")
    if not all(math.isfinite(p) for p in pts):
        raise ValueError(f"check_derivative(points=...): points must be finite, got {pts}")
    if not (isinstance(h, numbers.Real) and h > 0):
        raise ValueError(f"check_derivative(h=...): expected a small positive step, got {h!r}")
    name = getattr(df, "__name__", "df")
    if not callable(f):
        raise ExerciseError(f"f should be the function itself, got {type(f).__name__}")
    fname = getattr(f, "__name__", "f")
    if fname == "<lambda>":
        fname = "f"
    for x in pts:
        slope = (_as_number(f"{fname}({x:g} + h)", call_learner(f, x + h, name=fname))
                 - _as_number(f"{fname}({x:g} - h)", call_learner(f, x - h, name=fname))) / (2 * h)
        got = _as_number(f"{name}({x:g})", call_learner(df, x, name=name))
        if not _close(got, slope, rtol, atol):
            sign = ""
            if _close(-got, slope, rtol, atol):
                sign = " (the right size but the wrong sign)"
            raise ExerciseError(
                f"your derivative is off at x={x:g}: {name}({x:g}) = {_fmt(got)}, but nudging x by "
                f"±{h:g} moves {fname} with a slope of {_fmt(slope)}{sign}")
    passed(f"{name} matches the finite-difference slope of {fname} at all {len(pts)} points "
           f"({', '.join(f'{p:g}' for p in pts)}).")


# ------------------------------------------------------------- exercise: sigma'(x)
SIGMOID_POINTS = (-6.0, -2.0, -0.5, 0.0, 0.5, 2.0, 6.0)


def check_sigmoid_prime(fn, points=SIGMOID_POINTS) -> None:
    """Check ``fn(x)`` = d sigma / dx = sigma(x) (1 - sigma(x)) at a few points (incl. large |x|)."""
    name = getattr(fn, "__name__", "your function")
    try:
        pts = [float(p) for p in points]
    except (TypeError, ValueError):
        raise ValueError(f"check_sigmoid_prime(points=...): expected a list of numbers, got {points!r:.60}") from None
    if not pts:
        raise ValueError("check_sigmoid_prime(points=...): expected at least one point")
    got = [_as_number(f"{name}({x:g})", call_learner(fn, x, name=name)) for x in pts]
    want = [_sigmoid(x) * (1 - _sigmoid(x)) for x in pts]

    def all_match(ref):
        return all(_close(g, r, 1e-6, 1e-9) for g, r in zip(got, ref))

    if all_match(want):
        passed(f"{name}(x) = σ(x)(1 − σ(x)) at x = {', '.join(f'{p:g}' for p in pts)}. "
               "Its largest value is σ'(0) = 0.25.")
        return
    diagnoses = [
        ([_sigmoid(x) for x in pts], "you returned σ(x) itself; the derivative is σ(x)·(1 − σ(x))"),
        ([x * (1 - x) for x in pts], "you computed x·(1 − x): the formula must be applied to the "
                                     "sigmoid's output, σ(x)·(1 − σ(x)), not to x"),
        ([_sigmoid(x) * (1 + _sigmoid(x)) for x in pts], "you wrote σ(x)·(1 + σ(x)); it is σ(x)·(1 − σ(x))"),
        ([-w for w in want], "the sign is flipped: σ is increasing, so σ'(x) > 0 everywhere"),
        ([1 - _sigmoid(x) for x in pts], "you returned 1 − σ(x); multiply it by σ(x)"),
    ]
    for ref, msg in diagnoses:
        if all_match(ref):
            raise ExerciseError(f"{name}: {msg}")
    for x, g, w in zip(pts, got, want):
        if not _close(g, w, 1e-6, 1e-9):
            raise ExerciseError(f"your sigmoid' is off at x={x:g}: got {_fmt(g)}, expected {_fmt(w)}")


# --------------------------------------------------- exercise: grads of a small graph
_GRAPH_A, _GRAPH_B = 3.0, -2.0


def graph_exercise():
    """Build exercise 3's graph and return ``(L, nodes)``: nodes is {'a', 'b', 'c', 'd', 'L'} -> Value.

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


def check_graph_grads(grads) -> None:
    """Check your hand-computed gradients {'a': dL/da, 'b': ..., 'c': ..., 'd': ...} for exercise 3."""
    if not isinstance(grads, dict):
        raise ExerciseError(f"pass a dict like {{'a': ..., 'b': ..., 'c': ..., 'd': ...}}, "
                            f"got {type(grads).__name__}")
    want = _graph_reference()
    unknown = sorted(set(grads) - set(want), key=str)
    if unknown:
        raise ExerciseError(f"unknown node name(s) {unknown}: the graph's nodes are a, b, c, d and L")
    missing = [k for k in "abcd" if k not in grads]
    if missing:
        raise ExerciseError(f"grads is missing {', '.join(repr(k) for k in missing)}: "
                            "give dL/d(node) for each of a, b, c, d")
    got = {k: _as_number(f"grads[{k!r}]", v) for k, v in grads.items()}
    a, b = _GRAPH_A, _GRAPH_B
    c = a * b
    d = c + a
    if "L" in got and not _close(got["L"], 1.0, 1e-9, 1e-9):
        raise ExerciseError(f"dL/dL is 1 (the output moves one-for-one with itself), got {_fmt(got['L'])}")
    # work backwards, in the order backward() would: d, then c, then a and b
    if not _close(got["d"], want["d"], 1e-6, 1e-9):
        raise ExerciseError(f"dL/dd is off: got {_fmt(got['d'])}, expected {_fmt(want['d'])}. "
                            "L = d·c, so dL/dd is the other factor, c")
    if not _close(got["c"], want["c"], 1e-6, 1e-9):
        direct, via_d = d, want["d"] * 1.0
        if _close(got["c"], direct, 1e-6, 1e-9) or _close(got["c"], via_d, 1e-6, 1e-9):
            raise ExerciseError(
                f"dL/dc = {_fmt(got['c'])} counts only one path. c reaches L twice: directly "
                f"(L = d·c gives d = {_fmt(direct)}) and through d = c + a (dL/dd · 1 = {_fmt(via_d)}). "
                "Gradients from different paths ADD")
        raise ExerciseError(f"dL/dc is off: got {_fmt(got['c'])}, expected {_fmt(want['c'])}")
    if not _close(got["a"], want["a"], 1e-6, 1e-9):
        via_c, via_d = want["c"] * b, want["d"] * 1.0
        if _close(got["a"], via_c, 1e-6, 1e-9) or _close(got["a"], via_d, 1e-6, 1e-9):
            raise ExerciseError(
                f"dL/da = {_fmt(got['a'])} counts only one path. a is used twice: in c = a·b "
                f"(dL/dc · b = {_fmt(via_c)}) and in d = c + a (dL/dd · 1 = {_fmt(via_d)}). Add them")
        raise ExerciseError(f"dL/da is off: got {_fmt(got['a'])}, expected {_fmt(want['a'])}")
    if not _close(got["b"], want["b"], 1e-6, 1e-9):
        hint = " (did you multiply by b instead of a? c = a·b, so dc/db = a)" \
            if _close(got["b"], want["c"] * b, 1e-6, 1e-9) else ""
        raise ExerciseError(f"dL/db is off: got {_fmt(got['b'])}, expected {_fmt(want['b'])}{hint}")
    passed("all four gradients match backward(): "
           + ", ".join(f"dL/d{k} = {want[k]:g}" for k in "abcd") + ".")


# ------------------------------------------------------- exercise: one neuron by hand
NEURON_CASES = (
    dict(x=[1.0, -2.0], w=[0.5, -0.3], b=0.1, y=1.0),
    dict(x=[0.5, 1.5, -1.0], w=[-1.0, 0.2, 0.4], b=-0.3, y=0.0),
    dict(x=[2.0], w=[0.7], b=0.5, y=1.0),
)


def neuron_loss(x, w, b, y):
    """The reference, with Value: returns (L, [dL/dw_i], dL/db) for L = (sigmoid(w.x + b) - y)^2."""
    ws = [Value(float(wi)) for wi in w]
    bv = Value(float(b))
    z = bv
    for xi, wi in zip(x, ws):
        z = z + wi * float(xi)
    L = (z.sigmoid() - float(y)) ** 2
    L.backward()
    return L.data, [wi.grad for wi in ws], bv.grad


def _check_neuron_case(fn, name, case, where):
    x, w, b, y = case["x"], case["w"], case["b"], case["y"]
    out = call_learner(fn, list(x), list(w), b, y, name=name)
    if not (isinstance(out, (tuple, list)) and len(out) == 2):
        raise ExerciseError(f"{name} should return a pair (dw, db), got {type(out).__name__} {out!r:.60}")
    dw, db = out
    if dw is None:
        raise ExerciseError("dw is None: did you forget to `return` it?")
    if np.ndim(dw) == 0 and len(w) > 1:
        raise ExerciseError(f"{name} should return a pair (dw, db) with dw a list of {len(w)} numbers, "
                            f"got {out!r:.60}: did you return only dw?")
    try:
        dw = [float(v) for v in np.asarray(dw, dtype=float).ravel()]
    except (TypeError, ValueError):
        raise ExerciseError(f"dw should be a list of numbers, got {type(dw).__name__} {dw!r:.60}") from None
    if len(dw) != len(w):
        raise ExerciseError(f"dw has {len(dw)} entr{'y' if len(dw) == 1 else 'ies'}, "
                            f"expected {len(w)}: one per weight")
    db = _as_number("db", db)
    _, want_dw, want_db = neuron_loss(x, w, b, y)
    z = sum(xi * wi for xi, wi in zip(x, w)) + b
    a = _sigmoid(z)
    slope = a * (1 - a)
    got_all, want_all = dw + [db], want_dw + [want_db]
    if all(_close(g, e, 1e-6, 1e-9) for g, e in zip(got_all, want_all)):
        return

    def ratio_is(r):
        return all(_close(g, e * r, 1e-6, 1e-9) for g, e in zip(got_all, want_all))

    if ratio_is(0.5):
        raise ExerciseError(f"{where} every gradient is half the right size: you dropped the 2 "
                            "in dL/da = 2(a − y)")
    if ratio_is(-1.0):
        raise ExerciseError(f"{where} every gradient has the wrong sign: dL/da = 2(a − y), not 2(y − a)")
    if ratio_is(1 / slope):
        raise ExerciseError(f"{where} you skipped the sigmoid's own derivative: multiply by "
                            f"da/dz = a(1 − a) = {slope:.6g}")
    if _close(db, want_db, 1e-6, 1e-9) and all(
            _close(g, want_db * wi, 1e-6, 1e-9) for g, wi in zip(dw, w)) and any(
            not _close(g, e, 1e-6, 1e-9) for g, e in zip(dw, want_dw)):
        raise ExerciseError(f"{where} dw uses the weights: dz/dw_i is the input x_i "
                            "(z = w·x + b), so dL/dw_i = dL/dz · x_i")
    for i, (g, e) in enumerate(zip(dw, want_dw)):
        if not _close(g, e, 1e-6, 1e-9):
            raise ExerciseError(f"{where} dL/dw[{i}] is off: got {_fmt(g)}, expected {_fmt(e)}")
    raise ExerciseError(f"{where} dL/db is off: got {_fmt(db)}, expected {_fmt(want_db)} "
                        "(dz/db = 1, so dL/db = dL/dz)")


def check_neuron_grads(fn) -> None:
    """Check ``fn(x, w, b, y) -> (dw, db)``: the gradient of L = (sigmoid(w.x + b) - y)^2.

    ``x`` and ``w`` are lists of floats of equal length, ``b`` and ``y`` floats; return
    ``dw`` as a list (or array) with one entry per weight and ``db`` as a number.
    """
    name = getattr(fn, "__name__", "your function")
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
