"""``replace_pattern``: find every non-overlapping occurrence of a traced pattern in a
GraphModule's graph and put a traced replacement in its place, as ``torch.fx``'s subgraph
rewriter does.

A match grows backwards from each graph node that could be the pattern's output: same op,
same target, the same literal arguments, node arguments matching node arguments; a pattern
placeholder matches any value (the same value each time it is used). Nodes inside the match
may not be used outside it, or removing them would break the graph.
"""
from collections import namedtuple

from .graph import Graph
from .graph_module import GraphModule, _copy_attr
from .node import Node

__all__ = ["replace_pattern", "Match"]

Match = namedtuple("Match", ["anchor", "nodes_map"])


def _graph_of(obj):
    from ._symbolic_trace import symbolic_trace
    if isinstance(obj, GraphModule):
        return obj.graph, obj
    if isinstance(obj, Graph):
        return obj, None
    gm = symbolic_trace(obj)
    return gm.graph, gm


def _match_args(pa, ga, pattern, match):
    if isinstance(pa, Node):
        return isinstance(ga, Node) and _match_node(pa, ga, pattern, match)
    if isinstance(pa, (tuple, list)):
        return (type(pa) is type(ga) and len(pa) == len(ga)
                and all(_match_args(p, g, pattern, match) for p, g in zip(pa, ga)))
    if isinstance(pa, dict):
        return (isinstance(ga, dict) and pa.keys() == ga.keys()
                and all(_match_args(pa[k], ga[k], pattern, match) for k in pa))
    if isinstance(ga, Node):
        return False
    return type(pa) is type(ga) and pa == ga


def _match_node(pn, gn, pattern, match):
    if pn in match:
        return match[pn] is gn
    if pn.op == "placeholder":
        match[pn] = gn
        return True
    if pn.op != gn.op or pn.target != gn.target:
        return False
    # inner pattern nodes must be used only inside the pattern
    if pn not in pattern["anchors"] and len(gn.users) != len(pn.users):
        return False
    saved = dict(match)
    match[pn] = gn
    if _match_args(pn.args, gn.args, pattern, match) \
            and _match_args(pn.kwargs, gn.kwargs, pattern, match):
        return True
    match.clear()
    match.update(saved)
    return False


def replace_pattern(gm, pattern, replacement):
    """Replace each match of ``pattern`` in ``gm`` by ``replacement`` (both functions or
    GraphModules taking the matched values in order); returns the ``Match``es."""
    original_graph = gm.graph
    pattern_graph, _ = _graph_of(pattern)
    replacement_graph, replacement_gm = _graph_of(replacement)

    p_nodes = list(pattern_graph.nodes)
    p_output = [n for n in p_nodes if n.op == "output"][0]
    p_placeholders = [n for n in p_nodes if n.op == "placeholder"]
    out_val = p_output.args[0]
    anchors = list(out_val) if isinstance(out_val, (tuple, list)) else [out_val]
    pattern_info = {"anchors": set(anchors)}
    if len(anchors) != 1:
        raise NotImplementedError("galton.fx's replace_pattern takes patterns with one output")
    anchor = anchors[0]

    matches = []
    matched_nodes = set()
    for gn in list(original_graph.nodes):
        if gn in matched_nodes or gn.op == "placeholder" or gn.op == "output":
            continue
        match = {}
        if not _match_node(anchor, gn, pattern_info, match):
            continue
        inner = [g for p, g in match.items() if p.op != "placeholder"]
        if any(g in matched_nodes for g in inner):
            continue
        matched_nodes.update(inner)
        matches.append(Match(anchor=anchor, nodes_map=match))

    r_placeholders = [n for n in replacement_graph.nodes if n.op == "placeholder"]
    for m in matches:
        anchor_gn = m.nodes_map[anchor]
        val_map = {}
        for rn, pn in zip(r_placeholders, p_placeholders):
            val_map[rn] = m.nodes_map[pn]
        # the replacement goes right before the first user of the matched output (before
        # what follows the match when nothing uses it), where PyTorch puts it
        insert_point = None
        for n in original_graph.nodes:
            if n in anchor_gn.users:
                insert_point = n
                break
        if insert_point is None:
            insert_point = anchor_gn.next
        with original_graph.inserting_before(insert_point):
            copied = original_graph.graph_copy(replacement_graph, val_map)
        if isinstance(copied, (tuple, list)):
            copied = copied[0]
        if isinstance(copied, Node):
            anchor_gn.replace_all_uses_with(copied)
        # erase the matched nodes, users before what they use
        inner = [g for p, g in m.nodes_map.items() if p.op != "placeholder"]
        order = {n: i for i, n in enumerate(original_graph.nodes)}
        for g in sorted(inner, key=lambda n: order.get(n, -1), reverse=True):
            if not g.users:
                original_graph.erase_node(g)
        if replacement_gm is not None:
            for n in replacement_graph.nodes:
                if n.op in ("get_attr", "call_module"):
                    _copy_attr(replacement_gm, gm, n.target)
    gm.recompile()
    return matches



