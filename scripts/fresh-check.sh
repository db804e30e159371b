#!/usr/bin/env bash
# README's two commands on a fresh clone, with the machine's own Node (Debian's 20 here): the
# first must serve /healthz, the SDK and the demo. (The second is what .ci/run runs right after.)
# Usage: bash scripts/fresh-check.sh [REPO_DIR]   (default: this checkout's committed HEAD)
set -euo pipefail
repo="${1:-$(cd "$(dirname "$0")/.." && pwd)}"
dir=$(mktemp -d)
pid=""
cleanup() {
  [ -n "$pid" ] && kill -- -"$pid" 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
echo "fresh-check: machine node $(node --version), npm $(npm --version)"
git clone -q "$repo" "$dir/p"
cd "$dir/p"
npm install --no-audit --no-fund >"$dir/install.log" 2>&1 || { tail -20 "$dir/install.log"; echo "fresh-check: npm install failed"; exit 1; }
port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
setsid npm start -- --port "$port" >"$dir/start.log" 2>&1 &
pid=$!
ok=""
for _ in $(seq 1 60); do
  if curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; then ok=1; break; fi
  kill -0 "$pid" 2>/dev/null || break
  sleep 1
done
if [ -z "$ok" ]; then tail -30 "$dir/start.log"; echo "fresh-check: npm start did not serve /healthz"; exit 1; fi
# (whole bodies to files: a reader that stops early would fail the pipe under pipefail)
curl -sf -o "$dir/sdk.js" "http://127.0.0.1:$port/sdk/rtcroom.js" && [ -s "$dir/sdk.js" ] || { echo "fresh-check: no SDK bundle"; exit 1; }
curl -sf -o "$dir/index.html" "http://127.0.0.1:$port/" && grep -qi '<html' "$dir/index.html" || { echo "fresh-check: no demo page"; exit 1; }
curl -sf -o "$dir/token.json" -X POST -H 'content-type: application/json' -d '{"roomId":"r1","userId":"u1"}' "http://127.0.0.1:$port/api/dev/token" && grep -q '"token"' "$dir/token.json" || { echo "fresh-check: no dev token"; exit 1; }
echo "fresh-check: ok (npm install && npm start with node $(node --version) on a fresh clone serves health, SDK, demo, dev tokens)"
