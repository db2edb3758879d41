#!/bin/sh
# Installs what `cargo test --test image` needs: podman (with runc), busybox-static (the one
# binary the test images contain), Debian's docker-registry and htpasswd (apache2-utils).
# Idempotent: installs only what is missing. Debian/Ubuntu; run as root or with sudo.
#
# No configuration is written here: tests/image.rs writes its own containers.conf
# (default_ulimits = [], runtime = "runc"), storage.conf (vfs, in a temp dir),
# registries.conf (its 127.0.0.1 registries, insecure) and an empty auth.json, and points
# podman at them with CONTAINERS_CONF, CONTAINERS_STORAGE_CONF, CONTAINERS_REGISTRIES_CONF and
# REGISTRY_AUTH_FILE, so `cargo test` behaves the same on a developer's machine and in CI and
# never touches the machine's own podman images, settings or logins.
set -eu

packages="podman runc busybox-static docker-registry apache2-utils"

missing=""
for p in $packages; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done

if [ -n "$missing" ]; then
    sudo=""
    if [ "$(id -u)" != 0 ]; then
        sudo="sudo"
    fi
    echo "setup-image-tools: installing$missing"
    $sudo apt-get update -q
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q $missing
fi

# Installed is not enough: say which versions the tests will use, and fail loudly if one
# does not run.
podman --version
runc --version | head -n 1
/bin/busybox | head -n 1
test -x /usr/bin/docker-registry
htpasswd -Bbn check check >/dev/null
echo "setup-image-tools: ok (run: cargo test --test image)"
