"""Chapter-06 widgets, driven without a browser: set .value on a control, read the state and figure."""
from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("ipywidgets")
import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import bplab  # noqa: E402
from bplab.data import load_digits, train_test_split  # noqa: E402
from bplab.chapters.ch06.plots import mosaic  # noqa: E402
from bplab.chapters.ch06.explorers import CodeExplorer, DenoisingExplorer  # noqa: E402


@pytest.fixture(scope="module")
def data():
    X, y = load_digits()
    return train_test_split(X, y, test_size=0.2, seed=0)


def _train(ae, X, epochs=8):
    bplab.fit(ae, X, optimizer=bplab.Adam(1e-2), epochs=epochs, batch_size=64, progress=False)
    return ae


@pytest.fixture(scope="module")
def ae2(data):
    return _train(bplab.Autoencoder([64, 16, 2], activation="tanh", seed=0, output_activation="sigmoid"),
                  data[0])


@pytest.fixture(scope="module")
def dae(data):
    return _train(bplab.Autoencoder([64, 16, 8], activation="tanh", seed=0, output_activation="sigmoid",
                                    noise=0.3), data[0])


def _decoded_panel(fig):
    """The pixels shown in the 'decoded' panel of the code explorer's figure."""
    ax = next(a for a in fig.axes if a.get_title().startswith("decoded"))
    return np.asarray(ax.images[0].get_array())


def _row(fig, r):
    """The pixels of row r of a reconstruction_rows figure (NaN in the gaps)."""
    return np.asarray(fig.axes[r].images[0].get_array().filled(np.nan))


def _marker(fig):
    ax = fig.axes[0]
    line = next(l for l in ax.lines if l.get_marker() == "X")
    return np.array([line.get_xdata()[0], line.get_ydata()[0]])


# ---------------------------------------------------------------- code explorer
def test_code_explorer_default_state(ae2, data):
    X_tr, _, y_tr, _ = data
    ex = CodeExplorer(ae2, X_tr, y_tr)
    np.testing.assert_allclose(ex.codes, ae2.encode(X_tr))
    np.testing.assert_allclose(ex.code, ex.codes.mean(axis=0))
    np.testing.assert_allclose(ex.image, ae2.decode(ex.code[None])[0])
    assert ex.image.shape == (64,) and 0 < ex.image.min() and ex.image.max() < 1
    d = np.linalg.norm(ex.codes - ex.code, axis=1)
    assert ex.nearest_index == int(np.argmin(d)) and ex.nearest_label == int(y_tr[ex.nearest_index])
    assert ex.n_draws == 0                                     # not displayed yet: no figure
    bundle = ex._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert ex.n_draws == 1
    np.testing.assert_allclose(_decoded_panel(ex.figure), ex.image.reshape(8, 8))
    np.testing.assert_allclose(_marker(ex.figure), ex.code)
    for s in ex.controls.values():
        assert s.description and s.style.description_width == "initial"


@pytest.mark.parametrize("which", ["z1", "z2"])
def test_moving_a_slider_decodes_a_new_digit(ae2, data, which):
    X_tr, _, y_tr, _ = data
    ex = CodeExplorer(ae2, X_tr, y_tr)
    ex._repr_mimebundle_()
    old_image, old_fig = ex.image.copy(), ex.figure
    slider = ex.controls[which]
    slider.value = slider.min + 0.9 * (slider.max - slider.min)
    assert ex.n_updates == 2 and ex.n_draws == 2 and ex.figure is not old_fig
    i = 0 if which == "z1" else 1
    assert ex.code[i] == pytest.approx(slider.value)
    assert np.abs(ex.image - old_image).max() > 0.05           # a visibly different digit
    np.testing.assert_allclose(ex.image, ae2.decode(ex.code[None])[0])
    np.testing.assert_allclose(_decoded_panel(ex.figure), ex.image.reshape(8, 8))
    np.testing.assert_allclose(_marker(ex.figure), ex.code)
    assert f"{ex.code[0]:.2f}" in ex.summary()


def test_code_explorer_show_default_restores_the_default(ae2, data, capsys):
    X_tr, _, y_tr, _ = data
    ex = CodeExplorer(ae2, X_tr, y_tr, start=(0.5, -0.5))
    default_image = ex.image.copy()
    ex.z1_slider.value = ex.z1_slider.max
    assert not np.allclose(ex.image, default_image)
    ex.show_default()
    np.testing.assert_allclose(ex.image, default_image)
    assert "code (z1, z2) = (0.50, -0.50) decoded" in capsys.readouterr().out
    assert ex.figure is not None
    plt.close("all")


def test_code_explorer_reaches_far_outside_the_data(ae2, data):
    X_tr, _, y_tr, _ = data
    ex = CodeExplorer(ae2, X_tr, y_tr)
    lo, hi = ex.codes.min(axis=0), ex.codes.max(axis=0)
    np.testing.assert_allclose(ex.lo, lo - 0.5 * (hi - lo), atol=1e-6)      # 50% of the range beyond
    np.testing.assert_allclose(ex.hi, hi + 0.5 * (hi - lo), atol=1e-6)
    assert ex.z1_slider.min == pytest.approx(ex.lo[0]) and ex.z2_slider.max == pytest.approx(ex.hi[1])
    ex.z1_slider.value, ex.z2_slider.value = ex.z1_slider.max, ex.z2_slider.min     # a far corner
    assert ex.nearest_distance > 0.4 * (hi - lo).min()                       # really far from any digit
    assert "in code units" in ex.summary()
    fig = ex.figure_()
    ax = fig.axes[0]
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    assert x0 < ex.lo[0] and x1 > ex.hi[0] and y0 < ex.lo[1] and y1 > ex.hi[1]   # the marker is not cut
    assert ax.get_xlabel() == "code $z_1$" and ax.get_ylabel() == "code $z_2$"
    assert "code units" in fig.axes[2].get_title()
    assert [c.description for c in ex.controls.values()] == ["code z₁", "code z₂"]
    plt.close(fig)
    narrow = CodeExplorer(ae2, X_tr, pad=0.0)
    np.testing.assert_allclose(narrow.lo, lo, atol=1e-6)
    with pytest.raises(ValueError, match="pad"):
        CodeExplorer(ae2, X_tr, pad=-0.1)


def test_code_explorer_without_labels(ae2, data):
    ex = CodeExplorer(ae2, data[1])
    assert ex.nearest_label is None and "nearest code" in ex.summary()
    fig = ex.figure_()
    assert len(fig.axes) == 3
    plt.close(fig)


def test_code_explorer_bad_input(ae2, dae, data):
    X_tr, _, y_tr, _ = data
    with pytest.raises(ValueError, match="2-number code"):
        CodeExplorer(dae, X_tr)
    with pytest.raises(TypeError, match="bplab.Autoencoder"):
        CodeExplorer(bplab.MLP([64, 2]), X_tr)
    with pytest.raises(ValueError, match="expects 64"):
        CodeExplorer(ae2, X_tr[:, :10])
    with pytest.raises(ValueError, match="labels"):
        CodeExplorer(ae2, X_tr, y_tr[:5])
    with pytest.raises(ValueError, match="start"):
        CodeExplorer(ae2, X_tr, start=(1.0, np.nan))


# ----------------------------------------------------------- denoising explorer
def test_denoising_explorer_state_and_figure(dae, ae2, data):
    X_te = data[1]
    ex = DenoisingExplorer(dae, X_te, compare=ae2, noise=0.3, n_show=6)
    pattern = np.random.default_rng(0).standard_normal(X_te.shape)
    np.testing.assert_allclose(ex.noisy, X_te + 0.3 * pattern)
    np.testing.assert_allclose(ex.reconstruction, dae.reconstruct(ex.noisy))
    assert ex.errors["noisy input"] == pytest.approx(np.mean((0.3 * pattern) ** 2))
    assert ex.errors["denoising AE"] < ex.errors["noisy input"]
    assert set(ex.errors) == {"noisy input", "denoising AE", "plain AE"}
    ex._repr_mimebundle_()
    fig = ex.figure
    assert len(fig.axes) == 4                              # noisy / denoised / plain / clean rows
    for row, images in enumerate([ex.noisy, ex.reconstruction, ex.compare_reconstruction, X_te]):
        np.testing.assert_allclose(_row(fig, row), mosaic(images[:6]))
    assert "MSE" in fig.axes[1].get_ylabel() and fig.axes[1].get_ylabel().startswith("denoising AE")


def test_noise_slider_changes_noise_reconstruction_and_figure(dae, data):
    X_te = data[1]
    ex = DenoisingExplorer(dae, X_te, noise=0.3)
    ex._repr_mimebundle_()
    before = dict(errors=dict(ex.errors), noisy=ex.noisy.copy(), recon=ex.reconstruction.copy(),
                  panel=_row(ex.figure, 0))
    ex.noise_slider.value = 0.6
    assert ex.noise == 0.6 and ex.n_draws == 2
    assert ex.errors["noisy input"] == pytest.approx(4 * before["errors"]["noisy input"])
    assert ex.errors["denoising AE"] > before["errors"]["denoising AE"]
    assert not np.allclose(ex.reconstruction, before["recon"])
    assert not np.allclose(_row(ex.figure, 0), before["panel"], equal_nan=True)
    np.testing.assert_allclose(_row(ex.figure, 1), mosaic(ex.reconstruction[:8]))
    ex.noise_slider.value = 0.0                              # no noise: the input is the clean digit
    np.testing.assert_array_equal(ex.noisy, X_te)
    assert ex.errors["noisy input"] == 0.0
    assert "σ = 0.00" in ex.summary()


def test_denoising_show_default(dae, data, capsys):
    ex = DenoisingExplorer(dae, data[1], noise=0.2)
    ex.noise_slider.value = 0.7
    ex.show_default()
    assert ex.noise == 0.2
    assert "noise σ = 0.20" in capsys.readouterr().out
    plt.close("all")


def test_denoising_explorer_bad_input(dae, data):
    X_te = data[1]
    with pytest.raises(ValueError, match="noise"):
        DenoisingExplorer(dae, X_te, noise=-0.1)
    with pytest.raises(ValueError, match="max_noise"):
        DenoisingExplorer(dae, X_te, noise=2.0)
    with pytest.raises(ValueError, match="n_show"):
        DenoisingExplorer(dae, X_te[:3], n_show=5)
    with pytest.raises(ValueError, match="expects 64"):
        DenoisingExplorer(dae, X_te[:, :8])
    with pytest.raises(ValueError, match="NaN"):
        DenoisingExplorer(dae, np.full((3, 64), np.nan))
    with pytest.raises(TypeError, match="bplab.Autoencoder"):
        DenoisingExplorer(dae, X_te, compare="plain")


# --------------------------------------------------------------------- the plots
def test_error_vs_code_size_plots_the_table():
    import pandas as pd

    from bplab.chapters.ch06.plots import error_vs_code_size
    table = pd.DataFrame({"PCA": [0.05, 0.02, 0.003], "linear AE": [0.05, 0.021, 0.0031],
                          "nonlinear AE": [0.03, 0.01, 0.0025]}, index=pd.Index([2, 8, 32], name="k"))
    fig = error_vs_code_size(table)
    ax = fig.axes[0]
    assert [l.get_label() for l in ax.lines] == list(table.columns)
    for line, col in zip(ax.lines, table.columns):
        np.testing.assert_allclose(line.get_xdata(), [2, 8, 32])
        np.testing.assert_allclose(line.get_ydata(), table[col])
    assert ax.get_yscale() == "log" and "code size" in ax.get_xlabel()
    plt.close(fig)


def test_error_vs_code_size_keeps_pca_visible_on_top():
    import pandas as pd

    from bplab.chapters.ch06.plots import error_vs_code_size
    table = pd.DataFrame({"PCA": [0.05, 0.003], "PCA clipped to [0, 1]": [0.049, 0.0025],
                          "linear AE": [0.05, 0.003], "nonlinear AE": [0.03, 0.0026]}, index=[2, 32])
    fig = error_vs_code_size(table)
    lines = {l.get_label(): l for l in fig.axes[0].lines}
    assert list(lines) == list(table.columns)
    assert lines["PCA"].get_zorder() > lines["linear AE"].get_zorder()      # drawn over the linear AE
    assert lines["PCA clipped to [0, 1]"].get_linestyle() == ":"
    np.testing.assert_allclose(lines["PCA clipped to [0, 1]"].get_ydata(), [0.049, 0.0025])
    plt.close(fig)


def test_training_curves_and_scatter():
    import pandas as pd

    from bplab.chapters.ch06.plots import code_scatter, training_curves
    h = pd.DataFrame({"loss": [0.3, 0.2, 0.1], "val_loss": [0.35, 0.25, 0.15]}, index=[1, 2, 3])
    fig = training_curves({"AE": h})
    np.testing.assert_allclose(fig.axes[0].lines[1].get_ydata(), h["val_loss"])
    plt.close(fig)
    codes = np.array([[0.0, 0.0], [1.0, 1.0], [4.0, 0.0], [5.0, 1.0]])
    fig = code_scatter(codes, np.array([0, 0, 1, 1]), marker=(2.0, 3.0))
    ax = fig.axes[0]
    assert len(ax.collections) == 2                        # one scatter per class
    assert sorted(t.get_text() for t in ax.texts) == ["0", "1"]
    centroid_1 = next(t for t in ax.texts if t.get_text() == "1").get_position()
    np.testing.assert_allclose(centroid_1, (4.5, 0.5))
    np.testing.assert_allclose(ax.lines[0].get_xydata(), [[2.0, 3.0]])
    plt.close(fig)


def test_scatter_moves_overlapping_class_centres_apart():
    from bplab.chapters.ch06.plots import code_scatter
    rng = np.random.default_rng(0)
    # classes 5, 8 and 9 share (almost) one centre; class 0 lies far away
    codes = np.concatenate([rng.normal(0, 1, (30, 2)), rng.normal(0.02, 1, (30, 2)) - rng.normal(0, 1, (30, 2)).mean(0),
                            rng.normal(0, 1, (30, 2)), rng.normal(20, 1, (30, 2))])
    labels = np.repeat([5, 8, 9, 0], 30)
    fig = code_scatter(codes, labels)
    ax = fig.axes[0]
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    pos = {t.get_text(): (np.array(t.get_position()) - [x0, y0]) / [x1 - x0, y1 - y0] for t in ax.texts}
    close = [np.hypot(*(pos[a] - pos[b])) for a, b in [("5", "8"), ("5", "9"), ("8", "9")]]
    assert min(close) > 0.08                              # about one circle apart: none hides another
    true_0 = (codes[labels == 0].mean(0) - [x0, y0]) / [x1 - x0, y1 - y0]
    np.testing.assert_allclose(pos["0"], true_0)          # a centre with room keeps its exact place
    for c in "589":                                       # moved ones stay near their centres
        true = (codes[labels == int(c)].mean(0) - [x0, y0]) / [x1 - x0, y1 - y0]
        assert np.hypot(*(pos[c] - true)) < 0.1
    assert len(ax.lines) == 6                             # a leader line and a dot for each moved centre
    plt.close(fig)
    # zoomed far out (limits given up front), the same centres need a larger push in data units
    fig = code_scatter(codes, labels, xlim=(-200, 200), ylim=(-200, 200))
    ax = fig.axes[0]
    assert ax.get_xlim() == (-200, 200)
    spots = {t.get_text(): np.array(t.get_position()) for t in ax.texts}
    assert np.hypot(*(spots["5"] - spots["8"])) > 0.08 * 400
    plt.close(fig)
    # a marker on class 0's centre pushes that circle aside instead of covering it
    centre_0 = codes[labels == 0].mean(0)
    fig = code_scatter(codes, labels, marker=tuple(centre_0))
    ax = fig.axes[0]
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    spot_0 = next(np.array(t.get_position()) for t in ax.texts if t.get_text() == "0")
    assert np.hypot(*((spot_0 - centre_0) / [x1 - x0, y1 - y0])) > 0.08
    plt.close(fig)


def test_plot_bad_input():
    from bplab.chapters.ch06.plots import code_scatter, reconstruction_rows
    with pytest.raises(ValueError, match=r"\(n, 2\)"):
        code_scatter(np.ones((5, 3)))
    with pytest.raises(ValueError, match="empty"):
        reconstruction_rows({})
    with pytest.raises(ValueError, match="same number"):
        reconstruction_rows({"a": np.ones((3, 64)), "b": np.ones((2, 64))})
    with pytest.raises(ValueError, match="square"):
        reconstruction_rows({"a": np.ones((3, 10))})


# ------------------------------------------------------ text line under the figure
def test_code_explorer_text_line_follows_the_sliders(ae2, data):
    X_tr, _, y_tr, _ = data
    ex = CodeExplorer(ae2, X_tr, y_tr)
    assert ex.ui.children[-1] is ex.text and ex.ui.children.index(ex.out) < len(ex.ui.children) - 1
    before = ex.text.value
    assert f"({ex.code[0]:.2f}, {ex.code[1]:.2f})" in before and f"a '{ex.nearest_label}'" in before
    ex.z1_slider.value = float(ex.hi[0])
    assert ex.text.value != before
    assert f"{ex.code[0]:.2f}" in ex.text.value and f"{ex.nearest_distance:.2f}" in ex.text.value


def test_denoising_explorer_text_line_follows_the_slider(dae, ae2, data):
    ex = DenoisingExplorer(dae, data[1], compare=ae2, noise=0.3)
    assert ex.ui.children[-1] is ex.text
    before = ex.text.value
    assert "noise σ = 0.30" in before and f"{ex.errors['denoising AE']:.4f}" in before
    ex.noise_slider.value = 0.7
    assert ex.text.value != before
    assert "noise σ = 0.70" in ex.text.value
    for name, err in ex.errors.items():
        assert f"{name}: MSE {err:.4f}" in ex.text.value
    fig = ex.figure_()
    assert fig._suptitle.get_text() in ex.text.value
    plt.close(fig)


def test_redraw_sets_the_output_directly_and_captures_nothing(monkeypatch, ae2, data):
    """In a kernel the explorers put their figure into the Output widget's state (put_figure),
    never through `with out: display(...)`, whose capture makes nbclient (nbval, make notebooks)
    send comm messages on the shell socket and stall for a whole cell timeout (nbclient#312)."""
    import IPython
    import matplotlib.pyplot as plt
    from bplab.chapters._shared import display

    formatted = []

    class Formatter:
        def format(self, obj):
            formatted.append(obj)
            return {"image/png": "iVBOR...", "text/plain": "<Figure>"}, {}

    class Shell:
        display_formatter = Formatter()

    monkeypatch.setattr(IPython, "get_ipython", lambda: Shell())
    ex = CodeExplorer(ae2, data[0], data[2])
    entered = []
    monkeypatch.setattr(type(ex.out), "__enter__", lambda self: entered.append(1) or self)
    ex._repr_mimebundle_()
    ex.z1_slider.value = ex.z1_slider.value + 0.5
    assert ex.n_draws == 2 and not entered
    assert len(formatted) == 2 and not plt.fignum_exists(formatted[-1].number)
    assert ex.out.outputs == ({"output_type": "display_data",
                               "data": {"image/png": "iVBOR...", "text/plain": "<Figure>"}, "metadata": {}},)
    display.put_figure(ex.out, plt.figure())           # one figure replaces the last, no pile-up
    assert len(ex.out.outputs) == 1
