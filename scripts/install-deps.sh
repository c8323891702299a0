#!/usr/bin/env bash
# Installs the Debian packages Mnemo builds and tests with, when any of them is missing:
# the engine's toolchain and PMDK, the memcached server and tools the conformance tests and
# benchmarks compare against, nc for the README's protocol examples, kubectl, which the tests
# drive against the embedded Kubernetes API, prometheus for promtool, which checks the silo's /metrics,
# chromium, the headless browser the management console's tests drive, and redis-server, whose BGSAVE
# the snapshot benchmark measures beside cluster snapshots.
set -euo pipefail
packages=(cmake g++ make pkg-config libpmem2-dev memcached libmemcached-tools netcat-openbsd kubectl prometheus chromium redis-server)
missing=()
for package in "${packages[@]}"; do
  [[ $(dpkg-query -W -f='${Status}' "$package" 2> /dev/null) == "install ok installed" ]] || missing+=("$package")
done
(( ${#missing[@]} > 0 )) || exit 0

echo "installing ${missing[*]}"
sudo=""; [[ $(id -u) -eq 0 ]] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq || echo "apt-get update failed; installing from the cached package lists"
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" > /dev/null
