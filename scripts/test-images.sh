#!/usr/bin/env bash
# Builds the local images the Docker tests run (no registry is ever reachable), idempotently: an image that exists
# is left as it is. Needs a running engine (scripts/start-dockerd.sh) and Debian's busybox-static.
#
#   swift-iotedge-test/busybox:1   FROM scratch + the static /bin/busybox and one symlink per applet in /bin,
#                                  so `sh -c '…'`, `sleep`, `yes`, `head` … work; no shell needed at build time.
set -euo pipefail

BUSYBOX_IMAGE="swift-iotedge-test/busybox:1"
BUSYBOX="${BUSYBOX:-/bin/busybox}"

if docker image inspect "$BUSYBOX_IMAGE" >/dev/null 2>&1; then
  echo "test-images: $BUSYBOX_IMAGE present"
  exit 0
fi
if [ ! -x "$BUSYBOX" ] || ldd "$BUSYBOX" >/dev/null 2>&1; then
  echo "test-images: $BUSYBOX is not a static busybox; install Debian's busybox-static (scripts/setup.sh does)" >&2
  exit 1
fi
context="$(mktemp -d)"
trap 'rm -rf "$context"' EXIT
mkdir -p "$context/rootfs/bin" "$context/rootfs/tmp"
cp "$BUSYBOX" "$context/rootfs/bin/busybox"
for applet in $("$BUSYBOX" --list); do
  [ "$applet" = busybox ] || ln -s busybox "$context/rootfs/bin/$applet"
done
cat >"$context/Dockerfile" <<'EOF'
FROM scratch
COPY rootfs/ /
ENV PATH=/bin
LABEL net.swift-iotedge.test-image="busybox"
CMD ["/bin/sh"]
EOF
# The classic builder: it needs no buildx plugin, which Debian's docker.io does not ship.
DOCKER_BUILDKIT=0 docker build -q -t "$BUSYBOX_IMAGE" "$context" >/dev/null
echo "test-images: built $BUSYBOX_IMAGE ($(docker image inspect --format '{{.Size}}' "$BUSYBOX_IMAGE") bytes)"
