#!/bin/sh
# Crash-consistency test: ROUNDS rounds of random writes killed with SIGKILL, each verified
# after recovery. Builds the engine (Release) first when the driver is missing.
# usage: NativeEngine/tests/crash/run.sh ROUNDS    (MNEMO_BUILD_DIR overrides the build dir)
set -eu
rounds="${1:-200}"
here="$(cd "$(dirname "$0")" && pwd)"
engine="$(cd "$here/../.." && pwd)"
build="${MNEMO_BUILD_DIR:-$engine/../build/native-cmake}"
if [ ! -x "$build/tests/crash/crash_driver" ]; then
    cmake -S "$engine" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
    cmake --build "$build" -j2 >/dev/null
fi
exec "$build/tests/crash/crash_driver" "$rounds"
