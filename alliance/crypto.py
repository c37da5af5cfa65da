"""Secrets at rest, encrypted under DATA_KEY (kept apart from SECRET_KEY and the database).

What a thief with a copy of the database gets from a value sealed here is ciphertext: TOTP
secrets, mail links waiting to be delivered. Fernet (AES-128-CBC + HMAC-SHA256, from the
`cryptography` package) does the work; the Fernet key is derived from DATA_KEY with HKDF.
"""

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

from alliance.config import ConfigurationError

DEV_DATA_KEY = "dev-only-insecure-data-key"  # noqa: S105 - only with debug or testing on


class DecryptionError(Exception):
    """The value was not sealed under this DATA_KEY, or was altered."""


def _key_material() -> str:
    key = current_app.config.get("DATA_KEY")
    if key:
        return key
    if current_app.debug or current_app.testing:
        return DEV_DATA_KEY
    raise ConfigurationError(
        "DATA_KEY is not set. Set it to a long random value, kept apart from SECRET_KEY and "
        'from database backups, e.g. python -c "import secrets; print(secrets.token_hex(32))".'
    )


def _fernet() -> Fernet:
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"alliance data key v1"
    ).derive(_key_material().encode())
    return Fernet(base64.urlsafe_b64encode(derived))


def seal(text: str) -> str:
    """Return `text` encrypted and authenticated under DATA_KEY (ASCII, safe to store)."""
    return _fernet().encrypt(text.encode()).decode("ascii")


def unseal(token: str) -> str:
    """Return the text sealed in `token`; raise DecryptionError if it can't be opened."""
    try:
        return _fernet().decrypt(token.encode("ascii")).decode()
    except (InvalidToken, ValueError) as error:
        raise DecryptionError("cannot open a value sealed under another DATA_KEY") from error
