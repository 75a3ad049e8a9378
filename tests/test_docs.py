"""docs/: every relative link resolves, every ``docs/<page>.md`` named in the code exists, and ``make docs``
(tools/build_docs.py: pdoc and the pages) builds without a pdoc warning."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def _slug(heading: str) -> str:
    """The anchor GitHub (and the docs build's markdown2) gives a heading."""
    text = re.sub(r"[^\w\s-]", "", heading.strip().lower())
    return re.sub(r"[-\s]+", "-", text)


def _anchors(md: Path) -> set[str]:
    text = re.sub(r"```.*?```", "", md.read_text(encoding="utf-8"), flags=re.DOTALL)
    return {_slug(h) for h in re.findall(r"^#{1,6} (.+)$", text, flags=re.MULTILINE)}


def test_links_between_docs_pages_resolve() -> None:
    broken = []
    for md in [*sorted(DOCS.glob("*.md")), ROOT / "README.md"]:
        text = re.sub(r"```.*?```", "", md.read_text(encoding="utf-8"), flags=re.DOTALL)
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            if re.match(r"^[a-z][a-z0-9+.-]*:", target):
                continue  # an external address
            path, _, anchor = target.partition("#")
            dest = (md.parent / path).resolve() if path else md
            if not dest.exists():
                broken.append(f"{md.name}: {target} (no such file)")
            elif anchor and dest.suffix == ".md" and anchor not in _anchors(dest):
                broken.append(f"{md.name}: {target} (no such heading)")
    assert not broken, "\n".join(broken)


def test_docs_pages_named_in_the_code_exist() -> None:
    missing = []
    for folder in ("core", "dashboard", "tests", "bench", "tools"):
        for path in (ROOT / folder).rglob("*"):
            if path.suffix not in (".py", ".toml") or not path.is_file():
                continue
            for page in set(re.findall(r"docs/([\w-]+\.md)", path.read_text(encoding="utf-8"))):
                if not (DOCS / page).is_file():
                    missing.append(f"{path.relative_to(ROOT)}: docs/{page}")
    assert not missing, "\n".join(sorted(missing))


def test_docs_index_lists_every_page() -> None:
    index = (DOCS / "index.md").read_text(encoding="utf-8")
    pages = [p.name for p in DOCS.glob("*.md") if p.name != "index.md"] + ["tutorial.py"]
    assert [p for p in pages if f"]({p})" not in index] == []


@pytest.mark.slow
def test_make_docs_builds_the_api_reference_and_the_pages(tmp_path: Path) -> None:
    out = tmp_path / "api"
    run = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "build_docs.py"), "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="core.html"' in index and 'href="docs/architecture.html"' in index
    assert (out / "core" / "windows.html").is_file() and (out / "dashboard" / "figures.html").is_file()
    assert (out / "docs" / "tutorial.html").is_file()
    # the module docstrings' pointers to docs/ are links in the reference
    assert 'href="../docs/windows.html"' in (out / "core" / "windows.html").read_text(encoding="utf-8")
    # lazily imported attributes of core.models are documented, not dropped
    assert "SeqNetQuake" in (out / "core" / "models.html").read_text(encoding="utf-8")
