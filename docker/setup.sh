#!/usr/bin/env bash
# ddbd set-up for a fresh Debian 12 machine. Idempotent: safe to run again.
#
#   bash docker/setup.sh deps      install build dependencies only (apt)
#   bash docker/setup.sh build     deps + Release build of ddbd (build/release)
#   bash docker/setup.sh run       deps + build + start ddbd on 127.0.0.1:8000 (data in ./ddbd-data)
#   bash docker/setup.sh test      deps (incl. test tools) + build + every test:
#                                  unit, ASan+UBSan unit, conformance (boto3, AWS CLI, JS SDK v3)
#
# Extra arguments after `run` are passed to ddbd (e.g. `run --port 9000`).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
MODE=${1:-run}
shift || true
JOBS=${JOBS:-2}

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

BUILD_PKGS=(build-essential cmake ninja-build ccache pkg-config git
  libboost1.81-dev librocksdb-dev rapidjson-dev libspdlog-dev libfmt-dev libssl-dev zlib1g-dev libzstd-dev
  libgtest-dev libgmock-dev libbenchmark-dev)
TEST_PKGS=(python3 python3-boto3 python3-pytest awscli curl zstd clang-format clang libclang-rt-14-dev)

missing_pkgs() {
  local p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || echo "$p"
  done
}

install_pkgs() {
  local need
  need=$(missing_pkgs "$@")
  # Node.js: a machine with its own node (e.g. from another repository) keeps it.
  if [ "$MODE" = test ]; then
    command -v node >/dev/null || need="$need nodejs"
    command -v npm >/dev/null || need="$need npm"
  fi
  if [ -n "${need// /}" ]; then
    echo "== installing:" $need
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    # shellcheck disable=SC2086
    $SUDO apt-get install -y -qq --no-install-recommends $need >/dev/null
  fi
}

# Release build of the server alone (tests are built by tests/run_all.sh).
build_server() {
  if [ ! -f build/release/build.ninja ]; then
    cmake -S "$ROOT" -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DCMAKE_CXX_COMPILER_LAUNCHER=ccache >/dev/null
  fi
  cmake --build build/release -j "$JOBS" --target ddbd
}

case "$MODE" in
  deps)
    install_pkgs "${BUILD_PKGS[@]}" ;;
  build)
    install_pkgs "${BUILD_PKGS[@]}"
    build_server ;;
  run)
    install_pkgs "${BUILD_PKGS[@]}"
    build_server
    exec "$ROOT/build/release/ddbd" "$@" ;;
  test)
    MODE=test
    install_pkgs "${BUILD_PKGS[@]}" "${TEST_PKGS[@]}"
    exec bash "$ROOT/tests/run_all.sh" ;;
  *)
    echo "usage: $0 {deps|build|run|test} [ddbd args...]" >&2
    exit 2 ;;
esac
