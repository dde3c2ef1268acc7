"""Cleaning images before they are kept: metadata gone, pixels (and orientation) kept,
anything that is not an image refused."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from bot.media import MAX_PIXELS, MediaStore, NotAnImage, clean_image
from tests.support import jpeg


def phone_photo() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "CanaryPhone"  # Make
    exif[0x0132] = "2026:11:03 14:05:09"  # DateTime
    exif[0x0112] = 6  # Orientation: rotate 90° to show it upright
    exif[0x8825] = {1: "N", 2: (14.0, 55.0, 25.0), 3: "E", 4: (103.0, 18.0, 0.0)}
    return jpeg(7, size=(60, 20), exif=exif)


def test_exif_is_gone_and_the_picture_stands_upright() -> None:
    original = phone_photo()
    assert b"CanaryPhone" in original
    cleaned, mime = clean_image(original)
    assert mime == "image/jpeg" and b"CanaryPhone" not in cleaned and b"Exif" not in cleaned
    with Image.open(io.BytesIO(cleaned)) as image:
        assert dict(image.getexif()) == {}
        assert image.size == (20, 60)  # the orientation was applied before it was dropped


def test_png_stays_png_with_its_transparency_and_without_its_text_chunks() -> None:
    out = io.BytesIO()
    info = PngInfo()
    info.add_text("Author", "Somchai Canary")
    Image.new("RGBA", (8, 8), (255, 0, 0, 128)).save(out, "PNG", pnginfo=info)
    cleaned, mime = clean_image(out.getvalue())
    assert mime == "image/png" and b"Somchai" not in cleaned
    with Image.open(io.BytesIO(cleaned)) as image:
        assert image.mode == "RGBA" and image.getpixel((0, 0)) == (255, 0, 0, 128)


@pytest.mark.parametrize("data", [
    b"", b"not an image at all", jpeg(1)[:40],  # empty, text, a truncated JPEG
    b"\x89PNG\r\n\x1a\n" + b"\x00" * 64,  # a PNG signature and nothing behind it
])
def test_what_is_not_an_image_is_refused(data: bytes) -> None:
    with pytest.raises(NotAnImage):
        clean_image(data)


def test_a_decompression_bomb_is_refused_before_it_is_decoded() -> None:
    side = int(MAX_PIXELS ** 0.5) + 100
    out = io.BytesIO()
    Image.new("1", (side, side)).save(out, "PNG")  # a few KB that would decode to ~50 MB
    assert len(out.getvalue()) < 100_000
    with pytest.raises(NotAnImage, match="too many"):
        clean_image(out.getvalue())


async def test_the_store_keeps_the_cleaned_copy_under_its_own_hash(tmp_path: Path) -> None:
    store = MediaStore(tmp_path)
    sha = await store.save(phone_photo())
    assert store.path(sha).read_bytes() == clean_image(phone_photo())[0]
    store.remove(sha)
    assert not store.path(sha).exists()
    with pytest.raises(NotAnImage):
        await store.save(b"GIF89a nope")
