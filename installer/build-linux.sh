#!/usr/bin/env bash
# Build the Linux bundle, check its size and pack it with its .desktop entry and icon:
# the same as `make installer`. Output: dist/Haven-VERSION-linux-ARCH.tar.gz.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/python installer/build.py "$@"
