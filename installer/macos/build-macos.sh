#!/usr/bin/env bash
# Build Haven.app (installer/build.py: the spec's BUNDLE step with installer/macos/info_plist.py)
# and a disk image. Sign and notarise with the organisation's Developer ID before
# distribution, e.g.:
#   codesign --deep --force --options runtime --sign "Developer ID Application: ..." dist/Haven.app
#   xcrun notarytool submit dist/Haven-macos.dmg --keychain-profile ... --wait
# Users drag Haven.app to Applications; uninstalling is deleting it. Encrypted profiles stay
# in ~/Library/Application Support/Haven until deleted by hand.
set -euo pipefail
cd "$(dirname "$0")/../.."
.venv/bin/python installer/build.py
hdiutil create -volname Haven -srcfolder dist/Haven.app -ov -format UDZO dist/Haven-macos.dmg
echo "dist/Haven-macos.dmg"
