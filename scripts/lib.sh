# Shared by scripts/setup, scripts/run and scripts/test. Source it; it defines functions and
# puts the project's tools on PATH. Nothing here installs anything.

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLCHAIN_MODE_FILE="$ROOT/target/.riposte-toolchain"
CARGO_LEPTOS_VERSION="0.3.11"
BINARYEN_VERSION="132"

export PATH="$HOME/.cargo/bin:$ROOT/tools/node_modules/.bin:$PATH"

log() { printf '\033[1;34m==>\033[0m %s\n' "$*" >&2; }
warn() { printf '\033[1;33mwarning:\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31merror:\033[0m %s\n' "$*" >&2; exit 1; }
have() { command -v "$1" >/dev/null 2>&1; }

# The wasm-bindgen version in Cargo.lock; the CLI must match it exactly.
locked_wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$ROOT/Cargo.lock"
}

# Where the toolchain came from: "rustup" (the ordinary path) or "debian" (rustc-web
# with build-std for wasm). Decided by scripts/setup.
toolchain_mode() {
  cat "$TOOLCHAIN_MODE_FILE" 2>/dev/null || echo rustup
}

# Applies the Debian fallback's settings when that path was chosen.
use_toolchain() {
  if [ "$(toolchain_mode)" = debian ]; then
    export RUSTUP_TOOLCHAIN=/usr RUSTC_BOOTSTRAP=1
    LEPTOS_LIB_ARGS=(--lib-cargo-args=-Zbuild-std=std,panic_abort)
    WASM_CARGO_ARGS=(-Zbuild-std=std,panic_abort)
  else
    LEPTOS_LIB_ARGS=()
    WASM_CARGO_ARGS=()
  fi
}

# Runs cargo in the environment cargo-leptos gives its debug server build, so tests and lints
# reuse those artifacts instead of compiling every crate a second time. (RUSTFLAGS is set only
# here: cargo-leptos appends its own flag to an exported one.)
cargo_as_leptos() {
  LEPTOS_OUTPUT_NAME=riposte LEPTOS_SITE_ROOT=target/site LEPTOS_SITE_PKG_DIR=pkg \
    LEPTOS_SITE_ADDR=127.0.0.1:3000 LEPTOS_RELOAD_PORT=3001 LEPTOS_LIB_DIR=crates/frontend \
    LEPTOS_BIN_DIR=server LEPTOS_JS_MINIFY=false LEPTOS_HASH_FILES=false \
    RUSTFLAGS="--cfg erase_components" cargo "$@"
}

# Seconds since the given start (for the timing summary).
elapsed() { echo $(( $(date +%s) - $1 )); }
