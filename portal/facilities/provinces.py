"""Vietnam's 34 provincial units, in force since 1 July 2025 (Resolution 202/2025/QH15).

Codes follow the national list of administrative unit codes (Decision 19/2025/QĐ-TTg).
People write a province's name in many ways ("Hà Nội", "ha noi", "Thành phố Hà Nội",
"TP. Hồ Chí Minh", "HCM"); :func:`find_province` accepts them all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from portal.text import fold


@dataclass(frozen=True)
class Province:
    """A provincial-level unit: official code, Vietnamese name, English name, kind."""

    code: str
    name: str
    name_en: str
    is_city: bool


PROVINCES: tuple[Province, ...] = (
    Province("01", "Hà Nội", "Hanoi", True),
    Province("04", "Cao Bằng", "Cao Bang", False),
    Province("08", "Tuyên Quang", "Tuyen Quang", False),
    Province("11", "Điện Biên", "Dien Bien", False),
    Province("12", "Lai Châu", "Lai Chau", False),
    Province("14", "Sơn La", "Son La", False),
    Province("15", "Lào Cai", "Lao Cai", False),
    Province("19", "Thái Nguyên", "Thai Nguyen", False),
    Province("20", "Lạng Sơn", "Lang Son", False),
    Province("22", "Quảng Ninh", "Quang Ninh", False),
    Province("24", "Bắc Ninh", "Bac Ninh", False),
    Province("25", "Phú Thọ", "Phu Tho", False),
    Province("31", "Hải Phòng", "Hai Phong", True),
    Province("33", "Hưng Yên", "Hung Yen", False),
    Province("37", "Ninh Bình", "Ninh Binh", False),
    Province("38", "Thanh Hóa", "Thanh Hoa", False),
    Province("40", "Nghệ An", "Nghe An", False),
    Province("42", "Hà Tĩnh", "Ha Tinh", False),
    Province("44", "Quảng Trị", "Quang Tri", False),
    Province("46", "Huế", "Hue", True),
    Province("48", "Đà Nẵng", "Da Nang", True),
    Province("51", "Quảng Ngãi", "Quang Ngai", False),
    Province("52", "Gia Lai", "Gia Lai", False),
    Province("56", "Khánh Hòa", "Khanh Hoa", False),
    Province("66", "Đắk Lắk", "Dak Lak", False),
    Province("68", "Lâm Đồng", "Lam Dong", False),
    Province("75", "Đồng Nai", "Dong Nai", False),
    Province("79", "TP. Hồ Chí Minh", "Ho Chi Minh City", True),
    Province("80", "Tây Ninh", "Tay Ninh", False),
    Province("82", "Đồng Tháp", "Dong Thap", False),
    Province("86", "Vĩnh Long", "Vinh Long", False),
    Province("91", "An Giang", "An Giang", False),
    Province("92", "Cần Thơ", "Can Tho", True),
    Province("96", "Cà Mau", "Ca Mau", False),
)

BY_CODE = {p.code: p for p in PROVINCES}

_PREFIX = re.compile(r"^(tinh|thanh pho|tp\.?|city of|province of)\s*")
_SUFFIX = re.compile(r"\s*(province|city)$")


def _key(text: str) -> str:
    key = fold(text).replace("-", " ")
    key = _PREFIX.sub("", key).strip()
    key = _SUFFIX.sub("", key).strip()
    return re.sub(r"[\s.]+", " ", key)


_ALIASES = {"hcm": "79", "tphcm": "79", "sai gon": "79", "saigon": "79", "thua thien hue": "46"}
_BY_KEY: dict[str, str] = {}
for _p in PROVINCES:
    _BY_KEY[_key(_p.name)] = _p.code
    _BY_KEY[_key(_p.name_en)] = _p.code
_BY_KEY[_key("Hồ Chí Minh")] = "79"
_BY_KEY.update(_ALIASES)


def find_province(text: str | None) -> Province | None:
    """Return the province named or coded by *text*, or ``None``.

    Matching ignores case, diacritics and the words Tỉnh / Thành phố / TP.

    >>> find_province("thanh pho ho chi minh").code
    '79'
    """
    if not text or not text.strip():
        return None
    raw = text.strip()
    if raw.isdigit():
        return BY_CODE.get(raw.zfill(2))
    code = _BY_KEY.get(_key(raw))
    return BY_CODE.get(code) if code else None
