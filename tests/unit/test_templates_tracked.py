"""Every template a template imports, includes or extends is a file under version control.

A template left untracked renders in the working copy that made it and nowhere else: the
public report page and the office's signal form once imported `_form_fields.html`, which a
commit left out, so both answered 500 on a fresh checkout.
"""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

TEMPLATES = Path(__file__).resolve().parents[2] / "warning" / "web" / "templates"
REFERENCE = re.compile(r"""{%-?\s*(?:import|include|extends|from)\s+["']([^"']+)["']""")


def _tracked() -> set[str]:
    listed = subprocess.run(["git", "ls-files", "--", "."], cwd=TEMPLATES, check=True,
                            capture_output=True, text=True).stdout
    return set(listed.split())


@pytest.mark.skipif(shutil.which("git") is None
                    or not (TEMPLATES.parents[2] / ".git").exists(), reason="not a git checkout")
def test_every_referenced_template_is_tracked() -> None:
    tracked = _tracked()
    referenced = {(path.relative_to(TEMPLATES).as_posix(), name)
                  for path in TEMPLATES.rglob("*.html")
                  for name in REFERENCE.findall(path.read_text(encoding="utf-8"))}
    assert referenced, "the pattern finds the templates' imports"
    missing = sorted((where, name) for where, name in referenced if name not in tracked)
    assert not missing, f"templates referenced but not committed: {missing}"
