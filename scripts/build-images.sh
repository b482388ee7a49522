#!/usr/bin/env bash
# Builds the project's container images from its own release binaries, with no registry and no network: each image is
# FROM scratch + one binary + exactly the shared libraries `ldd` says it needs (the loader, libc, libstdc++, the Swift
# runtime's .so files when linked dynamically …), copied with links resolved to the paths ldd names.
#
#   swift-iotedge/test-module:<version>   edge-test-module (a stand-in edgeAgent and a workload-API module, for tests)
#
# Idempotent: an image whose label net.swift-iotedge.content-sha256 matches the files it would be built from is left
# as it is (the label net.swift-iotedge.binary-sha256 holds the binary's own sha256). Prints every image's size.
#
#   scripts/build-images.sh              builds the images (linking as IMAGES_LINK says; default: static)
#   scripts/build-images.sh --compare    also builds <image>:<version>-static and -dynamic and prints both sizes
#
# IMAGES_LINK=static   `swift build -c release --static-swift-stdlib` (scratch path .build-static): no Swift .so files
# IMAGES_LINK=dynamic  `swift build -c release` (scratch path .build): the Swift runtime .so files are copied in
# Needs a running engine (scripts/start-dockerd.sh). Adding an image is one line at the end: `image <name> <product> [files]`.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION="$(sed -n 's/.*static let current = "\(.*\)".*/\1/p' Sources/Protocol/AziotConfig/AziotVersion.swift)"
[ -n "$VERSION" ] || { echo "build-images: no version in Sources/Protocol/AziotConfig/AziotVersion.swift" >&2; exit 1; }
LINK="${IMAGES_LINK:-static}"
COMPARE=0
[ "${1:-}" = "--compare" ] && COMPARE=1

CONTEXTS=()
cleanup() { local c; for c in "${CONTEXTS[@]}"; do rm -rf "$c"; done; }
trap cleanup EXIT

scratch_path() { if [ "$1" = static ]; then echo .build-static; else echo .build; fi; }

# build <product> <link>: the release binary's path on stdout (build output on stderr).
build() {
  local product="$1" link="$2" flags=(-c release --scratch-path "$(scratch_path "$2")")
  [ "$link" = static ] && flags+=(--static-swift-stdlib)
  local started=$SECONDS
  swift build "${flags[@]}" --product "$product" >&2
  echo "build-images: swift build ${flags[*]} --product $product: $((SECONDS - started)) s" >&2
  echo "$(swift build "${flags[@]}" --show-bin-path)/$product"
}

# copy_libraries <file> <rootfs>: every library ldd names for the file, links resolved, at the path ldd names.
copy_libraries() {
  local file="$1" rootfs="$2" path
  # ldd lines: "libX.so => /path/libX.so (0x…)", "/lib64/ld-linux-x86-64.so.2 (0x…)", "linux-vdso.so.1 (0x…)".
  ldd "$file" 2>/dev/null | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^\//) { print $i; break } }' | while read -r path; do
    [ -e "$rootfs$path" ] && continue
    mkdir -p "$rootfs$(dirname "$path")"
    cp -L "$path" "$rootfs$path"
  done
}

# image <name> <product> [<extra files>…]: swift-iotedge/<name>:<version>, running /usr/local/bin/<product>.
image() {
  local name="$1" product="$2"
  shift 2
  local links=("$LINK")
  [ "$COMPARE" = 1 ] && links=(static dynamic)
  local link
  for link in "${links[@]}"; do
    local tag="swift-iotedge/$name:$VERSION"
    [ "$COMPARE" = 1 ] && tag="$tag-$link"
    build_image "$tag" "$(build "$product" "$link")" "$product" "$link" "$@"
    if [ "$COMPARE" = 1 ] && [ "$link" = "$LINK" ]; then
      docker tag "$tag" "swift-iotedge/$name:$VERSION"
    fi
  done
}

build_image() {
  local tag="$1" binary="$2" product="$3" link="$4"
  shift 4
  local context
  context="$(mktemp -d)"
  CONTEXTS+=("$context")
  local rootfs="$context/rootfs"
  mkdir -p "$rootfs/usr/local/bin" "$rootfs/tmp"
  cp "$binary" "$rootfs/usr/local/bin/$product"
  copy_libraries "$binary" "$rootfs"
  local extra
  for extra in "$@"; do
    mkdir -p "$rootfs$(dirname "$extra")"
    cp -L "$extra" "$rootfs$extra"
    copy_libraries "$extra" "$rootfs"
  done
  # Symbols stay in the build output; the image carries stripped copies.
  find "$rootfs" -type f \( -name '*.so*' -o -path "*/usr/local/bin/*" \) -exec strip --strip-unneeded {} + 2>/dev/null || true

  local binary_sha content_sha
  binary_sha="$(sha256sum "$binary" | cut -d' ' -f1)"
  content_sha="$(cd "$rootfs" && find . -type f | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -d' ' -f1)"
  if [ "$(docker image inspect --format '{{index .Config.Labels "net.swift-iotedge.content-sha256"}}' "$tag" 2>/dev/null || true)" = "$content_sha" ]; then
    echo "build-images: $tag is up to date ($(size_of "$tag"), $link)"
    return
  fi
  cat >"$context/Dockerfile" <<EOF
FROM scratch
COPY rootfs/ /
ENV PATH=/usr/local/bin
LABEL net.swift-iotedge.binary-sha256="$binary_sha" net.swift-iotedge.content-sha256="$content_sha" net.swift-iotedge.link="$link"
ENTRYPOINT ["/usr/local/bin/$product"]
EOF
  # The classic builder: it needs no buildx plugin, which Debian's docker.io does not ship.
  if ! DOCKER_BUILDKIT=0 docker build -q -t "$tag" "$context" >"$context/build.log" 2>&1; then
    cat "$context/build.log" >&2
    return 1
  fi
  echo "build-images: built $tag ($(size_of "$tag"), $link; $(cd "$rootfs" && find . -type f | wc -l) files)"
}

size_of() {
  local bytes
  bytes="$(docker image inspect --format '{{.Size}}' "$1")"
  echo "$bytes bytes, $(( (bytes + 524288) / 1048576 )) MiB"
}

docker version --format '{{.Server.Version}}' >/dev/null 2>&1 || { echo "build-images: no Docker engine answers; run scripts/start-dockerd.sh" >&2; exit 1; }

image test-module edge-test-module
