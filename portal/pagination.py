"""Paging through a select() with one COUNT and one page query."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from portal.extensions import db


@dataclass
class Page:
    """One page of results."""

    items: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def paginate(stmt, page: int, per_page: int) -> Page:
    """Return page *page* (1-based, clamped to the valid range) of *stmt*'s rows."""
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    items = db.session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)).unique().all()
    return Page(items=list(items), page=page, per_page=per_page, total=total)
