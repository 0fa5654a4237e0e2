"""helpers.graphs: the traced graph has the right nodes and edges, and the picture draws them."""

import matplotlib

matplotlib.use("Agg")  # no window: tests draw into memory

import matplotlib.pyplot as plt
import pytest
import torch

from helpers.graphs import (
    KIND_COLORS, KIND_SHAPES, AutogradGraph, GraphNode, _layers, draw_graph, saved_tensors, trace_graph,
)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def linear():
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    w = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)
    b = torch.tensor(0.1, requires_grad=True)
    z = w * x + b
    loss = torch.tanh(z).sum()
    return {"x": x, "w": w, "b": b, "z": z, "loss": loss}


def edge_labels(graph: AutogradGraph) -> set[tuple[str, str]]:
    return {(graph.nodes[s].label, graph.nodes[d].label) for s, d in graph.edges}


def test_trace_linear_graph_nodes_and_edges():
    t = linear()
    graph = trace_graph(t["loss"], t)
    assert graph.nodes[0] == GraphNode("loss\n()", "output")
    assert sorted(n.label for n in graph.nodes if n.kind == "leaf") == ["b\n()", "w\n(3,)", "x\n(3,)"]
    assert sorted(n.label for n in graph.nodes if n.kind == "op") == [
        "AddBackward0\n= z", "MulBackward0", "SumBackward0", "TanhBackward0",
    ]
    assert edge_labels(graph) == {
        ("x\n(3,)", "MulBackward0"), ("w\n(3,)", "MulBackward0"),
        ("MulBackward0", "AddBackward0\n= z"), ("b\n()", "AddBackward0\n= z"),
        ("AddBackward0\n= z", "TanhBackward0"), ("TanhBackward0", "SumBackward0"),
        ("SumBackward0", "loss\n()"),
    }


def test_unnamed_tensors_get_generic_labels_and_constants_are_absent():
    x = torch.ones(2, 3, requires_grad=True)
    y = (x * torch.full((2, 3), 3.0)).sum(dim=1)  # the constant needs no grad: not in the graph
    graph = trace_graph(y)
    assert [n.label for n in graph.nodes] == ["output\n(2,)", "SumBackward1", "MulBackward0", "leaf\n(2, 3)"]
    assert graph.edges == ((1, 0), (2, 1), (3, 2))


def test_shared_nodes_appear_once_with_both_edges():
    x = torch.ones(3, requires_grad=True)
    h = x.exp()
    y = (h * h.sin()).sum()
    graph = trace_graph(y, {"x": x, "h": h})
    labels = [n.label for n in graph.nodes]
    assert labels.count("ExpBackward0\n= h") == 1
    assert labels.count("x\n(3,)") == 1
    assert ("ExpBackward0\n= h", "MulBackward0") in edge_labels(graph)
    assert ("ExpBackward0\n= h", "SinBackward0") in edge_labels(graph)
    assert len(graph.edges) == len(set(graph.edges))


def test_same_leaf_twice_gives_one_edge():
    x = torch.ones(3, requires_grad=True)
    graph = trace_graph(x * x)
    assert graph.count("leaf") == 1 and graph.count("op") == 1
    assert graph.edges == ((1, 0), (2, 1))


def test_loop_graph_grows_with_iterations():
    x = torch.ones(3, requires_grad=True)

    def f(x, n):
        for _ in range(n):
            x = torch.sin(x) * 2
        return x.sum()

    assert [trace_graph(f(x, n)).count("op") for n in (0, 1, 3)] == [1, 3, 7]


def test_tensor_without_graph_is_a_lone_output():
    with torch.no_grad():
        y = torch.ones(3, requires_grad=True) * 2
    graph = trace_graph(y)
    assert graph.nodes == (GraphNode("output\n(3,)", "output"),) and graph.edges == ()


def test_layers_put_output_at_rank_0_and_leaves_at_their_longest_path():
    t = linear()
    graph = trace_graph(t["loss"], t)
    ranks = {graph.nodes[i].label: r for r, layer in enumerate(_layers(graph)) for i in layer}
    assert ranks == {
        "loss\n()": 0, "SumBackward0": 1, "TanhBackward0": 2, "AddBackward0\n= z": 3,
        "b\n()": 4, "MulBackward0": 4, "x\n(3,)": 5, "w\n(3,)": 5,
    }


def test_draw_graph_draws_one_box_per_node_and_one_arrow_per_edge():
    t = linear()
    fig = draw_graph(t["loss"], t, title="linear")
    ax = fig.axes[0]
    texts = sorted(text.get_text() for text in ax.texts if text.get_text())
    graph = trace_graph(t["loss"], t)
    assert texts == sorted(n.label for n in graph.nodes)
    arrows = [child for child in ax.texts if not child.get_text()]  # annotations with empty text
    assert len(arrows) == len(graph.edges) == 7
    assert ax.get_title() == "linear"
    fig.canvas.draw()  # the arrows, anchored to the boxes, resolve at draw time without error


def test_draw_graph_into_given_axes_side_by_side():
    x = torch.ones(3, requires_grad=True)
    fig, axes = plt.subplots(1, 2)
    assert draw_graph((x * 2).sum(), ax=axes[0]) is fig
    assert draw_graph(x.exp().sum(), ax=axes[1]) is fig
    assert len(fig.axes) == 2
    assert {t.get_text() for t in axes[1].texts} >= {"ExpBackward0", "SumBackward0"}


def test_draw_graph_puts_each_name_at_its_rank_in_its_colour_with_arrows_the_forward_way():
    # The picture as data: which box says what, at which height, in which colour, and which box
    # each arrow leaves and reaches. A picture of another graph, upside down or with arrows
    # reversed fails here.
    t = linear()
    fig = draw_graph(t["loss"], t)
    ax = fig.axes[0]
    boxes = [text for text in ax.texts if text.get_text()]
    height = {box.get_text(): box.get_position()[1] for box in boxes}
    assert height == {  # rank = longest path to the output: output at the bottom, leaves on top
        "loss\n()": 0, "SumBackward0": 1, "TanhBackward0": 2, "AddBackward0\n= z": 3,
        "b\n()": 4, "MulBackward0": 4, "x\n(3,)": 5, "w\n(3,)": 5,
    }
    colour = {box.get_text(): matplotlib.colors.to_hex(box.get_bbox_patch().get_facecolor()) for box in boxes}
    assert colour["loss\n()"] == KIND_COLORS["output"]
    assert {colour[n] for n in ("x\n(3,)", "w\n(3,)", "b\n()")} == {KIND_COLORS["leaf"]}
    assert {colour[n] for n in ("MulBackward0", "AddBackward0\n= z", "TanhBackward0", "SumBackward0")} == {
        KIND_COLORS["op"]}
    assert len({KIND_COLORS["leaf"], KIND_COLORS["op"], KIND_COLORS["output"]}) == 3
    arrows = {(a.anncoords.get_text(), a.xycoords.get_text()) for a in ax.texts if not a.get_text()}
    assert arrows == {  # (from, to): the way data flowed forward
        ("x\n(3,)", "MulBackward0"), ("w\n(3,)", "MulBackward0"),
        ("MulBackward0", "AddBackward0\n= z"), ("b\n()", "AddBackward0\n= z"),
        ("AddBackward0\n= z", "TanhBackward0"), ("TanhBackward0", "SumBackward0"),
        ("SumBackward0", "loss\n()"),
    }
    x_of = {box.get_text(): box.get_position()[0] for box in boxes}
    assert x_of["loss\n()"] == 0 and x_of["b\n()"] != x_of["MulBackward0"]  # no two boxes on one spot
    lo, hi = ax.get_ylim()
    assert lo < 0 and hi > 5  # every box inside the visible area


def test_every_kind_differs_in_outline_or_border_not_only_in_colour():
    # Colour-blind readers tell the boxes apart by shape and border: no two kinds share both.
    looks = {kind: (style["boxstyle"].split(",")[0], style["linestyle"], style["linewidth"])
             for kind, style in KIND_SHAPES.items()}
    assert set(looks) == set(KIND_COLORS) == {"leaf", "op", "output", "saved", "freed"}
    assert len(set(looks.values())) == len(looks), looks


def test_drawn_boxes_carry_their_kind_s_outline_and_border():
    t = linear()
    fig = draw_graph(t["loss"], t, saved=True)
    fig.canvas.draw()
    by_label = {box.get_text(): box.get_bbox_patch() for box in fig.axes[0].texts if box.get_text()}
    for label, kind in [("x\n(3,)", "leaf"), ("MulBackward0", "op"), ("loss\n()", "output"), ("result\n(3,)", "saved")]:
        patch = by_label[label]
        assert patch.get_linestyle() == KIND_SHAPES[kind]["linestyle"]
        assert patch.get_linewidth() == KIND_SHAPES[kind]["linewidth"]
        assert type(patch.get_boxstyle()).__name__.lower() == KIND_SHAPES[kind]["boxstyle"].split(",")[0]


def test_saved_tensors_are_traced_named_by_memory_and_freed_by_backward():
    t = linear()
    graph = trace_graph(t["loss"], t, saved=True)
    labels = {graph.nodes[s].label: graph.nodes[op].label for s, op in graph.saved}
    # w * x saves both factors; tanh saves its result; add and sum save no tensor
    assert labels == {"other = x\n(3,)": "MulBackward0", "self = w\n(3,)": "MulBackward0",
                      "result\n(3,)": "TanhBackward0"}
    assert graph.count("saved") == 3 and graph.count("freed") == 0
    assert trace_graph(t["loss"], t).saved == ()  # only on request
    t["loss"].backward()
    after = trace_graph(t["loss"], t, saved=True)
    assert after.count("saved") == 0 and after.count("freed") == 3
    assert sorted(n.label for n in after.nodes if n.kind == "freed") == ["other: freed", "result: freed", "self: freed"]
    assert after.edges == graph.edges  # the structure is still there: only the saved tensors went


def test_saved_tensors_skip_what_is_not_a_tensor():
    x = torch.ones(2, 3, requires_grad=True)
    node = x.sum().grad_fn  # SumBackward0 keeps the input's sizes, not a tensor
    assert saved_tensors(node) == []
    mm = (x @ torch.ones(3, 2)).grad_fn  # the constant is saved; x (self) is not needed: None
    assert [name for name, _ in saved_tensors(mm)] == ["mat2"]


def test_saved_tensors_sit_beside_their_node_and_are_tied_in_a_chain():
    t = linear()
    fig = draw_graph(t["loss"], t, saved=True)
    ax = fig.axes[0]
    boxes = {box.get_text(): box for box in ax.texts if box.get_text()}
    mul_y = boxes["MulBackward0"].get_position()[1]
    assert boxes["other = x\n(3,)"].get_position()[1] == boxes["self = w\n(3,)"].get_position()[1] == mul_y
    ties = [(a.anncoords.get_text(), a.xycoords.get_text()) for a in ax.texts
            if not a.get_text() and a.arrowprops.get("linestyle") == ":"]
    assert sorted(ties) == sorted([("MulBackward0", "other = x\n(3,)"), ("other = x\n(3,)", "self = w\n(3,)"),
                                   ("TanhBackward0", "result\n(3,)")])
    fig.canvas.draw()
