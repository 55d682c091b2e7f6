import matplotlib

# Agg for this test process only. Not via the MPLBACKEND environment variable: nbval's
# kernels inherit the environment, and they must draw inline as JupyterLab does.
matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture
def rng():
    return np.random.default_rng(12345)
