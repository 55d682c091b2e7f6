"""Exercise checks for notebook 06 (autoencoders, PCA).

Each ``check_*`` runs your function on a few inputs, compares with a reference, and prints one
line: "… not written yet" while the stub is untouched, "✗ ..." naming the slip (and, for the
usual slips, why), or "✓ Correct! ...". ``check.strict`` raises
:class:`~bplab.chapters._shared.feedback.ExerciseError` instead (tests use it).

==============================  ============================================================
``check_autoencoder_grads``     ``fn(ae, X)``: the gradients of the reconstruction error, one
                                per array of ``ae.params`` (output gradient 2(X̂ − X)/(N·D))
``check_denoising_step``        ``fn(ae, X, noise, lr, rng)``: one SGD step with a noisy input
                                and the clean X as the target; returns the loss
``check_reconstruction_error``  ``fn(X, X_hat)``: the mean squared error over all elements
``check_pca_projection``        ``fn(X, mean, components)``: PCA codes (X - mean) V_k
``check_param_count``           ``fn(sizes)``: parameters of ``bplab.Autoencoder(sizes)``
``check_principal_angles``      ``fn(A, B)``: principal angles in degrees, ascending
==============================  ============================================================
"""
from __future__ import annotations

import numpy as np

from bplab.chapters._shared.feedback import (ExerciseError, NotWrittenYet, as_array, as_number,
                                              call_learner, check_close, check_shape, exercise_check,
                                              function_name, passed, same, spy_on)
from bplab.gradcheck import numerical_gradient

__all__ = ["ExerciseError", "check_autoencoder_grads", "check_denoising_step",
           "check_reconstruction_error", "check_pca_projection", "check_param_count",
           "check_principal_angles", "autoencoder_grads", "denoising_step",
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
                                "with your code, then run its cell and this one again") from None
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


# ================================== the machine: the autoencoder's gradient is an MLP's with y = x
def autoencoder_grads(ae, X):
    """bplab's version: the gradients of the mean squared reconstruction error of X, aligned
    with ``ae.params`` (``ae.loss_and_grads(X)``, without the loss)."""
    return ae.loss_and_grads(X)[1]


def _backward_without_slope(ae, dOut, cache):
    """The backward pass of a hand-written loop that forgets the activation's slope."""
    grads = [None] * len(ae.params)
    dA = dOut
    for l in reversed(range(ae.n_layers)):
        A_prev, _, _ = cache[l]
        dZ = dA
        grads[2 * l], grads[2 * l + 1] = A_prev.T @ dZ, dZ.sum(axis=0)
        dA = dZ @ ae.weights[l].T
    return grads


def _mse_grads(ae, X_in, target, *, scale=1.0, slope=True):
    """Gradients of scale · mean((ae(X_in) − target)²) for every parameter."""
    out, cache = ae.forward(X_in, return_cache=True)
    dOut = scale * 2.0 * (out - target) / out.size
    return ae.backward(dOut, cache) if slope else _backward_without_slope(ae, dOut, cache)


def _ae_finite_differences(ae, X, eps=1e-6):
    probe = ae.copy()
    return [numerical_gradient(lambda: probe.reconstruction_error(X), p, eps) for p in probe.params]


def _grad_cases():
    """(description, autoencoder, X): N ≠ D in both, so a mean over the wrong axis shows; the
    second is a denoising autoencoder (noise=0.2), whose training_input adds noise."""
    import bplab

    rng = np.random.default_rng(616)
    return [
        ("a 5-3-5 autoencoder (tanh code, sigmoid output) on X of shape (4, 5)",
         bplab.Autoencoder([5, 3], activation="tanh", output_activation="sigmoid", seed=1, bias_std=0.1),
         rng.uniform(0, 1, size=(4, 5))),
        ("a 6-4-2-4-6 denoising autoencoder (noise=0.2) on X of shape (7, 6)",
         bplab.Autoencoder([6, 4, 2], activation="tanh", noise=0.2, seed=2, bias_std=0.1),
         rng.uniform(0, 1, size=(7, 6))),
    ]


def _spy_noise(ae):
    """Record what ae.training_input returns (noisy inputs), if the learner calls it."""
    noisy = []
    original = ae.training_input

    def spy(X, rng):
        out = original(X, rng)
        noisy.append(np.array(out, copy=True))
        return out

    ae.training_input = spy
    return noisy


def _as_grad_list(out, ae, name, where):
    if isinstance(out, tuple) and len(out) == 2 and np.ndim(out[0]) == 0:
        raise ExerciseError(f"{name} returned a pair (loss, grads): return only the list of gradients, "
                            "one array per entry of ae.params")
    if out is None:
        raise ExerciseError(f"{name} returned None: did you forget to `return` the list of gradients?")
    if not isinstance(out, (list, tuple)) or len(out) != len(ae.params):
        n = len(out) if isinstance(out, (list, tuple)) else None
        raise ExerciseError(f"{name} should return a list of {len(ae.params)} arrays, one per entry of "
                            f"ae.params ({', '.join(ae.param_names())}), got "
                            + (f"{n} of them" if n is not None else f"a {type(out).__name__}") + f" ({where})")
    grads = [as_array(g, f"the gradient for {pname} ({where})") for g, pname in zip(out, ae.param_names())]
    for g, p, pname in zip(grads, ae.params, ae.param_names()):
        if g.shape != p.shape:
            shapes = [p.shape for p in ae.params]
            order = ("; are they in the order of ae.params, [dW1, db1, dW2, db2, ...]?"
                     if sorted(map(str, shapes)) == sorted(str(np.shape(x)) for x in grads) else "")
            raise ExerciseError(f"the gradient for {pname} has shape {g.shape}, expected {p.shape}, the shape "
                                f"of {pname} ({where}){order}")
    return grads


def _all_same(a, b, rtol=1e-7, atol=1e-12):
    return len(a) == len(b) and all(same(x, y, rtol=rtol, atol=atol) for x, y in zip(a, b))


@exercise_check
def check_autoencoder_grads(fn) -> None:
    r"""``fn(ae, X)``: the gradients of the mean squared reconstruction error
    :math:`L = \frac{1}{ND}\sum (\hat x - x)^2` for every array of ``ae.params``, in that order.

    Expected: ``out, cache = ae.forward(X, return_cache=True)``, the output gradient
    ``2 * (out - X) / X.size`` written by you, then ``ae.backward(dOut, cache)`` (or your own
    loop). Compared with ``ae.loss_and_grads(X)`` and with finite differences of the loss, on two
    autoencoders. Recognised slips: a mean over the rows only (1/N), over the pixels only (1/D),
    a sum, the factor 2 left out, output and target swapped (the sign), the activation's slope
    left out, noise in the input or the target (``ae.training_input``, or any random draw),
    and returning (loss, grads) or the wrong number of arrays.
    """
    name = function_name(fn, "my_autoencoder_grads")
    for where, ae, X in _grad_cases():
        n, d = X.shape
        mine = ae.copy()
        noisy = _spy_noise(mine)
        used = spy_on(mine, ("loss_and_grads", "loss_fn", "layer_trace"), "ae", "ae.loss_fn(out, X)")
        out = call_learner(fn, mine, X.copy(), name=name)
        if used:
            raise ExerciseError(f"{name} called {used[0]}, which hands you bplab's answer: write the output "
                                "gradient yourself, dOut = 2 * (out - X) / X.size, and pass it to "
                                "ae.backward(dOut, cache)")
        grads = _as_grad_list(out, ae, name, where)
        want = autoencoder_grads(ae, X)
        if not _all_same(grads, want, rtol=1e-9, atol=1e-13):
            scaled = [
                (d, f"you averaged over the N = {n} rows only: the loss is the mean over all N·D = {n * d} "
                    f"elements, so dOut = 2 * (out - X) / (N·D), i.e. / X.size"),
                (n, f"you averaged over the D = {d} pixels only: the loss is the mean over all N·D = {n * d} "
                    f"elements, so dOut = 2 * (out - X) / X.size"),
                (n * d, f"you summed the squared errors instead of averaging them: divide by "
                        f"N·D = X.size = {n * d}"),
                (0.5, "the factor 2 is missing: the derivative of (x̂ − x)² is 2(x̂ − x), so "
                      "dOut = 2 * (out - X) / X.size"),
                (-1.0, "the sign is flipped: you swapped output and target. The derivative of (x̂ − x)² "
                       "with respect to the output x̂ is 2(x̂ − x): out - X, not X - out"),
                (-0.5, "output and target are swapped (X - out instead of out - X) and the factor 2 is "
                       "missing: dOut = 2 * (out - X) / X.size"),
            ]
            for factor, msg in scaled:
                if _all_same(grads, [factor * g for g in want]):
                    raise ExerciseError(f"{msg} ({where})")
            if _all_same(grads, _mse_grads(ae, X, X, slope=False)):
                raise ExerciseError(f"your loop forgot the activation's slope ({where}): dZ = dA * "
                                    "ae.activations[l].grad_from_output(A) in every layer (or let "
                                    "ae.backward(dOut, cache) do the loop)")
            for Xn in noisy:
                for inp, target, msg in [
                    (X, Xn, "you used a noisy input (ae.training_input) as the TARGET: the output is always "
                            "compared with the clean X"),
                    (Xn, Xn, "you used the noisy input (ae.training_input) as the input AND as the target: "
                             "the target is the clean X, and this exercise's input is X itself"),
                    (Xn, X, "you forwarded a noisy input (ae.training_input adds noise for a denoising "
                            "autoencoder): this gradient is that of the plain reconstruction error, so "
                            "forward X itself (noisy inputs come in the next exercise)"),
                ]:
                    if _all_same(grads, _mse_grads(ae, inp, target)):
                        raise ExerciseError(f"{msg} ({where})")
            if noisy:
                raise ExerciseError(f"{name} called ae.training_input, which adds random noise to X for a "
                                    f"denoising autoencoder ({where}): the reconstruction error compares "
                                    "ae.forward(X) with X itself, no noise anywhere")
            again = _as_grad_list(call_learner(fn, ae.copy(), X.copy(), name=name), ae, name, where)
            if not _all_same(grads, again, rtol=1e-12, atol=0):
                raise ExerciseError(f"{name} gives different gradients each time it is called on the same X "
                                    f"({where}): something random (noise?) went in. The reconstruction "
                                    "error compares ae.forward(X) with X itself")
        fd = _ae_finite_differences(ae, X)
        for pname, g, f in zip(ae.param_names(), grads, fd):
            check_close(f"your gradient for {pname} ({where}), compared with finite differences of "
                        "the reconstruction error", g, f, rtol=1e-5, atol=1e-8)
        for pname, g, w in zip(ae.param_names(), grads, want):
            check_close(f"your gradient for {pname} ({where})", g, w, rtol=1e-9, atol=1e-13)
    passed(f"{name} gives ae.loss_and_grads's gradients and agrees with finite differences: the "
           "autoencoder's gradient is an MLP's with y = X, the output gradient 2(X̂ − X)/(N·D) "
           "sent through the same backward pass.")


# ========================================================== the machine: one denoising step
def denoising_step(ae, X, noise, lr, rng):
    """bplab's version of one denoising step: corrupt X with Gaussian noise of std ``noise``
    drawn from ``rng``, forward the noisy input, compare with the clean X, backward, and
    update ``ae.params`` in place (p -= lr * g). Returns the loss before the update."""
    X_in = X + noise * rng.standard_normal(X.shape)
    out, cache = ae.forward(X_in, return_cache=True)
    loss, dOut = ae.loss_fn(out, X)
    for p, g in zip(ae.params, ae.backward(dOut, cache)):
        p -= lr * g
    return loss


def _denoise_cases():
    """(description, autoencoder (noise=0), X, noise, lr, seed): N ≠ D in both."""
    import bplab

    rng = np.random.default_rng(626)
    return [
        ("a 6-4-2-4-6 autoencoder (sigmoid output) on X of shape (8, 6), noise=0.3",
         bplab.Autoencoder([6, 4, 2], activation="tanh", output_activation="sigmoid", seed=3, bias_std=0.1),
         rng.uniform(0, 1, size=(8, 6)), 0.3, 0.5, 66),
        ("a 7-3-7 autoencoder on X of shape (5, 7), noise=0.2",
         bplab.Autoencoder([7, 3], activation="tanh", seed=4, bias_std=0.1),
         rng.uniform(0, 1, size=(5, 7)), 0.2, 0.5, 67),
    ]


def _denoise_variant(ae, X, noise, lr, seed, *, inp="noisy", target="clean", std=None, scale=1.0):
    """The parameters (and loss) of one step in one of its usual forms, replayed with rng(seed)."""
    rng = np.random.default_rng(seed)
    std = noise if std is None else std
    z1 = rng.standard_normal(X.shape)
    noisy = X + std * z1
    X_in = noisy if inp == "noisy" else X
    tgt = {"clean": X, "noisy": noisy, "noisy2": None}[target]
    if target == "noisy2":
        tgt = X + std * rng.standard_normal(X.shape)
    out, cache = ae.forward(X_in, return_cache=True)
    loss = float(np.mean((out - tgt) ** 2))
    grads = ae.backward(scale * 2.0 * (out - tgt) / out.size, cache)
    return [p - lr * g for p, g in zip(ae.params, grads)], loss


@exercise_check
def check_denoising_step(fn) -> None:
    """``fn(ae, X, noise, lr, rng)``: one SGD step of a denoising autoencoder, returning the loss.

    Expected: ``X_noisy = X + noise * rng.standard_normal(X.shape)``; forward X_noisy; the mean
    squared error against the CLEAN X and its gradient; backward; ``p -= lr * g`` for every array
    of ``ae.params``, in place. Compared with bplab: a copy of ``ae`` made denoising
    (``noise=...``) and stepped once by hand through ``ae.training_input`` with a generator of the
    same seed. Recognised slips: no noise at all (the clean input), the noisy input as the
    target, noise added to the target too, input and target swapped, noise of std 1, noise² or
    √noise, noise not drawn from ``rng`` (or drawn anew each call), a 1/N, a missing factor 2 or a
    step uphill, parameters rebound instead of updated in place, and the wrong loss returned.
    """
    from bplab.optim import SGD

    name = function_name(fn, "my_denoising_step")
    for where, ae, X, noise, lr, seed in _denoise_cases():
        n, d = X.shape
        mine = ae.copy()
        their_list, their_arrays = mine.params, list(mine.params)
        before = [p.copy() for p in their_arrays]
        noisy_calls = _spy_noise(mine)
        rng = np.random.default_rng(seed)
        state = rng.bit_generator.state
        loss = call_learner(fn, mine, X.copy(), noise, lr, rng, name=name)
        rng_used = rng.bit_generator.state != state

        ref = ae.copy()
        ref.noise = noise                       # a denoising autoencoder, as Autoencoder(noise=...) makes
        X_in = ref.training_input(X, np.random.default_rng(seed))
        out, cache = ref.forward(X_in, return_cache=True)
        ref_loss, dOut = ref.loss_fn(out, X)
        SGD(lr).step(ref.params, ref.backward(dOut, cache))

        after = list(mine.params)
        if len(after) != len(before) or any(np.shape(a) != b.shape for a, b in zip(after, before)):
            raise ExerciseError(f"after {name}, ae.params no longer holds {len(before)} arrays of the shapes "
                                f"{[b.shape for b in before]}: update each array in place, p -= lr * g")
        new = [as_array(a, f"ae.params[{i}] after {name}") for i, a in enumerate(after)]
        if all(np.array_equal(a, b) for a, b in zip(new, before)):
            raise ExerciseError(f"{name} did not change ae.params ({where}). A line like p = p - lr * g makes "
                                "a NEW array and binds the name p to it; ae.params still holds the old one. "
                                "Update in place: p -= lr * g")
        if not _all_same(new, ref.params, rtol=1e-12, atol=1e-15):
            no_noise_hint = (" ae.training_input adds noise only to an Autoencoder built with noise=...; this "
                             "one has noise=0, so it returned X unchanged. Write "
                             "X + noise * rng.standard_normal(X.shape) yourself" if noisy_calls else
                             " Corrupt it: X_noisy = X + noise * rng.standard_normal(X.shape), and forward that")
            slips = [
                (dict(inp="clean"), "you forwarded the clean X: a denoising step corrupts the input first."
                                    + no_noise_hint),
                (dict(target="noisy"), "you compared the output with the NOISY input: the target is the CLEAN X. "
                                       "With the noisy input as its target the network learns to reproduce "
                                       "the noise, not to remove it"),
                (dict(target="noisy2"), "you added noise to the target too: only the input is corrupted, the "
                                        "target stays the clean X"),
                (dict(inp="clean", target="noisy"), "input and target are swapped: forward the NOISY input and "
                                                    "compare the output with the CLEAN X"),
                (dict(std=1.0), f"your noise has standard deviation 1, not noise = {noise}: scale it, "
                                "noise * rng.standard_normal(X.shape)"),
                (dict(std=noise ** 2), f"your noise has standard deviation noise² = {noise ** 2:g}: `noise` is "
                                       "the standard deviation itself, not the variance: "
                                       "noise * rng.standard_normal(X.shape) (or rng.normal(0, noise, X.shape))"),
                (dict(std=np.sqrt(noise)), f"your noise has standard deviation √noise = {np.sqrt(noise):.4g}: "
                                           "`noise` is the standard deviation, not the variance: "
                                           "noise * rng.standard_normal(X.shape)"),
                (dict(scale=d), f"the step is D = {d} times too big: you averaged over the {n} rows only; the "
                                f"loss is the mean over all N·D = {n * d} elements (dOut = 2 * (out - X) / X.size)"),
                (dict(scale=0.5), "the step is half what it should be: the factor 2 of the derivative "
                                  "2(x̂ − x) is missing"),
                (dict(scale=-1.0), "your step went uphill: either output and target are swapped in the gradient "
                                   "(it is out - X, not X - out) or the update adds (it is p -= lr * g)"),
            ]
            for kwargs, msg in slips:
                variant, _ = _denoise_variant(ae, X, noise, lr, seed, **kwargs)
                if _all_same(new, variant):
                    raise ExerciseError(f"{msg} ({where})")
            if not rng_used:
                raise ExerciseError(f"{name} did not draw from the rng it was given ({where}): draw the noise "
                                    "with noise * rng.standard_normal(X.shape), from that rng, so that a run "
                                    "can be repeated (and checked)")
            again = ae.copy()
            call_learner(fn, again, X.copy(), noise, lr, np.random.default_rng(seed), name=name)
            if not _all_same(new, again.params, rtol=1e-12, atol=0):
                raise ExerciseError(f"{name} gives a different step each time from the same rng seed ({where}): "
                                    "draw the noise only from the rng passed in, "
                                    "noise * rng.standard_normal(X.shape)")
            for pname, a, w in zip(ae.param_names(), new, ref.params):
                check_close(f"{pname} after your step ({where}; bplab's reference is Autoencoder(noise={noise}) "
                            "stepped through ae.training_input with the same rng seed)", a, w, rtol=1e-12, atol=1e-15)
        if mine.params is not their_list or any(a is not b for a, b in zip(mine.params, their_arrays)):
            raise ExerciseError(f"right values, but {name} put NEW arrays into ae.params (ae.params[i] = ... or "
                                "ae.params = [...]). Update the autoencoder's own arrays in place, "
                                "p -= lr * g: anything else holding them would not see the step")
        got = as_number(f"the loss {name} returned", loss,
                        array_hint="return the mean squared error over all elements, one number")
        if not np.isclose(got, ref_loss, rtol=1e-9, atol=1e-13):
            _, loss_noisy_target = _denoise_variant(ae, X, noise, lr, seed, target="noisy")
            if np.isclose(got, loss_noisy_target, rtol=1e-9):
                raise ExerciseError(f"{name} returned the error against the NOISY input ({got:.6g}); return "
                                    f"the one the step minimises, against the clean X ({ref_loss:.6g}) ({where})")
            after_loss = float(np.mean((ref.forward(X_in) - X) ** 2))
            if np.isclose(got, after_loss, rtol=1e-9):
                raise ExerciseError(f"{name} returned the error AFTER the update; return the loss of the forward "
                                    f"pass you stepped from ({ref_loss:.6g}) ({where})")
            raise ExerciseError(f"{name} returned the loss {got:.6g}, expected {ref_loss:.6g}: the mean over all "
                                f"elements of (output − X)², the output computed from the noisy input before the "
                                f"update ({where})")
    passed(f"{name} matches bplab's denoising step (Autoencoder(noise=...) through ae.training_input, then "
           "SGD) to 12 digits: noisy input forward, clean X as the target, parameters updated in place.")
