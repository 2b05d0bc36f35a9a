#!/usr/bin/env bash
# Install every dependency from Debian packages and build cosmicai (Release) into build/.
# Usage: scripts/setup.sh            (as root, or with sudo available)
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config git
  nlohmann-json3-dev libcli11-dev libfmt-dev libspdlog-dev
  libcurl4-openssl-dev libssl-dev zlib1g-dev libsqlite3-dev libcpp-httplib-dev
  libtorch-dev libopenblas0-pthread
  libgtest-dev libgmock-dev libbenchmark-dev
  python3 python3-torch python3-numpy
  awscli
)

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# apt's output (debconf and apt-utils notices on stderr included) goes to a log that is shown only
# when a step fails.
apt_log=$(mktemp "${TMPDIR:-/tmp}/cosmicai-setup-apt.XXXXXX")
trap 'rm -f "$apt_log"' EXIT
apt_quiet() {
  if ! $SUDO env DEBIAN_FRONTEND=noninteractive "$@" >>"$apt_log" 2>&1; then
    echo "setup: failed: $*" >&2
    cat "$apt_log" >&2
    exit 1
  fi
}
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  apt_quiet apt-get update -q
  apt_quiet apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# LibTorch uses whatever BLAS the alternatives point at; make it OpenBLAS (the
# reference netlib BLAS is ~20x slower for this model).
blas=/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3
if [ -e "$blas" ]; then
  $SUDO update-alternatives --set libblas.so.3-x86_64-linux-gnu "$blas" >/dev/null 2>&1 || true
fi

# The Step Functions service's SDK test drives it with @aws-sdk/client-sfn, pinned in
# tests/peers/sfn/package-lock.json. Without Node/npm that test is reported SKIPPED, not passed.
if ! command -v npm >/dev/null; then
  echo "setup: installing nodejs npm (for the Step Functions SDK test)" >&2
  apt_quiet apt-get update -q
  apt_quiet apt-get install -y -q --no-install-recommends nodejs npm
fi
if command -v npm >/dev/null; then
  (cd tests/peers/sfn && npm ci --no-fund --no-audit --loglevel=error) ||
    echo "setup: npm ci in tests/peers/sfn failed; the service's SDK test will be skipped" >&2
fi

BUILD_TYPE=${BUILD_TYPE:-Release}
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE="$BUILD_TYPE" >/dev/null
cmake --build build -j "$(nproc)"
