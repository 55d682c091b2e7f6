"""Tests for bplab.chapters.ch02.boundary: the grid numbers, and what each figure draws."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import bplab  # noqa: E402
from bplab.chapters.ch02 import boundary  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def toy():
    X, y = bplab.data.make_moons(n=60, seed=0)
    net = bplab.MLP([2, 6, 2], activation="tanh", seed=0)
    bplab.fit(net, X, y, optimizer=bplab.SGD(0.5), epochs=30, batch_size=10, progress=False)
    return X, y, net


def test_plot_lim_is_symmetric_and_rounded():
    assert boundary.plot_lim(np.array([[1.23, -0.5], [0.0, -1.4]])) == pytest.approx(1.7)
    assert boundary.plot_lim(np.array([[1.0, 0.0]]), margin=0.0) == pytest.approx(1.0)


def test_decision_grid_matches_model(toy):
    X, y, net = toy
    xs, ys, probs = boundary.decision_grid(net, X, resolution=21)
    assert xs.shape == ys.shape == (21,)
    assert probs.shape == (21, 21)
    assert xs[0] == -xs[-1] == -boundary.plot_lim(X)
    # probs[i, j] is P(class 1) at (xs[j], ys[i])
    for i, j in [(0, 0), (3, 17), (20, 5)]:
        assert probs[i, j] == pytest.approx(net.predict_proba(np.array([[xs[j], ys[i]]]))[0, 1])
    # the trained net puts most training points on the right side
    assert net.accuracy(X, y) > 0.8


def test_decision_grid_multiclass_and_errors():
    net = bplab.MLP([2, 4, 3], seed=1)
    xs, ys, probs = boundary.decision_grid(net, lim=1.0, resolution=5)
    assert probs.shape == (5, 5, 3)
    np.testing.assert_allclose(probs.sum(axis=2), 1.0)
    with pytest.raises(TypeError, match="2 inputs"):
        boundary.decision_grid(bplab.MLP([3, 4, 2]))
    with pytest.raises(TypeError, match="2 inputs"):
        boundary.decision_grid("net")
    with pytest.raises(ValueError, match="resolution"):
        boundary.decision_grid(net, resolution=1)
    with pytest.raises(ValueError, match="lim must be a positive number"):
        boundary.decision_grid(net, lim=-1.0)


def test_decision_grid_of_blown_up_model_is_nan_not_warning():
    net = bplab.MLP([2, 3, 2], activation="linear", seed=0)
    for p in net.params:
        p[...] = 1e300
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _, _, probs = boundary.decision_grid(net, lim=1.0, resolution=4)
    assert probs.shape == (4, 4)


def test_plot_decision_boundary_draws_contour_points_labels(toy):
    X, y, net = toy
    ax = boundary.plot_decision_boundary(net, X, y, title="moons: acc 90%", colorbar=True)
    assert ax.get_title() == "moons: acc 90%"
    assert ax.get_xlabel() == "$x_1$" and ax.get_ylabel() == "$x_2$"
    assert len(ax.collections) >= 3            # filled contour, boundary line, 2 scatter sets
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["class 0", "class 1"]
    from matplotlib.collections import PathCollection
    # (matplotlib < 3.8 also adds one unlabelled PathCollection per contour level)
    scatters = [c for c in ax.collections
                if type(c) is PathCollection and not c.get_label().startswith("_")]
    assert len(scatters) == 2
    offsets = np.concatenate([c.get_offsets() for c in scatters])
    assert len(offsets) == len(X)              # every data point is drawn
    assert len(ax.figure.axes) == 2            # with the colour bar
    with pytest.raises(ValueError, match=r"shape \(n, 2\)"):
        boundary.plot_decision_boundary(net, X[:, :1], y)
    with pytest.raises(ValueError, match="y has 59 labels but X has 60 rows"):
        boundary.plot_decision_boundary(net, X, y[:-1])


def test_plot_loss_curve_log_scale_marks_and_divergence():
    hist = pd.DataFrame({"loss": [1.0, 0.1, 0.01], "val_loss": [1.1, 0.2, 0.05]},
                        index=pd.Index([1, 2, 3], name="epoch"))
    ax = boundary.plot_loss_curve(hist, marks=[2], diverged_epoch=3, title="t")
    assert ax.get_yscale() == "log"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["train loss", "test loss", "diverged (epoch 3)"]
    assert ax.get_xlabel() == "epoch"
    flat = pd.DataFrame({"loss": [0.70, 0.69]}, index=[1, 2])
    assert boundary.plot_loss_curve(flat).get_yscale() == "linear"   # a narrow range stays linear
    with pytest.raises(TypeError, match="history"):
        boundary.plot_loss_curve(None)


def test_plot_boundary_snapshots(toy):
    X, y, net = toy
    grid = boundary.decision_grid(net, X, resolution=10)
    hist = pd.DataFrame({"loss": [0.7, 0.5, 0.3]}, index=[1, 2, 3])
    snaps = [dict(epoch=0, grid=grid, accuracy=0.5), dict(epoch=3, grid=grid, accuracy=0.9,
                                                          test_accuracy=0.85)]
    fig = boundary.plot_boundary_snapshots(snaps, X, y, history=hist, ncols=3)
    titles = [ax.get_title() for ax in fig.axes]
    assert titles[0] == "epoch 0: train acc 50.0%"
    assert titles[1] == "epoch 3: train acc 90.0%\ntest acc 85.0%"
    assert titles[2].startswith("loss")
    assert len(fig.axes) == 3                  # no colour bar unless asked for
    fig = boundary.plot_boundary_snapshots(snaps, X, y, history=hist, ncols=3, colorbar=True)
    assert len(fig.axes) == 4
    cax = fig.axes[-1]
    assert "P(class 1)" in cax.get_ylabel() and "decision boundary" in cax.get_ylabel()
    assert cax.get_position().x0 > max(ax.get_position().x1 for ax in fig.axes[:3])
    assert any(np.allclose(ln.get_ydata(), 0.5) for ln in cax.lines)     # the 0.5 line marked
    with pytest.raises(ValueError, match="empty"):
        boundary.plot_boundary_snapshots([], X, y)
    with pytest.raises(TypeError, match="snapshots\\[0\\]"):
        boundary.plot_boundary_snapshots([grid], X, y)


def test_plot_activations_draws_f_and_derivative():
    fig = boundary.plot_activations()
    assert len(fig.axes) == 2 * len(bplab.ACTIVATIONS)
    top = fig.axes[0]      # sigmoid, f(z)
    z, f = top.lines[0].get_data()
    np.testing.assert_allclose(f, 1 / (1 + np.exp(-z)), atol=1e-12)
    bottom = fig.axes[len(bplab.ACTIVATIONS)]   # sigmoid'(z)
    _, d = bottom.lines[0].get_data()
    assert d.max() == pytest.approx(0.25)
    fig2 = boundary.plot_activations(["relu"])
    assert len(fig2.axes) == 2
    # relu' = 0 on the left lies on the grey y = 0 line: the curve must be drawn on top of it
    relu_bottom = fig2.axes[1]
    curves = [ln for ln in relu_bottom.lines if ln.get_color() == "C3"]
    grey = [ln for ln in relu_bottom.lines if ln.get_color() == "0.7"]
    assert len(curves) == 2 and len(grey) == 2
    assert min(c.get_zorder() for c in curves) > max(g.get_zorder() for g in grey)
    # one style of title: "f(z) = ..." on top, "f'(z) = ..." below
    for j in range(len(bplab.ACTIVATIONS)):
        assert fig.axes[j].get_title().split("\n")[1].startswith("$f(z)=")
        assert fig.axes[len(bplab.ACTIVATIONS) + j].get_title().startswith("$f'(z)=")
    with pytest.raises(ValueError, match="unknown activation"):
        boundary.plot_activations(["softplus"])
    with pytest.raises(ValueError, match="empty"):
        boundary.plot_activations([])


def test_chapter_modules_reachable_from_bplab():
    import bplab.chapters.ch02.boundary
    assert bplab.chapters.ch02.boundary is boundary


def test_plot_datasets_draws_every_point_of_each_set():
    fig = boundary.plot_datasets()
    axes = fig.axes
    assert [ax.get_title() for ax in axes] == [f"{n} (200 points)" for n in
                                               ("xor", "moons", "circles", "spirals")]
    for ax, name in zip(axes, ("xor", "moons", "circles", "spirals")):
        X, y = bplab.data.make_toy(name, n=200, seed=0)
        pts = np.concatenate([c.get_offsets() for c in ax.collections])
        assert len(pts) == 200
        assert np.allclose(np.sort(pts[:, 0]), np.sort(X[:, 0]))
    plt.close(fig)
