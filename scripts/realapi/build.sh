#!/usr/bin/env bash
# Build kube-apiserver and kube-controller-manager 1.20 from Debian's `kubernetes` source package
# and unpack etcd, into a cache outside the repository. Idempotent: skips when the binaries exist.
#
#   DRILLKIT_REALAPI_DIR   cache directory (default /var/cache/drillkit/realapi)
#   DRILLKIT_REALAPI_JOBS  parallel Go compile jobs (default: number of cores)
#
# Only Debian packages are used (the machine's own apt mirrors); the system's apt configuration
# and package state are left untouched: a private sources list, lists and cache directory serve
# the downloads, and the toolchain is unpacked with dpkg -x instead of installed.
set -euo pipefail

DIR="${DRILLKIT_REALAPI_DIR:-/var/cache/drillkit/realapi}"
BIN="$DIR/bin"
WORK="$DIR/work"
APT="$DIR/apt"
DEBS="$DIR/debs"
ROOT="$DIR/root"

log() { printf '[realapi-build %s] %s\n' "$(date -u +%H:%M:%S)" "$*"; }

if [[ -x "$BIN/kube-apiserver" && -x "$BIN/kube-controller-manager" && -x "$BIN/etcd" ]]; then
  log "binaries already present in $BIN: nothing to do"
  exit 0
fi

# The build needs make and dpkg-source (dpkg-dev, which also brings patch); a stock Debian image
# has them, a minimal one gets them from Debian's registry.
if ! command -v make >/dev/null 2>&1 || ! command -v dpkg-source >/dev/null 2>&1; then
  log "installing dpkg-dev and make"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dpkg-dev make >/dev/null
fi

mkdir -p "$BIN" "$WORK" "$APT/lists/partial" "$APT/sources.list.d" "$APT/cache/archives/partial" \
  "$DEBS" "$ROOT"

# --- private apt configuration: the system's mirrors, with deb-src added ------------------------
log "writing a private apt sources list under $APT (system apt config untouched)"
: >"$APT/sources.list"
rm -f "$APT"/sources.list.d/*
shopt -s nullglob
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
  [[ -f "$f" ]] || continue
  # one-line format: keep each deb line and add its deb-src twin
  sed -n -E 's/^[[:space:]]*deb[[:space:]]+(.*)$/deb \1\ndeb-src \1/p' "$f" >>"$APT/sources.list"
done
for f in /etc/apt/sources.list.d/*.sources; do
  # deb822 format: every stanza that serves binaries serves sources too
  sed -E 's/^Types:[[:space:]]*deb[[:space:]]*$/Types: deb deb-src/' "$f" \
    >"$APT/sources.list.d/$(basename "$f")"
done
shopt -u nullglob
APT_OPTS=(
  -o "Dir::Etc::sourcelist=$APT/sources.list"
  -o "Dir::Etc::sourceparts=$APT/sources.list.d"
  -o "Dir::State::Lists=$APT/lists"
  -o "Dir::Cache=$APT/cache"
  -o "Dir::Cache::archives=$APT/cache/archives"
  -o "Debug::NoLocking=1"
  -o "APT::Sandbox::User=root"
)

# --- the Go toolchain, etcd and reflect2 1.0.2, unpacked without installing ----------------------
GOROOT="$ROOT/usr/lib/go-1.19"
PKGS=(golang-1.19-go golang-1.19-src etcd-server golang-github-modern-go-reflect2-dev)
if [[ ! -f "$ROOT/.unpacked" || ! -f "$WORK/kubernetes-src/.unpacked" ]]; then
  log "apt-get update (private lists)"
  apt-get "${APT_OPTS[@]}" update -qq
fi
if [[ ! -f "$ROOT/.unpacked" ]]; then
  log "downloading ${PKGS[*]}"
  rm -f "$DEBS"/*.deb
  (cd "$DEBS" && apt-get "${APT_OPTS[@]}" download -qq "${PKGS[@]}")
  for deb in "$DEBS"/*.deb; do
    dpkg -x "$deb" "$ROOT"
  done
  touch "$ROOT/.unpacked"
fi
[[ -x "$GOROOT/bin/go" ]] || { log "no go binary under $GOROOT"; exit 1; }
ETCD="$(find "$ROOT/usr/bin" -name etcd -type f | head -n1)"
install -m 0755 "$ETCD" "$BIN/etcd"
log "etcd: $("$BIN/etcd" --version | head -n1)"

# --- the kubernetes source package ------------------------------------------------------------
SRC="$WORK/kubernetes-src"
if [[ ! -f "$SRC/.unpacked" ]]; then
  log "apt-get source -d kubernetes"
  rm -rf "$SRC" && mkdir -p "$SRC"
  (cd "$WORK" && apt-get "${APT_OPTS[@]}" source -d -qq kubernetes)
  DSC="$(ls "$WORK"/kubernetes_*.dsc | head -n1)"
  log "unpacking $(basename "$DSC")"
  dpkg-source --no-check -x "$DSC" "$SRC/k8s" >/dev/null
  touch "$SRC/.unpacked"
fi
K8S="$SRC/k8s"

# --- reflect2 1.0.1 crashes under Go >= 1.18: use Debian's 1.0.2 -------------------------------
REFLECT2_SRC="$ROOT/usr/share/gocode/src/github.com/modern-go/reflect2"
REFLECT2_DST="$K8S/vendor/github.com/modern-go/reflect2"
if [[ ! -f "$REFLECT2_DST/go_above_118.go" ]]; then
  log "replacing vendored github.com/modern-go/reflect2 with Debian's 1.0.2"
  rm -rf "$REFLECT2_DST"
  cp -r "$REFLECT2_SRC" "$REFLECT2_DST"
fi

# --- build (GOPATH mode: kubernetes 1.20's hack scripts set GO111MODULE=off themselves) -------
export GOROOT
export PATH="$GOROOT/bin:$PATH"
export GOPROXY=off GOFLAGS="" CGO_ENABLED=0 GOTOOLCHAIN=local
export GOCACHE="$DIR/gocache" HOME="$WORK/home"
mkdir -p "$GOCACHE" "$HOME" "$WORK/shim"
# hack/lib/golang.sh copies the built binaries with `rsync -pc SRC DST` (its only use here); a
# copy that keeps permissions does the same without installing rsync and its libraries.
if ! command -v rsync >/dev/null 2>&1; then
  printf '#!/bin/sh\n# rsync -pc SRC... DST stand-in for the kubernetes build\n' >"$WORK/shim/rsync"
  printf 'for a; do shift; case "$a" in -*) ;; *) set -- "$@" "$a";; esac; done\n' >>"$WORK/shim/rsync"
  printf 'exec cp -p "$@"\n' >>"$WORK/shim/rsync"
  chmod +x "$WORK/shim/rsync"
  export PATH="$PATH:$WORK/shim"
fi
log "building kube-apiserver and kube-controller-manager with $(go version) (about 8 minutes on 2 idle cores, longer when they are shared)"
start=$(date +%s)
# a half-finished earlier run leaves make stamps behind; the Go cache keeps a rebuild quick
rm -rf "$K8S/_output"
(cd "$K8S" && make WHAT="cmd/kube-apiserver cmd/kube-controller-manager")
log "build finished in $(( $(date +%s) - start )) s"

for b in kube-apiserver kube-controller-manager; do
  install -m 0755 "$K8S/_output/bin/$b" "$BIN/$b"
done
log "kube-apiserver: $("$BIN/kube-apiserver" --version)"
# the build tree (~2 GB of objects) is not needed any more; the unpacked source stays for a rebuild
rm -rf "$K8S/_output"
log "binaries ready in $BIN"
