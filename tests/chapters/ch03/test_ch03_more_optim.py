"""Nesterov and AdaGrad (chapter 03's own optimisers) and run_path's learning-rate schedule."""
import numpy as np
import pytest

import bplab
from bplab.chapters.ch03 import surfaces
from bplab.chapters.ch03.more_optim import AdaGrad, Nesterov


def test_nesterov_is_the_lookahead_method():
    """Held in look-ahead coordinates phi = theta + mu v, it must match the textbook form
    v <- mu v - lr grad(theta + mu v), theta <- theta + v, step for step."""
    H = np.array([[3.0, 2.0], [2.0, 6.0]])
    lr, mu = 0.05, 0.8
    theta, v = np.array([2.0, -1.0]), np.zeros(2)
    phi = theta.copy()
    opt = Nesterov(lr, momentum=mu)
    for _ in range(25):
        v = mu * v - lr * H @ (theta + mu * v)
        theta = theta + v
        opt.step([phi], [H @ phi])
        np.testing.assert_allclose(phi, theta + mu * v, rtol=1e-12, atol=1e-14)


def test_nesterov_beats_heavy_ball_on_the_bowl_at_mu_09():
    """On the bowl at lr 0.1, mu 0.9 the heavy ball swings for a long time; Nesterov's look-ahead damps it."""
    b = surfaces.bowl()
    heavy = surfaces.run_path(b, bplab.SGD(0.1, momentum=0.9), steps=100)
    nest = surfaces.run_path(b, Nesterov(0.1, momentum=0.9), steps=100)
    assert nest.steps_to(1e-3) < heavy.steps_to(1e-3)


def test_adagrad_step_and_shrinking_rate():
    p, g = np.array([1.0, -2.0]), np.array([0.5, 4.0])
    opt = AdaGrad(0.1, eps=1e-300)
    opt.step([p], [g.copy()])
    np.testing.assert_allclose(p, [1.0 - 0.1, -2.0 - 0.1])          # first step: lr * sign(g)
    opt.step([p], [g.copy()])
    np.testing.assert_allclose(p, [0.9 - 0.1 / np.sqrt(2), -2.1 - 0.1 / np.sqrt(2)])   # then lr / sqrt(t)
    with pytest.raises(ValueError):
        AdaGrad(0.1, eps=-1.0)


def test_adagrad_trains_a_network():
    X, y = bplab.data.make_moons(n=200, noise=0.1, seed=0)
    net = bplab.MLP([2, 16, 2], activation="tanh", seed=0)
    hist = bplab.fit(net, X, y, optimizer=AdaGrad(0.3), epochs=30, batch_size=20, progress=False)
    assert net.loss_value(X, y) < 0.15 and net.accuracy(X, y) > 0.95


def test_schedule_sets_the_rate_step_by_step_and_restores_it():
    b = surfaces.bowl()
    seen = []

    def sched(k):
        seen.append(k)
        return 0.1 / k
    opt = bplab.SGD(0.05)
    r = surfaces.run_path(b, opt, steps=5, schedule=sched)
    assert seen == [1, 2, 3, 4, 5] and opt.lr == 0.05
    p = b.start.copy()
    for k in range(1, 6):
        p = p - (0.1 / k) * (b.H @ p)
    np.testing.assert_allclose(r.path[-1], p, rtol=1e-12)
    with pytest.raises(TypeError, match="schedule must be a function"):
        surfaces.run_path(b, opt, schedule=0.1)
    with pytest.raises(ValueError):
        surfaces.run_path(b, opt, schedule=lambda k: -1.0)


@pytest.mark.parametrize("lr, mu, nesterov", [(2 / 11, 0.0, False), (0.1, 0.9, False), (0.1, 0.9, True),
                                              (0.05, 0.5, False), (0.15, 0.3, True)])
def test_per_step_factor_matches_the_measured_decay(lr, mu, nesterov):
    """The predicted largest root size must be the rate at which the bowl's loss (error squared) shrinks."""
    from bplab.chapters.ch03.more_optim import per_step_factor
    b = surfaces.bowl()
    opt = Nesterov(lr, momentum=mu) if nesterov else bplab.SGD(lr, momentum=mu)
    r = surfaces.run_path(b, opt, steps=300)
    measured = np.sqrt(r.losses[250] / r.losses[150]) ** (1 / 100)
    predicted = per_step_factor(lr, mu, b.eigenvalues, nesterov=nesterov)
    assert abs(measured - predicted) < 0.01, (measured, predicted)


def test_per_step_factor_known_values():
    from bplab.chapters.ch03.more_optim import per_step_factor
    lams = [10.0, 1.0]
    kappa = 10.0
    s = (np.sqrt(kappa) - 1) / (np.sqrt(kappa) + 1)
    eta_hb = 4 / (np.sqrt(10.0) + 1.0) ** 2
    assert per_step_factor(2 / 11, 0.0, lams) == pytest.approx(9 / 11)                 # plain descent at eta*
    assert per_step_factor(eta_hb, s ** 2, lams) == pytest.approx(s, rel=1e-6)         # Polyak's tuning
    assert per_step_factor(0.1, s, lams, nesterov=True) == pytest.approx(1 - 1 / np.sqrt(kappa), rel=1e-4)
    assert per_step_factor(0.1, 0.9, lams) == pytest.approx(np.sqrt(0.9))              # complex roots: sqrt(mu)
    assert per_step_factor(0.21, 0.0, lams) == pytest.approx(1.1)                      # diverging: above 1
    with pytest.raises(ValueError):
        per_step_factor(0.1, 1.0, lams)
