"""Facilities: the clinics, pharmacies and other private health facilities."""

from __future__ import annotations

from sqlalchemy import Boolean, CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column, validates

from portal.db import TimestampMixin
from portal.extensions import db
from portal.text import fold, nfc

FACILITY_TYPES = (
    "clinic",
    "polyclinic",
    "dental",
    "pharmacy",
    "laboratory",
    "imaging",
    "hospital",
    "other",
)


class Facility(TimestampMixin, db.Model):
    """A private health facility whose staff train on the portal."""

    __tablename__ = "facilities"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    #: ``name`` folded (no case, no diacritics) for search; kept in step by a validator.
    name_folded: Mapped[str] = mapped_column(String(200), nullable=False, index=True)
    type: Mapped[str] = mapped_column(String(20), nullable=False)
    #: Operating licence number (giấy phép hoạt động), unique across the country.
    licence_number: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    #: Official code of one of the 34 provincial units (see provinces.py).
    province_code: Mapped[str] = mapped_column(String(2), nullable=False, index=True)
    address: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    phone: Mapped[str] = mapped_column(String(32), nullable=False, default="")
    email: Mapped[str] = mapped_column(String(254), nullable=False, default="")
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)

    __table_args__ = (
        CheckConstraint(
            "type IN (" + ", ".join(f"'{t}'" for t in FACILITY_TYPES) + ")", name="type_known"
        ),
    )

    @validates("name")
    def _set_name(self, key, value):
        value = nfc(value)
        self.name_folded = fold(value)
        return value

    @validates("address")
    def _nfc(self, key, value):
        return nfc(value) or ""

    @property
    def province(self):
        """The :class:`Province` this facility is in."""
        from portal.facilities.provinces import BY_CODE

        return BY_CODE.get(self.province_code)

    def __repr__(self) -> str:
        return f"<Facility {self.licence_number}>"
