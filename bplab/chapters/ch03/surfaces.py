r"""Two-dimensional loss surfaces for watching gradient descent move.

A real network has thousands of weights, so its loss surface cannot be drawn. These surfaces
have just two parameters :math:`\theta = (\theta_1, \theta_2)`, so the whole landscape fits on a contour plot and
an optimiser's path can be drawn on top of it. Every surface has an analytic gradient, and
:func:`run_path` moves a point over it with the *same* ``bplab.SGD`` / ``RMSProp`` / ``Adam``
objects that train networks (the point is a numpy array handed to ``optimizer.step``).

=====================  ===================================================================
``Quadratic(H)``       :math:`f(\theta) = \tfrac12 (\theta-c)^\top H (\theta-c)`; gradient :math:`H(\theta-c)`
``bowl()``             an elongated quadratic bowl, :math:`H = \mathrm{diag}(1, 10)`
``Rosenbrock()``       :math:`(a-\theta_1)^2 + b(\theta_2-\theta_1^2)^2`: a long curved valley (Rosenbrock 1960)
``TwoWells()``         a non-convex surface with a global and a local minimum
``LogisticSurface``    the loss of a two-weight logistic regression on a data set, with
                       mini-batch gradients (for stochastic gradient descent)
=====================  ===================================================================

    from bplab.chapters.ch03 import surfaces, SGD
    res = surfaces.run_path(surfaces.bowl(), SGD(lr=0.1), steps=50)
    res.path          # (k+1, 2) points visited, start first
    res.losses        # (k+1,) loss at each point
    res.status        # 'converging', 'stalled' or 'diverged'
    res.message       # a sentence saying what happened
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from bplab._validate import check_choice, check_int, check_positive_number, check_seed
from bplab.activations import sigmoid
from bplab.optim import Optimizer

__all__ = ["Surface", "Quadratic", "Rosenbrock", "TwoWells", "LogisticSurface", "bowl",
           "SURFACES", "get_surface", "PathResult", "run_path", "steps_to"]


def _as_point(p, name="p") -> np.ndarray:
    if isinstance(p, (str, bytes)) or p is None:
        raise TypeError(f"{name} must be a point (x, y) of two numbers, got {p!r}")
    try:
        arr = np.array(p, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a point (x, y) of two numbers, got {p!r:.60}") from None
    if arr.shape != (2,):
        raise ValueError(f"{name} must be a point (x, y) with shape (2,), got shape {arr.shape}")
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} must be finite, got {arr.tolist()}")
    return arr


class Surface:
    """A loss :math:`f(x, y)` with an analytic gradient, plus what is needed to draw it.

    Subclasses implement ``_f(x, y)`` and ``_grad(x, y)``, vectorised over arrays.

    Attributes: ``name``, ``title`` (for plots), ``formula`` (LaTeX), ``bounds``
    ``((x_min, x_max), (y_min, y_max))`` of the drawing, ``start`` (default starting
    point), ``minima`` (array of the minima, global first) and ``f_min`` (the global minimum
    value).
    """

    name = "surface"
    title = "surface"
    formula = ""
    bounds = ((-1.0, 1.0), (-1.0, 1.0))
    start = np.zeros(2)
    minima = np.zeros((1, 2))

    # ------------------------------------------------------------- maths
    def _f(self, x, y):
        raise NotImplementedError

    def _grad(self, x, y):
        raise NotImplementedError

    def loss(self, p) -> float:
        """The loss at the point ``p = (x, y)``."""
        p = _as_point(p)
        return float(self._f(p[0], p[1]))

    def grad(self, p) -> np.ndarray:
        """The gradient :math:`(\\partial f/\\partial x, \\partial f/\\partial y)` at ``p``, shape (2,)."""
        p = _as_point(p)
        gx, gy = self._grad(p[0], p[1])
        return np.array([gx, gy], dtype=np.float64)

    def values(self, X, Y) -> np.ndarray:
        """The loss on a grid: ``X``, ``Y`` arrays of the same shape (e.g. from ``np.meshgrid``)."""
        X = np.asarray(X, dtype=np.float64)
        Y = np.asarray(Y, dtype=np.float64)
        if X.shape != Y.shape:
            raise ValueError(f"X and Y must have the same shape, got {X.shape} and {Y.shape}")
        return np.asarray(self._f(X, Y), dtype=np.float64)

    __call__ = values

    def grad_grid(self, X, Y):
        """The gradient at many points at once: returns ``(dX, dY)``, each shaped like ``X``.

        Handy for moving a whole cloud of points in one go (an optimiser's ``step`` works on
        an array of any shape, e.g. ``P`` of shape (2, n) with ``G = np.stack(grad_grid(*P))``)."""
        X = np.asarray(X, dtype=np.float64)
        Y = np.asarray(Y, dtype=np.float64)
        if X.shape != Y.shape:
            raise ValueError(f"X and Y must have the same shape, got {X.shape} and {Y.shape}")
        gx, gy = self._grad(X, Y)
        return np.broadcast_to(gx, X.shape).astype(np.float64), np.broadcast_to(gy, X.shape).astype(np.float64)

    @property
    def f_min(self) -> float:
        """The lowest loss on the surface (at ``minima[0]``)."""
        m = self.minima[0]
        return float(self._f(m[0], m[1]))

    def grid(self, n: int = 200):
        """``(X, Y, Z)`` on an ``n`` x ``n`` grid covering ``bounds``, for contour plots."""
        n = check_int(n, "n", minimum=2)
        (x0, x1), (y0, y1) = self.bounds
        X, Y = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y0, y1, n))
        return X, Y, self.values(X, Y)

    def hessian(self, p, h: float = 1e-6) -> np.ndarray:
        """The 2 x 2 Hessian (matrix of second derivatives) at ``p``, by central differences of
        the analytic gradient, symmetrised."""
        p = _as_point(p)
        cols = [(self.grad(p + h * e) - self.grad(p - h * e)) / (2 * h) for e in np.eye(2)]
        H = np.column_stack(cols)
        return 0.5 * (H + H.T)

    def critical_point(self, guess, max_iter: int = 50) -> np.ndarray:
        """The point near ``guess`` where the gradient is zero (a minimum, maximum or saddle),
        by Newton's method on the gradient: ``p <- p - H(p)^{-1} grad(p)``."""
        p = _as_point(guess, "guess").copy()
        for _ in range(max_iter):
            g = self.grad(p)
            if np.linalg.norm(g) < 1e-13:
                break
            p = p - np.linalg.solve(self.hessian(p), g)
        return p

    def nearest_minimum(self, p) -> int:
        """Index (into ``minima``) of the minimum closest to ``p``."""
        p = _as_point(p)
        return int(np.argmin(np.linalg.norm(self.minima - p, axis=1)))

    def __repr__(self):
        return f"{type(self).__name__}(name={self.name!r})"


class Quadratic(Surface):
    r"""The quadratic bowl :math:`f(\theta) = \tfrac12 (\theta-c)^\top H (\theta-c)`, gradient :math:`H(\theta-c)`.

    ``H`` must be a symmetric positive-definite 2x2 matrix (the Hessian: every second derivative of
    f): its eigenvalues are the
    curvatures along the bowl's axes, and plain gradient descent with learning rate
    :math:`\eta` is stable exactly when :math:`\eta < 2/\lambda_{\max}` (``max_stable_lr``).
    """

    def __init__(self, H, center=(0.0, 0.0), *, start=None, bounds=None, name="quadratic", title=None):
        try:
            H = np.array(H, dtype=np.float64)
        except (TypeError, ValueError):
            raise TypeError(f"H must be a 2x2 matrix of numbers, got {H!r:.60}") from None
        if H.shape != (2, 2):
            raise ValueError(f"H must be a 2x2 matrix, got shape {H.shape}")
        if not np.isfinite(H).all():
            raise ValueError(f"H must be finite, got {H.tolist()}")
        if not np.allclose(H, H.T):
            raise ValueError(f"H must be symmetric (H == H.T), got {H.tolist()}")
        eig = np.linalg.eigvalsh(H)
        if eig[0] <= 0:
            raise ValueError(f"H must be positive definite (both eigenvalues > 0), got eigenvalues "
                             f"{eig.round(6).tolist()}")
        self.H = H
        self.center = _as_point(center, "center")
        self.eigenvalues = eig[::-1].copy()     # largest first
        self.name = name
        lam_min, lam_max = self.eigenvalues[-1], self.eigenvalues[0]
        self.title = title or f"quadratic bowl, curvatures {lam_max:g} and {lam_min:g}"
        self.formula = r"f(\theta) = \tfrac12\,(\theta-c)^\top H\,(\theta-c)"
        self.minima = self.center[None, :].copy()
        if start is None:
            # on the flat axis far out, nudged off it along the steep axis
            _, vecs = np.linalg.eigh(H)
            start = self.center + 4.0 * vecs[:, 0] + 1.5 * vecs[:, 1]
        self.start = _as_point(start, "start")
        if bounds is None:
            r = 1.25 * np.abs(self.start - self.center).max()
            bounds = ((self.center[0] - r, self.center[0] + r), (self.center[1] - r, self.center[1] + r))
        self.bounds = tuple(tuple(float(v) for v in b) for b in bounds)

    @property
    def max_stable_lr(self) -> float:
        """:math:`2/\\lambda_{\\max}`: plain gradient descent diverges at or above this."""
        return float(2.0 / self.eigenvalues[0])

    @property
    def condition_number(self) -> float:
        return float(self.eigenvalues[0] / self.eigenvalues[-1])

    def _f(self, x, y):
        dx, dy = x - self.center[0], y - self.center[1]
        a, b, c = self.H[0, 0], self.H[0, 1], self.H[1, 1]
        return 0.5 * (a * dx * dx + 2.0 * b * dx * dy + c * dy * dy)

    def _grad(self, x, y):
        dx, dy = x - self.center[0], y - self.center[1]
        a, b, c = self.H[0, 0], self.H[0, 1], self.H[1, 1]
        return a * dx + b * dy, b * dx + c * dy

    def __repr__(self):
        return f"Quadratic(H={self.H.tolist()}, center={self.center.tolist()})"


def bowl() -> Quadratic:
    r"""The elongated bowl :math:`f = \tfrac12 (\theta_1^2 + 10 \theta_2^2)`: curvature 1 along θ₁, 10 along θ₂.

    Gradient descent is stable for :math:`\eta < 2/10 = 0.2`. Starts at (-4.5, 1.5).
    """
    return Quadratic([[1.0, 0.0], [0.0, 10.0]], start=(-4.5, 1.5), bounds=((-5.0, 5.0), (-2.5, 2.5)),
                     name="bowl", title=r"elongated bowl $\frac{1}{2}(\theta_1^2 + 10\,\theta_2^2)$")


class Rosenbrock(Surface):
    r""":math:`f(\theta) = (a - \theta_1)^2 + b\,(\theta_2 - \theta_1^2)^2`, minimum 0 at :math:`(a, a^2)` (Rosenbrock 1960).

    Finding the curved valley is easy; following it to the minimum is slow for plain
    gradient descent, because the valley walls are ~b times steeper than its floor.
    """

    name = "rosenbrock"
    formula = r"f(\theta) = (a - \theta_1)^2 + b\,(\theta_2 - \theta_1^2)^2"

    def __init__(self, a=1.0, b=100.0):
        self.a = check_positive_number(a, "a", allow_zero=True)
        self.b = check_positive_number(b, "b")
        self.title = f"Rosenbrock valley, $(1-\\theta_1)^2 + {self.b:g}(\\theta_2-\\theta_1^2)^2$" if self.a == 1 else \
            f"Rosenbrock valley, a={self.a:g}, b={self.b:g}"
        self.minima = np.array([[self.a, self.a ** 2]])
        self.start = np.array([-1.2, 1.0])
        self.bounds = ((-2.0, 2.0), (-1.0, 3.0))

    def _f(self, x, y):
        return (self.a - x) ** 2 + self.b * (y - x * x) ** 2

    def _grad(self, x, y):
        r = y - x * x
        return -2.0 * (self.a - x) - 4.0 * self.b * x * r, 2.0 * self.b * r


class TwoWells(Surface):
    r"""A non-convex surface: two Gaussian wells in a shallow quadratic dish.

    .. math:: f(\theta) = 0.08\,\|\theta\|^2 - 2\,e^{-\|\theta - g\|^2/2} - 1.2\,e^{-\|\theta - l\|^2/1.2}

    with :math:`g = (-1.5, 1)` (the deeper well: the global minimum, near (-1.39, 0.93)) and
    :math:`l = (1.5, -0.5)` (a shallower well: a local minimum, near (1.37, -0.46)).
    Gradient descent ends in whichever well's basin it starts in. ``saddle`` is the saddle
    point between the wells, near (0.26, 0.07), on the border between the two basins.
    """

    name = "two_wells"
    title = "two wells: a global and a local minimum"
    formula = (r"f(\theta) = 0.08\|\theta\|^2 - 2e^{-\|\theta-(-1.5,\,1)\|^2/2}"
               r" - 1.2e^{-\|\theta-(1.5,\,-0.5)\|^2/1.2}")
    # (centre x, centre y, depth, width s): well = depth * exp(-|p - centre|^2 / (2 s))
    _WELLS = ((-1.5, 1.0, 2.0, 1.0), (1.5, -0.5, 1.2, 0.6))
    _DISH = 0.08

    def __init__(self):
        self.start = np.array([3.0, 2.5])
        self.bounds = ((-4.0, 4.0), (-3.5, 3.5))
        self.minima = np.array([self._polish(-1.5, 1.0), self._polish(1.5, -0.5)])
        # the pass between the wells: zero slope, curving down towards each well, up across
        self.saddle = self.critical_point((0.26, 0.07))

    def _polish(self, x, y):
        """Locate a minimum precisely with Newton's method on the analytic gradient."""
        p = np.array([x, y])
        h = 1e-6
        for _ in range(50):
            g = np.array(self._grad(*p))
            H = np.column_stack([(np.array(self._grad(*(p + h * e))) - np.array(self._grad(*(p - h * e))))
                                 / (2 * h) for e in np.eye(2)])
            p = p - np.linalg.solve(0.5 * (H + H.T), g)
            if np.linalg.norm(g) < 1e-13:
                break
        return p

    def _f(self, x, y):
        v = self._DISH * (x * x + y * y)
        for cx, cy, depth, s in self._WELLS:
            v = v - depth * np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2.0 * s))
        return v

    def _grad(self, x, y):
        gx, gy = 2.0 * self._DISH * x, 2.0 * self._DISH * y
        for cx, cy, depth, s in self._WELLS:
            e = depth * np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2.0 * s)) / s
            gx = gx + e * (x - cx)
            gy = gy + e * (y - cy)
        return gx, gy


class LogisticSurface(Surface):
    r"""The mean logistic loss of a two-weight linear classifier, as a surface over its weights.

    With labels :math:`t_i \in \{0, 1\}`, inputs :math:`x_i \in \mathbb{R}^2` (no bias) and
    :math:`s_i = \pm 1` for :math:`t_i = 1/0`:

    .. math:: L(w) = \frac1n \sum_i \log\bigl(1 + e^{-s_i\, w^\top x_i}\bigr), \qquad
              \nabla L(w) = \frac1n \sum_i -s_i\, \sigma(-s_i\, w^\top x_i)\, x_i

    ``grad(w, batch=idx)`` averages over the rows ``idx`` only: a mini-batch gradient, a noisy
    but unbiased estimate of the full gradient. ``minima[0]`` is found by Newton's method.
    """

    name = "logistic"
    formula = r"L(w) = \frac1n \sum_i \log\left(1 + e^{-s_i w^\top x_i}\right)"

    def __init__(self, X, y, *, name="logistic", title=None, start=(-3.0, 3.0), bounds=None):
        from bplab._validate import as_float_matrix
        X = as_float_matrix(X, "X")
        if X.shape[1] != 2:
            raise ValueError(f"X must have 2 columns (one per weight), got shape {X.shape}")
        y = np.asarray(y)
        if y.shape != (X.shape[0],):
            raise ValueError(f"y must be a vector of {X.shape[0]} labels, got shape {y.shape}")
        if not np.isin(y, (0, 1)).all():
            raise ValueError(f"y must hold labels 0 and 1, got values {np.unique(y)[:5].tolist()}")
        self.X = X
        self.y = y.astype(np.int64)
        self.S = (2.0 * self.y - 1.0)[:, None] * X     # s_i x_i, shape (n, 2)
        self.n = X.shape[0]
        self.name = name
        self.title = title or f"logistic-regression loss on {self.n} points"
        self.minima = self._newton()[None, :]
        self.start = _as_point(start, "start")
        if bounds is None:
            c = self.minima[0]
            r = 1.2 * max(np.abs(self.start - c).max(), 1.0)
            bounds = ((c[0] - r, c[0] + r), (c[1] - r, c[1] + r))
        self.bounds = tuple(tuple(float(v) for v in b) for b in bounds)

    def _newton(self):
        """The minimum, by Newton's method (the logistic loss is convex)."""
        no_min = ("the logistic loss of these data has no unique minimum: they are linearly separable "
                  "through the origin (the weights would grow forever) or degenerate (all points on a "
                  "line); use other data")
        w = np.zeros(2)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            for _ in range(100):
                m = self.S @ w
                sig = sigmoid.f(-m)                                   # sigma(-m)
                g = -(self.S * sig[:, None]).mean(axis=0)
                if np.linalg.norm(g) < 1e-12:
                    if (m > 0).all():      # every point on its right side: separable, the loss only
                        break              # approaches 0 as the weights grow
                    return w
                H = (self.S * (sig * (1 - sig))[:, None]).T @ self.S / self.n
                try:
                    w = w - np.linalg.solve(H, g)
                except np.linalg.LinAlgError:
                    raise ValueError(no_min) from None
                if not np.isfinite(w).all() or np.abs(w).max() > 1e6:
                    break
        raise ValueError(no_min)

    def _f(self, x, y):
        x = np.asarray(x, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        m = np.multiply.outer(x, self.S[:, 0]) + np.multiply.outer(y, self.S[:, 1])  # (..., n)
        return np.logaddexp(0.0, -m).mean(axis=-1)

    def _grad(self, x, y, rows=None):
        S = self.S if rows is None else self.S[rows]
        m = np.multiply.outer(x, S[:, 0]) + np.multiply.outer(y, S[:, 1])       # (..., rows)
        sig = sigmoid.f(-m)                                                     # sigma(-m)
        return -(sig * S[:, 0]).mean(axis=-1), -(sig * S[:, 1]).mean(axis=-1)

    def grad(self, p, batch=None) -> np.ndarray:
        """Full-data gradient, or the mean over the rows ``batch`` (an index array) only."""
        p = _as_point(p)
        if batch is not None:
            batch = np.asarray(batch)
            if batch.ndim != 1 or batch.size == 0:
                raise ValueError(f"batch must be a non-empty 1-D array of row indices, got shape {batch.shape}")
        gx, gy = self._grad(p[0], p[1], batch)
        return np.array([gx, gy], dtype=np.float64)

    def accuracy(self, p) -> float:
        """Fraction of points on the right side of the line :math:`w^\\top x = 0`."""
        p = _as_point(p)
        return float(((self.S @ p) > 0).mean())


SURFACES = {"bowl": bowl, "rosenbrock": Rosenbrock, "two_wells": TwoWells}


def get_surface(name) -> Surface:
    """A fresh surface by name: one of ``SURFACES`` ('bowl', 'rosenbrock', 'two_wells')."""
    if isinstance(name, Surface):
        return name
    return SURFACES[check_choice("surface", name, SURFACES)]()


# --------------------------------------------------------------------------- paths

@dataclass
class PathResult:
    r"""What :func:`run_path` did: the points it visited, their losses, and how it ended.

    ``status`` is ``'diverged'`` when the loss blew up (stopped early: ``blew_up``) or ended
    higher than it started; ``'stalled'`` (neither converging nor diverging) when the loss has
    stopped falling although the point is still far from every minimum, as at exactly
    :math:`\eta = 2/\lambda_{\max}` on a quadratic, where the steep coordinate flips sign
    forever without shrinking; else ``'converging'``.
    """

    path: np.ndarray
    losses: np.ndarray
    status: str
    message: str
    steps: int
    blew_up: bool = False
    diverged_at: int | None = None
    optimizer: str = ""
    surface: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def diverged(self) -> bool:
        return self.status == "diverged"

    @property
    def stalled(self) -> bool:
        return self.status == "stalled"

    @property
    def final_point(self) -> np.ndarray:
        return self.path[-1]

    @property
    def final_loss(self) -> float:
        return float(self.losses[-1])

    def steps_to(self, threshold):
        """First step at which the loss is at or below ``threshold`` (None if never)."""
        return steps_to(self.losses, threshold)


def steps_to(losses, threshold):
    """Index of the first entry of ``losses`` that is <= ``threshold``, or None if none is."""
    losses = np.asarray(losses, dtype=np.float64)
    hit = np.flatnonzero(losses <= threshold)
    return int(hit[0]) if hit.size else None


def _fmt(v: float) -> str:
    return f"{v:.3g}" if abs(v) < 1e4 else f"{v:.2e}"


STALL_TAIL = 0.1        # in the last 10% of the steps the loss (above the minimum) fell by
STALL_DROP = 0.01       # less than 1%, the path went back and forth (its length is more than
STALL_WIGGLE = 3.0      # 3 times the distance it covered: a crawl goes straight, a bounce does not),
STALL_DISTANCE = 0.05   # and it ended farther than 5% of the picture's diagonal from every minimum


def _stall(surface, path, losses):
    """``(k, distance)`` if the run stalled (see :class:`PathResult`), else None."""
    n = len(losses) - 1
    if n < 10:
        return None
    k = max(2, int(round(STALL_TAIL * n)))
    above = losses[-k - 1] - surface.f_min
    if above <= 0 or losses[-k - 1] - losses[-1] >= STALL_DROP * above:
        return None
    tail = path[-k - 1:]
    length = float(np.linalg.norm(np.diff(tail, axis=0), axis=1).sum())
    if length <= STALL_WIGGLE * float(np.linalg.norm(tail[-1] - tail[0])):
        return None
    (x0, x1), (y0, y1) = surface.bounds
    dist = float(np.linalg.norm(np.asarray(surface.minima) - path[-1], axis=1).min())
    if dist <= STALL_DISTANCE * math.hypot(x1 - x0, y1 - y0):
        return None
    return k, dist


def _where_it_ended(surface, point) -> str:
    """For a surface with several minima: which one the run ended in (empty otherwise)."""
    minima = np.asarray(surface.minima)
    if len(minima) < 2:
        return ""
    i = int(np.argmin(np.linalg.norm(minima - point, axis=1)))
    m = minima[i]
    (x0, x1), (y0, y1) = surface.bounds
    near = np.linalg.norm(m - point) <= STALL_DISTANCE * math.hypot(x1 - x0, y1 - y0)
    kind = "global" if i == 0 else "local"
    where = f"({m[0]:.2f}, {m[1]:.2f})"
    if not near:
        return f" It ends closest to the {kind} minimum at {where}."
    other = f", not in the global one at ({minima[0][0]:.2f}, {minima[0][1]:.2f})" if i else ""
    return f" It ended in the {kind} minimum at {where}{other}."


def run_path(surface, optimizer, start=None, steps=100, *, batch_size=None, seed=0, blowup=1e12,
             schedule=None):
    """Move a point over ``surface`` with ``optimizer`` for ``steps`` steps; return a :class:`PathResult`.

    The point is a numpy array ``p`` of shape (2,); each step computes ``g = surface.grad(p)``
    and calls ``optimizer.step([p], [g])``, exactly as training does with a network's weights.
    The optimiser is ``reset()`` first, so a run never inherits momentum from an earlier one.

    The run stops early (``blew_up=True``) as soon as the loss or the gradient stops being
    finite or the loss exceeds ``blowup`` times (1 + |starting loss|); no overflow warning is
    emitted. With ``batch_size`` (a :class:`LogisticSurface` only) each step uses the gradient
    of a mini-batch, drawn by shuffling the rows every epoch with ``seed``; ``losses`` are
    always the full-data loss. With ``schedule`` (a function of the step number k = 1, 2, ...),
    the optimiser's learning rate is set to ``schedule(k)`` before step k: a learning-rate
    schedule. The optimiser's own ``lr`` is restored when the run ends.
    """
    surface = get_surface(surface)
    if schedule is not None and not callable(schedule):
        raise TypeError(f"schedule must be a function of the step number, got {type(schedule).__name__}")
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"optimizer must be bplab.SGD, RMSProp or Adam, got {type(optimizer).__name__}")
    steps = check_int(steps, "steps", minimum=1)
    blowup = check_positive_number(blowup, "blowup")
    p = surface.start.copy() if start is None else _as_point(start, "start")
    rng = None
    if batch_size is not None:
        if not isinstance(surface, LogisticSurface):
            raise TypeError(f"batch_size needs a data surface (LogisticSurface); {surface.name!r} "
                            "has no data to sample mini-batches from")
        batch_size = check_int(batch_size, "batch_size", minimum=1)
        rng = np.random.default_rng(check_seed(seed))
        order, pos = rng.permutation(surface.n), 0
    optimizer.reset()
    lr0 = optimizer.lr
    f0 = surface.loss(p)
    limit = blowup * (1.0 + abs(f0))
    path = [p.copy()]
    losses = [f0]
    blew_up, where, what = False, None, ""
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        for k in range(1, steps + 1):
            if rng is None:
                g = np.array(surface._grad(p[0], p[1]), dtype=np.float64)   # = surface.grad(p), lean
            else:
                if pos + batch_size > surface.n:
                    order, pos = rng.permutation(surface.n), 0
                g = surface.grad(p, batch=order[pos:pos + batch_size])
                pos += batch_size
            if not (math.isfinite(g[0]) and math.isfinite(g[1])):
                blew_up, where, what = True, k, "the gradient overflowed"
                break
            if schedule is not None:
                optimizer.lr = check_positive_number(schedule(k), f"schedule({k})")
            optimizer.step([p], [g])
            fk = float(surface._f(p[0], p[1])) if math.isfinite(p[0]) and math.isfinite(p[1]) else math.inf
            if not math.isfinite(fk) or abs(fk) > limit:
                blew_up, where = True, k
                what = "the loss became infinite" if not math.isfinite(fk) else \
                    f"the loss passed {_fmt(limit)} (it started at {_fmt(f0)})"
                break
            path.append(p.copy())
            losses.append(fk)
    path = np.array(path)
    losses = np.array(losses)
    optimizer.lr = lr0
    lr = getattr(optimizer, "lr", float("nan"))
    if blew_up:
        status = "diverged"
        message = (f"Diverged at step {where}: {what}. lr={lr:g} is too large for this surface; "
                   f"try a smaller learning rate.")
    elif losses[-1] > losses[0]:
        status = "diverged"
        where = int(len(losses) - 1)
        message = (f"Diverging: the loss grew from {_fmt(losses[0])} to {_fmt(losses[-1])} in "
                   f"{len(losses) - 1} steps. lr={lr:g} is too large; try a smaller learning rate.")
    elif (stall := _stall(surface, path, losses)) is not None:
        status = "stalled"
        k, dist = stall
        message = (f"Stalled, neither converging nor diverging: the loss went {_fmt(losses[0])} -> "
                   f"{_fmt(losses[-1])} in {len(losses) - 1} steps but fell by less than 1% in the last {k}, "
                   f"while the point bounces back and forth {dist:.2g} away from the nearest minimum. "
                   f"lr={lr:g} is too large to settle here; try a smaller learning rate.")
    else:
        status = "converging"
        message = (f"Loss {_fmt(losses[0])} -> {_fmt(losses[-1])} in {len(losses) - 1} steps."
                   + _where_it_ended(surface, path[-1]))
    return PathResult(path=path, losses=losses, status=status, message=message,
                      steps=len(losses) - 1, blew_up=blew_up, diverged_at=where if status == "diverged" else None,
                      optimizer=repr(optimizer), surface=surface.name)
