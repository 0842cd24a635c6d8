"""How often Parley says "not covered" to questions no news archive of diplomacy should answer.

usage: python benchmarks/off_topic.py [--data-dir DIR] [--no-rerank]

The dev set has only eight unanswerable questions, so abstention is easy to over-fit. Two more
rough readings, each answered question printed with the quote it got, so a person can see whether
the words matched and the meaning didn't (nothing is asserted):

- general knowledge (sport, cooking, science, gadgets), for any index;
- events from after mid-2022 that the talks led to, for an archive of the talks that ends in
  2022: the hard case, since the sources are on the topic and only lack the event;
- questions naming a later year (2023, 2024), which the sources can only have anticipated;

and the other side of the same rules: on-topic questions about history from before the archive
("the 2014 Minsk agreements", "the June 2021 Geneva summit"), which the sources recount and the
date rules must not refuse (each refused one is printed).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from config import load_settings
from index.search import Searcher

QUESTIONS = [
    "Who won the 2022 Super Bowl?", "What is the capital of Australia?", "How do I reset my iPhone password?",
    "What did the Pope say about climate change in 2023?", "Who won the Eurovision Song Contest in 2022?",
    "How many people died in the 2023 Turkey earthquake?", "What was agreed at the 2024 NATO Washington summit?",
    "What recipe did Jamie Oliver publish for Christmas?", "Who is the CEO of OpenAI?",
    "What did Israel and Hamas agree in the 2023 truce?", "What was the score of the Real Madrid vs Liverpool final?",
    "How tall is Mount Everest?", "When will the next iPhone be released?", "How long should I boil an egg?",
    "What is the boiling point of water at high altitude?", "When was the Eiffel Tower built?",
]
AFTER_THE_ARCHIVE = [
    "When did Finland formally become a NATO member?", "Who was behind the October 2022 attack on the Kerch bridge?",
    "What happened during the Wagner mutiny in June 2023?", "When was the Black Sea grain deal signed?",
    "Who won the 2022 Nobel Peace Prize?", "What did Russia's September 2022 mobilization order require?",
    "When did Russian forces withdraw from Kherson city?", "Who succeeded Boris Johnson as UK prime minister?",
    "What did the annexation referendums in occupied regions in September 2022 show?",
    "Which Russian banks were cut off from SWIFT in 2023?", "When did Russia suspend its participation in New START?",
    "What did Xi Jinping and Putin sign in Moscow in March 2023?",
    "What did the G7 leaders agree at their June 2022 summit in Elmau?", "When did Sweden join NATO?",
    "How many people died in the Kremenchuk shopping mall strike?",
    "What did the Madrid NATO summit decide about Finland and Sweden?", "Who blew up the Kakhovka dam?",
    "What was agreed in the July 2022 Black Sea grain initiative?",
    "How many Russian soldiers were killed in the Makiivka strike?",
    "How far did Ukraine's Kharkiv counteroffensive in September 2022 advance?",
    "When did the ICC issue an arrest warrant for Putin?",
    "What damage did the August 2022 shelling of the Zaporizhzhia nuclear plant cause?",
    "At what level did the EU set its price cap on Russian oil?", "Who replaced Sergei Shoigu as defence minister?",
    "What happened to Yevgeny Prigozhin's plane?", "How many people were killed in the Vinnytsia missile strike?",
    "What did Zelensky say at the UN General Assembly in September 2022?",
    "When did Russia annex four Ukrainian regions?", "How many HIMARS launchers did the US send Ukraine in June 2022?",
    "Who was responsible for sabotaging the Nord Stream pipelines?",
    "What was the death toll of the Kramatorsk train station attack?",
    "What did NATO's 2022 Strategic Concept say about Russia?",
    "How many Russian troops died in the first year of the war?",
]
# Asked about a year after the archive: the sources can only have anticipated it ("by 2023").
LATER_YEARS = [
    "What did the 2023 NATO summit decide about Ukraine?", "Who won the 2023 Nobel Peace Prize?",
    "What happened in the 2024 Russian presidential election?", "What did the G20 agree in 2023?",
    "How much military aid did the US pledge to Ukraine in 2023?", "What sanctions did the EU adopt in 2023?",
    "When did Russia withdraw from the CFE Treaty in 2023?",
    "What did Putin say in his 2023 address to the Federal Assembly?",
    "Who won the 2024 US presidential election?", "What did Zelensky say at the 2023 Munich Security Conference?",
    "What did Biden say in Warsaw in February 2023?", "How many Russian soldiers died in 2023?",
]
HISTORY = [
    "What did Russia demand in its December 2021 draft treaties?",
    "Which 1997 NATO-Russia document did the Kremlin cite?",
    "When did the NATO-Russia Council last meet before 2022?", "What did Putin say about the 2008 Bucharest summit?",
    "What happened to Nord Stream 2 in February 2022?", "What did Biden say about sanctions in January 2022?",
    "What did Putin say about the 2014 Minsk agreements?", "What did Lavrov say about the 1999 Istanbul Charter?",
    "Who did Blinken meet in Geneva in January 2022?", "What did the 2015 Minsk II agreement require?",
    "Why did Russia annex Crimea in 2014?", "What did the US say about the 1987 INF Treaty?",
    "How many troops did Russia have near Ukraine in April 2021?", "What did NATO promise Gorbachev in 1990?",
    "What happened at the June 2021 Geneva summit between Biden and Putin?",
    "When was the NATO-Russia Founding Act signed in 1997?",
    "What did Russia say about the 2019 collapse of the INF Treaty?",
    "What did Putin write in his July 2021 article about Ukraine?",
]


def searcher_from_arguments() -> Searcher:
    """The searcher the command line asks for: ``--data-dir`` (else PARLEY_DATA_DIR), ``--no-rerank``."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--no-rerank", action="store_true")
    args = parser.parse_args()
    settings = load_settings()
    return Searcher.from_settings(settings, data_dir=args.data_dir or settings.data_dir, rerank=not args.no_rerank)


def main() -> None:
    searcher = searcher_from_arguments()
    for group, questions in (("off-topic", QUESTIONS), ("after-the-archive", AFTER_THE_ARCHIVE),
                             ("later-year", LATER_YEARS)):
        answered = [(question, searcher.ask(question)) for question in questions]
        answered = [(question, answer) for question, answer in answered if answer.answered]
        print(f"not covered: {len(questions) - len(answered)} of {len(questions)} {group} questions")
        for question, answer in answered:
            print(f"  answered {question!r} with {answer.quotes[0].outlet}: {answer.quotes[0].text[:100]!r}")
    refused = [question for question in HISTORY if not searcher.ask(question).answered]
    print(f"answered: {len(HISTORY) - len(refused)} of {len(HISTORY)} on-topic questions naming earlier years, months")
    for question in refused:
        print(f"  not covered: {question!r}")


if __name__ == "__main__":
    main()
