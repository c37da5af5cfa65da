"""Image upload processing."""

import io

import pytest
from PIL import Image

from alliance.uploads import ImageRejected, process_image


def _image_bytes(fmt="PNG", size=(64, 48), mode="RGB", **save):
    out = io.BytesIO()
    Image.new(mode, size, color=(10, 120, 200) if mode == "RGB" else None).save(
        out, format=fmt, **save
    )
    return out.getvalue()


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
def test_accepts_allowed_formats(app, fmt):
    with app.test_request_context():
        result = process_image(io.BytesIO(_image_bytes(fmt)))
    assert result.mime_type in {"image/png", "image/jpeg"}
    assert (result.width, result.height) == (64, 48)
    assert len(result.sha256) == 64


def test_resizes_to_fit(app):
    with app.test_request_context():
        result = process_image(io.BytesIO(_image_bytes(size=(2000, 1000))), fit=(200, 200))
    assert (result.width, result.height) == (200, 100)


def test_keeps_transparency_as_png(app):
    with app.test_request_context():
        result = process_image(io.BytesIO(_image_bytes(mode="RGBA")))
    assert result.mime_type == "image/png"


def test_strips_metadata(app):
    exif = Image.Exif()
    exif[0x010E] = "secret GPS note"
    data = _image_bytes("JPEG", exif=exif.tobytes())
    with app.test_request_context():
        result = process_image(io.BytesIO(data))
    assert b"secret GPS note" not in result.content
    assert not Image.open(io.BytesIO(result.content)).getexif()


@pytest.mark.parametrize(
    "data",
    [
        b"this is plain text pretending to be a png",
        b"GIF89a" + b"\x00" * 100,
        _image_bytes("GIF"),
        _image_bytes("BMP"),
        _image_bytes("PNG")[:40],  # truncated
        b"",
    ],
)
def test_refuses_non_images_and_other_formats(app, data):
    with app.test_request_context(), pytest.raises(ImageRejected):
        process_image(io.BytesIO(data))


def test_refuses_oversize_file(app):
    with app.test_request_context(), pytest.raises(ImageRejected, match="MB"):
        process_image(io.BytesIO(b"\x89PNG" + b"\x00" * (2 * 1024 * 1024)))


def test_refuses_decompression_bomb(app):
    # A 10000×10000 PNG compresses to a few kB but would decode to 100 million pixels (a
    # bilevel one: Pillow writes it ten times faster than an RGB one, the pixels are the same).
    bomb = _image_bytes("PNG", size=(10000, 10000), mode="1")
    assert len(bomb) < 2 * 1024 * 1024
    with app.test_request_context(), pytest.raises(ImageRejected):
        process_image(io.BytesIO(bomb))


def test_refuses_too_many_pixels_even_within_limits_of_one_side(app):
    with app.test_request_context(), pytest.raises(ImageRejected):
        process_image(io.BytesIO(_image_bytes("PNG", size=(4001, 10))))
