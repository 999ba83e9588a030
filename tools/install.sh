#!/usr/bin/env bash
# Installs AKE as a systemd service on this node:
#   the binary        -> /usr/local/bin/ake      (from $AKE_BINARY or .build/release/ake)
#   the unit          -> /etc/systemd/system/ake.service
#   a default config  -> /etc/ake/config.yaml    (kept if it exists)
#   the data dir      -> /var/lib/ake            (owned by the `ake` system user)
# Then enables and starts the service unless --no-start. Run as root. Idempotent.
# DESTDIR=/some/root installs into a staging tree instead (no user, no systemctl).
set -euo pipefail
cd "$(dirname "$0")/.."
start=yes
[[ "${1:-}" == "--no-start" ]] && start=no
dest="${DESTDIR:-}"
binary="${AKE_BINARY:-.build/release/ake}"
if [[ ! -x "$binary" ]]; then
    echo "install.sh: no $binary; build it with 'swift build -c release' or set AKE_BINARY" >&2
    exit 1
fi
if [[ -z "$dest" && "$(id -u)" != 0 ]]; then
    echo "install.sh: run as root (or set DESTDIR for a staging install)" >&2
    exit 1
fi
install -D -m 0755 "$binary" "$dest/usr/local/bin/ake"
install -D -m 0644 tools/ake.service "$dest/etc/systemd/system/ake.service"
if [[ ! -e "$dest/etc/ake/config.yaml" ]]; then
    install -D -m 0644 tools/ake-config.yaml "$dest/etc/ake/config.yaml"
fi
install -d -m 0750 "$dest/var/lib/ake"
if [[ -n "$dest" ]]; then
    echo "installed into $dest"
    exit 0
fi
if ! getent passwd ake >/dev/null; then
    useradd --system --home-dir /var/lib/ake --no-create-home --shell /usr/sbin/nologin ake
fi
chown ake:ake /var/lib/ake
# Fail before systemd does if the config file has an unknown key or a bad value.
/usr/local/bin/ake config print --config /etc/ake/config.yaml >/dev/null
if command -v systemctl >/dev/null && [[ -d /run/systemd/system ]]; then
    systemctl daemon-reload
    if [[ "$start" == yes ]]; then
        systemctl enable --now ake.service
        systemctl --no-pager status ake.service || true
    fi
else
    echo "install.sh: systemd is not running here; start it with: systemctl enable --now ake.service"
fi
