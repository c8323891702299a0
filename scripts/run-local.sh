#!/usr/bin/env bash
# Starts the local cluster: the embedded Kubernetes API and three silos on loopback acting as
# three nodes, with DRAM-emulated pools, supervised until Ctrl+C (then shut down gracefully).
# The built mnemo CLI is linked into <state>/bin (also as the kubectl plugin kubectl-mnemo).
set -euo pipefail
cd "$(dirname "$0")/.."
state=${1:-.state/dev}
config=${CONFIG:-Release}
mkdir -p "$state/bin"
bin=$(cd "$state/bin" && pwd)
ln -sf "$PWD/Client/Cli/bin/$config/net10.0/mnemo" "$bin/mnemo"
ln -sf "$PWD/Client/Cli/bin/$config/net10.0/mnemo" "$bin/kubectl-mnemo"
echo "The mnemo CLI (also kubectl mnemo): export PATH=\"$bin:\$PATH\""
# The dev cluster's gRPC ports (11151..11153), which the membership resources do not record.
echo "Its gRPC API for mnemo memshack/cache/route and the SDK: export MNEMO_GRPC=127.0.0.1:11151,127.0.0.1:11152,127.0.0.1:11153"
exec dotnet "Silo/bin/$config/net10.0/mnemo-silo.dll" dev-cluster --nodes 3 --state "$state"
