#!/usr/bin/env bash
# Build the drillkit image from the Dockerfile with buildah, over a Debian bookworm base made by
# mmdebstrap (no registry needed), then smoke-test `drillkit --version` inside it.
# Needs root, buildah and mmdebstrap (Debian packages). `nox -s image` runs it.
#
# The build stage installs from a wheelhouse made on this machine (`pip wheel`) with
# PIP_NO_INDEX=1, so it asks no package index: the host's pip configuration (index, proxy CA)
# stays on the host. Without a wheelhouse, the same Dockerfile installs from PyPI as usual.
set -euo pipefail
cd "$(dirname "$0")/../.."

CACHE="${DRILLKIT_IMAGE_CACHE:-/var/cache/drillkit/image}"
WORK="$(mktemp -d /tmp/drillkit-image.XXXXXX)"
B=(buildah --root "$CACHE/storage" --runroot "$WORK/runroot" --storage-driver vfs)
TAG="localhost/drillkit:$(python3 -c 'import re,pathlib;print(re.search(r"__version__ = \"([^\"]+)\"",pathlib.Path("drillkit/__init__.py").read_text()).group(1))')"
cleanup() { rm -rf "$WORK"; }
trap cleanup EXIT

for tool in buildah mmdebstrap; do
  command -v "$tool" >/dev/null || { echo "image: $tool is not installed (apt-get install $tool)" >&2; exit 2; }
done
mkdir -p "$CACHE"

# 1. The base: Debian bookworm's python3 (3.11, like python:3.11-slim-bookworm), made once.
if [ ! -s "$CACHE/base-bookworm.tar" ]; then
  mmdebstrap --quiet --variant=apt --include=python3,python3-venv,ca-certificates,tzdata \
    --mode=root bookworm "$WORK/base.tar"
  mv "$WORK/base.tar" "$CACHE/base-bookworm.tar"
fi
if ! "${B[@]}" inspect --type image localhost/drillkit-base:bookworm >/dev/null 2>&1; then
  ctr="$("${B[@]}" from scratch)"
  "${B[@]}" add "$ctr" "$CACHE/base-bookworm.tar" / >/dev/null
  "${B[@]}" config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$ctr"
  "${B[@]}" commit --quiet "$ctr" localhost/drillkit-base:bookworm >/dev/null
  "${B[@]}" rm "$ctr" >/dev/null
fi

# 2. The wheelhouse: drillkit, its dependencies, and the build backend.
python3 -m pip wheel --quiet --wheel-dir "$WORK/wheels" . "hatchling>=1.21" 2> >(grep -v "is ignored: it is neither" >&2)

# 3. The image, from the shipped Dockerfile.
"${B[@]}" bud --quiet --isolation chroot --layers=false \
  --volume "$WORK/wheels:/wheels:ro" \
  --build-arg BASE=localhost/drillkit-base:bookworm \
  --build-arg PIP_NO_INDEX=1 --build-arg PIP_FIND_LINKS=/wheels \
  --tag "$TAG" . >/dev/null

# 4. Smoke test: the entrypoint answers as the non-root user, and no compiler or pip is left.
ctr="$("${B[@]}" from "$TAG")"
trap '"${B[@]}" rm "$ctr" >/dev/null 2>&1 || true; cleanup' EXIT
version="$("${B[@]}" run --isolation chroot "$ctr" -- drillkit --version)"
uid="$("${B[@]}" run --isolation chroot "$ctr" -- python3 -c 'import os; print(os.getuid())')"
leftovers="$("${B[@]}" run --isolation chroot "$ctr" -- sh -c 'for t in gcc cc make pip pip3; do command -v $t; done; true')"
echo "image: $TAG: '$version' as uid $uid"
[[ "$version" == "drillkit, version "* ]] || { echo "image: unexpected --version output" >&2; exit 1; }
[ "$uid" = 10001 ] || { echo "image: runs as uid $uid, expected 10001" >&2; exit 1; }
[ -z "$leftovers" ] || { echo "image: build tools left in the image: $leftovers" >&2; exit 1; }
"${B[@]}" images --format '{{.Name}}:{{.Tag}} {{.Size}}' | grep "$TAG" || true
