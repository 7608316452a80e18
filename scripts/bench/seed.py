#!/usr/bin/env python3
"""Seed benchmark graphs into a real registry over plain HTTP (stdlib only).

  seed.py REGISTRY REPO wide N     subject `wide` + N referrers (artifactType signature/example)
  seed.py REGISTRY REPO chain N    subject `chain` + a chain of N referrers, each attached to the previous
  seed.py REGISTRY REPO repo TAGS UNTAGGED
                                   TAGS images tagged t-00000… each with a signature referrer, and
                                   UNTAGGED images pushed by digest (as re-pushed tags leave them)
  add --fallback to also write the sha256-<hex> tag-schema indexes (what oras does on a registry
  without the referrers API). Prints the subject digest (repo: the number of manifests).

One process, 16 threads, each with its own keep-alive connection (a new TCP connection and a
Python process per request made seeding the issue's sizes take minutes). Blobs that carry no
meaning for the benchmarks are shared: one layer per repository and the empty config/layer of
every signature; each image keeps its own config (its build time and platform), since the tools
measured read configs per image.
"""
import hashlib, http.client, json, sys, threading, urllib.parse
from concurrent.futures import ThreadPoolExecutor

EMPTY = b"{}"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
THREADS = 16
_local = threading.local()


def req(method, url, body=None, ctype=None):
    """One request on this thread's keep-alive connection to the URL's host (reopened once if
    the server closed it); a status >= 400 is fatal."""
    u = urllib.parse.urlsplit(url)
    path = u.path + (f"?{u.query}" if u.query else "")
    headers = {"Content-Type": ctype} if ctype else {}
    for attempt in (0, 1):
        conns = getattr(_local, "conns", None)
        if conns is None:
            conns = _local.conns = {}
        c = conns.get(u.netloc)
        if c is None:
            c = conns[u.netloc] = http.client.HTTPConnection(u.netloc, timeout=60)
        try:
            c.request(method, path, body=body, headers=headers)
            resp = c.getresponse()
            data = resp.read()
        except (ConnectionError, http.client.HTTPException):
            c.close()
            del conns[u.netloc]
            if attempt:
                raise
            continue
        if resp.status >= 400:
            sys.exit(f"{method} {url}: {resp.status} {data[:200]!r}")
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data


def digest(b):
    return "sha256:" + hashlib.sha256(b).hexdigest()


def put_blob(reg, repo, data):
    d = digest(data)
    _, h, _ = req("POST", f"http://{reg}/v2/{repo}/blobs/uploads/")
    loc = h["location"]
    if loc.startswith("/"):
        loc = f"http://{reg}{loc}"
    sep = "&" if "?" in loc else "?"
    req("PUT", f"{loc}{sep}digest={d}", data, "application/octet-stream")
    return {"mediaType": "application/vnd.oci.empty.v1+json", "digest": d, "size": len(data)}


def put_manifest(reg, repo, ref, m, ctype=OCI_MANIFEST):
    body = json.dumps(m, separators=(",", ":")).encode()
    req("PUT", f"http://{reg}/v2/{repo}/manifests/{ref}", body, ctype)
    return {"mediaType": ctype, "digest": digest(body), "size": len(body)}


def image(reg, repo, i, layer, tag=None):
    """An image with its own config (platform, build time) and the shared layer."""
    cfg = json.dumps({"architecture": "amd64", "os": "linux",
                      "created": f"2024-01-01T00:{i // 60 % 60:02d}:{i % 60:02d}Z",
                      "rootfs": {"type": "layers", "diff_ids": [layer["digest"]]},
                      "config": {"Env": [f"BUILD={i}"]}}).encode()
    c = put_blob(reg, repo, cfg)
    c["mediaType"] = "application/vnd.oci.image.config.v1+json"
    m = {"schemaVersion": 2, "mediaType": OCI_MANIFEST, "config": c, "layers": [layer]}
    body = json.dumps(m, separators=(",", ":")).encode()
    return put_manifest(reg, repo, tag or digest(body), m)


def seed_repo(reg, repo, tags, untagged, fallback):
    empty = put_blob(reg, repo, EMPTY)
    layer = put_blob(reg, repo, b"app layer\n")
    layer["mediaType"] = "application/vnd.oci.image.layer.v1.tar"

    def tagged(i):
        d = image(reg, repo, i, layer, f"t-{i:05d}")
        sig = {"schemaVersion": 2, "mediaType": OCI_MANIFEST, "artifactType": "application/vnd.example.signature",
               "config": empty, "layers": [empty],
               "subject": {"mediaType": d["mediaType"], "digest": d["digest"], "size": d["size"]}}
        body = json.dumps(sig, separators=(",", ":")).encode()
        s = put_manifest(reg, repo, digest(body), sig)
        if fallback:
            idx = {"schemaVersion": 2, "mediaType": OCI_INDEX,
                   "manifests": [{**s, "artifactType": "application/vnd.example.signature"}]}
            put_manifest(reg, repo, d["digest"].replace(":", "-"), idx, OCI_INDEX)

    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(tagged, range(tags)))
        list(pool.map(lambda i: image(reg, repo, tags + i, layer), range(untagged)))
    print(tags * (3 if fallback else 2) + untagged)


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    fallback = "--fallback" in sys.argv
    if args[2] == "repo":
        seed_repo(args[0], args[1], int(args[3]), int(args[4]), fallback)
        return
    reg, repo, shape, n = args[0], args[1], args[2], int(args[3])
    empty = put_blob(reg, repo, EMPTY)
    layer = put_blob(reg, repo, f"{shape} layer\n".encode())
    layer["mediaType"] = "application/vnd.oci.image.layer.v1.tar"
    subject = put_manifest(reg, repo, shape, {"schemaVersion": 2, "mediaType": OCI_MANIFEST,
                                               "artifactType": "application/vnd.arbor.bench",
                                               "config": empty, "layers": [layer]})
    referrers = {}  # subject digest -> [descriptors]
    parent = subject

    def referrer(i, parent):
        ann = {"org.opencontainers.image.created": "2024-01-01T00:00:00Z", "bench.index": str(i)}
        m = {"schemaVersion": 2, "mediaType": OCI_MANIFEST, "artifactType": "signature/example",
             "config": empty, "layers": [empty],
             "subject": {"mediaType": parent["mediaType"], "digest": parent["digest"], "size": parent["size"]},
             "annotations": ann}
        body = json.dumps(m, separators=(",", ":")).encode()
        d = put_manifest(reg, repo, digest(body), m)
        return parent["digest"], {**d, "artifactType": "signature/example", "annotations": ann}

    if shape == "chain":  # each one names the one before: one after the other
        for i in range(n):
            subj, d = referrer(i, parent)
            referrers.setdefault(subj, []).append(d)
            parent = d
    else:
        with ThreadPoolExecutor(THREADS) as pool:
            for subj, d in pool.map(lambda i: referrer(i, subject), range(n)):
                referrers.setdefault(subj, []).append(d)
    if fallback:
        for subj, descs in referrers.items():
            idx = {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": descs}
            put_manifest(reg, repo, subj.replace(":", "-"), idx, OCI_INDEX)
    print(subject["digest"])


if __name__ == "__main__":
    main()
