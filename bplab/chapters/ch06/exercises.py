"""Exercise checks for notebook 06 (autoencoders, PCA).

Each ``check_*`` runs your function on a few inputs, compares with a reference, and either
prints one line starting with a tick or raises :class:`~bplab.chapters._shared.feedback.ExerciseError`
saying what is off and, for the usual slips, why.

==============================  ============================================================
``check_reconstruction_error``  ``fn(X, X_hat)``: the mean squared error over all elements
``check_pca_projection``        ``fn(X, mean, components)``: PCA codes (X - mean) V_k
``check_param_count``           ``fn(sizes)``: parameters of ``bplab.Autoencoder(sizes)``
``check_principal_angles``      ``fn(A, B)``: principal angles in degrees, ascending
==============================  ============================================================
"""
from __future__ import annotations

import numpy as np

from bplab.chapters._shared.feedback import (ExerciseError, NotWrittenYet, as_array, as_number,
                                              call_learner, check_shape, exercise_check,
                                              function_name, passed)

__all__ = ["ExerciseError", "check_reconstruction_error", "check_pca_projection",
           "check_param_count", "check_principal_angles",
           "reference_param_count", "reference_principal_angles"]


# ------------------------------------------------------ exercise 1: the error
def _error_cases():
    rng = np.random.default_rng(606)
    cases = []
    for shape in [(5, 4), (3, 64), (1, 6)]:
        X = rng.uniform(0, 1, size=shape)
        cases.append((X, X + rng.normal(0, 0.2, size=shape)))
    return cases


@exercise_check
def check_reconstruction_error(fn) -> None:
    r"""``fn(X, X_hat)`` must return :math:`\frac{1}{ND}\sum_{n,d}(\hat x_{nd} - x_{nd})^2`, one number."""
    name = function_name(fn, "reconstruction_error")
    for X, R in _error_cases():
        got = as_number(f"{name}(X, X_hat) for X of shape {X.shape}",
                        call_learner(fn, X.copy(), R.copy(), name=name),
                        array_hint="average over every element, not per row or per column")
        d = R - X
        want = float(np.mean(d ** 2))
        if np.isclose(got, want, rtol=1e-9, atol=1e-12):
            continue
        n, D = X.shape
        slips = [
            (np.sum(d ** 2), f"you returned the sum of squared errors; divide by the number of "
                             f"elements (X.size = {X.size}) to get the mean"),
            (np.sum(d ** 2) / n, f"you averaged over the {n} rows but summed over the {D} pixels; "
                                 "the autoencoder's loss averages over all N·D elements (np.mean)"),
            (np.sum(d ** 2) / D, f"you divided by the number of pixels ({D}) only; divide by N·D"),
            (np.sqrt(want), "that is the root-mean-square error: leave out the square root"),
            (np.mean(np.abs(d)), "that is the mean absolute error: square the differences instead"),
            (np.mean(d), "you averaged the differences without squaring them (they cancel out)"),
            (np.mean(np.abs(d)) ** 2, "square each difference first, then average"),
            (np.mean(d) ** 2, "square each difference first, then average"),
            (want / 2, "you have an extra factor 1/2: the loss here is the plain mean of squares"),
            (2 * want, "factor 2 too big: the loss is the plain mean of squares (the 2 belongs to its "
                       "derivative, 2/(N·D)·(X_hat - X), not to the loss)"),
        ]
        for value, msg in slips:
            if np.isclose(got, value, rtol=1e-9, atol=1e-12):
                raise ExerciseError(f"{name}: {msg} (got {got:.6g}, expected {want:.6g} for X of shape {X.shape})")
        raise ExerciseError(f"{name}(X, X_hat) for X of shape {X.shape} is off: got {got:.6g}, "
                            f"expected {want:.6g} = np.mean((X_hat - X) ** 2)")
    passed(f"{name} gives the mean squared error over every element, the loss the autoencoder "
           "minimises (and what ae.reconstruction_error(X) reports).")


# --------------------------------------------------- exercise 2: PCA projection
def _pca_case(n=7, d=5, k=2, seed=61):
    """New data X (n, d) and a PCA (mean, components) fitted on other, training rows."""
    rng = np.random.default_rng(seed)
    mix, shift = rng.normal(size=(d, d)), rng.uniform(1, 3, size=d)
    X_train = rng.normal(size=(4 * n, d)) @ mix + shift
    X = rng.normal(size=(n, d)) @ mix + shift
    mean = X_train.mean(axis=0)
    _, _, vt = np.linalg.svd(X_train - mean, full_matrices=False)
    return X, mean, vt[:k].copy()


@exercise_check
def check_pca_projection(fn) -> None:
    r"""``fn(X, mean, components)`` must return the codes :math:`Z = (X - \mu) V_k` of shape (n, k).

    ``components`` has shape (k, d): its rows are the top-k principal directions (orthonormal).
    ``mean`` and ``components`` come from training data; X holds new rows.
    """
    name = function_name(fn, "pca_project")
    for n, d, k, seed in [(7, 5, 2, 61), (4, 6, 3, 62)]:
        X, mean, comps = _pca_case(n, d, k, seed)
        try:
            out = fn(X.copy(), mean.copy(), comps.copy())
        except NotImplementedError:
            raise NotWrittenYet(f"{name} is not written yet: replace `raise NotImplementedError` "
                                "with your code") from None
        except Exception as e:
            hint = ""
            if "matmul" in str(e) or "shapes" in str(e) or "align" in str(e):
                hint = (f" — components has shape (k, d) = {comps.shape}: its ROWS are the directions, "
                        "so multiply by components.T")
            raise ExerciseError(f"{name} raised {type(e).__name__}: {e}{hint}") from e
        got = as_array(out, f"{name}(X, mean, components)", finite=True)
        want = (X - mean) @ comps.T
        if got.shape == (n, d):
            raise ExerciseError(f"{name} returned shape {got.shape}, the shape of X: that looks like a "
                                f"reconstruction. Return the code, one row of k = {k} numbers per example, "
                                f"shape ({n}, {k})")
        if got.shape == (k, n):
            raise ExerciseError(f"{name} returned shape {got.shape}, expected ({n}, {k}): one ROW per "
                                "example. Compute (X - mean) @ components.T rather than components @ (...).T")
        check_shape(f"{name}(X, mean, components)", got, (n, k))
        if np.allclose(got, want, rtol=1e-7, atol=1e-9):
            continue
        if np.allclose(got, X @ comps.T, rtol=1e-7, atol=1e-9):
            raise ExerciseError(f"{name}: you projected X without centring it; subtract the training "
                                "mean first: (X - mean) @ components.T")
        if np.allclose(got, -want, rtol=1e-7, atol=1e-9):
            raise ExerciseError(f"{name}: wrong sign: it's (X - mean) @ components.T, not (mean - X)")
        if np.allclose(got, (X + mean) @ comps.T, rtol=1e-7, atol=1e-9):
            raise ExerciseError(f"{name}: you added the mean; subtract it: (X - mean) @ components.T")
        if np.allclose(got, (X - X.mean(0)) @ comps.T, rtol=1e-7, atol=1e-9):
            raise ExerciseError(f"{name}: you centred with the mean of X itself; use the `mean` passed in "
                                "(the training mean), so new data is coded exactly like the training data")
        bad = np.argwhere(~np.isclose(got, want, rtol=1e-7, atol=1e-9))[0]
        raise ExerciseError(f"{name} is off at row {bad[0]}, component {bad[1]}: got "
                            f"{got[tuple(bad)]:.6g}, expected {want[tuple(bad)]:.6g}")
    passed(f"{name} centres with the training mean and projects onto the principal directions: "
           "Z = (X - mean) @ components.T. Decoding is Z @ components + mean.")


# ------------------------------------------------ exercise 3: count the weights
def reference_param_count(sizes) -> int:
    """Weights and biases of ``bplab.Autoencoder(sizes)``: encoder ``sizes``, mirrored decoder."""
    full = list(sizes) + list(sizes)[-2::-1]
    return int(sum(a * b + b for a, b in zip(full[:-1], full[1:])))


PARAM_CASES = ([64, 8], [64, 32, 8], [784, 256, 64, 2], [10, 7, 5, 3])


@exercise_check
def check_param_count(fn) -> None:
    """``fn(sizes)`` must return the number of parameters (weights + biases) of Autoencoder(sizes)."""
    name = function_name(fn, "count_params")
    for sizes in PARAM_CASES:
        raw = call_learner(fn, list(sizes), name=name)
        got = as_number(f"{name}({sizes})", raw)
        want = reference_param_count(sizes)
        if got == want:
            continue
        enc_w = sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))
        enc_b = sum(sizes[1:])
        dec_b = sum(sizes[:-1])
        slips = [
            (2 * enc_w, "you counted the weights but not the biases: every layer adds one bias per output unit"),
            (enc_w + enc_b, "that is the encoder alone; the decoder mirrors it and has its own parameters"),
            (enc_w, "that is the encoder's weights alone; add its biases and the whole decoder"),
            (2 * (enc_w + enc_b), "close: the decoder's weights mirror the encoder's, but its biases do not. "
                                  f"Decoder layers end in the widths {list(sizes)[-2::-1]}, so the decoder "
                                  f"has {dec_b} biases, not {enc_b}"),
            (2 * enc_w + 2 * dec_b, "close: the encoder's biases have the encoder's output widths "
                                    f"{list(sizes)[1:]} ({enc_b} in all)"),
        ]
        for value, msg in slips:
            if got == value:
                raise ExerciseError(f"{name}({sizes}) = {got:g}: {msg} (expected {want})")
        raise ExerciseError(f"{name}({sizes}) = {got:g}, expected {want}. The full network is "
                            f"{list(sizes) + list(sizes)[-2::-1]}; a layer from a to b units has "
                            "a*b weights and b biases")
    passed(f"{name} counts every weight and bias; e.g. [64, 32, 8] has "
           f"{reference_param_count([64, 32, 8])} parameters (bplab.Autoencoder(...).n_params agrees).")


# ----------------------------------------------- exercise 4: principal angles
def reference_principal_angles(A, B):
    """Principal angles in degrees, ascending, via QR bases and the SVD of Qa^T Qb."""
    qa, _ = np.linalg.qr(np.asarray(A, dtype=float))
    qb, _ = np.linalg.qr(np.asarray(B, dtype=float))
    cos = np.clip(np.linalg.svd(qa.T @ qb, compute_uv=False), -1.0, 1.0)
    return np.sort(np.degrees(np.arccos(cos)))


def _angle_cases():
    e = np.eye(3)
    line30 = np.array([[np.cos(np.pi / 6)], [np.sin(np.pi / 6)], [0.0]])
    rng = np.random.default_rng(64)
    same = np.random.default_rng(24).normal(size=(6, 3))
    return [
        ("the x-axis and a line at 30° in the xy-plane", e[:, :1], line30),
        ("the xy-plane and the xz-plane", e[:, [0, 1]], e[:, [0, 2]]),
        ("two planes in 3-D given by non-orthonormal columns", np.array([[2.0, 1], [0, 1], [0, 0]]),
         np.array([[1.0, 0], [0, 3], [1, 3]])),
        ("two random 3-D subspaces of R^6", rng.normal(size=(6, 3)), rng.normal(size=(6, 3))),
        # the same subspace twice (B = 2A): every angle is 0, and rounding pushes some of the
        # computed cosines just above 1, where np.arccos gives NaN unless they are clipped
        ("a 3-D subspace of R^6 and itself (B = 2A)", same, 2 * same),
    ]


@exercise_check
def check_principal_angles(fn) -> None:
    """``fn(A, B)`` must return the principal angles between the column spaces of A and B,
    in degrees, smallest first (A and B have the same number of columns here)."""
    name = function_name(fn, "my_principal_angles")
    for what, A, B in _angle_cases():
        raw_out = call_learner(fn, A.copy(), B.copy(), name=name)
        try:
            has_nan = bool(np.isnan(np.asarray(raw_out, dtype=np.float64)).any())
        except (TypeError, ValueError):
            has_nan = False
        if has_nan:
            raise ExerciseError(f"{name}(A, B) for {what} contains NaN: clip the cosines into [-1, 1] "
                                "before np.arccos (np.clip(cosines, -1.0, 1.0)); rounding can give a "
                                "cosine like 1.0000000000000002, and arccos of that is NaN")
        got = as_array(raw_out, f"{name}(A, B) for {what}", finite=True).ravel()
        want = reference_principal_angles(A, B)
        if got.shape != want.shape:
            raise ExerciseError(f"{name}(A, B) for {what} returned {got.size} value(s), expected "
                                f"{want.size}: one angle per column")
        if np.allclose(got, want, atol=1e-4):
            continue
        if np.allclose(got, np.radians(want), atol=1e-6):
            raise ExerciseError(f"{name}: these are radians; convert with np.degrees")
        if np.allclose(np.sort(got), want, atol=1e-4):
            raise ExerciseError(f"{name}: the right angles in the wrong order {np.round(got, 3)}; "
                                "sort them, smallest first (np.sort)")
        if np.allclose(np.sort(got), np.sort(90.0 - want), atol=1e-4):
            raise ExerciseError(f"{name}: you got the complement, 90° minus each angle: use arccos, "
                                "not arcsin (the singular values are the COSINES of the angles)")
        cos = np.cos(np.radians(want))
        if np.allclose(np.sort(got), np.sort(np.degrees(np.arccos(np.clip(cos ** 2, -1, 1)))), atol=1e-4):
            raise ExerciseError(f"{name}: use the singular values of Qa.T @ Qb, not their squares (the "
                                "eigenvalues of M @ M.T or M.T @ M are the squared cosines)")
        if np.allclose(np.sort(got), np.sort(np.cos(np.radians(want))), atol=1e-6):
            raise ExerciseError(f"{name}: these are the cosines of the angles (the singular values); "
                                "take np.degrees(np.arccos(...))")
        raw = np.sort(np.degrees(np.arccos(np.clip(np.linalg.svd(A.T @ B, compute_uv=False), -1, 1))))
        if np.allclose(got, raw, atol=1e-4) or np.allclose(np.sort(got), raw, atol=1e-4):
            raise ExerciseError(f"{name}: right for orthonormal columns, but for {what} you need "
                                "orthonormal bases first: Qa, _ = np.linalg.qr(A) (same for B), then "
                                "the SVD of Qa.T @ Qb")
        raise ExerciseError(f"{name}(A, B) for {what}: got {np.round(got, 4)}, expected {np.round(want, 4)}")
    passed(f"{name} finds the principal angles (30°; 0° and 90° for two planes sharing an axis; all 0° "
           "for a subspace and itself, with the cosines safely clipped). "
           "bplab.pca.principal_angles does the same, more accurately near 0°.")
