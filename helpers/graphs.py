"""The graph autograd records, as data and as a picture (matplotlib only, no Graphviz).

Every tensor computed from a tensor that requires grad carries ``grad_fn``: the node
of the backward graph that made it. Each node lists its inputs' nodes in
``next_functions``; a leaf tensor's gradient lands in an ``AccumulateGrad`` node whose
``.variable`` is the leaf itself. A node also keeps the tensors its backward formula needs
(*saved tensors*), readable through attributes named ``_saved_*`` until ``backward()`` frees
them. :func:`trace_graph` walks those links once; :func:`draw_graph` draws the result with
leaves on top and the output at the bottom, each kind of box told apart by its outline and
border as well as by its (Okabe-Ito, colour-blind-safe) colour.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import matplotlib.pyplot as plt
import torch
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from helpers.plotting import OKABE_ITO

#: Box fill colours by node kind: leaves (what you create), operations, the output, a node's saved
#: tensors, and saved tensors that backward() has freed. Okabe-Ito hues, light enough for black text.
KIND_COLORS = {
    "leaf": "#9fd9c6",  # Okabe-Ito bluish green, lightened
    "op": "#e8e8e8",  # neutral grey
    "output": "#f5cc66",  # Okabe-Ito orange, lightened
    "saved": "#bfe1f6",  # Okabe-Ito sky blue, lightened
    "freed": "#ffffff",  # an empty box: nothing is held any more
}
#: What tells the kinds apart without colour: the box's outline and its border.
KIND_SHAPES = {
    "leaf": {"boxstyle": "round,pad=0.35", "linestyle": "-", "linewidth": 2.0, "edgecolor": OKABE_ITO["bluish green"]},
    "op": {"boxstyle": "square,pad=0.35", "linestyle": "-", "linewidth": 1.0, "edgecolor": "#555555"},
    "output": {"boxstyle": "round4,pad=0.4", "linestyle": "-", "linewidth": 2.5, "edgecolor": OKABE_ITO["vermillion"]},
    "saved": {"boxstyle": "round,pad=0.25", "linestyle": "--", "linewidth": 1.2, "edgecolor": OKABE_ITO["blue"]},
    "freed": {"boxstyle": "round,pad=0.25", "linestyle": ":", "linewidth": 1.2, "edgecolor": "#555555"},
}


@dataclass(frozen=True)
class GraphNode:
    """One box of the picture.

    ``kind`` is "leaf" (a tensor you created with requires_grad=True), "op" (a
    backward node such as ``MulBackward0``), "output" (the tensor you traced from),
    "saved" (a tensor an op node keeps for its backward formula) or "freed" (one that
    ``backward()`` has released). Introduced in: 03_computational_graphs.ipynb
    """

    label: str
    kind: str


@dataclass(frozen=True)
class AutogradGraph:
    """Nodes and forward-direction edges of a recorded graph.

    ``nodes[0]`` is the output. ``edges`` are ``(source, target)`` indices into
    ``nodes``: data flows from source to target in the forward pass; ``backward()``
    walks them in reverse. ``saved`` are ``(saved tensor, op node)`` index pairs: which
    node keeps which tensor (empty unless traced with ``saved=True``).
    Introduced in: 03_computational_graphs.ipynb
    """

    nodes: tuple[GraphNode, ...]
    edges: tuple[tuple[int, int], ...]
    saved: tuple[tuple[int, int], ...] = ()

    def count(self, kind: str) -> int:
        """How many nodes are of this kind ("leaf", "op", "output", "saved" or "freed")."""
        return sum(node.kind == kind for node in self.nodes)


def _shape(t: torch.Tensor) -> str:
    return str(tuple(t.shape))  # "(3,)", "()" for a scalar: what t.shape shows


def saved_tensors(node: object) -> list[tuple[str, torch.Tensor | None]]:
    """The tensors a backward node keeps, as (name, tensor), or (name, None) once backward() freed them.

    Read through the node's ``_saved_*`` attributes: internal, for looking inside only (their names
    follow each operation's backward formula). Non-tensor entries (sizes, dims) are left out.
    Introduced in: 03_computational_graphs.ipynb
    """
    found: list[tuple[str, torch.Tensor | None]] = []
    for attr in sorted(a for a in dir(node) if a.startswith("_saved_")):
        try:
            value = getattr(node, attr)
        except RuntimeError:  # "...access saved tensors after they have already been freed"
            found.append((attr[len("_saved_"):], None))
            continue
        values = value if isinstance(value, (list, tuple)) else [value]
        found += [(attr[len("_saved_"):], v) for v in values if isinstance(v, torch.Tensor)]
    return found


def trace_graph(output: torch.Tensor, names: Mapping[str, torch.Tensor] | None = None,
                saved: bool = False) -> AutogradGraph:
    """Walk ``output.grad_fn`` and its ``next_functions``; every node once (it is a DAG).

    ``output``: any tensor with a ``grad_fn`` (a tensor without one gives a graph of
    just the output). ``names``: ``{"w": w, ...}`` labels leaves and intermediate
    tensors by identity; unnamed leaves are labelled "leaf". Leaves show their shape.
    ``saved=True`` adds each op node's saved tensors (named when they are one of ``names``,
    by memory), or a "freed" box for each one ``backward()`` has released.
    Introduced in: 03_computational_graphs.ipynb
    """
    names = names or {}
    by_leaf = {id(t): n for n, t in names.items()}
    by_fn = {id(t.grad_fn): n for n, t in names.items() if t.grad_fn is not None and t is not output}
    out_name = next((n for n, t in names.items() if t is output), "output")
    nodes = [GraphNode(f"{out_name}\n{_shape(output)}", "output")]
    edges: list[tuple[int, int]] = []
    kept: list[tuple[int, int]] = []
    index: dict[int, int] = {}  # id(backward node) -> index in nodes
    # Backward nodes are only reachable while the graph is alive, so ids are stable here.
    stack = [(output.grad_fn, 0)] if output.grad_fn is not None else []
    while stack:
        fn, consumer = stack.pop()
        if id(fn) not in index:
            index[id(fn)] = len(nodes)
            if hasattr(fn, "variable"):  # AccumulateGrad: the leaf it feeds
                leaf = fn.variable
                nodes.append(GraphNode(f"{by_leaf.get(id(leaf), 'leaf')}\n{_shape(leaf)}", "leaf"))
            else:
                label = type(fn).__name__
                if id(fn) in by_fn:
                    label += f"\n= {by_fn[id(fn)]}"
                nodes.append(GraphNode(label, "op"))
                if saved:
                    for attr, tensor in saved_tensors(fn):
                        kept.append((len(nodes), index[id(fn)]))
                        nodes.append(_saved_node(attr, tensor, names))
                # next_functions holds (node, input index); None for inputs without grad.
                stack.extend((child, index[id(fn)]) for child, _ in fn.next_functions if child is not None)
        edges.append((index[id(fn)], consumer))
    return AutogradGraph(tuple(nodes), tuple(dict.fromkeys(edges)), tuple(kept))


def _saved_node(attr: str, tensor: torch.Tensor | None, names: Mapping[str, torch.Tensor]) -> GraphNode:
    if tensor is None:
        return GraphNode(f"{attr}: freed", "freed")
    same = [n for n, t in names.items() if t.data_ptr() == tensor.data_ptr() and t.shape == tensor.shape]
    return GraphNode(f"{attr}{' = ' + same[0] if same else ''}\n{_shape(tensor)}", "saved")


def _layers(graph: AutogradGraph) -> list[list[int]]:
    """Rank = longest path to the output (output 0); one list of node indices per rank.

    A saved tensor sits at the rank of the op node that keeps it, just after it.
    """
    rank = {0: 0}
    changed = True
    while changed:  # relax until stable: a DAG with at most a few hundred nodes
        changed = False
        for src, dst in graph.edges:
            if dst in rank and rank.get(src, -1) < rank[dst] + 1:
                rank[src] = rank[dst] + 1
                changed = True
    keeper = dict(graph.saved)  # saved tensor -> the op node keeping it
    layers: list[list[int]] = [[] for _ in range(max(rank.values()) + 1)]
    x_of = {0: 0.0}
    for r in range(len(layers)):
        members = [i for i in rank if rank[i] == r]
        # Order each rank by the mean position of the nodes it feeds: fewer crossings.
        consumers = {i: [x_of[d] for s, d in graph.edges if s == i and d in x_of] for i in members}
        members.sort(key=lambda i: (sum(consumers[i]) / len(consumers[i]) if consumers[i] else 0.0, i))
        layer = []
        for i in members:
            layer += [i] + [s for s, op in keeper.items() if op == i]
        layers[r] = layer
        for k, i in enumerate(layer):
            x_of[i] = k - (len(layer) - 1) / 2
    return layers


def draw_graph(
    output: torch.Tensor,
    names: Mapping[str, torch.Tensor] | None = None,
    ax: Axes | None = None,
    title: str | None = None,
    saved: bool = False,
) -> Figure:
    """Draw the graph autograd recorded for ``output``; return the figure.

    Leaves (green, rounded, thick border) at the top, operations (grey, square) in
    between, the output (orange, wavy thick border) at the bottom; arrows point the way
    data flowed forward. ``saved=True`` adds each operation's saved tensors beside it
    (sky blue, dashed border, joined by a dotted line), or an empty dotted box where
    ``backward()`` has freed one. ``names`` as in :func:`trace_graph`. Pass ``ax`` to draw
    into an existing axes (side by side). Introduced in: 03_computational_graphs.ipynb
    """
    graph = trace_graph(output, names, saved=saved)
    layers = _layers(graph)
    width = max(len(layer) for layer in layers)
    if ax is None:
        _, ax = plt.subplots(figsize=(max(3.0, 1.9 * width), 0.85 * len(layers) + 0.6))
    pos = {}
    for r, layer in enumerate(layers):
        for k, i in enumerate(layer):
            pos[i] = (k - (len(layer) - 1) / 2, r)  # output at y=0, leaves highest
    boxes = {}
    for i, (x, y) in pos.items():
        kind = graph.nodes[i].kind
        style = dict(KIND_SHAPES[kind], facecolor=KIND_COLORS[kind])
        boxes[i] = ax.text(x, y, graph.nodes[i].label, ha="center", va="center", fontsize=8, zorder=3,
                           style="italic" if kind in ("saved", "freed") else "normal", bbox=style)
    for src, dst in graph.edges:
        # An edge that skips a rank would run straight behind the boxes between: bend it.
        bend = 0.0 if pos[src][1] - pos[dst][1] == 1 else -0.5
        # Coordinates relative to the two text boxes: bottom centre of src -> top centre of dst.
        ax.annotate("", xy=(0.5, 1.0), xycoords=boxes[dst], xytext=(0.5, 0.0), textcoords=boxes[src],
                    arrowprops=dict(arrowstyle="-|>", color="#555555", shrinkA=5, shrinkB=5,
                                    connectionstyle=f"arc3,rad={bend}"), zorder=2)
    previous: dict[int, int] = {}  # op -> the box its next saved tensor is tied to (a chain, no crossings)
    for kept, op in graph.saved:
        # A dotted tie, no arrow: the op node holds the tensor; nothing flows along it.
        left, previous[op] = previous.get(op, op), kept
        ax.annotate("", xy=(0.0, 0.5), xycoords=boxes[kept], xytext=(1.0, 0.5), textcoords=boxes[left],
                    arrowprops=dict(arrowstyle="-", color=OKABE_ITO["blue"], linestyle=":", shrinkA=2, shrinkB=2),
                    zorder=2)
    ax.set_xlim(-width / 2 - 0.1, width / 2 + 0.1)
    ax.set_ylim(-0.6, len(layers) - 0.4)
    ax.axis("off")
    if title:
        ax.set_title(title, fontsize=10)
    return ax.figure
