"""Photos citizens send, stored once under their SHA-256 in ``MEDIA_DIR``."""
from __future__ import annotations

import asyncio
import hashlib
import os
import tempfile
from pathlib import Path

MAX_BYTES = 20 * 1024 * 1024  # the Bot API's own download limit


class MediaStore:
    def __init__(self, root: Path) -> None:
        self.root = root

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
