#!/usr/bin/env bash
# Installs every Debian package needed to build, test and benchmark nomad-certd (idempotent).
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config git
  libboost1.81-dev libyaml-cpp-dev rapidjson-dev libssl-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libsystemd-dev prometheus-cpp-dev libspdlog-dev libfmt-dev libcli11-dev
  python3 python3-hvac python3-yaml ansible prometheus-alertmanager prometheus
  openssl curl systemd wrk clang clang-format libclang-rt-14-dev
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
