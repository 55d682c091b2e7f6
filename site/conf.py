"""The course website: Sphinx + myst-nb over the executed notebooks, built by `make site`.

    make site        ->  site/_build/html/index.html        (make test-site checks it in Chromium)

The pages are the notebooks as stored in notebooks/ (with their outputs; nothing is executed:
``nb_execution_mode = "off"``). Sphinx reads only files under site/, so each build copies
notebooks/[0-9]*.ipynb into site/chapters/ (git-ignored; one copy of a notebook in git), where a
worked solution gets myst-nb's hide-input tag: collapsed, as it opens in JupyterLab. The
maths, ``$...$`` and ``$$...$$`` in the notebooks, goes through myst's dollarmath and amsmath to
MathJax 3 from npm (site/package.json, installed by `make site` into site/node_modules), copied into
the site's _static/mathjax: no page loads anything from another host. A widget cell's stored output
is its note ("Interactive controls appear here when you run this cell in JupyterLab ..."); the
figure the cell before draws is the widget's default view. Every page starts with a line saying
how to run it live.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

SITE = Path(__file__).resolve().parent
REPO = SITE.parent
CHAPTERS = SITE / "chapters"
MATHJAX = SITE / "node_modules" / "mathjax" / "es5"

# --------------------------------------------------------------------------- the chapters
def _for_the_site(nb: dict) -> dict:
    """A worked solution opens collapsed in JupyterLab (``jupyter.source_hidden``); on the site too:
    myst-nb's ``hide-input`` tag shows its code behind a "Show code cell source" toggle."""
    for cell in nb.get("cells", []):
        meta = cell.setdefault("metadata", {})
        if meta.get("jupyter", {}).get("source_hidden") and "hide-input" not in meta.get("tags", []):
            meta["tags"] = [*meta.get("tags", []), "hide-input"]
    return nb


def _stage_chapters() -> None:
    """site/chapters/ = notebooks/[0-9]*.ipynb (through :func:`_for_the_site`). A file is rewritten
    only when it changes, so an incremental build rereads only the notebooks that changed."""
    CHAPTERS.mkdir(exist_ok=True)
    wanted = {p.name: p for p in sorted((REPO / "notebooks").glob("[0-9]*.ipynb"))}
    if not wanted:
        raise RuntimeError(f"no notebooks in {REPO / 'notebooks'}: nothing to build the site from")
    for stale in CHAPTERS.iterdir():
        if stale.name not in wanted:
            stale.unlink() if stale.is_file() else shutil.rmtree(stale)
    for name, src in wanted.items():
        text = json.dumps(_for_the_site(json.loads(src.read_text(encoding="utf-8"))),
                          indent=1, ensure_ascii=False) + "\n"
        dst = CHAPTERS / name
        if not dst.exists() or dst.read_text(encoding="utf-8") != text:
            dst.write_text(text, encoding="utf-8")


_stage_chapters()

# --------------------------------------------------------------------------- Sphinx
project = "bplab"
author = "the bplab authors"
copyright = "the bplab authors; code MIT, data sets CC BY 4.0 / CC BY-SA 3.0"
release = version = next(line.split('"')[1] for line in (REPO / "bplab" / "__init__.py").read_text().splitlines()
                         if line.startswith("__version__"))

extensions = ["myst_nb"]
exclude_patterns = ["_build", "node_modules", "**/.ipynb_checkpoints", "README.md"]
# `make site` fails on any warning (a broken reference, a missing image, ...), except a skipped
# heading level inside a notebook: that is the notebook's style, not a broken page.
suppress_warnings = ["myst.header"]
root_doc = "index"

myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3
nb_execution_mode = "off"           # the stored outputs are the pages' outputs
nb_merge_streams = True             # one block per cell for consecutive prints
nb_ipywidgets_js = {}               # no widget JavaScript (it would load require.js from a CDN)

html_theme = "furo"
html_title = f"bplab {release}"
html_static_path = ["_static"]
html_css_files = ["bplab.css"]
html_copy_source = False            # the notebooks are big and ship with bplab anyway
html_show_sourcelink = False
html_last_updated_fmt = None
html_theme_options = {"source_repository": None, "top_of_page_buttons": []}

# MathJax 3, local: _static/mathjax/tex-chtml.js (copied below). A relative mathjax_path is
# relative to _static.
mathjax_path = "mathjax/tex-chtml.js"
mathjax3_config = {"options": {"menuOptions": {"settings": {"assistiveMml": False}}}}

# --------------------------------------------------------------------------- the run-it-live line
RUN_LIVE = (
    '<div class="run-live"><p><strong>Run {what} live:</strong> <code>bplab lab</code> with the bplab '
    'package installed (it copies the course into <code>./bplab-course</code> and opens JupyterLab), '
    'or <code>make lab</code> in a clone of the repository ({install}).{then} The sliders and buttons '
    'work there; on this page each widget shows the figure of its default setting.</p></div>')


def _run_live_line(app, pagename, templatename, context, doctree):
    if doctree is None or "body" not in context:
        return
    index = context["pathto"]("index")           # "#" on the landing page itself
    install = f'<a href="{"" if index == "#" else index}#run-it-live">how to install</a>'
    if pagename.startswith("chapters/"):
        line = RUN_LIVE.format(what="this chapter", install=install,
                               then=f" Then open <code>{pagename.split('/', 1)[1]}.ipynb</code>.")
    else:
        line = RUN_LIVE.format(what="the course", install=install, then="")
    context["body"] = line + context["body"]


# --------------------------------------------------------------------------- MathJax, local
def _copy_mathjax(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    dest = Path(app.outdir) / "_static" / "mathjax"
    # tex-chtml.js and what it loads on demand (TeX extensions, fonts, menu, accessibility);
    # the other combined bundles are never used
    skip = shutil.ignore_patterns("mml-*.js", "tex-svg*.js", "tex-mml-*.js", "tex-chtml-full*.js",
                                  "svg", "*.map")
    shutil.copytree(MATHJAX, dest, ignore=skip, dirs_exist_ok=True)


def _check_mathjax(app, config):
    if not (MATHJAX / "tex-chtml.js").is_file():
        raise RuntimeError(f"MathJax is missing ({MATHJAX / 'tex-chtml.js'}): `make site` installs it "
                           f"(npm ci in site/); the site never loads it from a CDN")


def setup(app):
    app.connect("config-inited", _check_mathjax)
    app.connect("html-page-context", _run_live_line)
    app.connect("build-finished", _copy_mathjax)
    return {"parallel_read_safe": True}
