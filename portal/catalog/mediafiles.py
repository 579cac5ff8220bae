"""Check a course's images: the files in media/ and the images its lessons show.

Images are judged by their bytes, not their names (an SVG or an HTML page called ``.png`` is
refused), stay under 5 MB, and every image a lesson shows must be a file of the course's
``media/`` folder, with alt text.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from flask_babel import gettext as _

from portal.catalog.specs import MAX_MEDIA_BYTES, MediaSpec
from portal.catalog.yamlfiles import Errors, is_real
from portal.rendering import MEDIA_PREFIX, is_remote, media_names

__all__ = ["check_images", "load_media", "sniff_image"]

_MEDIA_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_IMAGE_TYPES = {"png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg",
                "gif": "image/gif", "webp": "image/webp"}
_INLINE_IMAGE = re.compile(r"!\[(?P<alt>[^\]]*)\]\(\s*<?(?P<src>[^)\s>]*)")
_REF_IMAGE = re.compile(r"!\[(?P<alt>[^\]]*)\]\[")
_FENCE = re.compile(r"^\s*(```|~~~)")
_CODE_SPAN = re.compile(r"`[^`]*`")


def sniff_image(head: bytes) -> str | None:
    """Return the content type of an image judged by its first bytes, not by its name.

    :param head: at least the first 12 bytes of the file
    :return: ``image/png``, ``image/jpeg``, ``image/gif`` or ``image/webp``; ``None`` for
        anything else (SVG, HTML, scripts… are refused whatever their name)
    """
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def check_images(errors: Errors, file: Path, body: str, first: int, media: set[str]) -> None:
    """Report images that are missing, remote or without alt text, and unknown media files.

    :param body: a lesson's Markdown, which starts on line *first* of *file*
    :param media: the names of the files in the course's ``media/`` folder
    """
    fenced = False
    for number, line in enumerate(body.splitlines(), first):
        if _FENCE.match(line):
            fenced = not fenced
            continue
        if fenced:
            continue
        line = _CODE_SPAN.sub("", line)
        for match in [*_INLINE_IMAGE.finditer(line), *_REF_IMAGE.finditer(line)]:
            src = match.groupdict().get("src")
            if not match["alt"].strip():
                errors.add(file, number, _("image %(src)s has no alt text", src=src or match[0]))
            if src is not None and is_remote(src):
                errors.add(file, number, _("image %(src)s is on another site: put it in media/",
                                           src=src))
            elif src is not None and not src.startswith(MEDIA_PREFIX):
                errors.add(file, number, _("image %(src)s must be in media/", src=src))
        for name in media_names(line):
            if name not in media:
                errors.add(file, number, _("media/%(name)s: no such file in media/", name=name))


def load_media(errors: Errors, folder: Path) -> tuple[MediaSpec, ...]:
    """Read a course's ``media/`` folder, reporting every file that may not be published.

    :param folder: the ``media/`` folder (it may be missing: no images)
    :return: the acceptable images, by name, with their bytes and content hash
    """
    media = []
    for entry in sorted(folder.iterdir()) if folder.is_dir() else ():
        name = entry.name
        if name.startswith(".") or not is_real(errors, entry):
            continue
        if entry.is_dir():
            errors.add(entry, None, _("unexpected folder %(name)s", name=name))
            continue
        size = entry.stat().st_size
        data = entry.read_bytes() if size <= MAX_MEDIA_BYTES else b""
        content_type = sniff_image(data[:16])
        extension = name.rsplit(".", 1)[-1].lower()
        if not _MEDIA_NAME.match(name):
            errors.add(entry, None, _("media file name %(name)s: use letters, digits, dots, "
                                      "hyphens and underscores", name=name))
        elif size > MAX_MEDIA_BYTES:
            errors.add(entry, None, _("%(name)s is %(size)s bytes; the limit is 5 MB",
                                      name=name, size=size))
        elif content_type is None:
            errors.add(entry, None, _("%(name)s is not a PNG, JPEG, GIF or WebP image",
                                      name=name))
        elif _IMAGE_TYPES.get(extension) != content_type:
            kind = content_type.removeprefix("image/").upper()
            errors.add(entry, None, _("%(name)s is a %(kind)s image: give it a matching "
                                      "extension", name=name, kind=kind))
        else:
            digest = hashlib.sha256(data).hexdigest()
            media.append(MediaSpec(name, digest, size, content_type, entry.resolve(), data))
    return tuple(media)
