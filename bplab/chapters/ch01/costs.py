"""What a gradient costs: the chain rule's sum over paths against backpropagation's one sweep.

Section 6 of notebook 01. On a graph the chain rule says

    dL/dx = sum over every path x -> L of (the product of the local derivatives along the path).

Evaluated literally, that sum has one term per path, and in a layered graph the number of paths
multiplies with every layer. Backpropagation computes the same number with **one local derivative
per edge**: each node's gradient is computed once, stored in ``.grad``, and reused by every path
that passes through it (dynamic programming). The functions below count both.

>>> L, x = ladder(3)
>>> count_paths(L, x)               # 2 paths per layer, times the 2 ways out of x
16
>>> total, n_paths, n_products = gradient_by_paths(L, x)
>>> L.backward(); abs(total - x.grad) < 1e-12
True
"""
from __future__ import annotations

from bplab import Value

__all__ = ["ladder", "local_derivatives", "count_paths", "gradient_by_paths", "count_backward",
           "forward_order", "peak_live", "READS", "read_by_backward", "network_memory"]


def ladder(depth: int, x0: float = 0.5):
    """A graph whose number of paths doubles with each layer while its size grows linearly.

    ``u_0 = x``, ``v_0 = tanh(x)``; then for k = 1..depth
    ``u_k = tanh(u_{k-1} + v_{k-1})`` and ``v_k = sigmoid(u_{k-1} · v_{k-1})``; finally
    ``L = u_depth + v_depth``. Each layer adds 4 operation nodes and 6 edges. The nodes are
    labelled ``x``, ``v0``, ``u1``, ``v1``, …, ``L`` (the sums and products unlabelled).
    Returns ``(L, x)``."""
    if depth < 0:
        raise ValueError(f"depth must be 0 or more, got {depth}")
    x = Value(x0, label="x")
    u, v = x, x.tanh()
    v.label = "v0"
    for k in range(1, depth + 1):
        u, v = (u + v).tanh(), (u * v).sigmoid()
        u.label, v.label = f"u{k}", f"v{k}"
    L = u + v
    L.label = "L"
    return L, x


def local_derivatives(node: Value) -> list[float]:
    """d node / d parent for each of ``node``'s parents: one call of the node's own ``_backward``
    with ``node.grad = 1``. The grads it touches are restored afterwards. A node whose two
    parents are the same Value (``x * x``) has no separate per-edge derivative: ValueError."""
    if node._backward is None:
        return []
    if len({id(p) for p in node.parents}) != len(node.parents):
        raise ValueError("local_derivatives: a parent appears twice (as in x * x); "
                         "its two edges cannot be told apart")
    saved = [p.grad for p in node.parents], node.grad
    for p in node.parents:
        p.grad = 0.0
    node.grad = 1.0
    node._backward()
    result = [p.grad for p in node.parents]
    for p, g in zip(node.parents, saved[0]):
        p.grad = g
    node.grad = saved[1]
    return result


def count_paths(root: Value, leaf: Value) -> int:
    """How many paths lead from ``leaf`` to ``root``, counted by dynamic programming (one pass
    over the graph in topological order: paths(node) = sum of paths(parent))."""
    paths = {}
    for n in root.nodes():
        paths[id(n)] = 1 if n is leaf else sum(paths[id(p)] for p in n.parents)
    return paths[id(root)]


def gradient_by_paths(root: Value, leaf: Value):
    """d root / d leaf as the literal sum over paths: enumerate every path from ``root`` back to
    ``leaf`` and add up the product of its local derivatives. Returns ``(gradient, n_paths,
    n_products)``, where ``n_products`` = the sum of the path lengths: the number of local
    derivatives the literal formula multiplies together (one per edge of each path)."""
    local = {id(n): local_derivatives(n) for n in root.nodes()}
    total, n_paths, n_products = 0.0, 0, 0
    # depth-first over paths, with an explicit stack: (node, product so far, length so far)
    stack = [(root, 1.0, 0)]
    while stack:
        node, product, length = stack.pop()
        if node is leaf:
            total += product
            n_paths += 1
            n_products += length
            continue
        for parent, d in zip(node.parents, local[id(node)]):
            stack.append((parent, product * d, length + 1))
    return total, n_paths, n_products


def count_backward(root: Value) -> dict:
    """Run ``root.backward()`` with a counter on every node's ``_backward`` and report what it did:
    ``nodes`` in the graph, ``edges``, ``backward_calls`` (operations visited) and
    ``local_derivatives`` (one per input of each visited operation)."""
    nodes = root.nodes()
    counts = {"backward_calls": 0, "local_derivatives": 0}
    originals = {}
    for n in nodes:
        if n._backward is None:
            continue
        originals[id(n)] = (n, n._backward)

        def spy(n=n, inner=n._backward):
            counts["backward_calls"] += 1
            counts["local_derivatives"] += len(n.parents)
            inner()
        n._backward = spy
    try:
        root.backward()
    finally:
        for n, inner in originals.values():
            n._backward = inner
    return {"nodes": len(nodes), "edges": sum(len(n.parents) for n in nodes), **counts}


def forward_order(root: Value) -> list:
    """The nodes of ``root``'s graph in the order a program evaluating the expression left to
    right computes them: depth-first, each node after its parents, parents in their own order
    (``a * b``: everything of ``a`` first, then of ``b``). Iterative, so deep graphs are fine."""
    order, done = [], set()
    stack = [(root, 0)]
    while stack:
        node, i = stack.pop()
        if id(node) in done:
            continue
        parents = node.parents
        if i < len(parents):
            stack.append((node, i + 1))
            if id(parents[i]) not in done:
                stack.append((parents[i], 0))
        else:
            done.add(id(node))
            order.append(node)
    return order


def peak_live(root: Value) -> dict:
    """Memory of a forward pass that keeps nothing for a backward pass.

    Replay the forward pass of ``root``'s graph in :func:`forward_order` and keep each
    intermediate result (a node computed by an operation) only until the last operation that
    reads it has run; the root is kept to the end. Leaves (inputs, parameters, constants) are
    not counted: they exist before and after the pass either way. While an operation runs, its
    inputs and its output are all held. Returns ``{"operations": the results a backward pass
    keeps (one per operation node), "peak_live": the most results held at any moment}``."""
    order = forward_order(root)
    last_use = {}
    for i, n in enumerate(order):
        for p in n.parents:
            last_use[id(p)] = i
    live, peak = set(), 0
    for i, n in enumerate(order):
        if not n.parents:
            continue
        live.add(id(n))
        peak = max(peak, len(live))
        for p in {id(q) for q in n.parents}:
            if p in live and last_use[p] == i and p != id(root):
                live.discard(p)
    return {"operations": sum(1 for n in order if n.parents), "peak_live": peak}


# What each operation's backward rule in bplab/engine.py reads besides out.grad: its inputs'
# values ("inputs"), its own output's value ("output"), or nothing (""). Powers (op "**k") read
# their input like "*".
READS = {"+": "", "*": "inputs", "**": "inputs", "log": "inputs", "relu": "inputs",
         "exp": "output", "tanh": "output", "sigmoid": "output"}


def read_by_backward(root: Value, *, include_leaves: bool = False) -> list:
    """The nodes of ``root``'s graph whose forward value some backward rule reads.

    A backward pass must keep exactly these values (and nothing else from the forward pass)
    until the rules that read them have run: ``+`` reads nothing, ``*``, ``**``, ``log`` and
    ``relu`` read their inputs, ``exp``, ``tanh`` and ``sigmoid`` their own output (see
    :data:`READS`). Leaves (inputs, parameters, constants) are left out unless
    ``include_leaves``: they exist either way. Returned in topological order."""
    read = set()
    order = root.nodes()
    for n in order:
        if not n.parents:
            continue
        kind = READS.get("**" if n.op.startswith("**") else n.op)
        if kind is None:
            raise ValueError(f"read_by_backward: unknown operation {n.op!r}")
        if kind == "inputs":
            read.update(id(p) for p in n.parents)
        elif kind == "output":
            read.add(id(n))
    return [n for n in order if id(n) in read and (include_leaves or n.parents)]


def network_memory(sizes, batch: int) -> dict:
    """Numbers held for a network of fully connected layers ``sizes = [n_in, n_1, …, n_out]`` on a
    batch of ``batch`` examples (each number 8 bytes in double precision). The input ``X`` (the
    data, ``batch · n_in`` numbers, returned as ``input``) is left out of both memory counts, as
    the leaves are in :func:`read_by_backward` and :func:`peak_live`: it exists either way.

    * ``stored_for_backward``: what a backward pass reads besides ``X``: every layer's output
      ``A`` for every example (a layer's backward reads its input, for the weights' gradients,
      and its output, for the activation's derivative): ``batch · (n_1 + … + n_out)``.
      (``bplab.MLP`` caches each layer's weighted sums ``Z`` as well, for
      ``layer_trace``; its backward pass does not read them.)
    * ``forward_only``: a forward pass that only wants the answer holds one layer's input and
      output at a time (for the first layer, its output only):
      ``batch · max(n_1, max over later layers of n_in_l + n_out_l)``.
    * ``parameters``: weights and biases, ``sum(n_in_l · n_out_l + n_out_l)``.
    """
    sizes = [int(n) for n in sizes]
    if len(sizes) < 2 or min(sizes) < 1 or batch < 1:
        raise ValueError(f"need at least two positive layer sizes and a positive batch, got {sizes}, {batch}")
    pairs = list(zip(sizes[:-1], sizes[1:]))
    return {"parameters": sum(a * b + b for a, b in pairs),
            "input": batch * sizes[0],
            "stored_for_backward": batch * sum(sizes[1:]),
            "forward_only": batch * max([sizes[1]] + [a + b for a, b in pairs[1:]])}
