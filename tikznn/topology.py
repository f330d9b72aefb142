"""What a figure draws of a network's graph: the copies a collapsed figure hides, what each drawn layer is fed
by, and how a skip statement is named."""
from __future__ import annotations

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
