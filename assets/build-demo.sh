#!/usr/bin/env bash
# Builds assets/demo/: the OCI image layout embedded in arbor as its demo (`src/demo.rs`).
#
# The graph is the ORAS "attached artifacts" walkthrough, built with oras operating on the layout:
#   v1   net-monitor image (linux/amd64, one tar+gzip layer with bin/net-monitor)
#        <- signature/example (signature.json)
#        <- readme/example    (readme.md + details.md)
#        <- sbom/example      (sbom.json)
#             <- signature/example (signature.json of the SBOM)
#   v2   image index: linux/amd64 + linux/arm64 images
#        <- signature/example (signature.json of the index)
#   one untagged image manifest (in index.json without org.opencontainers.image.ref.name)
#
# Reproducible: fixed created annotations and timestamps, deterministic tar/gzip, so every run
# yields the same digests. Rebuild with `assets/build-demo.sh` and commit assets/demo/.
#
# Usage: assets/build-demo.sh [OUT_DIR]        (default: assets/demo next to this script)
# Env:   ORAS   path of oras (default: $TOOLS_BIN/oras)
#        TOOLS_BIN  directory holding oras (default: ${ARBOR_HARNESS_DIR:-<repo>/target/harness}/bin,
#                   filled by tests/harness/install.sh)
set -euo pipefail
shopt -s inherit_errexit
export LC_ALL=C TZ=UTC
umask 022

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$HERE/.." && pwd)
TOOLS_BIN=${TOOLS_BIN:-${ARBOR_HARNESS_DIR:-$REPO_ROOT/target/harness}/bin}
ORAS=${ORAS:-$TOOLS_BIN/oras}
OUT=${1:-$HERE/demo}

CREATED=2024-01-01T00:00:00Z
TAR_MTIME='2024-01-01 00:00:00'

for t in "$ORAS" tar gzip jq sha256sum; do
  command -v "$t" >/dev/null 2>&1 || { echo "build-demo: $t not found (run tests/harness/install.sh, or set ORAS / TOOLS_BIN)" >&2; exit 1; }
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/arbor-demo.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
L=$WORK/demo      # the layout being built (its directory name is the repository name)
mkdir -p "$WORK/files" "$WORK/images"

oras() { "$ORAS" "$@" --oci-layout >/dev/null </dev/null; }
sha() { sha256sum "$1" | cut -d' ' -f1; }
size() { wc -c <"$1" | tr -d ' '; }

# image NAME ARCH VERSION REF: builds a one-layer image and pushes it to $L (REF: ":tag" or "").
# Prints the manifest digest.
image() {
  local name=$1 arch=$2 version=$3 ref=$4 d=$WORK/images/$1
  mkdir -p "$d/rootfs/bin"
  printf '#!/bin/sh\n# %s %s (%s) - arbor demo image\necho "net-monitor %s: watching the network on linux/%s"\n' \
    "$name" "$version" "$arch" "$version" "$arch" >"$d/rootfs/bin/net-monitor"
  chmod 0755 "$d/rootfs/bin" "$d/rootfs/bin/net-monitor"
  tar --sort=name --mtime="$TAR_MTIME" --owner=0 --group=0 --numeric-owner --format=gnu \
    -cf "$d/layer.tar" -C "$d/rootfs" bin
  gzip -n -9 -c "$d/layer.tar" >"$d/layer.tar.gz"
  jq -cnj --arg arch "$arch" --arg created "$CREATED" --arg diff "sha256:$(sha "$d/layer.tar")" --arg by "assets/build-demo.sh" '{
      created: $created, architecture: $arch, os: "linux",
      config: {Entrypoint: ["/bin/net-monitor"], Env: ["PATH=/bin"]},
      rootfs: {type: "layers", diff_ids: [$diff]},
      history: [{created: $created, created_by: $by}]
    }' >"$d/config.json"
  oras blob push "$L" "$d/config.json"
  oras blob push "$L" "$d/layer.tar.gz"
  jq -cnj --arg created "$CREATED" --arg title "$name" --arg version "$version" \
    --arg cfg "sha256:$(sha "$d/config.json")" --argjson cfgsize "$(size "$d/config.json")" \
    --arg layer "sha256:$(sha "$d/layer.tar.gz")" --argjson layersize "$(size "$d/layer.tar.gz")" '{
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $cfg, size: $cfgsize},
      layers: [{mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: $layer, size: $layersize}],
      annotations: {
        "org.opencontainers.image.created": $created,
        "org.opencontainers.image.title": $title,
        "org.opencontainers.image.version": $version,
        "org.opencontainers.image.description": "arbor demo image"
      }
    }' >"$d/manifest.json"
  oras manifest push "$L$ref" "$d/manifest.json"
  echo "sha256:$(sha "$d/manifest.json")"
}

# attach SUBJECT_DIGEST ARTIFACT_TYPE FILE:MEDIATYPE...: attaches a referrer; prints its digest.
# The subject is given by digest: by tag, oras copies the index.json descriptor (with its
# org.opencontainers.image.ref.name annotation) into the referrer's subject.
attach() {
  local subject=$1 type=$2 out
  shift 2
  out=$WORK/attach-$RANDOM$RANDOM.json
  (cd "$WORK/files" && "$ORAS" attach --oci-layout --no-tty "$L@$subject" --artifact-type "$type" \
    --annotation "org.opencontainers.image.created=$CREATED" --export-manifest "$out" "$@" >/dev/null)
  echo "sha256:$(sha "$out")"
}

# --- files of the attached artifacts (as in the ORAS walkthrough) ---
cd "$WORK/files"
printf '{"version": "0.0.0.0", "artifact": "net-monitor:v1", "signature": "signed"}\n' >signature.json
printf '{"version": "0.0.0.0", "artifact": "net-monitor:v1", "contents": "good"}\n' >sbom.json
printf '# net-monitor\n\nWatches the network. An arbor demo image.\n' >readme.md
printf '# Details\n\nThe net-monitor image is built by assets/build-demo.sh.\n' >details.md
printf '{"version": "0.0.0.0", "artifact": "net-monitor:v1 sbom", "signature": "signed"}\n' >sbom-signature.json
printf '{"version": "0.0.0.0", "artifact": "net-monitor:v2", "signature": "signed"}\n' >index-signature.json
cd "$WORK"

# --- v1 and its referrers ---
V1=$(image net-monitor amd64 v1 :v1)
attach "$V1" signature/example signature.json:application/json >/dev/null
attach "$V1" readme/example readme.md:text/markdown details.md:text/markdown >/dev/null
SBOM=$(attach "$V1" sbom/example sbom.json:application/json)
attach "$SBOM" signature/example sbom-signature.json:application/json >/dev/null

# --- v2: a multi-arch index, signed ---
AMD64=$(image net-monitor-amd64 amd64 v2 "")
ARM64=$(image net-monitor-arm64 arm64 v2 "")
oras manifest index create --annotation "org.opencontainers.image.created=$CREATED" "$L:v2" "$AMD64" "$ARM64"
V2=$(jq -r '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == "v2") | .digest' "$L/index.json")
attach "$V2" signature/example index-signature.json:application/json >/dev/null

# --- an untagged image ---
UNTAGGED=$(image net-monitor-dev amd64 dev "")

# --- finish: drop oras' scratch dir, order index.json, check, replace OUT ---
rm -rf "$L/ingest"
# oras writes index.json entries in Go map order (differs run to run): tagged entries first,
# then every untagged manifest it pushed (referrers and index children included). Keep its
# entries as they are, in a stable order: tagged by tag, then untagged by digest.
jq -cj '.manifests |= (
    map(select(.annotations["org.opencontainers.image.ref.name"] != null)) as $tagged
    | map(select(.annotations["org.opencontainers.image.ref.name"] == null)) as $untagged
    | ($tagged | sort_by(.annotations["org.opencontainers.image.ref.name"])) + ($untagged | sort_by(.digest))
  )' "$L/index.json" >"$WORK/index.json"
mv "$WORK/index.json" "$L/index.json"
for d in "$V1" "$SBOM" "$V2" "$UNTAGGED"; do
  [ -f "$L/blobs/sha256/${d#sha256:}" ] || { echo "build-demo: $d missing from the layout" >&2; exit 1; }
done
mkdir -p "$(dirname "$OUT")"
rm -rf "$OUT.new" "$OUT.old"
cp -R "$L" "$OUT.new"
[ ! -e "$OUT" ] || mv "$OUT" "$OUT.old"
mv "$OUT.new" "$OUT"
rm -rf "$OUT.old"
echo "demo layout: $OUT ($(cat "$OUT/oci-layout" "$OUT/index.json" "$OUT"/blobs/sha256/* | wc -c | tr -d ' ') bytes, $(find "$OUT/blobs" -type f | wc -l) blobs)"
echo "  v1       $V1"
echo "  sbom     $SBOM"
echo "  v2       $V2"
echo "  untagged $UNTAGGED"
