#!/usr/bin/env bash
# Install every dependency from Debian packages and build cosmicai (Release) into build/.
# Usage: scripts/setup.sh [--bench-ort]   (as root, or with sudo available)
#   --bench-ort  also install bench_inference's ONNX Runtime baseline (onnxruntime-node from npm,
#                ~290 MB, pinned by bench/inference/ort/package-lock.json); not needed to build or test
set -euo pipefail
cd "$(dirname "$0")/.."
bench_ort=0
for arg in "$@"; do
  case "$arg" in
    --bench-ort) bench_ort=1 ;;
    *) echo "setup: unknown option $arg (usage: scripts/setup.sh [--bench-ort])" >&2; exit 2 ;;
  esac
done

PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config git
  nlohmann-json3-dev libcli11-dev libfmt-dev libspdlog-dev
  libcurl4-openssl-dev libssl-dev zlib1g-dev libsqlite3-dev libcpp-httplib-dev
  libtorch-dev libopenblas0-pthread
  libgtest-dev libgmock-dev libbenchmark-dev libpcre2-dev
  openmpi-bin libopenmpi-dev
  python3 python3-torch python3-numpy
  graphviz chromium
  nodejs
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

# Test peers from npm, each pinned by its lock file: tests/peers (s3rver and the SigV4-verifying
# proxy for the s3:// tests), tests/peers/aws (the IAM policy simulator), tests/peers/sfn
# (@aws-sdk/client-sfn for the Step Functions service's SDK test). Without Node/npm those tests
# are reported SKIPPED, not passed. Debian's nodejs comes without npm; NodeSource's includes it (and
# conflicts with Debian's npm package).
if ! command -v npm >/dev/null; then
  echo "setup: installing npm (for the test peers)" >&2
  apt_quiet apt-get update -q
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends npm >>"$apt_log" 2>&1 ||
    echo "setup: npm could not be installed; the tests that need the npm peers will be skipped" >&2
fi
if command -v npm >/dev/null; then
  for peer in tests/peers tests/peers/aws tests/peers/sfn; do
    npm ci --prefix "$peer" --no-fund --no-audit --loglevel=error >/dev/null ||
      echo "setup: npm ci in $peer failed; the tests that need it will be skipped" >&2
  done
fi
# bench_inference's ONNX Runtime baseline, only on request (CI does not use it). --ignore-scripts:
# the CPU binaries ship inside the package; its install script only fetches GPU extras.
if [ "$bench_ort" = 1 ]; then
  if command -v npm >/dev/null; then
    npm ci --prefix bench/inference/ort --ignore-scripts --no-fund --no-audit --loglevel=error >/dev/null ||
      echo "setup: npm ci in bench/inference/ort failed; bench_inference will skip ONNX Runtime" >&2
  else
    echo "setup: --bench-ort needs npm; bench_inference will skip ONNX Runtime" >&2
  fi
fi

BUILD_TYPE=${BUILD_TYPE:-Release}
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE="$BUILD_TYPE" >/dev/null
cmake --build build -j "$(nproc)"
