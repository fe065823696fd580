"""Requests storing the same attachment at the same moment all succeed, and the file is whole.

Every writer of one file wrote the same `<sha>.part`: the first renamed it into place while
a second was still writing into it (the stored file briefly truncated), and the second's
rename then found no `.part` and its action was refused as if the disk had failed.
"""

import hashlib
import threading
from pathlib import Path

from warning.handling.attachments import PART_SUFFIX, prepare_files, store, stored_path

WRITERS = 8
ROUNDS = 6


def test_concurrent_writers_of_one_file_all_store_it_whole(tmp_path: Path) -> None:
    failures: list[BaseException] = []
    for round_ in range(ROUNDS):
        content = b"%PDF-1.4 " + bytes([round_]) * (2 * 1024 * 1024)
        item = prepare_files([("报告.pdf", content)], max_bytes=4 * 1024 * 1024)
        gate = threading.Barrier(WRITERS)

        def write(item: list = item, gate: threading.Barrier = gate) -> None:
            gate.wait()
            try:
                store(item, tmp_path)
            except BaseException as error:  # collected, asserted below
                failures.append(error)

        threads = [threading.Thread(target=write) for _ in range(WRITERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        target = stored_path(tmp_path, item[0].sha256)
        assert hashlib.sha256(target.read_bytes()).hexdigest() == item[0].sha256
    assert failures == []
    assert [p for p in tmp_path.rglob("*") if p.name.endswith(PART_SUFFIX)] == []


def test_a_stored_attachment_is_readable_only_by_the_service(tmp_path: Path) -> None:
    item = prepare_files([("举报材料.pdf", b"%PDF-1.4 confidential")])
    store(item, tmp_path)
    assert stored_path(tmp_path, item[0].sha256).stat().st_mode & 0o077 == 0
