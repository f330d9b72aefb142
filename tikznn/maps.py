"""Real feature maps (`tikznn build net.nn --maps MODEL --image IMG`): the model run once on the image, on the CPU
without gradients, and each layer's output drawn on its block.

The rule, as docs/language.md gives it: the image is read as the network's input (its channels: grey for 1, RGB
for 3), resized to the input's height and width, its pixels scaled to 0..1 and nothing more (a model that expects
normalised input sees it unnormalised). A layer is matched to the module of the model with the same name (as
`tikznn import` keeps them); a matched layer with a C×H×W output shows its channels with the largest mean
activation, up to SHOWN, largest first, each scaled from its least value (black) to its most (white) and drawn as
a grey image of H×W pixels: the blocks style shows the first on the face across the flow, the flat style one on
each of its front maps. The input's block shows the image as the model saw it. Layers without a match are drawn as
usual and named in a warning.
"""
from __future__ import annotations

from pathlib import Path

from . import kinds
from .errors import ModelImportError, OutputError
from .images import Picture, opened, png_of
from .model import Network

SHOWN = 4


def feature_maps(network: Network, model_spec: str, image: str | Path, weights: str | Path | None = None
                 ) -> tuple[dict[str, list[Picture]], list[str]]:
    """Each matched layer's maps (pictures named 'map:LAYER', 'map:LAYER#1', ...), and the names of the layers
    without a match."""
    from .torch_reader import _torch, load

    torch = _torch()
    inputs = [layer for layer in network.layers if kinds.of(layer).is_input]
    if not inputs or len(inputs[0].shape) != 3:
        raise ModelImportError("--maps draws the maps of a network whose input is an image (C×H×W)")
    channels, height, width = inputs[0].shape
    if channels not in (1, 3):
        raise ModelImportError(f"--image gives a grey or RGB picture; this network's input has {channels} channels")
    pixels = _image(image, channels, width, height)
    model = load(model_spec, meta=False)
    if weights is not None:
        try:
            state = torch.load(str(weights), map_location="cpu", weights_only=True)
            model.load_state_dict(state.get("state_dict", state) if isinstance(state, dict) else state)
        except Exception as err:  # noqa: BLE001 (a checkpoint of another model, not a checkpoint)
            raise ModelImportError(f"cannot load the weights {weights}: {type(err).__name__}: {err}",
                                   hint="a state_dict saved with torch.save(model.state_dict(), ...)") from None
    model.eval()
    names = {layer.name for layer in network.layers}
    outputs: dict[str, object] = {}
    hooks = [module.register_forward_hook(lambda _m, _i, out, name=name: outputs.__setitem__(name, out))
             for name, module in model.named_modules() if name in names]
    x = torch.tensor(list(pixels.getdata()), dtype=torch.float32).reshape(height, width, -1)
    x = (x.permute(2, 0, 1) / 255.0).unsqueeze(0)
    try:
        with torch.no_grad():
            model(x)
    except Exception as err:  # noqa: BLE001
        raise ModelImportError(f"the model failed on the image: {type(err).__name__}: {err}") from None
    finally:
        for hook in hooks:
            hook.remove()
    found = {inputs[0].name: [_picture(f"map:{inputs[0].name}", "map-input.png", pixels)]}
    unmatched = []
    for layer in network.layers[1:]:
        out = outputs.get(layer.name)
        if out is None:
            unmatched.append(layer.name)
        if out is None or not hasattr(out, "dim") or out.dim() != 4:  # (a vector is drawn as usual)
            continue
        maps = out[0].float()
        order = sorted(range(maps.shape[0]), key=lambda c: (-float(maps[c].mean()), c))[:SHOWN]
        found[layer.name] = [_picture(f"map:{layer.name}" + (f"#{rank}" if rank else ""),
                                      f"map-{len(found)}-{rank}.png", grey(maps[c]))
                             for rank, c in enumerate(order)]
    return found, unmatched


def grey(values):
    """A map as a grey image: its least value black, its most white (all grey when it is flat)."""
    from PIL import Image

    low, high = float(values.min()), float(values.max())
    span = high - low
    scaled = ((values - low) / span * 255).round() if span > 0 else values * 0 + 128
    height, width = values.shape
    return Image.frombytes("L", (width, height), bytes(int(v) for v in scaled.flatten().tolist()))


def _image(path: str | Path, channels: int, width: int, height: int):
    """The image given on the command line, as the network's input sees it."""
    from PIL import Image

    try:
        with opened(path) as picture:
            return picture.convert("L" if channels == 1 else "RGB").resize((width, height), Image.BILINEAR)
    except OutputError as err:
        raise OutputError(f"{path}: {err.message}", hint=err.hint) from None


def _picture(name: str, file: str, image) -> Picture:
    return Picture(name, file, image.size[0], image.size[1], png_of(image))


CAPTION = "maps: each channel from its least (black) to its most (white) activation"


def shown_on(network: Network, found: dict[str, list[Picture]]) -> Network:
    """The network with each mapped layer's first map as its image, and a caption line saying how to read them."""
    from dataclasses import replace

    layers = tuple(replace(layer, style=replace(layer.style, image=found[layer.name][0].name))
                   if layer.name in found else layer for layer in network.layers)
    caption = f"{network.caption}\n{CAPTION}" if network.caption else CAPTION
    return replace(network, layers=layers, caption=caption)
