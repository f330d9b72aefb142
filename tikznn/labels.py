"""Label placement: each label goes on the first of its candidate spots that overlaps nothing drawn or placed."""
from __future__ import annotations

from .drawing import DEPTH_X, PAD, TEXT, Block, Label, text_box
from .errors import LayoutError
from .geometry import Index, Rect, bounds
from .model import Network
from .shapes import Analysis, describe

class LabelPlacer:
    """Puts each label on the first of its candidate spots that overlaps nothing already there."""

    def __init__(self, network: Network, analysis: dict[str, Analysis], shapes, arrows, main_set):
        self.network = network
        self.analysis = analysis
        self.layers = {layer.name: layer for layer in network.layers}
        self.shapes = shapes
        self.main_set = main_set
        self.obstacles = [s.outline() for s in shapes.values()]
        self.obstacles += [(p, q) for a in arrows for p, q in zip(a.projected(), a.projected()[1:])]
        self.index = Index()
        for obstacle in self.obstacles:
            self.index.add(obstacle)
        self.arrows = arrows
        self.placed: list[Label] = []

    def free(self, rect: Rect) -> bool:
        return not self.index.hits(rect.grown(PAD).polygon())

    def put(self, text, role, spots, layer="", rotate=0) -> None:
        width, height = text_box(text, role)
        if rotate:
            width, height = height, width
        for cx, cy in spots:
            label = Label(text, role, cx, cy, width, height, rotate, layer)
            if self.free(label.rect()):
                self.placed.append(label)
                self.index.add(label.rect().polygon())
                return
        raise LayoutError(f"no free place for the label '{text}' of '{layer}'",
                          span=self.layers[layer].at if layer in self.layers else None,
                          hint="shorten the label or hide it with {nolabel}")

    @staticmethod
    def rows(x, y, step, count=12):
        return [(x, y + i * step) for i in range(count)]

    def place_all(self) -> list[Label]:
        layers, analysis = self.layers, self.analysis
        dims_h = TEXT["dims"][0]
        # dimension labels first: they belong right at their block's edges
        previous_spatial = None
        for name, shape in self.shapes.items():
            layer = layers[name]
            if not isinstance(shape, Block) or not layer.style.show_label:
                previous_spatial = None
                continue
            out = analysis[name].shape
            if layer.kind in ("conv", "deconv", "input", "dense"):
                text = str(out[0])
                x = (shape.corner(0, 0, 0)[0] + shape.corner(1, 0, 0)[0]) / 2
                y = shape.corner(0, 0, 0)[1] - PAD - dims_h / 2
                self.put(text, "dims", self.rows(x, y, -(dims_h + PAD), 4), name)
            spatial = out[1:]
            if spatial and spatial != previous_spatial and layer.kind not in ("pool", "bn", "activation"):
                text = describe(spatial)
                length = text_box(text, "dims")[0]
                x0, y0 = shape.corner(0, 0, 0)
                spots = [(x0 - PAD - dims_h / 2, y0 + length / 2)]
                spots += self.rows(x0 - length / 2, y0 - PAD - dims_h / 2, -(dims_h + PAD), 4)
                self.put(text, "dims", spots[:1], name, rotate=90) if self.free(
                    Rect.around(*spots[0], dims_h, length)) else self.put(text, "dims", spots[1:], name)
            previous_spatial = spatial if layer.kind not in ("pool", "bn", "activation") else previous_spatial
        caption_h = TEXT["caption"][0]
        # captions of the main path share one row under everything drawn so far; branch captions go above
        main_bottom = min([s.bottom for n, s in self.shapes.items() if n in self.main_set] +
                          [l.rect().y0 for l in self.placed if l.layer in self.main_set])
        row = main_bottom - PAD - caption_h / 2
        for name, shape in self.shapes.items():
            layer = layers[name]
            if not layer.label or not layer.style.show_label:
                continue
            x = shape.centre_x - DEPTH_X * shape.depth / 2  # under the front face
            up = self.rows(x, shape.top + PAD + caption_h / 2, caption_h / 2 + PAD, 8)
            if name in self.main_set:
                spots = self.rows(x, row, -(caption_h + PAD), 8)
            else:
                spots = up + self.rows(x, shape.bottom - PAD - caption_h / 2, -(caption_h / 2 + PAD), 8)
            self.put(layer.label, "caption", spots, name)
        for arrow in self.arrows:
            skip = next((s for s in self.network.skips if (s.source, s.target) == (arrow.source, arrow.target)
                         and s.label), None) if arrow.role == "skip" else None
            if skip:
                (x0, y0), (x1, _) = arrow.projected()[1], arrow.projected()[2]
                self.put(skip.label, "note", self.rows((x0 + x1) / 2, y0 + PAD + TEXT["note"][0] / 2, 0.15, 6))
        if self.network.caption:
            box = bounds([p for o in self.obstacles for p in o] + [p for l in self.placed for p in l.rect().polygon()])
            self.put(self.network.caption, "note",
                     self.rows((box.x0 + box.x1) / 2, box.y0 - 0.3, -0.2, 4))
        return self.placed
