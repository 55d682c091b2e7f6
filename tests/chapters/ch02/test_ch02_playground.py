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
from bplab.chapters.ch02.playground import (DEFAULTS, GOOD_ACCURACY, STATUSES, Playground,  # noqa: E402
                                            coin_flip_words)


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


def test_real_divergence_gives_message_not_exception():
    with warnings.catch_warnings():
        warnings.simplefilter("error")                    # no overflow warnings leak out either
        pg = Playground(activation="linear", lr=3.0)      # a real DivergenceError from fit
        fig = pg.figure()
    assert pg.status == "diverged" and (pg.diverged_epoch, pg.diverged_step) == (2, 13)
    assert pg.message.startswith("diverged in epoch 2 (step 3 of 10): learning rate too large")
    assert "NaN or infinite" in pg.message and "try lr = 0.3" in pg.message
    assert pg.grid_probs is None
    assert all(np.isfinite(p).all() for p in pg.model.params)
    # the model exists (with the weights from before the blow-up), so its accuracy is reported
    assert 0 <= pg.train_accuracy <= 1 and 0 <= pg.test_accuracy <= 1
    with np.errstate(all="ignore"):                       # the kept weights are huge
        assert pg.train_accuracy == pg.model.accuracy(*pg.data()[:2])
    text = _fig_texts(fig)
    assert "learning rate too large" in text and "try lr = 0.3" in text
    assert "weights from before the blow-up" in text and f"train acc {pg.train_accuracy:.1%}" in text
    assert "diverged" in pg.summary() and "the weights from before the blow-up: train acc" in pg.summary()
    plt.close(fig)


@pytest.mark.parametrize("kwargs", [dict(lr=10.0), dict(lr=5.0),
                                    dict(dataset="spirals", activation="relu", lr=10.0)])
def test_finite_but_wild_loss_is_unstable_not_diverged(kwargs):
    # tanh/relu at a huge lr: the loss stays finite (it may even fall), so no 'diverged'
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pg = Playground(**kwargs)
        fig = pg.figure()
    loss = pg.history["loss"].to_numpy()
    assert np.isfinite(loss).all() and len(loss) == pg.settings["epochs"]
    assert pg.status == "unstable" and pg.diverged_epoch is None and pg.diverged_step is None
    assert loss[-5:].mean() > 2 * math.log(2)
    assert pg.message.startswith("unstable: the loss stayed above twice a coin flip's (2 ln 2 = 1.39)")
    assert f"try a smaller learning rate (lr = {pg.settings['lr'] / 10:g})" in pg.message
    assert "diverged" not in pg.message
    assert math.isfinite(pg.train_accuracy) and math.isfinite(pg.test_accuracy)
    assert pg.grid_probs is not None and np.isfinite(pg.grid_probs).all()
    assert "Unstable: the loss stayed above" in _fig_texts(fig)
    assert "(unstable: the loss" in pg.summary() and "unstable: unstable" not in pg.summary()
    plt.close(fig)


def test_lr5_numbers_match_the_message():
    pg = Playground(lr=5.0)
    loss = pg.history["loss"].to_numpy()
    assert f"{loss[0]:.2f} after epoch 1" in pg.message
    assert f"{loss[-5:].mean():.2f} on average over the last 5 epochs" in pg.message


def test_diverging_by_slider_then_recovering():
    pg = Playground(activation="linear", epochs=20)
    pg.lr_slider.value = 5.0
    assert pg.status == "diverged" and "learning rate too large" in pg.message
    assert pg.history is not None and len(pg.history) < 20    # the partial curve
    pg.lr_slider.value = 0.1
    assert pg.status in ("ok", "limited") and pg.grid_probs is not None
    assert pg.diverged_epoch is None and pg.step_losses is None


def test_diverged_in_first_epoch_shows_the_loss_of_each_step():
    pg = Playground(activation="linear", lr=10.0, epochs=10)
    assert pg.status == "diverged" and pg.diverged_epoch == 1 and pg.diverged_step == 9
    assert pg.message.startswith("diverged in epoch 1 (step 9 of 10)")
    assert len(pg.history) == 0 and "loss" in pg.history.columns
    # the replayed steps: finite and growing, then not finite at the step fit reported
    steps = pg.step_losses
    assert len(steps) == pg.diverged_step and not np.isfinite(steps[-1])
    assert np.isfinite(steps[:-1]).all() and (np.diff(steps[:-1]) > 0).all()
    X, y, _, _ = pg.data()
    first = bplab.MLP([2, 8, 8, 2], activation="linear", seed=0)
    perm = np.random.default_rng(0).permutation(len(X))[:20]
    assert steps[0] == pytest.approx(first.loss_value(X[perm], y[perm]))
    fig = pg.figure()
    text = _fig_texts(fig)
    assert "no epoch completed: the loss of each step of epoch 1" in text
    ax_loss = fig.axes[0]
    xdata, ydata = ax_loss.lines[0].get_data()
    np.testing.assert_array_equal(xdata, np.arange(1, pg.diverged_step))
    np.testing.assert_array_equal(ydata, steps[:-1])
    assert any("loss not finite (step 9)" in t.get_text() for t in ax_loss.get_legend().get_texts())
    plt.close(fig)


def test_diverged_note_does_not_cover_the_data():
    pg = Playground(activation="linear", lr=3.0)
    fig = pg.figure()
    ax_b = fig.axes[1]
    assert len(ax_b.texts) == 0                           # the note sits below the panels
    note = [t for t in fig.texts if "learning rate too large" in t.get_text()]
    assert len(note) == 1
    fig.canvas.draw()
    box = note[0].get_window_extent()
    assert box.y1 < ax_b.get_window_extent().y0
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


@pytest.mark.parametrize("dataset", ["spirals", "moons"])
def test_linear_network_below_90_percent_is_limited(dataset):
    pg = Playground(dataset=dataset, activation="linear")
    assert 0.6 < pg.train_accuracy < 0.9
    assert pg.status == "limited"
    assert pg.message.startswith("a linear network can only draw a straight line (train accuracy ")
    fig = pg.figure()
    assert "Limited: a linear network can only draw a straight line" in _fig_texts(fig)
    plt.close(fig)
    assert Playground(dataset="moons", activation="tanh", widgets=False).status == "ok"


def _status_matches_accuracies(run):
    """Training is chaotic, so a run's accuracies differ from machine to machine; its status must
    follow from them whatever they are: "ok" exactly when both are at least 90 %."""
    both = min(run.train_accuracy, run.test_accuracy)
    if run.status == "ok":
        assert both >= GOOD_ACCURACY and run.message == "", run.summary()
    elif run.status == "weak":
        assert both < GOOD_ACCURACY and run.train_accuracy > 0.6, run.summary()
        for name, value in (("train", run.train_accuracy), ("test", run.test_accuracy)):
            assert (f"{name} accuracy {value:.1%}" in run.message) == (value < GOOD_ACCURACY)
    else:
        assert run.status in ("stuck", "limited", "slow", "unstable", "diverged"), run.summary()


def test_partly_learned_spirals_are_weak_not_ok():
    # the reader's complaint: spirals at the default settings reached ~56 % test accuracy
    # and the Playground said "ok"; the default network never learns them (train accuracy
    # 65-81 % over seeds 0-4 in the chapter), so it must not be "ok"
    pg = Playground(dataset="spirals", widgets=False)
    assert pg.train_accuracy < GOOD_ACCURACY and pg.status in ("weak", "stuck")
    _status_matches_accuracies(pg)
    # a bigger, longer-trained network learns them from most seeds (4 of 5 in the chapter's
    # measurement); which seeds do is chaotic, but every run's status must match its numbers,
    # and at least one of five must be a learned, "ok" run
    runs = [Playground(dataset="spirals", width=16, depth=3, epochs=300, seed=s, widgets=False)
            for s in range(5)]
    for run in runs:
        _status_matches_accuracies(run)
    assert any(run.status == "ok" for run in runs), [run.summary() for run in runs]
    # every other nonlinear run is judged by the same rule
    for ds in ("xor", "moons", "circles"):
        _status_matches_accuracies(Playground(dataset=ds, activation="relu", widgets=False))


def test_weak_message_names_only_the_accuracy_below_the_mark():
    # lr = 0.01 on the moons: train accuracy below 90 %, test accuracy 90.5 %, which once read
    # "test accuracy 90%, below 90%"
    pg = Playground(lr=0.01, widgets=False)
    assert pg.status == "weak"
    assert pg.train_accuracy < GOOD_ACCURACY <= pg.test_accuracy
    assert f"train accuracy {pg.train_accuracy:.1%}, below 90%" in pg.message
    assert "test accuracy" not in pg.message


@pytest.mark.parametrize("acc, words", [(0.38, "worse than"), (0.449, "worse than"),
                                        (0.45, "no better than"), (0.5, "no better than"),
                                        (0.55, "no better than"), (0.56, "barely better than"),
                                        (0.6, "barely better than")])
def test_coin_flip_words_follow_the_accuracy(acc, words):
    assert coin_flip_words(acc) == words


def test_stuck_message_is_derived_from_the_measured_accuracy():
    lin = Playground(dataset="xor", activation="linear", widgets=False)      # 38 %
    assert lin.status == "stuck" and lin.message.startswith("worse than a coin flip (train accuracy 38%")
    circ = Playground(dataset="circles", activation="linear", widgets=False)  # 59 %
    assert circ.status == "stuck" and 0.55 < circ.train_accuracy <= 0.6
    assert circ.message.startswith("barely better than a coin flip")


def test_statuses_are_listed_and_documented():
    import bplab.chapters.ch02.playground as mod
    assert STATUSES == ("diverged", "unstable", "slow", "stuck", "limited", "weak", "ok")
    for status in STATUSES:
        assert f'``"{status}"``' in mod.__doc__


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


# ------------------------------------------------------------ browser-test findings, pinned down
def _d3_readout(value, fmt):
    """What the slider's readout shows: d3-format ".3" = toPrecision(3) with trailing zeros trimmed."""
    assert fmt == ".3"
    s = f"{value:#.3g}"                    # = JavaScript's toPrecision(3) for 1e-6 <= value < 1e3
    return s.rstrip("0").rstrip(".") if "." in s and "e" not in s else s


def test_readout_and_title_show_the_same_learning_rate(pg):
    """The readout said 0.40 while the title said lr = 0.398: one format for both."""
    s = pg.lr_slider
    for k in range(int(round((s.max - s.min) / s.step)) + 1):
        v = 10 ** (s.min + k * s.step)
        assert _d3_readout(v, s.readout_format) == f"{v:.3g}", v
    other = Playground(lr=10 ** -0.4, epochs=10, widgets=False)
    fig = other.figure()
    assert "lr = 0.398" in _fig_texts(fig) and "lr=0.398" in other.summary()
    assert _d3_readout(10 ** -0.4, s.readout_format) == "0.398"
    plt.close(fig)


def test_unstable_says_too_large_but_not_diverged():
    """The notebook and the widget must agree: lr = 10 on the moons is unstable, not diverged."""
    pg = Playground(lr=10.0, widgets=False)
    assert pg.status == "unstable"
    assert "learning rate is too large" in pg.message and "not a divergence" in pg.message


def _legend_hides_data(ax):
    ax.figure.canvas.draw()
    box = ax.get_legend().get_window_extent()
    for line in ax.lines:
        xy = line.get_xydata()
        if len(xy) < 3:                    # the axhline / axvline markers
            continue
        pts = ax.transData.transform(xy[np.isfinite(xy).all(axis=1)])
        inside = ((pts[:, 0] >= box.x0) & (pts[:, 0] <= box.x1) & (pts[:, 1] >= box.y0) & (pts[:, 1] <= box.y1))
        if inside.any():
            return True
    return False


@pytest.mark.parametrize("kwargs", [dict(), dict(lr=10.0), dict(dataset="spirals", activation="relu", lr=10.0),
                                    dict(activation="linear", lr=10.0, epochs=10)])
def test_loss_legend_covers_no_curve(kwargs):
    pg = Playground(widgets=False, **kwargs)
    fig = pg.figure()
    assert not _legend_hides_data(fig.axes[0])
    plt.close(fig)


def test_loss_curve_has_whole_epoch_ticks():
    pg = Playground(activation="linear", lr=3.0, widgets=False)      # 1 epoch + the divergence line
    fig = pg.figure()
    ticks = [t for t in fig.axes[0].get_xticks() if fig.axes[0].get_xlim()[0] <= t <= fig.axes[0].get_xlim()[1]]
    assert ticks and all(float(t).is_integer() for t in ticks)
    plt.close(fig)


def test_activation_figure_fits_the_notebook_column():
    """1290 px wide was shrunk to 75 % in JupyterLab: at 100 dpi it must fit about 1000 px."""
    from bplab.chapters.ch02 import boundary

    fig = boundary.plot_activations()
    fig.canvas.draw()
    width = fig.get_tightbbox().width
    assert width * 100 <= 1000 and fig.get_figwidth() <= 10
    plt.close(fig)
