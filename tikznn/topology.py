"""What a figure draws of a network's graph: the copies a collapsed figure hides, what each drawn layer is fed
by, and how a skip statement is named."""
from __future__ import annotations

from dataclasses import replace

from .errors import LayoutError
from .kinds.operation import Part
from .layer import Analysis
from .model import Network


def hidden_copies(network: Network, collapse: bool) -> set[str]:
    """With `collapse`, the second and later copies of repeated layers and blocks: drawn as part of the first."""
    if not collapse:
        return set()
    names = network.names()
    hidden = {name for i, layer in enumerate(network.layers) for name in names[i + 1:i + layer.times]}
    for i, layer in enumerate(network.layers):
        if layer.block_times > 1:
            hidden.update(names[i + layer.block_length:i + layer.block_length * layer.block_times])
    return hidden


def last_copies(network: Network, collapse: bool) -> dict[str, str]:
    """With `collapse`, each layer of a repetition's first copy (the one drawn) -> the same layer of its last copy,
    whose output is what the whole repetition produces (a dense block's concatenation: all the channels)."""
    if not collapse:
        return {}
    names, last = network.names(), {}
    for i, layer in enumerate(network.layers):
        if layer.times > 1:
            last[names[i]] = names[i + layer.times - 1]
        if layer.block_times > 1:
            last.update({names[i + k]: names[i + k + layer.block_length * (layer.block_times - 1)]
                         for k in range(layer.block_length)})
    return last


def drawn_inputs(network: Network, passes) -> dict[str, tuple[str, ...]]:
    """Each layer's inputs, looking through the layers `passes` says are not drawn (flatten, a hidden copy)."""
    resolved: dict[str, tuple[str, ...]] = {}
    for layer in network.layers:
        names: list[str] = []
        for name in layer.inputs:
            names += [n for n in (resolved[name] if passes(name) else (name,)) if n not in names]
        resolved[layer.name] = tuple(names)
    return resolved


def skip_owner(skip) -> str:
    """How labels and messages name a `skip` statement."""
    return f"the skip {skip.source} -> {skip.target}"


def repeat_frames(network: Network) -> dict[str, str]:
    """Each layer of a repeated block's first copy -> that block's first layer: the frame it is drawn in when
    repeats are drawn once."""
    names, framed = network.names(), {}
    for i, layer in enumerate(network.layers):
        if layer.block_times > 1:
            framed.update({name: layer.name for name in names[i:i + layer.block_length]})
    return framed


def by_blocks(network: Network, analysis: dict) -> tuple[Network, dict]:
    """The network with each use of a block drawn as one box (a `part`): its output's shape, its layers' parameters
    and MACs summed; what a figure draws with 'detail blocks'. Other layers stay as they are. A layer that reads
    one inside a use (not its output) cannot be drawn so: LayoutError."""
    runs: list[list] = []  # each use's copy, or a layer outside uses, in order
    for layer in network.layers:
        if layer.use[1] and runs and runs[-1][0].use[1] == layer.use[1]:
            runs[-1].append(layer)
        else:
            runs.append([layer])
    inside = {layer.name: run[-1].name for run in runs if run[0].use[1] for layer in run[:-1]}

    def outer(name: str, reader) -> str:
        if name in inside:
            raise LayoutError(f"'{reader.name}' reads '{name}' inside a use of a block: its blocks cannot be drawn "
                              "as one box each", span=reader.at, hint="draw its layers ('detail layers')")
        return name

    layers, shapes = [], dict(analysis)
    for i, run in enumerate(runs):
        first, last = run[0], run[-1]
        if not first.use[1]:
            layers.append(replace(first, inputs=tuple(outer(n, first) for n in first.inputs)))
            continue
        members = {layer.name for layer in run}
        inputs = list(dict.fromkeys(outer(n, layer) for layer in run for n in layer.inputs if n not in members))
        times = first.block_times  # the copies of a repeated use, each one box, follow as a repeated layer's
        layers.append(Part(name=last.name, inputs=tuple(inputs), label=first.use[0].replace("_", " "),
                           title=first.use[0],
                           shape=analysis[last.name].shape, weights=sum(analysis[n].params for n in members),
                           macs=sum(analysis[n].macs for n in members), times=times, stage=first.stage,
                           at=first.used_at, used_at=first.used_at, use=first.use))
        for name in members - {last.name}:  # (counted in the part: each parameter once in a figure's totals)
            del shapes[name]
        shapes[last.name] = Analysis(analysis[last.name].shape, layers[-1].weights, layers[-1].macs,
                                     analysis[last.name].sequence)
    skips = []
    for skip in network.skips:
        source, target = inside.get(skip.source, skip.source), inside.get(skip.target, skip.target)
        if source != target:
            skips.append(replace(skip, source=source, target=target))
    return replace(network, layers=tuple(layers), skips=tuple(skips)), shapes
