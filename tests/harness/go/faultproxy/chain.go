// chain_depth: the repository is a generated referrer chain, nothing stored. Tag `chain` is an
// image; referrer k (1..depth) has referrer k-1 as its subject. Every manifest's digest is
// the sha256 of the bytes served, so a client verifies them as it would any registry's.
package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

const (
	ociManifest = "application/vnd.oci.image.manifest.v1+json"
	ociIndex    = "application/vnd.oci.image.index.v1+json"
	ociEmpty    = "application/vnd.oci.empty.v1+json"
	emptyDigest = "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
	chainType   = "application/vnd.arbor.chain.link"
)

type desc struct {
	MediaType    string            `json:"mediaType"`
	Digest       string            `json:"digest"`
	Size         int               `json:"size"`
	ArtifactType string            `json:"artifactType,omitempty"`
	Annotations  map[string]string `json:"annotations,omitempty"`
}

type chain struct {
	root      desc
	manifests map[string][]byte // digest → bytes
	referrer  map[string]desc   // subject digest → its one referrer
}

var (
	chainsMu sync.Mutex
	chains   = map[int]*chain{}
)

func digestOf(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

var emptyDesc = desc{MediaType: ociEmpty, Digest: emptyDigest, Size: 2}

// chainOf builds (once per depth) the chain's manifests.
func chainOf(depth int) *chain {
	chainsMu.Lock()
	defer chainsMu.Unlock()
	if c := chains[depth]; c != nil {
		return c
	}
	c := &chain{manifests: map[string][]byte{}, referrer: map[string]desc{}}
	root, _ := json.Marshal(map[string]any{"schemaVersion": 2, "mediaType": ociManifest,
		"config": desc{MediaType: "application/vnd.oci.image.config.v1+json", Digest: emptyDigest, Size: 2},
		"layers": []desc{}})
	c.root = desc{MediaType: ociManifest, Digest: digestOf(root), Size: len(root)}
	c.manifests[c.root.Digest] = root
	subject := c.root
	for k := 1; k <= depth; k++ {
		ann := map[string]string{"org.opencontainers.image.created": "2024-01-01T00:00:00Z",
			"vnd.arbor.chain.depth": strconv.Itoa(k)}
		b, _ := json.Marshal(map[string]any{"schemaVersion": 2, "mediaType": ociManifest,
			"artifactType": chainType, "config": emptyDesc, "layers": []desc{emptyDesc},
			"subject": subject, "annotations": ann})
		d := desc{MediaType: ociManifest, Digest: digestOf(b), Size: len(b), ArtifactType: chainType, Annotations: ann}
		c.manifests[d.Digest] = b
		c.referrer[subject.Digest] = d
		subject = desc{MediaType: ociManifest, Digest: d.Digest, Size: d.Size}
	}
	chains[depth] = c
	return c
}

// fallbackIndex is the sha256-<hex> tag's index for a subject (nil when it has no referrer).
func (c *chain) fallbackIndex(subject string) []byte {
	d, ok := c.referrer[subject]
	if !ok {
		return nil
	}
	b, _ := json.Marshal(map[string]any{"schemaVersion": 2, "mediaType": ociIndex, "manifests": []desc{d}})
	return b
}

func serveBytes(w http.ResponseWriter, r *http.Request, ctype string, b []byte) {
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Docker-Content-Digest", digestOf(b))
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.Header().Set("Docker-Distribution-Api-Version", "registry/2.0")
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(b)
	}
}

func serveChain(w http.ResponseWriter, r *http.Request, repo, kind string, ru *rule) {
	c := chainOf(ru.ChainDepth)
	last := r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
	notFound := func(code string) { writeErr(w, http.StatusNotFound, code, "not in the generated chain") }
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		writeErr(w, http.StatusMethodNotAllowed, "UNSUPPORTED", "the generated chain is read-only")
		return
	}
	switch kind {
	case "manifests":
		switch {
		case last == "chain":
			serveBytes(w, r, ociManifest, c.manifests[c.root.Digest])
		case strings.HasPrefix(last, "sha256-") && ru.ChainTags:
			if b := c.fallbackIndex("sha256:" + strings.TrimPrefix(last, "sha256-")); b != nil {
				serveBytes(w, r, ociIndex, b)
			} else {
				notFound("MANIFEST_UNKNOWN")
			}
		default:
			if b, ok := c.manifests[last]; ok {
				serveBytes(w, r, ociManifest, b)
			} else {
				notFound("MANIFEST_UNKNOWN")
			}
		}
	case "blobs":
		if last == emptyDigest {
			serveBytes(w, r, "application/octet-stream", []byte("{}"))
		} else {
			notFound("BLOB_UNKNOWN")
		}
	case "tags":
		tags := []string{"chain"}
		if ru.ChainTags {
			for s := range c.referrer {
				tags = append(tags, "sha256-"+strings.TrimPrefix(s, "sha256:"))
			}
		}
		b, _ := json.Marshal(map[string]any{"name": repo, "tags": tags})
		writeJSON(w, http.StatusOK, "application/json", b)
	case "referrers":
		if ru.ChainTags {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprintln(w, "404 page not found")
			return
		}
		ms := []desc{}
		if d, ok := c.referrer[last]; ok {
			ms = append(ms, d)
		}
		b, _ := json.Marshal(map[string]any{"schemaVersion": 2, "mediaType": ociIndex, "manifests": ms})
		writeJSON(w, http.StatusOK, ociIndex, b)
	default:
		notFound("NAME_UNKNOWN")
	}
}
