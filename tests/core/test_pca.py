"""PCA by SVD and principal angles, against numpy's SVD and hand-worked examples."""
import numpy as np
import pytest

from bplab.data import load_digits, train_test_split
from bplab.pca import PCA, orthonormal_basis, principal_angles


@pytest.fixture(scope="module")
def digits_split():
    X, y = load_digits()
    return train_test_split(X, y, test_size=0.2, seed=0)


# ------------------------------------------------------------------- hand examples
def test_points_on_a_line_need_one_component():
    # Points on the line y = 2x + 1: one component explains everything, error 0.
    t = np.array([-2.0, -1.0, 0.0, 1.0, 3.0])
    X = np.column_stack([t, 2 * t + 1])
    pca = PCA(1).fit(X)
    np.testing.assert_allclose(pca.mean_, [0.2, 1.4])
    np.testing.assert_allclose(pca.components_[0], np.array([1.0, 2.0]) / np.sqrt(5))
    np.testing.assert_allclose(pca.explained_variance_ratio_, [1.0])
    assert pca.reconstruction_error(X) < 1e-25
    # A new point off the line is projected onto it (orthogonally).
    x = np.array([[0.2 + 2.0, 1.4 - 1.0]])          # mean + (2, -1), orthogonal to the line
    np.testing.assert_allclose(pca.reconstruct(x), [[0.2, 1.4]], atol=1e-12)
    np.testing.assert_allclose(pca.transform(x), [[0.0]], atol=1e-12)


def test_axis_aligned_variances():
    # Four points at (+-3, 0) and (0, +-1): variance 4.5 along x and 0.5 along y (n-1 = 3).
    X = np.array([[3.0, 0], [-3, 0], [0, 1], [0, -1]])
    pca = PCA(2).fit(X)
    np.testing.assert_allclose(np.abs(pca.components_), np.eye(2), atol=1e-12)
    np.testing.assert_allclose(pca.explained_variance_, [18 / 3, 2 / 3])
    np.testing.assert_allclose(pca.explained_variance_ratio_, [0.9, 0.1])
    # One component: the y-coordinates are lost, error = mean of y^2 over 8 elements.
    assert PCA(1).fit(X).reconstruction_error(X) == pytest.approx(2 / 8)


# ----------------------------------------------------------------- against numpy
def test_matches_numpy_svd_on_digits(digits_split):
    X_tr, X_te, _, _ = digits_split
    k = 8
    pca = PCA(k).fit(X_tr)
    mu = X_tr.mean(axis=0)
    _, s, vt = np.linalg.svd(X_tr - mu, full_matrices=False)
    np.testing.assert_allclose(pca.singular_values_, s[:k])
    # Same directions up to sign.
    np.testing.assert_allclose(np.abs(np.sum(pca.components_ * vt[:k], axis=1)), 1.0, atol=1e-10)
    expected = (X_te - mu) @ vt[:k].T @ vt[:k] + mu
    np.testing.assert_allclose(pca.reconstruct(X_te), expected, atol=1e-12)
    assert pca.reconstruction_error(X_te) == pytest.approx(np.mean((expected - X_te) ** 2))
    np.testing.assert_allclose(pca.explained_variance_ratio_, s[:k] ** 2 / np.sum(s ** 2))
    np.testing.assert_allclose(pca.components_ @ pca.components_.T, np.eye(k), atol=1e-12)


def test_error_falls_with_k_and_training_error_equals_discarded_variance(digits_split):
    X_tr, X_te, _, _ = digits_split
    errs = [PCA(k).fit(X_tr).reconstruction_error(X_te) for k in (2, 4, 8, 16, 32)]
    assert all(a > b for a, b in zip(errs, errs[1:]))
    # On the training data, error * n * d = sum of the discarded squared singular values.
    pca = PCA(8).fit(X_tr)
    _, s, _ = np.linalg.svd(X_tr - X_tr.mean(0), full_matrices=False)
    assert pca.reconstruction_error(X_tr) * X_tr.size == pytest.approx(np.sum(s[8:] ** 2))


def test_pca_is_the_best_rank_k_projection_on_training_data(rng):
    X = rng.normal(size=(60, 6)) @ rng.normal(size=(6, 6))
    pca = PCA(2).fit(X)
    best = pca.reconstruction_error(X)
    for _ in range(20):     # any other 2-D subspace through the mean does worse
        q, _ = np.linalg.qr(rng.normal(size=(6, 2)))
        R = (X - X.mean(0)) @ q @ q.T + X.mean(0)
        assert np.mean((R - X) ** 2) >= best - 1e-12


def test_codes_decode_back(digits_split):
    X_tr, X_te, _, _ = digits_split
    pca = PCA(64).fit(X_tr)        # all directions: lossless
    np.testing.assert_allclose(pca.inverse_transform(pca.transform(X_te)), X_te, atol=1e-10)
    one = pca.transform(X_te[0])   # a single row is accepted
    assert one.shape == (1, 64)


# ------------------------------------------------------------------- bad input
def test_bad_input():
    X = np.random.default_rng(0).normal(size=(10, 4))
    with pytest.raises(ValueError, match="n_components"):
        PCA(5).fit(X)
    with pytest.raises(ValueError, match="n_components"):
        PCA(0)
    with pytest.raises(TypeError, match="n_components"):
        PCA(2.5)
    with pytest.raises(RuntimeError, match="not fitted"):
        PCA(2).transform(X)
    with pytest.raises(RuntimeError, match="not fitted"):
        PCA(2).reconstruction_error(X)
    pca = PCA(2).fit(X)
    with pytest.raises(ValueError, match="4"):
        pca.transform(np.ones((3, 5)))
    with pytest.raises(ValueError, match="NaN"):
        pca.fit(np.where(X > 1, np.nan, X))
    with pytest.raises(ValueError, match="2"):
        pca.inverse_transform(np.ones((3, 3)))
    with pytest.raises(ValueError, match="at least 2 rows"):
        PCA(1).fit(np.ones((1, 3)))


# ------------------------------------------------------------- principal angles
def test_principal_angles_hand_examples():
    e = np.eye(3)
    # x-axis vs the line at 30 degrees in the xy-plane.
    line = np.array([[np.cos(np.pi / 6)], [np.sin(np.pi / 6)], [0.0]])
    np.testing.assert_allclose(principal_angles(e[:, :1], line, degrees=True), [30.0])
    # xy-plane vs xz-plane: they share the x-axis (0 deg) and are otherwise perpendicular.
    np.testing.assert_allclose(principal_angles(e[:, [0, 1]], e[:, [0, 2]], degrees=True),
                               [0.0, 90.0], atol=1e-12)
    # A line inside a plane: angle 0 (whatever order the arguments come in).
    np.testing.assert_allclose(principal_angles(e[:, [0, 1]], np.array([[1.0], [1.0], [0.0]])), [0.0],
                               atol=1e-15)
    np.testing.assert_allclose(principal_angles(np.array([[1.0], [1.0], [0.0]]), e[:, [0, 1]]), [0.0],
                               atol=1e-15)


def test_principal_angles_ignore_the_basis(rng):
    A = rng.normal(size=(20, 4))
    mix = rng.normal(size=(4, 4))                # any invertible change of basis
    ang = principal_angles(A, A @ mix)
    assert ang.shape == (4,)
    assert np.max(ang) < 1e-7                    # sines keep tiny angles accurate
    # A tiny, known tilt: rotate one basis vector by 1e-6 rad out of the subspace.
    q, _ = np.linalg.qr(rng.normal(size=(20, 5)))
    B = q[:, :4].copy()
    B[:, 0] = np.cos(1e-6) * q[:, 0] + np.sin(1e-6) * q[:, 4]
    np.testing.assert_allclose(principal_angles(q[:, :4], B), [0, 0, 0, 1e-6], atol=1e-12)


def test_principal_angles_match_the_cosine_definition(rng):
    A, B = rng.normal(size=(10, 3)), rng.normal(size=(10, 2))
    qa, _ = np.linalg.qr(A)
    qb, _ = np.linalg.qr(B)
    cos = np.linalg.svd(qa.T @ qb, compute_uv=False)
    np.testing.assert_allclose(principal_angles(A, B), np.arccos(cos), atol=1e-10)
    np.testing.assert_allclose(principal_angles(A, B), principal_angles(B, A))


def test_principal_angles_bad_input():
    with pytest.raises(ValueError, match="rows"):
        principal_angles(np.ones((4, 2)) + np.eye(4, 2), np.eye(3, 1))
    with pytest.raises(ValueError, match="rank"):
        principal_angles(np.ones((4, 2)), np.eye(4, 1))
    with pytest.raises(ValueError, match="2-D"):
        principal_angles(np.ones(4), np.eye(4, 1))
    with pytest.raises(ValueError, match="NaN"):
        principal_angles(np.full((4, 1), np.nan), np.eye(4, 1))
    q = orthonormal_basis(np.array([[2.0, 0], [0, 3], [0, 0]]))
    np.testing.assert_allclose(q.T @ q, np.eye(2), atol=1e-12)


def test_bplab_pca_is_reachable_as_an_attribute():
    import bplab
    assert bplab.pca.PCA is PCA
