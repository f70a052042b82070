#!/usr/bin/env bash
# Build the Linux one-folder bundle and pack it as a tarball.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/pyinstaller --noconfirm installer/haven.spec
tar -C dist -czf dist/Haven-linux-x86_64.tar.gz Haven
echo "dist/Haven-linux-x86_64.tar.gz"
