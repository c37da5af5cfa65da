import io

import pytest
from PIL import Image


@pytest.fixture
def png_bytes():
    """A small valid PNG."""
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def in_app(app):
    """Run a service test inside a request context (mail templates build absolute links)."""
    with app.test_request_context():
        yield app
