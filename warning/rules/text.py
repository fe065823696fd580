"""Match the text conditions of all rules in one pass, before the rule engine sees a signal.

Keywords of every rule go into one Aho-Corasick automaton (case-folded); regexes go into one
regex index (RE2's filter and one RE2 set: warning.rules.regex_index; linear time, no length
limit). The result for a signal is the set of rules whose text condition holds, plus the
rules that have no text condition at all.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import ahocorasick

from warning.rules.model import TextCondition
from warning.rules.regex_index import RegexIndex


@dataclass(frozen=True)
class _Compiled:
    """One rule's text condition as sets of keyword and regex numbers."""

    any: frozenset[int] | None
    all: frozenset[int] | None
    none: frozenset[int] | None
    regex: frozenset[int] | None

    def holds(self, words: set[int], regexes: set[int]) -> bool:
        return not (
            (self.any is not None and self.any.isdisjoint(words))
            or (self.all is not None and not self.all <= words)
            or (self.none is not None and not self.none.isdisjoint(words))
            or (self.regex is not None and self.regex.isdisjoint(regexes))
        )


class TextIndex:
    """All rules' keywords and regexes, compiled once; tell which rules' text holds."""

    def __init__(self, conditions: Sequence[TextCondition | None]) -> None:
        self._words: dict[str, int] = {}
        self._patterns: dict[str, int] = {}
        self._compiled: list[_Compiled | None] = []
        self._by_trigger_word: dict[int, list[int]] = {}
        self._by_trigger_regex: dict[int, list[int]] = {}
        self._always: list[int] = []
        for index, condition in enumerate(conditions):
            self._compiled.append(self._add(index, condition))
        self._automaton = self._build_automaton()
        self._regexes = RegexIndex(list(self._patterns)) if self._patterns else None

    def _add(self, index: int, condition: TextCondition | None) -> _Compiled | None:
        if condition is None:
            self._always.append(index)
            return None
        compiled = _Compiled(
            any=self._word_ids(condition.any), all=self._word_ids(condition.all),
            none=self._word_ids(condition.none), regex=self._regex_ids(condition.regex),
        )
        # A rule is looked at only when its first positive group found something.
        if compiled.any is not None:
            trigger, table = compiled.any, self._by_trigger_word
        elif compiled.all is not None:
            trigger, table = compiled.all, self._by_trigger_word
        elif compiled.regex is not None:
            trigger, table = compiled.regex, self._by_trigger_regex
        else:
            self._always.append(index)
            return compiled
        for item in trigger:
            table.setdefault(item, []).append(index)
        return compiled

    def _word_ids(self, words: Sequence[str] | None) -> frozenset[int] | None:
        if words is None:
            return None
        return frozenset(self._words.setdefault(w.casefold(), len(self._words)) for w in words)

    def _regex_ids(self, patterns: Sequence[str] | None) -> frozenset[int] | None:
        if patterns is None:
            return None
        return frozenset(self._patterns.setdefault(p, len(self._patterns)) for p in patterns)

    def _build_automaton(self) -> "ahocorasick.Automaton | None":
        if not self._words:
            return None
        automaton = ahocorasick.Automaton()
        for word, number in self._words.items():
            automaton.add_word(word, number)
        automaton.make_automaton()
        return automaton

    def found(self, haystack: str) -> tuple[set[int], set[int]]:
        """Return the numbers of the keywords and regexes present in `haystack`."""
        words: set[int] = set()
        if self._automaton is not None:
            words = {number for _end, number in self._automaton.iter(haystack.casefold())}
        regexes: set[int] = set()
        if self._regexes is not None:
            regexes = self._regexes.found(haystack)
        return words, regexes

    def candidates(self, haystack: str) -> tuple[list[int], set[int]]:
        """Return the rules whose text condition holds, and those of them with a text test."""
        words, regexes = self.found(haystack)
        looked: set[int] = set()
        for number in words:
            looked.update(self._by_trigger_word.get(number, ()))
        for number in regexes:
            looked.update(self._by_trigger_regex.get(number, ()))
        looked.update(i for i in self._always if self._compiled[i] is not None)
        passed = {i for i in looked if self._compiled[i].holds(words, regexes)}  # type: ignore[union-attr]
        no_text = [i for i in self._always if self._compiled[i] is None]
        return no_text + sorted(passed), passed
