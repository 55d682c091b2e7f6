"""Put a finished matplotlib figure into a widget's Output area (when a kernel is live)."""
from __future__ import annotations


def show_in(out, fig) -> None:
    """Replace ``out``'s contents with ``fig`` and close the figure.

    Outside IPython (plain pytest) there is no display to draw on: the figure is only
    closed, so tests can build widgets and read their state without leaking figures.
    """
    import matplotlib.pyplot as plt
    try:
        from IPython import get_ipython
        live = get_ipython() is not None
    except ImportError:      # pragma: no cover
        live = False
    if live:
        from IPython.display import display
        with out:
            out.clear_output(wait=True)
            display(fig)
    plt.close(fig)
