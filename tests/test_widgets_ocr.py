"""bplab.widgets.ocr.OCRExplorer, driven without a browser: set .value, check the state."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import ipywidgets as widgets  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import bplab  # noqa: E402
from bplab.widgets.ocr import OCRExplorer  # noqa: E402


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
    assert "diverged" in explorer.last_message and "Try η ≤ 0.1" in explorer.last_message
    assert explorer.last_message in " ".join(t.get_text().replace("\n", " ") for t in explorer.figure.texts)
    assert all(np.isfinite(p).all() for p in explorer.model.params)   # no NaN left behind
    assert "diverged" in explorer.figure._suptitle.get_text()


def test_too_large_lr_that_kills_relus_is_explained(explorer):
    explorer.lr_slider.value = 10.0
    assert explorer.status == "failed"
    assert explorer.accuracy == pytest.approx(0.1, abs=0.05)
    assert "too large" in explorer.last_message and "smaller" in explorer.last_message


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
    assert "relu, lr=0.1, 15 epochs" in out and "validation accuracy 0.9" in out
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
