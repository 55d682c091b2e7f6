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

__all__ = ["ladder", "local_derivatives", "count_paths", "gradient_by_paths", "count_backward"]


def ladder(depth: int, x0: float = 0.5):
    """A graph whose number of paths doubles with each layer while its size grows linearly.

    ``u_0 = x``, ``v_0 = tanh(x)``; then ``depth`` layers of
    ``u_{k+1} = tanh(u_k + v_k)`` and ``v_{k+1} = sigmoid(u_k · v_k)``; finally ``L = u + v``.
    Each layer adds 4 operation nodes and 6 edges. Returns ``(L, x)``."""
    if depth < 0:
        raise ValueError(f"depth must be 0 or more, got {depth}")
    x = Value(x0, label="x")
    u, v = x, x.tanh()
    for _ in range(depth):
        u, v = (u + v).tanh(), (u * v).sigmoid()
    return u + v, x


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
