"""Cross-check bplab's losses and activations against PyTorch (optional; run by `make bench`).

PyTorch is not a dependency of bplab, so this lives here rather than in tests/ (where it
would be a skipped test on every machine without torch). The same definitions are checked
against hand-written formulas in tests/test_activations_losses.py.

    .venv/bin/python benchmarks/crosscheck_torch.py
"""
import sys

import numpy as np
import pytest

from bplab import activations as A
from bplab import losses as L

HUGE = np.array([-1e4, -1e3, -710.0, -100.0, -30.0, -1.0, 0.0, 1.0, 30.0, 100.0, 710.0, 1e3, 1e4])


def test_losses_match_pytorch():
    import torch
    rng = np.random.default_rng(5)
    z = rng.normal(scale=3, size=(8, 5))
    y = rng.integers(0, 5, size=8)
    t = torch.tensor(z, dtype=torch.float64, requires_grad=True)
    ref = torch.nn.CrossEntropyLoss()(t, torch.tensor(y))
    ref.backward()
    loss, grad = L.cross_entropy(z, y)
    assert loss == pytest.approx(ref.item(), rel=1e-13)
    np.testing.assert_allclose(grad, t.grad.numpy(), rtol=1e-12, atol=1e-16)

    target = rng.normal(size=(8, 5))
    t = torch.tensor(z, dtype=torch.float64, requires_grad=True)
    ref = torch.nn.MSELoss()(t, torch.tensor(target))
    ref.backward()
    loss, grad = L.mse(z, target)
    assert loss == pytest.approx(ref.item(), rel=1e-13)
    np.testing.assert_allclose(grad, t.grad.numpy(), rtol=1e-12, atol=1e-16)

    zt = torch.tensor(HUGE, dtype=torch.float64)
    np.testing.assert_allclose(A.sigmoid(HUGE), torch.sigmoid(zt).numpy(), rtol=0, atol=5e-16)
    np.testing.assert_allclose(A.tanh(HUGE), torch.tanh(zt).numpy(), rtol=1e-15)
    np.testing.assert_allclose(A.leaky_relu(HUGE), torch.nn.functional.leaky_relu(zt, 0.01).numpy(),
                               rtol=1e-15)


if __name__ == "__main__":
    try:
        import torch  # noqa: F401
    except ImportError:
        print("PyTorch is not installed: nothing to cross-check (pip install torch==2.13.0)")
        sys.exit(0)
    test_losses_match_pytorch()
    print("bplab's cross_entropy, mse, sigmoid, tanh and leaky_relu agree with PyTorch "
          "(float64, to 1e-12 relative or better)")
