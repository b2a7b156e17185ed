"""Sphinx configuration of the hio documentation.

The API reference documents the installed hio distributions (``nox -s docs``
installs them from the wheelhouse). The modules of each distribution are
listed from its source tree under ``packages/`` by the ``hio-modules``
directive below, so a new module appears without editing a page.
"""

from __future__ import annotations

import html
import pathlib
import re
from importlib import metadata

import tomllib
from docutils import nodes
from docutils.statemachine import StringList
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import nested_parse_with_titles

DOCS = pathlib.Path(__file__).resolve().parent
ROOT = DOCS.parent
PACKAGES = ROOT / "packages"
BENCH_SNAPSHOT = pathlib.Path(__file__).resolve().parent / "bench" / "summary.md"
BENCH_SUMMARY = ROOT / "bench-results" / "summary.md"

project = "hio"
author = "hio developers"
copyright = "hio developers"
release = metadata.version("hio")
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.viewcode",
    "myst_parser",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "bench/*.md"]  # the benchmark snapshot is included by the Benchmarks page
root_doc = "index"

html_theme = "furo"
html_title = f"hio {release}"
html_static_path: list[str] = []

# The docstrings follow the Google style; autodoc reads them from the installed packages.
napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_use_ivar = True
napoleon_use_rtype = False
napoleon_attr_annotations = True
autodoc_default_options = {
    "members": True,
    "show-inheritance": True,
    "member-order": "bysource",
    "ignore-module-all": True,  # document each object where it is defined, not where it is re-exported
}
# A class's entry shows its docstring and its __init__'s, so that the constructor's parameters are described.
autoclass_content = "both"
autodoc_typehints = "description"
# types go into the descriptions the docstrings give (every parameter has one: tools/check_reference.py),
# never into a second, description-less list
autodoc_typehints_description_target = "documented_params"
autodoc_typehints_format = "short"
autodoc_preserve_defaults = True
autodoc_inherit_docstrings = False
nitpicky = False
suppress_warnings = [
    "ref.python",  # a type named in a docstring that several modules define ("more than one target found")
    "myst.header",
]
# "Methods:" in a class docstring is a plain list here: napoleon would otherwise declare each method
# again and duplicate the descriptions autodoc makes from the methods themselves.
# The sections hio's docstrings use beyond Google's own: fields and properties read like
# attributes, usage like an example.
napoleon_custom_sections = [
    "Methods",
    ("Fields", "params_style"),
    ("Properties", "params_style"),
    ("Inherited Properties", "params_style"),
    ("Class Attributes", "params_style"),
    ("Usage", "Example"),
]

myst_heading_anchors = 3


def modulesOf(dist: str) -> list[str]:
    """Dotted names of the modules distribution ``dist`` ships, read from its source tree."""
    src = PACKAGES / dist / "src"
    names = set()
    for path in src.rglob("*.py"):
        rel = path.relative_to(src).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__main__":
            continue
        if parts[-1] == "__init__":
            parts.pop()
        names.add(".".join(parts))
    return sorted(names)


class HioModules(SphinxDirective):
    """``.. hio-modules:: hio-tcp`` documents every module of a distribution, a section each."""

    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        lines = []
        for name in modulesOf(self.arguments[0]):
            lines += [name, "-" * len(name), "", f".. automodule:: {name}", ""]
        content = StringList(lines, source=f"<hio-modules {self.arguments[0]}>")
        holder = nodes.section()
        nested_parse_with_titles(self.state, content, holder)
        return holder.children


def benchmarkSummary(app, docname: str, source: list[str]) -> None:
    """Puts the latest benchmark summary into the Benchmarks page.

    A fresh run's ``bench-results/summary.md`` wins; otherwise the snapshot
    of the latest published run kept in ``docs/bench/`` is shown.
    """
    if docname != "benchmarks" or "<!-- bench-summary -->" not in source[0]:
        return
    for summary, plots in ((BENCH_SUMMARY, "../bench-results"), (BENCH_SNAPSHOT, "bench")):
        if summary.is_file():
            text = summary.read_text(encoding="utf-8")
            text = re.sub(r"^#(?=\s)", "##", text, flags=re.MULTILINE)  # its title becomes a section of this page
            # plots are next to the summary: point at them from this page
            text = re.sub(r"!\[([^\]]*)\]\((?!/|https?:)([^)]+)\)", rf"![\1]({plots}/\2)", text)
            break
    else:
        text = (
            "No benchmark results were found when this site was built: the command above writes "
            "`bench-results/summary.md` (and its plots), and the next build of this site shows them here.\n"
        )
    source[0] = source[0].replace("<!-- bench-summary -->", text)


def dependencies() -> dict[str, list[str]]:
    """Each distribution under ``packages/`` with its requirements (names only), read from its pyproject.toml."""
    deps = {}
    for path in sorted(PACKAGES.glob("*/pyproject.toml")):
        project = tomllib.loads(path.read_text(encoding="utf-8"))["project"]
        deps[project["name"]] = [
            re.split(r"[\s<>=!~;\[]", req, maxsplit=1)[0] for req in project.get("dependencies", [])
        ]
    return deps


def dependencySvg(deps: dict[str, list[str]]) -> str:
    """An SVG picture of the distributions as a dependency graph, drawn from ``deps``.

    A distribution stands one row above everything it needs, the ones that need
    nothing of hio at the bottom; an arrow goes from a distribution to each hio
    distribution it needs directly, leaving out the ones it reaches through another.
    """
    needs = {name: [d for d in reqs if d in deps] for name, reqs in deps.items()}

    def reach(name: str) -> set[str]:
        found = set()
        for dep in needs[name]:
            found |= {dep} | reach(dep)
        return found

    arrows = [(a, b) for a in needs for b in needs[a] if not any(b in reach(c) for c in needs[a] if c != b)]
    level: dict[str, int] = {}

    def depth(name: str) -> int:
        if name not in level:
            level[name] = 1 + max((depth(d) for d in needs[name]), default=-1)
        return level[name]

    rows: dict[int, list[str]] = {}
    for name in sorted(needs):
        rows.setdefault(depth(name), []).append(name)
    width, height, gap, rise = 104, 30, 24, 70
    wide = max(len(row) for row in rows.values()) * (width + gap)
    top = max(rows)
    at = {}
    for lvl, row in rows.items():
        left = (wide - len(row) * (width + gap)) / 2 + gap / 2
        for i, name in enumerate(row):
            at[name] = (left + i * (width + gap), 10 + (top - lvl) * rise)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{wide:.0f}" height="{20 + top * rise + height}" '
        'role="img" aria-label="hio distributions and what each needs" font-family="sans-serif" font-size="13">',
        '<defs><marker id="hio-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>',
    ]
    for a, b in arrows:
        (xa, ya), (xb, yb) = at[a], at[b]
        parts.append(
            f'<line x1="{xa + width / 2:.0f}" y1="{ya + height}" x2="{xb + width / 2:.0f}" y2="{yb}" '
            'stroke="#555" marker-end="url(#hio-arrow)"/>'
        )
    for name, (x, y) in at.items():
        parts.append(
            f'<rect x="{x:.0f}" y="{y}" width="{width}" height="{height}" rx="5" fill="#eef3fb" stroke="#345"/>'
            f'<text x="{x + width / 2:.0f}" y="{y + 20}" text-anchor="middle">{html.escape(name)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


class HioDependencies(SphinxDirective):
    """``.. hio-dependencies::`` the distributions as a dependency graph, and a list of what each requires."""

    def run(self) -> list[nodes.Node]:
        deps = dependencies()
        picture = nodes.raw("", dependencySvg(deps), format="html")
        listing = nodes.bullet_list()
        for name, reqs in deps.items():
            item = nodes.paragraph()
            item += nodes.literal(text=name)
            item += nodes.Text(" requires " + (", ".join(reqs) if reqs else "nothing"))
            listing += nodes.list_item("", item)
        return [picture, listing]


TYPE_LIKE = re.compile(r"[\w.]+")


def looksLikeType(text: str) -> bool:
    """True when ``text`` reads as a type (``bool``, ``dict[str, int] | None``), not as words of a sentence."""
    bare = text
    while re.search(r"\[[^\[\]]*\]", bare):
        bare = re.sub(r"\[[^\[\]]*\]", "", bare)
    return all(TYPE_LIKE.fullmatch(part.strip()) for part in bare.split("|"))


def attributeColons(app, what: str, name: str, obj, options, lines: list[str]) -> None:
    """Keeps napoleon from reading the words before a colon of an attribute's first line as its type.

    Napoleon takes ``X: Y`` on the first line of an attribute or property
    docstring as "type X, description Y"; hio writes its types in the
    annotations, and its sentences have colons ("True while .txbs holds
    .maxUnsent bytes or more: nothing is received meanwhile"). Such a line is
    broken after the colon, which napoleon leaves as it is.
    """
    if what not in ("attribute", "property", "data") or not lines:
        return
    head, colon, rest = lines[0].partition(": ")
    if colon and rest and not looksLikeType(head):
        lines[0:1] = [head + ":", rest]


def setup(app):
    app.connect("autodoc-process-docstring", attributeColons, priority=400)  # before napoleon (500)
    app.add_directive("hio-modules", HioModules)
    app.add_directive("hio-dependencies", HioDependencies)
    app.connect("source-read", benchmarkSummary)
    return {"parallel_read_safe": True}
