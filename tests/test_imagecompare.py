"""The comparator itself: it must pass what is equal and catch what moved."""
from PIL import Image, ImageDraw

from imagecompare import compare, diff_image


def canvas(offset=0, grey=255, size=(1200, 900)):
    image = Image.new("RGB", size, (grey, grey, grey))
    ImageDraw.Draw(image).rectangle((100 + offset, 100, 140 + offset, 160), fill=(200, 80, 40), outline="black")
    return image


def test_identical_images_pass():
    result = compare(canvas(), canvas())
    assert result.ok and result.rms == 0 and result.worst_tile_rms == 0 and result.pixels_off == 0


def test_one_grey_level_is_rms_one():
    a, b = Image.new("RGB", (64, 64), (100, 100, 100)), Image.new("RGB", (64, 64), (101, 101, 101))
    result = compare(a, b)
    assert abs(result.rms - 1.0) < 1e-9 and abs(result.worst_tile_rms - 1.0) < 1e-9 and result.ok


def test_a_block_moved_two_pixels_fails_although_whole_rms_is_small():
    result = compare(canvas(offset=2), canvas())
    assert result.rms < 5  # small over the whole image, yet one tile shows the move
    assert not result.ok and result.worst_tile_rms > 15 and result.pixels_off > 10


def test_size_change_fails():
    result = compare(canvas(size=(1200, 901)), canvas())
    assert not result.same_size and not result.ok and "sizes differ" in str(result)


def test_diff_image_marks_changes_in_red():
    out = diff_image(canvas(offset=2), canvas())
    assert out.getpixel((101, 130)) == (220, 0, 0)
    assert out.getpixel((10, 10)) != (220, 0, 0)
