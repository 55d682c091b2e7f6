"""A learner's session in a real browser: JupyterLab 4 + ipywidgets 8 in headless Chromium.

    make test-browser            (installs chromium and playwright when missing, then runs this)

For every notebook in notebooks/ (collected from the glob, so new notebooks need no change here):
open it in a fresh JupyterLab workspace, choose Kernel > "Restart Kernel and Run All Cells…" and
accept the dialog, wait until every code cell has run and the kernel is idle, and check that no
cell shows an error. Then, in every live widget, find the controls by their visible labels and move
each one the way a learner does (arrow key on a slider handle, typing into a slider's readout,
picking a dropdown option, typing a number, clicking a button), and check that the figure the
learner sees changed (the ``<img>``) together with the numbers drawn in it, and that a learning
rate pushed to the slider's maximum shows the widget's friendly message instead of a traceback.

Screenshots land in screenshots/ (git-ignored): per notebook the top of the page after run-all and
each widget before, at the divergence and after all moves; screenshots/browser_report.txt sums up
run-all times and every move. The server root is a temp copy of notebooks/: running never changes the
repo's saved notebooks. A scratch notebook exercises the harness itself (also when notebooks/ is
empty), including a self-test that a notebook with an error really fails the check.
"""
from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from browser_helpers import (CHROMIUM, CHROMIUM_ARGS, JS_ARM_RUN_WATCH, JS_CONTROLS, JS_DOM_ERRORS,
                             JS_IMAGE_FIT, JS_NOTEBOOK_READY, JS_STALE_WIDGETS, JS_RUN_STATE, JS_WIDGET_OUTPUTS, NOTEBOOK_DIR,
                             RUN_ALL_MENU_ITEM, SCREENSHOT_DIR, LabServer, Move, NotebookReport,
                             copy_notebooks, kernel_eval, probe_widget, venv_python,
                             write_scratch_notebook)

pytestmark = pytest.mark.browser

NOTEBOOKS = sorted(p.name for p in NOTEBOOK_DIR.glob("[0-9]*.ipynb"))
RUN_ALL_TIMEOUT = 150        # s per notebook (the course's budget is 20 s; the machine may be busy)
REDRAW_TIMEOUT = 60          # s for one widget to redraw after a move
LR_LABEL = r"learning rate|\blr\b|η"

# How to provoke a widget's friendly "learning rate too large" message, keyed by the notebook's
# numeric prefix. ``slider``: regex of the slider label that goes to its maximum (typed into its
# readout); ``presets``: dropdowns (label regex -> option) picked first; ``expect``: regex the text
# drawn in the figure must match. Notebooks not listed use DEFAULT_DIVERGENCE when one of their
# widgets has a learning-rate slider; None: nothing to check. FRIENDLY: a friendly "your learning
# rate is too large" message, in the words the notebooks use.
FRIENDLY = (r"diverg|too large|too big|unstable|training failed|smaller learning rate|"
            r"lower the learning rate|\btry (η|eta|lr|a smaller)")
DEFAULT_DIVERGENCE = {"slider": LR_LABEL, "presets": {}, "expect": FRIENDLY}
DIVERGENCE = {
    # 04: relu (default init) at η = 10 is the hard case: the loss reaches ~1e236 and a weight change
    # overflows to inf while fit() raises nothing (the ReLUs die), so the redraw has to cope with
    # infinite bar heights and say "diverged". (sigmoid and tanh at η = 10 stay finite and end at
    # chance: the widget explains "training failed ... too large" in a note under the panels.)
    "04": {"slider": LR_LABEL, "presets": {r"^activation$": "relu"}, "expect": FRIENDLY},
    # 05: at its maximum (η = 10) the OCR net does not blow up to inf: its ReLUs die and the widget
    # says "Training failed: ... Try η = 0.1" (matched by FRIENDLY).
}

REPORTS: list[NotebookReport] = []


# ======================================================================== fixtures
@pytest.fixture(scope="module")
def lab_root(tmp_path_factory):
    """A throwaway copy of notebooks/ plus the harness's scratch notebooks."""
    root = copy_notebooks(NOTEBOOK_DIR, tmp_path_factory.mktemp("bplab-lab") / "notebooks")
    (root / "_harness").mkdir()
    write_scratch_notebook(root / "_harness" / "scratch.ipynb")
    write_scratch_notebook(root / "_harness" / "scratch_error.ipynb", with_error=True)
    write_scratch_notebook(root / "_harness" / "scratch_broken.ipynb", broken_widget=True)
    return root


@pytest.fixture(scope="module")
def lab(lab_root, tmp_path_factory):
    server = LabServer(lab_root, tmp_path_factory.mktemp("bplab-jupyter")).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("the browser test needs playwright: run `make test-browser` (it installs it)")
    if not Path(CHROMIUM).exists():
        pytest.fail(f"no Chromium at {CHROMIUM}: run `make test-browser` (it installs it)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1100})
    pg = context.new_page()
    pg.set_default_timeout(30_000)
    try:
        yield pg
    finally:
        context.close()


@pytest.fixture(scope="module", autouse=True)
def write_report(request):
    """screenshots/browser_report.txt, also shown at the end of the run: run-all times, every
    move and what it changed, findings, the screenshot files."""
    yield
    if REPORTS:
        SCREENSHOT_DIR.mkdir(exist_ok=True)
        lines = [line for r in REPORTS for line in r.lines()]
        (SCREENSHOT_DIR / "browser_report.txt").write_text("\n".join(lines) + "\n")
        shown = [line for line in lines if "screenshot:" not in line]
        shown.append(f"(screenshots and this report: {SCREENSHOT_DIR}/)")
        capman = request.config.pluginmanager.getplugin("capturemanager")
        if capman is not None:
            with capman.global_and_fixture_disabled():
                print("\n" + "\n".join(shown))
        else:
            print("\n" + "\n".join(shown))


# ======================================================================== the learner's moves
def open_notebook(page, lab, name):
    page.goto(lab.notebook_url(name))
    page.wait_for_function(JS_NOTEBOOK_READY, timeout=120_000, polling=250)


def restart_and_run_all(page, timeout=RUN_ALL_TIMEOUT):
    """Kernel menu > Restart Kernel and Run All Cells…, accept the dialog, wait for the run.

    Returns (seconds from accepting the dialog to the last cell done, final run state). Fails
    early with the traceback when a cell errors (run-all then stops, leaving later cells unrun)."""
    page.evaluate(JS_ARM_RUN_WATCH)
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Kernel$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=RUN_ALL_MENU_ITEM).click()
    dialog = page.locator(".jp-Dialog")
    dialog.wait_for(state="visible")
    dialog.locator(".jp-Dialog-button.jp-mod-accept").click()
    t0 = time.perf_counter()
    state = None
    while time.perf_counter() - t0 < timeout:
        state = page.evaluate(JS_RUN_STATE)
        errors = [(c["index"], e) for c in state["cells"] for e in c["errors"]]
        if errors:
            return time.perf_counter() - t0, state
        if state["kernel"] == "idle" and all(c["executed"] and c["count"] is not None for c in state["cells"]):
            return time.perf_counter() - t0, state
        time.sleep(0.2)
    pending = [(c["index"], c["prompt"], c["source"][:60]) for c in state["cells"] if not c["executed"] or c["count"] is None]
    pytest.fail(f"run-all did not finish within {timeout} s; kernel {state['kernel']}, "
                f"cells still pending: {pending[:5]}")


def error_outputs(page, state):
    """Error outputs and tracebacks the learner would see (model + rendered DOM)."""
    bad = [f"cell {c['index']} ({c['source'][:50]!r}): {e[:1500]}" for c in state["cells"] for e in c["errors"]]
    bad += [f"cell {c['index']} stderr: {s[:1500]}" for c in state["cells"] for s in c["stderr"]
            if "Traceback" in s]
    bad += [f"rendered stderr: {t}" for t in page.evaluate(JS_DOM_ERRORS)]
    return bad


def check_kernel_environment(page):
    """The kernel is the project's venv, and figures go inline (no MPLBACKEND=Agg inherited)."""
    info = kernel_eval(page, "import sys, os, matplotlib",
                       "{'prefix': sys.prefix, 'backend': matplotlib.get_backend(), "
                       "'MPLBACKEND': os.environ.get('MPLBACKEND')}")
    assert Path(info["prefix"]).resolve() == venv_python().parent.parent.resolve(), info
    # ipykernel itself sets MPLBACKEND to its inline backend; an inherited "Agg" would win instead
    assert info["MPLBACKEND"] in (None, "module://matplotlib_inline.backend_inline"), info
    assert "inline" in info["backend"], info


def widget_areas(page):
    """Mark each live widget output (root view) with data-bplab-widget=k; return their facts."""
    found = page.evaluate(JS_WIDGET_OUTPUTS)
    for k, w in enumerate(found):
        page.evaluate("""([cell, out, k]) => {
          const nb = window.jupyterapp.shell.currentWidget;
          const child = nb.content.widgets[cell].outputArea.node
                          .querySelectorAll(':scope > .jp-OutputArea-child')[out];
          child.querySelector('.jp-OutputArea-output').setAttribute('data-bplab-widget', String(k));
        }""", [w["cell"], w["out"], k])
    return found


def area_state(page, k):
    """Controls (marked data-bplab-control=i), image sources and texts of widget area k."""
    return page.evaluate(JS_CONTROLS, str(k))


def wait_redraw(page, k, before, timeout=REDRAW_TIMEOUT):
    """Wait until widget k shows a different image (or, for a widget that draws no image, different
    text) and the kernel is idle again."""
    t0 = time.perf_counter()
    page.wait_for_timeout(150)     # let the comm message reach the kernel
    view = "imgs" if before["imgs"] else "texts"
    while time.perf_counter() - t0 < timeout:
        st = area_state(page, k)
        idle = page.evaluate("() => window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.status")
        if st[view] and st[view] != before[view] and idle == "idle":
            return st, time.perf_counter() - t0, True
        time.sleep(0.1)
    return area_state(page, k), time.perf_counter() - t0, False


def shoot(page, k, path, report, settle=False):
    """Screenshot widget area k. Cells outside the viewport are laid out lazily (CSS
    content-visibility): after a long scroll (``settle``), let the layout settle and scroll again."""
    loc = page.locator(f'[data-bplab-widget="{k}"]')
    for _ in range(2 if settle else 1):
        loc.scroll_into_view_if_needed()
        page.wait_for_timeout(250 if settle else 100)
    loc.screenshot(path=str(path))
    report.screenshots.append(path.name)


def control(page, k, i):
    return page.locator(f'[data-bplab-widget="{k}"] [data-bplab-control="{i}"]')


def type_into_readout(page, k, i, text):
    readout = control(page, k, i).locator(".widget-readout")
    readout.click()
    page.keyboard.press("Control+A")
    page.keyboard.type(text)
    page.keyboard.press("Enter")


def do_move(page, k, i, c):
    """Move control i of widget k one notch the way a learner does; returns a description."""
    loc = control(page, k, i)
    if c["kind"] == "slider":
        handle = loc.locator(".noUi-handle").first
        now, top = (float(handle.get_attribute(a) or "nan") for a in ("aria-valuenow", "aria-valuemax"))
        key = "ArrowLeft" if now >= top else "ArrowRight"
        handle.focus()
        page.keyboard.press(key)
        return f"{key} on the handle"
    if c["kind"] == "dropdown":
        opts, cur = c["options"], c["value"]
        new = opts[(opts.index(cur) + 1) % len(opts)] if cur in opts else opts[0]
        loc.locator("select").select_option(new)
        return f"select {new!r}"
    if c["kind"] == "text":
        box = loc.locator("input")
        try:
            new = str(int(float(c["value"])) + 1)
        except ValueError:
            new = "1"
        box.fill(new)
        box.press("Enter")
        return f"type {new} + Enter"
    if c["kind"] == "checkbox":
        loc.locator("input").click()
        return "tick/untick"
    loc.click()
    return "click"


def snapshot_texts(page, model_id):
    probe = probe_widget(page, model_id)
    if "error" in probe:            # seen once in a while under heavy load: try once more
        page.wait_for_timeout(500)
        probe = probe_widget(page, model_id)
    return probe if probe.get("found") else None


def exercise_widget(page, k, w, report, stem, divergence, redraw_timeout=REDRAW_TIMEOUT):
    """Drive every control of widget k; assert each move redraws what the learner sees."""
    st = area_state(page, k)
    assert st["controls"], f"widget {k} (cell {w['cell']}) shows no controls"
    assert st["imgs"] or st["texts"], f"widget {k} (cell {w['cell']}) shows no figure and no text after run-all"
    for c in st["controls"]:
        if c["kind"] != "button" and not c["label"]:
            report.findings.append(f"widget {k}: a {c['kind']} without a description label")
        if c["clipped"]:
            report.findings.append(f"widget {k}: label {c['label']!r} is clipped ({c['width']} px wide)")
    rects = [(c["label"], c["rect"]) for c in st["controls"]]
    for a in range(len(rects)):
        for b in range(a + 1, len(rects)):
            (la, ra), (lb, rb) = rects[a], rects[b]
            dx = min(ra[2], rb[2]) - max(ra[0], rb[0])
            dy = min(ra[3], rb[3]) - max(ra[1], rb[1])
            if dx > 2 and dy > 2:
                report.findings.append(f"widget {k}: controls {la!r} and {lb!r} overlap ({dx:.0f} x {dy:.0f} px)")
    if not any(re.search(r"\d", t) for t in st["texts"]):
        report.findings.append(f"widget {k}: its numbers and messages exist only inside the figure "
                               f"image (no text a screen reader, find-in-page or copy can reach)")
    labels = [c["label"] for c in st["controls"]]
    shoot(page, k, SCREENSHOT_DIR / f"{stem}-w{k}-1-before.png", report, settle=True)
    problems = []

    last_probe = None

    def move(i, c, action_fn, what):
        nonlocal st, last_probe
        before_texts = last_probe if last_probe is not None else snapshot_texts(page, w["model_id"])
        t0 = time.perf_counter()
        action = action_fn()
        after, secs, changed = wait_redraw(page, k, st, timeout=redraw_timeout)
        after_texts = last_probe = snapshot_texts(page, w["model_id"])
        fig_changed = None
        probe_errors = [t["error"] for t in (before_texts, after_texts) if t and "error" in t]
        if probe_errors:
            report.findings.append(f"widget {k}: redrawing its figure in the kernel failed after "
                                   f"{c['label']!r}: {probe_errors[-1][-700:]}")
        elif before_texts is not None and after_texts is not None:
            fig_changed = before_texts["texts"] != after_texts["texts"]
        text_changed = after["texts"] != st["texts"] or [x["readout"] for x in after["controls"]] != \
            [x["readout"] for x in st["controls"]] or [x["value"] for x in after["controls"]] != \
            [x["value"] for x in st["controls"]]
        m = Move(c["label"], c["kind"], what or action, time.perf_counter() - t0, changed, text_changed, fig_changed)
        report.moves.append(m)
        if not changed:
            problems.append(f"{c['kind']} {c['label']!r} ({m.action}): the "
                            f"{'figure' if st['imgs'] else 'output'} did not change within {redraw_timeout} s")
        elif fig_changed is False:
            problems.append(f"{c['kind']} {c['label']!r} ({m.action}): the image changed but not "
                            f"one number or word drawn in it")
        st = after
        return m, after_texts

    # 1. the divergence check, from the default state
    if divergence is not None:
        lr = [i for i, c in enumerate(st["controls"])
              if c["kind"] == "slider" and re.search(divergence["slider"], c["label"], re.I)]
        if lr:
            i = lr[0]
            presets = []
            for pat, option in divergence["presets"].items():
                j = next(j for j, c in enumerate(st["controls"])
                         if c["kind"] == "dropdown" and re.search(pat, c["label"], re.I))
                presets.append((j, st["controls"][j]["value"]))
                move(j, st["controls"][j], lambda j=j, o=option: control(page, k, j).locator("select").select_option(o),
                     f"select {option!r}")
            original = st["controls"][i]["readout"]
            m, probe = move(i, st["controls"][i], lambda: type_into_readout(page, k, i, "1e9"),
                            "type 1e9 into the readout")
            m.action = f"readout 1e9 -> {st['controls'][i]['readout']} (max)"
            handle = control(page, k, i).locator(".noUi-handle").first
            if handle.get_attribute("aria-valuenow") != handle.get_attribute("aria-valuemax"):
                problems.append(f"typing 1e9 into {st['controls'][i]['label']!r} did not put it at its "
                                f"maximum (readout {st['controls'][i]['readout']})")
            drawn_texts = (probe or {}).get("texts", [])
            drawn = " ".join(drawn_texts)
            said = [t for t in drawn_texts if re.search(divergence["expect"], t, re.I)] or drawn_texts[:2]
            m.note = "message: " + re.sub(r"\s+", " ", " | ".join(said))[:160]
            shoot(page, k, SCREENSHOT_DIR / f"{stem}-w{k}-2-diverged.png", report)
            if probe is None:
                problems.append("could not find the widget's Python object to read its figure's text")
            elif not re.search(divergence["expect"], drawn, re.I):
                problems.append(f"{st['controls'][i]['label']!r} at its maximum "
                                f"({st['controls'][i]['readout']}) shows no message matching "
                                f"/{divergence['expect']}/; the figure says: {drawn[:300]!r}")
            bad = page.evaluate(JS_DOM_ERRORS)
            if bad:
                problems.append(f"a traceback appeared at the maximum learning rate: {bad[0][:500]}")
            # back to where the learner started
            move(i, st["controls"][i], lambda: type_into_readout(page, k, i, original),
                 f"readout back to {original}")
            for j, option in presets:
                move(j, st["controls"][j], lambda j=j, o=option: control(page, k, j).locator("select").select_option(o),
                     f"select {option!r} again")

    # 2. every control, one notch
    for i in range(len(st["controls"])):
        c = st["controls"][i]
        if c["disabled"] or not c["visible"]:
            why = "disabled" if c["disabled"] else "not visible"
            report.moves.append(Move(c["label"], c["kind"], f"skipped: {why}", 0.0, False, False, None))
            continue
        move(i, c, lambda i=i, c=c: do_move(page, k, i, c), None)
    shoot(page, k, SCREENSHOT_DIR / f"{stem}-w{k}-3-after.png", report)
    bad = page.evaluate(JS_DOM_ERRORS)
    if bad:
        problems.append(f"a traceback appeared while moving the controls: {bad[0][:800]}")
    return labels, problems


JS_COLLAPSED_INPUTS = """() => Array.from(document.querySelectorAll('.jp-Notebook .jp-Cell'),
    cell => cell.querySelector('.jp-InputPlaceholder') !== null)"""


def check_solutions_collapsed(page, lab, relpath):
    """Every worked solution (a code cell with nbgrader's ### BEGIN SOLUTION) opens collapsed:
    JupyterLab shows its placeholder bar, not the answer, until the learner clicks it. The other
    collapsed cells (answers to "things to try", optional notes) are exactly those the notebook
    marks collapsed, cell by cell: nothing else is hidden, nothing marked is shown."""
    import json
    cells = json.loads((lab.root_dir / relpath).read_text())["cells"]
    marked = [bool(c.get("metadata", {}).get("jupyter", {}).get("source_hidden")) for c in cells]
    solutions = [i for i, c in enumerate(cells) if c["cell_type"] == "code"
                 and "### BEGIN SOLUTION" in "".join(c["source"])]
    collapsed = page.evaluate(JS_COLLAPSED_INPUTS)
    assert len(collapsed) == len(cells), (f"{relpath}: JupyterLab rendered {len(collapsed)} cells "
                                          f"of {len(cells)}")
    shown = [i for i in solutions if not collapsed[i]]
    assert not shown, f"{relpath}: solution cells {shown} open expanded: the answer is visible"
    assert collapsed == marked, (
        f"{relpath}: collapsed on opening {[i for i, c in enumerate(collapsed) if c]}, "
        f"marked collapsed in the notebook {[i for i, m in enumerate(marked) if m]}")


def learner_session(page, lab, relpath, *, divergence_table=DIVERGENCE, min_widgets=0,
                    redraw_timeout=REDRAW_TIMEOUT):
    """Open, restart + run all, check outputs, then drive every widget. Returns the report."""
    stem = Path(relpath).stem
    report = NotebookReport(relpath)
    REPORTS.append(report)
    SCREENSHOT_DIR.mkdir(exist_ok=True)
    open_notebook(page, lab, relpath)
    page.wait_for_timeout(500)       # let the widget manager try to render saved widget views
    check_solutions_collapsed(page, lab, relpath)
    for stale in page.evaluate(JS_STALE_WIDGETS):
        report.findings.append(f"on opening, before running: cell {stale['cell']} shows "
                               f"{stale['text'][:90]!r}")
    seconds, state = restart_and_run_all(page)
    report.run_all_seconds = seconds
    report.code_cells = len(state["cells"])
    bad = error_outputs(page, state)
    assert not bad, f"{relpath}: error output after Restart Kernel and Run All:\n" + "\n".join(bad)
    report.stderr = [s.strip() for c in state["cells"] for s in c["stderr"]
                     if s.strip() and "Traceback" not in s and "%|" not in s][:5]
    check_kernel_environment(page)
    shot = SCREENSHOT_DIR / f"{stem}-0-after-run-all.png"
    page.screenshot(path=str(shot))
    report.screenshots.append(shot.name)

    fit = page.evaluate(JS_IMAGE_FIT)
    for n, f in enumerate(fit["found"]):
        report.findings.append(f"cell {f['cell']}: a figure {f['natural']} px wide is shrunk to the "
                               f"{fit['column']} px output column (window 1400 px, file browser open)")
        img = page.locator(f'img[data-bplab-shrunk="{n}"]')
        img.scroll_into_view_if_needed()
        page.wait_for_timeout(250)
        shot = SCREENSHOT_DIR / f"{stem}-cell{f['cell']}-shrunk.png"
        img.screenshot(path=str(shot))
        report.screenshots.append(shot.name)
    widgets = widget_areas(page)
    report.widgets = len(widgets)
    assert len(widgets) >= min_widgets, f"{relpath}: expected >= {min_widgets} live widgets, found {len(widgets)}"
    prefix = stem.split("_", 1)[0]
    problems = []
    for k, w in enumerate(widgets):
        labels = [c["label"] for c in area_state(page, k)["controls"]]
        if prefix in divergence_table:
            div = divergence_table[prefix]
        else:
            div = DEFAULT_DIVERGENCE if any(re.search(LR_LABEL, lab_, re.I) for lab_ in labels) else None
        _, probs = exercise_widget(page, k, w, report, stem, div, redraw_timeout)
        problems += [f"widget {k} (cell {w['cell']}): {p}" for p in probs]
    final = page.evaluate(JS_RUN_STATE)
    assert final["types"] == state["types"], "a key press changed the notebook's cells"
    assert not problems, f"{relpath}:\n" + "\n".join(problems)
    return report


# ======================================================================== tests
def test_harness_scratch_notebook(page, lab):
    """The harness on a scratch widget notebook: run-all, a slider, a dropdown, the divergence
    message. Keeps the suite meaningful even while notebooks/ is empty."""
    report = learner_session(page, lab, "_harness/scratch.ipynb",
                             divergence_table={"scratch": DEFAULT_DIVERGENCE}, min_widgets=1)
    kinds = {m.kind for m in report.moves}
    assert {"slider", "dropdown", "checkbox"} <= kinds
    assert all(m.redrawn for m in report.moves if not m.action.startswith("skipped"))


def test_harness_fails_on_an_error_cell(page, lab):
    """A notebook whose last cell raises must be reported (the check can fail)."""
    open_notebook(page, lab, "_harness/scratch_error.ipynb")
    _, state = restart_and_run_all(page)
    bad = error_outputs(page, state)
    assert any("ZeroDivisionError" in b for b in bad), bad


def test_harness_fails_on_a_widget_that_stops_redrawing(page, lab):
    """A control whose callback raises leaves a stale figure: the session must fail on it."""
    with pytest.raises(AssertionError, match=r"dropdown 'activation' \(select 'relu'\): the figure did not change"):
        learner_session(page, lab, "_harness/scratch_broken.ipynb",
                        divergence_table={"scratch": None}, min_widgets=1, redraw_timeout=2)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_in_browser(page, lab, name):
    learner_session(page, lab, name)
