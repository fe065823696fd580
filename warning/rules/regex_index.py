"""Tell which of many rule regexes match a text: RE2's filter where a regex has required
literals, one RE2 set for the regexes that have none.

Why not one RE2 set of all. A set builds one DFA over the product of its regexes: with
many regexes of the shape `采购.{0,20}拆分` its states explode, and on a long text of fresh
characters it rebuilds them for every byte. 2,000 mixed rule regexes took 7-34 s on one
40 KB signal, 100 s at 400 KB, and ~200 ms on each 300-character one, all in the intake
thread with the signal's batch waiting; searched one by one the same regexes took 1.5 s at
40 KB.

Why not RE2's filter (FilteredRE2) for all. It finds the regexes' required literals in one
literal pass and searches only the regexes whose literals are present, each alone with its
own small program (at most 4,000 instructions: warning.rules.regexes), each stopping at its
first match: the regexes above took 0.25 s at 40 KB and 1.2 s at 400 KB. But a regex with
no required literal (`[一-龥]{2,8}\\d{4}`) cannot be filtered and is searched alone on every
signal: 2,000 of those cost 9 ms a short signal against 0.2 ms in one set, whose DFA stays
small for them.

So each regex goes where it is cheap: those with literals to the filter, the rest to one
set. The literal-free ones are those the filter passes on an empty text.
"""

from collections.abc import Sequence

import re2

from warning.rules.regexes import re2_options

# An RE2 set that runs out of DFA memory reports "no match"; give it room.
_SET_MAX_MEM = 256 << 20


class RegexIndexError(RuntimeError):
    """A regex could not be added to the filter or the set."""


class RegexIndex:
    """Regexes numbered in the order given; `found` returns the numbers that match."""

    def __init__(self, patterns: Sequence[str]) -> None:
        probe = _filter(patterns)
        literal_free = set(probe.Match(b"", True) or ()) if probe is not None else set()
        self._filtered = [n for n in range(len(patterns)) if n not in literal_free]
        self._unfiltered = sorted(literal_free)
        self._filter = _filter([patterns[n] for n in self._filtered])
        self._set = _set([patterns[n] for n in self._unfiltered])

    @property
    def routes(self) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """The numbers of the regexes searched through the literal filter, and of those in
        the one set."""
        return tuple(self._filtered), tuple(self._unfiltered)

    def found(self, haystack: str) -> set[int]:
        """Return the numbers of the regexes that match somewhere in `haystack`."""
        text = haystack.encode()
        found: set[int] = set()
        if self._filter is not None:
            found.update(self._filtered[i] for i in self._filter.Match(text) or ())
        if self._set is not None:
            found.update(self._unfiltered[i] for i in self._set.Match(text) or ())
        return found


def _filter(patterns: Sequence[str]) -> "re2.Filter | None":
    if not patterns:
        return None
    regex_filter = re2.Filter()
    for number, pattern in enumerate(patterns):
        if regex_filter.Add(pattern, re2_options()) != number:
            raise RegexIndexError(f"正则 {pattern!r} 无法加入正则过滤器")
    regex_filter.Compile()
    return regex_filter


def _set(patterns: Sequence[str]) -> "re2.Set | None":
    if not patterns:
        return None
    options = re2_options()
    options.max_mem = _SET_MAX_MEM
    regex_set = re2.Set.SearchSet(options)
    for number, pattern in enumerate(patterns):
        if regex_set.Add(pattern) != number:
            raise RegexIndexError(f"正则 {pattern!r} 无法加入正则集合")
    regex_set.Compile()
    return regex_set
