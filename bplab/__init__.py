"""bplab: learn backpropagation by doing it.

A small, readable numpy library behind the bplab notebooks:

=====================  ==================================================
``bplab.Value``        scalar autodiff engine (``engine.py``)
``bplab.MLP``          vectorised multilayer perceptron (``network.py``)
``bplab.Autoencoder``  MLP whose target is its input (``autoencoder.py``)
``bplab.SGD`` ...      optimisers (``optim.py``)
``bplab.fit``          the training loop (``training.py``)
``bplab.gradient_check`` finite-difference gradient checks (``gradcheck.py``)
=====================  ==================================================

The modules above, with ``layers.py``, ``activations.py``, ``losses.py`` and ``init.py``,
are the teaching core: the book's code, numpy only. Utilities shared by the chapters:

=====================  ==================================================
``bplab.data``         shipped data sets and toy problems
``bplab.metrics``      accuracy, confusion matrix, worst mistakes
``bplab.pca``          PCA by SVD and principal angles (chapter 06's yardstick)
``bplab.chapters``     one folder per notebook: widgets, plots, exercise checks
``bplab.course``       the shipped notebooks, copied into a folder (the ``bplab`` command)
=====================  ==================================================

Heavy modules (pandas, matplotlib, ipywidgets, tqdm) are imported only when first used,
so ``import bplab`` stays fast.
"""
from __future__ import annotations

import importlib

from . import activations, gradcheck, init, layers, losses
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
           "data", "metrics", "pca", "chapters"]

_LAZY = {"data", "metrics", "pca", "chapters"}


def __getattr__(name):
    if name in _LAZY:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'bplab' has no attribute {name!r}")
