#!/bin/sh
# Install Haven for this user (no root): the bundle under ~/.local/lib/haven, a menu entry
# and the icon. IT can run it with PREFIX=/opt/haven and DATA_HOME=/usr/share as root for
# every user. Encrypted profiles are never touched (they live in ~/.local/share/Haven).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
PREFIX=${PREFIX:-${XDG_DATA_HOME:-$HOME/.local/share}/../lib/haven}
DATA_HOME=${DATA_HOME:-${XDG_DATA_HOME:-$HOME/.local/share}}
mkdir -p "$PREFIX"
PREFIX=$(cd "$PREFIX" && pwd)
rm -rf "$PREFIX/Haven"
cp -R "$here/Haven" "$PREFIX/Haven"
mkdir -p "$DATA_HOME/applications" "$DATA_HOME/icons/hicolor/scalable/apps" \
         "$DATA_HOME/icons/hicolor/256x256/apps"
sed "s|@HAVEN_DIR@|$PREFIX/Haven|g" "$here/haven.desktop" > "$DATA_HOME/applications/haven.desktop"
cp "$here/haven.svg" "$DATA_HOME/icons/hicolor/scalable/apps/haven.svg"
cp "$here/haven.png" "$DATA_HOME/icons/hicolor/256x256/apps/haven.png"
command -v update-desktop-database >/dev/null 2>&1 && \
  update-desktop-database "$DATA_HOME/applications" >/dev/null 2>&1 || true
echo "Haven installed in $PREFIX/Haven; it is in the applications menu."
echo "Command line: $PREFIX/Haven/Haven --help"
