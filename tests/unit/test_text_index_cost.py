"""Many rule regexes are searched each where it is cheap, and agree with each one alone.

Every rule regex is checked to compile to a small RE2 program, but one RE2 set of all of
them builds a DFA over their product: on a long text of new characters it rebuilds states
for every byte. 2,000 mixed regexes took 34 s on one 40 KB signal (an hour-long estimate
at 400 KB), inside the intake thread, while the same regexes searched one by one took
1.5 s. So regexes with required literals go to RE2's filter and are searched alone;
those without cannot be filtered and go into one set, whose DFA stays small for them. The
tests check that routing and that the index agrees with each regex alone; the costs are
measured in bench/regex_index_bench.py, never asserted here.
"""

import random

import re2

from warning.rules.model import TextCondition
from warning.rules.regex_index import RegexIndex
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


def _one_by_one(patterns: list[str], haystack: str) -> set[int]:
    compiled = [re2.compile(p, options=re2_options()) for p in patterns]
    return {i for i, regex in enumerate(compiled) if regex.search(haystack)}


def test_regexes_with_literals_go_to_the_filter_never_into_one_set() -> None:
    """Searched through the literal filter, each alone: one set of them blew up its DFA on
    a long text (34 s on 40 KB; bench/regex_index_bench.py measures the three ways)."""
    patterns = _patterns(300)
    filtered, in_set = RegexIndex(patterns).routes
    assert in_set == () and filtered == tuple(range(len(patterns)))
    # and the index finds what each regex alone finds, on a long text of fresh characters
    index = TextIndex([TextCondition(regex=[p]) for p in patterns])
    rnd = random.Random(11)
    haystack = "".join(rnd.choice("采购甲乙丙丁戊己庚辛壬癸") for _ in range(5000))
    assert index.found(haystack)[1] == _one_by_one(patterns, haystack)


def test_agrees_with_each_regex_alone_on_mixed_signals() -> None:
    patterns = [*_patterns(120, seed=3), "(?i)ABC", "(?i)σας", "(?i)k", r"\d{3}", "^标题", "尾$"]
    index = TextIndex([TextCondition(regex=[p]) for p in patterns])
    rnd = random.Random(5)
    alphabet = _HAN + "0123456789，。元abcABCΣΑΣ\u212a \n"
    for _ in range(200):
        haystack = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 400)))
        assert index.found(haystack)[1] == _one_by_one(patterns, haystack), haystack


def _literal_free(n: int) -> list[str]:
    rnd = random.Random(1)
    return list(dict.fromkeys(  # (found() numbers distinct patterns)
        f"[一-龥]{{{rnd.randint(1, 5)},{rnd.randint(6, 40)}}}\\d{{{rnd.randint(2, 9)}}}"
        f"[a-f]{{{rnd.randint(1, 3)}}}\\s" for _ in range(n)))


def test_regexes_without_literals_go_into_one_set() -> None:
    """The filter would search each on every signal (9 ms a short signal for 2,000 against
    0.2 ms in one set, whose DFA stays small for them)."""
    patterns = _literal_free(300)
    assert RegexIndex(patterns).routes == ((), tuple(range(len(patterns))))
    index = TextIndex([TextCondition(regex=[p]) for p in patterns])
    rnd = random.Random(1)
    for _ in range(100):
        haystack = "".join(rnd.choice("甲乙丙丁戊己庚辛壬癸0123456789abcdef ") for _ in range(300))
        assert index.found(haystack)[1] == _one_by_one(patterns, haystack)


def test_a_mix_is_routed_each_to_its_way() -> None:
    with_literals, without = _patterns(40), _literal_free(40)
    filtered, in_set = RegexIndex(with_literals + without).routes
    assert filtered == tuple(range(40)) and in_set == tuple(range(40, 40 + len(without)))
