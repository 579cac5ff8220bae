"""Published course versions, read once per process and kept: they never change.

A version stops changing the moment it is published (the studio and the importer refuse to
edit a frozen version; a change makes a new version). The course and lesson pages therefore
need not load a version, its items and its images on every request: :func:`version_view`
reads them once into plain, immutable objects and keeps them in the application's cache,
keyed by the version's id, course, number, content hash and publication time. Drafts
(which trainers preview while they are still being written) are read afresh every time
and never cached.

The objects answer to the same attribute names as the models (``version.items``,
``item.is_quiz``, ``version.audience``…), so templates serve either.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from portal.cache import app_cache
from portal.catalog.models import CourseItem, CourseMedia, CourseVersion, MediaBlob
from portal.extensions import db
from portal.i18n import pick
from portal.rendering import Rendered, render_markdown

__all__ = ["CourseRef", "ItemView", "VersionView", "cache_info", "version_view"]

#: How many frozen versions one process keeps (a course has one live version at a time;
#: the rest are previews of superseded ones).
CACHE_SIZE = 256


@dataclass(frozen=True, slots=True)
class CourseRef:
    """What a request needs of a course row to find the version to show."""

    id: int
    slug: str
    status: str


@dataclass(frozen=True, slots=True)
class ItemView:
    """A lesson or quiz of a version, as the pages read it."""

    id: int
    slug: str
    kind: str
    position: int
    title: dict[str, str]
    minutes: int | None
    sources: dict[str, list[str]]
    body: dict[str, str]

    @property
    def is_quiz(self) -> bool:
        """Return whether this item is a quiz."""
        return self.kind == "quiz"


@dataclass(frozen=True, slots=True)
class VersionView:
    """A course version with its items and its images' names, as the pages read it."""

    id: int
    course_id: int
    number: int
    status: str
    title: dict[str, str]
    summary: dict[str, str]
    audience: tuple[str, ...]
    minutes: int
    requires: tuple[str, ...]
    awards_certificate: bool
    reviewed_on: dt.date | None
    items: tuple[ItemView, ...]
    #: media/ file name → (content hash, content type)
    media: dict[str, tuple[str, str]]
    #: (lesson slug, language) → (rendered lesson, whether it fell back to Vietnamese)
    _rendered: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def is_frozen(self) -> bool:
        """Return whether this version may no longer change (it was published)."""
        return self.status != "draft"

    def item(self, slug: str, kind: str) -> ItemView | None:
        """Return the lesson or quiz called *slug*, or ``None``."""
        return next((i for i in self.items if i.slug == slug and i.kind == kind), None)

    def lesson_html(self, item: ItemView, lang: str,
                    media_url: Callable[[str, str], str]) -> tuple[Rendered, bool]:
        """Return *item*'s body in *lang* rendered, and whether it is the Vietnamese instead.

        Rendered once per lesson and language while the version is kept (a frozen version's
        text cannot change).

        :param media_url: (content hash, content type) → the URL an image is served from
        """
        key = (item.slug, lang)
        found = self._rendered.get(key)
        if found is None:
            body, fallback = pick(item.body, lang)
            urls = {name: media_url(*blob) for name, blob in self.media.items()}
            found = (render_markdown(body, urls.get), fallback)
            if self.is_frozen:
                self._rendered[key] = found
        return found


def _cache():
    return app_cache("frozen_versions", CACHE_SIZE)


def cache_info() -> dict[str, int]:
    """Return the current application's hits, misses and size (for tests and benchmarks)."""
    return _cache().info()


def _load(version_id: int) -> VersionView | None:
    """Read a version, its items and its images' names (three statements)."""
    version = db.session.execute(select(
        CourseVersion.id, CourseVersion.course_id, CourseVersion.number, CourseVersion.status,
        CourseVersion.title, CourseVersion.summary, CourseVersion.audience_roles,
        CourseVersion.minutes, CourseVersion.requires, CourseVersion.awards_certificate,
        CourseVersion.reviewed_on).where(CourseVersion.id == version_id)).one_or_none()
    if version is None:
        return None
    items = tuple(ItemView(*row) for row in db.session.execute(
        select(CourseItem.id, CourseItem.slug, CourseItem.kind, CourseItem.position,
               CourseItem.title, CourseItem.minutes, CourseItem.sources, CourseItem.body)
        .where(CourseItem.version_id == version_id).order_by(CourseItem.position)))
    media = {name: (sha256, content_type) for name, sha256, content_type in db.session.execute(
        select(CourseMedia.name, CourseMedia.sha256, MediaBlob.content_type)
        .join(MediaBlob, MediaBlob.sha256 == CourseMedia.sha256)
        .where(CourseMedia.version_id == version_id))}
    fields: dict[str, Any] = dict(version._mapping)
    fields["audience"] = tuple(r for r in fields.pop("audience_roles").split("|") if r)
    fields["requires"] = tuple(fields["requires"] or ())
    return VersionView(**fields, items=items, media=media)


def version_view(version_id: int, identity: tuple | None = None) -> VersionView | None:
    """Return version *version_id* as the pages read it, from the cache when it is frozen.

    :param version_id: the version's id
    :param identity: what else identifies its content, read with the course (course id,
        number, content hash, publication time), so that a database rebuilt under the same
        ids never serves another's content; ``None``: read afresh, do not cache
    :return: the version, or ``None`` when there is no such version
    """
    if identity is None:
        return _load(version_id)
    cache = _cache()
    key = (version_id, *identity)
    view = cache.get(key)
    if view is None:
        view = _load(version_id)
        if view is not None and view.is_frozen:
            cache.put(key, view)
    return view
