#!/usr/bin/env python3
"""Seed benchmark graphs into a real registry over plain HTTP (stdlib only).

  seed.py REGISTRY REPO wide N     subject `wide` + N referrers (artifactType signature/example)
  seed.py REGISTRY REPO chain N    subject `chain` + a chain of N referrers, each attached to the previous
  add --fallback to also write the sha256-<hex> tag-schema indexes (what oras does on a registry
  without the referrers API). Prints the subject digest.
"""
import hashlib, json, sys, urllib.request

EMPTY = b"{}"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"


def req(method, url, body=None, ctype=None):
    r = urllib.request.Request(url, data=body, method=method)
    if ctype:
        r.add_header("Content-Type", ctype)
    with urllib.request.urlopen(r) as resp:
        return resp.status, dict(resp.headers), resp.read()


def digest(b):
    return "sha256:" + hashlib.sha256(b).hexdigest()


def put_blob(reg, repo, data):
    d = digest(data)
    _, h, _ = req("POST", f"http://{reg}/v2/{repo}/blobs/uploads/")
    loc = h["Location"]
    if loc.startswith("/"):
        loc = f"http://{reg}{loc}"
    sep = "&" if "?" in loc else "?"
    req("PUT", f"{loc}{sep}digest={d}", data, "application/octet-stream")
    return {"mediaType": "application/vnd.oci.empty.v1+json", "digest": d, "size": len(data)}


def put_manifest(reg, repo, ref, m, ctype=OCI_MANIFEST):
    body = json.dumps(m, separators=(",", ":")).encode()
    req("PUT", f"http://{reg}/v2/{repo}/manifests/{ref}", body, ctype)
    return {"mediaType": ctype, "digest": digest(body), "size": len(body)}


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    fallback = "--fallback" in sys.argv
    reg, repo, shape, n = args[0], args[1], args[2], int(args[3])
    empty = put_blob(reg, repo, EMPTY)
    layer = put_blob(reg, repo, f"{shape} layer\n".encode())
    layer["mediaType"] = "application/vnd.oci.image.layer.v1.tar"
    subject = put_manifest(reg, repo, shape, {"schemaVersion": 2, "mediaType": OCI_MANIFEST,
                                               "artifactType": "application/vnd.arbor.bench",
                                               "config": empty, "layers": [layer]})
    referrers = {}  # subject digest -> [descriptors]
    parent = subject
    for i in range(n):
        ann = {"org.opencontainers.image.created": "2024-01-01T00:00:00Z", "bench.index": str(i)}
        m = {"schemaVersion": 2, "mediaType": OCI_MANIFEST, "artifactType": "signature/example",
             "config": empty, "layers": [empty],
             "subject": {"mediaType": parent["mediaType"], "digest": parent["digest"], "size": parent["size"]},
             "annotations": ann}
        body = json.dumps(m, separators=(",", ":")).encode()
        d = put_manifest(reg, repo, digest(body), m)
        referrers.setdefault(parent["digest"], []).append({**d, "artifactType": "signature/example", "annotations": ann})
        if shape == "chain":
            parent = d
    if fallback:
        for subj, descs in referrers.items():
            idx = {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": descs}
            put_manifest(reg, repo, subj.replace(":", "-"), idx, OCI_INDEX)
    print(subject["digest"])


if __name__ == "__main__":
    main()
