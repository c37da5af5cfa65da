"""Uploaded images: checked by content, bounded before decoding, re-encoded without metadata."""

import hashlib
import io
import warnings
from dataclasses import dataclass

from flask import Response, request
from flask_babel import lazy_gettext as _l
from PIL import Image, UnidentifiedImageError

from alliance.database import ServiceError

ALLOWED_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}
MAX_BYTES = 2 * 1024 * 1024
MAX_SIDE = 4000
# Pillow refuses anything larger than this many pixels outright (decompression bombs).
Image.MAX_IMAGE_PIXELS = MAX_SIDE * MAX_SIDE


class ImageRejected(ServiceError):
    """The upload is not an acceptable image; `message` says why, in the reader's language."""

    status = 400


@dataclass(frozen=True)
class ProcessedImage:
    content: bytes
    mime_type: str
    width: int
    height: int
    sha256: str


def process_image(stream, *, max_bytes=MAX_BYTES, fit=(512, 512)) -> ProcessedImage:
    """Check an uploaded image by its content and return it re-encoded and resized.

    Accepts PNG, JPEG and WebP whatever the file is called; refuses more than `max_bytes`, more
    than 4000×4000 pixels (read from the header, before decoding) and anything Pillow cannot
    decode. The result is resized to fit inside `fit`, with EXIF and other metadata dropped:
    PNG when the image has transparency, JPEG otherwise.
    """
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ImageRejected(
            _l("The image is larger than %(mb)d MB.", mb=max_bytes // (1024 * 1024))
        )
    if not data:
        raise ImageRejected(_l("The file is empty."))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format not in ALLOWED_FORMATS:
                raise ImageRejected(_l("Only PNG, JPEG or WebP images are accepted."))
            width, height = image.size
            if width > MAX_SIDE or height > MAX_SIDE:
                raise ImageRejected(_l("The image is larger than %(n)d×%(n)d pixels.", n=MAX_SIDE))
            image.load()
    except ImageRejected:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageRejected(_l("Only PNG, JPEG or WebP images are accepted.")) from None
    except (OSError, SyntaxError, ValueError):
        raise ImageRejected(_l("The image is damaged and cannot be read.")) from None
    return _reencode(image, fit)


def _reencode(image: Image.Image, fit) -> ProcessedImage:
    has_alpha = image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info)
    image = image.convert("RGBA" if has_alpha else "RGB")
    image.thumbnail(fit)
    out = io.BytesIO()
    if has_alpha:
        image.save(out, format="PNG", optimize=True)
        mime = "image/png"
    else:
        image.save(out, format="JPEG", quality=85, optimize=True)
        mime = "image/jpeg"
    content = out.getvalue()
    return ProcessedImage(
        content=content,
        mime_type=mime,
        width=image.width,
        height=image.height,
        sha256=hashlib.sha256(content).hexdigest(),
    )


def image_response(content: bytes, mime_type: str, sha256: str, max_age: int = 86400) -> Response:
    """Serve stored image bytes with an ETag and caching headers (304 when unchanged)."""
    response = Response(content, mimetype=mime_type)
    response.set_etag(sha256)
    response.headers["Cache-Control"] = f"public, max-age={max_age}"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response.make_conditional(request)
