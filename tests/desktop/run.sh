#!/usr/bin/env bash
# Desktop tests: the real Skylens window (Tauri + WebKitGTK) on a virtual display.
#
#   bash tests/desktop/run.sh
#
#   a. builds the UI (ui/dist) when it is missing;
#   b. builds the shell: cargo build --manifest-path src-tauri/Cargo.toml;
#   c. makes a small demo workspace with the core CLI (2,000 requests);
#   d. starts skylens-desktop on it under xvfb-run, waits for its window, takes a screenshot
#      (ImageMagick `import`) and fails if it is blank;
#   e. when WebKitWebDriver is installed: drives the window through tauri-driver (installed with
#      `cargo install tauri-driver --locked` when missing, unless SKYLENS_NO_INSTALL=1): the
#      overview's invocation total, an investigation's waterfall, a WebDriver screenshot.
#      SKYLENS_SKIP_WEBDRIVER=1 skips it.
#
# Artefacts (screenshots, the app's log): $SKYLENS_ARTIFACTS, else $CARGO_TARGET_DIR/artifacts.
# System packages: tests/desktop/install-deps.sh.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/skylens/target}
ART=${SKYLENS_ARTIFACTS:-$CARGO_TARGET_DIR/artifacts}
APP=$CARGO_TARGET_DIR/debug/skylens-desktop
SCREEN='-screen 0 1280x800x24'

log() { echo "desktop: $*" >&2; }
fail() { echo "desktop: FAILED: $*" >&2; exit 1; }

# ------------------------------------------------------------------------------------------
# Inside the virtual display (run.sh calls itself through xvfb-run).

# d. The app's window, as a person would see it.
in_display_screenshot() {
  local shot="$ART/desktop.png" started pid colours sd
  # The window titled Skylens (not GTK's hidden 10x10 leader window named after the binary).
  local WINDOW='"[^"]*Skylens[^"]*": ('

  "$APP" >"$ART/desktop.log" 2>&1 &
  pid=$!
  started=$(date +%s.%N)
  # The window: a top-level X window named Skylens.
  for _ in $(seq 1 240); do
    kill -0 "$pid" 2>/dev/null || { cat "$ART/desktop.log" >&2; fail "skylens-desktop exited"; }
    if xwininfo -root -tree 2>/dev/null | grep -q "$WINDOW"; then break; fi
    sleep 0.25
  done
  xwininfo -root -tree | grep "$WINDOW" >&2 || fail "no Skylens window after 60 s"
  log "window up after $(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s"
  # The page: wait until the screen holds more than a few flat colours (the UI has drawn its
  # tables, totals and sparklines), then take the final screenshot a moment later.
  colours=0
  for _ in $(seq 1 60); do
    import -window root "$shot"
    colours=$(identify -format '%k' "$shot")
    [ "$colours" -gt 200 ] && break
    sleep 0.5
  done
  sleep 1.5
  import -window root "$shot"
  kill -0 "$pid" 2>/dev/null || { cat "$ART/desktop.log" >&2; fail "skylens-desktop exited"; }
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  colours=$(identify -format '%k' "$shot")
  sd=$(identify -format '%[fx:standard_deviation]' "$shot")
  log "screenshot $shot: $colours colours, standard deviation $sd"
  if grep -qi 'panicked' "$ART/desktop.log"; then cat "$ART/desktop.log" >&2; fail "the app panicked"; fi
  [ "$colours" -gt 20 ] || fail "the screenshot is blank ($colours colours)"
  awk -v s="$sd" 'BEGIN { exit !(s > 0.02) }' || fail "the screenshot is nearly flat (sd $sd)"
}

# e. The window through WebDriver.
in_display_webdriver() {
  local request_id=$1 driver
  tauri-driver --port 4444 >"$ART/tauri-driver.log" 2>&1 &
  driver=$!
  local rc=0
  node "$HERE/webdriver.mjs" "$APP" "$request_id" "$ART" || rc=$?
  kill "$driver" 2>/dev/null || true
  wait "$driver" 2>/dev/null || true
  [ "$rc" -eq 0 ] || { tail -n 30 "$ART/tauri-driver.log" >&2; fail "the WebDriver run failed"; }
}

case "${1:-}" in
  --screenshot) in_display_screenshot; exit 0 ;;
  --webdriver) in_display_webdriver "$2"; exit 0 ;;
  "") ;;
  *) fail "unknown argument $1" ;;
esac

# ------------------------------------------------------------------------------------------

for tool in xvfb-run xwininfo import identify node; do
  command -v "$tool" >/dev/null || fail "$tool is missing: run tests/desktop/install-deps.sh"
done
mkdir -p "$ART"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
cd "$ROOT"

# a. The UI.
if [ ! -f ui/dist/index.html ]; then
  log "building the UI"
  [ -d ui/node_modules ] || npm --prefix ui ci --no-audit --no-fund
  npm --prefix ui run build
fi

# b. The shell.
t=$(date +%s)
log "building src-tauri"
cargo build --manifest-path src-tauri/Cargo.toml
log "shell built in $(( $(date +%s) - t )) s"

# c. A small demo workspace, and one request ID in it for the investigation.
cargo run --quiet -- demo --workspace "$TMP/ws" --requests 2000 --quiet
# (A traced invocation, so the waterfall has spans as well as log lines.)
REQUEST_ID=$(cargo run --quiet -- query --workspace "$TMP/ws" --format json \
  --sql "SELECT request_id FROM invocations WHERE trace_id IS NOT NULL ORDER BY duration_ms DESC LIMIT 1" |
  node -e 'const rows = JSON.parse(require("fs").readFileSync(0, "utf8"));
           if (!rows[0]?.request_id) process.exit(1);
           console.log(rows[0].request_id);') || fail "no traced request in the demo workspace"
# The invocation total the overview must show, as the CLI's latency report counts it.
EXPECTED_INVOCATIONS=$(cargo run --quiet -- report latency --workspace "$TMP/ws" --format json |
  node -e 'const rows = JSON.parse(require("fs").readFileSync(0, "utf8"));
           console.log(rows.reduce((n, r) => n + r.invocations, 0));')
export EXPECTED_INVOCATIONS
log "workspace $TMP/ws: $EXPECTED_INVOCATIONS invocations; request $REQUEST_ID"

# The app's environment: the test workspace, and private config/data/cache directories so the
# run neither reads nor records the user's last workspace.
export SKYLENS_WORKSPACE="$TMP/ws"
export XDG_CONFIG_HOME="$TMP/config" XDG_DATA_HOME="$TMP/data" XDG_CACHE_HOME="$TMP/cache"
# WebKitGTK on Xvfb: no GPU; software rendering without DMA-BUF.
export WEBKIT_DISABLE_DMABUF_RENDERER=1 LIBGL_ALWAYS_SOFTWARE=1

# d.
xvfb-run -a -s "$SCREEN" bash "$HERE/run.sh" --screenshot

# e.
if [ "${SKYLENS_SKIP_WEBDRIVER:-}" = 1 ]; then
  log "WebDriver: skipped (SKYLENS_SKIP_WEBDRIVER=1)"
elif ! command -v WebKitWebDriver >/dev/null; then
  log "WebDriver: skipped (WebKitWebDriver missing: apt-get install webkit2gtk-driver)"
else
  if ! command -v tauri-driver >/dev/null; then
    [ "${SKYLENS_NO_INSTALL:-}" = 1 ] && fail "tauri-driver is missing (SKYLENS_NO_INSTALL=1)"
    log "installing tauri-driver"
    cargo install tauri-driver --locked
    export PATH="$HOME/.cargo/bin:$PATH"
  fi
  xvfb-run -a -s "$SCREEN" bash "$HERE/run.sh" --webdriver "$REQUEST_ID"
fi

log "ok (artefacts in $ART)"
