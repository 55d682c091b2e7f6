"""Matplotlib figures for the notebooks. One module per topic; imported lazily.

Every function returns the matplotlib Figure (or Axes) it drew, so a test can inspect it
and a notebook can ``plt.show()`` it.
"""
from __future__ import annotations

import importlib

_MODULES = ("images", "graph", "boundary", "descent", "vanishing", "digits", "autoencoder")


def __getattr__(name):
    if name in _MODULES:
        return importlib.import_module(f".{name}", __name__)
    for mod in _MODULES:
        try:
            m = importlib.import_module(f".{mod}", __name__)
        except ModuleNotFoundError as e:
            if e.name == f"{__name__}.{mod}":
                continue
            raise
        if name in getattr(m, "__all__", ()):
            return getattr(m, name)
    raise AttributeError(f"module 'bplab.plots' has no attribute {name!r}")
