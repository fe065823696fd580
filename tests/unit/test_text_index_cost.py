"""A long signal against many regexes costs what the regexes cost alone, not a set's DFA blow-up.

Every rule regex is checked to compile to a small RE2 program, but one RE2 set of all of
them builds a DFA over their product: on a long text of new characters it rebuilds states
for every byte. 2,000 mixed regexes took 34 s on one 40 KB signal (an hour-long estimate
at 400 KB), inside the intake thread, while the same regexes searched one by one took
1.5 s. The index must never cost more than searching each regex alone, and must agree
with it. Regexes without a required literal cannot be filtered; one set of those stays
cheap (a small DFA) and must stay so.
"""

import random
import time

import re2

from warning.rules.model import TextCondition
from warning.rules.regexes import re2_options
from warning.rules.text import TextIndex

_HAN = "采购拆分审计合同工程项目资金款项报销发票单位部门人员招标供应商"


def _patterns(n: int, seed: int = 7) -> list[str]:
    """Return up to n distinct regexes (found() numbers distinct patterns)."""
    rnd = random.Random(seed)

    def word(k: int) -> str:
        return "".join(rnd.choice(_HAN) for _ in range(k))

    shapes = [
        lambda: f"{word(2)}.{{0,{rnd.randint(3, 30)}}}{word(2)}",
        lambda: f"[一-龥]{{2,{rnd.randint(4, 20)}}}{word(1)}\\d{{{rnd.randint(2, 6)}}}",
        lambda: f"(?i){word(1)}\\w{{0,{rnd.randint(5, 40)}}}(x|y|{word(1)})",
        lambda: f"\\d{{{rnd.randint(3, 6)}}}.{{0,20}}{word(2)}",
        lambda: f"({word(2)}|{word(2)}|{word(2)})[^。]{{0,{rnd.randint(5, 50)}}}元",
        lambda: f"{word(1)}[0-9一-龥]{{1,{rnd.randint(10, 60)}}}{word(1)}",
    ]
    return list(dict.fromkeys(shapes[i % len(shapes)]() for i in range(n)))


def _one_by_one(patterns: list[str], haystack: str) -> tuple[set[int], float]:
    compiled = [re2.compile(p, options=re2_options()) for p in patterns]
    started = time.perf_counter()
    found = {i for i, regex in enumerate(compiled) if regex.search(haystack)}
    return found, time.perf_counter() - started


def test_long_signal_costs_no_more_than_each_regex_alone() -> None:
    patterns = _patterns(300)
    index = TextIndex([TextCondition(regex=[p]) for p in patterns])
    rnd = random.Random(11)
    haystack = "".join(rnd.choice("采购甲乙丙丁戊己庚辛壬癸") for _ in range(5000))
    expected, alone = _one_by_one(patterns, haystack)
    index.found("warm")  # (the first call may build shared state)
    started = time.perf_counter()
    _words, regexes = index.found(haystack)
    took = time.perf_counter() - started
    assert regexes == expected
    assert took <= 2 * alone + 0.05, f"index {took:.2f} s, one by one {alone:.2f} s"


def test_agrees_with_each_regex_alone_on_mixed_signals() -> None:
    patterns = [*_patterns(120, seed=3), "(?i)ABC", "(?i)σας", "(?i)k", r"\d{3}", "^标题", "尾$"]
    index = TextIndex([TextCondition(regex=[p]) for p in patterns])
    rnd = random.Random(5)
    alphabet = _HAN + "0123456789，。元abcABCΣΑΣ\u212a \n"
    for _ in range(200):
        haystack = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 400)))
        assert index.found(haystack)[1] == _one_by_one(patterns, haystack)[0], haystack


def test_regexes_without_literals_stay_cheap_on_short_signals() -> None:
    rnd = random.Random(1)
    patterns = list(dict.fromkeys(  # (found() numbers distinct patterns)
        f"[一-龥]{{{rnd.randint(1, 5)},{rnd.randint(6, 40)}}}\\d{{{rnd.randint(2, 9)}}}"
        f"[a-f]{{{rnd.randint(1, 3)}}}\\s" for _ in range(300)))
    index = TextIndex([TextCondition(regex=[p]) for p in patterns])
    haystacks = ["".join(rnd.choice("甲乙丙丁戊己庚辛壬癸0123456789abcdef ") for _ in range(300))
                 for _ in range(100)]
    expected = [_one_by_one(patterns, haystack)[0] for haystack in haystacks]
    one_set = re2.Set.SearchSet(re2_options())
    for pattern in patterns:
        one_set.Add(pattern)
    one_set.Compile()
    started = time.perf_counter()
    for haystack in haystacks:
        one_set.Match(haystack)
    in_one_set = time.perf_counter() - started
    started = time.perf_counter()
    got = [index.found(haystack)[1] for haystack in haystacks]
    took = time.perf_counter() - started
    assert got == expected
    assert took <= 3 * in_one_set + 0.01, f"index {took:.3f} s, one set {in_one_set:.3f} s"
