#!/usr/bin/env bash
# Installs what the test suite needs and a fresh machine lacks. Idempotent; needs root (or sudo).
set -euo pipefail
cd "$(dirname "$0")/.."

sudo_() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

packages=(shellcheck python3)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo_ apt-get update -qq
  sudo_ env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
fi

# The official Kubernetes schemas, to check rendered manifests (tests/cli).
if ! command -v kubernetes-validate >/dev/null 2>&1; then
  python3 -m pip install --quiet kubernetes-validate
fi

# Container engine and registry for `etl build` / `etl push` / `etl jobs run --container`.
if [ -f .ci/setup-image-tools.sh ]; then
  bash .ci/setup-image-tools.sh
fi

command -v kubectl >/dev/null 2>&1 || echo "warning: kubectl is not on PATH; the kubesim tests need it" >&2
