#!/usr/bin/env bash
# Installs Debian's `prometheus` package (/usr/bin/prometheus and /usr/bin/promtool) when either
# is missing: test/interop runs the real promtool and a real Prometheus. Run as root (CI is).
set -euo pipefail
if command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1; then
  echo "prometheus already installed: $(promtool --version 2>&1 | head -1)"
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
# --no-install-recommends: the web console assets and node exporter are not needed.
$SUDO apt-get install -y -qq --no-install-recommends prometheus >/dev/null
# The package starts a prometheus service where systemd runs; tests start their own on free ports.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet prometheus 2>/dev/null; then
  $SUDO systemctl stop prometheus || true
fi
echo "installed: $(promtool --version 2>&1 | head -1)"
