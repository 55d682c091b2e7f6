#!/usr/bin/env bash
# What `make site` needs from npm: MathJax 3 (site/package.json, pinned by site/package-lock.json),
# into site/node_modules (git-ignored), so that the website typesets its maths without any CDN.
# Installs npm itself with apt-get when it is missing (Debian/Ubuntu). Safe to run every time.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v npm >/dev/null 2>&1; then
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "install_mathjax.sh: npm is missing and there is no apt-get to install it; install" >&2
        echo "  Node.js with npm, then run make site again" >&2
        exit 1
    fi
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
    echo "install_mathjax.sh: installing npm with apt-get"
    $SUDO apt-get update -q
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q npm
fi
cd site
npm ci --no-audit --no-fund --loglevel=error
test -f node_modules/mathjax/es5/tex-chtml.js
