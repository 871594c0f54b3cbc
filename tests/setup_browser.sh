#!/usr/bin/env bash
# Installs Debian's Chromium and its WebDriver for the browser tests (tests/test_browser.py),
# only when /usr/bin/chromium is missing. Never downloads a browser from anywhere else.
set -euo pipefail
if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
    exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO="sudo"
    else
        echo "setup_browser.sh: chromium is missing and this user cannot install it;" \
             "run as root: apt-get install -y chromium chromium-driver" >&2
        exit 1
    fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
$SUDO apt-get install -y chromium chromium-driver
