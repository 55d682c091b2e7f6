"""Everything that exists for one notebook, one folder per chapter.

The teaching core (``bplab/*.py``) never imports from here; each chapter builds on the core:

==========  ==================================================================
``ch01``    ``graph`` (draw a Value graph), ``exercises``
``ch02``    ``playground`` (the Playground widget), ``boundary`` (plots), ``exercises``
``ch03``    ``surfaces`` (2-D loss surfaces, descent paths), ``explorer``, ``plots``, ``exercises``
``ch04``    ``experiments`` (vanishing-gradient measurements), ``explorer``, ``plots``, ``exercises``
``ch05``    ``explorer`` (the OCR explorer), ``plots`` (digit figures), ``exercises``
``ch06``    ``explorers`` (code and denoising explorers), ``plots``, ``exercises``
``_shared`` ``feedback`` (what every exercise check prints), ``display`` (widget redraws)
==========  ==================================================================

Widgets, plots and pandas are imported only when a chapter module is, so ``import bplab``
stays fast.
"""
