#!/usr/bin/env bash
# Installs what spikegraph needs on Debian 12 (skipping what is already there).
set -euo pipefail
packages=(build-essential cmake libboost-graph-dev libtbb-dev libspdlog-dev libfmt-dev
          libyaml-cpp-dev zlib1g-dev nlohmann-json3-dev libcli11-dev librandom123-dev libgtest-dev
          libbenchmark-dev python3-numpy
          python3-matplotlib python3-neo  # inspect --plot, python/spikegraph_io (docs/python.md)
          clang-14 libclang-rt-14-dev libfuzzer-14-dev)  # the sanitizer and fuzz build (docs/testing.md)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
