#!/usr/bin/env bash
# Cheap source checks run by tests/run_all.sh: module include boundaries (docs/architecture.md)
# and clang-format. Prints what is wrong and exits non-zero.
set -uo pipefail
cd "$(dirname "$0")/.."
fail=0

# forbid PATTERN DIRS... : no file under DIRS may include PATTERN.
forbid() {
  local pattern=$1
  shift
  local hits
  hits=$(grep -rnE "#include [<\"]${pattern}" "$@" 2>/dev/null)
  if [ -n "$hits" ]; then
    echo "include boundary broken (${pattern} not allowed here):"
    echo "$hits"
    fail=1
  fi
}

# Third-party headers each belong to one module.
forbid 'rocksdb/' src --exclude-dir=storage
forbid 'boost/' src --exclude-dir=http
forbid 'rapidjson/' src --exclude=rapidjson.h
forbid 'openssl/' src --exclude-dir=auth
# Lower layers never include higher ones.
forbid '(api|server|http|auth)/' src/engine src/changelog src/storage src/model src/common
forbid 'engine/' src/changelog
forbid 'transfer/' src/engine src/changelog src/storage src/model src/common src/triggers
# api works on the engine's typed requests, never on storage directly.
forbid 'storage/' src/api
forbid '(api|server|engine|storage|model|auth)/' src/http
forbid '(api|server|engine|storage|http)/' src/auth
forbid '(changelog|engine|api|server)/' src/storage
forbid 'model/json_codec' src/engine src/storage

if command -v clang-format >/dev/null; then
  unformatted=$(git ls-files '*.cc' '*.h' | while read -r f; do
    [ -f "$f" ] && ! clang-format --dry-run -Werror "$f" >/dev/null 2>&1 && echo "$f"
  done)
  if [ -n "$unformatted" ]; then
    echo "not clang-formatted (run clang-format -i):"
    echo "$unformatted"
    fail=1
  fi
fi
[ "$fail" = 0 ] && echo "source checks: ok"
exit "$fail"
