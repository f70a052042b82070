#!/bin/sh
# Remove the Haven program, its menu entry and icon. The encrypted profiles in
# ~/.local/share/Haven are kept unless --delete-data is given (then they are gone for good:
# export or back up first).
set -eu
PREFIX=${PREFIX:-${XDG_DATA_HOME:-$HOME/.local/share}/../lib/haven}
DATA_HOME=${DATA_HOME:-${XDG_DATA_HOME:-$HOME/.local/share}}
rm -rf "$PREFIX/Haven"
rm -f "$DATA_HOME/applications/haven.desktop" \
      "$DATA_HOME/icons/hicolor/scalable/apps/haven.svg" \
      "$DATA_HOME/icons/hicolor/256x256/apps/haven.png"
if [ "${1:-}" = "--delete-data" ]; then
  rm -rf "${XDG_DATA_HOME:-$HOME/.local/share}/Haven"
  echo "Haven and its encrypted data were removed."
else
  echo "Haven was removed; the encrypted data in ${XDG_DATA_HOME:-$HOME/.local/share}/Haven is kept."
fi
