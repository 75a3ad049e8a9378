"""Build the HTML documentation: pdoc's API reference of ``core`` and ``dashboard``, and the ``docs/`` pages.

``make docs`` runs ``python tools/build_docs.py`` → ``docs/_build/api/`` (ignored by git):

- ``index.html``: ``docs/index.md`` with links to the API reference (``core.html``, ``dashboard.html``);
- ``core/…``, ``dashboard/…``: pdoc's pages (reStructuredText docstrings); every ``docs/<page>.md`` a
  docstring names becomes a link to that page;
- ``docs/<page>.html``: every ``docs/*.md``, and ``docs/tutorial.html`` from the jupytext notebook
  ``docs/tutorial.py`` (code and text, not executed).

Offline: pdoc's pages embed their CSS and search index; math and mermaid (which would load scripts from a
CDN) stay off. Any warning pdoc raises fails the build (exit status 1), except those in
:data:`ALLOWED_WARNINGS`, each with the reason it is harmless.
"""

from __future__ import annotations

import argparse
import html
import importlib
import os
import pkgutil
import re
import shutil
import sys
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
PACKAGES = ("core", "dashboard")

#: pdoc warnings that do not make the reference wrong (regular expressions on the message).
ALLOWED_WARNINGS: dict[str, str] = {
    # core.models.inputs.SamplesLike is a TypeAlias written as a string; pdoc cannot evaluate
    # ``"…" | None`` and shows the annotation as written ("SamplesLike | None"), which is what we want.
    r"^Error parsing type annotation SamplesLike \| None ": "string TypeAlias shown as written",
    # NamedTuples' generated __init__ (core.synthetic.orbit.Track) lives in a namespace without the
    # module's ``np``: pdoc shows the field annotations as written ("np.ndarray"), which is right.
    r"^Error parsing type annotation ForwardRef\('np\.ndarray'\) for [\w.]+\.__init__\. ": "NamedTuple",
}

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} — SeqNetQuake workbench</title>
<style>
body {{ font-family: system-ui, sans-serif; line-height: 1.5; max-width: 60rem; margin: 2rem auto;
       padding: 0 1rem; color: #1b1b1b; }}
nav {{ font-size: 0.9rem; margin-bottom: 1.5rem; }}
code, pre {{ font-family: ui-monospace, monospace; font-size: 0.9em; }}
pre {{ background: #f5f5f5; padding: 0.75rem; overflow-x: auto; }}
table {{ border-collapse: collapse; margin: 1rem 0; }}
th, td {{ border: 1px solid #ccc; padding: 0.25rem 0.5rem; vertical-align: top; text-align: left; }}
th {{ background: #f0f0f0; }}
</style>
</head>
<body>
<nav><a href="{home}">Documentation</a> · <a href="{api}core.html">core</a> ·
<a href="{api}dashboard.html">dashboard</a></nav>
{body}
</body>
</html>
"""

MARKDOWN_EXTRAS = ["tables", "fenced-code-blocks", "header-ids", "code-friendly", "cuddled-lists", "strike"]


def _import_everything() -> list[str]:
    """Import every module of the packages, and materialise the lazy attributes of ``__all__`` (packages
    whose module ``__getattr__`` imports on first use, e.g. ``core.models``), so pdoc documents them;
    returns the modules to name to pdoc: the packages, and each module that pdoc would not follow from its
    package (one whose ``__all__`` — e.g. ``core.__all__``, a list of functions — does not list it)."""
    names: list[str] = []
    for name in PACKAGES:
        pkg = importlib.import_module(name)
        mods = [pkg] + [
            importlib.import_module(info.name)
            for info in pkgutil.walk_packages(pkg.__path__, prefix=f"{name}.")
            if not info.name.endswith("__main__")
        ]
        names.append(name)
        for mod in mods[1:]:  # pdoc follows the others from their package
            parent, _, short = mod.__name__.rpartition(".")
            listed = getattr(sys.modules[parent], "__all__", None)
            if listed is not None and short not in listed:
                names.append(mod.__name__)
        for mod in mods:
            for attr in getattr(mod, "__all__", ()):
                if attr not in vars(mod) and hasattr(mod, "__getattr__"):
                    setattr(mod, attr, getattr(mod, attr))
    return names


def build_api(out: Path) -> list[str]:
    """pdoc's pages of the packages into ``out``; returns the warnings that are not allowed."""
    import pdoc
    import pdoc.render

    os.environ.setdefault("PDOC_ALLOW_EXEC", "1")  # our modules may run e.g. `uname` on import: allowed
    pdoc.render.configure(
        docformat="restructuredtext",
        footer_text="SeqNetQuake workbench",
        math=False,
        mermaid=False,
        search=True,
        show_source=True,
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pdoc.pdoc(*_import_everything(), output_directory=out)
    bad = []
    for w in caught:
        if f"{os.sep}pdoc{os.sep}" not in str(w.filename):
            continue  # a library's own warning at import time, not a documentation problem
        message = str(w.message)
        if not any(re.search(pattern, message) for pattern in ALLOWED_WARNINGS):
            bad.append(f"{w.category.__name__}: {message}")
    return bad


def _link_docs_in_api(out: Path) -> None:
    """``<code>docs/<page>.md</code>`` in pdoc's pages → a link to the rendered page."""
    pattern = re.compile(r"<code>docs/([\w-]+)\.md</code>")

    def link(m: re.Match[str], rel: str) -> str:
        if not (DOCS / f"{m[1]}.md").is_file():
            return m[0]  # a page not written (yet): left as text, not as a broken link
        return f'<a href="{rel}/{m[1]}.html"><code>docs/{m[1]}.md</code></a>'

    for page in out.rglob("*.html"):
        if page.parent == out / "docs":
            continue
        text = page.read_text(encoding="utf-8")
        rel = os.path.relpath(out / "docs", page.parent).replace(os.sep, "/")
        new = pattern.sub(lambda m, rel=rel: link(m, rel), text)
        if new != text:
            page.write_text(new, encoding="utf-8")


def _rewrite_links(body: str, page: Path, out: Path) -> str:
    """Relative links of a rendered ``docs/`` page: ``x.md`` → its HTML page, ``tutorial.py`` → the
    rendered tutorial, anything else → the file in the source tree."""

    def fix(m: re.Match[str]) -> str:
        href = html.unescape(m[1])
        if re.match(r"^[a-z][a-z0-9+.-]*:", href) or href.startswith(("#", "/")):
            return m[0]
        path, _, anchor = href.partition("#")
        source = (DOCS / path).resolve()
        if source.parent == DOCS and source.suffix == ".md" and source.exists():
            target = out / "docs" / f"{source.stem}.html"
        elif source == DOCS / "tutorial.py":
            target = out / "docs" / "tutorial.html"
        else:
            target = source
        rel = os.path.relpath(target, page.parent).replace(os.sep, "/")
        return f'href="{html.escape(rel + ("#" + anchor if anchor else ""))}"'

    return re.sub(r'href="([^"]*)"', fix, body)


def _write_page(markdown_text: str, title: str, page: Path, out: Path, extra_html: str = "") -> None:
    import markdown2

    body = markdown2.markdown(markdown_text, extras=MARKDOWN_EXTRAS)
    body = _rewrite_links(str(body), page, out) + extra_html
    home = os.path.relpath(out / "index.html", page.parent).replace(os.sep, "/")
    api = os.path.relpath(out, page.parent).replace(os.sep, "/") + "/"
    page.parent.mkdir(parents=True, exist_ok=True)
    page.write_text(PAGE.format(title=html.escape(title), home=home, api=api, body=body), encoding="utf-8")


def _title(markdown_text: str, default: str) -> str:
    m = re.search(r"^# (.+)$", markdown_text, flags=re.MULTILINE)
    return m[1].strip() if m else default


def build_pages(out: Path) -> list[Path]:
    """Every ``docs/*.md`` → ``out/docs/<name>.html``, ``docs/index.md`` also → ``out/index.html`` with the
    API reference's links, and the tutorial → ``out/docs/tutorial.html``."""
    import jupytext

    written = []
    for md in sorted(DOCS.glob("*.md")):
        text = md.read_text(encoding="utf-8")
        page = out / "docs" / f"{md.stem}.html"
        _write_page(text, _title(text, md.stem), page, out)
        written.append(page)
    modules = (
        "<h2>Modules</h2>\n<ul>\n"
        '<li><a href="core.html">core</a>: the library (no Dash import)</li>\n'
        '<li><a href="dashboard.html">dashboard</a>: the Dash app</li>\n</ul>\n'
    )
    index_md = (DOCS / "index.md").read_text(encoding="utf-8")
    _write_page(index_md, "Documentation", out / "index.html", out, extra_html=modules)
    written.append(out / "index.html")
    nb = jupytext.read(DOCS / "tutorial.py")
    tutorial_md = jupytext.writes(nb, fmt="md")
    tutorial_md = re.sub(r"\A---\n.*?\n---\n", "", tutorial_md, flags=re.DOTALL)  # the YAML header
    source_note = "\n*Source: `docs/tutorial.py` (jupytext percent format); outputs are not shown.*\n\n"
    tutorial_md = re.sub(r"^(# .+\n)", lambda m: m[1] + source_note, tutorial_md, count=1, flags=re.M)
    page = out / "docs" / "tutorial.html"
    _write_page(tutorial_md, _title(tutorial_md, "Tutorial"), page, out)
    written.append(page)
    return written


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--out", type=Path, default=DOCS / "_build" / "api", help="output folder (replaced)")
    args = ap.parse_args(argv)
    out = args.out.resolve()
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    sys.path.insert(0, str(ROOT))
    bad = build_api(out)
    _link_docs_in_api(out)
    pages = build_pages(out)
    n_api = sum(1 for p in out.rglob("*.html") if p.parent != out / "docs") - 1
    print(f"API reference: {n_api} pages; docs: {len(pages)} pages → {out / 'index.html'}")
    if bad:
        print(f"{len(bad)} pdoc warning(s), treated as errors:", file=sys.stderr)
        for line in bad:
            print(f"  {line}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
