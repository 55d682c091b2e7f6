"""The chapter-04 widget, driven without a browser: set .value, read the state and the figure."""
import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

pytest.importorskip("ipywidgets")

from bplab.chapters.ch04 import experiments as V  # noqa: E402
from bplab.chapters.ch04.explorer import VanishingExplorer  # noqa: E402


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
    assert ex.val_accuracy is not None and 0.0 <= ex.val_accuracy <= 1.0


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


# ------------------------------------------------------------ failures, explained in the figure
def _figure_texts(fig):
    import matplotlib.text
    return " ".join(t.get_text() for t in fig.findobj(matplotlib.text.Text))


def test_relu_blowup_is_a_message_not_a_crash(ex):
    """relu + the default init at lr = 10: the loss reaches ~1e236 and a weight change overflows
    to inf without fit() raising; the redraw used to die in set_ylim (NaN/inf axis limits)."""
    ex.activation.value = "relu"
    ex.lr.value = 10.0                     # must not raise
    assert ex.status == "diverged"
    assert "diverged" in ex.last_message and "too large" in ex.last_message
    assert "dead" in ex.last_message       # measured: the ReLUs died after the blow-up
    texts = " ".join(t.get_text() for t in ex.figure.axes[1].texts)
    assert "diverged" in texts
    for ax in ex.figure.axes:
        assert np.isfinite(ax.get_ylim()).all()
    assert "diverged" in ex.text.value     # also as text outside the image
    ex.lr.value = 0.1                      # and back: no longer diverged
    assert ex.status != "diverged" and ex.last_message is None


@pytest.mark.parametrize("activation", ["sigmoid", "tanh"])
def test_failed_training_gets_an_explanation(ex, activation):
    """sigmoid/tanh at lr = 10 stay finite but end at chance: the figure must say why."""
    ex.activation.value = activation
    ex.lr.value = 10.0
    assert ex.val_accuracy < 0.2
    assert ex.status == "too_large"
    assert ex.last_message is None         # the bars stay: the numbers are finite
    assert "failed" in ex.note and "too large" in ex.note and "try 1" in ex.note
    assert f"{ex.val_accuracy:.3f}" in ex.note
    assert "saturated" in ex.note          # the measured reason
    assert ex.stuck.max() >= 0.5
    assert ex.note in _figure_texts(ex.figure).replace("\n", " ")
    np.testing.assert_allclose(_bar_heights(ex.figure.axes[1]), ex.weight_change)


def test_default_view_explains_why_it_does_not_learn(ex):
    assert ex.status == "not_learning" and ex.val_accuracy < 0.2
    assert "vanishes" in ex.note
    assert "vanishes" in _figure_texts(ex.figure)


def test_small_learning_rate_is_called_tiny_steps(ex):
    ex.activation.value = "relu"
    ex.init.value = "he"
    ex.lr.value = 0.001
    assert ex.status == "not_learning"
    assert "tiny" in ex.note and "0.01" in ex.note


def test_a_working_setting_has_no_message(ex):
    ex.activation.value = "relu"
    ex.init.value = "he"
    assert ex.status == "ok" and ex.note is None and ex.last_message is None
    assert ex.val_accuracy >= 0.2


def _d3_readout(value, fmt):
    """What ipywidgets' readout shows: d3-format; ".3" = toPrecision(3), trailing zeros trimmed."""
    assert fmt == ".3"
    s = f"{value:#.3g}"                    # = JavaScript's toPrecision(3) for 1e-6 <= value < 1e3
    return s.rstrip("0").rstrip(".") if "." in s and "e" not in s else s


def test_title_shows_the_learning_rate_as_the_slider_does(ex):
    # every position of the slider: the title shows exactly the readout's digits
    fmt = ex.lr.readout_format
    for k in range(int(round((ex.lr.max - ex.lr.min) / ex.lr.step)) + 1):
        v = 10 ** (ex.lr.min + k * ex.lr.step)
        assert _d3_readout(v, fmt) == f"{v:.3g}", v
    ex.lr.value = 10 ** -0.9
    assert "lr=0.126)" in ex.title() and _d3_readout(ex.lr.value, fmt) == "0.126"
    ex.lr.value = 10.0
    assert "lr=10)" in ex.title()
    assert "learning rate 10 " in ex.note


def test_show_default_prints_the_note(ex, capsys):
    ex.show_default()
    assert "Not learning (yet)" in capsys.readouterr().out


# ------------------------------------------------------------ the plotting functions themselves
def test_layer_norm_bars_skips_values_a_log_axis_cannot_show():
    import matplotlib.pyplot as plt

    from bplab.chapters.ch04.plots import layer_norm_bars

    fig = layer_norm_bars({"a": [1e-3, np.inf, np.nan, 0.0, 0.5]})
    ax = fig.axes[0]
    lo, hi = ax.get_ylim()
    assert np.isfinite([lo, hi]).all() and lo <= 1e-3 and hi >= 0.5
    assert [(j, str(v)) for _, j, v in ax.skipped] == [(1, "inf"), (2, "nan"), (3, "0.0")]
    labels = [t.get_text() for t in ax.texts]
    assert {"inf", "NaN", "0"} <= set(labels)
    plt.close(fig)

    fig = layer_norm_bars({"a": [np.inf, np.nan]})        # nothing drawable at all
    assert "no finite value" in " ".join(t.get_text() for t in fig.axes[0].texts)
    plt.close(fig)


def test_explorer_figure_survives_infinite_weight_changes():
    import matplotlib.pyplot as plt

    from bplab.chapters.ch04.plots import gradient_explorer_figure

    fig = gradient_explorer_figure([0.1, 0.2, 0.3], [1e8, np.inf, 2.0], title="t", note="a note")
    assert all(np.isfinite(ax.get_ylim()).all() for ax in fig.axes)
    assert "a note" in _figure_texts(fig)
    plt.close(fig)


def test_exploding_init_blames_the_initialisation_not_the_learning_rate(ex):
    """relu + N(0, 1) weights, 10 layers: the gradient explodes before training, and training
    diverges even at the slider's smallest learning rate; the message must say so."""
    ex.activation.value = "relu"
    ex.init.value = "normal std=1 (too large)"
    ex.depth.value = 10
    ex.lr.value = 0.001
    assert ex.status == "diverged" and ex.cause == "init"
    assert ex.exploding_at_init() > 1000
    assert "initial weights are too large" in ex.last_message
    assert "learning rate is too large" not in ex.last_message
    assert "he" in ex.last_message
    # a well-scaled init with too large a step still blames the step
    ex.init.value = "he"
    ex.depth.value = 5
    ex.lr.value = 10.0
    assert ex.status == "diverged" and ex.cause == "lr"
    assert ex.exploding_at_init() is None
    assert "learning rate is too large" in ex.last_message


def test_explorer_scores_on_validation_not_test(ex):
    from bplab.data import load_digits, train_test_split
    X, y = load_digits()
    X_rest, X_te, y_rest, y_te = train_test_split(X, y, test_size=0.2, seed=0)
    assert len(ex.X) + len(ex.X_val) == len(X_rest)
    assert "validation accuracy" in ex.title()
