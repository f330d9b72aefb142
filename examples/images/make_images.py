"""The pictures the examples show, drawn here (tikznn's own, MIT like the rest): a synthetic street scene and its
segmentation, a synthetic microscopy tile and its mask, a handwritten-style digit. Run it to make them again:

    python examples/images/make_images.py
"""
import math
import random
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

HERE = Path(__file__).resolve().parent
SKY, ROAD, CAR, TREE, PERSON = (135, 180, 225), (90, 90, 95), (200, 40, 40), (40, 120, 50), (240, 200, 60)


def scene() -> None:
    """A street: sky, road, a car, a tree and a person; and the segmentation map an FCN would score."""
    photo, labels = Image.new("RGB", (256, 256)), Image.new("RGB", (256, 256))
    draw, mask = ImageDraw.Draw(photo), ImageDraw.Draw(labels)
    for y in range(256):  # a sky that lightens to the horizon, a road that darkens to the front
        shade = (150 + y // 3, 190 + y // 6, 235) if y < 150 else (120 - (y - 150) // 3,) * 3
        draw.line([(0, y), (255, y)], fill=shade)
    mask.rectangle([0, 0, 255, 149], fill=SKY)
    mask.rectangle([0, 150, 255, 255], fill=ROAD)
    for box, colour, label in (([150, 60, 200, 170], (70, 110, 40), TREE), ([60, 150, 170, 205], (210, 50, 45), CAR),
                               ([205, 120, 225, 200], (250, 210, 80), PERSON)):
        (draw.ellipse if label is TREE else draw.rectangle)(box, fill=colour)
        (mask.ellipse if label is TREE else mask.rectangle)(box, fill=label)
    draw.rectangle([170, 150, 180, 175], fill=(100, 70, 40))  # the tree's trunk
    for x in (75, 150):  # wheels
        draw.ellipse([x, 195, x + 22, 217], fill=(30, 30, 30))
    photo.filter(ImageFilter.GaussianBlur(0.8)).save(HERE / "street.png")
    labels.save(HERE / "street_labels.png")


def tile() -> None:
    """Cells under a microscope, and the mask a U-Net draws of them."""
    rng = random.Random(7)
    photo, mask = Image.new("L", (192, 192), 70), Image.new("L", (192, 192), 0)
    draw, cut = ImageDraw.Draw(photo), ImageDraw.Draw(mask)
    for _ in range(14):
        x, y, r = rng.randint(15, 177), rng.randint(15, 177), rng.randint(9, 18)
        draw.ellipse([x - r, y - r, x + r, y + r], fill=rng.randint(150, 210), outline=40, width=2)
        cut.ellipse([x - r + 2, y - r + 2, x + r - 2, y + r - 2], fill=255)
    noise = Image.effect_noise((192, 192), 18).convert("L")
    Image.blend(photo, noise, 0.2).filter(ImageFilter.GaussianBlur(0.6)).save(HERE / "cells.png")
    mask.save(HERE / "cells_mask.png")


def digit() -> None:
    """A 7, as a pen writes it, on 32×32 like MNIST's padded digits."""
    image = Image.new("L", (128, 128), 0)
    draw = ImageDraw.Draw(image)
    draw.line([(30, 34), (96, 30), (58, 104)], fill=255, width=13, joint="curve")
    draw.line([(46, 68), (82, 66)], fill=255, width=9)
    image.filter(ImageFilter.GaussianBlur(2.5)).resize((32, 32), Image.LANCZOS).save(HERE / "digit.png")


if __name__ == "__main__":
    scene()
    tile()
    digit()
    print("wrote", ", ".join(sorted(p.name for p in HERE.glob("*.png"))))
