"""Chapter 06's linear algebra helpers: covariance, eigenvectors, rank, PCA denoising, the
linear autoencoder in slow motion, and the figures that draw them."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import bplab  # noqa: E402
from bplab.data import load_digits, train_test_split  # noqa: E402
from bplab.pca import PCA  # noqa: E402
from bplab.chapters.ch06.linalg import (choose_knn_k, choose_pca_k, covariance, eigen_sorted,  # noqa: E402
                                        knn_denoise, linear_ae_in_slow_motion,
                                        nearest_axis_angles, numerical_rank, one_by_one_angles, pca_denoise, variance_along,
                                        wiener_denoise, wiener_factors)
from bplab.chapters.ch06.plots import covariance_cloud, eigen_images, slow_motion  # noqa: E402


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits()
    return train_test_split(X, y, test_size=0.2, seed=0)


def test_covariance_matches_numpy_and_definition():
    X = np.random.default_rng(0).normal(size=(40, 5)) @ np.diag([3, 2, 1, 0.5, 0.1])
    C = covariance(X)
    np.testing.assert_allclose(C, np.cov(X, rowvar=False), rtol=1e-12)
    u = np.random.default_rng(1).normal(size=5)
    u /= np.linalg.norm(u)
    assert variance_along(X, u) == pytest.approx(u @ C @ u, rel=1e-12)


def test_top_eigenvector_has_the_largest_variance():
    X = np.random.default_rng(2).multivariate_normal([0, 0, 0], [[4, 1, 0], [1, 2, 0.5], [0, 0.5, 1]], 500)
    lam, Q = eigen_sorted(covariance(X))
    assert np.all(np.diff(lam) <= 0)
    np.testing.assert_allclose(Q.T @ Q, np.eye(3), atol=1e-12)
    assert variance_along(X, Q[:, 0]) == pytest.approx(lam[0], rel=1e-12)
    dirs = np.random.default_rng(3).normal(size=(3, 2000))
    dirs /= np.linalg.norm(dirs, axis=0)
    assert max(variance_along(X, d) for d in dirs.T) <= lam[0] * (1 + 1e-12)


def test_eigenvalues_are_squared_singular_values_and_pca_agrees(digits):
    X_tr = digits[0]
    lam, Q = eigen_sorted(covariance(X_tr))
    s = np.linalg.svd(X_tr - X_tr.mean(0), compute_uv=False)
    np.testing.assert_allclose(s ** 2 / (len(X_tr) - 1), lam, atol=1e-12)
    pca = PCA(8).fit(X_tr)
    np.testing.assert_allclose(np.abs(np.sum(pca.components_.T * Q[:, :8], axis=0)), 1, atol=1e-9)
    # PCA's training error is the dropped variance
    N, D = X_tr.shape
    assert pca.reconstruction_error(X_tr) == pytest.approx((N - 1) / (N * D) * lam[8:].sum(), rel=1e-10)


def test_rank_counts_blank_pixels(digits):
    X_tr = digits[0]
    lam, _ = eigen_sorted(covariance(X_tr))
    blank = int((X_tr == 0).all(axis=0).sum())
    assert blank >= 1
    assert numerical_rank(lam) == 64 - blank
    assert numerical_rank([5.0, 1.0, 1e-14]) == 2


def test_bad_inputs():
    with pytest.raises(ValueError, match="at least 2 rows"):
        covariance(np.ones((1, 3)))
    with pytest.raises(ValueError, match="symmetric"):
        eigen_sorted(np.array([[1.0, 2.0], [0.0, 1.0]]))
    with pytest.raises(ValueError, match="unit vector"):
        variance_along(np.ones((4, 2)), [1.0, 1.0])


def test_pca_denoise_choice_is_the_argmin(digits):
    X_tr, X_te = digits[0], digits[1]
    noisy = X_te + 0.3 * np.random.default_rng(0).standard_normal(X_te.shape)
    k, errors = choose_pca_k(X_tr, noisy, X_te, [2, 8, 16, 32, 64])
    assert k == errors.idxmin()
    assert errors[k] < np.mean((noisy - X_te) ** 2) / 2          # projection removes most of the noise
    assert errors[64] == pytest.approx(np.mean((noisy - X_te) ** 2), rel=1e-9)   # all 64: nothing removed
    clipped = pca_denoise(PCA(16).fit(X_tr), noisy, clip=True)
    assert clipped.min() >= 0 and clipped.max() <= 1


def test_choose_pca_k_scores_what_separate_fits_score(digits):
    X_tr, X_te = digits[0], digits[1]
    noisy = X_te + 0.2 * np.random.default_rng(1).standard_normal(X_te.shape)
    for clip in (False, True):
        _, errors = choose_pca_k(X_tr, noisy, X_te, [1, 5, 12, 40], clip=clip)
        for k in (1, 5, 12, 40):
            direct = np.mean((pca_denoise(PCA(k).fit(X_tr), noisy, clip=clip) - X_te) ** 2)
            assert errors[k] == pytest.approx(direct, rel=1e-10)
    with pytest.raises(ValueError, match="outside"):
        choose_pca_k(X_tr, noisy, X_te, [0])


def test_wiener_factors_shrink_and_limit():
    lam = np.array([4.0, 1.0, 0.25, 0.0])
    np.testing.assert_allclose(wiener_factors(lam, 0.5), [4 / 4.25, 1 / 1.25, 0.5, 0.0])
    np.testing.assert_allclose(wiener_factors(lam, 0.0), [1, 1, 1, 0])       # sigma -> 0: keep all but zeros
    with pytest.raises(ValueError, match="sigma"):
        wiener_factors(lam, -1.0)


def test_wiener_is_the_linear_solve_and_the_best_linear_denoiser(digits):
    X_tr, X_te = digits[0], digits[1]
    sigma = 0.3
    x_bar = X_tr.mean(0)
    C = covariance(X_tr)
    noisy = X_te + sigma * np.random.default_rng(2).standard_normal(X_te.shape)
    A = np.linalg.solve(C + sigma ** 2 * np.eye(64), C)                   # (C + s^2 I)^-1 C, one solve
    np.testing.assert_allclose(wiener_denoise(X_tr, noisy, sigma), x_bar + (noisy - x_bar) @ A, atol=1e-10)
    clipped = wiener_denoise(X_tr, noisy, sigma, clip=True)
    assert clipped.min() >= 0 and clipped.max() <= 1
    # at sigma = 0 it is the identity on the training digits (they lie in C's range)
    np.testing.assert_allclose(wiener_denoise(X_tr, X_tr, 0.0), X_tr, atol=1e-10)

    # the expected training loss over the noise, (1/N)|Xc A - Xc|^2 + sigma^2 |A|_F^2 (exact, no sampling),
    # is smallest for the Wiener filter: below every PCA-k projection and below nearby matrices
    Xc = X_tr - x_bar
    N = len(X_tr)
    C_N = Xc.T @ Xc / N
    A_N = np.linalg.solve(C_N + sigma ** 2 * np.eye(64), C_N)

    def expected(M):
        return np.sum((Xc @ M - Xc) ** 2) / N + sigma ** 2 * np.sum(M ** 2)

    best = expected(A_N)
    for k in (4, 8, 16, 32, 64):
        V = PCA(k).fit(X_tr).components_.T
        assert expected(V @ V.T) > best
    rng = np.random.default_rng(3)
    for _ in range(5):
        D = rng.standard_normal((64, 64))
        assert expected(A_N + 1e-3 * D) > best
    # and a direct least-squares fit on many noisy copies lands near it
    copies = np.tile(Xc, (30, 1))
    A_fit = np.linalg.lstsq(copies + sigma * rng.standard_normal(copies.shape), copies, rcond=None)[0]
    assert np.linalg.norm(A_fit - A_N) / np.linalg.norm(A_N) < 0.1


def test_knn_denoise_matches_a_plain_loop():
    rng = np.random.default_rng(4)
    X_train, X_query = rng.random((30, 5)), rng.random((7, 5))
    for k in (1, 3, 30):
        expected = []
        for q in X_query:                                   # the definition, one query at a time
            dist = np.sqrt(((X_train - q) ** 2).sum(1))
            expected.append(X_train[np.argsort(dist, kind="stable")[:k]].mean(0))
        np.testing.assert_allclose(knn_denoise(X_train, X_query, k), expected, atol=1e-12)
    # a training row is its own nearest neighbour; k = N gives the training mean for every query
    np.testing.assert_allclose(knn_denoise(X_train, X_train[:4], 1), X_train[:4])
    np.testing.assert_allclose(knn_denoise(X_train, X_query, 30), np.tile(X_train.mean(0), (7, 1)), atol=1e-12)
    with pytest.raises(ValueError, match="outside"):
        knn_denoise(X_train, X_query, 0)
    with pytest.raises(ValueError, match="columns"):
        knn_denoise(X_train, X_query[:, :4], 2)


def test_choose_knn_k_scores_what_separate_calls_score(digits):
    X_tr, X_te = digits[0], digits[1]
    noisy = X_te + 0.3 * np.random.default_rng(5).standard_normal(X_te.shape)
    ks = [1, 2, 5, 10, 20]
    k, errors = choose_knn_k(X_tr, noisy, X_te, ks)
    assert k == errors.idxmin() and list(errors.index) == ks
    for kk in ks:
        assert errors[kk] == pytest.approx(np.mean((knn_denoise(X_tr, noisy, kk) - X_te) ** 2), rel=1e-10)
    # on digits at sigma = 0.3 the average of a few clean neighbours beats one neighbour and the clipped
    # Wiener filter (the best linear denoiser, told the true sigma) by more than 10 %
    assert errors[k] < 0.8 * errors[1]
    assert errors[k] < 0.9 * np.mean((wiener_denoise(X_tr, noisy, 0.3, clip=True) - X_te) ** 2)
    assert 0 <= knn_denoise(X_tr, noisy, k).min() and knn_denoise(X_tr, noisy, k).max() <= 1
    with pytest.raises(ValueError, match="1.."):
        choose_knn_k(X_tr, noisy, X_te, [0, 3])


def test_one_by_one_angles():
    V = np.eye(4)[:, :2]
    W = np.array([[1.0, 0, 0, 0], [0, 1.0, 1.0, 0]])      # row 0 = e0, row 1 at 45° to e1
    np.testing.assert_allclose(one_by_one_angles(W, V), [0.0, 45.0], atol=1e-12)


def test_nearest_axis_angles_ignores_row_order_and_sign():
    Q = np.eye(4)
    W = np.array([[0, 0, 1.0, 0], [1.0, 1.0, 0, 0], [0, -2.0, 0, 0]])   # along e2; 45° from e0 and e1; along -e1
    np.testing.assert_allclose(nearest_axis_angles(W, Q), [0.0, 45.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(nearest_axis_angles(W[::-1], Q), [0.0, 45.0, 0.0][::-1], atol=1e-12)
    # one_by_one_angles pairs row i with column i, so the same rows in another order look far off
    swapped = np.array([[0, 1.0, 0, 0], [1.0, 0, 0, 0]])   # e1, e0: the top-2 axes in the other order
    np.testing.assert_allclose(one_by_one_angles(swapped, Q[:, :2]), [90.0, 90.0])
    np.testing.assert_allclose(nearest_axis_angles(swapped, Q), [0.0, 0.0], atol=1e-12)
    # a rotation inside a principal plane moves every row off its axis by the rotation angle (at most 45°)
    t = np.radians(30)
    R = np.array([[np.cos(t), np.sin(t), 0, 0], [-np.sin(t), np.cos(t), 0, 0]])
    np.testing.assert_allclose(nearest_axis_angles(R, Q), [30.0, 30.0], atol=1e-9)
    with pytest.raises(ValueError, match=r"\(k, D\)"):
        nearest_axis_angles(W, np.eye(3))


def test_slow_motion_stays_above_pca_and_finds_the_subspace(digits):
    X_tr = digits[0]
    pca = PCA(2).fit(X_tr)
    track = linear_ae_in_slow_motion(bplab.Autoencoder([64, 2], activation="linear", seed=0), X_tr,
                                     [(1e-2, 60), (1e-3, 20)], every=20, pca=pca)
    assert list(track.index) == [20, 40, 60, 80]
    assert (track["relative excess over PCA"] >= 0).all()    # PCA is the best affine rank-2 fit
    assert track["relative excess over PCA"].iloc[-1] < 1e-2
    assert (track["nearest-axis angle (min, deg)"].between(0, 90)).all()
    assert track["subspace angle (max, deg)"].iloc[-1] < 5
    with pytest.raises(ValueError, match="code size"):
        linear_ae_in_slow_motion(bplab.Autoencoder([64, 3], activation="linear"), X_tr, [(1e-2, 1)],
                                 every=1, pca=pca)


def test_figures_draw_what_they_say(digits):
    cloud = np.random.default_rng(0).multivariate_normal([2, 1], [[3, 1.5], [1.5, 1.2]], 200)
    fig = covariance_cloud(cloud)
    ax = fig.axes[0]
    lam, Q = eigen_sorted(covariance(cloud))
    arrows = [c for c in ax.get_children() if isinstance(c, matplotlib.text.Annotation)]
    assert len(arrows) == 2
    tip = np.array(arrows[0].xy) - np.array(arrows[0].xyann)
    np.testing.assert_allclose(tip, 2 * np.sqrt(lam[0]) * Q[:, 0], rtol=1e-9)
    plt.close(fig)
    X_tr = digits[0]
    lam, Q = eigen_sorted(covariance(X_tr))
    fig = eigen_images(X_tr.mean(0), Q, eigenvalues=lam, n=4)
    assert len(fig.axes) == 5
    plt.close(fig)
    with pytest.raises(ValueError, match=r"\(n, 2\)"):
        covariance_cloud(np.ones((5, 3)))
    import pandas as pd
    track = pd.DataFrame({"relative excess over PCA": [0.1, 0.01], "subspace angle (max, deg)": [50.0, 1.0],
                          "nearest-axis angle (min, deg)": [60.0, 59.0]}, index=[10, 20])
    fig = slow_motion(track)
    np.testing.assert_allclose(fig.axes[0].lines[0].get_ydata(), [0.1, 0.01])
    plt.close(fig)
