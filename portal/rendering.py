"""Render authored Markdown to safe HTML: one renderer, one sanitiser, for every author.

Everything an author writes is untrusted, course files included. Markdown lets raw HTML
through, so the output of Python-Markdown is always cleaned by nh3 with an explicit
allow-list before it is wrapped in :class:`markupsafe.Markup`.

Rendering is pure: the same text (and the same media URLs) gives the same result, so the
expensive part is cached by content (:func:`functools.lru_cache`).
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import unquote

# Builds Markdown's element tree; parses no XML (bandit B405 is about parsing).
from xml.etree import ElementTree as etree  # nosec B405

import markdown
import nh3
from markdown.extensions import Extension
from markdown.extensions.admonition import AdmonitionProcessor
from markdown.treeprocessors import Treeprocessor
from markupsafe import Markup

from portal.text import fold, nfc

__all__ = [
    "CALLOUT_KINDS",
    "MEDIA_PREFIX",
    "Rendered",
    "TocEntry",
    "is_remote",
    "media_names",
    "render_inline",
    "render_markdown",
    "slugify",
]

#: Callout kinds (``!!! law "Quy định"``); any other kind renders as a note.
CALLOUT_KINDS = ("note", "warning", "law")
#: Reading speed used for :attr:`Rendered.minutes`.
WORDS_PER_MINUTE = 200
#: Where lesson images live, relative to the Markdown file.
MEDIA_PREFIX = "media/"

#: ``media/x.png`` as a path of its own, not the tail of ``https://host/media/x.png``.
_MEDIA_REF = re.compile(r"(?<![\w/.:%-])media/([^\s()\"'<>\]\[]+)")
_TASK = re.compile(r"^\[([ xX])\]\s+")
_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")
_TAG = re.compile(r"<[^>]*>")
_SLUG_JUNK = re.compile(r"[^a-z0-9]+")
_HEADING_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_FOOTNOTE_ID = re.compile(r"^fn(?:ref)?:[\w.-]+$")
_LANGUAGE_CLASS = re.compile(r"^language-[a-z0-9_+#-]+$")
_DIGITS = re.compile(r"^[0-9]{1,5}$")
#: An absolute URL: a scheme, or protocol-relative (browsers read ``\\`` as ``//``).
_REMOTE = re.compile(r"^\s*([a-z][a-z0-9+.-]*:|[/\\]{2})", re.IGNORECASE)

_BLOCK_TAGS = {
    "h1", "h2", "h3", "h4", "h5", "h6", "p", "ul", "ol", "li", "blockquote", "pre", "hr",
    "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption",
    "aside", "div", "section",
}  # fmt: skip
_INLINE_TAGS = {
    "a", "em", "strong", "code", "mark", "del", "ins", "s", "sup", "sub", "kbd", "br",
}  # fmt: skip
_CLASSES = {
    "aside": {"callout", *(f"callout-{kind}" for kind in CALLOUT_KINDS)},
    "div": {"callout", *(f"callout-{kind}" for kind in CALLOUT_KINDS), "footnote"},
    "section": {"footnote"},
    "p": {"callout-title"},
    "a": {"footnote-ref", "footnote-backref"},
    "ul": {"task-list"},
    "ol": {"task-list"},
    "li": {"task-list-item"},
    "span": {"task-box", "media-missing"},
}
#: Tags removed together with everything inside them.
_DROP_WITH_CONTENT = {
    "script", "style", "iframe", "object", "embed", "svg", "math", "noscript", "template",
    "textarea", "select", "title", "frame", "frameset", "applet", "noembed", "noframes", "xmp",
}  # fmt: skip
_URL_SCHEMES = {"http", "https", "mailto"}


@dataclass(frozen=True)
class TocEntry:
    """One heading of a rendered document, for its table of contents."""

    level: int
    anchor: str
    title: str


@dataclass(frozen=True)
class Rendered:
    """A rendered, sanitised document."""

    html: Markup
    toc: tuple[TocEntry, ...]
    words: int
    #: Reading time at :data:`WORDS_PER_MINUTE`, at least 1.
    minutes: int


def slugify(value: str, separator: str = "-") -> str:
    """Return an ASCII anchor that keeps Vietnamese readable.

    Diacritics are dropped and đ becomes d, so ``"Điều dưỡng"`` gives ``"dieu-duong"``
    (Python-Markdown's own slugify drops the đ altogether).

    :param value: heading text
    :param separator: what replaces runs of other characters
    :return: the anchor, ``"section"`` when nothing of *value* is left
    """
    slug = _SLUG_JUNK.sub(separator, fold(html.unescape(value))).strip(separator)
    return slug or "section"


def is_remote(url: str) -> bool:
    """Return whether *url* points at another site (a scheme, or ``//host``, ``\\\\host``).

    :param url: an ``href`` or ``src`` as written
    :return: ``True`` unless *url* is a path on this site
    """
    return bool(_REMOTE.match(url))


def media_names(text: str) -> tuple[str, ...]:
    """Return the names of the ``media/…`` files *text* mentions, in order, without repeats.

    :param text: Markdown source
    :return: file names relative to ``media/``, URL-decoded
    """
    return tuple(dict.fromkeys(unquote(name) for name in _MEDIA_REF.findall(text)))


def render_markdown(text: str, media_url: Callable[[str], str | None] | None = None) -> Rendered:
    """Render an author's Markdown to sanitised HTML with its table of contents.

    :param text: Markdown source (lesson body, course summary…)
    :param media_url: maps a ``media/`` file name to the URL it is served from, or ``None``
        when there is no such file (the image is then replaced by its alt text); without it
        ``media/…`` sources are left as they are
    :return: the HTML, its headings, its word count and reading time
    """
    source = nfc(text) or ""
    media = None
    if media_url is not None:
        media = tuple((name, media_url(name)) for name in media_names(source))
    return _render_cached(source, media)


def render_inline(text: str) -> Markup:
    """Render a short string (a title, quiz feedback) as inline Markdown, sanitised.

    Block syntax is not interpreted (``# 1`` stays ``# 1``); paragraphs become line breaks.

    :param text: Markdown source
    :return: HTML with inline elements only
    """
    return _render_inline_cached(nfc(text) or "")


# --------------------------------------------------------------------------- Markdown


class _CalloutProcessor(AdmonitionProcessor):
    """Admonitions without a quoted title get no title (not an English "Note")."""

    def get_class_and_title(self, match: re.Match[str]) -> tuple[str, str | None]:
        klass, title = super().get_class_and_title(match)
        return klass, (match.group(2) or None)


class _PortalTreeprocessor(Treeprocessor):
    """Turn admonitions into callouts, task items into boxes and media paths into URLs."""

    def __init__(self, md: markdown.Markdown, media: dict[str, str | None] | None) -> None:
        super().__init__(md)
        self.media = media

    def run(self, root: etree.Element) -> None:
        for parent in root.iter():
            for element in parent:
                if element.tag == "div" and "admonition" in element.get("class", "").split():
                    self._callout(element)
                elif element.tag == "img":
                    self._image(element)
                elif element.tag == "li":
                    self._task(parent, element)

    @staticmethod
    def _callout(element: etree.Element) -> None:
        classes = element.get("class", "").split()
        kind = next((c for c in classes if c in CALLOUT_KINDS), "note")
        element.tag = "aside"
        element.attrib = {"class": f"callout callout-{kind}", "role": "note"}
        for child in element:
            if child.get("class") == "admonition-title":
                child.set("class", "callout-title")

    def _image(self, element: etree.Element) -> None:
        src = element.get("src", "")
        if is_remote(src):
            url = None  # nothing is fetched from another site
        elif self.media is None or not src.startswith(MEDIA_PREFIX):
            return
        else:
            url = self.media.get(unquote(src[len(MEDIA_PREFIX) :]))
        if url:
            element.set("src", url)
            return
        alt = element.get("alt", "")
        element.tag = "span"
        element.attrib = {"class": "media-missing"}
        element.text = alt

    @staticmethod
    def _task(parent: etree.Element, item: etree.Element) -> None:
        holder = item[0] if len(item) and item[0].tag == "p" and not item.text else item
        match = _TASK.match(holder.text or "")
        if not match:
            return
        holder.text = holder.text[match.end() :]
        box = etree.Element("span", {"class": "task-box"})
        box.text = "☐ " if match.group(1) == " " else "☑ "
        box.tail = holder.text
        holder.text = None
        holder.insert(0, box)
        item.set("class", "task-list-item")
        parent.set("class", "task-list")


class _PortalExtension(Extension):
    def __init__(self, media: dict[str, str | None] | None) -> None:
        super().__init__()
        self.media = media

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 (Markdown's API)
        md.registerExtension(self)
        md.parser.blockprocessors.register(_CalloutProcessor(md.parser), "admonition", 105)
        # After "inline" (20), which creates the images; before "prettify" (10).
        md.treeprocessors.register(_PortalTreeprocessor(md, self.media), "portal", 15)


def _markdown(media: dict[str, str | None] | None) -> markdown.Markdown:
    return markdown.Markdown(
        extensions=[
            "tables",
            "fenced_code",
            "footnotes",
            "toc",
            "sane_lists",
            "pymdownx.mark",
            "pymdownx.tilde",
            "pymdownx.caret",
            _PortalExtension(media),
        ],
        extension_configs={
            "tables": {"use_align_attribute": True},
            "toc": {"slugify": slugify},
            "footnotes": {"BACKLINK_TITLE": "↑ {}"},
            "pymdownx.caret": {"insert": False},
        },
        output_format="html",
    )


def _flatten(tokens: list[dict]) -> list[TocEntry]:
    entries: list[TocEntry] = []
    for token in tokens:
        entries.append(TocEntry(token["level"], token["id"], html.unescape(token["name"])))
        entries.extend(_flatten(token["children"]))
    return entries


@lru_cache(maxsize=512)
def _render_cached(source: str, media: tuple[tuple[str, str | None], ...] | None) -> Rendered:
    md = _markdown(None if media is None else dict(media))
    body = md.convert(source)
    mapped = {url for _, url in media or () if url}
    clean = _cleaner(mapped).clean(body)
    words = len(_WORD.findall(html.unescape(_TAG.sub(" ", clean)).replace("↩", " ")))
    return Rendered(
        html=Markup(clean),  # noqa: S704 - sanitised by nh3 just above  # nosec B704
        toc=tuple(e for e in _flatten(md.toc_tokens) if _HEADING_ID.match(e.anchor)),
        words=words,
        minutes=max(1, math.ceil(words / WORDS_PER_MINUTE)),
    )


@lru_cache(maxsize=1024)
def _render_inline_cached(source: str) -> Markup:
    md = markdown.Markdown(
        extensions=["pymdownx.mark", "pymdownx.tilde", "pymdownx.caret"],
        extension_configs={"pymdownx.caret": {"insert": False}},
        output_format="html",
    )
    blocks = md.parser.blockprocessors
    for name in ("indent", "code", "hashheader", "setextheader", "hr", "olist", "ulist", "quote"):
        blocks.deregister(name)
    body = re.sub(r"</p>\s*<p>", "<br>", md.convert(source))
    clean = nh3.clean(
        body,
        tags=_INLINE_TAGS,
        clean_content_tags=_DROP_WITH_CONTENT,
        attributes={"a": {"href", "title"}},
        url_schemes=_URL_SCHEMES,
        link_rel="noopener noreferrer",
    )
    return Markup(clean.strip())  # noqa: S704 - sanitised by nh3 just above  # nosec B704


# --------------------------------------------------------------------------- sanitiser


def _cleaner(mapped_urls: set[str]) -> nh3.Cleaner:
    """Return the sanitiser for a document whose media resolved to *mapped_urls*."""

    def attribute_filter(tag: str, attribute: str, value: str) -> str | None:
        try:
            return _filter_attribute(tag, attribute, value, mapped_urls)
        except Exception:  # noqa: BLE001 (nh3 would report it as unraisable)
            return None

    headings = {f"h{n}": {"id"} for n in range(1, 7)}
    return nh3.Cleaner(
        tags=_BLOCK_TAGS | _INLINE_TAGS | {"img", "span"},
        clean_content_tags=_DROP_WITH_CONTENT,
        attributes={
            **headings,
            **{tag: {"class"} for tag in _CLASSES},
            "a": {"href", "title", "class"},
            "img": {"src", "alt", "title", "width", "height"},
            "li": {"id", "class"},
            "sup": {"id"},
            "code": {"class"},
            "ol": {"start", "class"},
        },
        tag_attribute_values={
            "aside": {"role": {"note"}},
            "th": {"align": {"left", "center", "right"}},
            "td": {"align": {"left", "center", "right"}},
        },
        set_tag_attribute_values={"img": {"loading": "lazy"}},
        attribute_filter=attribute_filter,
        url_schemes=_URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def _filter_attribute(tag: str, attribute: str, value: str, mapped: set[str]) -> str | None:
    """Keep only the attribute values the portal's own markup uses."""
    if attribute == "class":
        allowed = _CLASSES.get(tag, set())
        kept = [
            c for c in value.split() if c in allowed or (tag == "code" and _LANGUAGE_CLASS.match(c))
        ]
        return " ".join(kept) or None
    if attribute == "id":
        pattern = _FOOTNOTE_ID if tag in {"li", "sup"} else _HEADING_ID
        return value if pattern.match(value) else None
    if tag == "img" and attribute == "src":
        # Nothing is fetched from another site: only our media URLs and local paths.
        return value if value in mapped or not is_remote(value) else None
    if attribute in {"width", "height", "start"}:
        return value if _DIGITS.match(value) else None
    return value
