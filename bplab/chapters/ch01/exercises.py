"""Exercise checks for notebook 01 (the chain rule and computational graphs).

Each ``check_*`` runs your answer and prints one line: ``… not written yet`` while your cell
still raises NotImplementedError, ``✗ <what is off>`` (naming the usual slip when it
recognises one; the derivative checks add a small table of the failing points), or
``✓ Correct! ...``. ``check_x.strict`` is the same check raising
:class:`~bplab.chapters._shared.feedback.ExerciseError` instead (the tests use it).

========================  ==================================================================
``check_derivative``      exercise 1.1: your ``df`` against the finite-difference slope of ``f``
                          at several x (spots swapped arguments, a flipped sign, a constant
                          factor, and the classic slips for g(x) = x·exp(−x²))
``graph_exercise``        exercise 1.2: builds the small graph L = d·c, d = c + a, c = a·b
``check_graph_grads``     exercise 1.2: your hand-computed ∂L/∂a, ∂L/∂b, ∂L/∂c, ∂L/∂d
``check_mul_backward``    exercise 1.3: your ``my_mul(a, b)``, multiplication with its
                          ``_backward`` (spots overwriting instead of accumulating, a forgotten
                          out.grad, out.data for out.grad, swapped partials, a minus sign)
``check_backward_walk``   exercise 1.4: your ``my_backward(root)``, the whole walk (spots grads
                          not zeroed, the order not reversed, a shared node visited twice,
                          root.grad not set to 1, a leaf's None _backward called)
``check_sigmoid_prime``   exercise 1.5: your σ'(z) (spots "returned σ itself", "applied it to z", ...)
``check_neuron_grads``    exercise 1.6: your hand-derived gradients of one sigmoid neuron's
                          squared error (spots a dropped 2, a skipped σ', swapped (db, dw), ...)
========================  ==================================================================
"""
from __future__ import annotations

import math
import numbers

import numpy as np

from bplab.engine import Value
from bplab.chapters._shared.feedback import (ExerciseError, as_number, call_learner,
                                              exercise_check, function_name, passed, short)

__all__ = ["ExerciseError", "check_derivative", "check_sigmoid_prime", "graph_exercise",
           "check_graph_grads", "check_mul_backward", "check_backward_walk", "check_neuron_grads",
           "neuron_loss", "NEURON_CASES", "MUL_GRAPHS", "WALK_GRAPHS"]

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


# ---------------------------------------------------------- exercise 1.1: f'(x)
def _bump(x):
    return x * math.exp(-x * x)


# Usual slips when differentiating g(x) = x·exp(−x²) (exercise 1.1): (wrong df, explanation).
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
    """Exercise 1.1: compare your derivative ``df(x)`` with the central difference
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


# ---------------------------------------------------------- exercise 1.5: σ'(z)
SIGMOID_POINTS = (-6.0, -2.0, -0.5, 0.0, 0.5, 2.0, 6.0)


def _sigmoid(z: float) -> float:
    """σ(z) as the engine computes it (``Value.sigmoid``), the reference for exercises 1.5 and 1.6."""
    return Value(float(z)).sigmoid().data


@exercise_check
def check_sigmoid_prime(fn, points=SIGMOID_POINTS) -> None:
    """Exercise 1.5: check ``fn(z)`` = dσ/dz = σ(z)(1 − σ(z)) at a few points (incl. large |z|).

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


# ----------------------------------------- exercise 1.2: gradients of a small graph
_GRAPH_A, _GRAPH_B = 3.0, -2.0


def graph_exercise():
    """Build exercise 1.2's graph and return ``(L, nodes)``: nodes is {'a', 'b', 'c', 'd', 'L'} -> Value.

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
    """Exercise 1.2: check your hand-computed gradients {'a': ∂L/∂a, 'b': ..., 'c': ..., 'd': ...}.

    ``grads`` is that dict, or a function of no arguments that returns it (the notebook's
    ``my_graph_grads``)."""
    if callable(grads):
        name = function_name(grads, "my_graph_grads")
        grads = call_learner(grads, name=name)
        if grads is None:
            raise ExerciseError(f"{name} returned None: did you forget to `return` the dict?")
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
                f"(the local derivative of L = d·c with respect to c is d = {_fmt(direct)}) and through d = c + a "
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


# ------------------------------------------------ exercise 1.6: one neuron by hand
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
    """Exercise 1.6: check ``fn(x, w, b, y) -> (dw, db)``, the gradient of L = (σ(w·x + b) − y)².

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


# ----------------------------------------- exercise 1.3: one operation's local backward
# The probe: out = a·b with a = 2, b = -3; the gradient arriving from above is out.grad = 1.5,
# and other paths have already sent a.grad = 0.25, b.grad = -0.5 (so overwriting shows).
_PROBE_A, _PROBE_B, _PROBE_GRAD = 2.0, -3.0, 1.5
_PROBE_PRIOR = (0.25, -0.5)

#: every way the rule ``a.grad += b.data * out.grad`` (and b's mirror image) can be slipped:
#: which local derivative (the other input's value, right; or the input's own, swapped), which
#: factor from above (out.grad, right; none; or out.data) and how it is stored (+=, =, -=)
_MUL_RULES = tuple((local, factor, store) for local in ("right", "swapped")
                   for factor in ("grad", "none", "data") for store in ("add", "set", "sub"))
_MUL_RIGHT = ("right", "grad", "add")


def _probe_result(local, factor, store):
    """(a.grad, b.grad) after out._backward() on the probe, for one way of writing the rule."""
    a, b = _PROBE_A, _PROBE_B
    f = {"grad": _PROBE_GRAD, "none": 1.0, "data": a * b}[factor]
    la, lb = (b, a) if local == "right" else (a, b)
    pa, pb = _PROBE_PRIOR
    if store == "add":
        return pa + la * f, pb + lb * f
    if store == "sub":
        return pa - la * f, pb - lb * f
    return la * f, lb * f


def _square_graph(mul, v):
    x = Value(v["x"], label="x")
    return mul(x, x), {"x": x}


def _scaled_graph(mul, v):
    a, b = Value(v["a"], label="a"), Value(v["b"], label="b")
    return mul(a, b) * 2.5, {"a": a, "b": b}


def _exercise_graph(mul, v):
    a, b = Value(v["a"], label="a"), Value(v["b"], label="b")
    c = mul(a, b)
    d = c + a
    return mul(d, c), {"a": a, "b": b}


#: the graphs my_mul is tried on: (description, build(mul, values) -> (L, inputs), values)
MUL_GRAPHS = (
    ("L = x·x at x = 3", _square_graph, {"x": 3.0}),
    ("L = 2.5·(a·b) at a = 2, b = -3", _scaled_graph, {"a": 2.0, "b": -3.0}),
    ("exercise 1.2's graph (c = a·b, d = c + a, L = d·c at a = 3, b = -2)", _exercise_graph,
     {"a": 3.0, "b": -2.0}),
)


def _numeric_grads(build, values, h=1e-6):
    """Central differences of L with respect to each input, computed with bplab's own Value."""
    out = {}
    for k in values:
        up, down = dict(values), dict(values)
        up[k] += h
        down[k] -= h
        out[k] = (build(Value.__mul__, up)[0].data - build(Value.__mul__, down)[0].data) / (2 * h)
    return out


def _graph_grads_with(mul, build, values, name):
    """{input: dL/dinput} for the graph built with ``mul`` and walked by Value.backward."""
    L, inputs = build(lambda a, b: call_learner(mul, a, b, name=name), values)
    try:
        L.backward()
    except ExerciseError:
        raise
    except Exception as e:
        raise ExerciseError(f"{name}'s out._backward raised {type(e).__name__}: {e}") from e
    got = {}
    for k, v in inputs.items():
        if isinstance(v.grad, Value):
            raise ExerciseError(f"{k}.grad became a Value: add numbers, e.g. a.grad += b.data * out.grad "
                                "(b.data, not b).")
        got[k] = as_number(f"{k}.grad", v.grad)
    return got


def _mul_slip_texts(rule, evidence):
    local, factor, store = rule
    texts = []
    if store == "set":
        x = evidence.get("x")
        seen = (f" On L = x·x at x = 3, a and b are the same node, and your x.grad is {_fmt(x)} where "
                "dL/dx = 2x = 6." if x is not None else "")
        texts.append("overwriting instead of accumulating (a.grad = … replaces what other paths already "
                     f"sent).{seen} Gradients add over paths: write a.grad += … and b.grad += …")
    if store == "sub":
        texts.append("a minus sign: the chain rule adds each path's share, a.grad += …, not -=")
    if factor == "none":
        a = evidence.get("a")
        seen = (f" On L = 2.5·(a·b) at a = 2, b = -3 the product's out.grad is 2.5 and your a.grad is "
                f"{_fmt(a)} where dL/da = 2.5·b = -7.5." if a is not None else "")
        texts.append("a forgotten out.grad factor: by the chain rule each input gets its local "
                     f"derivative times the gradient arriving from above, a.grad += b.data * out.grad.{seen}")
    if factor == "data":
        texts.append("out.data where the chain rule needs out.grad: multiply by the gradient arriving "
                     "from above (out.grad), not by the product's value (out.data)")
    if local == "swapped":
        texts.append("swapped partials (a.grad += a.data * …): the derivative of a·b with respect to a "
                     "is the other factor, b, so a.grad += b.data * out.grad and b.grad += a.data * out.grad")
    return texts


@exercise_check
def check_mul_backward(fn) -> None:
    """Exercise 1.3: check ``fn(a, b)``, multiplication written in the Value style.

    ``fn`` returns ``out = Value(a.data * b.data, _parents=(a, b), _op="*")`` with an
    ``out._backward`` that adds ``b.data * out.grad`` to ``a.grad`` and ``a.data * out.grad``
    to ``b.grad``. The check calls ``out._backward()`` once by hand (with out.grad = 1.5 and
    gradients already waiting in a and b from other paths), then uses ``fn`` in three graphs
    walked by ``Value.backward`` (x·x; a·b inside a chain; exercise 1.2's graph with shared
    nodes) and compares with ``Value.__mul__`` and with finite differences. It names the usual
    slips: overwriting instead of accumulating, a forgotten out.grad factor, out.data instead of
    out.grad, swapped partials, a minus sign, and any mix of them.
    """
    name = function_name(fn, "my_mul")
    a, b = Value(_PROBE_A, label="a"), Value(_PROBE_B, label="b")
    out = call_learner(fn, a, b, name=name)
    if out is None:
        raise ExerciseError(f"{name} returned None: did you forget to `return out`?")
    if not isinstance(out, Value):
        raise ExerciseError(f"{name} should return a Value, out = Value(a.data * b.data, _parents=(a, b), "
                            f"_op='*'), got {type(out).__name__} {short(out)}.")
    if out is a or out is b:
        raise ExerciseError(f"{name} returned one of its inputs: make a new Value for the product, "
                            "out = Value(a.data * b.data, _parents=(a, b), _op='*').")
    if not _close(out.data, _PROBE_A * _PROBE_B, 1e-12, 1e-12):
        raise ExerciseError(f"{name}(a, b) at a = 2, b = -3 has out.data = {_fmt(out.data)}; expected "
                            "a.data * b.data = -6.")
    if a.grad != 0.0 or b.grad != 0.0:
        raise ExerciseError(f"{name} changed a.grad or b.grad while computing the product: the rule "
                            "belongs inside out._backward, which backward() calls later (attach it with "
                            "out._backward = _backward, without parentheses).")
    if not (any(p is a for p in out.parents) and any(p is b for p in out.parents)):
        raise ExerciseError(f"out.parents is {short(out.parents)}: pass _parents=(a, b) when you create "
                            "out, so that backward() can find a and b.")
    if out._backward is None:
        raise ExerciseError("out._backward is None: define an inner function _backward() and attach it, "
                            "out._backward = _backward (no parentheses), so that backward() can call it later.")
    if not callable(out._backward):
        raise ExerciseError(f"out._backward is a {type(out._backward).__name__}, not a function: attach the "
                            "function itself, out._backward = _backward (no parentheses).")

    a.grad, b.grad = _PROBE_PRIOR
    out.grad = _PROBE_GRAD
    call_learner(out._backward, name=f"{name}'s out._backward")
    got = []
    for v, label, other in ((a, "a", "b"), (b, "b", "a")):
        if isinstance(v.grad, Value):
            raise ExerciseError(f"{label}.grad became a Value: add numbers, {label}.grad += "
                                f"{other}.data * out.grad ({other}.data, not {other}).")
        got.append(as_number(f"{label}.grad", v.grad))
    rules = [r for r in _MUL_RULES if _all_close(got, _probe_result(*r), 1e-9, 1e-12)]
    if rules and rules[0] != _MUL_RIGHT:
        evidence = {}
        for _, build, values in MUL_GRAPHS[:2]:
            try:
                evidence.update(_graph_grads_with(fn, build, values, name))
            except ExerciseError:
                pass
        texts = _mul_slip_texts(rules[0], evidence)
        if len(texts) == 1:
            raise ExerciseError(f"{name}'s backward has a slip: {texts[0]}")
        raise ExerciseError(f"{name}'s backward has {len(texts)} slips: "
                            + "; ".join(f"({i}) {t}" for i, t in enumerate(texts, 1)))
    if not rules:
        pa, pb = _PROBE_PRIOR
        changed = (not _close(got[0], pa, 1e-12, 1e-12), not _close(got[1], pb, 1e-12, 1e-12))
        where = (f"after out._backward() with out.grad = {_PROBE_GRAD:g} (a.grad = {pa:g} and "
                 f"b.grad = {pb:g} were already there from other paths)")
        if not any(changed):
            raise ExerciseError(f"{where} neither a.grad nor b.grad changed: out._backward should add "
                                "b.data * out.grad to a.grad and a.data * out.grad to b.grad.")
        if not all(changed):
            which, other = ("b", "a") if changed[0] else ("a", "b")
            raise ExerciseError(f"{where} {which}.grad did not change: out._backward must send a share "
                                f"to both inputs, {which}.grad += {other}.data * out.grad.")
        want = _probe_result(*_MUL_RIGHT)
        raise ExerciseError(f"{where} a.grad is {_fmt(got[0])} and b.grad {_fmt(got[1])}; expected "
                            f"{pa:g} + b·out.grad = {_fmt(want[0])} and {pb:g} + a·out.grad = {_fmt(want[1])}.")

    for title, build, values in MUL_GRAPHS:
        got = _graph_grads_with(fn, build, values, name)
        want = _graph_grads_with(Value.__mul__, build, values, "Value.__mul__")
        numeric = _numeric_grads(build, values)
        for k in want:
            if not (_close(got[k], want[k], 1e-9, 1e-12) and _close(got[k], numeric[k], 1e-5, 1e-7)):
                raise ExerciseError(f"on {title}, your {k}.grad is {_fmt(got[k])}; expected "
                                    f"{_fmt(want[k])} (Value.__mul__ and finite differences agree on it).")
    passed(f"{name} adds b·out.grad to a.grad and a·out.grad to b.grad: on x·x, on a·b inside a chain "
           "and on exercise 1.2's graph it gives Value.__mul__'s gradients, which finite differences confirm.")


# ------------------------------------------------ exercise 1.4: the whole backward walk
def _walk_exercise_graph(v):
    a, b = Value(v["a"], label="a"), Value(v["b"], label="b")
    c = a * b
    c.label = "c"
    d = c + a
    d.label = "d"
    L = d * c
    L.label = "L"
    return L, {"a": a, "b": b}


def _walk_shared_graph(v):
    p, q = Value(v["p"], label="p"), Value(v["q"], label="q")
    s = p * q
    s.label = "s"
    m = s**2
    m.label = "m"
    t = 3 * s
    t.label = "t"
    L = m + t
    L.label = "L"
    return L, {"p": p, "q": q}


def _walk_neuron_graph(v):
    x1, x2 = Value(1.0, label="x1"), Value(-2.0, label="x2")
    w1, w2, bias = Value(v["w1"], label="w1"), Value(v["w2"], label="w2"), Value(v["b"], label="b")
    y = Value(1.0, label="y")
    p1 = w1 * x1
    p1.label = "w1·x1"
    p2 = w2 * x2
    p2.label = "w2·x2"
    s = p1 + p2
    s.label = "w1·x1 + w2·x2"
    z = s + bias
    z.label = "z"
    a = z.sigmoid()
    a.label = "a"
    neg_y = -y
    neg_y.label = "−y"
    e = a + neg_y
    e.label = "a − y"
    L = e**2
    L.label = "L"
    return L, {"w1": w1, "w2": w2, "b": bias}


#: the graphs my_backward walks: (description, build(values) -> (root, inputs), values)
WALK_GRAPHS = (
    ("exercise 1.2's graph", _walk_exercise_graph, {"a": 3.0, "b": -2.0}),
    ("section 4's graph L = s² + 3s", _walk_shared_graph, {"p": 4.0, "q": 0.5}),
    ("a sigmoid neuron", _walk_neuron_graph, {"w1": 0.5, "w2": -0.3, "b": 0.1}),
)


def _name_nodes(root):
    for n in root.nodes():
        if not n.label:
            n.label = f"{n.data:g}"


def _spy(node, inner, root, log):
    def _backward():
        log["calls"].append(node)
        if node is root:
            log["root_grad"] = root.grad
        inner()
    return _backward


class _WatchLibrary:
    """Notes whether the learner's walk calls Value.backward or Value.nodes (bplab's own walk)."""

    def __init__(self):
        self.used = []

    def __enter__(self):
        self._nodes, self._backward = Value.nodes, Value.backward
        orig_nodes, orig_backward, used = self._nodes, self._backward, self.used

        def nodes(v):
            used.append("nodes")
            return orig_nodes(v)

        def backward(v):
            used.append("backward")
            return orig_backward(v)
        Value.nodes, Value.backward = nodes, backward
        return self

    def __exit__(self, *exc):
        Value.nodes, Value.backward = self._nodes, self._backward
        return False


def _call_walk(fn, root, name):
    with _WatchLibrary() as watch:
        try:
            call_learner(fn, root, name=name)
        except ExerciseError as err:
            cause = err.__cause__
            if isinstance(cause, TypeError) and "'NoneType' object is not callable" in str(cause):
                raise ExerciseError(f"{name} raised TypeError: 'NoneType' object is not callable. An input "
                                    "(a leaf, such as a or b) has no _backward: it is None. Call "
                                    "node._backward() only when it is not None.") from None
            if isinstance(cause, AttributeError):
                hint = ("the Values a node was computed from are in node.parents (micrograd calls them _prev)"
                        if any(w in str(cause) for w in ("_prev", "children")) else
                        "a Value has a fixed set of attributes (data, grad, parents, _backward, ...): keep "
                        "the nodes you have visited in a set instead of marking them")
                raise ExerciseError(f"{err}. Hint: {hint}.") from None
            raise
    if "backward" in watch.used:
        raise ExerciseError(f"{name} calls backward(), bplab's own walk: write the walk yourself (order the "
                            "nodes, zero the grads, root.grad = 1.0, call each _backward in reverse order).")
    if "nodes" in watch.used:
        raise ExerciseError(f"{name} uses root.nodes(), bplab's own topological order: build yours with a "
                            "depth-first search over .parents (a node goes into the list after all its parents).")


def _walk_without_zeroing(build, values):
    """Every node's grad after two walks of the graph where the second one skips the zeroing."""
    root, _ = build(values)
    root.backward()
    topo = root.nodes()
    root.grad = 1.0
    for n in reversed(topo):
        if n._backward is not None:
            n._backward()
    return [n.grad for n in topo]


def _node_grads(nodes):
    got = []
    for n in nodes:
        if isinstance(n.grad, Value):
            raise ExerciseError(f"{n.label}.grad became a Value: grads are plain numbers "
                                "(set them with 0.0 and 1.0).")
        got.append(as_number(f"{n.label}.grad", n.grad))
    return got


def _first_off(nodes, got, want):
    """The first node, walking from the root, whose grad differs from the reference."""
    for n, g, w in reversed(list(zip(nodes, got, want))):
        if not _close(g, w, 1e-9, 1e-12):
            return n, g, w
    return None


def _check_walk_order(name, title, nodes, calls, root_grad, root):
    ops = [n for n in nodes if n._backward is not None]
    if not calls:
        raise ExerciseError(f"{name} ran no node's _backward on {title}: after ordering the nodes, call "
                            "node._backward() for each of them, root first (skipping inputs, whose "
                            "_backward is None).")
    if root_grad is not None and not (isinstance(root_grad, numbers.Real)
                                      and _close(float(root_grad), 1.0, 1e-12, 1e-12)):
        raise ExerciseError(f"root.grad was {short(root_grad)} when the root's _backward ran: set "
                            "root.grad = 1.0 (dL/dL = 1), after zeroing the grads and before the walk; "
                            "every other gradient is a multiple of it.")
    counts = {}
    for n in calls:
        counts[id(n)] = counts.get(id(n), 0) + 1
    users = {id(n): [m for m in nodes if any(p is n for p in m.parents)] for n in nodes}
    twice = [n for n in ops if counts.get(id(n), 0) > 1]
    if twice:
        n = max(twice, key=lambda v: len(users[id(v)]))
        used_by = " and ".join(m.label for m in users[id(n)])
        raise ExerciseError(f"node {n.label}'s _backward ran {counts[id(n)]} times on {title}: {n.label} is "
                            f"shared (used by {used_by}), and your walk reached it once per path, so it sent "
                            "its gradient back twice. Visit each node once: keep a set of the nodes already "
                            "visited.")
    missing = [n for n in ops if id(n) not in counts]
    if missing:
        raise ExerciseError(f"node {missing[0].label}'s _backward never ran on {title}: your order misses "
                            "it. Does the search follow every parent of every node, down to the inputs?")
    pos = {id(n): i for i, n in enumerate(calls)}
    early = [(n, m) for n in ops for m in users[id(n)] if pos[id(n)] < pos[id(m)]]
    if early:
        inputs_first = all(pos[id(p)] < pos[id(n)] for n in ops for p in n.parents if p._backward is not None)
        if inputs_first:
            raise ExerciseError(f"your walk ran the nodes inputs-first ({', '.join(n.label for n in calls)}) on "
                                f"{title}: the topological order must be walked reversed, root first, so "
                                "that each node has received all of its gradient before passing it on.")
        n, m = early[0]
        raise ExerciseError(f"node {n.label}'s _backward ran before that of {m.label}, which uses "
                            f"{n.label}, on {title}: {n.label} passed its gradient on before {m.label} had "
                            "sent its share. Build a topological order (depth-first, a node goes in after "
                            "all of its parents) and walk it reversed.")


@exercise_check
def check_backward_walk(fn) -> None:
    """Exercise 1.4: check ``fn(root)``, the whole backward pass, against ``Value.backward``.

    ``fn`` orders the graph topologically (a depth-first search over ``.parents``, each node
    after all the nodes it depends on, each node once), sets every grad to 0, sets
    ``root.grad = 1.0`` and calls each node's ``_backward`` (when it is not None) in reverse
    order. The check watches which ``_backward`` runs when, on three graphs (two with shared nodes),
    and compares the gradients with ``Value.backward`` and with finite differences; then it
    calls ``fn`` a second time on the same graph, which must give the same gradients. It names
    the usual slips: grads not zeroed (a second call doubles them), the order not reversed
    (inputs first) or otherwise wrong, a shared node visited twice, root.grad not set to 1, a
    leaf's ``_backward`` (None) called, and a "visited" set that outlives the call.
    """
    name = function_name(fn, "my_backward")
    for title, build, values in WALK_GRAPHS:
        ref_root, _ = build(values)
        ref_root.backward()
        want = [n.grad for n in ref_root.nodes()]
        root, inputs = build(values)
        _name_nodes(root)
        nodes = root.nodes()
        log = {"calls": [], "root_grad": None}
        for n in nodes:
            if n._backward is not None:
                n._backward = _spy(n, n._backward, root, log)

        _call_walk(fn, root, name)
        _check_walk_order(name, title, nodes, log["calls"], log["root_grad"], root)
        got = _node_grads(nodes)
        off = _first_off(nodes, got, want)
        if off:
            n, g, w = off
            raise ExerciseError(f"after {name}(L) on {title}, {n.label}.grad is {_fmt(g)}; expected "
                                f"{_fmt(w)} (what L.backward() gives).")
        numeric = {}
        for k in values:
            up, down = dict(values), dict(values)
            up[k] += 1e-6
            down[k] -= 1e-6
            numeric[k] = (build(up)[0].data - build(down)[0].data) / 2e-6
            if not _close(inputs[k].grad, numeric[k], 1e-5, 1e-7):
                raise ExerciseError(f"after {name}(L) on {title}, {k}.grad is {_fmt(inputs[k].grad)}, but "
                                    f"finite differences give {_fmt(numeric[k])}.")

        first = got
        log["calls"].clear()
        log["root_grad"] = None
        _call_walk(fn, root, name)
        if not log["calls"]:
            raise ExerciseError(f"called a second time on the same graph ({title}), {name} ran no _backward "
                                "at all: does its set of visited nodes outlive the call (a default argument "
                                "such as visited=set())? Create it inside the function.")
        again = _node_grads(nodes)
        off = _first_off(nodes, again, want)
        if off:
            n, g, w = off
            piled = _close(g, _walk_without_zeroing(build, values)[nodes.index(n)], 1e-9, 1e-12)
            before = first[nodes.index(n)]
            how = "doubled, from" if _close(g, 2 * before, 1e-9, 1e-12) else "went from"
            cause = ("the grads were not zeroed, so each _backward added (+=) onto what the last walk left "
                     "behind. That is the 'zero the grads' trap: set every node's grad to 0.0 before the walk."
                     if piled else
                     "some grads were not zeroed, so they kept what the last walk left behind. Set every "
                     "node's grad to 0.0 before the walk, the inputs' too.")
            raise ExerciseError(f"calling {name} a second time on the same graph changed the gradients "
                                f"({title}: {n.label}.grad {how} {_fmt(before)} to {_fmt(g)}): {cause}")
    passed(f"{name} walks all {len(WALK_GRAPHS)} graphs like Value.backward: each node once, root first, "
           "with the gradients of backward() and of finite differences, and the same again when called twice.")
