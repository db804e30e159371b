#!/usr/bin/env bash
# Prepares the Janus benchmark target (bench/lib/janus-target.ts). Only the benchmark runs this;
# CI and tests never need Janus.
#  1. installs Debian's `janus` package (1.1.x) if /usr/bin/janus is missing;
#  2. builds bench/janus/build/loopback-ice.so, a getifaddrs() shim loaded into Janus with
#     LD_PRELOAD: Janus never gathers candidates on a loopback-flagged interface, and the benchmark
#     keeps all traffic on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")"
export DEBIAN_FRONTEND=noninteractive

SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi

# apt-get install, refreshing the package lists only if the install fails without them
install_pkgs() {
  if ! $SUDO apt-get install -y -qq --no-install-recommends "$@"; then
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends "$@"
  fi
}

if [ ! -x /usr/bin/janus ]; then
  echo "janus setup: installing Debian's janus package"
  install_pkgs janus
fi
/usr/bin/janus --version 2>/dev/null | grep -m1 -i "janus version" || true

if [ ! -f build/loopback-ice.so ] || [ loopback-ice.c -nt build/loopback-ice.so ]; then
  if ! command -v cc >/dev/null; then
    echo "janus setup: installing a C compiler for the loopback shim"
    install_pkgs gcc libc6-dev
  fi
  mkdir -p build
  cc -shared -fPIC -O2 -Wall -o build/loopback-ice.so loopback-ice.c -ldl
  echo "janus setup: built bench/janus/build/loopback-ice.so"
fi
