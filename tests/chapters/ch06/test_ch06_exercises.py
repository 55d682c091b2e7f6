"""Chapter-06 exercise checks: right answers pass, each usual slip gets its specific message."""
import numpy as np
import pytest

import bplab
from bplab.chapters._shared.feedback import ExerciseError, NotWrittenYet
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


# ------------------------------------------- the autoencoder's gradient is an MLP's with y = x
def make_grads(slip=None):
    """my_autoencoder_grads, right or with one classic slip."""
    def my_autoencoder_grads(ae, X):
        X_in, target = X, X
        if slip in ("noisy_target", "noisy_both", "noisy_input"):
            noisy = ae.training_input(X, np.random.default_rng(3))
            X_in = noisy if slip in ("noisy_both", "noisy_input") else X
            target = noisy if slip in ("noisy_target", "noisy_both") else X
        if slip == "fresh_noise":
            X_in = X + 0.1 * np.random.default_rng().standard_normal(X.shape)
        out, cache = ae.forward(X_in, return_cache=True)
        n, d = X.shape
        scale = {"rows_only": 2 / n, "pixels_only": 2 / d, "sum": 2.0, "no_2": 1 / X.size}.get(slip, 2 / X.size)
        diff = (target - out) if slip == "swapped" else (out - target)
        grads = ae.backward(scale * diff, cache)
        if slip == "pair":
            return 0.1, grads
        if slip == "reversed":
            return grads[::-1]
        return grads

    return my_autoencoder_grads


def _own_loop_without_slope(ae, X):
    out, cache = ae.forward(X, return_cache=True)
    dA = 2 * (out - X) / X.size
    grads = [None] * len(ae.params)
    for l in reversed(range(len(cache))):
        A_prev, Z, A = cache[l]
        dZ = dA                                     # slope forgotten
        grads[2 * l], grads[2 * l + 1] = A_prev.T @ dZ, dZ.sum(axis=0)
        dA = dZ @ ae.weights[l].T
    return grads


def _own_loop(ae, X):
    out, cache = ae.forward(X, return_cache=True)
    dA = 2 * (out - X) / X.size
    grads = [None] * len(ae.params)
    for l in reversed(range(len(cache))):
        A_prev, Z, A = cache[l]
        dZ = dA * ae.activations[l].grad_from_output(A)
        grads[2 * l], grads[2 * l + 1] = A_prev.T @ dZ, dZ.sum(axis=0)
        dA = dZ @ ae.weights[l].T
    return grads


def test_autoencoder_grads_passes(capsys):
    ch06.check_autoencoder_grads.strict(make_grads())
    ch06.check_autoencoder_grads.strict(_own_loop)          # their own loop instead of ae.backward
    out = capsys.readouterr().out
    assert out.count("✓ Correct!") == 2 and "finite differences" in out


def test_autoencoder_reference_grads_agree_with_finite_differences():
    for _, ae, X in ch06._grad_cases():
        for g, f in zip(ch06.autoencoder_grads(ae, X), ch06._ae_finite_differences(ae, X)):
            np.testing.assert_allclose(g, f, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("slip, match", [
    ("rows_only", r"averaged over the N = 4 rows only.*N·D = 20"),
    ("pixels_only", r"averaged over the D = 5 pixels only"),
    ("sum", r"summed the squared errors.*X.size = 20"),
    ("no_2", r"factor 2 is missing"),
    ("swapped", r"sign is flipped: you swapped output and target.*out - X, not X - out"),
    ("noisy_target", r"noisy input \(ae.training_input\) as the TARGET.*6-4-2-4-6 denoising"),
    ("noisy_both", r"noisy input \(ae.training_input\) as the input AND as the target"),
    ("noisy_input", r"forwarded a noisy input.*forward X itself"),
    ("fresh_noise", r"different gradients each time.*something random"),
    ("pair", r"returned a pair \(loss, grads\)"),
    ("reversed", r"shape.*order of ae.params"),
])
def test_autoencoder_grads_slips(slip, match):
    with pytest.raises(ExerciseError, match=match) as err:
        ch06.check_autoencoder_grads.strict(make_grads(slip))
    assert not isinstance(err.value, NotWrittenYet)


def test_autoencoder_grads_other_slips():
    with pytest.raises(ExerciseError, match=r"forgot the activation's slope.*grad_from_output"):
        ch06.check_autoencoder_grads.strict(_own_loop_without_slope)
    with pytest.raises(ExerciseError, match=r"called ae.loss_and_grads.*write the output\s+gradient yourself"):
        ch06.check_autoencoder_grads.strict(lambda ae, X: ae.loss_and_grads(X)[1])
    with pytest.raises(ExerciseError, match=r"forget to `return`"):
        ch06.check_autoencoder_grads.strict(lambda ae, X: None)
    with pytest.raises(ExerciseError, match=r"list of 4 arrays.*got 3 of them"):
        ch06.check_autoencoder_grads.strict(lambda ae, X: make_grads()(ae, X)[:3])

    def off_by_a_little(ae, X):
        grads = make_grads()(ae, X)
        grads[1] = grads[1] + 1e-3
        return grads

    with pytest.raises(ExerciseError, match=r"gradient for b1 .*finite differences.*is off"):
        ch06.check_autoencoder_grads.strict(off_by_a_little)


def test_autoencoder_grads_not_written_and_notebook_form(capsys):
    def my_autoencoder_grads(ae, X):
        raise NotImplementedError

    with pytest.raises(NotWrittenYet, match="my_autoencoder_grads is not written yet"):
        ch06.check_autoencoder_grads.strict(my_autoencoder_grads)
    assert ch06.check_autoencoder_grads(my_autoencoder_grads) is None
    assert capsys.readouterr().out.startswith("… my_autoencoder_grads is not written yet")
    for slip in ("rows_only", "noisy_target", "fresh_noise"):
        assert ch06.check_autoencoder_grads(make_grads(slip)) is None
        out = capsys.readouterr().out
        assert out.startswith("✗ ") and out.count("\n") == 1
    assert ch06.check_autoencoder_grads.passes(make_grads())
    assert not ch06.check_autoencoder_grads.passes(make_grads("no_2"))


# ------------------------------------------------------------------ one denoising step
def make_denoise(slip=None):
    """my_denoising_step, right or with one classic slip."""
    def my_denoising_step(ae, X, noise, lr, rng):
        std = {"std_1": 1.0, "variance": noise ** 2, "sqrt": np.sqrt(noise)}.get(slip, noise)
        if slip == "training_input":
            X_noisy = ae.training_input(X, rng)     # noise=0 here: returns X unchanged
        elif slip == "global_rng":
            X_noisy = X + noise * np.random.standard_normal(X.shape)
        elif slip == "fixed_rng":
            X_noisy = X + noise * np.random.default_rng(0).standard_normal(X.shape)
        else:
            X_noisy = X + std * rng.standard_normal(X.shape)
        X_in, target = X_noisy, X
        if slip in ("clean", "training_input"):
            X_in = X
        elif slip == "noisy_target":
            target = X_noisy
        elif slip == "noise_on_target_too":
            target = X + noise * rng.standard_normal(X.shape)
        elif slip == "swapped":
            X_in, target = X, X_noisy
        out, cache = ae.forward(X_in, return_cache=True)
        scale = {"rows_only": 2 / len(X), "no_2": 1 / X.size}.get(slip, 2 / X.size)
        grads = ae.backward(scale * (out - target), cache)
        for i, g in enumerate(grads):
            if slip == "rebind_local":
                p = ae.params[i]
                p = p - lr * g
            elif slip == "rebind_list":
                ae.params[i] = ae.params[i] - lr * g
            elif slip == "ascent":
                ae.params[i] += lr * g
            else:
                ae.params[i] -= lr * g
        loss = np.mean((out - target) ** 2)
        if slip == "loss_vs_noisy":
            return np.mean((out - X_noisy) ** 2)
        if slip == "loss_after":
            return np.mean((ae.forward(X_in) - target) ** 2)
        return loss

    return my_denoising_step


def test_denoising_step_passes(capsys):
    ch06.check_denoising_step.strict(make_denoise())
    ch06.check_denoising_step.strict(ch06.denoising_step)

    def with_rng_normal(ae, X, noise, lr, rng):     # rng.normal(0, noise) draws the very same numbers
        X_noisy = X + rng.normal(0.0, noise, X.shape)
        out, cache = ae.forward(X_noisy, return_cache=True)
        loss, dOut = ae.loss_fn(out, X)
        for p, g in zip(ae.params, ae.backward(dOut, cache)):
            p -= lr * g
        return loss

    ch06.check_denoising_step.strict(with_rng_normal)
    assert capsys.readouterr().out.count("✓ Correct!") == 3


def test_denoising_step_is_what_fit_does_to_a_denoising_autoencoder():
    """bplab's denoising step, run on fit's permuted batch with fit's generator, is fit's first step
    for an Autoencoder(noise=...): one epoch of full-batch SGD."""
    import bplab

    _, ae, X, noise, lr, seed = ch06._denoise_cases()[0]
    rng = np.random.default_rng(seed)
    perm = rng.permutation(len(X))               # fit shuffles first, then draws the noise
    by_hand = ae.copy()
    ch06.denoising_step(by_hand, X[perm], noise, lr, rng)
    dae = ae.copy()
    dae.noise = noise
    bplab.fit(dae, X, optimizer=bplab.SGD(lr), epochs=1, batch_size=len(X), seed=seed, progress=False)
    for a, b, p in zip(dae.params, by_hand.params, ae.params):
        np.testing.assert_allclose(a, b, rtol=1e-12)
    assert not all(np.allclose(a, p) for a, p in zip(by_hand.params, ae.params))


@pytest.mark.parametrize("slip, match", [
    ("clean", r"forwarded the clean X.*Corrupt it"),
    ("training_input", r"forwarded the clean X.*ae.training_input adds noise only to an Autoencoder built with noise"),
    ("noisy_target", r"compared the output with the NOISY input: the target is the CLEAN X"),
    ("noise_on_target_too", r"added noise to the target too"),
    ("swapped", r"input and target are swapped"),
    ("std_1", r"standard deviation 1, not noise = 0.3"),
    ("variance", r"standard deviation noise² = 0.09.*not the variance"),
    ("sqrt", r"standard deviation √noise = 0.5477"),
    ("rows_only", r"D = 6 times too big.*averaged over the 8 rows only"),
    ("no_2", r"factor 2 .* is missing"),
    ("ascent", r"went uphill"),
    ("fixed_rng", r"did not draw from the rng it was given"),
    ("global_rng", r"did not draw from the rng it was given"),
    ("rebind_local", r"did not change ae.params.*p -= lr \* g"),
    ("rebind_list", r"right values, but .* put NEW arrays into ae.params"),
    ("loss_vs_noisy", r"error against the NOISY input"),
    ("loss_after", r"error AFTER the update"),
])
def test_denoising_step_slips(slip, match):
    with pytest.raises(ExerciseError, match=match) as err:
        ch06.check_denoising_step.strict(make_denoise(slip))
    assert not isinstance(err.value, NotWrittenYet)


def test_denoising_step_fresh_generator_each_call():
    def own_generator(ae, X, noise, lr, rng):
        rng.standard_normal()                      # touches the rng, but draws the noise elsewhere
        return make_denoise()(ae, X, noise, lr, np.random.default_rng())

    with pytest.raises(ExerciseError, match=r"different step each time from the same rng seed"):
        ch06.check_denoising_step.strict(own_generator)


def test_denoising_step_not_written_and_notebook_form(capsys):
    def my_denoising_step(ae, X, noise, lr, rng):
        raise NotImplementedError

    with pytest.raises(NotWrittenYet, match="my_denoising_step is not written yet"):
        ch06.check_denoising_step.strict(my_denoising_step)
    assert ch06.check_denoising_step(my_denoising_step) is None
    assert capsys.readouterr().out.startswith("… my_denoising_step is not written yet")
    for slip in ("noisy_target", "clean", "rebind_local"):
        assert ch06.check_denoising_step(make_denoise(slip)) is None
        out = capsys.readouterr().out
        assert out.startswith("✗ ") and out.count("\n") == 1
    assert ch06.check_denoising_step.passes(make_denoise())
    assert not ch06.check_denoising_step.passes(make_denoise("std_1"))
