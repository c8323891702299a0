#!/usr/bin/env bash
# Builds everything and runs every test suite: the native engine's tests in Release, ASan and
# TSan builds (ctest) and each .NET test project. Every suite runs even when an earlier one
# fails; the last line sums them all as "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
CONFIG=${CONFIG:-Release}
logdir=build/test-logs
mkdir -p "$logdir"
passed=0 failed=0 broken=()

count_ctest() { # ctest prints "NN% tests passed, F tests failed out of T"
  local line t f
  line=$(grep -E 'tests passed, [0-9]+ tests? failed out of [0-9]+' "$1" | tail -1)
  if [[ -z $line ]]; then failed=$((failed + 1)); broken+=("$2"); return; fi
  f=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<<"$line")
  t=$(sed -E 's/.* failed out of ([0-9]+).*/\1/' <<<"$line")
  passed=$((passed + t - f)); failed=$((failed + f))
  (( f == 0 )) || broken+=("$2")
}

count_dotnet() { # vstest prints "Passed!  - Failed: F, Passed: P, Skipped: S, Total: T"
  local line p f
  line=$(grep -E '(Passed|Failed)! +- Failed: +[0-9]+, Passed: +[0-9]+' "$1" | tail -1)
  if [[ -z $line ]]; then failed=$((failed + 1)); broken+=("$2"); return; fi
  f=$(sed -E 's/.*Failed: +([0-9]+),.*/\1/' <<<"$line")
  p=$(sed -E 's/.*Passed: +([0-9]+),.*/\1/' <<<"$line")
  passed=$((passed + p)); failed=$((failed + f))
  (( f == 0 )) || broken+=("$2")
}

native_suite() { # name, build dir, cmake flags...
  local name=$1 dir=$2; shift 2
  echo "== native: $name"
  if cmake -S NativeEngine -B "$dir" "$@" > "$logdir/$name-configure.log" 2>&1 \
     && cmake --build "$dir" -j2 > "$logdir/$name-build.log" 2>&1; then
    ctest --test-dir "$dir" --output-on-failure > "$logdir/$name.log" 2>&1
    tail -n 3 "$logdir/$name.log"
  else
    echo "build failed; see $logdir/$name-build.log"; tail -n 20 "$logdir/$name-build.log"
    : > "$logdir/$name.log"
  fi
  count_ctest "$logdir/$name.log" "native $name"
}

native_suite release build/native-cmake -DCMAKE_BUILD_TYPE=Release
native_suite asan build/native-asan -DCMAKE_BUILD_TYPE=Debug -DMNEMO_SANITIZE=address
native_suite tsan build/native-tsan -DCMAKE_BUILD_TYPE=Debug -DMNEMO_SANITIZE=thread

echo "== dotnet build"
if dotnet build Orleans.sln -c "$CONFIG" --nologo > "$logdir/dotnet-build.log" 2>&1; then
  for proj in tests/*/*.Tests.csproj; do
    name=$(basename "$proj" .csproj)
    echo "== $name"
    dotnet test "$proj" -c "$CONFIG" --no-build --nologo > "$logdir/$name.log" 2>&1
    grep -E '^\s*(Failed [A-Za-z]|Passed!|Failed!)' "$logdir/$name.log" | head -n 20
    count_dotnet "$logdir/$name.log" "$name"
  done
else
  grep -E 'error' "$logdir/dotnet-build.log" | sort -u | head -n 30
  failed=$((failed + 1)); broken+=("dotnet build")
fi

(( ${#broken[@]} == 0 )) || echo "failing suites: ${broken[*]} (logs in $logdir)"
echo "$passed passed, $failed failed"
(( failed == 0 ))
