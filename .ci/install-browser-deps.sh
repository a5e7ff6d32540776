#!/usr/bin/env bash
# Installs Debian's Chromium for the browser tests (tests/report/test_html_browser.py), which drive it
# through Playwright for Python (pip, the `test` extra) with executable_path=/usr/bin/chromium.
# Never runs `playwright install`: no browser build is downloaded. Idempotent and non-interactive.
set -euo pipefail

if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then
    echo "install-browser-deps: chromium already installed"
    exit 0
fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "install-browser-deps: not root or no apt-get; the browser tests will skip (they need chromium)"
    exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends chromium fonts-dejavu-core
