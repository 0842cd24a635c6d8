"""Who speaks each sentence: transcript labels, quotes, reported speech, pronouns, paraphrase.

The texts are short made-up fixtures in the shapes the shared corpus has (White House and State
Department transcripts, Kremlin transcripts, news), not corpus text.
"""

from __future__ import annotations

from index.sentences import sentence_spans
from index.speakers import Speaker, attribute


def who(text: str, title: str = "") -> list[tuple[str, str | None, str | None, str | None]]:
    """(sentence, speaker name, kind, form) for each sentence, in order."""
    return [(text[item.start:item.end], item.speaker.name if item.speaker else None, item.kind, item.form)
            for item in attribute(text, title)]


def speaker_of(text: str, sentence_start: str, title: str = "") -> Speaker | None:
    """The speaker of the one sentence that begins with ``sentence_start``."""
    matches = [item.speaker for item in attribute(text, title) if text[item.start:].startswith(sentence_start)]
    assert len(matches) == 1, f"{sentence_start!r} opens {len(matches)} sentences"
    return matches[0]


BRIEFING = """James S. Brady Press Briefing Room

1:05 P.M. EST

MS. PSAKI: Good afternoon. I have one item at the top.

The talks in Geneva start on Monday. We expect them to be frank.

Q Thanks, Jen. Will the President call Mr. Putin again?

MS. PSAKI: I don't have a call to predict. (Laughter.)

SECRETARY BLINKEN: Let me add one point. Diplomacy is the better path.

END 1:40 P.M. EST

Secretary of State Antony J. Blinken will travel to Kyiv next week.
"""


def test_white_house_labels_carry_across_paragraphs_until_the_next_label():
    rows = who(BRIEFING, "Press Briefing by Press Secretary Jen Psaki and Secretary of State Antony J. Blinken")
    by_sentence = {sentence: (name, kind, form) for sentence, name, kind, form in rows}
    assert by_sentence["James S. Brady Press Briefing Room"][0] is None  # before the first label
    assert by_sentence["MS. PSAKI: Good afternoon."] == ("Jen Psaki", "words", "label")
    assert by_sentence["We expect them to be frank."] == ("Jen Psaki", "words", "label")  # two paragraphs on
    assert by_sentence["Q Thanks, Jen."][0] == "Reporter"
    assert by_sentence["Will the President call Mr. Putin again?"][0] == "Reporter"
    assert by_sentence["MS. PSAKI: I don't have a call to predict."][0] == "Jen Psaki"
    assert by_sentence["(Laughter.)"][0] is None  # a stage note is nobody's words
    assert by_sentence["SECRETARY BLINKEN: Let me add one point."][0] == "Antony J. Blinken"
    assert by_sentence["Diplomacy is the better path."][0] == "Antony J. Blinken"
    assert by_sentence["Secretary of State Antony J. Blinken will travel to Kyiv next week."][0] is None  # after END


def test_a_capitals_heading_with_a_colon_is_not_a_label():
    text = "NOMINATIONS SENT TO THE SENATE:\n\nJane Roe, of Ohio, to be an Ambassador.\n\nSUBJECT: Travel to Kyiv.\n"
    assert [name for _, name, _, _ in who(text)] == [None, None, None]


def test_a_label_gives_the_role_the_article_introduced_the_speaker_with():
    text = "MS. PSAKI: Good afternoon.\n\nQ Hello.\n"
    assert speaker_of(text, "MS. PSAKI", "Press Briefing by Press Secretary Jen Psaki") == \
        Speaker("Jen Psaki", "Press Secretary")


def test_the_president_label_is_the_president_the_title_names():
    text = "THE PRESIDENT: Thank you all for coming. We stand with our allies.\n"
    assert speaker_of(text, "We stand", "Remarks by President Biden and Prime Minister Doe") == \
        Speaker("Biden", "President")


def test_state_department_labels_on_single_lines():
    text = ("Ned Price, Department Spokesperson\nMR PRICE: Good afternoon.\nQUESTION: Is there a date for the talks?\n"
            "MR PRICE: Not yet. We will say when there is.\n")
    rows = who(text)
    assert [name for _, name, _, _ in rows] == ["Ned Price", "Reporter", "Ned Price", "Ned Price"]
    assert speaker_of(text, "We will say") == Speaker("Ned Price", "Department Spokesperson")


KREMLIN = ("Vladimir Putin held a meeting with the Foreign Minister. President of Russia Vladimir Putin: Colleagues, "
           "good afternoon. We will discuss the replies. Foreign Minister Sergei Lavrov Lavrov SergeiForeign Minister "
           "of Russia: Mr President, the replies came last week. They are not satisfactory. Vladimir Putin: Thank you. "
           "What do you propose? Sergei Lavrov: To continue the talks.")


def test_kremlin_labels_inline_including_the_scraped_doubled_form():
    rows = who(KREMLIN)
    assert rows[0][1] is None  # the narration before the first label
    names = [name for _, name, _, _ in rows[1:]]
    assert names == ["Vladimir Putin"] * 2 + ["Sergei Lavrov"] * 2 + ["Vladimir Putin"] * 2 + ["Sergei Lavrov"]
    assert speaker_of(KREMLIN, "They are not") == Speaker("Sergei Lavrov", "Foreign Minister of Russia")
    assert speaker_of(KREMLIN, "President of Russia Vladimir Putin:").role == "President of Russia"


def test_a_heading_with_a_colon_is_not_a_speaker():
    text = "World Outlook: The fund will publish its report on Tuesday. Markets expect little change."
    assert [name for _, name, _, _ in who(text)] == [None, None]


NEWS = ("Russian Deputy Foreign Minister Sergei Ryabkov told reporters that the talks had been difficult. "
        "“We have no reason to be optimistic,” Ryabkov said. “But we will keep talking.” "
        "The meeting lasted almost eight hours. "
        "According to Stoltenberg, the alliance remains open to dialogue. "
        "“NATO will not compromise on its core principles,” said Jens Stoltenberg, NATO's secretary general. "
        "He added that allies were united. "
        "The Kremlin said the proposals were clear. "
        "Lavrov said Moscow would not wait forever.")


def test_reported_speech_forms_with_roles_and_full_names():
    rows = {sentence: (name, kind, form) for sentence, name, kind, form in who(NEWS)}
    assert rows["Russian Deputy Foreign Minister Sergei Ryabkov told reporters that the talks had been difficult."] == \
        ("Sergei Ryabkov", "account", "reported")
    assert rows["“We have no reason to be optimistic,” Ryabkov said."] == ("Sergei Ryabkov", "words", "quote")
    assert rows["“But we will keep talking.”"] == ("Sergei Ryabkov", "words", "quote")  # the quote carries on
    assert rows["The meeting lasted almost eight hours."][0] is None
    assert rows["The Kremlin said the proposals were clear."][0] is None  # an institution, not a person
    assert speaker_of(NEWS, "“We have no reason") == Speaker("Sergei Ryabkov", "Russian Deputy Foreign Minister")
    assert speaker_of(NEWS, "“NATO will not") == Speaker("Jens Stoltenberg", "NATO's secretary general")


def test_according_to_names_the_speaker_of_an_account():
    text = "Jens Stoltenberg met ministers on Friday. According to Stoltenberg, the alliance remains open to dialogue."
    rows = who(text)
    assert rows[0][1] is None
    assert rows[1][1:] == ("Jens Stoltenberg", "account", "reported")


def test_a_paraphrase_is_the_outlets_account_and_a_quote_the_speakers_words():
    text = ("Foreign Minister Sergei Lavrov said Moscow would not wait forever for an answer. "
            "Lavrov said: “We will not wait forever.”")
    rows = who(text)
    assert rows[0][1:] == ("Sergei Lavrov", "account", "reported")
    assert rows[1][1:] == ("Sergei Lavrov", "words", "quote")


def test_a_pronoun_is_the_last_named_speaker_when_no_one_else_was_named_since():
    text = ("Deputy Secretary of State Wendy Sherman said the talks were frank. "
            "The two sides met for eight hours. "
            "She added that no date was set for another round.")
    assert speaker_of(text, "She added") == Speaker("Wendy Sherman", "Deputy Secretary of State")


def test_an_ambiguous_pronoun_gets_no_speaker():
    text = ("Deputy Secretary of State Wendy Sherman said the talks were frank. "
            "Russian Deputy Foreign Minister Sergei Ryabkov called them difficult. "
            "He added that no date was set.")
    assert speaker_of(text, "He added") is None
    assert speaker_of("He said the talks would go on.", "He said") is None  # no one named before


def test_a_pronoun_after_a_long_quotation_is_its_speaker_not_someone_it_mentions():
    text = ("Senator John Doe told reporters the sanctions were too weak. "
            "“I told President Smith last week. It was not enough. Nobody listened. We need more,” he said.")
    assert speaker_of(text, "“I told").name == "John Doe"
    assert speaker_of(text, "We need more").name == "John Doe"


def test_a_statement_by_title_is_its_authors_words():
    text = ("The United States condemns the attack.\n\nWe stand with the people of Ukraine.\n\n###")
    rows = who(text, "Statement by NSC Spokesperson Emily Horne on the Attack")
    assert [name for _, name, _, _ in rows] == ["Emily Horne", "Emily Horne", None]
    assert rows[0][2:] == ("words", "statement")


def test_attributions_line_up_with_the_sentence_splitter():
    items = attribute(NEWS + "\n\n" + BRIEFING)
    assert [(item.start, item.end) for item in items] == sentence_spans(NEWS + "\n\n" + BRIEFING)


def test_an_institution_is_not_the_person_whose_role_names_it():
    text = "White House press secretary Jen Psaki said the call went well. The White House said it would follow up."
    assert speaker_of(text, "White House press").name == "Jen Psaki"
    assert speaker_of(text, "The White House said") is None


def test_an_official_texts_author_line_makes_it_their_statement():
    text = "Antony J. Blinken, Secretary of State\nToday the United States joins the council. We will speak plainly."
    assert [name for _, name, _, _ in who(text)] == ["Antony J. Blinken", "Antony J. Blinken"]
    assert speaker_of(text, "We will").role == "Secretary of State"


def test_a_label_followed_only_by_a_stage_note_says_nothing():
    text = "THE PRESIDENT: We will see.\n\nQ (Cross-talk.)\n\nQ Will you call him?\n"
    assert [name for _, name, _, _ in who(text, "Remarks by President Biden")] == ["Biden", None, "Reporter"]


def test_a_kremlin_label_after_a_section_break_opens_a_turn():
    text = ("Taking part in the meeting were Deputy Prime Minister Jan Doe and Minister of Finance Petr Roe, as well "
            "as heads of regions and many others. * * * President of Russia Vladimir Putin: Colleagues, good "
            "afternoon. We will review the programme today.")
    rows = who(text)
    assert rows[0][1] is None  # the list of participants is most of that sentence: not Putin's words
    assert rows[1][1:] == ("Vladimir Putin", "words", "label")


def test_the_president_a_title_names_stops_before_the_titles_next_word():
    text = "THE PRESIDENT: We will mark the day together.\n\nQ Will you speak again?\n"
    for title in ("Remarks by President Biden To Mark the Anniversary", "Remarks by President Biden Announcing Aid"):
        assert [name for _, name, _, _ in who(f"President Biden spoke at noon.\n\n{text}", title)] == [
            None, "Biden", "Reporter"]
    assert speaker_of(text, "THE PRESIDENT", "Remarks by President Joe Biden on Aid").name == "Joe Biden"


def test_a_quoted_clause_with_a_long_attribution_after_it_is_still_the_speakers_words():
    text = ("Foreign Minister Sergei Lavrov said Moscow had waited. “Our patience is at an end,” he said at a "
            "pre-scheduled press conference in Moscow on Friday. He said the “red lines” were clear.")
    rows = who(text)
    assert rows[1][1:] == ("Sergei Lavrov", "words", "quote")  # the quote is a third of the sentence
    assert rows[2][1:] == ("Sergei Lavrov", "account", "reported")  # a quoted phrase inside a paraphrase


def test_a_role_is_the_phrase_around_its_noun_not_a_heading_or_another_person_before_it():
    text = ("The meeting opened.\n\nLand of Opportunity Supervisory Board President of Russia Vladimir Putin: Good "
            "afternoon, colleagues.\n")
    assert speaker_of(text, "Land of") == Speaker("Vladimir Putin", "President of Russia")
    title = "Press Briefing by Press Secretary Jen Psaki And National Economic Council Director Brian Deese"
    assert speaker_of("MR. DEESE: The economy grew.\n", "MR. DEESE", title) == Speaker(
        "Brian Deese", "National Economic Council Director")  # a long title is kept whole


def test_the_president_is_neither_a_title_verb_nor_someone_sharing_his_surname():
    text = "THE PRESIDENT: We are sending aid.\n"
    assert speaker_of(text, "THE PRESIDENT", "Remarks by President Biden Providing an Update on Aid").name == "Biden"
    text = "First Lady Jill Biden spoke first.\n\nTHE PRESIDENT: Thank you, Jill.\n"
    title = "Remarks by President Biden and First Lady Jill Biden at a Reception"
    assert speaker_of(text, "THE PRESIDENT", title) == Speaker("Biden", "President")


def test_a_label_or_title_is_not_someone_else_sharing_the_surname():
    text = "THE PRESIDENT: Let me thank the First Lady, Dr. Jane Doe, for coming. Thank you all.\n"
    assert speaker_of(text, "Thank you all", "Remarks by President Doe on the Budget") == Speaker("Doe", "President")
    text = ("Jack Roe, the senator's son, left the firm in May. When asked about the report Friday, President Roe "
            "vowed the country would respond.")
    assert speaker_of(text, "When asked") == Speaker("Roe", "President")


def test_a_labels_own_title_and_any_alphabets_capitals():
    title = "Remarks by Vice President Doe and President Kalniėtė of Ruritania"
    text = "VICE PRESIDENT DOE: Good afternoon.\n\nPRESIDENT KALNIĖTĖ: Thank you. We are ready to talk.\n"
    assert speaker_of(text, "VICE PRESIDENT", title) == Speaker("Doe", "Vice President")
    assert speaker_of(text, "We are ready", title).name == "Kalniėtė"  # not the Vice President's turn running on


def test_a_headings_event_or_other_guest_is_not_part_of_the_role():
    for heading in ("Address at the meeting of the Supreme Economic Council", "Speech at the meeting of the Trade "
                    "Ministry Board", "Beginning of talks with President of Ruritania Petr Roe"):
        text = f"The talks began. * * * {heading} President of Russia Jan Doe: Good afternoon. We will begin.\n"
        assert speaker_of(text, "We will begin") == Speaker("Jan Doe", "President of Russia"), heading
    assert speaker_of("US Army Chief of Staff Jan Doe said the drills were over.", "US Army").role == \
        "US Army Chief of Staff"  # a body qualified by its own word stays in the role


def test_the_scraped_doubled_label_with_two_given_names():
    text = ("Jan Doe: Welcome. President of Ruritania Sayyid Ali Roe Roe Sayyid AliPresident of Ruritania "
            "(retranslated): Thank you very much. We have brought a document.")
    assert speaker_of(text, "We have brought") == Speaker("Ali Roe", "President of Ruritania")


def test_a_statement_titles_words_after_the_name_are_not_the_name():
    text = "We remember those we lost.\n"
    assert who(text, "Statement by President Jan Doe Marking One Year Since the Flood")[0][1] == "Jan Doe"
    assert who(text, "Statement by President Doe Four Years After the Flood")[0][1] is None


def test_a_place_a_given_name_or_a_plural_title_is_not_part_of_a_name_or_role():
    speaker = speaker_of('"We must act now," Rep. Jan Doe of Ruritania told reporters.', '"We must')
    assert (speaker.name if speaker else None) in {None, "Jan Doe"}  # never "Ruritania"
    assert speaker_of("Latvian Prime Minister Karl Jan Doe said the talks would go on.", "Latvian") == \
        Speaker("Jan Doe", "Latvian Prime Minister")
    text = 'Presidents Doe and Roe met on Monday. President Jan Doe spoke first. "We agreed on a plan," Doe said.'
    assert speaker_of(text, '"We agreed').name == "Jan Doe"  # not "Presidents Doe"


def test_a_particle_belongs_to_the_surname_and_a_doubled_title_to_the_role():
    assert speaker_of("AMIR AL DOE: Thank you.\n", "AMIR") == Speaker("Al Doe", "Amir")
    text = "Jan Roe: Welcome. Patriarch Hilarion Hilarion Patriarch of Ruritania: Thank you. We are grateful."
    assert speaker_of(text, "We are grateful") == Speaker("Hilarion", "Patriarch of Ruritania")


ONE_LINE_TRANSCRIPT = (
    "President of Russia Oleg Varin: Good afternoon. Lena Orlova: Good afternoon. Oleg Varin: Go ahead. "
    "Lena Orlova: Thank you for taking my question. "
    "Will you sign the treaty this year, and what do you expect from the other side? Thank you Oleg Varin: "
    "Regarding your question, we will sign it when our security is guaranteed in full and in writing. "
    "That is all. Lena Orlova: Thank you. Oleg Varin: Next question, please. Moderator Ivan Belov: Please. "
    "Let us hear the next one from the agency in the back row Oleg Varin: Yes. We will keep talking. "
    "Lena Orlova: One more thing: the talks go on.")


def test_a_label_inside_a_one_line_transcripts_sentence_opens_a_turn():
    rows = {sentence: name for sentence, name, _, _ in who(ONE_LINE_TRANSCRIPT, "News conference")}
    assert rows["Will you sign the treaty this year, and what do you expect from the other side?"] == "Lena Orlova"
    # the label opens the sentence's main part: the rest of it, and the turn after it, are Varin's
    assert rows["Thank you Oleg Varin: Regarding your question, we will sign it when our security is guaranteed "
                "in full and in writing."] == "Oleg Varin"
    assert rows["That is all."] == "Oleg Varin"
    # a label late in a sentence leaves it to the speaker of its main part; the next sentence is the new turn's
    assert rows["Let us hear the next one from the agency in the back row Oleg Varin: Yes."] == "Ivan Belov"
    assert rows["We will keep talking."] == "Oleg Varin"
    assert rows["Lena Orlova: One more thing: the talks go on."] == "Lena Orlova"


def test_a_name_and_colon_after_a_speech_verb_in_prose_is_no_label():
    text = ("Oleg Varin: We are ready. Lena Orlova: When? Oleg Varin: Soon. Lena Orlova: Fine. Oleg Varin: As I "
            "told the paper, I once said Lena Orlova: She was right. The reporter then left the room without comment.")
    rows = {sentence: name for sentence, name, _, _ in who(text)}
    assert rows["The reporter then left the room without comment."] == "Oleg Varin"


def test_a_title_with_a_place_or_lower_case_words_before_a_full_name_and_speech_verb():
    text = ("NATO Secretary General Anders Holm said the alliance would answer in writing. "
            "The talks ended early, European Union foreign policy chief Marta Ruiz told reporters in Brussels. "
            "“We are ready to talk,” former Moscow station chief Dan Ortiz told the paper. "
            "The talks failed, despite Ukrainian President Ivan Koval urging both sides to return. "
            "In March, North Korean Vice Minister Ri Thae Ho said the call was premature.")
    rows = {sentence: (name, kind) for sentence, name, kind, _ in who(text)}
    assert rows["NATO Secretary General Anders Holm said the alliance would answer in writing."] == (
        "Anders Holm", "account")
    assert speaker_of(text, "NATO Secretary General").role == "NATO Secretary General"
    assert speaker_of(text, "The talks ended early") == Speaker("Marta Ruiz", "European Union foreign policy chief")
    assert rows["“We are ready to talk,” former Moscow station chief Dan Ortiz told the paper."] == (
        "Dan Ortiz", "words")
    # a title after a linking word is not the sentence's subject, nor a name of three words cut to two
    assert rows["The talks failed, despite Ukrainian President Ivan Koval urging both sides to return."][0] is None
    assert rows["In March, North Korean Vice Minister Ri Thae Ho said the call was premature."][0] is None
