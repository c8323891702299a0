#!/usr/bin/env bash
# Runs every benchmark program; each one runs its own baseline in the same run and prints
# "key value unit" lines plus a summary. Output is also kept in build/bench/<name>.txt.
# Pass names to run only some: scripts/run-bench.sh engine orleans
# (engine-c, engine, orleans, gateway, gateway-cluster, grpc, dataplane, reshard, snapshot)
set -euo pipefail
cd "$(dirname "$0")/.."
out=build/bench
mkdir -p "$out"
selected=("$@")
[[ ${#selected[@]} -gt 0 ]] || selected=(engine-c engine orleans gateway gateway-cluster grpc dataplane reshard snapshot)

run() { # name, command...
  local name=$1; shift
  echo "== $name: $*"
  "$@" 2>&1 | tee "$out/$name.txt"
  echo
}

for name in "${selected[@]}"; do
  case $name in
    engine-c) run engine-c build/native-cmake/bench/mnemo_engine_bench ;;
    engine)   run engine dotnet run -c Release --no-build --project tests/Benchmarks/EngineBench ;;
    orleans)  run orleans dotnet run -c Release --no-build --project tests/Benchmarks/OrleansBench ;;
    gateway)  run gateway dotnet run -c Release --no-build --project tests/Benchmarks/GatewayBench ;;
    gateway-cluster) run gateway-cluster dotnet run -c Release --no-build --project tests/Benchmarks/GatewayBench -- cluster ;;
    grpc)     run grpc dotnet run -c Release --no-build --project tests/Benchmarks/GatewayBench -- grpc ;;
    dataplane) run dataplane dotnet run -c Release --no-build --project tests/Benchmarks/DataPlaneBench ;;
    reshard)  run reshard dotnet run -c Release --no-build --project tests/Benchmarks/ReshardBench ;;
    # The 1M-item pools take minutes to create on a busy machine.
    snapshot) run snapshot dotnet run -c Release --no-build --project tests/Benchmarks/SnapshotBench -- --start-timeout 600 ;;
    *) echo "unknown benchmark '$name' (engine-c, engine, orleans, gateway, gateway-cluster, grpc, dataplane, reshard, snapshot)" >&2; exit 2 ;;
  esac
done
