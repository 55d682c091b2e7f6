"""Put a finished matplotlib figure into a widget's Output area (when a kernel is live)."""
from __future__ import annotations


def put_figure(out, fig) -> None:
    """Replace ``out``'s contents with ``fig`` and close the figure: set its ``outputs`` state
    directly (kernel → browser) rather than capturing a ``display`` call with ``with out:``.

    The difference matters when a notebook runs headless (nbval, ``make notebooks``, nbclient):
    nbclient imitates the browser's side of a capturing Output widget by sending comm messages
    on the kernel's shell socket, the very socket on which it is waiting for the cell's reply,
    and such a send can swallow the wake-up, so the run stalls for the whole cell timeout
    (jupyter/nbclient#312). Setting the outputs from the kernel sends nothing back. In
    JupyterLab both look the same. Outside IPython the figure is only closed.
    """
    import matplotlib.pyplot as plt
    try:
        from IPython import get_ipython
        shell = get_ipython()
    except ImportError:      # pragma: no cover
        shell = None
    if shell is not None:
        data, metadata = shell.display_formatter.format(fig)
        out.outputs = ({"output_type": "display_data", "data": data, "metadata": metadata},)
    plt.close(fig)
