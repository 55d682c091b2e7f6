"""Chapter-06 exercise checks: right answers pass, each usual slip gets its specific message."""
import numpy as np
import pytest

import bplab
from bplab.chapters._shared.feedback import ExerciseError
from bplab.chapters.ch06 import exercises as ch06
from bplab.pca import principal_angles


# --------------------------------------------------------- reconstruction error
def test_reconstruction_error_passes(capsys):
    ch06.check_reconstruction_error.strict(lambda X, R: np.mean((R - X) ** 2))
    assert capsys.readouterr().out.startswith("✓ Correct!")


@pytest.mark.parametrize("fn, match", [
    (lambda X, R: np.sum((R - X) ** 2), "sum of squared errors"),
    (lambda X, R: np.mean(np.sum((R - X) ** 2, axis=1)), "averaged over the 5 rows"),
    (lambda X, R: np.sqrt(np.mean((R - X) ** 2)), "root-mean-square"),
    (lambda X, R: np.mean(np.abs(R - X)), "mean absolute error"),
    (lambda X, R: np.mean(R - X), "without squaring"),
    (lambda X, R: 0.5 * np.mean((R - X) ** 2), "factor 1/2"),
    (lambda X, R: 2 * np.mean((R - X) ** 2), "factor 2 too big"),
    (lambda X, R: np.mean((R - X) ** 2, axis=1), r"array of shape \(5,\)"),
    (lambda X, R: None, "return"),
    (lambda X, R: 1.0, "off: got 1"),
])
def test_reconstruction_error_slips(fn, match):
    with pytest.raises(ExerciseError, match=match):
        ch06.check_reconstruction_error.strict(fn)


def test_not_written_yet():
    def reconstruction_error(X, R):
        raise NotImplementedError
    with pytest.raises(ExerciseError, match="not written yet"):
        ch06.check_reconstruction_error.strict(reconstruction_error)


# ------------------------------------------------------------- PCA projection
def test_pca_projection_passes(capsys):
    ch06.check_pca_projection.strict(lambda X, mean, V: (X - mean) @ V.T)
    assert "✓ Correct!" in capsys.readouterr().out


def test_pca_projection_case_is_a_real_pca():
    X, mean, comps = ch06._pca_case()
    assert X.shape == (7, 5) and comps.shape == (2, 5)
    np.testing.assert_allclose(comps @ comps.T, np.eye(2), atol=1e-12)
    assert not np.allclose(mean, X.mean(0))          # fitted on other (training) rows


@pytest.mark.parametrize("fn, match", [
    (lambda X, mean, V: X @ V.T, "without centring"),
    (lambda X, mean, V: (X + mean) @ V.T, "added the mean"),
    (lambda X, mean, V: (mean - X) @ V.T, r"wrong sign: it's \(X - mean\)"),
    (lambda X, mean, V: (X - X.mean(0)) @ V.T, "mean of X itself"),
    (lambda X, mean, V: V @ (X - mean).T, r"shape \(2, 7\)"),
    (lambda X, mean, V: (X - mean) @ V, "multiply by components.T"),
    (lambda X, mean, V: (X - mean) @ V.T @ V + mean, "reconstruction"),
    (lambda X, mean, V: 2 * (X - mean) @ V.T, "off at row 0"),
])
def test_pca_projection_slips(fn, match):
    with pytest.raises(ExerciseError, match=match):
        ch06.check_pca_projection.strict(fn)


# ------------------------------------------------------------ parameter count
@pytest.mark.parametrize("sizes", [s for s in ch06.PARAM_CASES])
def test_reference_count_matches_the_model(sizes):
    assert ch06.reference_param_count(sizes) == bplab.Autoencoder(sizes).n_params


def test_param_count_passes(capsys):
    def count_params(sizes):
        full = sizes + sizes[-2::-1]
        return sum(a * b + b for a, b in zip(full[:-1], full[1:]))
    ch06.check_param_count.strict(count_params)
    assert "4744" in capsys.readouterr().out


def _enc(sizes):
    return sum(a * b for a, b in zip(sizes[:-1], sizes[1:])), sum(sizes[1:]), sum(sizes[:-1])


@pytest.mark.parametrize("fn, match", [
    (lambda s: 2 * _enc(s)[0], "not the biases"),
    (lambda s: _enc(s)[0] + _enc(s)[1], "encoder alone"),
    (lambda s: _enc(s)[0], "encoder's weights alone"),
    (lambda s: 2 * (_enc(s)[0] + _enc(s)[1]), "its biases do not"),
    (lambda s: 2 * _enc(s)[0] + 2 * _enc(s)[2], "encoder's biases have"),
    (lambda s: 7, "expected 1096"),
    (lambda s: "many", "should be a number"),
])
def test_param_count_slips(fn, match):
    with pytest.raises(ExerciseError, match=match):
        ch06.check_param_count.strict(fn)


# ------------------------------------------------------------ principal angles
def _good(A, B):
    qa, _ = np.linalg.qr(A)
    qb, _ = np.linalg.qr(B)
    c = np.clip(np.linalg.svd(qa.T @ qb, compute_uv=False), -1, 1)
    return np.sort(np.degrees(np.arccos(c)))


def test_principal_angles_passes(capsys):
    ch06.check_principal_angles.strict(_good)
    ch06.check_principal_angles.strict(lambda A, B: principal_angles(A, B, degrees=True))
    assert capsys.readouterr().out.count("✓ Correct!") == 2


def _no_qr(A, B):
    c = np.clip(np.linalg.svd(A.T @ B, compute_uv=False), -1, 1)
    return np.sort(np.degrees(np.arccos(c)))


def _arcsin(A, B):
    qa, _ = np.linalg.qr(A)
    qb, _ = np.linalg.qr(B)
    c = np.clip(np.linalg.svd(qa.T @ qb, compute_uv=False), -1, 1)
    return np.sort(np.degrees(np.arcsin(c)))


def _squared_cosines(A, B):
    qa, _ = np.linalg.qr(A)
    qb, _ = np.linalg.qr(B)
    m = qa.T @ qb
    return np.sort(np.degrees(np.arccos(np.clip(np.linalg.eigvalsh(m @ m.T), -1, 1))))


def _no_clip(A, B):
    qa, _ = np.linalg.qr(A)
    qb, _ = np.linalg.qr(B)
    with np.errstate(invalid="ignore"):
        return np.sort(np.degrees(np.arccos(np.linalg.svd(qa.T @ qb, compute_uv=False))))


def test_same_subspace_case_needs_clipping():
    """The (A, 2A) case is there to catch a missing clip: its cosines must round above 1 here."""
    what, A, B = ch06._angle_cases()[-1]
    assert "itself" in what
    np.testing.assert_allclose(ch06.reference_principal_angles(A, B), 0.0, atol=1e-5)
    qa, _ = np.linalg.qr(A)
    qb, _ = np.linalg.qr(B)
    assert (np.linalg.svd(qa.T @ qb, compute_uv=False) > 1.0).any()


def test_messages_never_say_lambda():
    checks = [(ch06.check_reconstruction_error.strict, lambda X, R: np.sum((R - X) ** 2)),
              (ch06.check_pca_projection.strict, lambda X, mean, V: X @ V.T),
              (ch06.check_param_count.strict, lambda s: 7),
              (ch06.check_principal_angles.strict, lambda A, B: _good(A, B) + 1)]
    for check, fn in checks:
        with pytest.raises(ExerciseError) as info:
            check(fn)
        assert "<lambda>" not in str(info.value) and "lambda" not in str(info.value)
    with pytest.raises(ExerciseError, match=r"^count_params\(\[64, 8\]\) = 7"):
        ch06.check_param_count.strict(lambda s: 7)


@pytest.mark.parametrize("fn, match", [
    (lambda A, B: np.radians(_good(A, B)), "radians"),
    (lambda A, B: _good(A, B)[::-1], "wrong order"),
    (lambda A, B: np.cos(np.radians(_good(A, B)))[::-1], "cosines"),
    (_no_qr, "orthonormal bases first"),
    (lambda A, B: _good(A, B)[:1], "one angle per column"),
    (lambda A, B: _good(A, B) + 1, "got"),
    (_arcsin, "complement.*use arccos"),
    (_squared_cosines, r"singular values of Qa.T @ Qb, not their squares"),
    (_no_clip, r"NaN: clip the cosines into \[-1, 1\]"),
])
def test_principal_angles_slips(fn, match):
    with pytest.raises(ExerciseError, match=match):
        ch06.check_principal_angles.strict(fn)


def test_learner_crash_is_reported():
    with pytest.raises(ExerciseError, match="raised ZeroDivisionError"):
        ch06.check_param_count.strict(lambda s: 1 / 0)
    with pytest.raises(ExerciseError, match="function"):
        ch06.check_reconstruction_error.strict(0.5)
