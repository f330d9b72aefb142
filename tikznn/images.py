"""Pictures on blocks (a layer's `{image="cat.jpg"}`): read from the .nn file's folder, checked, decoded and
written again as PNG, for pdflatex's build folder or beside a .tex or fragment. The parser checks how a path is
written (relative, no '..', .png/.jpg/.jpeg); here the file itself: a regular file inside that folder (a link out
of it is refused), at most MAX_BYTES, a PNG or JPEG Pillow reads whole, at most MAX_SIDE pixels a side. Nothing of
the file reaches TeX but the pixels: TeX reads the PNG written here, by a name made here.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from .errors import OutputError
from .latex import read_source
from .model import Network

MAX_BYTES = 30_000_000
MAX_SIDE = 8192  # pixels: a 300 dpi page is 2,550 wide


@dataclass(frozen=True)
class Picture:
    name: str     # as the .nn file writes it
    file: str     # what TeX reads: image1.png in the build folder, NET-image1.png beside a .tex
    width: int    # pixels
    height: int
    png: bytes


def pictures(network: Network, path: str | Path, prefix: str = "") -> tuple[Picture, ...]:
    """The pictures a network's layers show, in order, each once, read relative to the file whose line names it;
    their files named `prefix`image1.png, ... OutputError (located at the layer) for a file that cannot be one."""
    found: dict[str, tuple[Path, Picture]] = {}
    for layer in network.layers:
        name = layer.style.image
        if not name:
            continue
        span = layer.used_at or layer.at
        origin = layer.at.origin[0] if layer.at is not None and layer.at.origin else None
        folder = Path(origin or path).parent
        target = folder / name
        if name in found:
            if found[name][0] != target.resolve():
                raise OutputError(f"two images are named '{name}' (beside two files)", span=span,
                                  hint="give the images different names")
            continue
        try:
            png, width, height = _read(target, folder)
        except OutputError as err:
            raise OutputError(f"image '{name}': {err.message}", span=span, hint=err.hint) from None
        found[name] = (target.resolve(), Picture(name, f"{prefix}image{len(found) + 1}.png", width, height, png))
    return tuple(picture for _, picture in found.values())


def _read(target: Path, folder: Path) -> tuple[bytes, int, int]:
    """A picture file's pixels as PNG bytes, and its size."""
    try:
        inside = target.resolve().is_relative_to(folder.resolve())
    except OSError:
        inside = False
    if not inside:
        raise OutputError("it lies outside the .nn file's folder (through a link)",
                          hint="copy the image into the folder")
    if not target.exists():
        raise OutputError("there is no such file", hint=f"the path is relative to {folder}")
    with opened(target) as image:
        if image.mode not in ("L", "RGB", "RGBA"):
            image = image.convert("RGBA" if "A" in image.mode or "transparency" in image.info else "RGB")
        return png_of(image), image.size[0], image.size[1]


def opened(path: str | Path):
    """A picture file as Pillow has it, checked and read whole: a regular file of at most MAX_BYTES, a PNG or
    JPEG of at most MAX_SIDE pixels a side, turned as the camera held it. OutputError otherwise."""
    from PIL import Image, ImageOps

    try:
        data = read_source(path, MAX_BYTES)
    except Exception as err:  # noqa: BLE001 (read_source speaks of .nn files: say it of an image)
        raise OutputError(getattr(err, "message", str(err)).replace(".nn file", "picture"),
                          hint=f"a PNG or JPEG under {MAX_BYTES // 1_000_000} MB") from None
    try:
        image = Image.open(io.BytesIO(data))
        if image.format not in ("PNG", "JPEG"):
            raise OutputError(f"it is {image.format or 'not an image'}, not a PNG or JPEG", hint="convert it to PNG")
        if max(image.size) > MAX_SIDE:
            raise OutputError(f"it is {image.size[0]:,} × {image.size[1]:,} pixels, over {MAX_SIDE:,} a side",
                              hint="scale it down (a figure needs a few hundred pixels a side)")
        image.load()
        return ImageOps.exif_transpose(image)  # (a photo as the camera held it)
    except OutputError:
        raise
    except (OSError, ValueError, Image.DecompressionBombError, SyntaxError) as err:
        raise OutputError(f"it cannot be read as a picture ({err})", hint="is it a PNG or JPEG file?") from None


def png_of(image) -> bytes:
    """A Pillow image as PNG bytes: all of a picture that reaches TeX."""
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()
