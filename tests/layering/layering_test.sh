#!/usr/bin/env bash
# The rooms of DESIGN.md decision 1: sdk/ depends on nothing, plugins/ on sdk/ only, core/ has
# no sockets (no Beast), and only host/ knows Beast.
set -euo pipefail
src=${1:?usage: layering_test.sh SOURCE_DIR}
cd "$src"
fail=0
check() {  # check <description> <grep -E pattern> <paths...>
  local what=$1 pattern=$2; shift 2
  local hits
  hits=$(grep -rnE "$pattern" "$@" 2>/dev/null || true)
  if [[ -n $hits ]]; then
    echo "LAYERING VIOLATION: $what"
    echo "$hits"
    fail=1
  fi
}
check "sdk/ includes something other than the standard library or itself" \
  '#\s*include\s*[<"](glasshub/(core|host)|boost|nlohmann|spdlog|core/|host/)' sdk
check "plugins/ include core/ or host/ (only the SDK is allowed)" \
  '#\s*include\s*[<"](glasshub/)?(core|host)/' plugins
check "core/ uses Beast or sockets (only host/ may)" \
  '#\s*include\s*[<"](boost/beast|boost/asio/ip/|sys/socket)' core
if ((fail)); then exit 1; fi
echo "layering: sdk/, plugins/, core/ respect their boundaries"
