#!/usr/bin/env bash
# Install the Debian/Ubuntu packages the Skylens desktop shell needs to build and to be tested
# headless, when they are missing. Used by the README's run command and by CI.
#
#   bash tests/desktop/install-deps.sh          # build + test deps
#
# Build: WebKitGTK 4.1 and friends (Tauri v2 on Linux). Test: Xvfb (a virtual display), xauth,
# ImageMagick (screenshots), x11-utils (xwininfo), webkit2gtk-driver (WebKitWebDriver, for
# tauri-driver). Runs apt-get as root, else through sudo.
set -euo pipefail

PACKAGES=(
  # build (https://v2.tauri.app/start/prerequisites/#linux)
  build-essential pkg-config file libssl-dev
  libwebkit2gtk-4.1-dev libayatana-appindicator3-dev librsvg2-dev libxdo-dev
  # headless tests
  xvfb xauth x11-utils imagemagick webkit2gtk-driver
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg -s "$p" >/dev/null 2>&1; then missing+=("$p"); fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then SUDO=(); else SUDO=(sudo); fi
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y --no-install-recommends "${missing[@]}"
