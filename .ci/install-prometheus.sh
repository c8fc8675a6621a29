#!/usr/bin/env bash
# Installs Debian's `prometheus` package (/usr/bin/prometheus and /usr/bin/promtool) and its
# `victoria-metrics` package (/usr/bin/victoria-metrics) when one is missing: test/interop runs the
# real promtool and a real Prometheus, and test/forward forwards to a real Prometheus and a real
# VictoriaMetrics. Idempotent: installs only what is missing. Run as root (CI is).
set -euo pipefail
missing=()
if ! command -v prometheus >/dev/null 2>&1 || ! command -v promtool >/dev/null 2>&1; then missing+=(prometheus); fi
if ! command -v victoria-metrics >/dev/null 2>&1; then missing+=(victoria-metrics); fi
if [ "${#missing[@]}" -eq 0 ]; then
  echo "prometheus already installed: $(promtool --version 2>&1 | head -1)"
  echo "victoria-metrics already installed: $(victoria-metrics -version 2>&1 | head -1)"
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
# --no-install-recommends: the web console assets and node exporter are not needed.
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# The packages start services where systemd runs; tests start their own on free ports.
if command -v systemctl >/dev/null 2>&1; then
  for unit in prometheus victoria-metrics; do
    if systemctl is-active --quiet "$unit" 2>/dev/null; then $SUDO systemctl stop "$unit" || true; fi
  done
fi
echo "installed: ${missing[*]}"
