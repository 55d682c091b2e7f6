"""Tests for the chapter-02 Playground widget, driven without a browser: set .value, read state."""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

pytest.importorskip("ipywidgets")
import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import bplab  # noqa: E402
from bplab.widgets.playground import DEFAULTS, Playground  # noqa: E402


@pytest.fixture(scope="module")
def pg():
    return Playground()


def _fig_texts(fig):
    texts = [t.get_text() for t in fig.texts]
    for ax in fig.axes:
        texts += [t.get_text() for t in ax.texts] + [ax.get_title()]
    return "\n".join(texts)


def test_default_view_trains_well(pg):
    assert pg.settings == DEFAULTS
    assert pg.status == "ok" and pg.message == ""
    assert isinstance(pg.model, bplab.MLP)
    assert pg.model.sizes == [2, 8, 8, 2] and pg.model.activation == "tanh"
    assert list(pg.history.index) == list(range(1, 101))
    assert {"loss", "accuracy", "val_loss", "val_accuracy"} <= set(pg.history.columns)
    assert pg.history["loss"].iloc[-1] < 0.1 < pg.history["loss"].iloc[0]
    assert pg.train_accuracy >= 0.95 and pg.test_accuracy >= 0.95
    assert pg.grid_probs.shape == (pg.resolution, pg.resolution)
    assert np.isfinite(pg.grid_probs).all() and pg.grid_probs.min() >= 0 and pg.grid_probs.max() <= 1
    # the background agrees with the model it came from
    X, y, _, _ = pg.data()
    i, j = 7, 61
    p = pg.model.predict_proba(np.array([[pg.grid_x[j], pg.grid_y[i]]]))[0, 1]
    assert pg.grid_probs[i, j] == pytest.approx(p)
    assert pg.n_trains == 1 and pg.n_draws == 0     # nothing drawn until it is displayed


def test_same_settings_same_picture(pg):
    again = Playground()
    np.testing.assert_array_equal(again.grid_probs, pg.grid_probs)
    np.testing.assert_array_equal(again.history.to_numpy(), pg.history.to_numpy())
    for a, b in zip(again.model.params, pg.model.params):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("control, value", [
    ("lr", 0.05), ("activation", "relu"), ("width", 3), ("depth", 1),
    ("dataset", "circles"), ("epochs", 30), ("seed", 4),
])
def test_every_control_retrains_and_redraws(control, value):
    pg = Playground()
    bundle = pg._repr_mimebundle_()                       # what Jupyter calls to display it
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert pg.n_draws == 1
    old_model, old_hist, old_grid = pg.model, pg.history, pg.grid_probs.copy()
    pg.controls[control].value = value
    assert pg.settings[control] == value
    assert pg.n_trains == 2 and pg.n_draws == 2
    assert pg.model is not old_model                      # a fresh network ...
    assert not np.array_equal(pg.grid_probs, old_grid)    # ... a new picture
    assert not pg.history.equals(old_hist)
    if control == "width":
        assert pg.model.sizes == [2, 3, 3, 2]
    if control == "depth":
        assert pg.model.sizes == [2, 8, 2]
    if control == "epochs":
        assert len(pg.history) == 30
    if control == "activation":
        assert pg.model.activation == "relu"
    if control == "dataset":
        X, y, Xt, yt = pg.data()
        np.testing.assert_array_equal(X, bplab.data.make_circles(n=200, seed=0)[0])


def test_undisplayed_playground_trains_but_does_not_draw():
    pg = Playground(epochs=20)
    pg.depth_slider.value = 1
    assert pg.n_trains == 2 and pg.n_draws == 0
    pg._repr_mimebundle_()
    pg._repr_mimebundle_()                                # redisplay without changes: no redraw
    assert pg.n_draws == 1


def test_kept_model_survives_retraining():
    pg = Playground(epochs=20)
    kept = pg.model
    before = [p.copy() for p in kept.params]
    pg.width_slider.value = 4
    assert pg.model is not kept
    for a, b in zip(kept.params, before):
        np.testing.assert_array_equal(a, b)


def test_new_random_start_button_changes_seed():
    pg = Playground(epochs=20)
    grid = pg.grid_probs.copy()
    pg.new_start_button.click()
    assert pg.seed_input.value == 1 and pg.n_trains == 2
    assert not np.array_equal(pg.grid_probs, grid)


@pytest.mark.parametrize("kwargs, why", [
    (dict(lr=10.0), "loss rose"),                         # tanh: the loss explodes but stays finite
    (dict(activation="linear", lr=3.0), "NaN or infinite"),  # a real DivergenceError from fit
])
def test_diverging_lr_gives_message_not_exception(kwargs, why):
    with warnings.catch_warnings():
        warnings.simplefilter("error")                    # no overflow warnings leak out either
        pg = Playground(**kwargs)
        fig = pg.figure()
    assert pg.status == "diverged"
    assert pg.message.startswith(f"diverged at epoch {pg.diverged_epoch}: learning rate too large")
    assert why in pg.message
    assert pg.grid_probs is None
    assert all(np.isfinite(p).all() for p in pg.model.params)
    assert "learning rate too large" in _fig_texts(fig)
    assert "diverged" in pg.summary()
    plt.close(fig)


def test_diverging_by_slider_then_recovering():
    pg = Playground(activation="linear", epochs=20)
    pg.lr_slider.value = 5.0
    assert pg.status == "diverged" and "learning rate too large" in pg.message
    assert pg.history is not None and len(pg.history) < 20    # the partial curve
    pg.lr_slider.value = 0.1
    assert pg.status == "ok" and pg.message == "" and pg.grid_probs is not None


def test_diverged_in_first_epoch_draws_empty_curve():
    pg = Playground(activation="linear", lr=10.0, epochs=10)
    assert pg.status == "diverged" and pg.diverged_epoch == 1
    assert len(pg.history) == 0 and "loss" in pg.history.columns
    fig = pg.figure()
    assert "no epoch completed" in _fig_texts(fig)
    plt.close(fig)


def test_tiny_lr_is_called_slow_and_linear_xor_stuck():
    slow = Playground(lr=1e-4, epochs=30)
    assert slow.status == "slow" and "learning rate too small" in slow.message
    stuck = Playground(dataset="xor", activation="linear")
    assert stuck.status == "stuck" and "straight line" in stuck.message
    assert stuck.train_accuracy <= 0.6
    fig = stuck.figure()
    assert "straight line" in _fig_texts(fig)
    plt.close(fig)


def test_controls_are_labelled_and_do_not_update_while_dragging(pg):
    for name, ctrl in pg.controls.items():
        assert ctrl.description, name
        assert ctrl.style.description_width == "initial"
    for s in (pg.lr_slider, pg.width_slider, pg.depth_slider, pg.epochs_slider):
        assert s.continuous_update is False
    assert (pg.lr_slider.min, pg.lr_slider.max, pg.lr_slider.base) == (-4, 1, 10)
    assert list(pg.activation_dropdown.options) == list(bplab.ACTIVATIONS)
    assert list(pg.dataset_dropdown.options) == ["xor", "moons", "circles", "spirals"]


@pytest.mark.parametrize("kwargs, exc, words", [
    (dict(dataset="swiss roll"), ValueError, "dataset"),
    (dict(activation="softplus"), ValueError, "activation"),
    (dict(activation=3), TypeError, "activation"),
    (dict(lr=0), ValueError, "lr"),
    (dict(lr=100.0), ValueError, "lr must be between"),
    (dict(lr="fast"), TypeError, "lr"),
    (dict(width=0), ValueError, "width"),
    (dict(width=64), ValueError, "width must be between 1 and 32"),
    (dict(depth=9), ValueError, "depth"),
    (dict(epochs=5), ValueError, "epochs"),
    (dict(epochs=2.5), TypeError, "epochs"),
    (dict(seed=-1), ValueError, "seed"),
    (dict(batch_size=0), ValueError, "batch_size"),
    (dict(widgets="yes"), TypeError, "widgets"),
])
def test_bad_construction_args_rejected(kwargs, exc, words):
    with pytest.raises(exc, match=words):
        Playground(**kwargs)


def test_show_default_draws_and_prints(capsys, monkeypatch):
    shown = []
    monkeypatch.setattr(plt, "show", lambda *a, **k: shown.append(plt.gcf()))
    pg = Playground.show_default(epochs=20)
    out = capsys.readouterr().out
    assert "moons, 2x8 tanh, lr=0.3, 20 epochs, seed 0: train loss" in out
    assert f"test acc {pg.test_accuracy:.1%}" in out
    assert len(shown) == 1
    fig = shown[0]
    titles = [ax.get_title() for ax in fig.axes]
    assert any("train acc" in t and "test acc" in t for t in titles)
    assert any(t.startswith("loss after 20 epochs") for t in titles)


def test_train_records_its_time_and_returns_self():
    pg = Playground(epochs=10)
    assert pg.train() is pg and pg.n_trains == 2
    assert math.isfinite(pg.train_seconds) and pg.train_seconds > 0   # speed lives in benchmarks/
    assert repr(pg).startswith("Playground(dataset='moons', activation='tanh', lr=0.3")


def test_without_widgets_trains_the_same_and_builds_no_controls():
    plain = Playground(epochs=20, widgets=False)
    live = Playground(epochs=20)
    assert plain.ui is None and plain.controls == {}
    np.testing.assert_array_equal(plain.grid_probs, live.grid_probs)
    assert "widgets=False" in plain._repr_mimebundle_()["text/plain"]
    plain.update(lr=0.05, activation="relu")
    assert plain.settings["lr"] == 0.05 and plain.model.activation == "relu" and plain.n_trains == 2


def test_update_moves_controls_and_retrains_once():
    pg = Playground(epochs=20)
    pg.update(width=5, depth=1, dataset="xor")
    assert pg.n_trains == 2                               # once, not once per control
    assert (pg.width_slider.value, pg.depth_slider.value, pg.dataset_dropdown.value) == (5, 1, "xor")
    assert pg.model.sizes == [2, 5, 2]
    with pytest.raises(TypeError, match="unknown setting"):
        pg.update(momentum=0.9)
    with pytest.raises(ValueError, match="width must be between"):
        pg.update(width=100)
    assert pg.settings["width"] == 5 and pg.n_trains == 2   # a rejected update changes nothing


def test_show_default_leaves_no_widgets(monkeypatch):
    monkeypatch.setattr(plt, "show", lambda *a, **k: None)
    pg = Playground.show_default(epochs=10)
    assert pg.ui is None
