"""Resource descriptions: Markdown rendered to HTML, then sanitised by nh3 on an allow-list."""

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

# Raw HTML in the source is shown as text (html=False); nh3 then keeps only what is listed here
# (no style attributes: the site's CSP forbids inline styles).
_md = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable(["table", "strikethrough"])

ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "em", "del", "s", "code", "pre", "blockquote",
    "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6", "a",
    "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "ol": {"start"},
}
URL_SCHEMES = {"http", "https", "mailto"}


def sanitize_html(html: str) -> str:
    """Keep only the allow-listed tags, attributes and URL schemes of `html`."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="nofollow noopener noreferrer",
        strip_comments=True,
    )


def render_markdown(text: str | None) -> Markup:
    """Render a resource's Markdown to sanitised HTML that templates may output as is."""
    if not text:
        return Markup("")
    return Markup(sanitize_html(_md.render(text)))  # noqa: S704 - sanitised by nh3 just above
