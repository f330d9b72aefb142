"""A layered (Sugiyama) layout for networks whose graph has no single main path to hang branches on.

The classic four steps (Sugiyama, Tagawa and Toda, 1981): layers become columns by their longest path from an
input; connections spanning several columns get a placeholder in each column they cross; the order within each
column is improved by barycentre sweeps to reduce crossings; then heights are chosen to straighten connections,
and each connection is drawn orthogonally, with a vertical track of its own in the gap between two columns.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from .drawing import BALL_RADIUS, DEPTH_X, DEPTH_Y, FLOW_GAP, Arrow, Ball, Block
from .metrics import line_height

SWEEPS = 6
TRACK = 0.16  # between the vertical tracks of connections in one gap

SLOT = 0.45  # the height a connection passing a column takes


@dataclass(eq=False)
class _Item:
    """A block or ball in a column, or a connection passing through it (name None)."""

    name: str | None
    above: float  # extent above its axis, and below it (labels included)
    below: float
    y: float = 0.0
    # the items it is connected to in the column before and in the column after, in the connections' order
    before: list[_Item] = field(default_factory=list, repr=False)
    after: list[_Item] = field(default_factory=list, repr=False)


def layered(planner) -> tuple[dict, list]:
    """Shapes (by layer name) and arrows of the network, laid out in columns."""
    names = planner.drawn
    edges = [(source, target, None) for target in names for source in planner.inputs[target]]
    edges += [(source, target, skip) for source, target, skip in planner.skips]
    rank: dict[str, int] = {}
    for name in names:  # in the network's order, which is topological
        rank[name] = max((rank[s] + 1 for s in planner.inputs[name]), default=0)
    for source, target, _ in edges:  # a skip arrow goes forward
        rank[target] = max(rank[target], rank[source] + 1)
    columns: list[list[_Item]] = [[] for _ in range(max(rank.values()) + 1)]
    probe = {name: planner.block(name) for name in names}
    room_below = 2 * line_height("dims", planner.size) + line_height("caption", planner.size) + 0.3  # sizes, caption
    placed: dict[str, _Item] = {}
    for name in names:
        shape = probe[name]
        rise = shape.half + DEPTH_Y * shape.depth / 2
        placed[name] = _Item(name, rise, rise + room_below)
        columns[rank[name]].append(placed[name])
    passing: dict[int, list[_Item]] = {}
    for index, (source, target, _) in enumerate(edges):
        passing[index] = [_Item(None, SLOT / 2, SLOT / 2) for _ in range(rank[source] + 1, rank[target])]
        for r, item in enumerate(passing[index], rank[source] + 1):
            columns[r].append(item)
        if rank[source] < rank[target]:  # not when a skip moved its source on after it was ranked
            chain = [placed[source], *passing[index], placed[target]]
            for a, b in zip(chain, chain[1:]):
                a.after.append(b)
                b.before.append(a)

    # order within columns: barycentres of the neighbours' positions, sweeping forward and back
    for sweep in range(SWEEPS):
        forward = sweep % 2 == 0
        order = range(1, len(columns)) if forward else range(len(columns) - 2, -1, -1)
        for r in order:
            position = {item: i for i, item in enumerate(columns[r - 1 if forward else r + 1])}
            keyed = []
            for i, item in enumerate(columns[r]):
                around = [position[n] for n in (item.before if forward else item.after)]
                keyed.append((sum(around) / len(around) if around else i, i, item))
            columns[r] = [item for _, _, item in sorted(keyed)]  # i breaks ties: items are never compared

    # heights: stack each column top to bottom, then pull items towards their neighbours, keeping the order
    for column in columns:
        _stack(column, [0.0] * len(column))
    links = [[item.before + item.after for item in column] for column in columns]  # the order is settled
    for sweep in range(2 * SWEEPS):
        for column, around in zip(columns, links):
            _stack(column, [sum(n.y for n in near) / len(near) if near else item.y
                            for item, near in zip(column, around)])

    # columns left to right, each as wide as its widest block; gaps wide enough for their tracks
    tracks = [0] * len(columns)
    for source, target, _ in edges:
        for r in range(rank[source], rank[target]):
            tracks[r] += 1
    shapes: dict[str, Block | Ball] = {}
    starts, x = [], 0.0
    for r, column in enumerate(columns):
        starts.append(x)
        width = max((probe[i.name].length + DEPTH_X * probe[i.name].depth for i in column if i.name), default=0.0)
        for item in column:
            if item.name:
                shape = probe[item.name]
                left = x + BALL_RADIUS if isinstance(shape, Ball) else x + DEPTH_X * shape.depth / 2
                shapes[item.name] = planner.block(item.name, left - (BALL_RADIUS if isinstance(shape, Ball) else 0.0),
                                                  item.y)
        x += width + FLOW_GAP + 0.4 + TRACK * tracks[r]
    arrows = _connections(edges, rank, shapes, passing, starts, columns, tracks)
    return shapes, arrows


def _stack(column: list[_Item], wanted: list[float]) -> None:
    """Heights as near the wanted ones as the order and the items' extents allow (top to bottom)."""
    ys: list[float] = []
    for item, y in zip(column, wanted):
        if ys:
            y = min(y, ys[-1] - previous.below - item.above)
        ys.append(y)
        previous = item
    # shift the whole column so that it sits, on average, where it is wanted
    shift = sum(w - y for w, y in zip(wanted, ys)) / len(ys) if ys else 0.0
    for item, y in zip(column, ys):
        item.y = y + shift


def _connections(edges, rank, shapes, passing, starts, columns, tracks) -> list[Arrow]:
    """Each connection: out of its source's east face, along the gaps on tracks of its own, through the columns
    it passes at its placeholders' heights, and into its target's west side, where several arrive side by side
    (spread around a ball, or along a block's face)."""
    routes = []
    used = [0] * len(columns)
    for index, (source, target, skip) in enumerate(edges):
        a = shapes[source]
        heights = [item.y for item in passing.get(index, [])]
        points, y = [(a.east, a.y, 0.0)], a.y
        for r, next_y in zip(range(rank[source], rank[target]), heights + [None]):
            used[r] += 1
            track = starts[r + 1] - 0.4 - TRACK * (tracks[r] - used[r]) - TRACK / 2
            points.append((track, y, 0.0))
            if next_y is not None:
                points.append((track, next_y, 0.0))
                y = next_y
        routes.append((points, source, target, skip))
    arrivals: dict[str, list[int]] = {}
    for i, (points, _, target, _) in enumerate(routes):
        arrivals.setdefault(target, []).append(i)
    arrows = []
    for target, indices in arrivals.items():
        b = shapes[target]
        indices.sort(key=lambda i: -routes[i][0][-1][1])  # the highest first
        for k, i in enumerate(indices):
            points, source, _, skip = routes[i]
            share = 0.5 if len(indices) == 1 else k / (len(indices) - 1)  # 0 for the highest
            if isinstance(b, Ball):
                spread = min(150.0, 45.0 * (len(indices) - 1))  # degrees around the west of the ball
                angle = math.radians(180 - spread / 2 + spread * share)
                end = (b.x + b.radius * math.cos(angle), b.y + b.radius * math.sin(angle), 0.0)
            else:
                end = (b.west, b.y + (0.5 - share) * b.height * 0.6, 0.0)
            track = points[-1]
            points = points[:-1] + [(track[0], track[1], 0.0), (track[0], end[1], 0.0), end]
            clean = [points[0]]
            for p in points[1:]:
                if p != clean[-1]:
                    clean.append(p)
            arrows.append(Arrow(tuple(clean), "link" if skip is not None else "flow", source, target))
    return arrows
