#!/bin/sh
# Build the cosmicai Lambda image without Docker, from Debian packages: mmdebstrap makes a bookworm
# root filesystem with the runtime libraries, the task folder goes to /var/task, and umoci packs an
# OCI image (entrypoint /var/task/bootstrap). Push it with skopeo (see README.md).
# Needs root (or fakeroot), network access to a Debian mirror, about 3 GB of disk and a few minutes.
#   sudo apt-get install mmdebstrap umoci skopeo
#   sudo ./image/build-image.sh [WORK_DIR]          (run in the bundle folder)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=${1:-$here/build}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
for tool in mmdebstrap umoci; do
  command -v $tool >/dev/null || { echo "build-image.sh: $tool is not installed (apt-get install mmdebstrap umoci)" >&2; exit 1; }
done
[ -x "$here/task/bootstrap" ] && [ -x "$here/task/cosmicai" ] || { echo "build-image.sh: $here/task lacks bootstrap or cosmicai" >&2; exit 1; }
mkdir -p "$work"
rm -rf "$work/oci" "$work/bundle"
echo "== root filesystem (Debian bookworm + @RUNTIME_PACKAGES@)"
mmdebstrap --mode=root --variant=apt --include=@RUNTIME_PACKAGES_COMMA@ \
  --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*' \
  bookworm "$work/rootfs.tar" "deb $mirror bookworm main" "deb http://deb.debian.org/debian-security bookworm-security main"
echo "== OCI image"
umoci init --layout "$work/oci"
umoci new --image "$work/oci:cosmicai"
umoci unpack --image "$work/oci:cosmicai" "$work/bundle"
tar -xf "$work/rootfs.tar" -C "$work/bundle/rootfs"
mkdir -p "$work/bundle/rootfs/var/task"
cp -R "$here/task/." "$work/bundle/rootfs/var/task/"
chmod -R a+rX "$work/bundle/rootfs/var/task"
echo "== check: every shared library of the binary and the model library resolves inside the image"
if [ "$(id -u)" = 0 ]; then
  for f in /var/task/cosmicai /var/task/libcosmicai_model.so; do
    if chroot "$work/bundle/rootfs" ldd "$f" | grep 'not found'; then echo "build-image.sh: $f has unresolved libraries" >&2; exit 1; fi
  done
  chroot "$work/bundle/rootfs" /var/task/cosmicai --version
fi
umoci repack --image "$work/oci:cosmicai" "$work/bundle"
umoci config --image "$work/oci:cosmicai" --config.entrypoint /var/task/bootstrap --config.cmd infer \
  --config.workingdir /var/task --config.env LAMBDA_TASK_ROOT=/var/task \
  --config.env COSMICAI_MODEL_LIBRARY=/var/task/libcosmicai_model.so \
  --config.env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --architecture amd64 --os linux
umoci gc --layout "$work/oci"
echo "== done: OCI image $work/oci:cosmicai ($(du -sh "$work/oci" | cut -f1))"
