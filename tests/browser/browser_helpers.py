"""Plumbing for tests/browser/test_browser.py: a throwaway JupyterLab server and the moves a learner makes.

Nothing here is imported by bplab. The browser test drives JupyterLab 4 + ipywidgets 8 in headless
Chromium through the Python ``playwright`` package (``make test-browser`` installs it; it uses the
system's /usr/bin/chromium and never downloads a browser of its own).

What the test looks at is what the learner sees: the menu, the dialog, the execution prompts, the
rendered outputs, the widget controls (found by their visible labels) and the ``<img>`` that a live
widget draws. A live widget draws its numbers and its friendly divergence message *inside* a PNG, which
a browser test cannot read; for those texts :func:`probe_widget` asks the notebook's own kernel (a
silent ``user_expressions`` request that leaves no trace in the notebook) for the text of the figure
that the displayed widget object drew.
"""
from __future__ import annotations

import ast
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
NOTEBOOK_DIR = REPO / "notebooks"
SCREENSHOT_DIR = REPO / "screenshots"
CHROMIUM = os.environ.get("BPLAB_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-dev-shm-usage"]
RUN_ALL_MENU_ITEM = "Restart Kernel and Run All Cells…"


def venv_python() -> Path:
    """The project's .venv interpreter (JupyterLab and the kernel both run from it)."""
    p = REPO / ".venv" / "bin" / "python"
    return p if p.exists() else Path(sys.executable)


# Talk to our own server directly, whatever http_proxy says.
_URLOPEN = urllib.request.build_opener(urllib.request.ProxyHandler({})).open


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# JupyterLab settings a learner would not want in a test run: no news pop-up, no update check.
SETTING_OVERRIDES = {
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False},
    # render every cell, not only those in view, so the test sees the whole notebook's DOM
    "@jupyterlab/notebook-extension:tracker": {"windowingMode": "none"},
}


class LabServer:
    """``jupyter lab`` on 127.0.0.1:<free port> with a random token, serving ``root_dir``.

    Config, runtime, data and IPython dirs are fresh temp dirs below ``workdir`` (so nothing of the
    user's own Jupyter setup or workspaces leaks in); the kernel spec and lab extensions are still
    found through the venv's ``sys.prefix``. MPLBACKEND is removed from the server's (and so the
    kernels') environment: figures must render inline. :meth:`stop` kills the whole process group.
    """

    def __init__(self, root_dir: Path, workdir: Path):
        self.root_dir = Path(root_dir)
        self.workdir = Path(workdir)
        self.port = free_port()
        self.token = uuid.uuid4().hex
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.proc = None
        self.log_path = self.workdir / "jupyterlab.log"

    def env(self) -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "JPY_"))}
        env.pop("MPLBACKEND", None)
        dirs = {name: self.workdir / sub for name, sub in (
            ("JUPYTER_CONFIG_DIR", "config"), ("JUPYTER_RUNTIME_DIR", "runtime"),
            ("JUPYTER_DATA_DIR", "data"), ("IPYTHONDIR", "ipython"))}
        for name, path in dirs.items():
            path.mkdir(parents=True, exist_ok=True)
            env[name] = str(path)
        labconfig = dirs["JUPYTER_CONFIG_DIR"] / "labconfig"
        labconfig.mkdir(exist_ok=True)
        (labconfig / "default_setting_overrides.json").write_text(json.dumps(SETTING_OVERRIDES))
        env.update(OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1",
                   PYDEVD_DISABLE_FILE_VALIDATION="1", JUPYTER_PLATFORM_DIRS="1")
        env["PATH"] = f"{venv_python().parent}{os.pathsep}{env.get('PATH', '')}"
        return env

    def start(self, timeout: float = 120.0) -> "LabServer":
        cmd = [str(venv_python()), "-m", "jupyterlab", "--no-browser",
               "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={self.port}", "--ServerApp.port_retries=0",
               f"--IdentityProvider.token={self.token}", f"--ServerApp.root_dir={self.root_dir}",
               "--LabApp.news_url=None",
               "--LabApp.check_for_updates_class=jupyterlab.handlers.announcements.NeverCheckForUpdate",
               "--LabApp.extension_manager=readonly", "--LabApp.expose_app_in_browser=True"]
        if hasattr(os, "geteuid") and os.geteuid() == 0:      # CI and containers run as root
            cmd.append("--allow-root")
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(cmd, cwd=self.root_dir, env=self.env(), stdout=self._log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        t_end = time.monotonic() + timeout
        while time.monotonic() < t_end:
            if self.proc.poll() is not None:
                raise RuntimeError(f"jupyter lab exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                self.api("status")
                return self
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"jupyter lab did not answer within {timeout:.0f} s:\n{self.log_tail()}")

    def api(self, path: str):
        url = f"{self.base_url}/api/{path}"
        req = urllib.request.Request(url, headers={"Authorization": f"token {self.token}"})
        with _URLOPEN(req, timeout=5) as r:
            return json.loads(r.read().decode())

    def notebook_url(self, name: str, workspace: str | None = None) -> str:
        """A fresh workspace per notebook (so no layout from an earlier page comes back)."""
        ws = workspace or f"bp-{Path(name).stem}-{uuid.uuid4().hex[:8]}"
        return f"{self.base_url}/lab/workspaces/{ws}/tree/{name}?reset&token={self.token}"

    def log_tail(self, n: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-n:]
        except OSError:
            return ""

    def stop(self):
        """Shut the kernels down, then the server's whole process group; kernels run in their own
        process groups, so any that survive are found by their connection file in our runtime dir."""
        if self.proc is None:
            return
        try:
            for k in self.api("kernels"):
                req = urllib.request.Request(f"{self.base_url}/api/kernels/{k['id']}", method="DELETE",
                                             headers={"Authorization": f"token {self.token}"})
                _URLOPEN(req, timeout=10).close()
        except OSError:
            pass
        for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
            try:
                os.killpg(self.proc.pid, sig)      # start_new_session: pgid == pid
            except ProcessLookupError:
                break
            try:
                self.proc.wait(timeout=wait)
                break
            except subprocess.TimeoutExpired:
                continue
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)   # stragglers in the group
        except ProcessLookupError:
            pass
        for pid in self._our_kernels():
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc = None
        self._log.close()

    def _our_kernels(self) -> list[int]:
        runtime = str(self.workdir / "runtime")
        pids = []
        for d in Path("/proc").glob("[0-9]*"):
            try:
                if runtime in (d / "cmdline").read_bytes().decode(errors="replace"):
                    pids.append(int(d.name))
            except OSError:
                continue
        return pids


def copy_notebooks(src: Path, dst: Path) -> Path:
    """A throwaway copy of notebooks/ (running it must not touch the repo's saved notebooks)."""
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    return dst


def write_scratch_notebook(path: Path, *, with_error: bool = False, broken_widget: bool = False) -> Path:
    """A tiny notebook shaped like the course's widget notebooks: a static figure, then a live
    FloatLogSlider + Dropdown + IntSlider + Checkbox whose Output redraws a matplotlib figure and shows a
    friendly message when the learning rate is too large (>= 3). ``with_error`` adds a cell that
    raises; ``broken_widget`` makes the redraw raise for activation 'relu' (the view then goes stale,
    as a widget with a bug does: the traceback lands in the kernel's log, not in the notebook)."""
    import nbformat

    cells = [
        nbformat.v4.new_markdown_cell("# Scratch notebook for the browser harness"),
        nbformat.v4.new_code_cell(
            "import numpy as np\nimport matplotlib.pyplot as plt\nimport ipywidgets as w\n\n"
            "def losses(lr, act, steps):\n"
            "    f = {'tanh': np.tanh, 'relu': lambda v: np.maximum(v, 0), 'sigmoid': lambda v: 1 / (1 + np.exp(-v))}[act]\n"
            "    x, out = 2.0, []\n"
            "    for _ in range(steps):\n"
            "        out.append(x * x + f(x))\n"
            "        x = x - lr * 2 * x\n"
            "    return np.array(out)\n\n"
            "def draw(lr, act, steps, log=True):\n"
            f"    if {broken_widget!r} and act == 'relu':\n"
            "        raise ValueError('Axis limits cannot be NaN or Inf')\n"
            "    ls = losses(lr, act, steps)\n"
            "    fig, ax = plt.subplots(figsize=(5, 3))\n"
            "    if lr >= 3:\n"
            "        msg = f'Diverged: lr = {lr:.3g} overshoots; try lr <= {lr / 10:.3g}.'\n"
            "        ax.text(0.5, 0.5, msg, ha='center', transform=ax.transAxes, color='#b03a2e')\n"
            "    else:\n"
            "        msg = f'final loss {ls[-1]:.4f} after {steps} steps ({act}, lr = {lr:.3g})'\n"
            "        (ax.semilogy if log else ax.plot)(np.abs(ls) + 1e-12)\n"
            "    ax.set(title=msg, xlabel='step', ylabel='loss')\n"
            "    return fig, msg\n\n"
            "fig, msg = draw(0.1, 'tanh', 20)\nprint(msg)\nplt.show()"),
        nbformat.v4.new_code_cell(
            "class Scratch:\n"
            "    def __init__(self):\n"
            "        st = {'description_width': 'initial'}\n"
            "        self.lr = w.FloatLogSlider(value=0.1, base=10, min=-4, max=1, step=0.1, description='learning rate',\n"
            "                                   readout_format='.3g', continuous_update=False, style=st)\n"
            "        self.act = w.Dropdown(options=['tanh', 'relu', 'sigmoid'], description='activation', style=st)\n"
            "        self.steps = w.IntSlider(value=20, min=5, max=50, description='steps', continuous_update=False, style=st)\n"
            "        self.log = w.Checkbox(value=True, description='log scale')\n"
            "        self.out = w.Output()\n"
            "        self.ui = w.VBox([w.HBox([self.lr, self.act, self.steps, self.log]), self.out])\n"
            "        for c in (self.lr, self.act, self.steps, self.log):\n"
            "            c.observe(lambda ch: self.redraw(), names='value')\n"
            "        self.redraw()\n"
            "    def redraw(self):\n"
            "        with self.out:\n"
            "            self.out.clear_output(wait=True)\n"
            "            self.figure, self.message = draw(self.lr.value, self.act.value, self.steps.value, self.log.value)\n"
            "            plt.show()\n"
            "        plt.close(self.figure)\n"
            "    def _repr_mimebundle_(self, **kw):\n"
            "        return self.ui._repr_mimebundle_(**kw)\n\n"
            "scratch = Scratch()\nscratch"),
        nbformat.v4.new_code_cell("print('the end', 6 * 7)"),
    ]
    if with_error:
        cells.append(nbformat.v4.new_code_cell("1 / 0"))
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                 "language": "python"}
    nbformat.write(nb, path)
    return path


# ================================================================== in-page JavaScript
# `window.jupyterapp` exists because the server runs with --LabApp.expose_app_in_browser.
JS_NOTEBOOK_READY = """() => {
  const app = window.jupyterapp; if (!app) return false;
  const nb = app.shell.currentWidget;
  if (!nb || !nb.content || !nb.sessionContext || !nb.context || !nb.context.isReady) return false;
  const k = nb.sessionContext.session && nb.sessionContext.session.kernel;
  return !!k && k.status === 'idle' && nb.content.widgets.length > 0;
}"""

# Record, for every code cell, that it got a new execution count after this point (the run-all
# reached it: a stored notebook's counts are first cleared to null, then set again).
JS_ARM_RUN_WATCH = """() => {
  const nb = window.jupyterapp.shell.currentWidget;
  const w = window.__bplab = {executed: new Set(), statuses: []};
  nb.sessionContext.statusChanged.connect((_, s) => w.statuses.push(s));
  nb.content.widgets.forEach((cell, i) => {
    if (cell.model.type !== 'code') return;
    cell.model.stateChanged.connect((_, ch) => {
      if (ch.name === 'executionCount' && ch.newValue !== null && ch.newValue !== undefined) w.executed.add(i);
    });
  });
  return nb.content.widgets.length;
}"""

JS_RUN_STATE = """() => {
  const nb = window.jupyterapp.shell.currentWidget;
  const w = window.__bplab;
  const k = nb.sessionContext.session && nb.sessionContext.session.kernel;
  const cells = [];
  nb.content.widgets.forEach((cell, i) => {
    if (cell.model.type !== 'code') return;
    const outs = cell.model.outputs.toJSON();
    cells.push({index: i, count: cell.model.executionCount, executed: w.executed.has(i),
                prompt: (cell.node.querySelector('.jp-InputPrompt') || {}).textContent || '',
                errors: outs.filter(o => o.output_type === 'error')
                            .map(o => o.ename + ': ' + o.evalue + '\\n' + (o.traceback || []).join('\\n')),
                stderr: outs.filter(o => o.output_type === 'stream' && o.name === 'stderr')
                            .map(o => Array.isArray(o.text) ? o.text.join('') : o.text),
                source: cell.model.sharedModel.getSource().slice(0, 120)});
  });
  return {kernel: k ? k.status : 'none', statuses: w.statuses, cells: cells,
          ncells: nb.content.widgets.length,
          types: nb.content.widgets.map(c => c.model.type).join(',')};
}"""

# What the learner sees as text in the rendered outputs: error boxes and stderr blocks.
JS_DOM_ERRORS = """() => {
  const nb = window.jupyterapp.shell.currentWidget;
  const bad = [];
  nb.node.querySelectorAll('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')
    .forEach(el => { const t = el.textContent || ''; if (/Traceback|Error/.test(t)) bad.push(t.slice(0, 2000)); });
  return bad;
}"""

# Outputs that a learner sees on opening a saved notebook before running it: widget views whose
# models died with the kernel that made them show a placeholder or an error instead.
JS_STALE_WIDGETS = """() => {
  const nb = window.jupyterapp.shell.currentWidget;
  const found = [];
  nb.content.widgets.forEach((cell, i) => {
    if (cell.model.type !== 'code') return;
    cell.outputArea.node.querySelectorAll(':scope > .jp-OutputArea-child > .jp-OutputArea-output')
      .forEach(el => {
        const t = (el.textContent || '').trim();
        if (/Error displaying widget|model not found|Loading widget|Widget Javascript not detected/i.test(t))
          found.push({cell: i, text: t.slice(0, 200)});
      });
  });
  return found;
}"""

# Figures (all image outputs) much wider than the output column, which JupyterLab shrinks to fit
# (more than 15 %: their text then reads smaller than the notebook's).
JS_IMAGE_FIT = """() => {
  const nb = window.jupyterapp.shell.currentWidget;
  const widths = [...nb.node.querySelectorAll('.jp-OutputArea-output')]
                   .map(e => e.getBoundingClientRect().width).filter(w => w > 0);
  const column = Math.round(Math.max(0, ...widths));
  const found = [];
  nb.content.widgets.forEach((cell, i) => {
    if (cell.model.type !== 'code') return;
    cell.outputArea.node.querySelectorAll('img').forEach(img => {
      if (img.naturalWidth > 1.15 * column) {
        img.setAttribute('data-bplab-shrunk', String(found.length));
        found.push({cell: i, natural: img.naturalWidth});
      }
    });
  });
  return {column, found};
}"""

# Every live widget output (the root view's model id, from the notebook model) in DOM order.
JS_WIDGET_OUTPUTS = """() => {
  const nb = window.jupyterapp.shell.currentWidget;
  const found = [];
  nb.content.widgets.forEach((cell, i) => {
    if (cell.model.type !== 'code') return;
    cell.model.outputs.toJSON().forEach((o, n) => {
      const d = o.data && o.data['application/vnd.jupyter.widget-view+json'];
      if (d) found.push({cell: i, out: n, model_id: d.model_id});
    });
  });
  return found;
}"""

JS_EXECUTE = """async ([code, expr]) => {
  const nb = window.jupyterapp.shell.currentWidget;
  const k = nb.sessionContext.session.kernel;
  const fut = k.requestExecute({code: code, silent: true, store_history: false,
                                user_expressions: {r: expr}});
  const reply = await fut.done;
  const c = reply.content;
  if (c.status !== 'ok') return {error: c.ename + ': ' + c.evalue};
  const r = c.user_expressions.r;
  if (r.status !== 'ok') return {error: r.ename + ': ' + r.evalue};
  return {value: r.data['text/plain']};
}"""


def kernel_eval(page, code: str, expr: str):
    """Run ``code`` silently in the notebook's kernel, return the Python value of ``expr``
    (which must evaluate to a literal: str, number, list, dict...)."""
    res = page.evaluate(JS_EXECUTE, [code, expr])
    if "error" in res:
        raise RuntimeError(f"kernel probe failed: {res['error']}")
    return ast.literal_eval(res["value"])


PROBE_CODE = r'''
def __bplab_probe(model_id):
    import ipywidgets, matplotlib.figure, matplotlib.text, matplotlib.pyplot as plt
    ns = get_ipython().user_ns
    owner = None
    for name, obj in list(ns.items()):
        if name.startswith("_") or isinstance(obj, type):
            continue
        if isinstance(obj, ipywidgets.Widget) and obj.model_id == model_id and owner is None:
            owner = obj
        for attr in ("ui", "_box"):
            try:
                ui = getattr(obj, attr, None)
            except Exception:
                continue
            if isinstance(ui, ipywidgets.Widget) and ui.model_id == model_id:
                owner = obj
    if owner is None:
        return {"found": False}
    res = {"found": True, "type": type(owner).__name__, "texts": [], "state": {}}
    fig = getattr(owner, "figure", None)
    made = False
    try:
        if callable(fig) and not isinstance(fig, matplotlib.figure.Figure):
            fig, made = fig(), True       # e.g. Playground.figure(): the same code that drew the view
        if isinstance(fig, matplotlib.figure.Figure):
            res["texts"] = [t.get_text() for t in fig.findobj(matplotlib.text.Text) if t.get_text().strip()]
            if made:
                plt.close(fig)
    except Exception as err:
        import traceback
        res["error"] = f"{type(err).__name__}: {err}\n" + traceback.format_exc()[-1500:]
    for attr in ("status", "message", "last_message"):
        try:
            v = getattr(owner, attr, None)
        except Exception:
            continue
        if isinstance(v, str):
            res["state"][attr] = v
    return res
'''


def probe_widget(page, model_id: str) -> dict:
    """The texts drawn in the figure of the live widget object displayed as ``model_id``
    (and its ``status``/``message``/``last_message`` when it has them)."""
    return kernel_eval(page, PROBE_CODE, f"__bplab_probe({model_id!r})")


# The controls inside widget area k (marked data-bplab-widget=k), each marked data-bplab-control=i,
# with their labels and a few layout facts (is the label clipped?), plus the area's images and texts.
JS_CONTROLS = """(k) => {
  const area = document.querySelector(`[data-bplab-widget="${k}"]`);
  const labelOf = el => el.querySelector(':scope > .widget-label, :scope > label');
  const controls = [];
  area.querySelectorAll('.widget-slider, .widget-dropdown, .widget-text, .widget-checkbox, button.jupyter-button')
    .forEach(el => {
      const kind = el.classList.contains('widget-slider') ? 'slider'
                 : el.classList.contains('widget-dropdown') ? 'dropdown'
                 : el.classList.contains('widget-text') ? 'text'
                 : el.classList.contains('widget-checkbox') ? 'checkbox' : 'button';
      // the pressed button of a ToggleButtons group changes nothing when clicked again
      if (kind === 'button' && el.classList.contains('mod-active') && el.closest('.widget-toggle-buttons')) return;
      el.setAttribute('data-bplab-control', String(controls.length));
      const l = kind === 'button' ? el : kind === 'checkbox' ? el.querySelector('.widget-label-basic span')
              : labelOf(el);
      const r = el.getBoundingClientRect();
      const disabled = el.disabled === true || !!el.querySelector('[disabled]');
      controls.push({kind, label: l ? l.textContent.trim() : '',
                     rect: [r.left, r.top, r.right, r.bottom],
                     clipped: !!l && l.scrollWidth > l.clientWidth + 1,
                     disabled, width: Math.round(r.width), visible: r.width > 0 && r.height > 0,
                     readout: ((el.querySelector('.widget-readout') || {}).textContent || '').trim(),
                     options: kind === 'dropdown' ? [...el.querySelectorAll('option')].map(o => o.value) : [],
                     value: kind === 'dropdown' ? el.querySelector('select').value
                          : kind === 'text' ? el.querySelector('input').value : null});
    });
  const imgs = [...area.querySelectorAll('img')];
  const texts = [...area.querySelectorAll('.jp-RenderedText, .widget-html-content, .widget-label-basic')]
                  .map(e => e.textContent.trim()).filter(Boolean);
  return {controls, imgs: imgs.map(i => i.src), texts,
          areaWidth: Math.round(area.getBoundingClientRect().width),
          images: imgs.map(i => ({natural: i.naturalWidth, shown: Math.round(i.getBoundingClientRect().width)}))};
}"""


@dataclass
class Move:
    """One thing the learner did to a control and what it did to the view."""
    label: str
    kind: str
    action: str
    seconds: float
    redrawn: bool
    text_changed: bool
    figure_texts_changed: bool | None
    note: str = ""


@dataclass
class NotebookReport:
    name: str
    run_all_seconds: float = float("nan")
    code_cells: int = 0
    widgets: int = 0
    moves: list = field(default_factory=list)
    screenshots: list = field(default_factory=list)
    findings: list = field(default_factory=list)
    stderr: list = field(default_factory=list)

    def lines(self):
        out = [f"{self.name}: run-all {self.run_all_seconds:.1f} s in the browser, "
               f"{self.code_cells} code cells, {self.widgets} live widget(s)"]
        for m in self.moves:
            out.append(f"    {m.kind:8s} {m.label!r:45s} {m.action:28s} {m.seconds:5.1f} s  "
                       f"{'redrawn' if m.redrawn else 'NOT redrawn'}"
                       f"{'' if m.figure_texts_changed is None else ', figure text ' + ('changed' if m.figure_texts_changed else 'SAME')}"
                       f"{'  ' + m.note if m.note else ''}")
        out += [f"    finding: {f}" for f in self.findings]
        out += [f"    stderr (no traceback): {s[:160]!r}" for s in self.stderr]
        out += [f"    screenshot: {s}" for s in self.screenshots]
        return out
