"""The first quote Parley gives to on-topic questions that are not in the dev set, for a person to read.

usage: python benchmarks/first_quotes.py [--data-dir DIR] [--no-rerank]

The dev set steers every weight, so a change can help it and hurt questions it doesn't hold. These
questions were written without looking at the answers; nothing is asserted. Run it before and after
a change and compare: each line is the outlet and the marked (answering) sentence of the first quote.
"""

from __future__ import annotations

from off_topic import searcher_from_arguments  # a sibling script: benchmarks/ is on the path when run

QUESTIONS = [
    "What did Lavrov say after the Jan 21 meeting with Blinken?",
    "How many US troops were put on heightened alert in January?",
    "Where did Blinken and Lavrov meet in January?",
    "What did Stoltenberg say after the NATO-Russia Council meeting?",
    "What did Putin tell Macron in their February meeting?",
    "Which US official led the US delegation at the OSCE?",
    "What did the White House call Russia's recognition of the separatist regions?",
    "What sanctions did Biden announce on February 22?",
    "What did Scholz say about Nord Stream 2?",
    "What did Russia say about NATO's open door policy?",
    "Who is Russia's ambassador to the United States?",
    "What did Ryabkov say after the Geneva talks?",
    "How did Psaki describe the threat of invasion?",
    "When did Russia recognize the independence of the DNR and LNR?",
    "What did the Kremlin say about the US written response?",
]


def main() -> None:
    searcher = searcher_from_arguments()
    for question in QUESTIONS:
        answer = searcher.ask(question)
        print(question)
        if not answer.answered:
            print("   not covered")
            continue
        quote = answer.quotes[0]
        marked = quote.text[quote.highlight[0]:quote.highlight[1]] if quote.highlight else quote.text
        print(f"   {quote.outlet}: {marked[:200]}")


if __name__ == "__main__":
    main()
