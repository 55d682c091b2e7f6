"""Tests for bplab.chapters.ch01.graph: drawing Value graphs with matplotlib."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from bplab import Value  # noqa: E402
from bplab.chapters.ch01.graph import draw_graph, format_number, graph_layout, op_symbol  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def neuron():
    x1, x2 = Value(1.0, label="x1"), Value(-2.0, label="x2")
    w1, w2 = Value(0.5, label="w1"), Value(-0.3, label="w2")
    b = Value(0.1, label="b")
    z = w1 * x1 + w2 * x2 + b
    z.label = "z"
    a = z.sigmoid()
    a.label = "a"
    L = (a - 1.0) ** 2
    L.label = "L"
    L.backward()
    return L, dict(x1=x1, x2=x2, w1=w1, w2=w2, b=b, z=z, a=a, L=L)


def all_text(fig):
    return [t.get_text() for ax in fig.axes for t in ax.texts] + [t.get_text() for t in fig.texts]


def node_boxes(fig):
    return [p for ax in fig.axes for p in ax.patches if p.get_gid() == "value-node"]


def test_returns_figure_with_one_box_per_node():
    L, _ = neuron()
    fig = draw_graph(L, title="neuron")
    assert isinstance(fig, matplotlib.figure.Figure)
    assert len(node_boxes(fig)) == len(L.nodes())
    assert fig.bplab_graph["n_nodes"] == len(L.nodes())
    assert fig.bplab_graph["n_edges"] == len(L.edges())
    assert fig.bplab_graph["mode"] == "labelled"
    arrows = [p for p in fig.axes[0].patches if p.get_gid() == "edge"]
    assert len(arrows) == len(L.edges())
    assert "neuron" in all_text(fig)


def test_text_shows_labels_values_grads_and_ops():
    L, n = neuron()
    texts = all_text(draw_graph(L))
    for name in ("x1", "w2", "b", "z", "a", "L"):
        assert name in texts
    assert f"data {n['a'].data:.4f}" in texts            # 0.7685
    assert f"grad {n['w2'].grad:.4f}" in texts           # 0.1647
    assert f"grad {n['w1'].grad:.4f}" in texts
    assert "grad 1.0000" in texts                         # the root
    assert "data 0.7685" in texts and "grad 0.1647" in texts
    assert "σ" in texts and "×" in texts and "+" in texts and "^2" in texts


def test_show_grad_false_hides_grads():
    L, _ = neuron()
    texts = all_text(draw_graph(L, show_grad=False))
    assert not any(t.startswith("grad ") for t in texts)
    assert any(t.startswith("data ") for t in texts)


def test_digits_controls_decimals():
    L, _ = neuron()
    texts = all_text(draw_graph(L, digits=2))
    assert "data 0.77" in texts


def test_highlight_outlines_nodes_in_red():
    L, n = neuron()
    fig = draw_graph(L, highlight=[n["w1"], n["b"]])
    red = [p for p in node_boxes(fig) if matplotlib.colors.to_hex(p.get_edgecolor()) == "#c0392b"]
    assert len(red) == 2
    fig1 = draw_graph(L, highlight=n["w1"])          # a single Value works too
    assert len([p for p in node_boxes(fig1)
                if matplotlib.colors.to_hex(p.get_edgecolor()) == "#c0392b"]) == 1


def test_layout_is_left_to_right_and_boxes_do_not_overlap():
    L, n = neuron()
    lay = graph_layout(L)
    col, row = lay["col"], lay["row"]
    assert col[id(L)] == lay["n_cols"] - 1
    for p, c in L.edges():
        assert col[id(p)] < col[id(c)]                   # every arrow points right
    by_col = {}
    for node in L.nodes():
        by_col.setdefault(col[id(node)], []).append(row[id(node)])
    for rows in by_col.values():
        rows.sort()
        assert all(b - a >= 1.0 - 1e-9 for a, b in zip(rows, rows[1:]))
    # figure coordinates: the output is the rightmost box
    fig = draw_graph(L)
    xs = {label: x for label, x, _ in fig.bplab_graph["positions"] if label}
    assert xs["L"] == max(xs.values())
    assert xs["x1"] < xs["z"] < xs["a"] < xs["L"]


def test_long_edges_are_routed_through_bend_points():
    a, b = Value(3.0, label="a"), Value(-2.0, label="b")
    c = a * b
    d = c + a          # a -> d and c -> L skip a column
    L = d * c
    L.backward()
    lay = graph_layout(L)
    spans = {(p.label or "?", q.label or "?"): len(pts) for p, q, pts in lay["routes"]}
    assert len(lay["routes"]) == len(L.edges())
    assert max(spans.values()) >= 3            # at least one edge has a bend point
    fig = draw_graph(L)
    assert len(node_boxes(fig)) == len(L.nodes()) == 5


def test_shared_and_repeated_inputs():
    x = Value(3.0, label="x")
    y = x * x + x       # x used three times, twice by the same operation
    y.backward()
    fig = draw_graph(y)
    assert len(node_boxes(fig)) == len(y.nodes())
    assert fig.bplab_graph["n_edges"] == 4
    assert "grad 7.0000" in all_text(fig)        # dy/dx = 2x + 1


def test_single_node_graph():
    v = Value(2.5, label="v")
    v.backward()
    fig = draw_graph(v)
    assert len(node_boxes(fig)) == 1
    assert "data 2.5000" in all_text(fig) and "grad 1.0000" in all_text(fig)


def test_figure_fits_notebook_width():
    L, _ = neuron()
    w, h = draw_graph(L).get_size_inches()
    assert w <= 10.0 + 1e-9 and h <= 8.0 + 1e-9
    assert draw_graph(L).bplab_graph["scale"] >= 0.5   # text stays readable


def test_large_graph_is_drawn_compactly_without_crashing():
    t = Value(0.5, label="t")
    acc = t
    for i in range(400):
        acc = acc + Value(i * 0.01) * t
    acc.backward()
    fig = draw_graph(acc, title="big")
    assert fig.bplab_graph["mode"] == "compact"
    assert fig.bplab_graph["n_nodes"] == len(acc.nodes()) == 1201
    dots = [c for c in fig.axes[0].collections if c.get_gid() == "value-nodes"]
    assert len(dots) == 1 and len(dots[0].get_offsets()) == len(acc.nodes())
    w, h = fig.get_size_inches()
    assert w <= 10.0 + 1e-9 and h <= 8.0 + 1e-9
    assert any("1201 nodes" in s for s in all_text(fig))


def test_deep_chain_does_not_hit_recursion_limit():
    x = Value(0.1, label="x")
    y = x
    for _ in range(3000):
        y = y * 1.0001
    y.backward()
    fig = draw_graph(y)
    assert fig.bplab_graph["n_nodes"] == len(y.nodes())


def test_max_labelled_switches_mode():
    L, _ = neuron()
    assert draw_graph(L, max_labelled=5).bplab_graph["mode"] == "compact"


def test_draw_into_existing_axes():
    L, _ = neuron()
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(12, 10))
    out = draw_graph(L, ax=ax2, title="below")
    assert out is fig and out.bplab_graph["mode"] == "labelled"
    assert len([p for p in ax2.patches if p.get_gid() == "value-node"]) == len(L.nodes())
    assert not ax1.patches
    # an Axes too small to label the graph legibly gets the compact drawing
    fig2, axes = plt.subplots(1, 3, figsize=(9, 3))
    assert draw_graph(L, ax=axes[0]).bplab_graph["mode"] == "compact"


@pytest.mark.parametrize("kwargs, exc, words", [
    (dict(root=3.0), TypeError, ["root", "float", "Value"]),
    (dict(root=[Value(1.0)]), TypeError, ["root", "list"]),
    (dict(show_grad="yes"), TypeError, ["show_grad", "'yes'"]),
    (dict(highlight=[1.0]), TypeError, ["highlight", "float"]),
    (dict(highlight=5), TypeError, ["highlight", "int"]),
    (dict(digits=-1), ValueError, ["digits", "-1"]),
    (dict(digits=2.5), ValueError, ["digits", "2.5"]),
    (dict(max_width=0), ValueError, ["max_width", "0"]),
    (dict(max_height=float("nan")), ValueError, ["max_height", "nan"]),
    (dict(max_labelled=-3), ValueError, ["max_labelled", "-3"]),
    (dict(ax="left"), TypeError, ["ax", "str"]),
])
def test_bad_input_names_the_argument(kwargs, exc, words):
    args = dict(root=Value(1.0) * 2.0)
    args.update(kwargs)
    root = args.pop("root")
    with pytest.raises(exc) as info:
        draw_graph(root, **args)
    for w in words:
        assert w in str(info.value)


def test_graph_layout_bad_input():
    with pytest.raises(TypeError, match="graph_layout\\(root\\)"):
        graph_layout("x")
    with pytest.raises(ValueError, match="sweeps"):
        graph_layout(Value(1.0), sweeps=-1)


def test_helpers():
    assert op_symbol("*") == "×" and op_symbol("sigmoid") == "σ" and op_symbol("**2") == "^2"
    assert op_symbol("**-1") == "^-1" and op_symbol("tanh") == "tanh"
    assert format_number(0.76852) == "0.7685"
    assert format_number(0.0) == "0.0000"
    assert format_number(-3.0) == "-3.0000"
    assert format_number(1.5e-7) == "1.500e-07"
    assert format_number(float("inf")) == "inf"
