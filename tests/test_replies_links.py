"""A quote's link carries a text fragment (``#:~:text=…``) so the browser scrolls to the quoted sentence.

Encoding per the WICG Text Fragments spec: each term percent-encoded as UTF-8, with ``-``, ``,``
and ``&`` encoded too (they are the directive's own syntax).
"""

from __future__ import annotations

import json
from datetime import datetime

from bot import replies
from bot.discord import render as discord_render
from bot.replies import AnswerReply, quote_link, with_text_fragment
from bot.slack import render as slack_render
from index.quotes import Quote

PAGE = "https://example.org/geneva"


def test_commas_dashes_ampersands_quotes_and_non_ascii_are_percent_encoded():
    linked = with_text_fragment(PAGE, "“Russia, NATO & the U.S. — a deal-free zone,” said Zoë.")
    assert linked == (PAGE + "#:~:text=Russia%2C%20NATO%20%26%20the%20U.S.%20%E2%80%94%20a%20deal%2Dfree%20zone"
                             "%2C%E2%80%9D%20said%20Zo%C3%AB")


def test_a_long_sentence_is_matched_by_its_first_and_last_words():
    sentence = ("Deputy Foreign Minister Sergei Ryabkov said on Monday that the talks in Geneva had been "
                "difficult but useful.")
    assert with_text_fragment(PAGE, sentence) == \
        PAGE + "#:~:text=Deputy%20Foreign%20Minister%20Sergei,been%20difficult%20but%20useful"


def test_line_breaks_and_runs_of_spaces_become_single_spaces():
    assert with_text_fragment(PAGE, "MS. PSAKI:\n  Good   afternoon.") == \
        PAGE + "#:~:text=MS.%20PSAKI%3A%20Good%20afternoon"


def test_an_existing_fragment_is_kept_and_an_existing_text_directive_left_alone():
    assert with_text_fragment(PAGE + "?id=7#top", "Talks resume.") == PAGE + "?id=7#top:~:text=Talks%20resume"
    assert with_text_fragment(PAGE + "#:~:text=old", "Talks resume.") == PAGE + "#:~:text=old"


def test_a_link_that_is_no_web_page_is_left_alone():
    assert with_text_fragment("ftp://example.org/geneva.txt", "Talks resume.") == "ftp://example.org/geneva.txt"
    assert with_text_fragment(PAGE, "“…”") == PAGE  # nothing to match
    assert quote_link(quote("Talks resume.", url="file:///home/me/notes.txt")) is None


def test_a_fragment_that_would_make_the_link_too_long_is_dropped():
    long_url = PAGE + "?q=" + "x" * (replies.MAX_URL_CHARS - len(PAGE) - 10)
    assert with_text_fragment(long_url, "Talks resume in Geneva.") == long_url


def test_the_link_points_at_the_answering_sentence_of_the_quote():
    text = "The talks lasted eight hours. Ryabkov said the gap was wide. Both sides will meet again."
    start = text.index("Ryabkov")
    shown = quote(text, highlight=(start, text.index(" Both")))
    assert quote_link(shown) == PAGE + "#:~:text=Ryabkov%20said%20the%20gap%20was%20wide"
    assert quote_link(quote("Talks resume.", url="https://example.org/a b")) == \
        "https://example.org/a%20b#:~:text=Talks%20resume"  # the page's own URL is still made safe first


def test_the_slack_reply_links_each_quote_to_its_sentence_and_each_headline_to_its_page():
    answer = AnswerReply("Who led the talks?", True, quotes=[quote("Ryabkov led the Russian side & spoke first.")])
    blocks = json.dumps(slack_render.message_for(answer).kwargs()["blocks"], ensure_ascii=False)
    assert f"<{PAGE}#:~:text=Ryabkov%20led%20the%20Russian%20side%20%26%20spoke%20first|Example Wire · " \
           "10 Jan 2022 · Talks open in Geneva>" in blocks
    closest = AnswerReply("Who won the match?", False, closest=[quote("Ryabkov led the Russian side.")])
    blocks = json.dumps(slack_render.message_for(closest).kwargs()["blocks"], ensure_ascii=False)
    assert f"<{PAGE}|Example Wire" in blocks and ":~:" not in blocks


def test_the_discord_embed_links_to_the_sentence():
    answer = AnswerReply("Who led the talks?", True, quotes=[quote("Ryabkov led the Russian side.")])
    embed = discord_render.render(answer).embeds[0]
    assert embed.url == PAGE + "#:~:text=Ryabkov%20led%20the%20Russian%20side"


def quote(text: str, url: str = PAGE, highlight: tuple[int, int] | None = None) -> Quote:
    return Quote(text=text, url=url, title="Talks open in Geneva", outlet="Example Wire",
                 published=datetime(2022, 1, 10), score=1.0, highlight=highlight, doc_id="d1", passage_id=1)
