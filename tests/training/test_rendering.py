"""Markdown rendering: the texts' structure survives, nothing that can run script does."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from samenveilig.training.content import modules
from samenveilig.training.rendering import (
    ALLOWED_ATTRIBUTES,
    ALLOWED_TAGS,
    render_markdown,
    render_module_text,
)

UNSAFE = [
    "<script>alert(1)</script>",
    '<a href="https://example.org" onclick="steal()">link</a>',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD4=)",
    "![img](x) <img src=x onerror=alert(1)>",
    '<iframe src="https://example.org"></iframe>',
    "<style>body{display:none}</style>",
    '<div style="position:fixed">overlay</div>',
    "<svg><script>alert(1)</script></svg>",
]


class Tags(HTMLParser):
    """The elements and attributes a browser would build from the HTML."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None]]] = []
        self.feed(str(html))

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        self.found.append((tag, dict(attrs)))


SAFE_SCHEMES = ("https://", "http://", "mailto:", "tel:")


def assert_safe(html: str) -> None:
    for tag, attributes in Tags(html).found:
        assert tag in ALLOWED_TAGS, tag
        assert set(attributes) <= ALLOWED_ATTRIBUTES.get(tag, set()) | {"rel"}, (tag, attributes)
        if "href" in attributes:
            assert (attributes["href"] or "").lower().startswith(SAFE_SCHEMES), attributes


@pytest.mark.parametrize("source", UNSAFE)
def test_unsafe_html_does_not_pass(source):
    html = render_markdown(f"Tekst.\n\n{source}\n\nMeer tekst.")
    assert_safe(html)
    assert "<script" not in str(html).lower()
    assert "Meer tekst." in str(html)


def test_raw_html_is_shown_as_text_not_run():
    html = str(render_markdown("<script>alert(1)</script>"))
    assert "&lt;script&gt;" in html
    assert "<script" not in html


def test_javascript_links_are_not_links():
    html = str(render_markdown("[klik](javascript:alert(1)) en [politie](https://www.politie.nl)"))
    assert html.count("<a ") == 1
    assert 'href="https://www.politie.nl"' in html
    assert 'rel="noopener noreferrer"' in html


def test_the_texts_structure_survives():
    html = str(
        render_markdown(
            "## Kop\n\nTekst met **nadruk** en *cursief*.\n\n- een\n- twee\n\n"
            "1. eerst\n2. dan\n\n> citaat\n\n<https://wetten.overheid.nl/BWBR0001854>"
        )
    )
    for tag in ("<h2>", "<strong>", "<em>", "<ul>", "<ol>", "<li>", "<blockquote>", "<a "):
        assert tag in html
    assert 'href="https://wetten.overheid.nl/BWBR0001854"' in html


def test_a_level_one_heading_loses_its_tag():
    """The page has its own <h1>; a stray one in a text must not add a second."""
    assert "<h1" not in str(render_markdown("# Titel\n\nTekst"))


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(UNSAFE),
            st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40),
            st.sampled_from(["<", ">", '"', "'", "](", "[", "javascript:", " on", "=", "\n"]),
        ),
        max_size=12,
    )
)
def test_no_input_yields_script_or_event_handlers(parts):
    html = render_markdown("".join(parts))
    assert_safe(html)
    assert "<script" not in str(html).lower()


@pytest.mark.parametrize("module", modules(), ids=lambda m: m.slug)
@pytest.mark.parametrize("language", ["nl", "en"])
def test_every_module_text_renders_with_its_sources_as_links(module, language):
    html = str(render_module_text(module.slug, language))
    assert "<h2>" in html
    assert_safe(html)
    assert 'href="https://' in html
