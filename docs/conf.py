"""Sphinx configuration of the hio documentation.

The API reference documents the installed hio distributions (``nox -s docs``
installs them from the wheelhouse). The modules of each distribution are
listed from its source tree under ``packages/`` by the ``hio-modules``
directive below, so a new module appears without editing a page.
"""

from __future__ import annotations

import pathlib
import re
from importlib import metadata

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
autodoc_typehints = "description"
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


def setup(app):
    app.add_directive("hio-modules", HioModules)
    app.connect("source-read", benchmarkSummary)
    return {"parallel_read_safe": True}
