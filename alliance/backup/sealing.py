"""Passphrase-encrypted archives: scrypt for the key, AES-256-GCM in chunks, streamed to disk.

Layout: MAGIC, a 4-byte length, a clear JSON header (scrypt salt and costs, chunk size), then
records of a 4-byte length and one sealed chunk each. The key is new for every archive (a random
salt), so chunk nonces can count: nonce = chunk number (11 bytes) + a last-chunk flag (1 byte),
the STREAM construction, which makes a reordered, cut or extended archive fail to open. The
header is authenticated as associated data of every chunk. Writing streams (no clear byte ever
reaches the disk); reading authenticates every chunk into memory first, so a restore starts
only from a whole, intact archive.
"""

import base64
import io
import json
import os
import struct
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

MAGIC = b"ALLIANCE-SEALED-BACKUP\n"
CIPHER = "AES-256-GCM"
KDF = "scrypt"
CHUNK_SIZE = 1 << 20
TAG_SIZE = 16
# Costs of a new archive: scrypt with N=2**17, r=8, p=1 (128 MiB, about half a second here),
# the OWASP password-storage minimum. Reading accepts what the header says within these caps.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 1 << 17, 8, 1
MAX_N, MAX_R, MAX_P, MAX_CHUNK = 1 << 20, 16, 4, 1 << 24
MAX_HEADER = 4096
MIN_PASSPHRASE = 12


class SealingError(ValueError):
    """The archive cannot be opened; the message says why."""


class WrongPassphrase(SealingError):
    """The first chunk does not open under this passphrase."""


def is_sealed(head: bytes) -> bool:
    """Tell whether a file starting with `head` is a sealed archive."""
    return head.startswith(MAGIC)


def _key(passphrase: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(passphrase.encode("utf-8"))


def _nonce(index: int, last: bool) -> bytes:
    return index.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


class SealedWriter(io.RawIOBase):
    """A write-only stream that seals what it is given into `out`, chunk by chunk."""

    def __init__(self, out: BinaryIO, passphrase: str, *, n: int = SCRYPT_N) -> None:
        super().__init__()
        salt = os.urandom(16)
        header = json.dumps(
            {
                "cipher": CIPHER,
                "kdf": KDF,
                "salt": base64.b64encode(salt).decode("ascii"),
                "n": n,
                "r": SCRYPT_R,
                "p": SCRYPT_P,
                "chunk_size": CHUNK_SIZE,
            },
            sort_keys=True,
        ).encode("ascii")
        self._out = out
        self._aad = MAGIC + header
        self._aead = AESGCM(_key(passphrase, salt, n, SCRYPT_R, SCRYPT_P))
        self._buffer = bytearray()
        self._index = 0
        out.write(MAGIC + struct.pack(">I", len(header)) + header)

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self._buffer += data
        # Keep at least one byte back, so the last chunk is the one `close` writes.
        while len(self._buffer) > CHUNK_SIZE:
            self._seal(bytes(self._buffer[:CHUNK_SIZE]), last=False)
            del self._buffer[:CHUNK_SIZE]
        return len(data)

    def _seal(self, chunk: bytes, *, last: bool) -> None:
        sealed = self._aead.encrypt(_nonce(self._index, last), chunk, self._aad)
        self._out.write(struct.pack(">I", len(sealed)) + sealed)
        self._index += 1

    def close(self) -> None:
        if not self.closed:
            self._seal(bytes(self._buffer), last=True)
            self._buffer.clear()
        super().close()


def _read_exact(source: BinaryIO, size: int) -> bytes:
    data = source.read(size)
    if len(data) != size:
        raise SealingError("the archive is cut short")
    return data


def _header(source: BinaryIO) -> tuple[bytes, dict]:
    if _read_exact(source, len(MAGIC)) != MAGIC:
        raise SealingError("not a sealed archive")
    (length,) = struct.unpack(">I", _read_exact(source, 4))
    if length > MAX_HEADER:
        raise SealingError("the archive header is damaged")
    raw = _read_exact(source, length)
    try:
        header = json.loads(raw)
        salt = base64.b64decode(header["salt"], validate=True)
        n, r, p, chunk = (int(header[k]) for k in ("n", "r", "p", "chunk_size"))
    except (ValueError, KeyError, TypeError) as exc:
        raise SealingError("the archive header is damaged") from exc
    if header.get("cipher") != CIPHER or header.get("kdf") != KDF:
        raise SealingError("the archive is sealed with a method this code does not know")
    if not (1 < n <= MAX_N and n & (n - 1) == 0 and 0 < r <= MAX_R and 0 < p <= MAX_P):
        raise SealingError("the archive header asks for key costs out of range")
    if not 0 < chunk <= MAX_CHUNK or len(salt) < 16:
        raise SealingError("the archive header is damaged")
    header.update(salt=salt, n=n, r=r, p=p, chunk_size=chunk)
    return MAGIC + raw, header


def unseal(source: BinaryIO, passphrase: str) -> bytes:
    """Return the clear content of a sealed archive; raise SealingError if it can't be opened."""
    aad, header = _header(source)
    aead = AESGCM(_key(passphrase, header["salt"], header["n"], header["r"], header["p"]))
    out = bytearray()
    index = 0
    prefix = source.read(4)
    while True:
        if len(prefix) != 4:
            raise SealingError("the archive is cut short")
        (length,) = struct.unpack(">I", prefix)
        if not TAG_SIZE <= length <= header["chunk_size"] + TAG_SIZE:
            raise SealingError("the archive is damaged")
        sealed = _read_exact(source, length)
        prefix = source.read(4)
        last = not prefix
        try:
            out += aead.decrypt(_nonce(index, last), sealed, aad)
        except InvalidTag as exc:
            if index == 0:
                raise WrongPassphrase(
                    "wrong passphrase (or the archive is damaged); nothing was restored"
                ) from exc
            raise SealingError("the archive is damaged or was altered") from exc
        if last:
            return bytes(out)
        index += 1
