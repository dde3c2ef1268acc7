"""Photos citizens send, cleaned of metadata and stored once under their SHA-256 in
``MEDIA_DIR``.

Every image is decoded and re-encoded from its pixels alone before it is kept: EXIF (GPS
position, camera make and serial, dates), XMP, IPTC, comments and embedded thumbnails are
left behind. A phone's photo sent "as a file" on Telegram keeps all of them otherwise, and
a whistleblower's evidence must not carry the place and the phone it was taken with.
"""
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
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 20 * 1024 * 1024  # the Bot API's own download limit
MAX_PIXELS = 50_000_000  # beyond this a "photo" is a decompression bomb, not evidence
MAX_SIDES = 10_000  # Telegram takes a photo whose width and height add up to this at most
JPEG_QUALITY = 90


class NotAnImage(ValueError):
    """The bytes are not an image we can read (or one too large to decode safely)."""


def clean_image(data: bytes) -> tuple[bytes, str]:
    """The image in ``data`` re-encoded from its pixels alone, and its MIME type: PNG stays
    PNG (a chart, a screenshot), anything else becomes JPEG. Orientation is applied first,
    so dropping the EXIF tag does not turn the picture on its side."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if image.width * image.height > MAX_PIXELS:
                    raise NotAnImage(f"{image.width}x{image.height} pixels is too many")
                png = image.format == "PNG"
                upright = ImageOps.exif_transpose(image)
                if upright.width + upright.height > MAX_SIDES:  # a panorama: shown smaller
                    scale = MAX_SIDES / (upright.width + upright.height)
                    upright.thumbnail((int(upright.width * scale), int(upright.height * scale)))
                alpha = png and ("A" in upright.getbands() or "transparency" in upright.info)
                pixels = upright.convert("RGBA" if alpha else "RGB")
    except NotAnImage:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError,
            Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise NotAnImage(f"not a readable image ({type(exc).__name__})") from None
    bare = Image.frombytes(pixels.mode, pixels.size, pixels.tobytes())  # no info, no EXIF
    out = io.BytesIO()
    if png:
        bare.save(out, "PNG", optimize=True)
        return out.getvalue(), "image/png"
    bare.save(out, "JPEG", quality=JPEG_QUALITY)
    return out.getvalue(), "image/jpeg"


_SHA256 = re.compile(r"^[0-9a-f]{64}$")


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
        with path.open("rb") as f:
            png = f.read(8) == b"\x89PNG\r\n\x1a\n"
        return web.FileResponse(path, headers={"Content-Type": "image/png" if png
                                               else "image/jpeg",
                                               "Cache-Control": "private, max-age=86400"})

    def path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    async def save(self, data: bytes) -> str:
        """Clean the image in ``data``, write it (atomically, once) and return the SHA-256
        of what was written. :class:`NotAnImage` if it is none (or too big)."""
        if len(data) > MAX_BYTES:
            raise NotAnImage(f"file of {len(data)} bytes is over the {MAX_BYTES} limit")
        cleaned, _ = await asyncio.to_thread(clean_image, data)
        digest = hashlib.sha256(cleaned).hexdigest()
        await asyncio.to_thread(self._write, digest, cleaned)
        return digest

    def forget_unused(self, in_use: set[str], older_than_days: float = 2.0) -> int:
        """Delete files no case, draft or queued message holds, once they are a couple of
        days old (a draft abandoned, cancelled, or lost in a restart). How many."""
        cutoff = time.time() - older_than_days * 86400
        gone = 0
        for path in self.root.glob("??/*"):
            if _SHA256.match(path.name) and path.name not in in_use \
                    and path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
                gone += 1
        return gone

    def remove(self, sha256: str) -> None:
        """Delete a stored file (its report was erased); a missing one is already gone."""
        if _SHA256.match(sha256):
            self.path(sha256).unlink(missing_ok=True)

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
            midnight = time.time() // 86400 * 86400  # the day it came, not the second
            os.utime(target, (midnight, midnight))
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
