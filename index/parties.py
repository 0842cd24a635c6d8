"""Parties and their people: who speaks for Russia, the US, NATO…, read from ``config/parties.toml``.

A timeline request names a person ("Lavrov", "the Kremlin spokesman") or a party ("NATO", "the US",
"Washington"); ``Parties.resolve`` turns it into a ``Who``: the speakers to look up and, for a party, the
test of whether a speaker is one of its people (a listed member, or someone the article gives a role
holding one of the party's role words, "Russian Deputy Foreign Minister"). A name in no party still
works by itself. A sources file extends the table with ``[parties.NAME]`` tables of its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from index.speaker_table import normalise, same_person
from index.toml_file import read_toml

DEFAULT_FILE = Path(__file__).resolve().parent.parent / "config" / "parties.toml"
_FORMER = re.compile(r"\s*(?:former|ex-|retired)\b", re.IGNORECASE)
REPORTER = "Reporter"  # the speaker ``index.speakers`` gives a transcript's "Q": never anyone's party


class PartiesFileError(Exception):
    """The parties table (or a sources file's extension of it) is malformed; the message says where."""


@dataclass(frozen=True)
class Party:
    """A side of the talks: the names people use for it, its role words and its listed people."""

    name: str
    aliases: tuple[str, ...] = ()
    role_words: tuple[str, ...] = ()
    members: dict[str, tuple[str, ...]] = field(default_factory=dict)  # full name → roles (a request may name one)


@dataclass(frozen=True)
class Who:
    """Whose statements a timeline shows: ``label`` as shown, the speaker ``names`` to look up, and for a
    party the party itself (its people are then decided per speaker by ``Parties.speaks_for``)."""

    label: str
    names: tuple[str, ...]
    party: Party | None = None


def _key(text: str) -> str:
    """How a request and a name compare: case, dots, spacing, a leading "the" and a trailing "'s" ignored."""
    key = " ".join(text.lower().replace(".", "").replace("’", "'").split())
    key = key.removeprefix("the ")
    return key.removesuffix("'s")


def _surname(name: str) -> str:
    return _key(name.split()[-1]) if name.split() else ""


@dataclass(frozen=True)
class Parties:
    """Every party of the table, in the order written (the first whose role word comes earliest wins a role)."""

    parties: tuple[Party, ...]

    @classmethod
    def load(cls, path: Path = DEFAULT_FILE, extension: dict | None = None) -> Parties:
        """The table at ``path``, extended by a sources file's ``[parties]`` table (``extension``)."""
        data = read_toml(path, "parties file", PartiesFileError)
        parties: dict[str, Party] = {}
        for where, table in ((str(path), data.get("parties", {})), ("the sources file", extension or {})):
            if not isinstance(table, dict):
                raise PartiesFileError(f"{where}: [parties] must be a table of [parties.NAME] tables")
            for name, entry in table.items():
                parties[name] = _merged(parties.get(name, Party(name)), entry, f"{where}, [parties.{name}]")
        return cls(tuple(parties.values()))

    def resolve(self, request: str) -> Who:
        """The party or person a request names; anything else is looked up as a speaker's name."""
        key = _key(request)
        for party in self.parties:
            if key in {_key(party.name), *map(_key, party.aliases)}:
                return Who(party.name, tuple(party.members), party)
        for matches in (self._members(lambda name, roles: _key(name) == key),
                        self._members(lambda name, roles: _surname(name) == key),
                        self._members(lambda name, roles: key in map(_key, roles))):
            if len(matches) == 1:
                return Who(matches[0], (matches[0],))
        label = " ".join(request.split())
        return Who(label, (label,))

    def speaks_for(self, party: Party, speaker: str, role: str) -> bool:
        """Whether ``speaker`` (with the ``role`` the article gives) is one of ``party``'s people.

        A listed member speaks for their own party only; anyone else by the party word that comes first
        in their role, so "U.S. Ambassador to Russia" is American and "Russian Ambassador to the U.S." Russian.
        """
        if speaker == REPORTER:
            return False
        listed = self.member_party(speaker)
        if listed is not None:
            return listed is party
        return self.party_of_role(role) is party

    def member_party(self, speaker: str) -> Party | None:
        """The party that lists ``speaker`` (by ``full_name``: a surname alone, or another spelling, counts)."""
        return self._by_name.get(_key(self.full_name(speaker)))

    @cached_property
    def _by_name(self) -> dict[str, Party]:
        return {_key(name): party for party in reversed(self.parties) for name in party.members}

    def party_of_role(self, role: str) -> Party | None:
        """The party whose role word comes earliest in ``role`` (the longest word on a tie), if any; none for a
        former official ("former U.S. ambassador to NATO"), who no longer speaks for anyone."""
        if _FORMER.match(role or ""):
            return None
        found = [(match.start(), -len(match.group()), number) for number, (_, words) in enumerate(self._role_words)
                 if (match := words.search(role or ""))]
        return self._role_words[min(found)[2]][0] if found else None

    @cached_property
    def _role_words(self) -> list[tuple[Party, re.Pattern]]:
        """Each party with one pattern of its role words as whole words, the longest first."""
        return [(party, re.compile(r"(?<![\w.])(?:" + "|".join(
            map(re.escape, sorted(party.role_words, key=len, reverse=True))) + r")(?!\w)"))
            for party in self.parties if party.role_words]

    def full_name(self, speaker: str) -> str:
        """The name the table lists for ``speaker`` when the article gives only the surname or spells the given
        name otherwise ("Biden", "Sergey Lavrov"), so a person's lines read and merge as one; else ``speaker``."""
        listed = self._by_surname_names.get(_surname(speaker), [])
        if len(listed) == 1 and same_person(normalise(listed[0]), normalise(speaker)):
            return listed[0]
        return speaker

    @cached_property
    def _by_surname_names(self) -> dict[str, list[str]]:
        names: dict[str, list[str]] = {}
        for party in self.parties:
            for name in party.members:
                names.setdefault(_surname(name), []).append(name)
        return names

    def _members(self, test) -> list[str]:
        return list(dict.fromkeys(name for party in self.parties for name, roles in party.members.items()
                                  if test(name, roles)))


def _merged(party: Party, entry: object, where: str) -> Party:
    """``party`` with the aliases, role words and members of one ``[parties.NAME]`` table added."""
    if not isinstance(entry, dict):
        raise PartiesFileError(f"{where} must be a table")
    members = dict(party.members)
    raw_members = entry.get("members", {})
    if not isinstance(raw_members, dict):
        raise PartiesFileError(f"{where}: members must be a table of \"Full Name\" = [\"role\", …]")
    for name, roles in raw_members.items():
        members[name] = tuple(_strings([roles] if isinstance(roles, str) else roles, f"{where}, member {name!r}"))
    return Party(party.name, party.aliases + tuple(_strings(entry.get("aliases", []), f"{where}, aliases")),
                 party.role_words + tuple(_strings(entry.get("role_words", []), f"{where}, role_words")), members)


def _strings(values: object, where: str) -> list[str]:
    if not isinstance(values, list) or not all(isinstance(value, str) for value in values):
        raise PartiesFileError(f"{where} must be a list of strings")
    return values
