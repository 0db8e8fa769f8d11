#!/usr/bin/env bash
# The installed product as a plugin author meets it: install the build into a fresh prefix, check
# the files are where the docs say, build examples/hello_plugin out of tree against the installed
# SDK (find_package(glasshub-sdk 1)), and run the installed glasshub with it.
#
# usage: out_of_tree_test.sh <build dir> <source dir> <test_installed binary>
# Registered in tests/CMakeLists.txt as the CTest test install_out_of_tree (label: install).
set -euo pipefail

build_dir=$(cd "$1" && pwd)
source_dir=$(cd "$2" && pwd)
test_installed=$3
cmake_bin=${CMAKE_COMMAND:-cmake}

work=$(mktemp -d "${TMPDIR:-/tmp}/glasshub-install-XXXXXX")
cleanup() {
  if [[ -n "${GLASSHUB_KEEP_TEST_DIRS:-}" ]]; then
    echo "kept $work"
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT
fail() { echo "out_of_tree_test: FAILED: $*" >&2; exit 1; }
step() { echo "== $*"; }

prefix=$work/prefix

step "install $build_dir into $prefix"
"$cmake_bin" --install "$build_dir" --prefix "$prefix"

step "check the installed layout"
for f in bin/glasshub bin/glasshubctl lib/glasshub/plugins/libglasshub_keepalive.so \
         share/glasshub/plugin-manifest.json include/glasshub/sdk.h include/glasshub/sdk.hpp \
         lib/cmake/glasshub-sdk/glasshub-sdk-config.cmake; do
  [[ -e "$prefix/$f" ]] || fail "missing $prefix/$f"
done
[[ -x "$prefix/bin/glasshub" ]] || fail "$prefix/bin/glasshub is not executable"
[[ -x "$prefix/bin/glasshubctl" ]] || fail "$prefix/bin/glasshubctl is not executable"

step "the installed glasshubctl finds and loads the installed manifest on its own"
"$prefix/bin/glasshubctl" plugins list > "$work/plugins-list.txt" \
  || fail "installed 'glasshubctl plugins list' failed"
grep -q '^keepalive ' "$work/plugins-list.txt" \
  || fail "installed manifest does not list keepalive: $(cat "$work/plugins-list.txt")"

step "build examples/hello_plugin against the installed SDK (Ninja)"
cmake_args=(-G Ninja -S "$source_dir/examples/hello_plugin" -B "$work/hello-build"
            -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release)
if [[ -n "${CXX:-}" ]]; then cmake_args+=(-DCMAKE_CXX_COMPILER="$CXX"); fi
"$cmake_bin" "${cmake_args[@]}"
"$cmake_bin" --build "$work/hello-build"
hello_lib=$work/hello-build/libglasshub_hello.so
[[ -f "$hello_lib" ]] || fail "the example did not produce $hello_lib"

step "inspect the out-of-tree plugin with the installed glasshubctl"
"$prefix/bin/glasshubctl" plugins inspect "$hello_lib" > "$work/inspect.txt" \
  || fail "glasshubctl plugins inspect $hello_lib failed"
grep -q '^name: hello$' "$work/inspect.txt" || fail "unexpected inspect output: $(cat "$work/inspect.txt")"

step "write a manifest: the installed keepalive (relative path) and the hello plugin"
mkdir -p "$work/run"
manifest=$work/run/plugin-manifest.json
cat > "$manifest" <<EOF
{
  "plugins": [
    {"name": "keepalive", "library": "../prefix/lib/glasshub/plugins/libglasshub_keepalive.so"},
    {"name": "hello", "library": "$hello_lib"}
  ]
}
EOF
"$prefix/bin/glasshubctl" manifest check --load "$manifest" || fail "the manifest does not check"

step "run the installed glasshub with it ($test_installed)"
GLASSHUB_INSTALLED_BIN=$prefix/bin/glasshub GLASSHUB_INSTALLED_MANIFEST=$manifest \
  "$test_installed"

echo "out_of_tree_test: passed"
