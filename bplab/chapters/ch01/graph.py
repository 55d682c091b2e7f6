"""Draw a :class:`bplab.Value` computational graph with matplotlib (no graphviz needed).

Each Value becomes a box showing its label, its ``data`` (the forward pass) and its ``grad``
(the backward pass); the operation that produced it sits in a small badge on the box's left
edge, where the arrows from its inputs arrive. Inputs are on the left, the output on the right.

>>> from bplab import Value
>>> from bplab.chapters.ch01.graph import draw_graph
>>> x, y = Value(4.0, label="x"), Value(0.5, label="y")
>>> L = x * y + x
>>> L.backward()
>>> fig = draw_graph(L, title="L = x*y + x")      # doctest: +SKIP

The layout is a small layered ("Sugiyama-style") layout written out below so you can read it:

1. **columns**: a node's column is set by the longest path from it to the output, so every
   arrow points to the right and each input sits just left of the first operation using it;
2. **order**: within a column, nodes are sorted by the average height of their neighbours,
   sweeping left-to-right and right-to-left a few times (fewer crossing arrows);
3. **heights**: each node is pulled towards its neighbours' average height while keeping at
   least one row between boxes of the same column (an isotonic regression, solved exactly).

Graphs too big to label legibly (more than ``max_labelled`` nodes, or a drawing that would
have to shrink below half size to fit ``max_width`` x ``max_height`` inches) are drawn
compactly: one dot per node, no text, and a note in the title saying so.
"""
from __future__ import annotations

import math
import numbers

from bplab.engine import Value

__all__ = ["draw_graph", "graph_layout", "format_number", "op_symbol"]

# Sizes in inches at scale 1 (fonts in points).
_FONT = 9.0
_CHAR_W = 0.60 * _FONT / 72      # average width of a digit/letter in DejaVu Sans
_LINE_H = 1.30 * _FONT / 72
_BADGE = 0.34                    # room the op badge takes on a box's left edge
_GAP_X = 0.46                    # horizontal space between a box and the next column
_GAP_Y = 0.24                    # vertical space between boxes in one column
_MARGIN = 0.18
_TITLE_H = 0.42
_MIN_SCALE = 0.5

_COLORS = {
    "leaf": ("#e3f0fb", "#4a7fb5"),      # inputs and parameters
    "inner": ("#f4f4f4", "#8a8a8a"),     # intermediate results
    "root": ("#fdebd3", "#d98b2b"),      # the output we differentiate
}
_GRAD_COLOR = "#b34700"
_HIGHLIGHT = "#c0392b"
_EDGE_COLOR = "#6b6b6b"

_OP_SYMBOLS = {"+": "+", "*": "×", "sigmoid": "σ", "tanh": "tanh", "relu": "ReLU",
               "exp": "exp", "log": "log"}


def op_symbol(op: str) -> str:
    """The short text shown in an operation badge: '*' -> '×', 'sigmoid' -> 'σ', '**2' -> '^2'."""
    if op.startswith("**"):
        return "^" + op[2:]
    return _OP_SYMBOLS.get(op, op)


def format_number(x: float, digits: int = 4) -> str:
    """Fixed-point with ``digits`` decimals for ordinary sizes, scientific otherwise.

    Matches the notebooks' ``f"{x:.4f}"`` printing for numbers between 1e-3 and 1e5.
    """
    if not math.isfinite(x):
        return str(x)
    if x == 0:
        return f"{0.0:.{digits}f}"
    if 1e-3 <= abs(x) < 1e5:
        return f"{x:.{digits}f}"
    return f"{x:.{max(digits - 1, 1)}e}"


# ----------------------------------------------------------------------------- layout
def _check_root(root, fn="draw_graph"):
    if not isinstance(root, Value):
        raise TypeError(f"{fn}(root): expected a bplab.Value (the output of your expression), "
                        f"got {type(root).__name__} {root!r:.60}")


def _isotonic_spaced(targets: list[float], gaps) -> list[float]:
    """Heights y closest (least squares) to ``targets`` with y[i+1] >= y[i] + gaps[i].

    Substituting z_i = y_i - (gaps[0] + ... + gaps[i-1]) turns it into isotonic regression,
    solved exactly by pool-adjacent-violators.
    """
    offs = [0.0]
    for g in gaps:
        offs.append(offs[-1] + g)
    blocks: list[list[float]] = []          # [mean, count]
    for t, o in zip(targets, offs):
        blocks.append([t - o, 1])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            m2, c2 = blocks.pop()
            m1, c1 = blocks.pop()
            blocks.append([(m1 * c1 + m2 * c2) / (c1 + c2), c1 + c2])
    z = [m for m, c in blocks for _ in range(c)]
    return [zi + o for zi, o in zip(z, offs)]


# vertical clearance (in rows) between two neighbours in a column: box-box, box-bend, bend-bend
_ROW_GAP = {(False, False): 1.0, (False, True): 0.62, (True, False): 0.62, (True, True): 0.3}


def graph_layout(root, *, sweeps: int = 4, bends: bool = True) -> dict:
    """Place every node of ``root``'s graph on a grid; returns a dict with

    ``nodes``   the Values in topological order (``root.nodes()``),
    ``col``     {id(node): column}, 0 = leftmost, the root in the last column,
    ``row``     {id(node): height in row units}, 0 = top (floats: a node lines up with its
                neighbours; boxes in one column are at least 1 apart),
    ``routes``  one entry per edge of ``root.edges()``: (parent, child, [(col, row), ...]), the
                points an arrow passes through (an edge skipping columns bends around boxes),
    ``n_cols``, ``n_rows`` the grid's extent.

    ``bends=False`` draws every edge straight (no bend points): much cheaper for huge graphs,
    where an edge may skip hundreds of columns.
    """
    _check_root(root, "graph_layout")
    if isinstance(sweeps, bool) or not (isinstance(sweeps, numbers.Integral) and sweeps >= 0):
        raise ValueError(f"graph_layout(sweeps=...): expected an int >= 0, got {sweeps!r}")
    topo = root.nodes()
    index = {id(n): i for i, n in enumerate(topo)}
    edges = root.edges()

    # 1. columns: longest path to the root (the root has rank 0)
    rank = {id(root): 0}
    for n in reversed(topo):               # children before parents
        r = rank[id(n)]
        for p in n.parents:
            if rank.get(id(p), -1) < r + 1:
                rank[id(p)] = r + 1
    depth = max(rank.values())

    # vertices 0..len(topo)-1 are the Values; an edge skipping columns gets one "bend"
    # vertex in each column it crosses, so it can be routed around the boxes there.
    vcol = [depth - rank[id(n)] for n in topo]
    is_bend = [False] * len(topo)
    left: list[list[int]] = [[] for _ in topo]     # neighbours one column to the left
    right: list[list[int]] = [[] for _ in topo]    # ... and one column to the right
    chains = []
    for p, c in edges:
        chain = [index[id(p)]]
        for cc in range(vcol[index[id(p)]] + 1, vcol[index[id(c)]] if bends else 0):
            vcol.append(cc)
            is_bend.append(True)
            left.append([])
            right.append([])
            chain.append(len(vcol) - 1)
        chain.append(index[id(c)])
        for u, v in zip(chain, chain[1:]):
            right[u].append(v)
            left[v].append(u)
        chains.append(chain)
    layers: list[list[int]] = [[] for _ in range(depth + 1)]
    for v, c in enumerate(vcol):
        layers[c].append(v)

    y = [0.0] * len(vcol)

    def stack(layer):
        for i, v in enumerate(layer):
            y[v] = float(i) - (len(layer) - 1) / 2

    def mean_y(nbrs, default):
        return sum(y[m] for m in nbrs) / len(nbrs) if nbrs else default

    for layer in layers:
        stack(layer)
    # 2. order within columns: barycentre sweeps (sorting is stable: ties keep their order)
    for _ in range(sweeps):
        for c in range(1, depth + 1):
            layers[c].sort(key=lambda v: mean_y(left[v], y[v]))
            stack(layers[c])
        for c in range(depth - 1, -1, -1):
            layers[c].sort(key=lambda v: mean_y(right[v], y[v]))
            stack(layers[c])

    # 3. heights: pull towards neighbours, keep the order and the clearances
    for _ in range(max(sweeps, 1) * 3):
        for layer in layers:
            targets = [mean_y(left[v] + right[v], y[v]) for v in layer]
            gaps = [_ROW_GAP[is_bend[u], is_bend[v]] for u, v in zip(layer, layer[1:])]
            for v, yy in zip(layer, _isotonic_spaced(targets, gaps)):
                y[v] = yy
    top = min(y)
    y = [v - top for v in y]
    routes = [(p, c, [(vcol[v], y[v]) for v in chain]) for (p, c), chain in zip(edges, chains)]
    return {"nodes": topo, "col": {id(n): vcol[i] for i, n in enumerate(topo)},
            "row": {id(n): y[i] for i, n in enumerate(topo)}, "routes": routes,
            "n_cols": depth + 1, "n_rows": max(y) + 1}


# ---------------------------------------------------------------------------- drawing
def _validate(root, show_grad, highlight, digits, max_width, max_height, max_labelled, ax):
    _check_root(root)
    if not isinstance(show_grad, bool):
        raise TypeError(f"draw_graph(show_grad=...): expected True or False, got {show_grad!r}")
    if isinstance(highlight, Value):
        highlight = (highlight,)
    try:
        highlight = tuple(highlight or ())
    except TypeError:
        raise TypeError("draw_graph(highlight=...): expected a Value or a list of Values, "
                        f"got {type(highlight).__name__}") from None
    for h in highlight:
        if not isinstance(h, Value):
            raise TypeError("draw_graph(highlight=...): every item must be a bplab.Value, "
                            f"got {type(h).__name__} {h!r:.40}")
    if isinstance(digits, bool) or not isinstance(digits, numbers.Integral) or not 0 <= digits <= 10:
        raise ValueError(f"draw_graph(digits=...): expected an int from 0 to 10, got {digits!r}")
    for name, v in (("max_width", max_width), ("max_height", max_height)):
        if isinstance(v, bool) or not isinstance(v, numbers.Real) or not (v > 0 and math.isfinite(v)):
            raise ValueError(f"draw_graph({name}=...): expected a positive number of inches, got {v!r}")
    if isinstance(max_labelled, bool) or not isinstance(max_labelled, numbers.Integral) or max_labelled < 0:
        raise ValueError(f"draw_graph(max_labelled=...): expected an int >= 0, got {max_labelled!r}")
    if ax is not None:
        from matplotlib.axes import Axes
        if not isinstance(ax, Axes):
            raise TypeError(f"draw_graph(ax=...): expected a matplotlib Axes or None, got {type(ax).__name__}")
    return highlight


def draw_graph(root, *, show_grad: bool = True, highlight=(), title: str | None = None,
               digits: int = 4, max_width: float = 10.0, max_height: float = 8.0,
               max_labelled: int = 80, ax=None):
    """Draw the computational graph that produced ``root``; returns the matplotlib Figure.

    Parameters
    ----------
    root : Value         the output; every Value it depends on is drawn (``root.nodes()``)
    show_grad : bool     also print each node's ``.grad`` (call ``root.backward()`` first)
    highlight : Value or list of Values   nodes to outline in red (e.g. a shared node)
    title : str          a title above the graph
    digits : int         decimals shown for data and grad
    max_width, max_height : float   size limits in inches; bigger graphs are shrunk to fit
    max_labelled : int   graphs with more nodes are drawn compactly (dots, no text)
    ax : matplotlib Axes draw into this Axes instead of a new figure

    Colours: blue boxes are leaves (inputs and parameters), grey boxes intermediate results,
    the orange box the output. Arrows run from an operation's inputs to its result; the
    badge on the result's left edge names the operation.

    The figure carries ``fig.bplab_graph``: a dict with the number of nodes and edges drawn,
    the mode ("labelled" or "compact") and the layout, for tests and curious readers.
    """
    highlight = _validate(root, show_grad, highlight, digits, max_width, max_height, max_labelled, ax)
    import matplotlib.pyplot as plt

    n_nodes = len(root.nodes())
    lay = graph_layout(root, bends=n_nodes <= max_labelled)
    nodes, col, row = lay["nodes"], lay["col"], lay["row"]
    hl = {id(h) for h in highlight}

    # Text of each box, and the box size it needs (uniform for a tidy grid).
    texts = {}
    for n in nodes:
        lines = []
        if n.label:
            lines.append(n.label)
        lines.append(f"data {format_number(n.data, digits)}")
        if show_grad:
            lines.append(f"grad {format_number(n.grad, digits)}")
        texts[id(n)] = lines
    n_lines = max(len(t) for t in texts.values())
    n_chars = max(len(s) for t in texts.values() for s in t)
    box_w = _BADGE * 0.55 + n_chars * _CHAR_W + 0.16
    box_h = n_lines * _LINE_H + 0.14
    pitch_x, pitch_y = box_w + _GAP_X, box_h + _GAP_Y
    nat_w = lay["n_cols"] * pitch_x - _GAP_X + _BADGE / 2 + 2 * _MARGIN
    nat_h = (lay["n_rows"] - 1) * pitch_y + box_h + 2 * _MARGIN

    title_h = _TITLE_H if title else 0.0
    if ax is None:
        scale = min(1.0, max_width / nat_w, (max_height - title_h) / nat_h)
    else:
        bb = ax.get_window_extent().transformed(ax.figure.dpi_scale_trans.inverted())
        scale = min(1.0, bb.width / nat_w, bb.height / nat_h)
    compact = len(nodes) > max_labelled or scale < _MIN_SCALE
    mode = "compact" if compact else "labelled"

    if compact:
        note = f"{len(nodes)} nodes: too many to label, showing the structure only"
        title = f"{title}\n({note})" if title else note
        title_h = _TITLE_H * (1.6 if "\n" in title else 1.0)
        # dots on a grid squeezed into the size limits
        cols, rows = lay["n_cols"], lay["n_rows"]
        fig_w = min(max_width, max(4.0, 0.35 * cols + 0.6))
        fig_h = max(min(max_height - title_h, max(2.0, 0.3 * rows + 0.6)), 1.0)
        sx = (fig_w - 0.6) / max(cols - 1, 1)
        sy = (fig_h - 0.6) / max(rows - 1, 1)

        def to_xy(c, r):
            return 0.3 + c * sx, -(0.3 + r * sy)
        extent = (0, fig_w, -fig_h, 0)
    else:
        fig_w, fig_h = nat_w * scale, nat_h * scale
        x0 = _MARGIN + _BADGE / 2

        def to_xy(c, r):            # box centres, in natural inches
            return x0 + c * pitch_x + box_w / 2, -(_MARGIN + box_h / 2 + r * pitch_y)
        extent = (0, nat_w, -nat_h, 0)
    pos = {id(n): to_xy(col[id(n)], row[id(n)]) for n in nodes}
    routes = [(p, c, [to_xy(cc, rr) for cc, rr in pts]) for p, c, pts in lay["routes"]]

    if ax is None:
        fig = plt.figure(figsize=(fig_w, fig_h + title_h))
        ax = fig.add_axes((0, 0, 1, fig_h / (fig_h + title_h)))
        if title:
            fig.text(0.5, 1 - (title_h * 0.5) / (fig_h + title_h), title, ha="center", va="center",
                     fontsize=11 if not compact else 10, fontweight="bold")
    else:
        fig = ax.figure
        if title:
            ax.set_title(title, fontsize=11, fontweight="bold")
    ax.set_xlim(extent[0], extent[1])
    ax.set_ylim(extent[2], extent[3])
    ax.set_aspect("equal", adjustable="datalim")
    ax.set_axis_off()

    kind = {id(n): "root" if n is root else ("leaf" if not n.parents else "inner") for n in nodes}
    if compact:
        _draw_compact(ax, nodes, routes, pos, kind, hl)
    else:
        _draw_labelled(ax, nodes, routes, pos, kind, hl, texts, box_w, box_h, scale)

    fig.bplab_graph = {"n_nodes": len(nodes), "n_edges": len(routes), "mode": mode,
                       "scale": 1.0 if compact else scale,
                       "positions": [(n.label, *pos[id(n)]) for n in nodes], "layout": lay}
    return fig


def _edge_path(points, box_w, child_has_op, dup):
    """A smooth arrow path: leave the parent's box on the right, run straight through the
    columns an edge skips (at its bend height), arrive at the child's op badge on the left.
    Between columns, cubic Bezier curves with horizontal tangents (gentle S-shapes)."""
    from matplotlib.path import Path

    (px, py), *bends, (cx, cy) = points
    half = box_w / 2
    pts = [(px + half, py)]
    for bx, by in bends:
        pts += [(bx - half - _BADGE / 2, by), (bx + half, by)]
    pts.append((cx - half - (_BADGE / 2 if child_has_op else 0.0), cy))
    if dup:                      # x * x: shift the second arrow down a little (third up, ...)
        bump = 0.09 * ((dup + 1) // 2) * (-1 if dup % 2 else 1)
        pts = [(x, y + bump) for x, y in pts]
    verts, codes = [pts[0]], [Path.MOVETO]
    for i, ((x1, y1), (x2, y2)) in enumerate(zip(pts, pts[1:])):
        if i % 2 == 0:            # a gap between columns: curve
            mx = (x1 + x2) / 2
            verts += [(mx, y1), (mx, y2), (x2, y2)]
            codes += [Path.CURVE4] * 3
        else:                     # straight through a skipped column
            verts.append((x2, y2))
            codes.append(Path.LINETO)
    return Path(verts, codes)


def _draw_labelled(ax, nodes, routes, pos, kind, hl, texts, box_w, box_h, scale):
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    fs = _FONT * scale
    seen_pairs: dict[tuple[int, int], int] = {}
    for p, c, points in routes:
        k = (id(p), id(c))
        dup = seen_pairs.get(k, 0)           # x * x: two arrows between the same pair
        seen_pairs[k] = dup + 1
        path = _edge_path(points, box_w, bool(c.op), dup)
        ax.add_patch(FancyArrowPatch(path=path, arrowstyle="-|>", mutation_scale=11 * scale,
                                     color=_EDGE_COLOR, lw=1.1 * scale, shrinkA=0, shrinkB=1,
                                     zorder=1, gid="edge"))
    for n in nodes:
        x, y = pos[id(n)]
        face, edge = _COLORS[kind[id(n)]]
        lw = 1.2
        if id(n) in hl:
            edge, lw = _HIGHLIGHT, 2.6
        ax.add_patch(FancyBboxPatch((x - box_w / 2, y - box_h / 2), box_w, box_h,
                                    boxstyle=f"round,pad=0,rounding_size={0.08}", fc=face, ec=edge,
                                    lw=lw * scale, zorder=2, gid="value-node"))
        lines = texts[id(n)]
        tx = x + _BADGE * 0.55 / 2 if n.op else x
        n_l = len(lines)
        for i, s in enumerate(lines):
            ty = y + (n_l - 1) / 2 * _LINE_H - i * _LINE_H
            is_label = bool(n.label) and i == 0
            is_grad = s.startswith("grad ")
            ax.text(tx, ty, s, ha="center", va="center", fontsize=fs, zorder=3,
                    fontweight="bold" if is_label else "normal",
                    color=_GRAD_COLOR if is_grad else "black", family="DejaVu Sans")
        if n.op:
            ax.text(x - box_w / 2, y, op_symbol(n.op), ha="center", va="center",
                    fontsize=fs * (0.95 if len(op_symbol(n.op)) > 2 else 1.1), zorder=4,
                    gid="op-badge",
                    bbox=dict(boxstyle="round,pad=0.22", fc="white", ec=edge, lw=1.0 * scale))


def _draw_compact(ax, nodes, routes, pos, kind, hl):
    from matplotlib.collections import LineCollection

    segs = [seg for _, _, pts in routes for seg in zip(pts, pts[1:])]
    ax.add_collection(LineCollection(segs, colors=_EDGE_COLOR, linewidths=0.4, alpha=0.6, zorder=1))
    xs = [pos[id(n)][0] for n in nodes]
    ys = [pos[id(n)][1] for n in nodes]
    fc = [_COLORS[kind[id(n)]][1] for n in nodes]
    ec = [_HIGHLIGHT if id(n) in hl else "none" for n in nodes]
    sc = ax.scatter(xs, ys, s=14, c=fc, edgecolors=ec, linewidths=1.0, zorder=2)
    sc.set_gid("value-nodes")
