"""Secrets at rest: sealed under DATA_KEY, unreadable under another key, required in production."""

import pytest

from alliance import crypto
from alliance.config import ConfigurationError


def test_seal_round_trip_and_ciphertext_hides_the_text(make_app):
    app = make_app(DATA_KEY="k" * 40)
    with app.app_context():
        sealed = crypto.seal("JBSWY3DPEHPK3PXP")
        assert "JBSWY3DPEHPK3PXP" not in sealed
        assert sealed != crypto.seal("JBSWY3DPEHPK3PXP")  # a fresh IV each time
        assert crypto.unseal(sealed) == "JBSWY3DPEHPK3PXP"


def test_another_key_cannot_open_it(make_app):
    with make_app(DATA_KEY="a" * 40).app_context():
        sealed = crypto.seal("secret")
    with make_app(DATA_KEY="b" * 40).app_context(), pytest.raises(crypto.DecryptionError):
        crypto.unseal(sealed)


def test_production_without_data_key_refuses(make_app):
    app = make_app(TESTING=False, DATA_KEY=None)
    with app.app_context(), pytest.raises(ConfigurationError, match="DATA_KEY"):
        crypto.seal("secret")
