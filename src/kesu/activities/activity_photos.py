"""Checking an activity photo and making its thumbnail (Pillow, no Django).

A photo is judged by its content, never its name: Pillow must recognise it as JPEG, PNG, WEBP or GIF
(a phone's browser sends its camera's HEIC as JPEG for ``accept="image/*"``), ``verify()`` must pass, its pixel count must be sane (a
decompression bomb is refused before decoding), and it must be within the per-photo size limit.
The thumbnail is a JPEG at most ``THUMB_SIZE`` on its long side, turned upright by its EXIF
orientation and written without the EXIF (so the camera's location does not travel with it).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

MB = 1024 * 1024
MAX_PHOTO_BYTES = 15 * MB  # a 48-megapixel phone JPEG is 8–12 MB
MAX_PHOTOS = 12  # per activity
MAX_PIXELS = 60_000_000  # about 9,000 × 6,600; larger is refused before it is decoded
THUMB_SIZE = 640
FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif", "MPO": "jpg"}  # MPO: some cameras' JPEG


class PhotoError(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class CheckedPhoto:
    data: bytes
    filename: str
    extension: str
    width: int
    height: int
    thumbnail: bytes


def check_photo(data: bytes, filename: str) -> CheckedPhoto:
    """The photo with its size and thumbnail, or ``PhotoError`` saying in Chinese what is wrong."""
    from PIL import Image, UnidentifiedImageError

    label = f"“{filename[:60]}”"
    if not data:
        raise PhotoError(f"{label}是空文件，请重新拍摄或选择")
    if len(data) > MAX_PHOTO_BYTES:
        raise PhotoError(f"照片{label}超过 {MAX_PHOTO_BYTES // MB} MB，请压缩后再上传")
    try:
        with Image.open(io.BytesIO(data)) as probe:  # reads the header only
            image_format, (width, height) = probe.format or "", probe.size
            if width * height > MAX_PIXELS:
                raise PhotoError(f"照片{label}尺寸为 {width}×{height}，超过上限，请缩小后再上传")
            probe.verify()
    except PhotoError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError, SyntaxError) as error:
        raise PhotoError(f"{label}不是图片（只接受 JPG、PNG、WEBP、GIF 格式的照片）") from error
    if image_format not in FORMATS:
        raise PhotoError(f"{label}的格式为 {image_format}，请转换为 JPG 或 PNG 后再上传")
    return CheckedPhoto(data, filename[:200], FORMATS[image_format], width, height, _thumbnail(data, label))


def _thumbnail(data: bytes, label: str) -> bytes:
    from PIL import Image, ImageOps

    try:
        with Image.open(io.BytesIO(data)) as image:
            # A JPEG decodes at 1/2–1/8 scale straight from its DCT (draft): a 12 MP photo's
            # thumbnail then costs a fraction of a full decode.
            image.draft("RGB", (THUMB_SIZE, THUMB_SIZE))
            upright = ImageOps.exif_transpose(image) or image
            upright.thumbnail((THUMB_SIZE, THUMB_SIZE))
            rgb = upright.convert("RGB")
            out = io.BytesIO()
            rgb.save(out, "JPEG", quality=80, optimize=True)
    except Exception as error:  # a file that passed verify() can still fail to decode (truncated data)
        raise PhotoError(f"{label}已损坏或不完整，无法读取，请重新拍摄或导出后再上传") from error
    return out.getvalue()
