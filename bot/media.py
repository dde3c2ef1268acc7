"""Photos citizens send, stored once under their SHA-256 in ``MEDIA_DIR``."""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import io
import os
import re
import tempfile
import time
import warnings
from pathlib import Path

from aiohttp import web

MAX_BYTES = 20 * 1024 * 1024  # the Bot API's own download limit


MAX_PIXELS = 40_000_000  # a phone photo is 12-50 MP; Telegram refuses photos past 10,000 px a side
MAX_SIDE = 10_000
# What a phone or a chat app sends as a photo, by its first bytes.
_MAGIC = ((b"\xff\xd8", "jpeg"), (b"\x89PNG\r\n\x1a\n", "png"), (b"GIF87a", "gif"),
          (b"GIF89a", "gif"))

_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def acceptable_image(data: bytes) -> bool:
    """Whether ``data`` is a photo we may store and later show an officer: a JPEG, PNG, GIF or
    WebP (by its first bytes), and, where its header can be read, no bigger than a photo
    (a "dimension bomb" of a few KB that claims 100,000 × 100,000 pixels is refused before
    anything decodes it). Only the header is read, never the pixels."""
    if not (any(data.startswith(magic) for magic, _ in _MAGIC)
            or (data[:4] == b"RIFF" and data[8:12] == b"WEBP")):
        return False
    try:
        from PIL import Image
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
    except (ImportError, Image.DecompressionBombWarning, Image.DecompressionBombError):
        return False
    except Exception:  # a header Pillow cannot read: let the bytes through as they came
        return True
    return width * height <= MAX_PIXELS and max(width, height) <= MAX_SIDE
LINK_LIFETIME = 14 * 24 * 3600  # a link in a chat message works for two weeks


class MediaStore:
    """Files under their hash; with ``url_key``, also links that only we can make: LINE
    shows an image only from an HTTPS URL, so the file is served at ``/media/<sha>``
    to whoever holds a link signed with that key, and to nobody else."""

    def __init__(self, root: Path, url_key: bytes | None = None) -> None:
        self.root = root
        self._url_key = url_key

    def signed_path(self, sha256: str, now: float | None = None) -> str:
        """``/media/<sha>?e=<expiry>&s=<signature>``, for a public base URL to prefix."""
        assert self._url_key is not None, "links need a key"
        expires = int((now or time.time()) + LINK_LIFETIME)
        return f"/media/{sha256}?e={expires}&s={self._signature(sha256, expires)}"

    def _signature(self, sha256: str, expires: int) -> str:
        assert self._url_key is not None
        return hmac.new(self._url_key, f"{sha256}:{expires}".encode(),
                        hashlib.sha256).hexdigest()[:32]

    async def serve(self, request: web.Request) -> web.StreamResponse:
        """``GET /media/{sha}``: 404 for anything but a live, correctly signed link."""
        sha256 = request.match_info["sha"]
        try:
            expires = int(request.query.get("e", ""))
        except ValueError:
            raise web.HTTPNotFound() from None
        given = request.query.get("s", "")
        if (self._url_key is None or not _SHA256.match(sha256) or expires < time.time()
                or not hmac.compare_digest(given, self._signature(sha256, expires))):
            raise web.HTTPNotFound()
        path = self.path(sha256)
        if not path.is_file():
            raise web.HTTPNotFound()
        return web.FileResponse(path, headers={"Content-Type": "image/jpeg",
                                               "Cache-Control": "private, max-age=86400"})

    def path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    async def save(self, data: bytes) -> str:
        """Write ``data`` (atomically, once) and return its SHA-256."""
        if len(data) > MAX_BYTES:
            raise ValueError(f"file of {len(data)} bytes is over the {MAX_BYTES} limit")
        digest = hashlib.sha256(data).hexdigest()
        await asyncio.to_thread(self._write, digest, data)
        return digest

    def _write(self, digest: str, data: bytes) -> None:
        target = self.path(digest)
        if target.exists():
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
