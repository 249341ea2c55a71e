#!/usr/bin/env bash
# Installs everything the project needs on a fresh Debian 12 machine and fetches
# ONNX Runtime 1.21.0 into third_party/onnxruntime. Idempotent: a second run
# changes nothing and takes a few seconds.
#
# ONNX Runtime comes from two places, because Debian 12 has no package for it:
#   - headers: Debian 13's libonnxruntime-dev .deb, downloaded with a private
#     apt state so the system's sources and lists are left untouched;
#   - library: the prebuilt shared object inside the npm package
#     onnxruntime-node@1.21.0 (built for glibc >= 2.28).
# Nothing from Debian 13 is installed into the system.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ort_version=1.21.0
ort_dir="$root/third_party/onnxruntime"
cache_dir="${NYMPH_CACHE_DIR:-$HOME/.cache/nymph}"

packages=(
  cmake ninja-build g++ pkg-config git ca-certificates openssl curl
  clang-format
  libcpp-httplib-dev libssl-dev nlohmann-json3-dev libspdlog-dev
  libcli11-dev libtoml11-dev libprotobuf-dev protobuf-compiler libi2c-dev
  libgtest-dev libgmock-dev libbenchmark-dev wrk
  python3 python3-numpy python3-onnx python3-protobuf python3-jsonschema locales
)

log() { printf 'setup: %s\n' "$*"; }

install_packages() {
  local missing=()
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
      missing+=("$p")
  done
  # npm is only needed to fetch ONNX Runtime; a machine may already have a
  # non-Debian Node.js, whose npm conflicts with Debian's package.
  if ! command -v npm >/dev/null && [ ! -f "$ort_dir/lib/libonnxruntime.so" ]; then
    missing+=(npm)
  fi
  [ ${#missing[@]} -eq 0 ] && return
  log "installing Debian packages: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
}

# Prints the Debian archive URI this machine is configured with, so that no
# host name needs to be written into the repository.
debian_archive_uri() {
  local uri
  uri=$(grep -hE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null |
    awk '{print $2}' | grep -v security | head -n 1 || true)
  if [ -z "$uri" ]; then
    uri=$(grep -hE '^deb ' /etc/apt/sources.list 2>/dev/null |
      awk '{print $2}' | grep -v security | head -n 1 || true)
  fi
  [ -n "$uri" ] || { echo "setup: no Debian archive configured in /etc/apt" >&2; exit 1; }
  printf '%s\n' "$uri"
}

fetch_ort_headers() {
  local deb
  deb=$(ls "$cache_dir"/libonnxruntime-dev_${ort_version}*.deb 2>/dev/null | head -n 1 || true)
  if [ -z "$deb" ]; then
    log "downloading ONNX Runtime $ort_version headers (Debian 13 libonnxruntime-dev)"
    local tmp
    tmp=$(mktemp -d)
    mkdir -p "$tmp/lists/partial" "$tmp/archives/partial"
    echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $(debian_archive_uri) trixie main" >"$tmp/sources.list"
    local opts=(-o Dir::Etc::SourceList="$tmp/sources.list"
      -o Dir::Etc::SourceParts=/dev/null -o Dir::State::Lists="$tmp/lists"
      -o Dir::Cache::Archives="$tmp/archives" -o APT::Sandbox::User=root)
    apt-get "${opts[@]}" update -qq
    (cd "$tmp" && apt-get "${opts[@]}" download -qq "libonnxruntime-dev=${ort_version}*")
    mkdir -p "$cache_dir"
    mv "$tmp"/libonnxruntime-dev_*.deb "$cache_dir/"
    rm -rf "$tmp"
    deb=$(ls "$cache_dir"/libonnxruntime-dev_${ort_version}*.deb | head -n 1)
  fi
  local tmp
  tmp=$(mktemp -d)
  dpkg -x "$deb" "$tmp"
  rm -rf "$ort_dir/include"
  mkdir -p "$ort_dir/include"
  cp -r "$tmp"/usr/include/onnxruntime/. "$ort_dir/include/"
  rm -rf "$tmp"
}

fetch_ort_library() {
  local tgz="$cache_dir/onnxruntime-node-$ort_version.tgz"
  if [ ! -f "$tgz" ]; then
    log "downloading ONNX Runtime $ort_version library (npm onnxruntime-node)"
    local tmp
    tmp=$(mktemp -d)
    (cd "$tmp" && npm pack --silent "onnxruntime-node@$ort_version" >/dev/null)
    mkdir -p "$cache_dir"
    mv "$tmp"/onnxruntime-node-*.tgz "$tgz"
    rm -rf "$tmp"
  fi
  local so="package/bin/napi-v3/linux/x64/libonnxruntime.so.$ort_version"
  mkdir -p "$ort_dir/lib"
  tar -xzf "$tgz" -C "$ort_dir/lib" --strip-components=5 "$so"
  ln -sf "libonnxruntime.so.$ort_version" "$ort_dir/lib/libonnxruntime.so.1"
  ln -sf "libonnxruntime.so.1" "$ort_dir/lib/libonnxruntime.so"
}

# ONNX Runtime's StringNormalizer (used by the ONNX backend test cases)
# constructs the en_US.UTF-8 locale and fails where it is not generated.
ensure_locale() {
  locale -a 2>/dev/null | grep -qi '^en_US\.utf-\?8$' && return
  log "generating the en_US.UTF-8 locale"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo localedef -i en_US -f UTF-8 en_US.UTF-8
}

install_packages
ensure_locale
if [ ! -f "$ort_dir/include/onnxruntime_cxx_api.h" ]; then fetch_ort_headers; fi
if [ ! -f "$ort_dir/lib/libonnxruntime.so.$ort_version" ]; then fetch_ort_library; fi
log "ready (ONNX Runtime $ort_version in ${ort_dir#$root/})"
