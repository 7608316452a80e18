// Hostile-registry scenarios: what a registry arbor does not control may do to it. Each is a
// rule field, set per repository like the other faultproxy rules (README: "Hostile scenarios").
package main

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

type hostileRule struct {
	EscapeTags     bool     `json:"escape_tags,omitempty"`      // tags/list also lists hostileTags
	EscapeErrors   int      `json:"escape_errors,omitempty"`    // every request answers this status, escape-laden error body
	Drip           []string `json:"drip,omitempty"`             // kinds whose bodies come one byte per drip_ms
	DripMS         int      `json:"drip_ms,omitempty"`          // default 5000
	Hang           []string `json:"hang,omitempty"`             // kinds never answered (until the client goes)
	RateLimit      int      `json:"rate_limit,omitempty"`       // the first N requests answer 429
	RetryAfter     string   `json:"retry_after,omitempty"`      // their Retry-After, default "1"
	Endless        []string `json:"endless,omitempty"`          // tags, catalog, referrers: pages that never end
	EndlessPage    int      `json:"endless_page,omitempty"`     // entries per endless page, default 1000
	ChainDepth     int      `json:"chain_depth,omitempty"`      // the repo is a generated referrer chain this deep
	ChainTags      bool     `json:"chain_tags,omitempty"`       // ... served through sha256-<hex> tags, no referrers API
	CrossOrigin    []string `json:"cross_origin,omitempty"`     // link, location, redirect: point at the collector
	Auth           string   `json:"auth,omitempty"`             // basic | bearer: the repo needs credentials
	User           string   `json:"user,omitempty"`             // basic/token credentials checked when set
	Password       string   `json:"password,omitempty"`         //
	TokenExpiresIn *uint64  `json:"token_expires_in,omitempty"` // expires_in of issued tokens (default 300)
	TokenInvalid   bool     `json:"token_invalid,omitempty"`    // issue a token no header can carry
}

// hostileStats are kept per repository next to the request counters.
type hostileStats struct {
	Log                []logEntry `json:"log"`
	InvalidTagRequests int        `json:"invalid_tag_requests"` // manifests/<tag> outside the tag grammar
	ShadowTagRequests  int        `json:"shadow_tag_requests"`  // manifests/<what a URL parser made of a hostile tag>
	TokensIssued       int        `json:"tokens_issued"`
}

type logEntry struct {
	TMS    int64  `json:"t_ms"` // since the rule was set
	Method string `json:"method"`
	Kind   string `json:"kind"`
	URI    string `json:"uri"`
	Auth   string `json:"auth"` // "", "basic", "bearer", "other"
}

const maxLog = 5000

var kinds = map[string]bool{"manifests": true, "blobs": true, "tags": true, "referrers": true,
	"catalog": true, "uploads": true, "token": true}

func (h *hostileRule) check() error {
	for _, list := range [][]string{h.Drip, h.Hang} {
		for _, k := range list {
			if !kinds[k] {
				return fmt.Errorf("unknown kind %q", k)
			}
		}
	}
	for _, k := range h.Endless {
		if k != "tags" && k != "catalog" && k != "referrers" {
			return fmt.Errorf("endless: unknown kind %q (tags, catalog, referrers)", k)
		}
	}
	for _, k := range h.CrossOrigin {
		if k != "link" && k != "location" && k != "redirect" {
			return fmt.Errorf("cross_origin: unknown kind %q (link, location, redirect)", k)
		}
	}
	if h.Auth != "" && h.Auth != "basic" && h.Auth != "bearer" {
		return fmt.Errorf("auth: basic or bearer")
	}
	if h.ChainDepth < 0 || h.ChainDepth > 100000 {
		return fmt.Errorf("chain_depth: 0..100000")
	}
	return nil
}

func (h *hostileRule) active() bool {
	return h.EscapeTags || h.EscapeErrors != 0 || len(h.Drip) > 0 || len(h.Hang) > 0 || h.RateLimit > 0 ||
		len(h.Endless) > 0 || h.ChainDepth > 0 || len(h.CrossOrigin) > 0 || h.Auth != ""
}

func has(list []string, k string) bool {
	for _, x := range list {
		if x == k {
			return true
		}
	}
	return false
}

func (s *stats) record(r *http.Request, kind string, since time.Time) {
	if len(s.Log) >= maxLog {
		return
	}
	auth := ""
	if a := r.Header.Get("Authorization"); a != "" {
		switch scheme := strings.ToLower(strings.SplitN(a, " ", 2)[0]); scheme {
		case "basic", "bearer":
			auth = scheme
		default:
			auth = "other"
		}
	}
	s.Log = append(s.Log, logEntry{TMS: time.Since(since).Milliseconds(), Method: r.Method, Kind: kind,
		URI: r.RequestURI, Auth: auth})
}

// The escape-laden strings hostile scenarios send: OSC 0 (title), OSC 52 (clipboard), CSI 2J
// (clear), C1 CSI, RLO, LRI, RLM, and tags that end in a control character.
const (
	oscTitle = "\x1b]0;pwned\x07"
	osc52    = "\x1b]52;c;cHduZWQ=\x07"
	clear    = "\x1b[2J"
	c1CSI    = "\u009b31m"
	rlo      = "\u202e"
	lri      = "\u2066"
	rlm      = "\u200f"
)

// hostileTags: each is outside the tag grammar; shadowTags are what a URL parser makes of the
// ones ending in (or holding) a tab, newline or control character.
var hostileTags = []string{"title" + oscTitle, "clip" + osc52, "clear" + clear, "c1" + c1CSI,
	"invoice" + rlo + "fdp", lri + "lri", "rlm" + rlm, "trimmed\t", "new\nline", "trail\x01"}
var shadowTags = map[string]bool{"trimmed": true, "newline": true, "trail": true, "trail%01": true}

var tagGrammar = regexp.MustCompile(`^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$`)

// hostile applies the repo's scenarios; done means the response was written here. The writer
// it returns (dripping, maybe) serves the rest.
func (p *proxy) hostile(w http.ResponseWriter, r *http.Request, repo, kind string, nth int, ru *rule) (http.ResponseWriter, bool) {
	if kind == "token" {
		p.token(w, r, repo, ru)
		return w, true
	}
	if ru.Auth != "" && !p.authorized(r, repo, ru) {
		challenge(w, p.self, repo, ru)
		return w, true
	}
	if has(ru.Hang, kind) {
		hang(r)
		return w, true
	}
	if ru.RateLimit > 0 && nth <= ru.RateLimit {
		ra := ru.RetryAfter
		if ra == "" {
			ra = "1"
		}
		w.Header().Set("Retry-After", ra)
		writeErr(w, http.StatusTooManyRequests, "TOOMANYREQUESTS", "rate limited (faultproxy: rate_limit)")
		return w, true
	}
	if ru.EscapeErrors != 0 {
		writeErr(w, ru.EscapeErrors, "DENIED"+clear, "denied: "+oscTitle+" "+osc52+" "+c1CSI+" "+rlo+"live"+lri+rlm)
		return w, true
	}
	if has(ru.Drip, kind) {
		w = &dripWriter{ResponseWriter: w, ctx: r.Context(), every: dripEvery(ru)}
	}
	if ru.ChainDepth > 0 {
		serveChain(w, r, repo, kind, ru)
		return w, true
	}
	if has(ru.Endless, kind) && r.Method == http.MethodGet {
		serveEndless(w, r, repo, kind, ru)
		return w, true
	}
	if kind == "manifests" && ru.EscapeTags {
		ref := r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
		if !strings.HasPrefix(ref, "sha256:") && !tagGrammar.MatchString(ref) || shadowTags[ref] {
			p.mu.Lock()
			if shadowTags[ref] {
				p.st(repo).stats.ShadowTagRequests++
			} else {
				p.st(repo).stats.InvalidTagRequests++
			}
			p.mu.Unlock()
			writeErr(w, http.StatusNotFound, "MANIFEST_UNKNOWN", "manifest unknown")
			return w, true
		}
	}
	if kind == "tags" && ru.EscapeTags && r.Method == http.MethodGet {
		p.escapeTags(w, r, repo)
		return w, true
	}
	if kind == "blobs" && has(ru.CrossOrigin, "redirect") && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
		http.Redirect(w, r, "http://"+p.collector+r.URL.RequestURI(), http.StatusTemporaryRedirect)
		return w, true
	}
	rw := rewrite{link: has(ru.CrossOrigin, "link") && (kind == "tags" || kind == "catalog" || kind == "referrers"),
		location: has(ru.CrossOrigin, "location") && kind == "uploads"}
	if rw.link || rw.location {
		*r = *r.WithContext(context.WithValue(r.Context(), rewriteKey{}, rw))
	}
	return w, false
}

func hang(r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-time.After(10 * time.Minute): // bounded, so a forgotten client cannot keep it forever
	}
}

func dripEvery(ru *rule) time.Duration {
	if ru.DripMS > 0 {
		return time.Duration(ru.DripMS) * time.Millisecond
	}
	return 5 * time.Second
}

// dripWriter sends the body one byte at a time, `every` apart; headers go at once.
type dripWriter struct {
	http.ResponseWriter
	ctx   context.Context
	every time.Duration
}

func (d *dripWriter) Write(b []byte) (int, error) {
	for i := range b {
		if _, err := d.ResponseWriter.Write(b[i : i+1]); err != nil {
			return i, err
		}
		if f, ok := d.ResponseWriter.(http.Flusher); ok {
			f.Flush()
		}
		select {
		case <-d.ctx.Done():
			return i + 1, d.ctx.Err()
		case <-time.After(d.every):
		}
	}
	return len(b), nil
}

func (d *dripWriter) Flush() {
	if f, ok := d.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func writeJSON(w http.ResponseWriter, status int, ctype string, body []byte) {
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.Header().Set("Docker-Distribution-Api-Version", "registry/2.0")
	w.WriteHeader(status)
	w.Write(body)
}

// escapeTags answers tags/list with the upstream's tags and hostileTags.
func (p *proxy) escapeTags(w http.ResponseWriter, r *http.Request, repo string) {
	tags := []string{}
	if resp, err := http.Get(p.upstream.String() + "/v2/" + repo + "/tags/list"); err == nil {
		var v struct {
			Tags []string `json:"tags"`
		}
		json.NewDecoder(io.LimitReader(resp.Body, 16<<20)).Decode(&v)
		resp.Body.Close()
		tags = append(tags, v.Tags...)
	}
	tags = append(tags, hostileTags...)
	b, _ := json.Marshal(map[string]any{"name": repo, "tags": tags})
	writeJSON(w, http.StatusOK, "application/json", b)
}

// serveEndless answers listings whose `Link: rel="next"` never ends, each page new entries.
func serveEndless(w http.ResponseWriter, r *http.Request, repo, kind string, ru *rule) {
	n := ru.EndlessPage
	if n <= 0 {
		n = 1000
	}
	page := 0
	if last := r.URL.Query().Get("last"); last != "" {
		fmt.Sscanf(strings.TrimPrefix(last, "endless/"), "e%dx", &page)
		page++
	}
	if kind == "referrers" {
		page = 0
		fmt.Sscanf(r.URL.Query().Get("page"), "%d", &page)
	}
	var body []byte
	var next string
	switch kind {
	case "tags", "catalog":
		items := make([]string, n)
		for i := range items {
			items[i] = fmt.Sprintf("e%dx%d", page, i)
			if kind == "catalog" {
				items[i] = "endless/" + items[i]
			}
		}
		last := url.QueryEscape(items[n-1])
		if kind == "tags" {
			body, _ = json.Marshal(map[string]any{"name": repo, "tags": items})
			next = fmt.Sprintf("/v2/%s/tags/list?n=%d&last=%s", repo, n, last)
		} else {
			body, _ = json.Marshal(map[string]any{"repositories": items})
			next = fmt.Sprintf("/v2/_catalog?n=%d&last=%s", n, last)
		}
	case "referrers":
		ms := make([]map[string]any, n)
		for i := range ms {
			sum := sha256.Sum256([]byte(fmt.Sprintf("%s/%d/%d", repo, page, i)))
			ms[i] = map[string]any{"mediaType": ociManifest, "digest": "sha256:" + hex.EncodeToString(sum[:]),
				"size": 500, "artifactType": "application/vnd.arbor.endless"}
		}
		body, _ = json.Marshal(map[string]any{"schemaVersion": 2, "mediaType": ociIndex, "manifests": ms})
		next = fmt.Sprintf("%s?page=%d", r.URL.Path, page+1)
	}
	w.Header().Set("Link", fmt.Sprintf("<%s>; rel=\"next\"", next))
	ctype := "application/json"
	if kind == "referrers" {
		ctype = ociIndex
	}
	writeJSON(w, http.StatusOK, ctype, body)
}

// ---- credentials: a Basic or Bearer gate in front of the repo, and its token endpoint ----

func tokenFor(repo string, n int) string {
	sum := sha256.Sum256([]byte(repo))
	return fmt.Sprintf("hostile.%s.%d", hex.EncodeToString(sum[:6]), n)
}

func (p *proxy) authorized(r *http.Request, repo string, ru *rule) bool {
	a := r.Header.Get("Authorization")
	switch ru.Auth {
	case "basic":
		u, pw, ok := r.BasicAuth()
		return ok && (ru.User == "" || (u == ru.User && pw == ru.Password))
	default:
		tok, ok := strings.CutPrefix(a, "Bearer ")
		if !ok {
			return false
		}
		p.mu.Lock()
		issued := p.st(repo).stats.TokensIssued
		p.mu.Unlock()
		for i := 1; i <= issued; i++ {
			if tok == tokenFor(repo, i) {
				return true
			}
		}
		return false
	}
}

func challenge(w http.ResponseWriter, self, repo string, ru *rule) {
	if ru.Auth == "basic" {
		w.Header().Set("WWW-Authenticate", `Basic realm="faultproxy"`)
	} else {
		w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer realm="http://%s/__token/%s",service="faultproxy",scope="repository:%s:pull"`, self, repo, repo))
	}
	writeErr(w, http.StatusUnauthorized, "UNAUTHORIZED", "authentication required")
}

// token issues a token for the repo: GET (basic auth optional) or POST (OAuth2 form).
func (p *proxy) token(w http.ResponseWriter, r *http.Request, repo string, ru *rule) {
	if has(ru.Hang, "token") {
		hang(r)
		return
	}
	if ru.User != "" {
		u, pw, ok := r.BasicAuth()
		if r.Method == http.MethodPost {
			r.ParseForm()
			u, pw, ok = r.PostForm.Get("username"), r.PostForm.Get("password"), true
		}
		if !ok || u != ru.User || pw != ru.Password {
			writeErr(w, http.StatusUnauthorized, "UNAUTHORIZED", "bad credentials")
			return
		}
	}
	p.mu.Lock()
	s := p.st(repo)
	s.stats.TokensIssued++
	tok := tokenFor(repo, s.stats.TokensIssued)
	p.mu.Unlock()
	if ru.TokenInvalid {
		tok = "bad token\r\nX-Injected: " + base64.StdEncoding.EncodeToString([]byte(tok))
	}
	var exp uint64 = 300
	if ru.TokenExpiresIn != nil {
		exp = *ru.TokenExpiresIn
	}
	b, _ := json.Marshal(map[string]any{"token": tok, "access_token": tok, "expires_in": exp})
	if has(ru.Drip, "token") {
		w = &dripWriter{ResponseWriter: w, ctx: r.Context(), every: dripEvery(ru)}
	}
	writeJSON(w, http.StatusOK, "application/json", b)
}
