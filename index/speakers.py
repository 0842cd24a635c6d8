"""Who speaks each sentence of an article: a transcript label, a quote's attribution, reported speech.

Parley quotes verbatim, so a quote can say who spoke it. Each sentence (as ``index.sentences``
splits it) gets a speaker, or None when the text does not say or the rules are unsure: a wrong
speaker is worse than none. The forms read:

- ``label``: a transcript label opening a turn, carried across paragraphs until the next label
  (White House and State Department ``MS. PSAKI:``, ``SECRETARY BLINKEN:``, ``Q``/``QUESTION:``
  for a reporter; Kremlin ``President of Russia Vladimir Putin:`` and its scraped doubled form). In a
  one-line transcript a turn may open mid-sentence (``… your intentions? Thank you Vladimir Putin: …``):
  such a sentence is whoever speaks most of it, and the turn goes on with the new speaker.
- ``quote``: a direct quotation with its attribution (``“…,” Lavrov said.``), and the quoted
  sentences that continue it.
- ``reported``: reported speech (``Ryabkov told reporters that …``, ``…, Lavrov said.``,
  ``According to Stoltenberg, …``), the subject with its title (``NATO Secretary General Jens
  Stoltenberg said``, ``…, EU foreign policy chief Josep Borrell told reporters``); ``he``/``she``
  is the last named speaker only when no other person was named since.

``kind`` says whose words the sentence is: ``words`` (a label's turn, or mostly a quotation) or
``account`` (the outlet's paraphrase of what was said). Names and roles come from the article
itself: a surname resolves to the full name and role it was introduced with.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from dataclasses import dataclass, field, replace

from index.sentences import sentence_spans


@dataclass(frozen=True)
class Speaker:
    """A person (or a transcript role such as "Reporter") and the role the text gives them."""

    name: str
    role: str | None = None


@dataclass(frozen=True)
class Attribution:
    """Who speaks the sentence ``text[start:end]``; ``kind`` is ``words`` or ``account``, ``form`` how it is said."""

    start: int
    end: int
    speaker: Speaker | None = None
    kind: str | None = None
    form: str | None = None


_VERBS = ("said|says|told|tells|added|adds|stated|states|warned|warns|noted|notes|stressed|stresses|"
          "emphasi[sz]ed|emphasi[sz]es|insisted|insists|argued|argues|explained|explains|declared|declares|"
          "claimed|claims|wrote|writes|tweeted|tweets|asked|asks|urged|urges|announced|announces|"
          "acknowledged|acknowledges|suggested|suggests|replied|replies|reiterated|"
          "reiterates|cautioned|cautions|predicted|predicts|repeated|repeats|remarked|affirmed|reaffirmed|"
          "reaffirms|confirmed|confirms|denied|denies|admitted|admits|conceded|concedes|recalled|recalls|"
          "underscored|underscores|underlined|underlines|observed|countered|complained|complains|vowed|vows|"
          "promised|promises|threatened|threatens|expressed|expresses|pointed out|points out|assured|assures|"
          "accused|accuses|demanded|demands|proposed|proposes|signaled|signalled|indicated|indicates|contended|"
          "contends|maintained|maintains|highlighted|highlights|condemned|condemns|informed|informs|"
          "congratulated|congratulates|alleged|alleges|briefed|briefs|criticized|criticised|criticizes|"
          "criticises|made it clear|makes it clear|called on|calls on|called for|calls for|saying|telling|warning|"
          "insisting|arguing|urging|claiming")
_VERB = re.compile(rf"\b(?:{_VERBS})\b")
_INTRODUCED_QUOTE = re.compile(rf"\b(?:{_VERBS})\b[^“\"\n]{{0,40}}:\s*[“\"]")  # "… wrote on Twitter: “…"
_QUOTE_FIRST = re.compile(r"[“\"][^“”\"\n]{10,}[,.!?…][”\"]")  # "“Our patience is at an end,” he said at …"
_AUX = re.compile(r"(?:\b(?:also|further|later|then|previously|earlier|again|once|has|had|have|would|will|was|is|"
                  r"been|[a-z]+ly)\s+)+$")
_WORD = re.compile(r"[A-Za-z\u00C0-\u024F][\w'’.\-]*|[^\w\s]")
_ROLE_WORDS = {
    "minister", "ministry", "secretary", "president", "vice", "prime", "foreign", "deputy", "general", "state",
    "press", "spokesperson", "spokesman", "spokeswoman", "ambassador", "chancellor", "adviser", "advisor",
    "national", "security", "defense", "defence", "chief", "head", "director", "envoy", "special", "senior",
    "official", "commissioner", "governor", "mayor", "senator", "sen.", "rep.", "representative", "leader",
    "chairman", "chairwoman", "chair", "speaker", "king", "queen", "prince", "amir", "emir", "pope", "patriarch",
    "commander", "colonel", "gen.", "admiral", "lt.", "lieutenant", "captain", "secretary-general", "negotiator",
    "diplomat", "aide", "counselor", "counsellor", "undersecretary", "under", "assistant", "acting", "former",
    "top", "administrator", "surgeon", "first", "lady", "majority", "minority", "house", "department", "council",
    "office", "kremlin", "white", "pentagon", "moderator", "host", "anchor", "correspondent", "reporter",
    "analyst", "professor", "economist", "expert", "lawmaker", "politician", "congressman", "congresswoman", "member",
    "premier", "ceo", "founder", "presidential", "gov", "sen", "rep", "treasurer", "executive", "affairs", "staff",
    "joint", "army", "navy", "air", "force", "forces", "armed", "intelligence", "agency", "federal", "deputies", "duma",
    "parliament", "republic", "federation", "chamber", "committee", "service", "sheikh", "principal",
}
_NATIONALITIES = {
    "russian", "american", "ukrainian", "belarusian", "german", "french", "british", "english", "chinese",
    "japanese", "polish", "italian", "spanish", "turkish", "dutch", "swedish", "finnish", "norwegian", "danish",
    "estonian", "latvian", "lithuanian", "romanian", "bulgarian", "hungarian", "czech", "slovak", "austrian",
    "swiss", "belgian", "greek", "canadian", "mexican", "european", "western", "soviet", "kazakh", "georgian",
    "armenian", "azerbaijani", "moldovan", "korean", "indian", "pakistani", "israeli", "iranian", "iraqi",
    "syrian", "saudi", "qatari", "emirati", "egyptian", "australian", "cypriot", "irish", "scottish", "croatian",
    "serbian", "slovenian", "portuguese", "brazilian", "cuban", "venezuelan", "afghan", "uzbek", "tajik",
    "kyrgyz", "turkmen", "mongolian", "vietnamese", "thai", "indonesian", "african", "arab", "asian",
}
_ORG_WORDS = {
    "house", "states", "ministry", "department", "kingdom", "union", "nations", "office", "council", "kremlin",
    "pentagon", "press", "news", "times", "post", "agency", "service", "committee", "government",
    "administration", "embassy", "federation", "republic", "alliance", "organization", "organisation",
    "assembly", "parliament", "duma", "court", "bank", "group", "company", "corp", "inc", "street", "journal",
    "network", "institute", "university", "center", "centre", "foundation", "forces", "army", "navy", "command",
    "party", "guard", "commission", "security", "intelligence", "affairs", "bureau", "board", "fund", "markets",
    "exchange", "capital", "partners", "research", "associates", "holdings", "analytics", "securities",
    "economics", "investments", "management", "advisors", "tv", "radio", "channel", "today", "daily", "express",
    "mirror", "herald", "tribune", "gazette", "review", "weekly", "ministries", "county", "city", "region",
    "district", "academy", "school", "college", "island", "islands", "sea", "ocean", "river", "airlines", "motors",
    "energy", "oil", "gas",
    "media", "reports", "says", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
    "november", "december", "act", "treaty", "accords", "agreement", "declaration", "statement", "conference",
    "summit", "talks", "meeting", "day", "week", "year", "index", "rights",
}
_NOT_NAMES = {
    "the", "a", "an", "this", "that", "these", "those", "after", "before", "when", "while", "if", "as", "but",
    "and", "or", "so", "yet", "in", "on", "at", "for", "with", "from", "by", "of", "to", "meanwhile",
    "however", "also", "still", "speaking", "asked", "yesterday", "today", "tonight", "later", "earlier",
    "then", "now", "here", "there", "it", "its", "we", "they", "i", "you", "he", "she", "his", "her", "our",
    "their", "my", "your", "both", "each", "every", "all", "some", "many",
    "several", "most", "other", "another", "such", "no", "not", "what", "who", "which", "where", "why", "how",
    "according", "one", "two", "three", "last", "next", "new", "united", "wall", "north", "south", "east", "west",
    "northern", "southern", "eastern", "western", "central", "russia", "ukraine", "moscow", "washington",
    "kyiv", "kiev", "beijing", "london", "paris", "berlin", "brussels", "geneva", "europe", "america", "china",
    "britain", "france", "germany", "nato", "god", "sir", "madam", "thank", "thanks", "good", "dear", "well",
    "yes", "okay", "please", "let", "said", "says", "told", "like", "just", "even", "only", "because", "had", "has",
    "have", "is", "was", "were", "will", "would", "do", "does", "did", "can", "could", "should", "may", "might",
}
_PLACES = {"united", "north", "south", "east", "west", "northern", "southern", "eastern", "western", "central",
           "russia", "ukraine", "moscow", "washington", "kyiv", "kiev", "beijing", "london", "paris", "berlin",
           "brussels", "geneva", "europe", "america", "china", "britain", "france", "germany", "nato"}  # of _NOT_NAMES
_LINKING = {"despite", "though", "although", "since", "because", "unless", "until", "whereas", "whether", "than",
            "once", "whom", "whose", "about", "over", "under", "into", "through", "during", "among", "between",
            "against", "toward", "towards", "without", "within", "upon", "via", "amid", "per", "including", "whilst",
            "something", "anything", "nothing", "everything", "someone", "anyone", "reports", "reported"}
_CONNECTORS = {"of", "the", "for", "to", "on", "in"}
_TITLE_LINKS = {"during", "following", "amid", "upon", "via", "ahead", "about", "over", "regarding", "against",
                "into", "at", "with", "and"}  # capitalised in a title: "Remarks by President Biden During …"
_HONORIFICS = {"mr.", "ms.", "mrs.", "dr.", "mr", "ms", "mrs", "dr", "prof.", "prof", "sen.", "rep.", "gen.", "amb.",
               "gov.",
               "lt.", "col.", "adm.", "sgt.", "capt.", "st.", "jr.", "sr."}
_PARTICLES = {"le", "la", "de", "del", "da", "di", "von", "van", "der", "den", "bin", "al", "el", "ibn", "abu"}
_PRONOUNS = {"he", "she"}
_ROLE_HEADS = {
    "minister", "secretary", "president", "spokesperson", "spokesman", "spokeswoman", "ambassador",
    "chancellor", "adviser", "advisor", "envoy", "official", "commissioner", "governor", "mayor", "senator",
    "representative", "leader", "chairman", "chairwoman", "chair", "speaker", "king", "queen", "prince", "amir",
    "emir", "pope", "patriarch", "commander", "admiral", "general", "secretary-general", "negotiator", "diplomat",
    "aide", "counselor", "counsellor", "undersecretary", "administrator", "director", "chief", "head",
    "moderator", "host", "anchor", "correspondent", "analyst", "professor", "economist", "lawmaker",
    "congressman", "congresswoman", "premier", "ceo", "founder", "lady", "sen.", "rep.", "gen.", "colonel", "treasurer",
}
_UPPER_LABEL = re.compile(r"(?:(MR|MS|MRS|DR)\.?\s+)?([A-Z][\w'’.\-]*(?:\s+[A-Z][\w'’.\-]*){0,5})\s*:[ \t]+(?=\S)")
_Q_LABEL = re.compile(r"Q(?::|\.)?[ \t]+(?=\S)")
_TITLE_LABEL = re.compile(r"([A-Z][^:\n]{1,240}?)\s?(?:\([^)\n]{1,40}\))?:[ \t]+(?=[\"“‘(\[A-Z0-9])")
_DOUBLED = re.compile(r"(?P<role>.*?)\b(?P<given>[A-Z][\w'’\-]+(?: [A-Z][\w'’\-]+)?) (?P<sur>[A-Z][\w'’\-]+) "
                      r"(?P=sur),? (?P=given)(?P<role2>.*)")  # "Sergei Lavrov Lavrov SergeiForeign …"
_DOUBLED_LABEL = re.compile(r"\b([A-Z][\w'’\-]+(?: [A-Z][\w'’\-]+)?) ([A-Z][\w'’\-]+) \2,? \1([^:\n]{2,200}?)\s?:[ \t]")
_GENERIC_LABELS = {"QUESTION": "Reporter", "Q": "Reporter", "QUESTION(RETRANSLATED)": "Reporter"}
_GENERIC_TAILS = ("OFFICIAL", "MODERATOR", "OPERATOR", "AIDE", "MEMBER", "PARTICIPANT", "INTERPRETER", "REPORTER",
                  "OFFICIAL ONE", "OFFICIAL TWO", "OFFICIAL THREE")
_LABEL_TITLES = {"SECRETARY", "PRESIDENT", "GOVERNOR", "ADMINISTRATOR", "AMBASSADOR", "CHANCELLOR", "MINISTER",
                 "GENERAL", "MAYOR", "SENATOR", "AMIR", "EMIR", "KING", "QUEEN", "PRINCE", "LADY", "ADMINSTRATOR",
                 "SPOKESPERSON", "DIRECTOR", "CHAIRMAN", "COMMISSIONER", "REPRESENTATIVE", "LEADER", "DEPUTY"}
_TURN_END = re.compile(r"(?m)^[ \t]*(?:END\b.*|\*[ \t]*\*[ \t]*\*[ \t]*)$")
_SECTION = re.compile(r"\*[ \t]*\*[ \t]*\*[ \t]+")
_LABEL_PREFIX = re.compile(r"^(?:Q|[A-Z][^:\n]{0,240}:)\s*")
_STAGE = re.compile(r"[(\[][^)\]]*[)\]][.]?")  # "(Laughter.)", "[inaudible]": no one's words
_FULL_NAME = re.compile(r"\b(?=([A-Z][\w'’\-]+(?:\s+[A-Z]\.)?(?:\s+(?:[Ll]e|[Dd]e|von|van|der|bin|al|Al))?"
                        r"\s+[A-Z][a-z][\w'’\-]*))")
_NAME_LABEL = re.compile(r"(?:^|(?<=[.?!…\"”]\s))([A-Z][\w'’\-]+ [A-Z][\w'’\-]+):\s", re.M)
_INLINE_LABEL = re.compile(r"(?<=[^\s.?!…:] )([A-Z][\w'’\-]+ [A-Z][\w'’\-]+):[ \t]+(?=[\"“A-Z])")
_TITLED_SURNAME = re.compile(r"\b([A-Za-z][\w\-]*\.?)\s+([A-Z][a-z][\w'’\-]+)\b(?!\s+[A-Z]|[\w'’\-])")
_INTERJECTION = re.compile(r",\s+(?:(?:when|while|asked|speaking|in|at|on|during|after|before|who|whose|also)\b"
                           r"[^,“”\"]{2,100}|[RDI]-[A-Z][a-z]{1,5}\.?),$")  # "Scholz, when asked …," "Scott, R-Fla.,"
_PLACE_PHRASE = re.compile(r"\s+(?:at|in|on|during|from|after|before|with)\s+[^,;:“”\"]{1,60}$")
_BARE_LABEL = re.compile(r"([A-Z][\w'’\-]+ [A-Z][\w'’\-]+)\s+(?=[A-Z])")
_QUOTE_MARK = re.compile(r"[\"“”]")
_MAX_QUOTE = 2500
_PRONOUN_REACH = 3  # sentences back that "he said" may reach for its speaker
_TITLE_REACH = 4  # lower-case words a title may have before its role noun ("European Union foreign policy chief")
_QUOTE_REACH = 6  # sentences a quotation may run across


@dataclass
class _Person:
    name: str
    role: str | None = None
    lent: bool = False  # the role came from a bare surname ("President Biden"), maybe another's of that surname


@dataclass
class _People:
    """The people an article names, by surname key, with the full name and role it first gives them."""

    by_key: dict[str, _Person] = field(default_factory=dict)
    labels: Counter[str] = field(default_factory=Counter)  # how often each bare "Given Surname:" label occurs

    def add(self, name: str, role: str | None, lent: bool = False) -> _Person:
        person = self.by_key.get(_key(name))
        if person is None:
            person = self.by_key[_key(name)] = _Person(name, role)
        else:
            if len(name.split()) > len(person.name.split()) and " " not in person.name:
                person.name = name
            if not person.role and role:
                person.role, person.lent = role, lent
        return person

    def get(self, name: str) -> _Person | None:
        return self.by_key.get(_key(name))


def _key(name: str) -> str:
    return name.split()[-1].lower().strip(".,'’") if name.split() else ""


def attribute(text: str, title: str = "") -> list[Attribution]:
    """For each sentence of ``text`` (an article's cleaned text), who speaks it and how the text says so."""
    spans = sentence_spans(text)
    people = _introductions(f"{title}\n{text}")
    quotes = _quote_spans(text)
    turn_ends = [match.start() for match in _TURN_END.finditer(text)]
    people.labels = Counter(match.group(1) for match in _NAME_LABEL.finditer(text))
    author = _statement_author(title, people) or _byline(text, people)
    results: list[Attribution] = []
    turn: Speaker | None = None
    last: tuple[int, Speaker] | None = None  # the sentence index and speaker last named in reported speech
    for index, (start, end) in enumerate(spans):
        if turn and bisect.bisect_left(turn_ends, results[-1].end) < bisect.bisect_right(turn_ends, start):
            turn = None
        author = _attributable(text, start, end, people) or author
        found = _label(text, start, end, people, title)
        inline = _inline_labels(text, max(found[1], text.find(":", found[1], end)) + 1 if found else start, end, people)
        if inline:  # a turn opening mid-sentence: the sentence is whoever speaks most of it
            labels = ([found] if found else []) + inline
            pieces = [(labels[0][1] - start, turn)] + [
                (after - at, speaker) for (speaker, at), after in zip(labels, [at for _, at in labels[1:]] + [end],
                                                                      strict=True)]
            speaker = max(pieces, key=lambda piece: piece[0])[1]
            turn = labels[-1][0]
            results.append(Attribution(start, end, speaker, "words", "label") if speaker else Attribution(start, end))
            continue
        if found:
            turn, at = found
            said = _LABEL_PREFIX.sub("", text[at:end], count=1)
            late = at - start > (end - start) / 2  # a turn opening late in a sentence: most of it is not theirs
            results.append(Attribution(start, end) if late or _STAGE.fullmatch(said) else
                           Attribution(start, end, turn, "words", "label"))  # "Q (Cross-talk.)" says nothing
            continue
        if turn:
            speaker = None if _STAGE.fullmatch(text[start:end]) else turn
            results.append(Attribution(start, end, speaker, "words" if speaker else None,
                                       "label" if speaker else None))
            continue
        found = _reported(text, start, end, people, quotes)
        if found and found[0] is None:  # a pronoun: the last named speaker, when no one else was named since
            found = _pronoun(text, spans, index, found[1], last, people, quotes)
        if found:
            speaker = found[0]
            quoted = (_quoted_share(start, end, quotes) >= 0.5 or _INTRODUCED_QUOTE.search(text, start, end)
                      or _QUOTE_FIRST.match(text, start, end))  # a whole clause quoted, then who said it
            kind = "words" if quoted else "account"
            results.append(Attribution(start, end, speaker, kind, "quote" if kind == "words" else "reported"))
            last = (index, speaker)
            continue
        results.append(Attribution(start, end))
    results = _continue_quotes(text, results)
    if author:
        results = [Attribution(item.start, item.end, author, "words", "statement")
                   if item.speaker is None and _statement_sentence(text[item.start:item.end]) else item
                   for item in results]
    return results


def _statement_author(title: str, people: _People) -> Speaker | None:
    """The author a title names, ``Statement by NSC Spokesperson Emily Horne on …``: every sentence is theirs."""
    match = re.match(r"(?:Joint\s+)?Statement\s+(?:by|from)\s+(.{3,120}?)(?:\s+[Oo]n\s|\s+and\s|,|$)", title)
    if not match:
        return None
    words = _WORD.findall(match.group(1))
    for at, word in enumerate(words[2:], 2):  # "… President Joe Biden Marking One Year …": the name ends before
        if word.lower() in _TITLE_LINKS or (word.endswith("ing") and len(word) > 6):
            words = words[:at]
            break
    role = _split_name(words)[0]
    if any(_is_head(word) and _plausible_surname(after) for word, after in zip(role, role[1:], strict=False)):
        return None  # "… President Biden Four Years After the Parkland Shooting": someone named before the end
    return _person(words, people, require_full=True)


def _byline(text: str, people: _People) -> Speaker | None:
    """An official text's first line naming its author, ``Antony J. Blinken, Secretary of State``."""
    match = re.match(r"([A-Z][^,\n]{3,60}),\s+([^,\n]{3,80})\n", text)
    if not match or not _is_role_phrase(match.group(2)):
        return None
    speaker = _person(_WORD.findall(match.group(1)), people, require_full=True) or \
        _person(_WORD.findall(match.group(1)), _People())
    return Speaker(speaker.name, match.group(2).strip()) if speaker and " " in speaker.name else None


def _is_role_phrase(words: str) -> bool:
    """``Secretary of State``, ``Department Spokesperson``: role words and connectors only, with a role noun."""
    tokens = _WORD.findall(words)
    return any(_is_head(token) for token in tokens) and all(_is_role(token) or token.lower() in _CONNECTORS
                                                            or token.isupper() for token in tokens)


def _attributable(text: str, start: int, end: int, people: _People) -> Speaker | None:
    """``The below is attributable to Spokesperson Ned Price:``: the author of what follows."""
    match = re.search(r"(?:below|following) is attributable to\s+([^:\n]{3,120}):", text[start:end])
    return _person(_WORD.findall(match.group(1)), people, require_full=True) if match else None


def _statement_sentence(sentence: str) -> bool:
    """A sentence of a statement's own text: not a header (``###``, ``Office of the Spokesperson``) nor a stage note."""
    return bool(re.search(r"[a-z]", sentence)) and not re.search(r"attributable to|^Office of the", sentence) \
        and sentence.rstrip()[-1:] in ".!?”\")"


def _label(text: str, start: int, end: int, people: _People, title: str) -> tuple[Speaker, int] | None:
    """The speaker a transcript label names and where the label starts: at this sentence's start, at a line
    start inside it (a single line break does not end a sentence) or after a ``* * *`` section break."""
    line_start = start == 0 or not text[max(text.rfind("\n", 0, start) + 1, start - 80):start].strip() and (
        start <= 80 or "\n" in text[start - 80:start])
    starts = ([start] if line_start else []) + [match.end() for match in re.finditer(r"\n[ \t]*", text[start:end])]
    for at in sorted({at if at == start else start + at for at in starts}):
        if _Q_LABEL.match(text, at, end):
            return Speaker("Reporter"), at
        upper = _UPPER_LABEL.match(text, at, end)
        speaker = upper and _upper_label(upper.group(1), upper.group(2), people, title)
        if speaker:
            return speaker, at
    titled = _TITLE_LABEL.match(text, start, end)
    speaker = titled and _title_label(titled.group(1), people)
    if speaker:
        return speaker, start
    for section in _SECTION.finditer(text, start, end):  # "… * * * Speech at … President of Russia Vladimir Putin: …"
        heading = _TITLE_LABEL.match(text, section.end(), end)
        speaker = heading and _label_suffix(heading.group(1), people)
        if speaker:
            return speaker, section.end()
    bare = _BARE_LABEL.match(text, start, end)  # "Vladimir Putin Fine, do this": a recurring label that lost its colon
    speaker = _title_label(bare.group(1), people) if bare and people.labels[bare.group(1)] >= 2 else None
    return (speaker, start) if speaker else None


def _inline_labels(text: str, start: int, end: int, people: _People) -> list[tuple[Speaker, int]]:
    """Turns opening inside a sentence of a one-line transcript (``… your intentions? Thank you Vladimir Putin:
    Regarding …``): the bare ``Given Surname:`` label of someone who labels turns elsewhere in the text, with
    the role words of its label form before it; not after a speech verb (``said Vladimir Putin: …``)."""
    found = []
    for match in _INLINE_LABEL.finditer(text, start, end):
        speaker = _title_label(match.group(1), people) if people.labels[match.group(1)] >= 2 else None
        window = max(start, match.start() - 200)
        tokens = list(_WORD.finditer(text, window, match.start()))
        run = len(_trailing_run([token.group() for token in tokens]))
        before = tokens[-run - 1].group() if run < len(tokens) else ""
        if speaker and not _VERB.fullmatch(before) and before.lower() not in _HONORIFICS:
            at = tokens[-run].start() if run else match.start()
            opening = _WORD.match(text, start, at)  # "General Director of … organisation Alexei Komissarov:"
            titled = opening and _is_role(opening.group()) and opening.group()[:1].isupper() and not re.search(
                r"[,;:?!\"“]", text[start:at])
            found.append((speaker, start if titled else at))
    return found


def _label_suffix(heading: str, people: _People) -> Speaker | None:
    """The label ending a section heading (``Speech at ceremony President of Russia Vladimir Putin``)."""
    words = heading.split()
    for first in range(len(words)):
        if words[first][:1].isupper():
            speaker = _title_label(" ".join(words[first:]), people)
            if speaker:
                return speaker
    return None


def _upper_label(honorific: str | None, label: str, people: _People, title: str) -> Speaker | None:
    """``MS. PSAKI``, ``SECRETARY BLINKEN``, ``THE PRESIDENT``, ``QUESTION``, ``MODERATOR``; not ``SUBJECT``."""
    label = " ".join(label.split()).rstrip(".")
    if not label.isupper():
        return None  # "Thank You:"; capitals are any alphabet's ("PRESIDENT NAUSĖDA")
    if label in _GENERIC_LABELS:
        return Speaker(_GENERIC_LABELS[label])
    if honorific is None and label.endswith(_GENERIC_TAILS) and len(label.split()) <= 4:
        return Speaker(label.title())
    words = label.split()
    if label.startswith("THE ") and len(words) <= 3 and words[-1] in _LABEL_TITLES | {"LADY"}:
        role = " ".join(words[1:]).title()
        named = _holder(role, title, people)
        person = people.get(named) if named else None
        if person and (not _holds(person.role, role) or person.lent and " " not in named):
            person = None  # "the First Lady, Dr. Jill Biden" shares the President's surname, not his label
        return Speaker(person.name if person else named, role) if named else Speaker(label.title(), role)
    titles = [word for word in words if word in _LABEL_TITLES]
    if honorific is None and not titles:
        return None
    surname = words[-1]
    if surname in _LABEL_TITLES or not re.search("[AEIOUY]", surname):
        return None
    person = people.get(surname)
    named_from = len(words) - 2 if len(words) > 2 and words[-2].lower() in _PARTICLES else len(words) - 1
    role_words = " ".join(words[:named_from]).title() if titles else None  # "AMIR AL THANI": Amir Al Thani
    if person and role_words and (_clashes(person.role, role_words) or person.lent and " " in person.name):
        person = None  # "PRESIDENT BIDEN" is not "First Lady Jill Biden"
    if person and role_words and _holds(role_words, person.role) and not _holds(person.role, role_words):
        return Speaker(person.name, role_words)  # "VICE PRESIDENT HARRIS", whom the article called "President"
    if person:
        return Speaker(person.name, person.role or role_words)
    return Speaker(" ".join(word.title() for word in words[named_from if titles else 0:]), role_words)


def _holder(role: str, title: str, people: _People) -> str | None:
    """The name the title gives with ``role`` ("President Biden" for "President"), if exactly one. A title's
    capitalised next word is not part of the name when it is a function word ("Remarks by President Biden To
    Mark …"), a verb in -ing ("… Biden Providing …") or the article knows the one-word name and not the two-word
    one ("President Biden Announces")."""
    names = set()
    for match in re.finditer(rf"(?<!Vice )\b{re.escape(role)}\s+((?:[A-Z][\w'’\-]+\s+)?[A-Z][\w'’\-]+)", title):
        words = match.group(1).split()
        if len(words) == 2 and (words[1].lower() in _NOT_NAMES | _CONNECTORS | _TITLE_LINKS
                                or (people.get(words[0]) and not people.get(words[1]))
                                or (words[1].endswith("ing") and len(words[1]) > 6
                                    and (people.get(words[1]) or _Person("")).name in {"", match.group(1)})):
            words = words[:1]
        names.add(" ".join(words))
    names = {name for name in names if name.split()[0].lower() not in _NOT_NAMES}
    return names.pop() if len(names) == 1 else None


def _holds(role: str | None, title: str) -> bool:
    """Whether ``role`` (``Press Secretary``) includes ``title`` (``Secretary``), word for word."""
    return bool(role) and re.search(rf"\b{re.escape(title.lower())}\b", role.lower()) is not None


def _title_label(label: str, people: _People) -> Speaker | None:
    """``President of Russia Vladimir Putin``, ``Sergei Lavrov``, the scraped doubled form, ``Question``."""
    label = " ".join(label.split())
    if label in {"Question", "Q"}:
        return Speaker("Reporter")
    doubled = _DOUBLED.fullmatch(label)
    role2 = None
    if doubled:
        label = f"{doubled.group('role')}{doubled.group('given')} {doubled.group('sur')}"
        role2 = doubled.group("role2").strip(" ,") or None
        if role2 and _is_head(doubled.group("given")):  # "Patriarch Kirill Kirill Patriarch of Moscow …"
            role2 = f"{doubled.group('given')} {role2}"
    tokens = _WORD.findall(label)
    if any(token[0].islower() and token.lower() not in _CONNECTORS | _ROLE_WORDS for token in tokens):
        return None
    if any(not token[0].isalnum() and token not in {"'", "’", "-", "–"} for token in tokens):
        return None
    speaker = _person(tokens, people, require_full=True)
    if speaker and role2:
        return Speaker(speaker.name, role2)
    if speaker and not speaker.role and people.labels[label] < 2:
        return None  # "World Outlook: …" once is a heading; a bare name labels turns, so it recurs
    return speaker


def _person(tokens: list[str], people: _People, require_full: bool = False) -> Speaker | None:
    """The person a run of words ending in a name names (role words before it, if any), or None."""
    role, name = _split_name(tokens)
    if not name:
        return None
    role_text = _role_text(role)
    full = " ".join(name)
    known = people.get(full)
    if len(name) >= 2 and _plausible_full(name):
        if known and known.name.split()[0] == name[0] and len(known.name.split()) >= len(name):
            return Speaker(known.name, role_text or known.role)
        return Speaker(full, role_text)
    if require_full and not role_text:
        return None
    if len(name) == 1 and _plausible_surname(name[0]):
        if role and role[-1].lower() == "of":
            return None  # "President of Iran": a place, not a person's name
        if known and " " in known.name and (known.lent or role_text and _clashes(known.role, role_text)):
            return Speaker(full, role_text or known.role)  # "(President) Biden" is not "Hunter Biden", untitled
        if known:
            return Speaker(known.name, role_text or known.role)
        if role_text:
            return Speaker(full, role_text)
    return None


def _clashes(role: str | None, title: str) -> bool:
    """Whether a ``title`` (``President``) names a role noun that a person's ``role`` (``First Lady``, or none) lacks:
    then the person sharing the surname may be someone else."""
    heads = {word.lower() for word in _WORD.findall(title) if _is_head(word)}
    return bool(heads) and not (role and any(word.lower() in heads for word in _WORD.findall(role)))


def _is_role(word: str) -> bool:
    """A word of a role (``Minister``, ``spokesperson``, ``Director-General``)."""
    lower = word.lower()
    lower = lower[:-1] if lower.endswith("s") and lower[:-1] in _ROLE_HEADS else lower  # "Presidents Biden and …"
    return lower in _ROLE_WORDS or any(part in _ROLE_WORDS for part in lower.split("-") if part)


def _split_name(tokens: list[str]) -> tuple[list[str], list[str]]:
    """Split ``Russian Deputy Foreign Minister Sergei A. Ryabkov`` into role words and name words."""
    name: list[str] = []
    capitals = 0
    index = len(tokens)
    while index > 0:
        token = tokens[index - 1]
        lower = token.lower()
        initial = re.fullmatch(r"[A-Z]\.", token)
        particle = lower in _PARTICLES and index > 1 and tokens[index - 2][:1].isupper()
        if name and (initial or particle):
            name.insert(0, token)
        elif capitals < 2 and _plausible_surname(token) and "." not in token.rstrip(".")[:-1]:
            name.insert(0, token)
            capitals += 1
        else:
            break
        index -= 1
    while name and not name[0][:1].isupper():
        name.pop(0)
        index += 1
    return tokens[:index], name


def _role_text(tokens: list[str]) -> str | None:
    """The role a run of words before a name gives, from its first role-like word, if it holds a role noun."""
    words = list(tokens)
    while words and words[0].lower() in _NOT_NAMES and not words[0].lower().endswith(("'s", "’s")) \
            and not _qualifies(words):
        words.pop(0)
    while words and words[-1].lower() in _CONNECTORS | _HONORIFICS:
        words.pop()
    heads = [at for at, word in enumerate(words) if _is_head(word)]
    if not heads:
        return None
    joined = [at for at, word in enumerate(words) if word.lower() == "and" and at < heads[-1]]
    if joined:  # "Press Secretary Jen Psaki And National Economic Council Director": the last one's role
        words, heads = words[joined[-1] + 1:], [at - joined[-1] - 1 for at in heads if at > joined[-1]]
    last = words[-1]
    if heads[-1] == len(words) - 2 and words[-2].lower() not in {"general", "chief"} and last[:1].isupper() \
            and not _in_role_phrase(last):  # "Latvian Prime Minister Arturs", not "General Designer"
        words = words[:-1]  # a given name the name's two words left out
    start = heads[-1]
    while start > 0 and _in_role_phrase(words[start - 1]) and not (
            _institution(words[start - 1]) and (start == 1 or not _in_role_phrase(words[start - 2]))):
        start -= 1  # "US Army Chief", not "… Economic Council President": a body joins only with its own qualifier
    complement = heads[-1] + 1 < len(words)  # "President of Russia": what follows the noun completes the role
    if any(_is_role(word) for word in words[:start]) and not (complement and words[start - 1] not in {"–", "—", "-"}):
        start = 0  # one long title ("National Economic Council Director"), kept whole
    return " ".join(words[start:]) or None  # else a heading run into a label ("… Supervisory Board President …")


def _institution(word: str) -> bool:
    """A word naming a body, not a rank: ``Council``, ``Ministry``, ``Navy`` (``… Council President of Russia``)."""
    return word.lower() in _ORG_WORDS


def _in_role_phrase(word: str) -> bool:
    """A word that may qualify a role noun: a role word, a nationality, an acronym (``NEC``, ``U.S.``), a possessive."""
    return (_is_role(word) or word.lower() in _NATIONALITIES or bool(re.fullmatch(r"[A-Z][A-Z.]*[A-Z]\.?", word))
            or word.lower().endswith(("'s", "’s")))


def _is_head(word: str) -> bool:
    """A noun naming a role: ``Minister``, ``spokesperson``, ``Director-General``."""
    lower = word.lower()
    return lower in _ROLE_HEADS or any(part in _ROLE_HEADS for part in lower.split("-") if part)


def _plausible_full(name: list[str]) -> bool:
    """A given name and a surname, not ``White House`` or ``Goldman Group``."""
    words = [word for word in name if not re.fullmatch(r"[A-Z]\.", word) and word.lower() not in _PARTICLES]
    return 2 <= len(words) <= 3 and all(_plausible_surname(word) for word in words)


def _plausible_surname(word: str) -> bool:
    """Capitalised, some lower-case letters, not an acronym, a month, a place, role or common word, nor a title."""
    lower = word.lower()
    if any(len(part) > 3 and not part[:1].isupper() for part in word.split("-")[1:]):
        return False  # "Facebook-owner" is no name; "Lvova-Belova" and "Chien-min" are
    return (word[:1].isupper() and bool(re.search("[a-z]", word)) and lower not in _NOT_NAMES
            and lower not in _ORG_WORDS and not _is_role(word) and lower not in _NATIONALITIES
            and lower not in _HONORIFICS and not lower.endswith(("'s", "’s")))


def _introductions(text: str) -> _People:
    """Everyone the article introduces with a given name: ``Press Secretary Jen Psaki``, ``Ned Price, Spokesperson``."""
    people = _People()
    for match in _FULL_NAME.finditer(text):
        end = match.start() + len(match.group(1))
        if re.match(r"[ \t]+[A-Z][\w.]", text[end:end + 3]):
            continue  # "Walt Disney Company", "Conservative Political Action": part of a longer proper name
        speaker = _person(_run_before(text, match.start()) + _WORD.findall(match.group(1)), _People())
        if speaker and len(speaker.name.split()) >= 2:
            people.add(speaker.name, speaker.role or _apposition(text, end))
    for match in _TITLED_SURNAME.finditer(text):
        if (match.group(1).lower() in _ROLE_HEADS | _HONORIFICS or match.group(1).lower() + "." in _HONORIFICS) \
                and _plausible_surname(match.group(2)):
            people.add(match.group(2), _rank(text, match.start(1)) if match.group(1).lower() in _ROLE_HEADS else None,
                       lent=True)
    for doubled in _DOUBLED_LABEL.finditer(text):
        if _is_head(doubled.group(1)):  # a title doubled as if a given name: "Patriarch Kirill Kirill Patriarch of …"
            people.add(doubled.group(2), f"{doubled.group(1)} {doubled.group(3).strip(' ,')}")
        else:
            people.add(f"{doubled.group(1)} {doubled.group(2)}", doubled.group(3).strip(" ,"))
    return people


def _rank(text: str, head_at: int) -> str:
    """The role noun at ``head_at`` with the rank words just before it: ``Vice President``, ``Prime Minister``."""
    words = _WORD.findall(text[head_at:head_at + 40])[:1]
    for word in reversed(_WORD.findall(text[max(0, head_at - 60):head_at])):
        if not _in_role_phrase(word) or _institution(word):
            break
        words.insert(0, word)
    return " ".join(words).rstrip(".")


def _run_before(text: str, position: int) -> list[str]:
    """The role-like and capitalised words just before ``position`` on its line (``Foreign Ministry spokesperson``)."""
    return _trailing_run(_WORD.findall(text[max(text.rfind("\n", 0, position) + 1, position - 200):position]))[-10:]


def _trailing_run(tokens: list[str]) -> list[str]:
    """The capitalised, role and connecting words ending ``tokens``, back to the first other word or a sentence end."""
    run: list[str] = []
    for token in reversed(tokens):
        ends_sentence = token.endswith(".") and token.lower() not in _HONORIFICS | _ROLE_WORDS \
            and not re.fullmatch(r"(?:[A-Za-z]\.)+", token)  # "China." ends a sentence, "U.S." and "Gov." do not
        wordlike = (token[:1].isupper() and token[0].isalpha()) or _is_role(token) or token.lower() in _CONNECTORS
        if ends_sentence or token.endswith(("'", "’")) or not wordlike:  # a closing quote ends the run too
            break
        run.insert(0, token)
    return run


def _apposition(text: str, position: int) -> str | None:
    """The role in ``Jens Stoltenberg, NATO's secretary general,`` or ``Ned Price, Department Spokesperson``."""
    match = re.match(r",\s+(?:the\s+|a\s+)?([^,;:.\n“”\"()]{3,80}?)(?=,|\.\s|\.$|\n|$|\s+(?:" + _VERBS + r")\b)",
                     text[position:position + 120])
    if not match:
        return None
    words = _WORD.findall(match.group(1))
    if not words or not any(_is_head(word) for word in words):
        return None
    if any(word[0].islower() and not _is_role(word) and word.lower() not in _CONNECTORS | {"'s"} for word in words):
        return None
    return match.group(1).strip()


def _reported(text: str, start: int, end: int, people: _People,
              quotes: list[tuple[int, int]]) -> tuple[Speaker | None, int] | None:
    """(speaker, -1) for a sentence of reported speech, or (None, where) for a pronoun left to resolve."""
    sentence = text[start:end]
    according = re.match(r"According to\s+([^,]{2,120}),", sentence) or re.search(
        r",\s+according to\s+([^,.;]{2,120}?)(?:,|\.?[”\"]?$)", sentence)
    if according:
        speaker = _person(_WORD.findall(according.group(1)), people)
        if speaker:
            return speaker, -1
    for verb in _VERB.finditer(sentence):
        if _inside(start + verb.start(), quotes):
            continue
        found = _subject_before(sentence, verb.start(), people) or _subject_after(sentence, verb.end(), people)
        if found:
            return found[0], (start + found[1] if found[0] is None else -1)
    return None


def _subject_before(sentence: str, verb_at: int, people: _People) -> tuple[Speaker | None, int] | None:
    """``Lavrov said``, ``Jens Stoltenberg, NATO's secretary general, said``, ``he added``, at a clause start."""
    head = sentence[:verb_at]
    aux = _AUX.search(head)
    head = head[:aux.start()].rstrip() if aux else head.rstrip()
    role = None
    interjection = _INTERJECTION.search(head)
    if interjection:
        head = head[:interjection.start()].rstrip()
    appositive = re.search(r",\s+(?:the\s+|a\s+|an\s+)?([^,“”\"]{3,80}),?$", head)
    if appositive and _appositive_role(appositive.group(1)):
        role, head = appositive.group(1).strip(), head[:appositive.start()].rstrip()
    found = _subject_run(head.rstrip(","), people)  # "Ukraine's president, Volodymyr Zelensky, said"
    if found is None and role is None:
        place = _PLACE_PHRASE.search(head)  # "Jen Psaki at Monday's briefing said"
        if place:
            head = head[:place.start()].rstrip()
            found = _subject_run(head, people)
    if found is None:
        return None
    speaker, at = found
    if speaker is None:
        return (None, at) if role is None else None
    return (Speaker(speaker.name, role) if role else speaker), -1


def _appositive_role(words: str) -> bool:
    """``NATO's secretary general``, ``associate professor at …``: a role between commas, not another name."""
    tokens = _WORD.findall(words)
    return any(_is_head(word) for word in tokens) and not _split_name(tokens)[1]


def _subject_run(head: str, people: _People) -> tuple[Speaker | None, int] | None:
    """The subject ending ``head`` when it opens a clause: (speaker, -1), (None, where) for a pronoun, or None."""
    tokens = _WORD.findall(head)
    if tokens and tokens[-1].lower() in _PRONOUNS:
        at = len(head) - len(tokens[-1])
        return (None, at) if _clause_start(head[:at]) else None
    run = _trailing_run(tokens)
    speaker = _person(run, people) or _role_holder(run, people)
    if not speaker:
        return None
    while run and run[0].lower() in _NOT_NAMES and run[0].lower() != "the" and not _qualifies(run):
        run.pop(0)
    prefix = head
    for token in reversed(run):
        prefix = prefix[:prefix.rstrip().rfind(token)]
    if _clause_start(prefix):
        return speaker, -1
    role, name = _split_name(run)
    titled = any(_is_head(word) for word in role) and len(name) >= 2 and not _plausible_surname(role[-1])
    modifiers = _title_modifiers(prefix) if titled else None  # not "Vice Minister Ri Thae Song": a longer name
    if not modifiers:
        return None
    title = modifiers + role
    while title[-1].lower() in _HONORIFICS | {"sir", "dame"} and any(_is_head(word) for word in title[:-1]):
        title.pop()  # "Retired Army officer General Sir Richard …", not "South Dakota Rep. Dusty Johnson"
    return Speaker(speaker.name, " ".join(title)), -1


def _qualifies(run: list[str]) -> bool:
    """A place or body naming whose role follows: ``NATO`` in ``NATO Secretary General``, ``Ukraine President``."""
    return run[0].lower() in _PLACES and len(run) > 1 and _is_role(run[1])


def _title_modifiers(prefix: str) -> list[str] | None:
    """The words of a title that ``prefix`` ends with, back to a clause start, when its role noun follows:
    ``foreign policy`` in ``…, European Union foreign policy chief Josep Borrell said``; None when they do
    not reach a clause start within a few words, or a function word, verb or adverb comes first."""
    tokens = list(_WORD.finditer(prefix))
    for count in range(1, min(_TITLE_REACH, len(tokens)) + 1):
        word = tokens[-count].group()
        lower = word.lower()
        if (lower in _NOT_NAMES and lower not in _PLACES) or lower in _LINKING or _VERB.fullmatch(word) \
                or lower.endswith("ly") or not word[0].isalpha():
            return None
        if _clause_start(prefix[:tokens[-count].start()]):
            return [token.group() for token in tokens[-count:]]
    return None


def _clause_start(prefix: str) -> bool:
    """True when a subject after ``prefix`` opens a clause: the sentence start, after an opening phrase's comma,
    or after ``, but`` (``…, but Cotton called on …``)."""
    stripped = re.sub(r"(?:^|(?<=,))\s*(?:[Bb]ut|[Aa]nd|[Yy]et)$", "", prefix.rstrip()).rstrip()
    if not stripped or stripped in {"\"", "“"}:
        return True
    return stripped.endswith((",", ",”", ",\"", "?”", "?\"", "!”", "!\"", ":", "—", "--", ";")) and \
        not stripped.endswith(("and,", "or,"))


def _subject_after(sentence: str, verb_end: int, people: _People) -> tuple[Speaker | None, int] | None:
    """``…,” said Lavrov.``, ``…, said Jens Stoltenberg, NATO's secretary general``: the verb after a comma or quote."""
    before = sentence[:verb_end].rstrip()
    verb_start = len(before) - len(before.split()[-1])
    if not sentence[:verb_start].strip() or not _clause_start(sentence[:verb_start]):
        return None
    rest = re.match(r"\s+([^,.;:!?“”\"]{2,120}?)(?=,|[.;:!?]|$|\s+(?:on|in|at|to|during|after|before|when|that|"
                    r"last|this|yesterday|today)\b)", sentence[verb_end:])
    if not rest:
        return None
    tokens = _WORD.findall(rest.group(1))
    if len(tokens) == 1 and tokens[0].lower() in _PRONOUNS:
        return None, verb_end + rest.start(1)
    if any(token[0].islower() and not _is_role(token) and token.lower() not in _CONNECTORS for token in tokens):
        return None
    speaker = _person(tokens, people) or _role_holder(tokens, people)
    if not speaker:
        return None
    role = _apposition(sentence, verb_end + rest.end())
    return (Speaker(speaker.name, role) if role else speaker), -1


def _role_holder(run: list[str], people: _People) -> Speaker | None:
    """``the Secretary``, ``the Foreign Minister``: the one person the article gave that role, if exactly one."""
    if run[:1] not in (["the"], ["The"]) or len(run) < 2 or not all(_is_role(word) for word in run[1:]) \
            or not _is_head(run[-1]):  # "the Secretary", not "the White House"
        return None
    phrase = " ".join(run[1:]).lower()
    holders = {person.name: person for person in people.by_key.values()
               if person.role and re.search(rf"\b{re.escape(phrase)}\b", person.role.lower())}
    if len(holders) != 1:
        return None
    person = next(iter(holders.values()))
    return Speaker(person.name, person.role)


def _pronoun(text: str, spans: list[tuple[int, int]], index: int, at: int, last: tuple[int, Speaker] | None,
             people: _People, quotes: list[tuple[int, int]]) -> tuple[Speaker, int] | None:
    """``he said`` is the last named speaker, when a few sentences back at most and no one else was named since.

    Quotations in between neither count towards the distance nor name rivals: "he" after a quote is
    whoever was named outside it.
    """
    if last is None:
        return None
    narrated = [number for number in range(last[0] + 1, index) if _quoted_share(*spans[number], quotes) < 0.8]
    if len(narrated) + 1 > _PRONOUN_REACH:
        return None
    between = re.sub(r"“[^”]*”|\"[^\"]*\"", " ", text[spans[last[0]][1]:at])
    speaker = last[1]
    for person in people.by_key.values():
        if _key(person.name) != _key(speaker.name) and re.search(rf"\b{re.escape(_key(person.name))}\b",
                                                                 between, re.I):
            return None
    for honorific in re.finditer(r"\b(?:Mr|Ms|Mrs|Dr)\.?\s+([A-Z][\w'’\-]+)", between):
        if _key(honorific.group(1)) != _key(speaker.name):
            return None
    return speaker, -1


def _quote_spans(text: str) -> list[tuple[int, int]]:
    """Spans of quotations (curly or straight double quotes), each within one paragraph and not overlong."""
    spans: list[tuple[int, int]] = []
    for paragraph in re.finditer(r"[^\n]+", text):
        opened: int | None = None
        for match in re.finditer(r"[\"“”]", paragraph.group()):
            at = paragraph.start() + match.start()
            mark = match.group()
            if opened is None:
                if mark != "”":
                    opened = at
            elif mark != "“" or text[opened] == "\"":
                if at - opened <= _MAX_QUOTE:
                    spans.append((opened, at + 1))
                opened = None
            else:
                opened = at
    return spans


def _inside(position: int, quotes: list[tuple[int, int]]) -> bool:
    """True when ``position`` falls inside one of the (sorted, disjoint) quotations."""
    at = bisect.bisect_right(quotes, (position, float("inf"))) - 1
    return at >= 0 and quotes[at][0] < position < quotes[at][1]


def _quoted_share(start: int, end: int, quotes: list[tuple[int, int]]) -> float:
    """The share of a sentence's characters that stand inside quotation marks."""
    inside = 0
    for q_start, q_end in quotes[max(0, bisect.bisect_left(quotes, (start, 0)) - 1):]:
        if q_start >= end:
            break
        inside += max(0, min(end, q_end) - max(start, q_start))
    return inside / max(1, end - start)


def _continue_quotes(text: str, results: list[Attribution]) -> list[Attribution]:
    """Quoted sentences around an attributed quote are its words: ``“A. B,” Grushko added. “C.”``.

    First back from a sentence whose quotation opened earlier, to the sentence that opens it; then
    on from an attributed sentence holding a quotation, while the quotation is open or the next
    sentence opens another and no one else is named as its speaker.
    """
    out = list(results)
    for index, item in enumerate(results):
        if item.form != "quote" or not _opens_inside(text[item.start:item.end]):
            continue
        back = index - 1
        while back >= 0 and index - back <= _QUOTE_REACH and results[back].speaker is None:
            if re.match(r"[\"“]", text[results[back].start:results[back].end]):
                for fill in range(back, index):
                    out[fill] = replace(out[fill], speaker=item.speaker, kind="words", form="quote")
                break
            back -= 1
    for index, item in enumerate(list(out)):
        sentence = text[item.start:item.end]
        if item.form not in {"quote", "reported"}:
            continue
        inside = (_opens_inside(sentence) + len(_QUOTE_MARK.findall(sentence))) % 2 == 1
        pending: list[int] = []  # sentences inside an open quotation, kept only once it closes
        ahead = index + 1
        while ahead < len(out) and ahead - index <= _QUOTE_REACH and out[ahead].speaker is None:
            following = text[out[ahead].start:out[ahead].end]
            opens = bool(re.match(r"[\"“]", following))
            if not inside and not opens:
                break
            pending.append(ahead)
            marks = len(_QUOTE_MARK.findall(following))
            if opens or re.search(r"[.?!…,][\"”]$", following):
                for fill in pending:
                    out[fill] = replace(out[fill], speaker=item.speaker, kind="words", form="quote")
                pending = []
            inside = marks % 2 == 1 if opens else (inside + marks) % 2 == 1
            ahead += 1
    return out


def _opens_inside(sentence: str) -> bool:
    """True when the sentence's first quotation mark closes a quotation opened before it (``…,” he said``)."""
    first = _QUOTE_MARK.search(sentence)
    return bool(first) and first.start() > 0 and sentence[first.start() - 1] in ",.?!…—-"
