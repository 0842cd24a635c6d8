"""Sentences and passages: offsets are exact and no sentence is ever cut."""

from index.passages import MAX_WORDS, split_passages
from index.quotes import window
from index.sentences import sentence_spans


def test_sentences_skip_abbreviations_and_initials():
    text = 'Mr. Ryabkov met U.S. envoys on Jan. 10 in Geneva. "It was useful," he said. J. Smith agreed.'
    assert [text[s:e] for s, e in sentence_spans(text)] == [
        "Mr. Ryabkov met U.S. envoys on Jan. 10 in Geneva.", '"It was useful," he said.', "J. Smith agreed."]


def test_a_single_line_break_is_a_wrap_and_a_blank_line_ends_a_sentence():
    text = "Talks resumed on 13 January\n2022 in Vienna\n\nA new paragraph."
    assert [text[s:e] for s, e in sentence_spans(text)] == [
        "Talks resumed on 13 January\n2022 in Vienna", "A new paragraph."]


def test_list_items_a_line_ending_in_a_colon_and_paragraphs_joined_by_commas_are_sentences_of_their_own():
    text = ("Begin Text:\nWe, the ministers, remain concerned. The measures:\n- Treasury issues six licenses.\n"
            "- The licenses allow aid to flow\n  • to two regions.\nHe said:\n\"We will see.\"")
    assert [text[s:e] for s, e in sentence_spans(text)] == [
        "Begin Text:", "We, the ministers, remain concerned.", "The measures:", "- Treasury issues six licenses.",
        "- The licenses allow aid to flow", "• to two regions.", "He said:", '"We will see."']
    text = "This order:\n(i) grants no authority; or\n(ii) limits no function.\n2. It takes effect\n2022 in May."
    assert [text[s:e] for s, e in sentence_spans(text)] == [
        "This order:", "(i) grants no authority; or", "(ii) limits no function.", "2. It takes effect\n2022 in May."]
    text = ', Mr. Lund declined to comment. , More than 30 people spoke. , "We will see," he said.'
    assert [text[s:e] for s, e in sentence_spans(text)] == [
        "Mr. Lund declined to comment.", "More than 30 people spoke.", '"We will see," he said.']


def test_passages_are_exact_slices_of_whole_sentences():
    sentences = [f"Sentence number {i} says that the delegations met again today in Geneva." for i in range(60)]
    text = " ".join(sentences)
    passages = split_passages(text)
    assert len(passages) > 3
    for passage in passages:
        assert text[passage.start:passage.end] == passage.text
        assert passage.text.startswith("Sentence number") and passage.text.endswith("Geneva.")
        assert 50 <= len(passage.text.split()) <= MAX_WORDS
    assert [p.seq for p in passages] == list(range(len(passages)))


def test_a_short_tail_joins_the_previous_passage():
    text = " ".join(["One two three four five six seven eight nine ten."] * 12) + " Short end."
    passages = split_passages(text)
    assert passages[-1].text.endswith("Short end.")
    assert all(len(p.text.split()) >= 50 for p in passages)


def test_a_runaway_sentence_is_split_at_words():
    text = " ".join(["word"] * 400)
    passages = split_passages(text)
    assert len(passages) >= 3 and all(len(p.text.split()) <= MAX_WORDS for p in passages)


def test_a_sentence_of_short_words_is_split_from_one_word_over_the_limit():
    words = [len(p.text.split()) for p in split_passages(" ".join(["a"] * (MAX_WORDS + 1)))]
    assert words == [MAX_WORDS, 1]
    assert [len(p.text.split()) for p in split_passages(" ".join(["a"] * MAX_WORDS))] == [MAX_WORDS]


def test_quote_window_keeps_whole_sentences_within_the_limit():
    text = " ".join(f"This is sentence {i} of the report, with a little more context." for i in range(30))
    spans = sentence_spans(text)
    focus = spans[10]
    start, end = window(text, focus, 200)
    assert end - start <= 200
    assert start <= focus[0] and end >= focus[1]
    assert (start, end)[0] in {s for s, _ in spans} and end in {e for _, e in spans}


def test_quote_window_grows_toward_the_neighbour_holding_more_of_the_question():
    text = ("The delegations arrived in the city late on Sunday evening for the talks. "
            "The deputy minister denied any plan to invade. "
            "We will not attack, raid or invade our neighbour, he told the forum on Wednesday.")
    before, focus, after = sentence_spans(text)
    limit = max(after[1] - focus[0], focus[1] - before[0])  # the focus and either neighbour, not both

    def holding(word: str):
        return lambda sentence: int(word in sentence)

    assert window(text, focus, limit) == (before[0], focus[1])  # unweighed: alternately, before first
    assert window(text, focus, limit, holding("forum")) == (focus[0], after[1])
    assert window(text, focus, limit, holding("delegations")) == (before[0], focus[1])
    assert window(text, focus, limit, holding("question")) == (focus[0], after[1])  # a tie: after
    assert window(text, focus, len(text), holding("delegations")) == (0, len(text))


def test_quote_window_in_a_long_transcript_is_the_widest_run_of_whole_sentences():
    text = " ".join(f"Speaker {i} said that point number {i} {'matters a great deal ' * (i % 5)}to them."
                    for i in range(400))
    spans = sentence_spans(text)
    starts, ends = {s for s, _ in spans}, {e for _, e in spans}
    for index in (0, 1, 57, 200, 398, 399):
        focus = spans[index]
        start, end = window(text, focus, 300)
        assert start in starts and end in ends and start <= focus[0] and end >= focus[1] and end - start <= 300
        first = next(i for i, (s, _) in enumerate(spans) if s == start)
        last = next(i for i, (_, e) in enumerate(spans) if e == end)
        # widest: neither neighbour would still fit
        assert first == 0 or end - spans[first - 1][0] > 300
        assert last == len(spans) - 1 or spans[last + 1][1] - start > 300
