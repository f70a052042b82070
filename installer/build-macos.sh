#!/usr/bin/env bash
# Build Haven.app and a disk image; sign and notarise with your organisation's identity.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/pyinstaller --noconfirm installer/haven.spec
hdiutil create -volname Haven -srcfolder dist/Haven.app -ov -format UDZO dist/Haven-macos.dmg
