"""Time the .csv encoding check on a 100,000-row signal file, GBK against UTF-8.

    .venv/bin/python bench/csv_encoding_bench.py [--rows 100000] [--runs 5] [--before FILE]

For each encoding, the median of --runs of: `encoding_of` alone; every row through
`read_rows` (check, decode, csv, header); and the raw limit, the same bytes decoded and
split by the csv module with nothing else. --before names another copy of
warning/sheets/csv_encoding.py (`git show REV:warning/sheets/csv_encoding.py > FILE`),
timed in the same run for both columns.
"""

import argparse
import csv
import importlib.util
import io
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from warning.services import signal_files
from warning.sheets import csv_encoding


def _rows(count: int) -> str:
    lines = ["渠道,编号,标题,内容,部门,金额,发生时间"]
    lines += [f"petition,B-{n:06d},反映采购中心设备采购问题{n},来信反映某科室在设备采购中"
              f"存在化整为零规避招标的情况，涉及金额较大，请予核查。,采购中心,{n % 97_000},"
              f"2026-0{1 + n % 9}-1{n % 10} 09:30" for n in range(count)]
    return "\n".join(lines) + "\n"


def _median(runs: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--before", type=Path, default=None)
    args = parser.parse_args()
    text = _rows(args.rows)
    versions: list[tuple[str, Callable[..., str]]] = [("now", csv_encoding.encoding_of)]
    if args.before is not None:
        spec = importlib.util.spec_from_file_location("before", args.before)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        versions.insert(0, ("before", module.encoding_of))
    print("| check | file | MB | encoding_of s | read_rows s | raw decode+csv s |"
          " read_rows / raw |")
    print("|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as folder:
        for (version, encoding_of), (name, codec) in (
                (v, f) for v in versions for f in (("UTF-8", "utf-8"), ("GBK", "gbk"))):
            signal_files.encoding_of = encoding_of  # type: ignore[attr-defined]
            path = Path(folder) / f"signals-{codec}.csv"
            data = text.encode(codec)
            path.write_bytes(data)

            def check(path: Path = path, encoding_of: Callable[..., str] = encoding_of) -> object:
                with path.open("rb") as handle:
                    return encoding_of(handle)

            def rows(path: Path = path) -> object:
                return sum(1 for _ in signal_files.read_rows(path))

            def raw(data: bytes = data, codec: str = codec) -> object:
                return sum(1 for _ in csv.reader(io.StringIO(data.decode(codec), newline="")))

            checked, read, limit = (_median(args.runs, work) for work in (check, rows, raw))
            print(f"| {version} | {name} | {len(data) / 1e6:.1f} | {checked:.3f} | {read:.3f} | "
                  f"{limit:.3f} | {read / limit:.2f} |")


if __name__ == "__main__":
    main()
