"""The Markdown renderer: what authors may write stays, everything that could run goes."""

from __future__ import annotations

import re

import pytest
from markupsafe import Markup

from portal.rendering import (
    Rendered,
    TocEntry,
    is_remote,
    render_inline,
    render_markdown,
    slugify,
)


def html_of(text: str, **kwargs) -> str:
    return str(render_markdown(text, **kwargs).html)


# --------------------------------------------------------------------------- what goes


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert('xss')</script>",
        "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
        "Hi <script>\ndocument.cookie\n</script> there",
        '<svg><script>alert("svg")</script></svg>',
        '<svg onload="alert(1)"><circle r="4"/></svg>',
        '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    ],
)
def test_scripts_go_with_their_content(source):
    html = html_of(source).lower()
    assert "<script" not in html
    assert "alert" not in html and "document.cookie" not in html
    assert "<svg" not in html and "<math" not in html


@pytest.mark.parametrize(
    "source",
    [
        '<img src="media/x.png" alt="a" onerror="alert(1)">',
        '<p onclick="alert(1)" onmouseover="alert(2)">text</p>',
        '<a href="/ok" onfocus="alert(1)" autofocus>link</a>',
        '<div onpointerenter="alert(1)">x</div>',
        '<body onload="alert(1)">x</body>',
    ],
)
def test_event_handlers_go(source):
    html = html_of(source).lower()
    assert not re.search(r"\son[a-z]+\s*=", html)
    assert "alert" not in html


@pytest.mark.parametrize(
    "source",
    [
        "[click](javascript:alert(1))",
        "[click](JaVaScRiPt:alert(1))",
        "[click](  javascript:alert(1))",
        '<a href="jav&#x09;ascript:alert(1)">click</a>',
        "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "![x](data:image/svg+xml;base64,PHN2Zy8+)",
        '<img src="data:image/png;base64,iVBORw0KGgo=" alt="x">',
        "[click](vbscript:msgbox(1))",
        '<a href="file:///etc/passwd">f</a>',
    ],
)
def test_dangerous_urls_go(source):
    html = html_of(source).lower()
    for scheme in ("javascript:", "data:", "vbscript:", "file:"):
        assert scheme not in html


@pytest.mark.parametrize(
    "source",
    [
        '<iframe src="https://evil.example"></iframe>',
        '<object data="evil.swf"><embed src="evil.swf"></object>',
        '<embed src="evil.swf">',
        '<form action="/login"><input name="password"><button>Go</button></form>',
        '<base href="https://evil.example/">',
        '<meta http-equiv="refresh" content="0;url=https://evil.example">',
        '<link rel="stylesheet" href="https://evil.example/x.css">',
    ],
)
def test_embedding_and_page_altering_elements_go(source):
    html = html_of(source).lower()
    for tag in (
        "<iframe",
        "<object",
        "<embed",
        "<form",
        "<input",
        "<button",
        "<base",
        "<meta",
        "<link",
    ):
        assert tag not in html


def test_styles_go():
    html = html_of('<p style="position:fixed;top:0">x</p><style>body{display:none}</style>')
    assert "style" not in html
    assert "display:none" not in html
    assert "<p>x</p>" in html


@pytest.mark.parametrize(
    ("source", "kept"),
    [
        ('<div style="width: expression(alert(1))">x</div>', "<div>x</div>"),
        ('<p style="background-image: url(javascript:alert(1))">y</p>', "<p>y</p>"),
        ('<span style="-moz-binding: url(https://evil.example/x.xml#x)">w</span>',
         "<span>w</span>"),
        ('<td style="behavior: url(x.htc)">c</td>', "c"),
        ("<style>@import 'javascript:alert(1)'; p {width: expression(alert(1))}</style>z",
         "<p>z</p>"),
    ],
)
def test_style_expressions_go(source, kept):
    html = html_of(source)
    for fragment in ("style", "expression", "javascript", "behavior", "binding", "alert"):
        assert fragment not in html.lower()
    assert kept in html


def test_remote_images_are_not_fetched():
    html = html_of(
        "![a](https://tracker.example/a.png) ![b](//tracker.example/b.png) "
        '<img src="https://tracker.example/c.png" alt="c">',
        media_url=lambda name: f"/media/{name}",
    )
    assert "tracker.example" not in html


@pytest.mark.parametrize(
    ("url", "remote"),
    [
        ("https://example.org/a.png", True),
        ("//example.org/a.png", True),
        ("\\\\example.org\\a.png", True),
        ("/\\example.org/a.png", True),
        (" javascript:alert(1)", True),
        ("media/a.png", False),
        ("/media/ab12.png", False),
        ("#fn:1", False),
    ],
)
def test_is_remote(url, remote):
    assert is_remote(url) is remote


def test_author_ids_and_classes_are_limited():
    html = html_of('<h2 id="x&quot; onclick" class="evil">T</h2><div class="admin hidden">d</div>')
    assert "evil" not in html and "admin" not in html and "onclick" not in html


def test_links_get_rel_noopener():
    html = html_of("[WHO](https://www.who.int) and <mailto:kiemsoat@example.vn>")
    assert 'href="https://www.who.int" rel="noopener noreferrer"' in html
    assert 'href="mailto:kiemsoat@example.vn"' in html


# --------------------------------------------------------------------------- what stays


def test_vietnamese_text_stays_nfc():
    decomposed = "Nguye\u0302\u0303n Thi\u0323 Ha\u0306\u0300ng"  # NFD, as some keyboards type
    html = html_of(f"Người học: **{decomposed}**, điều dưỡng.")
    assert "<strong>Nguyễn Thị Hằng</strong>" in html
    assert "Người học" in html and "điều dưỡng" in html


def test_table_stays_with_alignment_but_no_style():
    html = html_of("| Tuần | Tỷ lệ |\n|:--|--:|\n| 1 | 72% |\n")
    assert "<table>" in html and '<th align="left">Tuần</th>' in html
    assert '<td align="right">72%</td>' in html


def test_images_from_media_are_mapped_to_their_urls():
    html = html_of(
        '![Biểu đồ tuân thủ](media/chart.png "Tuần 1")',
        media_url=lambda name: {"chart.png": "/media/ab12.png"}.get(name),
    )
    assert '<img alt="Biểu đồ tuân thủ" src="/media/ab12.png" title="Tuần 1"' in html


def test_missing_media_shows_its_alt_text():
    html = html_of("![Sơ đồ mạng](media/none.png)", media_url=lambda name: None)
    assert "<img" not in html and "Sơ đồ mạng" in html


def test_footnotes_stay():
    html = html_of("Bệnh án điện tử[^tt].\n\n[^tt]: Thông tư 13/2025/TT-BYT.\n")
    assert '<sup id="fnref:tt"><a class="footnote-ref" href="#fn:tt"' in html
    assert '<li id="fn:tt">' in html and "Thông tư 13/2025/TT-BYT." in html
    assert 'class="footnote-backref" href="#fnref:tt"' in html


@pytest.mark.parametrize("kind", ["note", "warning", "law"])
def test_callouts_render_as_asides(kind):
    html = html_of(f'!!! {kind} "Quy định"\n    Nội dung **quy định**.\n')
    assert f'<aside class="callout callout-{kind}" role="note">' in html
    assert '<p class="callout-title">Quy định</p>' in html
    assert "<strong>quy định</strong>" in html


def test_unknown_callout_kind_is_a_note_and_untitled_callout_has_no_title():
    html = html_of("!!! danger\n    Cẩn thận.\n")
    assert '<aside class="callout callout-note" role="note">' in html
    assert "callout-title" not in html and "Danger" not in html


def test_task_lists_render_boxes_not_inputs():
    html = html_of("- [x] Đổi mật khẩu\n- [ ] Tắt WPS\n")
    assert "<input" not in html
    assert "☑ </span>Đổi mật khẩu" in html and "☐ </span>Tắt WPS" in html


def test_code_keeps_its_language_class_and_escapes_html():
    html = html_of("```python\nprint('<b>')\n```\n\nand `<script>`")
    assert '<code class="language-python">' in html
    assert "&lt;b&gt;" in html and "<code>&lt;script&gt;</code>" in html


def test_inline_styles_stay():
    html = html_of("==mark== ~~del~~ H~2~O x^2^ *em* **strong**")
    for fragment in (
        "<mark>mark</mark>",
        "<del>del</del>",
        "<sub>2</sub>",
        "<sup>2</sup>",
        "<em>em</em>",
        "<strong>strong</strong>",
    ):
        assert fragment in html


# --------------------------------------------------------------------------- toc, words, cache


def test_toc_has_readable_unique_vietnamese_anchors():
    rendered = render_markdown("## Điều dưỡng\n\ntext\n\n### Đổi mật khẩu\n\n## Điều dưỡng\n")
    assert rendered.toc == (
        TocEntry(2, "dieu-duong", "Điều dưỡng"),
        TocEntry(3, "doi-mat-khau", "Đổi mật khẩu"),
        TocEntry(2, "dieu-duong_1", "Điều dưỡng"),
    )
    assert '<h2 id="dieu-duong">Điều dưỡng</h2>' in str(rendered.html)
    assert '<h2 id="dieu-duong_1">' in str(rendered.html)


@pytest.mark.parametrize(
    ("heading", "anchor"),
    [
        ("Điều dưỡng", "dieu-duong"),
        ("ĐIỀU DƯỠNG & Hộ sinh", "dieu-duong-ho-sinh"),
        ("Thông tư 13/2025/TT-BYT", "thong-tu-13-2025-tt-byt"),
        ("Nguye\u0302\u0303n", "nguyen"),
        ("!!!", "section"),
    ],
)
def test_slugify(heading, anchor):
    assert slugify(heading) == anchor


def test_words_and_minutes():
    rendered = render_markdown("một hai ba " * 200)
    assert rendered.words == 600
    assert rendered.minutes == 3
    assert render_markdown("Xin chào").minutes == 1


def test_result_is_markup_and_cached():
    first = render_markdown("## Bài 1\n\nNội dung")
    assert isinstance(first, Rendered) and isinstance(first.html, Markup)
    assert render_markdown("## Bài 1\n\nNội dung") is first
    calls = []

    def media_url(name):
        calls.append(name)
        return f"/media/{name}"

    a = render_markdown("![a](media/a.png)", media_url)
    b = render_markdown("![a](media/a.png)", media_url)
    assert a is b and calls == ["a.png", "a.png"]
    moved = render_markdown("![a](media/a.png)", lambda name: "/other/a.png")
    assert "/other/a.png" in str(moved.html)


# --------------------------------------------------------------------------- inline


def test_render_inline_keeps_inline_markup_only():
    html = render_inline("**Bài 1**: _chuẩn_ dữ liệu [WHO](https://www.who.int)")
    assert isinstance(html, Markup)
    assert html.startswith("<strong>Bài 1</strong>: <em>chuẩn</em> dữ liệu")
    assert '<a href="https://www.who.int" rel="noopener noreferrer">WHO</a>' in html
    assert "<p>" not in html


@pytest.mark.parametrize(
    "source",
    ["# 1 Không phải tiêu đề", "- not a list", "> not a quote", "<h1>x</h1>", "![i](media/x.png)"],
)
def test_render_inline_makes_no_blocks(source):
    html = render_inline(source)
    for tag in ("<h1", "<ul", "<li", "<blockquote", "<img", "<p"):
        assert tag not in html


def test_render_inline_sanitises():
    html = render_inline('<script>alert(1)</script><b onclick="x()">đ</b> [x](javascript:y)')
    assert "alert" not in html and "onclick" not in html and "javascript" not in html
    assert "đ" in html


def test_render_inline_turns_paragraphs_into_line_breaks():
    assert render_inline("Đúng.\n\nXem lại bài 2.") == Markup("Đúng.<br>Xem lại bài 2.")
