"""Interactive pieces for the notebooks (ipywidgets 8; no JupyterLab extension build needed).

One module per chapter. Each widget class builds its controls and an output area, keeps its
state (model, history, figure data) in attributes that tests can read, and redraws when a
control's ``.value`` changes. ``show_default()`` draws the default view as ordinary output,
so a notebook still reads well without a live kernel.

Imported lazily: ``import bplab`` does not import ipywidgets.
"""
from __future__ import annotations

import importlib

_MODULES = ("playground", "descent", "vanishing", "ocr", "autoencoder")


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
    raise AttributeError(f"module 'bplab.widgets' has no attribute {name!r}")
