"""Markdown to safe HTML for the training texts.

Two layers, because a text that is reviewed like code can still carry a mistake or a pasted
snippet: markdown-it (CommonMark) with raw HTML switched off, so ``<script>`` or an ``onclick``
in the source comes out as visible text, and javascript:/data: links are not made into links;
then nh3 (the Rust ``ammonia`` sanitiser) keeps only the tags and attributes on the allow-list
below. Headings start at level 2: the page's own ``<h1>`` is the module's title.
"""

from __future__ import annotations

from functools import lru_cache

import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

ALLOWED_TAGS = frozenset(
    {
        "p",
        "h2",
        "h3",
        "h4",
        "ul",
        "ol",
        "li",
        "strong",
        "em",
        "a",
        "blockquote",
        "code",
        "pre",
        "hr",
        "br",
    }
)
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
URL_SCHEMES = frozenset({"https", "http", "mailto", "tel"})

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})


def render_markdown(source: str) -> SafeString:
    """Safe HTML for a Markdown text; anything outside the allow-list is dropped."""
    html = _markdown.render(source)
    cleaned = nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        clean_content_tags={"script", "style"},
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener noreferrer",
        strip_comments=True,
    )
    return mark_safe(cleaned)  # sanitised by nh3 just above


@lru_cache(maxsize=32)
def render_module_text(slug: str, language: str) -> SafeString:
    """The rendered text of one module in one language (the files do not change while running)."""
    from samenveilig.training.content import module_or_error

    return render_markdown(module_or_error(slug).markdown(language))
