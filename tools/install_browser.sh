#!/usr/bin/env bash
# What `make test-browser` needs, installed only when missing (safe to run every time):
#   - Chromium from the system's package manager (Debian/Ubuntu: apt-get install chromium);
#   - the playwright Python package (the [browser] extra) in the project's venv.
# It never runs `playwright install`: that downloads a browser build of its own, which is neither
# needed (the test drives the system Chromium) nor possible on machines without general internet.
#
#   bash tools/install_browser.sh [path/to/venv/python]      (default: .venv/bin/python)
#   BPLAB_CHROMIUM=/path/to/chromium to use another Chromium (tests/test_browser.py reads it too)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${1:-.venv/bin/python}
CHROMIUM=${BPLAB_CHROMIUM:-/usr/bin/chromium}

if [ ! -x "$CHROMIUM" ]; then
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "install_browser.sh: no Chromium at $CHROMIUM and no apt-get to install it;" >&2
        echo "  install Chromium yourself and set BPLAB_CHROMIUM=/path/to/chromium" >&2
        exit 1
    fi
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
    echo "install_browser.sh: installing chromium with apt-get"
    $SUDO apt-get update -q
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q chromium
fi
if [ ! -x "$CHROMIUM" ]; then
    echo "install_browser.sh: still no Chromium at $CHROMIUM; set BPLAB_CHROMIUM" >&2
    exit 1
fi

if ! "$PY" -c 'import playwright.sync_api' >/dev/null 2>&1; then
    echo "install_browser.sh: installing playwright (the [browser] extra) into $(dirname "$PY")/.."
    "$PY" -m pip install --quiet -e '.[test,browser]'
fi
"$CHROMIUM" --version 2>/dev/null || true
