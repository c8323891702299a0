#!/usr/bin/env bash
# Starts the local cluster: three silos on loopback acting as three nodes, with DRAM-emulated
# pools, supervised until Ctrl+C (then shut down gracefully).
set -euo pipefail
cd "$(dirname "$0")/.."
state=${1:-.state/dev}
exec dotnet Silo/bin/${CONFIG:-Release}/net10.0/mnemo-silo.dll dev-cluster --nodes 3 --state "$state"
