"""The descent explorer, driven without a browser: set .value on controls, check state and figure."""
import warnings

import matplotlib.pyplot as plt
import numpy as np
import pytest

pytest.importorskip("ipywidgets")

from bplab.chapters.ch03 import surfaces  # noqa: E402
from bplab.chapters.ch03.explorer import DEFAULT_LR, DEFAULT_STEPS, DescentExplorer  # noqa: E402


def _path_line(ex):
    """The path as drawn: the first line on the contour axes with more than one point."""
    ax = ex.figure.axes[0]
    for line in ax.lines:
        xy = line.get_xydata()
        if len(xy) > 1:
            return xy
    raise AssertionError("no path line in the figure")


def _loss_line(ex):
    return ex.figure.axes[1].lines[0].get_ydata()


@pytest.fixture
def ex():
    e = DescentExplorer()
    e.update()          # draw once so there is a figure to compare with
    return e


def test_default_state(ex):
    assert ex.surface.value == "bowl" and ex.optimizer.value == "SGD"
    assert ex.lr.value == pytest.approx(0.1) and ex.momentum.value == 0.0
    assert ex.path.shape == (101, 2) and ex.losses.shape == (101,)
    np.testing.assert_allclose(ex.path[0], [-4.5, 1.5])
    assert ex.status == "converging" and ex.message.startswith("Loss 21.4 ->")
    np.testing.assert_allclose(_path_line(ex), ex.path)
    assert ex.n_draws == 1
    assert plt.get_fignums() == []          # figures are closed after drawing


def test_controls_are_labelled_and_lazy(ex):
    import ipywidgets as w
    assert isinstance(ex.lr, w.FloatLogSlider)
    assert isinstance(ex.momentum, w.FloatSlider)
    assert (ex.momentum.min, ex.momentum.max) == (0.0, 0.99)
    assert isinstance(ex.optimizer, w.Dropdown) and list(ex.optimizer.options) == ["SGD", "RMSProp", "Adam"]
    assert isinstance(ex.surface, w.Dropdown)
    assert [v for _, v in ex.surface.options] == ["bowl", "rosenbrock", "two_wells"]
    for c in ex.controls:
        assert c.description
        assert c.style.description_width == "initial"
        if isinstance(c, (w.FloatSlider, w.FloatLogSlider, w.IntSlider)):
            assert c.continuous_update is False


def test_lr_slider_recomputes_and_redraws(ex):
    before_path, before_fig = ex.path.copy(), _path_line(ex).copy()
    ex.lr.value = 0.01
    assert ex.n_draws == 2
    assert not np.allclose(ex.path, before_path)
    assert not np.allclose(_path_line(ex), before_fig)
    np.testing.assert_allclose(_path_line(ex), ex.path)
    assert "lr=0.01" in ex.result.optimizer


def test_momentum_slider_changes_path(ex):
    before = ex.path.copy()
    ex.momentum.value = 0.9
    assert not np.allclose(ex.path, before)
    assert "momentum=0.9" in ex.result.optimizer
    assert ex.figure.axes[1].get_title() == ex.result.optimizer


def test_optimizer_dropdown_loads_its_lr_and_disables_momentum(ex):
    before = _loss_line(ex).copy()
    ex.optimizer.value = "Adam"
    assert ex.lr.value == pytest.approx(DEFAULT_LR[("bowl", "Adam")])
    assert ex.momentum.disabled
    assert ex.result.optimizer.startswith("Adam(")
    assert not np.allclose(_loss_line(ex), before)
    ex.optimizer.value = "RMSProp"
    assert ex.result.optimizer.startswith("RMSProp(") and ex.momentum.disabled
    ex.optimizer.value = "SGD"
    assert not ex.momentum.disabled


def test_surface_dropdown_loads_start_steps_and_lr(ex):
    ex.surface.value = "rosenbrock"
    r = surfaces.Rosenbrock()
    np.testing.assert_allclose(ex.path[0], r.start)
    assert (ex.x0.min, ex.x0.max) == r.bounds[0] and (ex.y0.min, ex.y0.max) == r.bounds[1]
    assert ex.steps.value == DEFAULT_STEPS["rosenbrock"] == len(ex.path) - 1
    assert ex.lr.value == pytest.approx(DEFAULT_LR[("rosenbrock", "SGD")])
    assert ex.figure.axes[0].get_xlim() == r.bounds[0]
    assert ex.n_draws == 2                     # one redraw, not one per changed control
    ex.surface.value = "two_wells"
    np.testing.assert_allclose(ex.path[0], surfaces.TwoWells().start)


def test_surface_and_optimizer_change_reset_momentum(ex):
    ex.momentum.value = 0.5
    ex.surface.value = "rosenbrock"
    assert ex.momentum.value == 0.0 and "momentum=0)" in ex.result.optimizer
    ex.momentum.value = 0.9
    ex.optimizer.value = "Adam"
    assert ex.momentum.value == 0.0 and ex.momentum.disabled
    ex.optimizer.value = "SGD"
    assert ex.momentum.value == 0.0 and not ex.momentum.disabled
    assert ex.result.optimizer == "SGD(lr=0.001, momentum=0)"
    assert "sets momentum μ back to 0" in ex.help.value


def test_edge_of_stability_shows_stalled(ex):
    ex.lr.value = 0.2
    assert ex.status == "stalled"
    assert ex.message.startswith("Stalled, neither converging nor diverging: the loss went 21.4 -> 11.2")
    texts = [t for t in ex.figure.axes[1].texts if "Stalled" in t.get_text()]
    assert len(texts) == 1
    assert texts[0].get_bbox_patch().get_edgecolor()[:3] != (0.7, 0.7, 0.7)     # orange, not grey
    assert not ex.figure.axes[0].texts                                          # no red banner
    ex.lr.value = 0.1
    assert ex.status == "converging"


def test_two_wells_message_says_which_well():
    ex = DescentExplorer(surface="two_wells")
    assert ex.message.endswith("It ended in the local minimum at (1.37, -0.45), not in the global one "
                               "at (-1.39, 0.93).")
    ex.x0.value = -3.0
    assert ex.message.endswith("It ended in the global minimum at (-1.39, 0.93).")
    ex.update()
    shown = " ".join(t.get_text().replace("\n", " ").replace("\u00a0", " ") for t in ex.figure.axes[1].texts)
    assert "global minimum at (-1.39, 0.93)" in shown


def test_steps_and_start_sliders(ex):
    ex.steps.value = 30
    assert len(ex.path) == 31 and len(_path_line(ex)) == 31
    ex.x0.value = 2.0
    ex.y0.value = -1.0
    np.testing.assert_allclose(ex.path[0], [2.0, -1.0])
    np.testing.assert_allclose(_path_line(ex)[0], [2.0, -1.0])


def test_two_wells_start_picks_the_well():
    ex = DescentExplorer(surface="two_wells")
    w = surfaces.TwoWells()
    assert w.nearest_minimum(ex.path[-1]) == 1
    ex.x0.value = -3.0
    assert w.nearest_minimum(ex.path[-1]) == 0


def test_diverging_lr_shows_message_not_warnings(ex):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ex.lr.value = 0.5
    assert ex.status == "diverged"
    assert ex.message.startswith("Diverged at step")
    assert "lr=0.5 is too large" in ex.message
    texts = [t.get_text().replace("\n", " ") for t in ex.figure.axes[0].texts]
    assert any("Diverged at step" in t and "too large" in t for t in texts)
    assert np.isfinite(ex.path).all() and np.isfinite(ex.losses).all()
    ex.lr.value = 0.1                          # and it recovers
    assert ex.status == "converging"
    assert not any("Diverged" in t.get_text() for t in ex.figure.axes[0].texts)


def test_adam_with_huge_lr_is_reported_not_crashing():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ex = DescentExplorer(surface="rosenbrock", optimizer="Adam", lr=10.0)
        ex.update()
    assert ex.status in ("diverged", "converging")
    assert np.isfinite(ex.losses).all()


def test_show_default_draws_and_prints(capsys):
    e = DescentExplorer.show_default()
    out = capsys.readouterr().out
    assert out.startswith("SGD(lr=0.1, momentum=0) on bowl, start (-4.5, 1.5): Loss 21.4 ->")
    assert e.figure is not None and plt.get_fignums() == []
    d = DescentExplorer.show_default(lr=0.25)
    assert d.status == "diverged" and "Diverged" in capsys.readouterr().out


def test_repr_and_mimebundle():
    e = DescentExplorer()
    assert repr(e) == "DescentExplorer(surface='bowl', optimizer='SGD', lr=0.1, momentum=0, steps=100, start=(-4.5, 1.5))"
    bundle = e._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert e.n_draws == 1


@pytest.mark.parametrize("kwargs, match", [
    (dict(surface="saddle"), "unknown surface 'saddle'"),
    (dict(optimizer="adam"), "unknown optimizer 'adam'; choose one of \\['SGD', 'RMSProp', 'Adam'\\]"),
    (dict(lr=0.0), "lr must be a number in \\[1e-4, 10\\], got 0.0"),
    (dict(momentum=1.0), "momentum must be a number in \\[0, 0.99\\]"),
    (dict(steps=5), "steps must be an integer in \\[10, 3000\\], got 5"),
    (dict(start=(50.0, 0.0)), "outside the surface's bounds"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        DescentExplorer(**kwargs)


# ------------------------------------------------------------ browser-test findings, pinned down
def _d3_readout(value, fmt):
    """What the slider's readout shows: d3-format ".3" = toPrecision(3) with trailing zeros trimmed."""
    assert fmt == ".3"
    s = f"{value:#.3g}"                    # = JavaScript's toPrecision(3) for 1e-6 <= value < 1e3
    return s.rstrip("0").rstrip(".") if "." in s and "e" not in s else s


def test_blowup_message_and_loss_plot_agree(ex):
    """'Diverged at step 4' while the curve ended at step 3 on an axis with 0.5-step ticks."""
    ex.lr.value = 10.0
    assert ex.result.blew_up and ex.result.diverged_at == 4
    ax = ex.figure.axes[1]
    steps = ax.lines[0].get_xdata()
    assert steps[-1] == 3 == len(ex.losses) - 1          # the last step drawn ...
    assert "The curve stops at step 3, the last step before the blow-up" in ex.message   # ... is named
    assert any(np.allclose(line.get_xdata(), 4) for line in ax.lines[1:])   # and step 4 is marked
    assert any("step 4" in t.get_text() for t in ax.texts)
    lo, hi = ax.get_xlim()
    ticks = [t for t in ax.get_xticks() if lo <= t <= hi]
    assert ticks and all(float(t).is_integer() for t in ticks)
    banner = " ".join(t.get_text().replace("\n", " ") for t in ex.figure.axes[0].texts)
    assert "stops at step 3" in banner
    assert "stops at step 3" in ex.summary()


def test_learning_rate_shown_the_same_everywhere():
    """RMSProp's title said lr=0.0112202 while the readout said 0.0112."""
    ex = DescentExplorer(surface="rosenbrock", optimizer="RMSProp")
    s = ex.lr
    for k in range(int(round((s.max - s.min) / s.step)) + 1):
        v = 10 ** (s.min + k * s.step)
        assert _d3_readout(v, s.readout_format) == f"{v:.3g}", v
    ex.lr.value = 10 ** -1.95                             # a slider position: 0.0112202...
    assert _d3_readout(ex.lr.value, s.readout_format) == "0.0112"
    assert ex.result.optimizer.startswith("RMSProp(lr=0.0112,")   # what ran is what is shown
    ex.update()
    assert ex.figure.axes[1].get_title().startswith("RMSProp(lr=0.0112,")
    plt.close(ex.figure)
