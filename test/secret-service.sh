#!/usr/bin/env bash
# Runs the credential store's keyring tests against a real Secret Service:
# Debian's gnome-keyring in a private D-Bus session, with a fresh "login"
# collection unlocked by a throwaway password. CI calls it from .ci/run;
# developers can run it as is. Extra arguments go to `go test`.
#
# What makes this reliable (see docs/credential-stores.md):
#   - a private bus (dbus-run-session) and a private keyring directory
#     (XDG_DATA_HOME), so no state leaks between runs or from the machine;
#   - waiting until gnome-keyring owns org.freedesktop.secrets before the
#     tests start; otherwise the first call races the daemon's start-up and
#     D-Bus activates a second daemon that cannot see the unlocked keyring;
#   - using the "login" collection, which --unlock creates: creating any
#     other collection needs a password prompt, and there is no display.
set -euo pipefail

cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"

if [[ "${1:-}" != "--in-session" ]]; then
	missing=()
	command -v gnome-keyring-daemon >/dev/null || missing+=(gnome-keyring)
	command -v dbus-run-session >/dev/null || missing+=(dbus-daemon)
	command -v dbus-send >/dev/null || missing+=(dbus-bin)
	command -v secret-tool >/dev/null || missing+=(libsecret-tools)
	if ((${#missing[@]})); then
		# dbus-user-session satisfies gnome-keyring's need for a session bus
		# without dbus-x11, whose dbus-launch would be run (and leave a
		# dbus-daemon behind) by every process that links 99designs/keyring
		# while no session bus is set.
		echo "secret-service: installing ${missing[*]}" >&2
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq
		apt-get install -y -qq --no-install-recommends "${missing[@]}" dbus-user-session >/dev/null
	fi
	exec dbus-run-session -- "$0" --in-session "$@"
fi
shift

# Keep Go's caches and settings where they are, then give gnome-keyring
# (and the dconf it touches) directories of its own.
GOCACHE="$(go env GOCACHE)" GOENV="$(go env GOENV)"
export GOCACHE GOENV
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
export XDG_DATA_HOME="$tmp/data" XDG_CONFIG_HOME="$tmp/config" XDG_CACHE_HOME="$tmp/cache" XDG_RUNTIME_DIR="$tmp/run"
mkdir -p "$XDG_DATA_HOME" "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME" "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"

# Start the daemon and create + unlock the login collection.
printf '%s' "sesame-ci-$RANDOM$RANDOM" | gnome-keyring-daemon --unlock --components=secrets >/dev/null

owned=false
for _ in $(seq 100); do
	if dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
		org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q 'boolean true'; then
		owned=true
		break
	fi
	sleep 0.1
done
if [[ "$owned" != true ]]; then
	echo "secret-service: gnome-keyring did not claim org.freedesktop.secrets within 10s" >&2
	exit 1
fi

# Prove the service works before blaming sesame.
printf 'probe' | secret-tool store --label=sesame-probe sesame probe
[[ "$(secret-tool lookup sesame probe)" == probe ]] || {
	echo "secret-service: secret-tool cannot store and read back a secret" >&2
	exit 1
}
secret-tool clear sesame probe

SESAME_TEST_SECRET_SERVICE=1 go test -race -count=1 -run Keyring "$@" ./internal/credstore/

# The credential-process hot path with the keyring store on a live bus
# (internal/prelude defers the bus; a miss re-executes with it).
SESAME_TEST_SECRET_SERVICE=1 go test -count=1 -run KeyringHotPath ./test/e2e/
