"""Keep the message catalogues in step with the code.

    python scripts/i18n.py extract   # refresh messages.pot and merge it into vi/en .po
    python scripts/i18n.py check     # exit 1 if a msgid is missing or untranslated in vi
    python scripts/i18n.py compile   # build the .mo files

English msgids are the source text; the Vietnamese catalogue translates every one of them.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "portal" / "translations"
POT = TRANSLATIONS / "messages.pot"


def _babel(*args: str) -> None:
    subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, "-m", "babel.messages.frontend", *args], check=True, cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )


def extract() -> None:
    """Extract msgids from the code and templates and merge them into the catalogues."""
    _babel("extract", "-F", "babel.cfg", "-k", "_l", "-k", "lazy_gettext", "--no-location",
           "--sort-output", "--omit-header", "-o", str(POT), ".")
    for lang in ("vi", "en"):
        po = TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po"
        if po.exists():
            _babel("update", "-i", str(POT), "-d", str(TRANSLATIONS), "-l", lang,
                   "--no-fuzzy-matching", "--ignore-obsolete")
        else:
            _babel("init", "-i", str(POT), "-d", str(TRANSLATIONS), "-l", lang)


def missing(lang: str = "vi") -> list[str]:
    """Return the msgids of the code that *lang* does not translate."""
    from babel.messages.extract import extract_from_dir
    from babel.messages.pofile import read_po

    with open(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po", "rb") as handle:
        catalogue = read_po(handle)
    method_map = [("portal/**.py", "python"), ("templates/**.html", "jinja2")]
    options = {"templates/**.html": {"extensions": "jinja2.ext.do"}}
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
    found = set()
    for _, _, message, _, _ in extract_from_dir(
        str(ROOT), method_map, options, keywords=keywords,
        directory_filter=lambda d: not Path(d).name.startswith("."),
    ):
        found.add(message if isinstance(message, str) else message[0])
    gaps = []
    for msgid in sorted(found):
        entry = catalogue.get(msgid)
        strings = entry.string if entry is not None and isinstance(entry.string, tuple) else (
            (entry.string,) if entry is not None else ()
        )
        if entry is None or not strings or not all(strings) or entry.fuzzy:
            gaps.append(msgid)
    return gaps


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "check"
    if command == "extract":
        extract()
    elif command == "compile":
        _babel("compile", "-d", str(TRANSLATIONS))
    elif command == "check":
        gaps = missing()
        for msgid in gaps:
            print(f"untranslated: {msgid!r}")
        return 1 if gaps else 0
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
