"""Text helpers shared by every domain: NFC normalisation and search folding.

Vietnamese text arrives in two Unicode shapes (precomposed NFC and decomposed NFD,
which some keyboards and copy-paste produce). Everything stored is NFC; everything
compared for search or grading is *folded*: NFC, case-folded, with diacritics and
the letter đ reduced to their base letters, and white space collapsed.
"""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def nfc(value: str | None) -> str | None:
    """Return *value* in Unicode NFC with surrounding white space removed.

    :param value: any text, or ``None``
    :return: the normalised text, or ``None`` when *value* is ``None``
    """
    if value is None:
        return None
    return unicodedata.normalize("NFC", value).strip()


def squash(value: str) -> str:
    """Return *value* NFC-normalised, case-folded, with runs of white space as one space."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", value).casefold()).strip()


def fold(value: str) -> str:
    """Return *value* folded for search: no case, no diacritics, đ → d, single spaces.

    ``fold("Nguyễn  Thị Hằng") == fold("nguyen thi hang") == "nguyen thi hang"``
    """
    text = unicodedata.normalize("NFD", value.casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.replace("đ", "d")
    return _SPACES.sub(" ", text).strip()


def escape_like(value: str) -> str:
    """Escape ``\\``, ``%`` and ``_`` so *value* matches literally in ``LIKE … ESCAPE '\\'``."""
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
