"""bplab.chapters.ch05.explorer.OCRExplorer, driven without a browser: set .value, check the state."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import ipywidgets as widgets  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import bplab  # noqa: E402
from bplab.chapters.ch05.explorer import OCRExplorer  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture
def explorer():
    return OCRExplorer()


def _figure_text(fig):
    return " ".join([fig._suptitle.get_text()] + [t.get_text() for t in fig.texts])


def test_controls_and_default_state(explorer):
    assert isinstance(explorer.lr_slider, widgets.FloatLogSlider)
    assert isinstance(explorer.activation_dropdown, widgets.Dropdown)
    assert list(explorer.activation_dropdown.options) == list(bplab.ACTIVATIONS)
    for control in (explorer.lr_slider, explorer.activation_dropdown):
        assert control.description and control.style.description_width == "initial"
    assert explorer.lr_slider.value == pytest.approx(0.1)
    assert 10 ** explorer.lr_slider.min == pytest.approx(1e-4) and 10 ** explorer.lr_slider.max == pytest.approx(10)
    assert explorer.status == "ok" and explorer.accuracy > 0.95
    assert len(explorer.history) == 15
    assert explorer.accuracy == explorer.history["val_accuracy"].iloc[-1]
    assert explorer.model.activation == "relu" and explorer.n_trainings == 1
    assert "validation accuracy" in _figure_text(explorer.figure)


def test_learning_rate_change_retrains_and_redraws(explorer):
    before_acc, before_hist, before_fig = explorer.accuracy, explorer.history, explorer.figure
    explorer.lr_slider.value = 0.001
    assert explorer.n_trainings == 2
    assert explorer.lr == pytest.approx(0.001)
    assert explorer.accuracy != before_acc and explorer.accuracy < before_acc
    assert not explorer.history["loss"].equals(before_hist["loss"])
    assert explorer.status == "slow" and "tiny steps" in explorer.last_message
    assert explorer.figure is not before_fig
    assert "η = 0.001" in _figure_text(explorer.figure)
    # the plotted curve is the new history
    loss_line = explorer.figure.axes[0].lines[0]
    assert np.allclose(loss_line.get_ydata(), explorer.history["loss"])


@pytest.mark.parametrize("activation", sorted(bplab.ACTIVATIONS))
def test_every_activation_trains(explorer, activation):
    explorer.activation_dropdown.value = activation
    assert explorer.model.activation == activation
    if activation != "relu":
        assert explorer.n_trainings == 2
    assert explorer.status == "ok" and explorer.accuracy > 0.9


def test_diverging_lr_gives_a_friendly_message(explorer):
    explorer.activation_dropdown.value = "linear"
    explorer.lr_slider.value = 1.0
    assert explorer.status == "diverged"
    assert explorer.accuracy is None
    assert "diverged" in explorer.last_message
    # the suggested η was checked by training there, and it works
    assert "Try η = 0.1: checked, it reaches validation accuracy 0.9" in explorer.last_message
    assert explorer.try_setting(0.1, "linear")["status"] == "ok"
    drawn = " ".join(t.get_text().replace("\n", " ").replace("\u00a0", " ") for t in explorer.figure.texts)
    assert explorer.last_message in drawn
    assert "η\u00a0=\u00a00.1" in " ".join(t.get_text() for t in explorer.figure.texts)   # never split
    assert all(np.isfinite(p).all() for p in explorer.model.params)   # no NaN left behind
    assert "diverged" in explorer.figure._suptitle.get_text()


def test_suggested_lr_after_divergence_is_one_that_works(explorer):
    # at η = 10 a linear net diverges, and so does η = 1: the message must not send the learner there
    res = explorer.try_setting(10.0, "linear")
    assert res["status"] == "diverged" and explorer.try_setting(1.0, "linear")["status"] == "diverged"
    assert "Try η = 0.1: checked" in res["message"] and "η = 1:" not in res["message"]


def test_too_large_lr_that_kills_relus_is_explained(explorer):
    explorer.lr_slider.value = 10.0
    assert explorer.status == "failed"
    assert explorer.accuracy == pytest.approx(0.1, abs=0.01)
    msg = explorer.last_message
    assert "no better than guessing (chance is 0.1)" in msg
    assert "100% of the hidden ReLUs output 0 for every training image" in msg
    digit = int(explorer.model.predict(explorer.X_val)[0])
    assert f"answers {digit} for every image" in msg
    assert "Try η = 0.1: checked, it reaches validation accuracy 0.98" in msg
    d = explorer.try_setting(10.0, "relu")["diagnosis"]
    assert d["dead"] == 1.0 and d["constant"] == digit


@pytest.mark.parametrize("activation, lr", [("tanh", 1.0), ("sigmoid", 10 ** 0.5), ("sigmoid", 0.1)])
def test_saturated_means_a_slope_below_a_tenth_of_its_maximum(explorer, activation, lr):
    """``saturated`` counts hidden (image, unit) values whose slope f'(z) is below 10 % of the
    activation's maximum slope (chapter 04's definition: 0.025 for the sigmoid, 0.1 for tanh),
    measured on the training images."""
    from bplab.chapters.ch05.explorer import FLAT_FRACTION

    model = explorer.try_setting(lr, activation)["model"]
    Z = explorer.X_train @ model.params[0] + model.params[1]
    slope = bplab.ACTIVATIONS[activation].derivative(Z)
    peak = {"sigmoid": 0.25, "tanh": 1.0}[activation]
    assert FLAT_FRACTION == 0.1
    assert explorer.diagnose(model)["saturated"] == pytest.approx(np.mean(slope < 0.1 * peak), abs=1e-4)
    assert explorer.diagnose(explorer.try_setting(lr, "relu")["model"])["saturated"] == 0.0


def test_failure_message_depends_on_the_activation(explorer):
    lin = explorer.try_setting(10 ** -0.25, "linear")          # η ≈ 0.56, a slider position
    assert lin["status"] == "failed"
    assert "slope 1 everywhere, so no unit is dead or saturated" in lin["message"]
    assert "blow up" in lin["message"] and "ReLU" not in lin["message"] and "flat" not in lin["message"]
    assert lin["diagnosis"]["final_loss"] > 100
    leaky = explorer.try_setting(10 ** 0.5, "leaky_relu")     # η ≈ 3.16
    assert leaky["status"] == "failed"
    assert "blow up" in leaky["message"] and "ReLUs output 0" not in leaky["message"]
    barely = explorer.try_setting(10 ** 0.75, "leaky_relu")   # η ≈ 5.6: failed, but not quite at chance
    assert barely["status"] == "failed" and 0.11 < barely["accuracy"] < 0.2
    assert "barely above chance (0.1)" in barely["message"]
    assert "no better than guessing" not in barely["message"]
    tanh = explorer.try_setting(10 ** -0.25, "tanh")   # η ≈ 0.56: unstable with numpy 1.x and 2.x
    assert tanh["status"] == "unstable" and tanh["message"].startswith("Unstable: validation accuracy")
    assert "tanh values sit on its flat tails" in tanh["message"] and tanh["diagnosis"]["saturated"] > 0.9
    sig = explorer.try_setting(10 ** 0.5, "sigmoid")
    assert sig["status"] == "failed" and "sigmoid values sit on its flat tails" in sig["message"]
    for res in (lin, leaky, tanh, sig):
        assert "Try η = " in res["message"] and ": checked, it reaches validation accuracy" in res["message"]


def test_status_word_matches_the_message(explorer):
    for lr, act in [(0.001, "relu"), (1.0, "tanh"), (10.0, "relu"), (1.0, "linear"), (0.1, "relu")]:
        res = explorer.try_setting(lr, act)
        first = res["message"].split(":")[0].lower()
        expected = {"slow": "still learning", "unstable": "unstable", "failed": "training failed",
                    "diverged": "training diverged", "ok": "validation accuracy 0.9"}[res["status"]]
        assert first.startswith(expected.split()[0]) and expected in res["message"].lower()


def test_long_messages_fit_under_the_curves(explorer):
    explorer.activation_dropdown.value = "tanh"
    explorer.lr_slider.value = 10.0                    # the longest message: four causes and a tip
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = explorer.figure
    canvas = FigureCanvasAgg(fig)                      # the explorer closed its figure: draw it again
    canvas.draw()
    renderer = canvas.get_renderer()
    box = fig.texts[-1].get_window_extent(renderer)
    lowest_axis = min(ax.get_tightbbox(renderer).y0 for ax in fig.axes)
    assert box.y1 < lowest_axis and box.y0 >= 0


def test_returning_to_a_setting_uses_the_cache(explorer):
    first = explorer.accuracy
    explorer.lr_slider.value = 0.01
    explorer.lr_slider.value = 0.1
    assert explorer.n_trainings == 2          # 0.1 was not trained again
    assert explorer.accuracy == first


def test_try_setting_leaves_controls_alone(explorer):
    res = explorer.try_setting(1.0, "sigmoid")
    assert res["status"] == "ok" and res["accuracy"] > 0.9
    assert explorer.lr_slider.value == pytest.approx(0.1)
    assert explorer.activation_dropdown.value == "relu"
    assert explorer.model.activation == "relu"
    with pytest.raises(ValueError, match="unknown activation"):
        explorer.try_setting(0.1, "swish")
    with pytest.raises(ValueError, match="lr must be > 0"):
        explorer.try_setting(-1.0, "relu")


def test_show_default_draws_the_default_view(explorer, capsys):
    explorer.lr_slider.value = 3.0
    fig = explorer.show_default()
    out = capsys.readouterr().out
    assert "relu, η = 0.1, 15 epochs: final training loss" in out and "validation accuracy 0.9" in out
    assert len(out.strip().splitlines()) == 1           # the result once, not twice
    assert "η = 0.1" in fig._suptitle.get_text()
    assert explorer.lr_slider.value == pytest.approx(3.0)      # the controls were not touched


def test_custom_data_and_bad_arguments():
    X, y = bplab.data.load_digits()
    small = OCRExplorer(lr=0.3, activation="tanh", epochs=3, data=(X[:300], y[:300], X[300:400], y[300:400]))
    assert len(small.history) == 3 and small.model.activation == "tanh"
    with pytest.raises(ValueError, match="lr must be between"):
        OCRExplorer(lr=100.0)
    with pytest.raises(ValueError, match="unknown activation"):
        OCRExplorer(activation="swish")
    with pytest.raises(TypeError, match="data must be a tuple"):
        OCRExplorer(data=(X, y))
    with pytest.raises(ValueError, match="epochs must be an integer >= 1"):
        OCRExplorer(epochs=0)


def test_text_line_under_the_figure_follows_the_controls(explorer):
    import html

    assert explorer.text in explorer.ui.children
    assert explorer.ui.children.index(explorer.text) > explorer.ui.children.index(explorer.out)
    before = explorer.text.value
    assert html.escape(explorer.figure._suptitle.get_text(), quote=False) in before
    assert html.escape(explorer.last_message, quote=False) in before
    explorer.lr_slider.value = 0.001
    assert explorer.text.value != before
    assert "η = 0.001" in explorer.text.value and "tiny steps" in explorer.text.value
    assert html.escape(explorer.figure._suptitle.get_text(), quote=False) in explorer.text.value
    explorer.activation_dropdown.value = "tanh"
    assert "tanh, η = 0.001" in explorer.text.value


def test_redraw_sets_the_output_directly_and_captures_nothing(explorer, monkeypatch):
    """In a kernel the figure goes into the Output widget's state (put_figure), never through
    `with out: display(...)`, whose capture makes nbclient (nbval, make notebooks) send comm
    messages on the shell socket and stall for a whole cell timeout (nbclient#312)."""
    import IPython

    class Formatter:
        def format(self, obj):
            return {"image/png": "iVBOR...", "text/plain": "<Figure>"}, {}

    class Shell:
        display_formatter = Formatter()

    monkeypatch.setattr(IPython, "get_ipython", lambda: Shell())
    entered = []
    monkeypatch.setattr(type(explorer.out), "__enter__", lambda self: entered.append(1) or self)
    explorer._redraw()
    assert not entered
    assert [o["data"]["image/png"] for o in explorer.out.outputs] == ["iVBOR..."]
