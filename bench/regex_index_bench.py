"""Rule regexes on long and short texts: the index (filter + one set) beside each regex
alone and beside one RE2 set of all (the design that blew up).

The tests (tests/unit/test_text_index_cost.py) check which way each regex goes and that
the index agrees with each regex alone; this measures what each way costs, CPU seconds:
- long: 300 regexes with literals on one 5,000-character text of fresh characters (the
  case where one set rebuilt its DFA for every byte), and the same at 40,000;
- short: 300 literal-free regexes on 100 texts of 300 characters (the case where the
  filter would search each alone on every text).
Run: .venv/bin/python bench/regex_index_bench.py
"""

import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

import re2

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.unit.test_text_index_cost import _literal_free, _patterns
from warning.rules.regex_index import RegexIndex
from warning.rules.regexes import re2_options


def _cpu(work: Callable[[], object]) -> float:
    started = time.process_time()
    work()
    return time.process_time() - started


def _one_set(patterns: list[str]) -> "re2.Set":
    options = re2_options()
    options.max_mem = 256 << 20
    regex_set = re2.Set.SearchSet(options)
    for pattern in patterns:
        regex_set.Add(pattern)
    regex_set.Compile()
    return regex_set


def main() -> None:
    rnd = random.Random(11)
    cases = []
    for length in (5_000, 40_000):
        text = "".join(rnd.choice("采购甲乙丙丁戊己庚辛壬癸") for _ in range(length))
        cases.append((f"300 with literals, one text of {length:,}", _patterns(300), [text]))
    short = ["".join(rnd.choice("甲乙丙丁戊己庚辛壬癸0123456789abcdef ") for _ in range(300))
             for _ in range(100)]
    cases.append(("300 literal-free, 100 texts of 300", _literal_free(300), short))
    print("| case | index CPU s | each alone CPU s | one set of all CPU s |")
    print("| --- | --- | --- | --- |")
    for name, patterns, texts in cases:
        index = RegexIndex(patterns)
        alone = [re2.compile(p, options=re2_options()) for p in patterns]
        regex_set = _one_set(patterns)
        encoded = [t.encode() for t in texts]
        took = (
            _cpu(lambda: [index.found(t) for t in texts]),  # noqa: B023
            _cpu(lambda: [[r.search(t) for r in alone] for t in texts]),  # noqa: B023
            _cpu(lambda: [regex_set.Match(t) for t in encoded]),  # noqa: B023
        )
        print(f"| {name} | " + " | ".join(f"{s:.3f}" for s in took) + " |")


if __name__ == "__main__":
    main()
