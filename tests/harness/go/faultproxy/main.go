// faultproxy: a reverse proxy in front of a real registry that misbehaves on demand, per repository,
// for arbor's hostile-registry tests.
//
//	faultproxy -addr 127.0.0.1:0 -upstream http://127.0.0.1:5000 [-addr-file F] [-quiet]
//
// Control endpoints (not forwarded). <repo> is a repository name (may contain '/'), or "_catalog"
// for GET /v2/_catalog:
//
//	PUT    /__fault/<repo>   JSON rule (below); replaces the repo's rule and resets its counters
//	GET    /__fault/<repo>   the current rule
//	DELETE /__fault/<repo>   clears the rule (counters are kept until the next PUT)
//	GET    /__stats/<repo>   {"requests": n, "by_method": {"GET": n, ...}, "by_route": {"GET blobs": n, ...},
//	                         "max_in_flight": n} seen for the repo since its rule was last PUT (or since start);
//	                         max_in_flight: the most of its requests being served at once
//	DELETE /__stats/<repo>   resets the counters
//
// Rule fields (all optional):
//
//	ignore_n           strip n from tags/list (and from the catalog, for repo "_catalog"): the registry picks the page size
//	corrupt_manifest   change one byte of manifest GET bodies; headers (Docker-Content-Digest,
//	                   Content-Length) kept. The byte is a hex digit right after the first "sha256:"
//	                   (so the JSON stays valid and only digest verification can notice), else the
//	                   middle byte is XORed with 1.
//	corrupt_blob       the middle byte of blob GET bodies is XORed with 1, headers kept
//	refuse_delete      DELETE of manifests/blobs answers 405 UNSUPPORTED (delete-disabled distribution)
//	fail_delete_after  N: the first N manifest DELETEs are forwarded, the later ones answer 500
//	delay_ms           sleep this long before forwarding each request of the repo
//	no_referrers_api   GET /v2/<repo>/referrers/* answers 404 like a registry without the API
//	chunk_min_length   N: upload sessions (POST …/blobs/uploads/) answer with OCI-Chunk-Min-Length: N
//	refuse_monolithic  a PUT that completes an upload with a non-empty body answers 413 (a proxy
//	                   body limit): only chunked uploads (PATCH, then an empty PUT) get through
//
// Hostile-registry scenarios (hostile.go, chain.go, seed.go, collector.go) are rule fields too;
// tests/harness/README.md lists them. GET /__stats/<repo> then also has a request log, and
// GET /__collected/<repo> what the second ("collector") listener saw.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

type rule struct {
	IgnoreN         bool `json:"ignore_n,omitempty"`
	CorruptManifest bool `json:"corrupt_manifest,omitempty"`
	CorruptBlob     bool `json:"corrupt_blob,omitempty"`
	RefuseDelete    bool `json:"refuse_delete,omitempty"`
	FailDeleteAfter *int `json:"fail_delete_after,omitempty"`
	DelayMS         int  `json:"delay_ms,omitempty"`
	NoReferrersAPI  bool `json:"no_referrers_api,omitempty"`
	ChunkMinLength  int  `json:"chunk_min_length,omitempty"`
	RefuseMonolith  bool `json:"refuse_monolithic,omitempty"`
	hostileRule
}

type stats struct {
	Requests int            `json:"requests"`
	ByMethod map[string]int `json:"by_method"`
	// "GET blobs", "POST uploads", "PUT manifests"...: method and kind of resource
	ByRoute map[string]int `json:"by_route"`
	// the most requests of the repo in the proxy at once (a client's concurrency, as the registry sees it)
	MaxInFlight int `json:"max_in_flight"`
	hostileStats
}

type state struct {
	rule            *rule
	stats           stats
	manifestDeletes int
	inFlight        int
	since           time.Time
	collected       []collected
}

type proxy struct {
	mu        sync.Mutex
	repos     map[string]*state
	rp        *httputil.ReverseProxy
	quiet     bool
	upstream  *url.URL
	self      string // host:port of the main listener
	collector string // host:port of the collector listener
}

var (
	reUpload = regexp.MustCompile(`^/v2/(.+)/blobs/uploads(/[^/]*)?$`)
	reRes    = regexp.MustCompile(`^/v2/(.+)/(manifests|blobs|tags|referrers)/([^/]+)$`)
	// ACR's metadata API (in front of the ACR stand-in): counted with the repository.
	reACR = regexp.MustCompile(`^/acr/v1/(.+)/_(manifests|tags)(/[^/]*)?$`)
)

// classify returns the repository and the kind of resource of a registry API path.
func classify(path string) (repo, kind string) {
	if path == "/v2/_catalog" {
		return "_catalog", "catalog"
	}
	if m := reUpload.FindStringSubmatch(path); m != nil {
		return m[1], "uploads"
	}
	if m := reRes.FindStringSubmatch(path); m != nil {
		return m[1], m[2]
	}
	if m := reACR.FindStringSubmatch(path); m != nil {
		return m[1], "acr-" + m[2]
	}
	return "", ""
}

func (p *proxy) st(repo string) *state {
	s := p.repos[repo]
	if s == nil {
		s = &state{stats: newStats(), since: time.Now()}
		p.repos[repo] = s
	}
	return s
}

func newStats() stats {
	return stats{ByMethod: map[string]int{}, ByRoute: map[string]int{}}
}

func writeErr(w http.ResponseWriter, status int, code, msg string) {
	b, _ := json.Marshal(map[string]any{"errors": []map[string]string{{"code": code, "message": msg}}})
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Docker-Distribution-Api-Version", "registry/2.0")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	w.Write(b)
}

func (p *proxy) control(w http.ResponseWriter, r *http.Request) {
	var repo, what string
	switch {
	case strings.HasPrefix(r.URL.Path, "/__fault/"):
		what, repo = "fault", strings.TrimPrefix(r.URL.Path, "/__fault/")
	case strings.HasPrefix(r.URL.Path, "/__collected/"):
		what, repo = "collected", strings.TrimPrefix(r.URL.Path, "/__collected/")
	default:
		what, repo = "stats", strings.TrimPrefix(r.URL.Path, "/__stats/")
	}
	repo = strings.Trim(repo, "/")
	if repo == "" {
		http.Error(w, "repository name missing", http.StatusBadRequest)
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.st(repo)
	reply := func(v any) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(v)
	}
	switch what + " " + r.Method {
	case "fault PUT", "fault POST":
		var ru rule
		dec := json.NewDecoder(io.LimitReader(r.Body, 1<<20))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&ru); err != nil && err != io.EOF {
			http.Error(w, "bad rule: "+err.Error(), http.StatusBadRequest)
			return
		}
		if err := ru.hostileRule.check(); err != nil {
			http.Error(w, "bad rule: "+err.Error(), http.StatusBadRequest)
			return
		}
		s.rule, s.stats, s.manifestDeletes = &ru, newStats(), 0
		s.since, s.collected = time.Now(), nil
		if !p.quiet {
			log.Printf("rule for %q: %+v", repo, ru)
		}
		reply(ru)
	case "fault GET":
		if s.rule == nil {
			reply(rule{})
		} else {
			reply(s.rule)
		}
	case "fault DELETE":
		s.rule, s.manifestDeletes = nil, 0
		w.WriteHeader(http.StatusNoContent)
	case "stats GET":
		reply(s.stats)
	case "stats DELETE":
		s.stats, s.since = newStats(), time.Now()
		w.WriteHeader(http.StatusNoContent)
	case "collected GET":
		reply(collectedReport(s.collected))
	default:
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

func (p *proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case strings.HasPrefix(r.URL.Path, "/__fault/"), strings.HasPrefix(r.URL.Path, "/__stats/"),
		strings.HasPrefix(r.URL.Path, "/__collected/"):
		p.control(w, r)
		return
	case strings.HasPrefix(r.URL.Path, "/__seed/"):
		p.seed(w, r)
		return
	}
	repo, kind := classify(r.URL.Path)
	if strings.HasPrefix(r.URL.Path, "/__token/") {
		repo, kind = strings.Trim(strings.TrimPrefix(r.URL.Path, "/__token/"), "/"), "token"
	}
	var ru rule
	nthManifestDelete, nth := 0, 0
	if repo != "" {
		p.mu.Lock()
		s := p.st(repo)
		s.stats.Requests++
		s.stats.ByMethod[r.Method]++
		s.stats.ByRoute[r.Method+" "+kind]++
		nth = s.stats.Requests
		s.stats.record(r, kind, s.since)
		if s.rule != nil {
			ru = *s.rule
		}
		if r.Method == http.MethodDelete && kind == "manifests" {
			s.manifestDeletes++
			nthManifestDelete = s.manifestDeletes
		}
		s.inFlight++
		if s.inFlight > s.stats.MaxInFlight {
			s.stats.MaxInFlight = s.inFlight
		}
		p.mu.Unlock()
		// Done once the upstream's answer is in, before it is written: a client that reads the
		// answer and sends its next request is never counted twice (a deferred decrement would run
		// only after the handler returns, and can overlap the client's next request).
		done := sync.OnceFunc(func() {
			p.mu.Lock()
			s.inFlight--
			p.mu.Unlock()
		})
		defer done()
		r = r.WithContext(context.WithValue(r.Context(), doneKey{}, done))
	}
	if ru.active() {
		var done bool
		w, done = p.hostile(w, r, repo, kind, nth, &ru)
		if done {
			return
		}
	}
	if ru.DelayMS > 0 {
		select {
		case <-time.After(time.Duration(ru.DelayMS) * time.Millisecond):
		case <-r.Context().Done():
			return
		}
	}
	if r.Method == http.MethodDelete && (kind == "manifests" || kind == "blobs") {
		if ru.RefuseDelete {
			writeErr(w, http.StatusMethodNotAllowed, "UNSUPPORTED", "The operation is unsupported.")
			return
		}
		if kind == "manifests" && ru.FailDeleteAfter != nil && nthManifestDelete > *ru.FailDeleteAfter {
			writeErr(w, http.StatusInternalServerError, "UNKNOWN", "unknown error (faultproxy: fail_delete_after)")
			return
		}
	}
	if kind == "referrers" && ru.NoReferrersAPI && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
		// what distribution 2.8.3 (gorilla/mux, no such route) answers
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Docker-Distribution-Api-Version", "registry/2.0")
		w.WriteHeader(http.StatusNotFound)
		if r.Method == http.MethodGet {
			io.WriteString(w, "404 page not found\n")
		}
		return
	}
	if kind == "uploads" && r.Method == http.MethodPut && ru.RefuseMonolith && r.ContentLength != 0 {
		io.Copy(io.Discard, io.LimitReader(r.Body, 1<<20))
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusRequestEntityTooLarge)
		io.WriteString(w, "<html><body>413 Request Entity Too Large</body></html>\n")
		return
	}
	if kind == "uploads" && r.Method == http.MethodPost && ru.ChunkMinLength > 0 {
		r = r.WithContext(context.WithValue(r.Context(), chunkKey{}, ru.ChunkMinLength))
	}
	if ru.IgnoreN && (kind == "tags" || kind == "catalog") {
		q := r.URL.Query()
		q.Del("n")
		r.URL.RawQuery = q.Encode()
	}
	if r.Method == http.MethodGet && ((kind == "manifests" && ru.CorruptManifest) || (kind == "blobs" && ru.CorruptBlob)) {
		r = r.WithContext(withCorrupt(r.Context(), kind))
	}
	p.rp.ServeHTTP(w, r)
}

type corruptKey struct{}

type chunkKey struct{}

// doneKey: the request's in-flight release (see ServeHTTP).
type doneKey struct{}

func withCorrupt(ctx context.Context, kind string) context.Context {
	return context.WithValue(ctx, corruptKey{}, kind)
}

func corruptKind(ctx context.Context) (string, bool) {
	k, ok := ctx.Value(corruptKey{}).(string)
	return k, ok
}

func corruptBody(body []byte, kind string) {
	if len(body) == 0 {
		return
	}
	if kind == "manifests" {
		if i := bytes.Index(body, []byte("sha256:")); i >= 0 && i+7 < len(body) {
			c := &body[i+7]
			if *c == '0' {
				*c = '1'
			} else {
				*c = '0'
			}
			return
		}
	}
	body[len(body)/2] ^= 1
}

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address (port 0 = any free port)")
	addrFile := flag.String("addr-file", "", "write the bound host:port to this file once listening")
	upstream := flag.String("upstream", "", "registry to forward to, e.g. http://127.0.0.1:5000")
	quiet := flag.Bool("quiet", false, "no rule log")
	collectorAddr := flag.String("collector-addr", "127.0.0.1:0", "listen address of the collector (a second origin)")
	collectorFile := flag.String("collector-addr-file", "", "write the collector's host:port to this file")
	flag.Parse()
	u, err := url.Parse(*upstream)
	if err != nil || u.Scheme == "" || u.Host == "" {
		log.Fatalf("-upstream must be a URL like http://127.0.0.1:5000, got %q", *upstream)
	}
	rp := httputil.NewSingleHostReverseProxy(u) // keeps the client's Host, so Location headers point here
	rp.FlushInterval = -1
	var p *proxy
	rp.ModifyResponse = func(resp *http.Response) error {
		if done, ok := resp.Request.Context().Value(doneKey{}).(func()); ok {
			done()
		}
		if n, ok := resp.Request.Context().Value(chunkKey{}).(int); ok && resp.StatusCode == http.StatusAccepted {
			resp.Header.Set("OCI-Chunk-Min-Length", strconv.Itoa(n))
		}
		if rw, ok := rewriteOf(resp.Request.Context()); ok {
			p.rewriteResponse(resp, rw)
		}
		kind, ok := corruptKind(resp.Request.Context())
		if !ok || resp.StatusCode != http.StatusOK {
			return nil
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return err
		}
		corruptBody(body, kind)
		resp.Body = io.NopCloser(bytes.NewReader(body))
		resp.ContentLength = int64(len(body))
		return nil
	}
	p = &proxy{repos: map[string]*state{}, rp: rp, quiet: *quiet, upstream: u}
	l, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	p.self = l.Addr().String()
	// The collector: a second origin that records Authorization headers, then forwards.
	cl, err := net.Listen("tcp", *collectorAddr)
	if err != nil {
		log.Fatal(err)
	}
	p.collector = cl.Addr().String()
	if *collectorFile != "" {
		if err := os.WriteFile(*collectorFile, []byte(p.collector+"\n"), 0o644); err != nil {
			log.Fatal(err)
		}
	}
	go func() {
		csrv := &http.Server{Handler: collectorHandler{p}, ReadHeaderTimeout: 30 * time.Second}
		log.Fatal(csrv.Serve(cl))
	}()
	log.Printf("faultproxy at http://%s -> %s (collector http://%s)", l.Addr(), u, p.collector)
	if *addrFile != "" {
		if err := os.WriteFile(*addrFile, []byte(l.Addr().String()+"\n"), 0o644); err != nil {
			log.Fatal(err)
		}
	}
	srv := &http.Server{Handler: p, ReadHeaderTimeout: 30 * time.Second}
	log.Fatal(srv.Serve(l))
}
