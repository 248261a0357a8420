#!/usr/bin/env bash
# Builds the reference node's base image WITHOUT a registry (ARCHITECTURE.md,
# "Docker recipe"): no image registry is reachable on this machine kind, so
# nothing may be pulled. Instead we assemble a root filesystem from the host's
# own files — the node binary and the shared libraries `ldd` says it (and the
# native addons in node_modules) need, `dash` as /bin/sh, libfaketime for the
# clock-skew nemesis — and `docker import` it.
#
# Usage: scripts/build-base-image.sh [--if-missing] [TAG]
#   TAG          image tag to create (default ekv-node-base:local)
#   --if-missing do nothing when TAG already exists (used by the image builder)
#
# The result is ~110 MB and takes a few seconds. The app image
# (reference-node/Dockerfile) is `FROM` this tag; users who can reach a
# registry may pass `--build-arg BASE_IMAGE=node:20-bookworm-slim` instead.
set -euo pipefail

if_missing=0
tag="ekv-node-base:local"
for arg in "$@"; do
  case "$arg" in
    --if-missing) if_missing=1 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    -*) echo "build-base-image: unknown option '$arg'" >&2; exit 2 ;;
    *) tag="$arg" ;;
  esac
done

command -v docker >/dev/null 2>&1 || { echo "build-base-image: the docker CLI is not installed" >&2; exit 1; }
if [ "$if_missing" = 1 ] && docker image inspect "$tag" >/dev/null 2>&1; then
  echo "build-base-image: $tag already exists"
  exit 0
fi

repo_root="$(cd "$(dirname "$0")/.." && pwd)"
node_bin="$(readlink -f "$(command -v node)")"
dash_bin="$(readlink -f "$(command -v dash)")" || { echo "build-base-image: dash is not installed (it becomes /bin/sh)" >&2; exit 1; }
faketime_lib="$(ls /usr/lib/*/faketime/libfaketime.so.1 2>/dev/null | head -n 1 || true)"
[ -n "$faketime_lib" ] || { echo "build-base-image: libfaketime is not installed (apt-get install libfaketime)" >&2; exit 1; }
faketime_dir="$(dirname "$faketime_lib")"

rootfs="$(mktemp -d /tmp/ekv-base-rootfs.XXXXXX)"
trap 'rm -rf "$rootfs"' EXIT

# Copies a host file to the same path inside the rootfs, following symlinks
# (the loader looks libraries up by the name ldd printed, so the file must
# exist under that name; merged-/usr symlinks on the host do not matter).
put() {
  local src="$1" dest="$rootfs$2"
  mkdir -p "$(dirname "$dest")"
  cp -L "$src" "$dest"
}

# Copies every shared library an ELF file needs, at the path ldd resolved.
put_libs_of() {
  ldd "$1" | awk '/=> \// { print $3 } /^[[:space:]]*\// { print $1 }' | while read -r lib; do
    [ -e "$rootfs$lib" ] || put "$lib" "$lib"
  done
}

put "$node_bin" /usr/bin/node
put_libs_of "$node_bin"
put "$dash_bin" /bin/sh
put_libs_of "$dash_bin"
for lib in "$faketime_dir"/libfaketime*.so.1; do
  put "$lib" "$lib"
  put_libs_of "$lib"
done
# Native addons (classic-level's prebuilt LevelDB binding) load host glibc
# libraries too; make sure every one of them is present in the image.
if [ -d "$repo_root/node_modules" ]; then
  while IFS= read -r addon; do
    put_libs_of "$addon"
  done < <(find "$repo_root/node_modules" -path '*linux-x64*' -name '*.node' ! -name '*musl*')
fi

mkdir -p "$rootfs"/{tmp,data,etc,root,app,var/run}
chmod 1777 "$rootfs/tmp"
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/sh\n' >"$rootfs/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$rootfs/etc/group"
# glibc >= 2.34 has the files and dns NSS modules built in; this only fixes the order.
printf 'hosts: files dns\n' >"$rootfs/etc/nsswitch.conf"

tar -C "$rootfs" -c . | docker import \
  --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin' \
  --change "ENV EKV_FAKETIME_LIB=$faketime_dir/libfaketime.so.1" \
  --change 'LABEL org.ekv.image=base' \
  --change 'CMD ["/bin/sh"]' \
  - "$tag" >/dev/null
echo "build-base-image: built $tag from $node_bin ($(node --version)) and $(basename "$faketime_lib")"
