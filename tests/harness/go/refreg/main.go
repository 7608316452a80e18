// refreg: an OCI registry with the referrers API, for arbor's integration tests.
//
// It serves go-containerregistry's pkg/registry (manifests in memory, blobs on disk) with
// registry.WithReferrersSupport(true).
//
//	refreg -addr 127.0.0.1:0 -blobs DIR -mode raw|spec [-page-size N] [-addr-file F] [-quiet]
//
// -mode raw serves upstream as shipped. Its referrers endpoint ignores ?artifactType=, reports the
// config mediaType as artifactType, drops annotations, lists in map (random) order and answers
// 404 NAME_UNKNOWN for an unknown repository.
//
// -mode spec puts a layer in front that makes the registry behave per OCI distribution-spec 1.1:
//   - GET /v2/<name>/referrers/<digest>, answered from an index kept on manifest PUT/DELETE
//     (as real registries keep one): artifactType = manifest.artifactType, else config.mediaType;
//     annotations copied from the manifest; ?artifactType= applied (and OCI-Filters-Applied:
//     artifactType set); an empty index (200) for an unknown repository or digest; stable order
//     (by digest). With -page-size N > 0 (or a smaller ?n=), at most N descriptors are returned
//     per page, and when more remain a header
//     Link: </v2/<name>/referrers/<digest>?[artifactType=..&]n=N&last=<digest>>; rel="next"
//     points at the next page. The cursor `last` is the digest of the last descriptor returned;
//     the next page holds the descriptors whose digest sorts after it.
//   - PUT /v2/<name>/manifests/<ref> of a manifest with a subject answers with OCI-Subject: <digest>.
//   - GET /v2/_catalog honours n and last (sorted names) and sets the Link header when more remain.
package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/registry"
)

const indexMediaType = "application/vnd.oci.image.index.v1+json"

type descriptor struct {
	MediaType    string            `json:"mediaType"`
	Digest       string            `json:"digest"`
	Size         int64             `json:"size"`
	ArtifactType string            `json:"artifactType,omitempty"`
	Annotations  map[string]string `json:"annotations,omitempty"`
}

type index struct {
	SchemaVersion int          `json:"schemaVersion"`
	MediaType     string       `json:"mediaType"`
	Manifests     []descriptor `json:"manifests"`
}

// the fields of an image manifest (or index) that matter for referrers
type manifestFields struct {
	ArtifactType string            `json:"artifactType"`
	Config       *descriptor       `json:"config"`
	Subject      *descriptor       `json:"subject"`
	Annotations  map[string]string `json:"annotations"`
}

type spec struct {
	inner    http.Handler
	pageSize int
	// referrers index, kept on manifest PUT/DELETE as real registries keep one:
	// repo -> subject digest -> referrer digest -> descriptor. Without it every referrers
	// request scans every manifest of the repository (upstream's way), which makes the
	// registry, not the client, the thing a benchmark measures.
	mu  sync.Mutex
	idx map[string]map[string]map[string]descriptor
}

func (s *spec) record(repo string, d descriptor, subject string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.idx == nil {
		s.idx = map[string]map[string]map[string]descriptor{}
	}
	if s.idx[repo] == nil {
		s.idx[repo] = map[string]map[string]descriptor{}
	}
	if s.idx[repo][subject] == nil {
		s.idx[repo][subject] = map[string]descriptor{}
	}
	s.idx[repo][subject][d.Digest] = d
}

func (s *spec) forget(repo, digest string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, refs := range s.idx[repo] {
		delete(refs, digest)
	}
}

func (s *spec) lookup(repo, subject string) []descriptor {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []descriptor{}
	for _, d := range s.idx[repo][subject] {
		out = append(out, d)
	}
	return out
}

// splitRepo parses /v2/<name>/<kind>/<ref> (name may contain '/').
func splitRepo(path, kind string) (repo, ref string, ok bool) {
	if !strings.HasPrefix(path, "/v2/") {
		return "", "", false
	}
	rest := strings.TrimPrefix(path, "/v2/")
	i := strings.LastIndex(rest, "/"+kind+"/")
	if i <= 0 {
		return "", "", false
	}
	ref = rest[i+len(kind)+2:]
	if ref == "" || strings.Contains(ref, "/") {
		return "", "", false
	}
	return rest[:i], ref, true
}

func (s *spec) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet && (r.URL.Path == "/v2/_catalog" || r.URL.Path == "/v2/_catalog/") {
		s.catalog(w, r)
		return
	}
	if repo, ref, ok := splitRepo(r.URL.Path, "referrers"); ok && r.Method == http.MethodGet {
		s.referrers(w, r, repo, ref)
		return
	}
	if repo, ref, ok := splitRepo(r.URL.Path, "manifests"); ok && r.Method == http.MethodDelete {
		sw := &subjectWriter{ResponseWriter: w}
		sw.ok = func() { s.forget(repo, ref) }
		s.inner.ServeHTTP(sw, r)
		return
	}
	if repo, _, ok := splitRepo(r.URL.Path, "manifests"); ok && r.Method == http.MethodPut {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		var m manifestFields
		if json.Unmarshal(body, &m) == nil && m.Subject != nil && m.Subject.Digest != "" {
			sum := sha256.Sum256(body)
			d := descriptor{MediaType: r.Header.Get("Content-Type"), Digest: "sha256:" + hex.EncodeToString(sum[:]), Size: int64(len(body)), ArtifactType: m.ArtifactType, Annotations: m.Annotations}
			if d.ArtifactType == "" && m.Config != nil {
				d.ArtifactType = m.Config.MediaType
			}
			subject := m.Subject.Digest
			// set before the inner handler writes its status; dropped again if it fails
			sw := &subjectWriter{ResponseWriter: w, subject: subject}
			sw.ok = func() { s.record(repo, d, subject) }
			w = sw
		}
	}
	s.inner.ServeHTTP(w, r)
}

type subjectWriter struct {
	http.ResponseWriter
	subject string
	ok      func()
}

func (sw *subjectWriter) WriteHeader(code int) {
	if code >= 200 && code < 300 {
		if sw.subject != "" {
			sw.Header().Set("OCI-Subject", sw.subject)
		}
		if sw.ok != nil {
			sw.ok()
		}
	}
	sw.ResponseWriter.WriteHeader(code)
}

func (s *spec) get(path string) (*httptest.ResponseRecorder, error) {
	rec := httptest.NewRecorder()
	req, err := http.NewRequest(http.MethodGet, path, nil)
	if err != nil {
		return nil, err
	}
	s.inner.ServeHTTP(rec, req)
	return rec, nil
}

func (s *spec) limit(q url.Values) int {
	n := s.pageSize
	if v, err := strconv.Atoi(q.Get("n")); err == nil && v > 0 && (n == 0 || v < n) {
		n = v
	}
	return n
}

func (s *spec) referrers(w http.ResponseWriter, r *http.Request, repo, subject string) {
	if !strings.HasPrefix(subject, "sha256:") && !strings.HasPrefix(subject, "sha512:") {
		writeErr(w, http.StatusBadRequest, "DIGEST_INVALID", "provided digest did not match uploaded content")
		return
	}
	out := []descriptor{}
	q := r.URL.Query()
	want := q.Get("artifactType")
	for _, d := range s.lookup(repo, subject) {
		if want == "" || d.ArtifactType == want {
			out = append(out, d)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Digest < out[j].Digest })
	if last := q.Get("last"); last != "" {
		i := sort.Search(len(out), func(i int) bool { return out[i].Digest > last })
		out = out[i:]
	}
	if n := s.limit(q); n > 0 && len(out) > n {
		out = out[:n]
		next := url.Values{}
		if want != "" {
			next.Set("artifactType", want)
		}
		next.Set("n", strconv.Itoa(n))
		next.Set("last", out[n-1].Digest)
		w.Header().Set("Link", fmt.Sprintf(`</v2/%s/referrers/%s?%s>; rel="next"`, repo, subject, next.Encode()))
	}
	if want != "" {
		w.Header().Set("OCI-Filters-Applied", "artifactType")
	}
	writeJSON(w, indexMediaType, index{SchemaVersion: 2, MediaType: indexMediaType, Manifests: out})
}

func (s *spec) catalog(w http.ResponseWriter, r *http.Request) {
	rec, err := s.get("/v2/_catalog?n=100000000")
	if err != nil || rec.Code != http.StatusOK {
		writeErr(w, http.StatusInternalServerError, "UNKNOWN", "upstream catalog failed")
		return
	}
	var c struct {
		Repositories []string `json:"repositories"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &c); err != nil {
		writeErr(w, http.StatusInternalServerError, "UNKNOWN", err.Error())
		return
	}
	repos := c.Repositories
	sort.Strings(repos)
	q := r.URL.Query()
	if last := q.Get("last"); last != "" {
		i := sort.SearchStrings(repos, last)
		for i < len(repos) && repos[i] <= last {
			i++
		}
		repos = repos[i:]
	}
	if ns := q.Get("n"); ns != "" {
		n, err := strconv.Atoi(ns)
		if err != nil || n < 0 {
			writeErr(w, http.StatusBadRequest, "PAGINATION_NUMBER_INVALID", "invalid number of results requested")
			return
		}
		if n > 0 && len(repos) > n {
			repos = repos[:n]
			next := url.Values{}
			next.Set("n", strconv.Itoa(n))
			next.Set("last", repos[n-1])
			w.Header().Set("Link", fmt.Sprintf(`</v2/_catalog?%s>; rel="next"`, next.Encode()))
		} else if n == 0 {
			repos = repos[:0]
		}
	}
	if repos == nil {
		repos = []string{}
	}
	writeJSON(w, "application/json", map[string][]string{"repositories": repos})
}

func writeJSON(w http.ResponseWriter, ct string, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	w.Write(b)
}

func writeErr(w http.ResponseWriter, status int, code, msg string) {
	b, _ := json.Marshal(map[string]any{"errors": []map[string]string{{"code": code, "message": msg}}})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(b)
}

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address (port 0 = any free port)")
	addrFile := flag.String("addr-file", "", "write the bound host:port to this file once listening")
	blobs := flag.String("blobs", "", "keep blobs in this directory (default: in memory); manifests always live in memory")
	mode := flag.String("mode", "spec", "raw (upstream as shipped) or spec (OCI 1.1 complete referrers + catalog)")
	pageSize := flag.Int("page-size", 0, "spec mode: referrers page size (0 = no pagination)")
	quiet := flag.Bool("quiet", false, "no request log")
	flag.Parse()

	opts := []registry.Option{registry.WithReferrersSupport(true)}
	if *blobs != "" {
		if err := os.MkdirAll(*blobs, 0o755); err != nil {
			log.Fatal(err)
		}
		opts = append(opts, registry.WithBlobHandler(registry.NewDiskBlobHandler(*blobs)))
	}
	if *quiet {
		opts = append(opts, registry.Logger(log.New(io.Discard, "", 0)))
	}
	var h http.Handler = registry.New(opts...)
	switch *mode {
	case "raw":
	case "spec":
		h = &spec{inner: h, pageSize: *pageSize}
	default:
		log.Fatalf("-mode must be raw or spec, not %q", *mode)
	}
	l, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	log.Printf("refreg (%s mode, page size %d) at http://%s", *mode, *pageSize, l.Addr())
	if *addrFile != "" {
		if err := os.WriteFile(*addrFile, []byte(l.Addr().String()+"\n"), 0o644); err != nil {
			log.Fatal(err)
		}
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 30 * time.Second}
	log.Fatal(srv.Serve(l))
}
