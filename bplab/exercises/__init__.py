"""Checks for the notebooks' exercises: immediate, specific feedback.

Each chapter has its own module (``ch01`` ... ``ch06``); a check runs the learner's function
on a few inputs, compares with the reference, and either prints a short success line or
raises :class:`ExerciseError` saying exactly what is wrong ("dW has shape (3, 4), expected
(4, 3)"; "your sigmoid' is off at x=2: got 0.5, expected 0.105").

    from bplab.exercises import ch01
    ch01.check_derivative(my_function)
"""
from __future__ import annotations

import importlib

from ._feedback import ExerciseError, check_close, check_shape, passed

__all__ = ["ExerciseError", "check_close", "check_shape", "passed",
           "ch01", "ch02", "ch03", "ch04", "ch05", "ch06"]


def __getattr__(name):
    if name.startswith("ch") and name[2:].isdigit():
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'bplab.exercises' has no attribute {name!r}")
