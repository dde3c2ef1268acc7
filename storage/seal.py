"""Sealing: what must be kept, but must not be readable by whoever reads the database.

An anonymous reporter's address (when they asked for notices) and the messages waiting to
reach them are stored encrypted with AES-GCM under a key that lives in a file of its own
(``SEAL_KEY_FILE``), never in the database. Each seal has a fresh random nonce, so the same
address sealed twice gives two unrelated blobs: nothing in the file can be matched against
a suspect's chat id, not even by equality.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_CONTEXT = b"rongrian seal v1"
_NONCE = 12


class SealError(ValueError):
    """A sealed blob was damaged, or sealed under another key."""


class Sealer:
    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise ValueError("a seal key is 32 bytes")
        self._aead = AESGCM(key)
        self._tag_key = hmac.new(key, b"rongrian tag v1", hashlib.sha256).digest()

    def tag(self, value: str) -> str:
        """A keyed digest of ``value``: equal for equal values, meaningless without the key
        (an update id stored this way cannot be put in sequence with the others)."""
        return hmac.new(self._tag_key, value.encode(), hashlib.sha256).hexdigest()[:32]

    def seal(self, value: dict[str, Any]) -> bytes:
        nonce = os.urandom(_NONCE)
        plain = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
        return nonce + self._aead.encrypt(nonce, plain, _CONTEXT)

    def open(self, blob: bytes) -> dict[str, Any]:
        try:
            plain = self._aead.decrypt(blob[:_NONCE], blob[_NONCE:], _CONTEXT)
        except (InvalidTag, ValueError) as exc:
            raise SealError("sealed data cannot be opened with this key") from exc
        value = json.loads(plain)
        assert isinstance(value, dict)
        return value


def load_key(path: Path) -> bytes:
    """The key in ``path`` (base64), created there (mode 0600) on first use."""
    try:
        text = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        key = AESGCM.generate_key(bit_length=256)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(base64.urlsafe_b64encode(key).decode() + "\n")
        return key
    try:
        key = base64.urlsafe_b64decode(text)
    except ValueError as exc:
        raise SealError(f"seal key file {path} is not base64") from exc
    if len(key) != 32:
        raise SealError(f"seal key file {path} does not hold a 32-byte key")
    return key
