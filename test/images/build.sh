#!/usr/bin/env bash
# Builds the test backend image vortex-test/echo:latest with no registry and no base image: a FROM-scratch
# image holding the host's `node` binary, the shared libraries `ldd` lists for it (at their absolute
# paths, the dynamic loader included), and test/images/echo/server.js at /app/server.js.
#
# Idempotent: re-running rebuilds (cached when nothing changed) and re-tags. Needs bash, node, ldd and
# a docker client that can reach the engine (DOCKER_HOST is honoured; DOCKER=/path/to/docker picks the client).
#
# The label vortex.test-image.source is the sha256 of server.js followed by this script, so tests can
# tell whether an existing image is current (test/helpers/echo-image.ts computes the same digest).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
image="${ECHO_IMAGE:-vortex-test/echo:latest}"
docker="${DOCKER:-docker}"
server_js="$here/echo/server.js"

node_bin="$(readlink -f "$(command -v node)")"
source_digest="$(cat "$server_js" "$here/build.sh" | sha256sum | cut -d' ' -f1)"

ctx="$(mktemp -d "${TMPDIR:-/tmp}/vortex-echo-image.XXXXXX")"
trap 'rm -rf "$ctx"' EXIT
rootfs="$ctx/rootfs"

# Copy a host file to the same absolute path inside the image, following symlinks: the loader and
# libc are symlinks on Debian (/lib64/ld-linux-x86-64.so.2 -> /lib/x86_64-linux-gnu/...), and a
# scratch image has nothing for a link to point at.
copy_in() {
  mkdir -p "$rootfs$(dirname "$1")"
  cp -L "$1" "$rootfs$1"
}

copy_in "$node_bin"
# ldd lines are "name => /path (addr)", "/path (addr)" or "linux-vdso.so.1 (addr)" (kernel-provided,
# no file): keep every absolute path.
libs="$(ldd "$node_bin" | grep -oE '/[^ ]+' || true)"
[[ -n "$libs" ]] || { echo "build.sh: ldd found no libraries for $node_bin (a static node is not expected here)" >&2; exit 1; }
for lib in $libs; do copy_in "$lib"; done

mkdir -p "$rootfs/app"
cp "$server_js" "$rootfs/app/server.js"
# server.js is an ES module; without a package.json beside it, node would parse it as CommonJS.
echo '{"type":"module"}' > "$rootfs/app/package.json"
# No /etc/passwd: the server runs as a numeric uid. /tmp exists for anything that asks os.tmpdir().
mkdir -m 1777 "$rootfs/tmp"

cat > "$ctx/Dockerfile" <<EOF
FROM scratch
COPY rootfs/ /
LABEL vortex.test-image="echo" vortex.test-image.source="$source_digest"
ENV HOME=/tmp
USER 65534:65534
ENTRYPOINT ["$node_bin", "/app/server.js"]
EOF

started=$(date +%s%N)
# The legacy builder: engines as old as Debian's docker.io 20.10 have no BuildKit session without buildx.
# Newer clients print a deprecation notice for it on stderr; the build is unaffected.
id="$(DOCKER_BUILDKIT=0 "$docker" build --quiet --tag "$image" "$ctx")"
elapsed_ms=$(( ($(date +%s%N) - started) / 1000000 ))

size="$("$docker" image inspect --format '{{.Size}}' "$image")"
echo "built $image id=$id size=$(( size / 1024 / 1024 ))MiB (${size} bytes) in ${elapsed_ms}ms; node $("$node_bin" --version) from $node_bin"
