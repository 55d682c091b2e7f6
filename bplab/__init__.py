"""bplab: learn backpropagation by doing it.

A small, readable numpy library behind the bplab notebooks:

=====================  ==================================================
``bplab.Value``        scalar autodiff engine (``engine.py``)
``bplab.MLP``          vectorised multilayer perceptron (``network.py``)
``bplab.Autoencoder``  MLP whose target is its input (``autoencoder.py``)
``bplab.SGD`` ...      optimisers (``optim.py``)
``bplab.fit``          the training loop (``training.py``)
``bplab.gradcheck``    finite-difference gradient checks
``bplab.data``         shipped data sets and toy problems
``bplab.pca``          PCA by SVD and principal angles (chapter 06's yardstick)
``bplab.widgets``      interactive notebook pieces (ipywidgets)
``bplab.plots``        matplotlib figures
``bplab.exercises``    checks that give instant feedback on exercises
=====================  ==================================================

Heavy modules (pandas, matplotlib, ipywidgets, tqdm) are imported only when first used,
so ``import bplab`` stays fast.
"""
from __future__ import annotations

import importlib

from . import activations, init, layers, losses
from .activations import ACTIVATIONS
from .autoencoder import Autoencoder
from .engine import Value
from .gradcheck import gradient_check, numerical_gradient, relative_error
from .network import MLP, load
from .optim import SGD, Adam, RMSProp
from .training import DivergenceError, fit

__version__ = "0.1.0"

__all__ = ["Value", "MLP", "Autoencoder", "load", "SGD", "RMSProp", "Adam", "fit",
           "DivergenceError", "gradient_check", "numerical_gradient", "relative_error",
           "ACTIVATIONS", "activations", "losses", "init", "layers",
           "data", "widgets", "plots", "exercises"]

_LAZY = {"data", "widgets", "plots", "exercises", "gradcheck", "graph", "pca"}


def __getattr__(name):
    if name in _LAZY:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'bplab' has no attribute {name!r}")
