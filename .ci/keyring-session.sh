#!/usr/bin/env bash
# Runs a command on a private D-Bus session bus with an unlocked gnome-keyring Secret Service,
# so newsroom's keyring tests talk to a real Secret Service without a desktop:
#   .ci/keyring-session.sh cargo test --test it keyring::
# The keyring's password is random and thrown away; nothing outlives the session.
set -euo pipefail

if [[ "${1:-}" != "--inside" ]]; then
    for tool in dbus-run-session gnome-keyring-daemon; do
        command -v "$tool" >/dev/null || {
            echo "keyring-session: $tool is missing (apt-get install gnome-keyring dbus libsecret-tools dbus-x11)" >&2
            exit 127
        }
    done
    [[ $# -gt 0 ]] || { echo "usage: $0 COMMAND [ARGS...]" >&2; exit 2; }
    exec dbus-run-session -- "$0" --inside "$@"
fi
shift

# gnome-keyring keeps its keyrings under XDG_DATA_HOME and its control socket under
# XDG_RUNTIME_DIR: give it throwaway ones so a developer's real keyring is never touched.
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
export XDG_DATA_HOME="$scratch/data" XDG_RUNTIME_DIR="$scratch/run"
mkdir -p "$XDG_DATA_HOME" "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"

# Start (and unlock, creating it on first use) the login keyring before any client touches the
# bus; otherwise D-Bus activation would start a locked daemon that wants a GUI prompt.
password="$(head -c 24 /dev/urandom | base64)"
eval "$(printf '%s' "$password" | gnome-keyring-daemon --unlock --components=secrets)"
unset password
export GNOME_KEYRING_CONTROL

# Wait (bounded) until the Secret Service answers on the bus.
for _ in $(seq 50); do
    if dbus-send --session --print-reply --dest=org.freedesktop.DBus / \
        org.freedesktop.DBus.GetNameOwner string:org.freedesktop.secrets >/dev/null 2>&1; then
        break
    fi
    sleep 0.1
done

"$@"
