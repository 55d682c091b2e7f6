"""A scalar reverse-mode autodiff engine: every number remembers how it was made.

``Value`` wraps one float. Arithmetic on Values builds a computational graph; calling
``backward()`` on the final Value walks that graph in reverse topological order and applies
the chain rule at every node, so afterwards each Value's ``.grad`` holds
d(output)/d(that value). The design follows Andrej Karpathy's micrograd: one small idea
per method, with each local derivative written next to the operation it belongs to.

>>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
>>> c = a * b + a          # c = a*b + a
>>> c.backward()
>>> a.grad, b.grad         # dc/da = b + 1, dc/db = a
(-2.0, 2.0)
"""
from __future__ import annotations

import math
import numbers

__all__ = ["Value"]


def _sigmoid(x: float) -> float:
    # stable for large |x|: never exponentiates a positive number
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


class Value:
    """A scalar that records the operations producing it, so gradients can flow back.

    Attributes
    ----------
    data : float       the number itself
    grad : float       d(root)/d(self) after ``root.backward()``; 0.0 before
    op : str           the operation that made this node ('' for a leaf, e.g. '+', '*', 'tanh')
    label : str        an optional name for drawings ("w1", "loss", ...)
    parents : tuple    the Values this one was computed from (the graph's incoming edges)
    """

    __slots__ = ("data", "grad", "op", "label", "parents", "_backward")

    def __init__(self, data, label: str = "", *, _parents=(), _op: str = ""):
        if isinstance(data, Value):
            raise TypeError("Value(data): data is already a Value; use it directly")
        if isinstance(data, bool) or not isinstance(data, numbers.Real):
            raise TypeError(f"Value(data) needs a real number, got {type(data).__name__} {data!r:.40}")
        self.data = float(data)
        self.grad = 0.0
        self.op = _op
        self.label = str(label)
        self.parents = tuple(_parents)
        self._backward = None  # closure: pushes self.grad to the parents' .grad

    # ---------------------------------------------------------------- helpers
    @staticmethod
    def _lift(other, op: str) -> "Value":
        if isinstance(other, Value):
            return other
        if isinstance(other, bool) or not isinstance(other, numbers.Real):
            raise TypeError(
                f"unsupported operand for {op}: Value and {type(other).__name__} {other!r:.40}; "
                "use a Value or a Python/numpy real number")
        return Value(other)

    def __repr__(self) -> str:
        name = f"{self.label}: " if self.label else ""
        return f"Value({name}data={self.data:.6g}, grad={self.grad:.6g})"

    # ------------------------------------------------------------ arithmetic
    def __add__(self, other):
        other = self._lift(other, "+")
        out = Value(self.data + other.data, _parents=(self, other), _op="+")

        def _backward():                 # d(a+b)/da = 1, d(a+b)/db = 1
            self.grad += out.grad
            other.grad += out.grad
        out._backward = _backward
        return out

    def __mul__(self, other):
        other = self._lift(other, "*")
        out = Value(self.data * other.data, _parents=(self, other), _op="*")

        def _backward():                 # d(ab)/da = b, d(ab)/db = a
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
        out._backward = _backward
        return out

    def __pow__(self, exponent):
        if isinstance(exponent, Value):
            raise TypeError("Value ** Value is not supported; the exponent must be a number "
                            "(write (x.log() * y).exp() for x**y with both variable)")
        if isinstance(exponent, bool) or not isinstance(exponent, numbers.Real):
            raise TypeError(f"exponent must be a real number, got {type(exponent).__name__}")
        k = float(exponent)
        try:
            result = self.data ** k
        except ZeroDivisionError:
            raise ValueError(f"{self.data} ** {k} is undefined (division by zero)") from None
        if isinstance(result, complex):
            raise ValueError(f"{self.data} ** {k} is not a real number")
        out = Value(result, _parents=(self,), _op=f"**{k:g}")

        def _backward():                 # d(x^k)/dx = k x^(k-1)
            if k == 0:                   # x^0 = 1 is flat everywhere, also at x = 0
                return
            try:
                slope = k * self.data ** (k - 1)
            except ZeroDivisionError:    # e.g. x**0.5 at x = 0: the slope is infinite
                raise ValueError(f"the derivative of x**{k:g} at x = {self.data} is infinite "
                                 "(undefined); the gradient cannot flow through it") from None
            self.grad += slope * out.grad
        out._backward = _backward
        return out

    def __neg__(self):
        return self * -1

    def __radd__(self, other):
        return self + other

    def __sub__(self, other):
        return self + (-self._lift(other, "-"))

    def __rsub__(self, other):
        return self._lift(other, "-") + (-self)

    def __rmul__(self, other):
        return self * other

    def __truediv__(self, other):
        other = self._lift(other, "/")
        if other.data == 0:
            raise ZeroDivisionError("division of a Value by zero")
        return self * other ** -1

    def __rtruediv__(self, other):
        if self.data == 0:
            raise ZeroDivisionError("division by a Value that is zero")
        return self._lift(other, "/") * self ** -1

    # ------------------------------------------------------ unary functions
    def exp(self):
        try:
            e = math.exp(self.data)
        except OverflowError:
            raise ValueError(f"exp({self.data}) overflows a float") from None
        out = Value(e, _parents=(self,), _op="exp")

        def _backward():                 # d(e^x)/dx = e^x
            self.grad += e * out.grad
        out._backward = _backward
        return out

    def log(self):
        if self.data <= 0:
            raise ValueError(f"log({self.data}) is undefined: log needs a positive input")
        out = Value(math.log(self.data), _parents=(self,), _op="log")

        def _backward():                 # d(log x)/dx = 1/x
            self.grad += out.grad / self.data
        out._backward = _backward
        return out

    def tanh(self):
        t = math.tanh(self.data)
        out = Value(t, _parents=(self,), _op="tanh")

        def _backward():                 # d tanh/dx = 1 - tanh^2
            self.grad += (1.0 - t * t) * out.grad
        out._backward = _backward
        return out

    def sigmoid(self):
        s = _sigmoid(self.data)
        out = Value(s, _parents=(self,), _op="sigmoid")

        def _backward():                 # d sigma/dx = sigma (1 - sigma)
            self.grad += s * (1.0 - s) * out.grad
        out._backward = _backward
        return out

    def relu(self):
        out = Value(self.data if self.data > 0 else 0.0, _parents=(self,), _op="relu")

        def _backward():                 # d relu/dx = 1 if x > 0 else 0
            self.grad += (1.0 if self.data > 0 else 0.0) * out.grad
        out._backward = _backward
        return out

    # ------------------------------------------------------------ the graph
    def nodes(self) -> list["Value"]:
        """Every Value this one depends on (itself included), in topological order:
        each node appears after all of its parents. Iterative, so deep graphs are fine."""
        order, seen = [], set()
        stack = [(self, False)]
        while stack:
            node, expanded = stack.pop()
            if expanded:
                order.append(node)
                continue
            if id(node) in seen:
                continue
            seen.add(id(node))
            stack.append((node, True))
            for p in node.parents:
                if id(p) not in seen:
                    stack.append((p, False))
        return order

    def edges(self) -> list[tuple["Value", "Value"]]:
        """(parent, child) pairs: parent was an input to the operation that made child."""
        return [(p, n) for n in self.nodes() for p in n.parents]

    def backward(self) -> None:
        """Fill in ``.grad`` of every node with d(self)/d(node).

        Gradients are recomputed from scratch on each call (the graph's grads are zeroed
        first), so calling ``backward()`` twice gives the same numbers, not double. A node
        reached along several paths gets the *sum* of the contributions: that is the
        multivariable chain rule.
        """
        topo = self.nodes()
        for n in topo:
            n.grad = 0.0
        self.grad = 1.0
        for n in reversed(topo):
            if n._backward is not None:
                n._backward()
