"""bplab.chapters.ch05.plots: every figure is drawn, shows the data it was given, and rejects bad input."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from bplab import metrics  # noqa: E402
from bplab.chapters.ch05 import plots as dp  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture
def images(rng):
    X = rng.random((40, 64))
    y = np.repeat(np.arange(10), 4)
    return X, y


def _history(n=5, val=True):
    h = pd.DataFrame({"loss": np.linspace(2, 0.1, n), "accuracy": np.linspace(0.3, 0.99, n)},
                     index=pd.RangeIndex(1, n + 1, name="epoch"))
    if val:
        h["val_loss"] = h["loss"] + 0.1
        h["val_accuracy"] = h["accuracy"] - 0.05
    return h


def test_digit_gallery_one_column_per_class(images):
    X, y = images
    fig = dp.digit_gallery(X, y, per_class=3, title="t")
    assert isinstance(fig, Figure)
    (ax,) = fig.axes
    mosaic = ax.images[0].get_array()
    pad = 1
    assert mosaic.shape == (3 * (8 + pad) - pad, 10 * (8 + pad) - pad)
    assert [t.get_text() for t in ax.get_xticklabels()] == [str(c) for c in range(10)]
    # the top-left tile is the first 0, the tile under it the second 0
    first_zero, second_zero = np.flatnonzero(y == 0)[:2]
    assert np.allclose(mosaic[:8, :8], X[first_zero].reshape(8, 8))
    assert np.allclose(mosaic[9:17, :8], X[second_zero].reshape(8, 8))


def test_digit_gallery_accepts_image_stacks_and_rejects_bad_input(images):
    X, y = images
    fig = dp.digit_gallery(X.reshape(40, 8, 8), y, per_class=2)
    assert fig.axes[0].images[0].get_array().shape == (17, 89)
    with pytest.raises(ValueError, match="one label per image"):
        dp.digit_gallery(X, y[:5])
    with pytest.raises(ValueError, match="cannot infer the image shape from 63"):
        dp.digit_gallery(X[:, :63], y)
    with pytest.raises(ValueError, match="per_class must be a whole number >= 1"):
        dp.digit_gallery(X, y, per_class=0)


def test_learning_curves_draw_the_history():
    h = _history()
    fig = dp.learning_curves(h, title="curves")
    ax_loss, ax_acc = fig.axes
    assert [l.get_label() for l in ax_loss.lines] == ["training", "validation"]
    assert np.allclose(ax_loss.lines[0].get_ydata(), h["loss"])
    assert np.allclose(ax_loss.lines[1].get_ydata(), h["val_loss"])
    assert np.allclose(ax_acc.lines[1].get_ydata(), h["val_accuracy"])
    assert np.allclose(ax_acc.lines[0].get_xdata(), [1, 2, 3, 4, 5])
    assert fig._suptitle.get_text() == "curves"
    assert ax_loss.get_yscale() == "log" and ax_acc.get_yscale() == "linear"   # loss spans powers of ten
    assert dp.learning_curves(h, log_loss=False).axes[0].get_yscale() == "linear"


def test_learning_curves_without_validation_and_bad_input():
    fig = dp.learning_curves(_history(val=False))
    assert [len(ax.lines) for ax in fig.axes] == [1, 1]
    with pytest.raises(TypeError, match="DataFrame returned by bplab.fit"):
        dp.learning_curves([1, 2, 3])
    with pytest.raises(ValueError, match="empty"):
        dp.learning_curves(_history().iloc[:0])


def test_confusion_heatmap_writes_the_counts():
    cm = metrics.confusion_matrix([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 2, 0])
    fig = dp.confusion_heatmap(cm)
    ax = fig.axes[0]
    texts = sorted(t.get_text() for t in ax.texts)
    assert texts == sorted(["1", "1", "1", "2", "1"])   # zeros are left blank
    share = ax.images[0].get_array()
    assert np.allclose(share[2], [1 / 3, 0, 2 / 3])      # coloured by share of the true class
    assert ax.get_xlabel() == "predicted class" and ax.get_ylabel() == "true class"
    assert "6 examples" in ax.get_title()
    assert fig.axes[1].get_ylabel() == "share of the true class (√ scale)"   # the colour bar


def test_confusion_heatmap_bad_input():
    with pytest.raises(ValueError, match="square"):
        dp.confusion_heatmap(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="non-negative counts"):
        dp.confusion_heatmap(np.array([[1, -1], [0, 2]]))


def test_mistakes_gallery_shows_each_mistake_with_its_probabilities():
    X = np.random.default_rng(0).random((4, 64))
    y = np.array([0, 1, 2, 1])
    P = np.array([[0.9, 0.05, 0.05], [0.6, 0.3, 0.1], [0.1, 0.8, 0.1], [0.2, 0.7, 0.1]])
    fig = dp.mistakes_gallery(X, y, P, k=8)
    ax_img, bar_a, bar_b = fig.axes                       # one row: the images, then one bar chart each
    assert len(ax_img.images) == 2
    # worst first: row 2 (true 2, said 1), then row 1 (true 1, said 0)
    assert [t.get_text() for t in ax_img.texts] == ["true 2, said 1\np(1)=0.80, p(2)=0.10",
                                                    "true 1, said 0\np(0)=0.60, p(1)=0.30"]
    assert np.allclose(ax_img.images[0].get_array(), X[2].reshape(8, 8))
    assert np.allclose(ax_img.images[1].get_array(), X[1].reshape(8, 8))
    assert np.allclose([p.get_height() for p in bar_a.patches], P[2])
    assert np.allclose([p.get_height() for p in bar_b.patches], P[1])
    hexes = lambda ax: [matplotlib.colors.to_hex(p.get_facecolor()) for p in ax.patches]
    green, red, grey = (matplotlib.colors.to_hex(c) for c in (dp.TRUE_COLOUR, dp.WRONG_COLOUR, "0.72"))
    assert hexes(bar_a) == [grey, red, green]               # true 2, said 1
    assert hexes(bar_b) == [red, green, grey]               # true 1, said 0
    assert "grey = the other digits" in fig._suptitle.get_text()
    for ax in (bar_a, bar_b):                               # every bar chart has its own readable axes
        assert [t.get_text() for t in ax.get_yticklabels()] == ["0", ".5", "1"]
        assert [t.get_text() for t in ax.get_xticklabels()] == ["0", "1", "2"]
        assert min(t.get_fontsize() for t in ax.get_xticklabels() + ax.get_yticklabels()) >= 7
    # each bar chart sits under its image
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    for img, bar in zip(ax_img.images, (bar_a, bar_b)):
        ib, bb = img.get_window_extent(r), bar.get_window_extent(r)
        assert abs(ib.x0 - bb.x0) < 2 and abs(ib.x1 - bb.x1) < 2 and bb.y1 < ib.y0


def test_mistakes_gallery_small_probabilities_are_not_rounded_to_zero():
    X = np.random.default_rng(0).random((2, 64))
    P = np.array([[0.003, 0.997], [0.0, 1.0]])
    fig = dp.mistakes_gallery(X, [0, 0], P)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert texts[1].endswith("p(1)>0.99, p(0)<0.01")        # not "1.00" and "0.00"
    assert texts[0].endswith("p(1)=1.00, p(0)=0.00")        # exactly 1 and 0 stay as they are
    assert dp._p_label(3, 0.004) == "p(3)<0.01" and dp._p_label(3, 0.005) == "p(3)=0.01"


@pytest.mark.parametrize("m, rows", [(8, [4, 4]), (7, [4, 3]), (5, [5]), (10, [5, 5]), (3, [3])])
def test_mistakes_gallery_default_rows_fit_a_notebook_column(m, rows):
    X = np.random.default_rng(1).random((m, 64))
    fig = dp.mistakes_gallery(X, np.zeros(m, dtype=int), np.tile([0.1, 0.9], (m, 1)), k=m)
    assert [len(ax.images) for ax in fig.axes if ax.images] == rows
    assert fig.get_figwidth() <= 9.2        # about 920 px at 100 dpi: no shrinking in JupyterLab


def test_mistakes_gallery_wraps_rows_and_handles_no_mistakes():
    rng = np.random.default_rng(1)
    X = rng.random((30, 64))
    y = np.zeros(30, dtype=int)
    P = np.tile([0.1, 0.9], (30, 1))                      # every example wrong
    fig = dp.mistakes_gallery(X, y, P, k=10, ncols=4)
    image_axes = [ax for ax in fig.axes if ax.images]
    bar_axes = [ax for ax in fig.axes if ax.patches]
    assert [len(ax.images) for ax in image_axes] == [4, 4, 2]   # 3 rows
    assert len(bar_axes) == 10 and all(len(ax.patches) == 2 for ax in bar_axes)
    fig = dp.mistakes_gallery(X, y, np.tile([0.9, 0.1], (30, 1)))
    assert "no mistakes" in fig.axes[0].texts[0].get_text()


def test_first_layer_weights_one_tile_per_unit():
    W = np.random.default_rng(2).normal(size=(784, 20))
    fig = dp.first_layer_weights(W, n=12, ncols=4)
    mosaic = fig.axes[0].images[0].get_array()
    assert mosaic.shape == (3 * (28 + 3) - 3, 4 * (28 + 3) - 3)
    tile = mosaic[:28, :28]
    assert np.allclose(tile, W[:, 0].reshape(28, 28) / np.abs(W[:, 0]).max())
    assert np.nanmax(np.abs(mosaic)) == pytest.approx(1.0)
    assert "12 hidden units" in fig.axes[0].get_title()
    with pytest.raises(ValueError, match="weight matrix"):
        dp.first_layer_weights(W[:, 0])
    with pytest.raises(ValueError, match="cannot infer"):
        dp.first_layer_weights(W[:50])


def test_labels_curve_log_axis_and_points():
    table = pd.DataFrame({"n_labels": [50, 100, 500, 1000, 1168], "accuracy": [0.8, 0.9, 0.95, 0.97, 0.975],
                          "lowest": [0.75, 0.88, 0.94, 0.96, 0.97], "highest": [0.85, 0.92, 0.96, 0.98, 0.98]})
    fig = dp.labels_curve(table, err=None)
    ax = fig.axes[0]
    assert ax.get_xscale() == "log"
    assert np.allclose(ax.lines[0].get_xdata(), table["n_labels"])
    assert np.allclose(ax.lines[0].get_ydata(), table["accuracy"])
    assert [t.get_text() for t in ax.texts] == ["0.800", "0.900", "0.950", "0.970", "0.975"]
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    assert ticks == ["50", "100", "500", "1000", "\n1168"]    # crowded tick moved down a line
    assert len(ax.collections) >= 1                          # the lowest-highest band
    assert ax.get_ylabel() == "accuracy"
    fig = dp.labels_curve(table, err=None, ylabel="validation accuracy")
    assert fig.axes[0].get_ylabel() == "validation accuracy"


def test_labels_curve_groups_and_bad_input():
    table = pd.DataFrame({"n_labels": [10, 100, 10, 100], "accuracy": [0.5, 0.8, 0.6, 0.9],
                          "std": [0.05, 0.01, 0.04, 0.02], "set": ["a", "a", "b", "b"]})
    fig = dp.labels_curve(table, group="set")
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["a", "b"]
    with pytest.raises(ValueError, match="no column 'acc'"):
        dp.labels_curve(table, y="acc")
    with pytest.raises(TypeError, match="DataFrame"):
        dp.labels_curve({"n_labels": [1]})
    with pytest.raises(ValueError, match="empty"):
        dp.labels_curve(table.iloc[:0])


def test_log_loss_axis_labels_2_and_5_between_the_powers_of_ten():
    import pandas as pd
    h = pd.DataFrame({"loss": [1.2, 0.3, 0.05, 0.01, 0.004], "val_loss": [0.45, 0.2, 0.1, 0.07, 0.06],
                      "accuracy": [0.7, 0.9, 0.99, 1.0, 1.0], "val_accuracy": [0.88, 0.95, 0.97, 0.98, 0.98]},
                     index=pd.RangeIndex(1, 6, name="epoch"))
    fig = dp.learning_curves(h)
    ax = fig.axes[0]
    fig.canvas.draw()
    minor = {t.get_text() for t in ax.yaxis.get_minorticklabels() if t.get_text()}
    major = {t.get_text() for t in ax.yaxis.get_majorticklabels() if t.get_text()}
    assert {"0.2", "0.05", "0.02"} <= minor and not minor & {"0.3", "0.04", "0.07"}
    assert {"1", "0.1", "0.01"} <= major                     # plain numbers, not 10^-1
    # many powers of ten: only the powers are labelled
    ax.set_ylim(1e-8, 1e2)
    fig.canvas.draw()
    assert not [t.get_text() for t in ax.yaxis.get_minorticklabels() if t.get_text()]
