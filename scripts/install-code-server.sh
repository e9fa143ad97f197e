#!/usr/bin/env bash
# Installs code-server 4.100.3 (VS Code 1.100 on Node 20) into .cache/code-server/ from the npm
# registry alone, for the end-to-end tests (test/e2e). Two of its own install steps download from
# the internet, so it is installed in steps (see the project's notes on real peers):
# --ignore-scripts, then only the native modules are rebuilt, and ripgrep comes from Debian.
# Needs: apt packages libkrb5-dev (kerberos headers) and ripgrep (/usr/bin/rg), a C++ toolchain.
# Idempotent: a finished install leaves a stamp file and is not redone.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=4.100.3
DIR="${CODE_SERVER_CACHE:-$PWD/.cache/code-server}"
STAMP="$DIR/.installed-$VERSION"
if [[ -f "$STAMP" ]]; then
  echo "code-server $VERSION already installed in $DIR"
  exit 0
fi
for need in /usr/bin/rg /usr/include/gssapi/gssapi.h; do
  [[ -e "$need" ]] || { echo "missing $need: apt-get install -y ripgrep libkrb5-dev" >&2; exit 1; }
done

started=$(date +%s)
mkdir -p "$DIR"
cd "$DIR"
[[ -f package.json ]] || echo '{"name":"cf-code-server-cache","private":true}' > package.json
export npm_config_yes=true npm_config_fund=false npm_config_audit=false npm_config_update_notifier=false

npm install --ignore-scripts --no-save "code-server@$VERSION" >/dev/null
VS="$DIR/node_modules/code-server/lib/vscode"

(
  cd "$VS"
  npm install --omit=dev --ignore-scripts >/dev/null
  npm rebuild @parcel/watcher @vscode/spdlog kerberos native-watchdog node-pty >/dev/null
  ln -sfn node_modules node_modules.asar
  mkdir -p node_modules/@vscode/ripgrep/bin
  ln -sfn /usr/bin/rg node_modules/@vscode/ripgrep/bin/rg
)
(cd "$VS/bin/remote-cli" && ln -sfn code-linux.sh code-server)
(cd "$VS/bin/helpers" && ln -sfn browser-linux.sh browser.sh)
(cd "$VS/extensions" && npm install --omit=dev --ignore-scripts >/dev/null)
npm rebuild argon2 >/dev/null

touch "$STAMP"
echo "code-server $VERSION installed in $DIR in $(( $(date +%s) - started ))s"
