"""Cheap relevance before the rules: one Aho-Corasick pass over title and summary.

An item is kept when it names a channel keyword and a subject from the directory (a
department or a person): national corruption news that names nobody of ours, and news of
our departments that mentions no risk keyword, are both noise for integrity warnings.
With no keywords configured a named subject suffices; with an empty directory a keyword
suffices; with neither, every item is kept.
"""

import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

import ahocorasick


class Term(StrEnum):
    """What a pattern in the automaton stands for."""

    KEYWORD = "keyword"
    DEPARTMENT = "department"
    PERSON = "person"


@dataclass(frozen=True)
class Relevance:
    """The prefilter's verdict on one item and the subject it names."""

    relevant: bool
    keywords: tuple[str, ...] = ()
    department: str | None = None
    person: str | None = None
    departments: tuple[str, ...] = ()
    people: tuple[str, ...] = ()


Names = Mapping[str, str] | Iterable[str]


def fold(text: str) -> str:
    """Normalise text for matching: NFKC (full-width to half-width) and lower case."""
    return unicodedata.normalize("NFKC", text).lower()


def _aliases(names: Names) -> dict[str, str]:
    """Map each written form to its canonical name; a plain list maps names to themselves."""
    if isinstance(names, Mapping):
        return {str(alias): str(name) for alias, name in names.items()}
    return {str(name): str(name) for name in names}


class Prefilter:
    """Decide relevance and find the named department and person in one pass."""

    def __init__(
        self,
        *,
        keywords: Iterable[str] = (),
        departments: Names = (),
        people: Names = (),
    ) -> None:
        self._automaton = ahocorasick.Automaton()
        self.has_keywords = False
        self.has_directory = False
        terms: dict[str, list[tuple[Term, str]]] = {}
        groups = (
            (Term.KEYWORD, {word: word for word in keywords}),
            (Term.DEPARTMENT, _aliases(departments)),
            (Term.PERSON, _aliases(people)),
        )
        for term, forms in groups:
            for written, canonical in forms.items():
                pattern = fold(written.strip())
                if not pattern:
                    continue
                terms.setdefault(pattern, []).append((term, canonical))
                self.has_keywords |= term is Term.KEYWORD
                self.has_directory |= term is not Term.KEYWORD
        for pattern, meanings in terms.items():
            self._automaton.add_word(pattern, (len(pattern), tuple(meanings)))
        self._empty = not terms
        if not self._empty:
            self._automaton.make_automaton()

    def check(self, title: str, summary: str = "") -> Relevance:
        """Judge one item by its title and summary text."""
        if self._empty:
            return Relevance(relevant=True)
        text = fold(f"{title}\n{summary}")
        keywords: dict[str, None] = {}
        names: list[tuple[int, int, Term, str]] = []
        for end, (length, meanings) in self._automaton.iter(text):
            start = end - length + 1
            for term, canonical in meanings:
                if term is Term.KEYWORD:
                    keywords[canonical] = None
                else:
                    names.append((start, end, term, canonical))
        names = _outermost(names)
        departments = _ranked(names, Term.DEPARTMENT)
        people = _ranked(names, Term.PERSON)
        return Relevance(
            relevant=self._decide(bool(keywords), bool(departments or people)),
            keywords=tuple(keywords),
            department=departments[0] if departments else None,
            person=people[0] if people else None,
            departments=departments,
            people=people,
        )

    def _decide(self, keyword_hit: bool, subject_hit: bool) -> bool:
        if self.has_keywords and self.has_directory:
            return keyword_hit and subject_hit
        return keyword_hit if self.has_keywords else subject_hit


def _outermost(
    names: list[tuple[int, int, str, str]],
) -> list[tuple[int, int, str, str]]:
    """Drop name matches lying inside a longer name match (王明 inside 王明华)."""
    spans = [(start, end) for start, end, _, _ in names]
    return [
        name
        for name in names
        if not any(
            s <= name[0] and name[1] <= e and (e - s) > (name[1] - name[0]) for s, e in spans
        )
    ]


def _ranked(names: list[tuple[int, int, str, str]], term: Term) -> tuple[str, ...]:
    """Order the names of one kind by frequency, ties by first appearance."""
    hits = [(start, canonical) for start, _, kind, canonical in names if kind == term]
    counts = Counter(canonical for _, canonical in hits)
    first: dict[str, int] = {}
    for start, canonical in sorted(hits):
        first.setdefault(canonical, start)
    return tuple(sorted(counts, key=lambda name: (-counts[name], first[name])))
