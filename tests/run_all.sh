#!/usr/bin/env bash
# Builds and runs every test: unit tests (Release), unit tests under ASan+UBSan, and the
# conformance suites (boto3 + AWS CLI via pytest, JS SDK v3 via node --test) against a real
# ddbd. Expects the dependencies of `docker/setup.sh test` to be installed.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
JOBS=${JOBS:-2}
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/ccache}

build() { # dir build-type extra-args...
  local dir=$1 type=$2
  shift 2
  cmake -S "$ROOT" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE="$type" -DDDBD_BUILD_TESTS=ON \
    -DCMAKE_CXX_COMPILER_LAUNCHER=ccache "$@" >/dev/null
  cmake --build "$dir" -j "$JOBS"
}

echo "== source checks"
bash tests/check_source.sh

echo "== unit tests (Release)"
build build/release Release
ctest --test-dir build/release --output-on-failure -j "$JOBS"

echo "== unit tests (ASan + UBSan)"
build build/asan RelWithDebInfo -DDDBD_SANITIZE=ON
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build/asan --output-on-failure -j "$JOBS"

echo "== fuzzers (libFuzzer, ${FUZZ_SECONDS:-20} s each)"
cmake -S "$ROOT" -B build/fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
  -DDDBD_FUZZ=ON -DDDBD_BUILD_TESTS=OFF -DCMAKE_CXX_COMPILER_LAUNCHER=ccache >/dev/null
cmake --build build/fuzz -j "$JOBS" --target expression_fuzz json_fuzz partiql_fuzz
for fuzzer in expression json partiql; do
  work=$(mktemp -d)
  if ! build/fuzz/${fuzzer}_fuzz -max_total_time="${FUZZ_SECONDS:-20}" -print_final_stats=1 \
      "$work" "tests/fuzz/corpus/$fuzzer" >"$work.log" 2>&1; then
    tail -50 "$work.log"
    echo "fuzzer $fuzzer failed"
    exit 1
  fi
  grep -E "stat::number_of_executed_units" "$work.log" | sed "s/^/$fuzzer: /"
  rm -rf "$work" "$work.log"
done

echo "== npm packages (JS SDK v3; s3rver, which the export tests of the pytest suite use)"
(
  cd conformance/js
  if [ ! -d node_modules/@aws-sdk/client-dynamodb ] || [ ! -d node_modules/@aws-sdk/client-dynamodb-streams ] ||
    [ ! -d node_modules/s3rver ]; then
    npm install --no-package-lock --no-audit --no-fund --loglevel=error
  fi
)

echo "== conformance: boto3 + AWS CLI (pytest)"
export DDBD_BIN="$ROOT/build/release/ddbd"
/usr/bin/python3 -m pytest -q conformance

echo "== conformance: JS SDK v3 (node --test)"
cd conformance/js
node --test
