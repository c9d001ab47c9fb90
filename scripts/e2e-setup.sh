#!/usr/bin/env bash
# Sets up what the tests in a real VS Code need (test/vscode): code-server 4.100.3 from npm
# (= VS Code 1.100.3, web workbench + Node extension host) installed OUTSIDE the project's
# node_modules, and Debian's Chromium for playwright-core to drive. Works offline with only the
# npm registry and Debian apt.
#
#   scripts/e2e-setup.sh                 # install what is missing (apt needs root), then verify
#   GHOSTLENS_CODE_SERVER_DIR=DIR ...    # install code-server there (default: .e2e/code-server)
#   GHOSTLENS_E2E_NO_APT=1 ...           # never call apt-get (fail if a system package is missing)
#
# Idempotent: an existing complete install is kept (seconds). The test harness finds
# code-server through the same variable.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
CS_VERSION=4.100.3
CS_DIR="${GHOSTLENS_CODE_SERVER_DIR:-$PWD/.e2e/code-server}"
CS_PKG="$CS_DIR/node_modules/code-server"
export DEBIAN_FRONTEND=noninteractive

step_start=$SECONDS
say() { echo "e2e-setup: $*"; }
took() { say "$1 ($((SECONDS - step_start)) s)"; step_start=$SECONDS; }

# 1. System packages: the browser, Debian's ripgrep (code-server's @vscode/ripgrep would download
#    one), and the build tools for code-server's native modules (kerberos, spdlog, node-pty,
#    argon2 compile from source because their prebuilt downloads fail offline).
apt_pkgs=(build-essential python3 libkrb5-dev libsecret-1-dev libx11-dev libxkbfile-dev ripgrep chromium)
missing=()
for p in "${apt_pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ -n "${GHOSTLENS_E2E_NO_APT:-}" ] || [ "$(id -u)" -ne 0 ]; then
    say "missing Debian packages: ${missing[*]} (run as root, or: apt-get install ${missing[*]})" >&2
    exit 1
  fi
  say "installing ${missing[*]}"
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  took "apt packages installed"
fi

installed_ok() {
  [ -f "$CS_PKG/out/node/entry.js" ] &&
    [ "$(node -p "require('$CS_PKG/package.json').version" 2>/dev/null)" = "$CS_VERSION" ] &&
    # the postinstall (npm install inside lib/vscode) really ran
    [ -e "$CS_PKG/lib/vscode/node_modules.asar" ]
}

if installed_ok; then
  say "code-server $CS_VERSION already installed in $CS_DIR"
else
  # 2. @vscode/ripgrep's postinstall downloads rg unless its cache (in $TMPDIR) holds the tarball:
  #    pre-seed it with Debian's binary.
  rg_cache="${TMPDIR:-/tmp}/vscode-ripgrep-cache-1.15.11"
  rg_tar="$rg_cache/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz"
  mkdir -p "$rg_cache"
  [ -f "$rg_tar" ] || tar -C "$(dirname "$(command -v rg)")" -czf "$rg_tar" rg

  # 3. code-server from npm into its own folder (Node 20; newer code-server needs Node 22+).
  #    npm_config_yes lets its postinstall's `npx node-gyp` run without a prompt.
  rm -rf "$CS_DIR"
  mkdir -p "$CS_DIR"
  printf '{"name":"ghostlens-e2e-code-server","private":true}\n' > "$CS_DIR/package.json"
  say "installing code-server@$CS_VERSION into $CS_DIR (log: $CS_DIR/install.log)"
  if ! (cd "$CS_DIR" && npm_config_yes=true npm_config_unsafe_perm=true \
        npm install "code-server@$CS_VERSION" --unsafe-perm --foreground-scripts --no-audit --no-fund \
        > "$CS_DIR/install.log" 2>&1); then
    tail -n 40 "$CS_DIR/install.log" >&2
    say "npm install code-server failed" >&2
    exit 1
  fi
  installed_ok || { tail -n 40 "$CS_DIR/install.log" >&2; say "code-server install is incomplete" >&2; exit 1; }
  took "code-server installed"
fi

# 4. Verify: both binaries answer (code-server writes a default config: keep it out of $HOME).
scratch="$(mktemp -d)"
XDG_CONFIG_HOME="$scratch" XDG_DATA_HOME="$scratch" node "$CS_PKG/out/node/entry.js" --version 2>/dev/null |
  tail -n 1 | sed 's/^/e2e-setup: code-server /'
rm -rf "$scratch"
chromium --version 2>/dev/null | grep -o 'Chromium [0-9.]*' | sed 's/^/e2e-setup: /'
