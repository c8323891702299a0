#!/usr/bin/env bash
# Installs the interop client's npm packages (package.json + package-lock.json, exact versions) into
# a cache folder, once per lockfile: build/npm/grpc-interop by default, or the folder given. Prints
# the folder's node_modules path, for NODE_PATH.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
target=${1:-$here/../../build/npm/grpc-interop}
mkdir -p "$target"
target=$(cd "$target" && pwd)
if ! cmp -s "$here/package-lock.json" "$target/package-lock.json" || [[ ! -d $target/node_modules/@grpc/grpc-js ]]; then
  cp "$here/package.json" "$here/package-lock.json" "$target/"
  (cd "$target" && npm ci --no-audit --no-fund --loglevel=error >&2)
fi
echo "$target/node_modules"
