"""bplab.chapters.ch03.surfaces: analytic gradients, optimiser paths, divergence handling, input checks."""
import warnings

import numpy as np
import pytest

import bplab
from bplab import SGD, Adam, RMSProp
from bplab.chapters.ch03 import surfaces
from bplab.data import make_moons
from bplab.gradcheck import numerical_gradient, relative_error


def _moons_surface():
    X, y = make_moons(n=120, noise=0.2, seed=0)
    return surfaces.LogisticSurface(X, y, start=(-2.0, 0.5))


ALL_SURFACES = {
    "bowl": surfaces.bowl,
    "tilted": lambda: surfaces.Quadratic([[3.0, 2.0], [2.0, 6.0]], center=(0.5, -1.0)),
    "rosenbrock": surfaces.Rosenbrock,
    "rosenbrock_b10": lambda: surfaces.Rosenbrock(a=0.5, b=10.0),
    "two_wells": surfaces.TwoWells,
    "logistic": _moons_surface,
}


# ----------------------------------------------------------------------------- gradients

@pytest.mark.parametrize("name", sorted(ALL_SURFACES))
def test_gradient_matches_finite_differences(name, rng):
    s = ALL_SURFACES[name]()
    (x0, x1), (y0, y1) = s.bounds
    for _ in range(8):
        p = np.array([rng.uniform(x0, x1), rng.uniform(y0, y1)])
        num = numerical_gradient(lambda: s.loss(p), p, h=1e-6)
        assert relative_error(s.grad(p), num) < 1e-7, (name, p, s.grad(p), num)


@pytest.mark.parametrize("name", sorted(ALL_SURFACES))
def test_grad_grid_and_values_match_pointwise(name, rng):
    s = ALL_SURFACES[name]()
    X = rng.uniform(*s.bounds[0], size=(3, 4))
    Y = rng.uniform(*s.bounds[1], size=(3, 4))
    gx, gy = s.grad_grid(X, Y)
    Z = s.values(X, Y)
    assert gx.shape == gy.shape == Z.shape == (3, 4)
    for i in range(3):
        for j in range(4):
            p = (X[i, j], Y[i, j])
            np.testing.assert_allclose([gx[i, j], gy[i, j]], s.grad(p), rtol=1e-12, atol=1e-14)
            assert Z[i, j] == pytest.approx(s.loss(p), rel=1e-12, abs=1e-14)


@pytest.mark.parametrize("name", sorted(ALL_SURFACES))
def test_minima_have_zero_gradient_and_global_is_lowest(name):
    s = ALL_SURFACES[name]()
    for m in s.minima:
        assert np.linalg.norm(s.grad(m)) < 1e-9
    assert s.f_min == pytest.approx(min(s.loss(m) for m in s.minima))
    X, Y, Z = s.grid(60)
    assert Z.min() >= s.f_min - 1e-12


def test_known_minima():
    np.testing.assert_allclose(surfaces.Rosenbrock().minima[0], [1.0, 1.0])
    assert surfaces.Rosenbrock().f_min == 0.0
    w = surfaces.TwoWells()
    assert len(w.minima) == 2
    assert w.loss(w.minima[0]) < w.loss(w.minima[1])      # the first is the global one
    np.testing.assert_allclose(w.minima[0], [-1.3875, 0.9251], atol=1e-4)
    np.testing.assert_allclose(w.minima[1], [1.3722, -0.4548], atol=1e-4)


def test_logistic_minibatch_gradients_average_to_full_gradient(rng):
    s = _moons_surface()
    p = np.array([0.7, -1.3])
    parts = np.array_split(rng.permutation(s.n), 4)        # 4 equal batches of 30
    mean_of_batches = np.mean([s.grad(p, batch=b) for b in parts], axis=0)
    np.testing.assert_allclose(mean_of_batches, s.grad(p), rtol=1e-12)
    assert not np.allclose(s.grad(p, batch=parts[0]), s.grad(p))   # a single batch is noisy


def test_logistic_accuracy_at_minimum():
    s = _moons_surface()
    assert 0.8 < s.accuracy(s.minima[0]) <= 1.0


def test_quadratic_properties():
    q = surfaces.Quadratic([[3.0, 2.0], [2.0, 6.0]])
    np.testing.assert_allclose(q.eigenvalues, [7.0, 2.0])
    assert q.max_stable_lr == pytest.approx(2 / 7)
    assert q.condition_number == pytest.approx(3.5)
    b = surfaces.bowl()
    assert b.max_stable_lr == pytest.approx(0.2)
    np.testing.assert_allclose(b.start, [-4.5, 1.5])


# ----------------------------------------------------------------------------- paths

def test_run_path_is_the_real_optimizer_loop():
    b = surfaces.bowl()
    res = surfaces.run_path(b, SGD(0.1), steps=5)
    p = b.start.copy()
    expected = [p.copy()]
    for _ in range(5):
        p = p - 0.1 * np.array([p[0], 10 * p[1]])
        expected.append(p.copy())
    np.testing.assert_allclose(res.path, expected, rtol=1e-14)
    np.testing.assert_allclose(res.losses, [b.loss(q) for q in expected], rtol=1e-14)
    assert res.steps == 5 and res.status == "converging" and not res.diverged
    assert "21.4" in res.message


@pytest.mark.parametrize("make", [lambda: SGD(1e-3), lambda: SGD(1e-3, momentum=0.9),
                                  lambda: RMSProp(1e-2), lambda: Adam(0.05)])
def test_paths_are_deterministic_and_optimizer_is_reset(make):
    s = surfaces.Rosenbrock()
    opt = make()
    a = surfaces.run_path(s, opt, steps=300)
    b = surfaces.run_path(s, opt, steps=300)       # same object again: its state must be reset
    c = surfaces.run_path(s, make(), steps=300)
    np.testing.assert_array_equal(a.path, b.path)
    np.testing.assert_array_equal(a.path, c.path)
    assert a.final_loss < s.loss(s.start)


def test_momentum_speeds_up_the_rosenbrock_valley():
    s = surfaces.Rosenbrock()
    plain = surfaces.run_path(s, SGD(1e-3), steps=1000)
    heavy = surfaces.run_path(s, SGD(1e-3, momentum=0.9), steps=1000)
    assert heavy.final_loss < 1e-3 < 0.1 < plain.final_loss
    assert heavy.steps_to(1e-3) is not None and plain.steps_to(1e-3) is None


def test_start_decides_the_well():
    w = surfaces.TwoWells()
    right = surfaces.run_path(w, SGD(0.3), start=(3.0, 2.5), steps=200)
    left = surfaces.run_path(w, SGD(0.3), start=(-3.0, -2.5), steps=200)
    assert w.nearest_minimum(right.final_point) == 1
    assert w.nearest_minimum(left.final_point) == 0
    np.testing.assert_allclose(right.final_point, w.minima[1], atol=1e-6)


def test_stability_limit_matches_experiment():
    for q in [surfaces.bowl(), surfaces.Quadratic([[3.0, 2.0], [2.0, 6.0]])]:
        lim = q.max_stable_lr
        below = surfaces.run_path(q, SGD(0.99 * lim), steps=400)
        above = surfaces.run_path(q, SGD(1.01 * lim), steps=400)
        assert below.status == "converging" and below.final_loss < q.loss(q.start)
        assert above.status == "diverged"


def test_blow_up_is_detected_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")            # any overflow RuntimeWarning fails the test
        res = surfaces.run_path(surfaces.bowl(), SGD(0.5), steps=1000)
        ros = surfaces.run_path(surfaces.Rosenbrock(), SGD(0.5), steps=1000)
        adam = surfaces.run_path(surfaces.Rosenbrock(), Adam(10.0), steps=200)
    for r in (res, ros):
        assert r.blew_up and r.diverged and r.status == "diverged"
        assert r.steps < 1000 and len(r.path) == r.steps + 1 == len(r.losses)
        assert np.isfinite(r.path).all() and np.isfinite(r.losses).all()
        assert r.message.startswith("Diverged at step") and "too large" in r.message
        assert r.diverged_at == r.steps + 1
    assert np.isfinite(adam.path).all()


def test_growing_loss_counts_as_diverging():
    res = surfaces.run_path(surfaces.bowl(), SGD(0.205), steps=100)
    assert not res.blew_up and res.diverged and res.steps == 100
    assert res.final_loss > res.losses[0]
    assert res.message.startswith("Diverging: the loss grew")


def test_edge_of_stability_is_stalled_not_converging():
    # at exactly eta = 2/lambda_max the steep coordinate is multiplied by -1 forever:
    # the loss drops to its y part (11.25) and stays there
    res = surfaces.run_path(surfaces.bowl(), SGD(0.2), steps=100)
    assert res.status == "stalled" and res.stalled and not res.diverged
    assert res.final_loss == pytest.approx(11.25, rel=1e-6)
    assert res.message.startswith("Stalled, neither converging nor diverging: the loss went 21.4 -> 11.2")
    assert "lr=0.2 is too large to settle" in res.message
    assert res.diverged_at is None
    # just below the edge the zig-zag shrinks, slowly: converging
    assert surfaces.run_path(surfaces.bowl(), SGD(0.195), steps=100).status == "converging"


def test_slow_but_steady_runs_are_not_stalled():
    # a crawl is still converging (the loss keeps falling), and so is a run resting in a local minimum
    assert surfaces.run_path(surfaces.bowl(), SGD(0.01), steps=100).status == "converging"
    assert surfaces.run_path(surfaces.Rosenbrock(), SGD(1e-3), steps=1000).status == "converging"
    w = surfaces.TwoWells()
    assert surfaces.run_path(w, SGD(0.3), start=tuple(w.minima[1] + 0.05), steps=100).status == "converging"
    # mini-batch jitter near the minimum is not a stall either
    s = _moons_surface()
    assert surfaces.run_path(s, SGD(2.0), steps=400, batch_size=10, seed=0).status == "converging"


def test_two_wells_message_names_the_well():
    w = surfaces.TwoWells()
    right = surfaces.run_path(w, SGD(0.3), start=(3.0, 2.5), steps=100)
    left = surfaces.run_path(w, SGD(0.3), start=(-3.0, -2.5), steps=100)
    assert right.message == ("Loss 1.22 -> -1.03 in 100 steps. It ended in the local minimum at "
                             "(1.37, -0.45), not in the global one at (-1.39, 0.93).")
    assert left.message.endswith("It ended in the global minimum at (-1.39, 0.93).")
    short = surfaces.run_path(w, SGD(0.01), start=(3.0, 2.5), steps=20)
    assert "ends closest to the local minimum" in short.message
    # one-minimum surfaces say nothing about wells
    assert surfaces.run_path(surfaces.bowl(), SGD(0.1), steps=50).message.endswith("in 50 steps.")


def test_minibatch_paths_seeded():
    s = _moons_surface()
    a = surfaces.run_path(s, SGD(1.0), steps=50, batch_size=10, seed=3)
    b = surfaces.run_path(s, SGD(1.0), steps=50, batch_size=10, seed=3)
    c = surfaces.run_path(s, SGD(1.0), steps=50, batch_size=10, seed=4)
    full = surfaces.run_path(s, SGD(1.0), steps=50)
    np.testing.assert_array_equal(a.path, b.path)
    assert not np.allclose(a.path, c.path)
    assert not np.allclose(a.path, full.path)
    # losses are always full-data losses
    np.testing.assert_allclose(a.losses[7], s.loss(a.path[7]))
    # batch_size >= n is full-batch descent
    everything = surfaces.run_path(s, SGD(1.0), steps=50, batch_size=s.n)
    np.testing.assert_allclose(everything.path, full.path, rtol=1e-12)


def test_steps_to():
    assert surfaces.steps_to([5.0, 3.0, 1.0, 0.5], 1.0) == 2
    assert surfaces.steps_to([5.0, 3.0], 1.0) is None
    assert surfaces.steps_to([0.1], 1.0) == 0


def test_get_surface():
    assert isinstance(surfaces.get_surface("bowl"), surfaces.Quadratic)
    assert isinstance(surfaces.get_surface("Two-Wells"), surfaces.TwoWells)
    r = surfaces.Rosenbrock()
    assert surfaces.get_surface(r) is r
    with pytest.raises(ValueError, match="unknown surface 'saddle'.*bowl"):
        surfaces.get_surface("saddle")


# ----------------------------------------------------------------------------- bad input

@pytest.mark.parametrize("A, exc, match", [
    ([[1.0, 2.0], [0.0, 1.0]], ValueError, "symmetric"),
    ([[1.0, 0.0], [0.0, -1.0]], ValueError, "positive definite"),
    ([[1.0, 0.0, 0.0]], ValueError, "2x2"),
    ([[1.0, np.nan], [np.nan, 1.0]], ValueError, "finite"),
    ("bowl", TypeError, "2x2 matrix"),
])
def test_quadratic_rejects_bad_matrices(A, exc, match):
    with pytest.raises(exc, match=match):
        surfaces.Quadratic(A)


def test_run_path_rejects_bad_input():
    b = surfaces.bowl()
    with pytest.raises(TypeError, match="optimizer must be bplab.SGD"):
        surfaces.run_path(b, "sgd")
    with pytest.raises(ValueError, match="steps must be an integer >= 1, got 0"):
        surfaces.run_path(b, SGD(0.1), steps=0)
    with pytest.raises(ValueError, match=r"start must be a point \(x, y\) with shape \(2,\), got shape \(3,\)"):
        surfaces.run_path(b, SGD(0.1), start=(1, 2, 3))
    with pytest.raises(ValueError, match="start must be finite"):
        surfaces.run_path(b, SGD(0.1), start=(np.nan, 0))
    with pytest.raises(TypeError, match="batch_size needs a data surface"):
        surfaces.run_path(b, SGD(0.1), batch_size=4)
    with pytest.raises(ValueError, match="seed must be a non-negative integer"):
        surfaces.run_path(_moons_surface(), SGD(0.1), batch_size=4, seed=-1)
    with pytest.raises(TypeError, match="seed must be a non-negative integer"):
        surfaces.run_path(_moons_surface(), SGD(0.1), batch_size=4, seed=1.0)
    with pytest.raises(TypeError, match="point"):
        b.grad("here")
    with pytest.raises(ValueError, match="same shape"):
        b.values(np.zeros(3), np.zeros(4))


def test_logistic_surface_rejects_bad_data():
    X, y = make_moons(n=40, seed=0)
    with pytest.raises(ValueError, match="2 columns"):
        surfaces.LogisticSurface(np.c_[X, X], y)
    with pytest.raises(ValueError, match="labels 0 and 1"):
        surfaces.LogisticSurface(X, y + 1)
    with pytest.raises(ValueError, match="vector of 40 labels"):
        surfaces.LogisticSurface(X, y[:-1])
    sep_X = np.array([[1.0, 0.0], [2.0, 1.0], [-1.0, 0.0], [-2.0, -1.0]])
    with pytest.raises(ValueError, match="linearly separable"):
        surfaces.LogisticSurface(sep_X, np.array([1, 1, 0, 0]))
    with pytest.raises(ValueError, match="batch must be a non-empty"):
        surfaces.LogisticSurface(X, y).grad((0, 0), batch=np.array([], dtype=int))


def test_bplab_optimizers_accept_point_clouds():
    """The grid trick of the notebook: one optimiser step moves many points at once."""
    w = surfaces.TwoWells()
    P = np.array([[3.0, -3.0], [2.5, -2.5]])        # two points, as columns
    opt = SGD(0.3)
    for _ in range(200):
        opt.step([P], [np.stack(w.grad_grid(P[0], P[1]))])
    singles = [surfaces.run_path(w, SGD(0.3), start=P0, steps=200).final_point for P0 in [(3.0, 2.5), (-3.0, -2.5)]]
    np.testing.assert_allclose(P.T, singles, rtol=1e-10, atol=1e-12)
    assert bplab.SGD is SGD


def test_course_notation_theta_and_H():
    """README notation: a surface's point is θ = (θ₁, θ₂) (y is for labels only), the bowl's matrix is H."""
    import matplotlib
    matplotlib.use("Agg")
    from bplab.chapters.ch03 import plots as dplot
    b = surfaces.bowl()
    assert np.array_equal(b.H, np.diag([1.0, 10.0]))
    ax = dplot.contour(b)
    assert ax.get_xlabel() == r"$\theta_1$" and ax.get_ylabel() == r"$\theta_2$"
    assert "theta_1" in b.title and "y" not in b.title.replace("$", "")
    assert "theta_1" in surfaces.Rosenbrock().title


def test_hessian_and_critical_points():
    """The Hessian of a quadratic is its H; the two-wells saddle has zero gradient, one negative and one
    positive curvature, and lies on the border between the basins."""
    q = surfaces.Quadratic(np.array([[3.0, 2.0], [2.0, 6.0]]))
    np.testing.assert_allclose(q.hessian((0.3, -0.7)), q.H, atol=1e-6)
    w = surfaces.TwoWells()
    s = w.saddle
    np.testing.assert_allclose(s, [0.2633, 0.0719], atol=1e-3)
    assert np.abs(w.grad(s)).max() < 1e-12
    lams = np.linalg.eigvalsh(w.hessian(s))
    assert lams[0] < -1.0 and lams[1] > 0.5
    np.testing.assert_allclose(w.critical_point((-1.4, 0.9)), w.minima[0], atol=1e-10)
    # along the descending direction, a step off the saddle falls into different wells on either side
    v = np.linalg.eigh(w.hessian(s))[1][:, 0]
    ends = {w.nearest_minimum(surfaces.run_path(w, SGD(0.3), start=s + sign * 1e-3 * v, steps=300).final_point)
            for sign in (1, -1)}
    assert ends == {0, 1}


def test_saddle_slows_descent_by_log_of_the_offset():
    """A start delta off the basin border lingers near the saddle about ln(1/delta)/ln|1 - eta*lambda_min| steps."""
    w = surfaces.TwoWells()

    def ends_in(t1):
        return w.nearest_minimum(surfaces.run_path(w, SGD(0.3), start=(t1, 2.5), steps=200).final_point)

    lo, hi = 1.5, 2.5
    assert ends_in(lo) == 0 and ends_in(hi) == 1
    for _ in range(36):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if ends_in(mid) == 0 else (lo, mid)
    near = []
    for d in (1e-4, 1e-8):
        r = surfaces.run_path(w, SGD(0.3), start=(lo + d, 2.5), steps=150)
        near.append(int((np.linalg.norm(r.path - w.saddle, axis=1) < 0.2).sum()))
    growth = abs(1 - 0.3 * np.linalg.eigvalsh(w.hessian(w.saddle))[0])
    expected = np.log(1e4) / np.log(growth)          # 4 more decades of closeness
    assert abs((near[1] - near[0]) - expected) < 3, (near, expected)
