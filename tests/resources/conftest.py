import pytest

from tests import factories


@pytest.fixture
def png_bytes():
    """A small valid PNG."""
    return factories.png_bytes((40, 30), (200, 30, 30))
