"""Images uploaded in the studio: checked by their bytes, stored once, named in media/.

An image is judged by its content, never by its name: a script or an SVG called ``.png`` is
refused (SVG can carry scripts, so it is refused outright). Its bytes are stored once in the
database by content hash (every app process can serve them, at a URL that never changes) and
it becomes a file of the draft's ``media/`` folder, which lessons show as
``![alt text](media/name.png)``.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

from flask_babel import gettext as _
from sqlalchemy import select

from portal import audit
from portal.authoring.services import StudioError, _require_draft
from portal.catalog.mediafiles import sniff_image
from portal.catalog.models import CourseMedia, CourseVersion, MediaBlob
from portal.catalog.specs import MAX_MEDIA_BYTES
from portal.extensions import db
from portal.rendering import media_names

__all__ = ["add_image", "image_markdown", "remove_image", "used_media"]

_EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp"}
_JUNK = re.compile(r"[^a-z0-9._-]+")


def _stem(filename: str) -> str:
    """Return a media file name's stem from an uploaded name: ASCII, lowercase, no spaces."""
    stem = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].rsplit(".", 1)[0]
    stem = unicodedata.normalize("NFKD", stem.replace("đ", "d").replace("Đ", "D"))
    stem = "".join(ch for ch in stem if not unicodedata.combining(ch)).lower()
    stem = _JUNK.sub("-", stem).strip("-._")[:60]
    return stem or "image"


def image_markdown(alt: str, name: str) -> str:
    """Return the Markdown that shows media file *name* with *alt* text."""
    alt = " ".join(alt.replace("[", "(").replace("]", ")").split())
    return f"![{alt}](media/{name})"


def add_image(version: CourseVersion, filename: str, data: bytes, actor) -> CourseMedia:
    """Add an uploaded image to a draft's media.

    The same image uploaded twice is kept once; a new image whose name is taken gets a
    number (``chart-2.png``).

    :param filename: the name it was uploaded with (only its stem is kept)
    :param data: its bytes
    :return: the draft's media file
    :raises StudioError: not an image the portal accepts, too large, or a frozen version
    """
    _require_draft(version)
    if not data:
        raise StudioError(_("Choose an image file."), "image")
    if len(data) > MAX_MEDIA_BYTES:
        raise StudioError(_("The image is %(size)s MB; the limit is 5 MB.",
                            size=f"{len(data) / 1024 / 1024:.1f}"), "image")
    content_type = sniff_image(data[:16])
    if content_type is None:
        raise StudioError(_("This file is not a PNG, JPEG, GIF or WebP image (judged by its "
                            "content, not its name). SVG images are refused because they "
                            "can carry scripts."), "image")
    digest = hashlib.sha256(data).hexdigest()
    for media in version.media:
        if media.sha256 == digest:
            return media
    stem, extension = _stem(filename), _EXTENSIONS[content_type]
    taken = {m.name for m in version.media}
    name, number = f"{stem}.{extension}", 1
    while name in taken:
        number += 1
        name = f"{stem}-{number}.{extension}"
    if db.session.get(MediaBlob, digest) is None:
        db.session.add(MediaBlob(sha256=digest, content_type=content_type, size=len(data),
                                 data=data))
        db.session.flush()
    media = CourseMedia(name=name, sha256=digest)
    version.media.append(media)
    db.session.flush()
    audit.record("course.media_added", actor=actor, obj=version.course,
                 version=version.number, name=name, sha256=digest, size=len(data))
    return media


def used_media(version: CourseVersion) -> dict[str, list[str]]:
    """Return, for each media file name, the slugs of the lessons that show it."""
    used: dict[str, list[str]] = {}
    for item in version.items:
        for text in item.body.values():
            for name in media_names(text):
                slugs = used.setdefault(name, [])
                if item.slug not in slugs:
                    slugs.append(item.slug)
    return used


def remove_image(version: CourseVersion, name: str, actor) -> None:
    """Remove an image no lesson of the draft shows from the draft's media.

    :raises StudioError: a frozen version, no such image, or an image still in use
    """
    _require_draft(version)
    media = db.session.scalar(select(CourseMedia).where(CourseMedia.version_id == version.id,
                                                        CourseMedia.name == name))
    if media is None:
        raise StudioError(_("There is no image called %(name)s.", name=name))
    if users := used_media(version).get(name):
        raise StudioError(_("Lessons still show %(name)s: %(lessons)s. Remove it from them "
                            "first.", name=name, lessons=", ".join(users)))
    version.media.remove(media)  # delete-orphan deletes it
    db.session.flush()
    audit.record("course.media_removed", actor=actor, obj=version.course,
                 version=version.number, name=name)
