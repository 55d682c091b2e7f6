"""The chapter-04 widget, driven without a browser: set .value, read the state and the figure."""
import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

pytest.importorskip("ipywidgets")

from bplab import vanishing as V  # noqa: E402
from bplab.widgets.vanishing import VanishingExplorer  # noqa: E402


def _bar_heights(ax):
    return np.array([p.get_height() for p in ax.patches])


@pytest.fixture
def ex():
    # small settings keep every redraw fast; the data are the default 8x8 digits split
    return VanishingExplorer(epochs=2, seeds=[0])


def test_default_state(ex):
    assert ex.activation.value == "sigmoid" and ex.depth.value == 5
    assert ex.init.value == "lecun + bias N(0,1)" and ex.lr.value == pytest.approx(0.1)
    assert ex.grad_norms.shape == (6,) and ex.weight_change.shape == (6,)
    assert ex.last_message is None
    assert ex.n_updates == 1
    # the vanishing pattern at its default: layer 1 gets far less gradient than the last hidden layer
    assert ex.grad_norms[0] * 100 < ex.grad_norms[-2]
    # the figure shows exactly these numbers
    np.testing.assert_allclose(_bar_heights(ex.figure.axes[0]), ex.grad_norms)
    np.testing.assert_allclose(_bar_heights(ex.figure.axes[1]), ex.weight_change)
    # and they are bplab's numbers
    want = V.gradient_norms_at_init(ex.X, ex.y, [64] + [30] * 5 + [10], "sigmoid", init="lecun",
                                    bias_std=1.0, seeds=[0])["grad_norm"]
    np.testing.assert_allclose(ex.grad_norms, want)


def test_depth_slider_redraws(ex):
    ex.depth.value = 2
    assert ex.n_updates == 2
    assert ex.grad_norms.shape == (3,)
    assert len(ex.figure.axes[0].patches) == 3
    assert ex.model.sizes == [64, 30, 30, 10]


def test_activation_and_init_change_the_chart(ex):
    before = _bar_heights(ex.figure.axes[0]).copy()
    ex.activation.value = "relu"
    ex.init.value = "he"
    after = _bar_heights(ex.figure.axes[0])
    assert not np.allclose(before, after)
    g = ex.grad_norms[:-1]
    assert g.max() / g.min() < 3                  # ReLU + He: roughly flat
    assert "relu" in ex.title() and "he" in ex.title()
    assert ex.test_accuracy is not None and 0.0 <= ex.test_accuracy <= 1.0


def test_large_init_explodes(ex):
    ex.activation.value = "relu"
    ex.init.value = "normal std=1 (too large)"
    assert ex.grad_norms[0] > 10 * ex.grad_norms[-2]


def test_learning_rate_changes_the_training(ex):
    ex.activation.value = "tanh"
    ex.init.value = "xavier"
    slow = ex.weight_change.copy()
    ex.lr.value = 0.001
    assert np.all(ex.weight_change < slow)
    np.testing.assert_allclose(_bar_heights(ex.figure.axes[1]), ex.weight_change)


def test_divergence_shows_a_friendly_message(ex):
    ex.activation.value = "leaky_relu"
    ex.init.value = "he"
    ex.lr.value = 10.0
    assert ex.last_message is not None and "diverged" in ex.last_message
    assert "learning rate" in ex.last_message
    assert np.isnan(ex.weight_change).all()
    texts = " ".join(t.get_text() for t in ex.figure.axes[1].texts)
    assert "diverged" in texts
    assert all(np.isfinite(p).all() for p in ex.model.params)
    # back to a sane rate: the message goes away
    ex.lr.value = 0.1
    assert ex.last_message is None
    assert np.isfinite(ex.weight_change).all()


def test_show_default_prints_the_numbers(ex, capsys):
    ex.show_default()
    out = capsys.readouterr().out
    assert "sigmoid, 5 hidden layers of 30" in out
    assert "layer 6 (output)" in out


def test_controls_have_clear_descriptions(ex):
    for w in (ex.activation, ex.depth, ex.init, ex.lr):
        assert w.description
        assert w.style.description_width == "initial"
    assert set(ex.init.options) == set(V.INIT_PRESETS)


def test_bad_arguments():
    with pytest.raises(ValueError, match="init"):
        VanishingExplorer(init="huge", seeds=[0], epochs=1)
    with pytest.raises(ValueError, match="lr"):
        VanishingExplorer(lr=-1.0, seeds=[0], epochs=1)


def test_ui_is_a_box_with_every_control(ex):
    import ipywidgets as widgets

    ui = ex.ui
    assert isinstance(ui, widgets.VBox)
    found = set()

    def walk(w):
        found.add(id(w))
        for c in getattr(w, "children", ()):
            walk(c)
    walk(ui)
    for w in (ex.activation, ex.depth, ex.init, ex.lr, ex.out):
        assert id(w) in found
