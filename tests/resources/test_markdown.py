"""Resource Markdown is rendered, then sanitised on an explicit allow-list."""

from html.parser import HTMLParser

import pytest

from alliance.resources.markdown import render_markdown, sanitize_html


def _tags(html: str) -> list[tuple[str, list]]:
    """Return every real element (name, attributes) in the HTML; escaped text is not a tag."""
    found = []

    class Collector(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, attrs))

    Collector().feed(html)
    return found


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        "hello <img src=x onerror=alert(1)>",
        "[click](javascript:alert(1))",
        '<a href="javascript:alert(1)" onclick="alert(2)">x</a>',
        "[x](JaVaScRiPt:alert(1))",
        "![pic](javascript:alert(1))",
        "<svg onload=alert(1)>",
        "[d](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    ],
)
def test_markdown_neutralises_scripts_events_and_javascript_links(source):
    tags = _tags(str(render_markdown(source)))
    names = {name for name, _attrs in tags}
    assert not names & {"script", "img", "svg", "iframe"}
    for _name, attrs in tags:
        for attr, value in attrs:
            assert not attr.startswith("on")
            if attr == "href":
                assert value.split(":")[0].lower() in {"http", "https", "mailto"}


@pytest.mark.parametrize(
    "raw",
    [
        '<p onclick="x()">hi<script>alert(1)</script></p>',
        '<a href="javascript:alert(1)">x</a>',
        '<img src="x" onerror="alert(1)">',
        '<p style="color:red">styled</p>',
        '<iframe src="https://evil.example"></iframe>',
    ],
)
def test_sanitizer_drops_what_is_not_allowed(raw):
    html = sanitize_html(raw)
    for bad in ("<script", "onclick", "onerror", "javascript:", "<img", "style=", "<iframe"):
        assert bad not in html


def test_allowed_markdown_survives():
    html = str(
        render_markdown(
            "# 标题\n\n**粗体** *斜体* [官网](https://example.org) [信](mailto:a@example.org)\n\n"
            "- 一\n- 二\n\n| a | b |\n|---|---|\n| 1 | 2 |"
        )
    )
    assert "<h1>标题</h1>" in html
    assert "<strong>粗体</strong>" in html and "<em>斜体</em>" in html
    assert 'href="https://example.org"' in html and 'rel="nofollow noopener noreferrer"' in html
    assert 'href="mailto:a@example.org"' in html
    assert "<li>一</li>" in html and "<td>1</td>" in html


def test_raw_html_is_shown_as_text():
    assert "&lt;b&gt;x&lt;/b&gt;" in str(render_markdown("<b>x</b>"))
    assert render_markdown("") == "" and render_markdown(None) == ""
