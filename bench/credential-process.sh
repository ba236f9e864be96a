#!/usr/bin/env bash
# Measures the credential-process hot path against a do-nothing Go binary,
# side by side with hyperfine, for the encrypted file store and (when a
# Secret Service can be started) the OS keyring. Also checks the hot path
# makes zero network calls (the sandbox's call counters do not move).
#
#   bash bench/credential-process.sh            # file store, then keyring
#   RUNS=500 bash bench/credential-process.sh
#
# Prints a markdown table; docs/benchmarks.md records the results.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"
RUNS="${RUNS:-300}"

if [[ "${1:-}" != "--in-session" ]]; then
	command -v hyperfine >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq hyperfine >/dev/null; }
	work="$(mktemp -d)"
	trap 'rm -rf "$work"' EXIT
	CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$work/sesame" ./cmd/sesame
	CGO_ENABLED=0 go build -trimpath -o "$work/noop" ./bench/noop
	export BENCH_WORK="$work"
	"$0" --in-session file
	if command -v gnome-keyring-daemon >/dev/null && command -v dbus-run-session >/dev/null; then
		dbus-run-session -- "$0" --in-session keyring || echo "keyring run failed (no usable Secret Service)" >&2
	else
		echo "| keyring | (no Secret Service here: install gnome-keyring and dbus-user-session) | | | |"
	fi
	exit 0
fi

store="$2"
work="$BENCH_WORK"
run="$work/$store"
mkdir -p "$run"
if [[ "$store" == keyring ]]; then
	export XDG_DATA_HOME="$run/data" XDG_RUNTIME_DIR="$run/runtime"
	mkdir -p "$XDG_DATA_HOME" "$XDG_RUNTIME_DIR"
	chmod 700 "$XDG_RUNTIME_DIR"
	eval "$(printf 'bench-password' | gnome-keyring-daemon --unlock --components=secrets)"
	for _ in $(seq 50); do
		dbus-send --session --dest=org.freedesktop.DBus --print-reply /org/freedesktop/DBus \
			org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q true && break
		sleep 0.1
	done
fi

"$work/sesame" sandbox --config examples/acme --addr 127.0.0.1:0 --auto-approve alice --format json >"$run/sandbox.json" 2>"$run/sandbox.log" &
sandbox=$!
trap 'kill $sandbox 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q endpoint "$run/sandbox.json" 2>/dev/null && break; sleep 0.05; done
endpoint="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["endpoint"])' "$run/sandbox.json")"

export AWS_ENDPOINT_URL="$endpoint" SESAME_CONFIG="$PWD/examples/acme" SESAME_CACHE_DIR="$run/cache" HOME="$run/home"
export SESAME_CREDENTIAL_STORE="$store" SESAME_FILE_PASSPHRASE=bench-passphrase SESAME_NO_INPUT=1
id=plat-dev/terraform
"$work/sesame" login --no-browser 2>/dev/null
"$work/sesame" credential-process --identity "$id" >/dev/null
before="$(curl -s "$endpoint/_sandbox/stats")"
hyperfine -N --warmup 20 --runs "$RUNS" --export-json "$run/hf.json" \
	"$work/noop" "$work/sesame credential-process --identity $id" >"$run/hf.txt"
after="$(curl -s "$endpoint/_sandbox/stats")"
[[ "$before" == "$after" ]] || { echo "the hot path made network calls: $before -> $after" >&2; exit 1; }
python3 - "$run/hf.json" "$store" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
noop, cp = r[0], r[1]
ms = lambda x: x * 1000
print(f"| {sys.argv[2]} | {ms(noop['median']):.2f} ms | {ms(cp['median']):.2f} ms | {cp['median']/noop['median']:.2f}x | {ms(cp['mean']):.2f} ± {ms(cp['stddev']):.2f} ms |")
PY
