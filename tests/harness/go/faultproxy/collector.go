// The collector: a second origin. Cross-origin scenarios point Link, Location and redirects
// at it; it records every Authorization header it is sent, then forwards to the upstream so
// the client's operation still completes. Whatever it recorded is a credential that left
// its origin.
package main

import (
	"context"
	"net/http"
	"net/url"
	"strings"
)

type collected struct {
	Method        string `json:"method"`
	URI           string `json:"uri"`
	Authorization string `json:"authorization"`
}

type collectedSummary struct {
	Requests          int         `json:"requests"`
	WithAuthorization int         `json:"with_authorization"`
	Entries           []collected `json:"entries"`
}

func collectedReport(c []collected) collectedSummary {
	s := collectedSummary{Requests: len(c), Entries: c}
	if s.Entries == nil {
		s.Entries = []collected{}
	}
	for _, e := range c {
		if e.Authorization != "" {
			s.WithAuthorization++
		}
	}
	return s
}

type collectorHandler struct{ p *proxy }

func (h collectorHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	repo, _ := classify(r.URL.Path)
	if repo != "" {
		h.p.mu.Lock()
		s := h.p.st(repo)
		if len(s.collected) < maxLog {
			s.collected = append(s.collected, collected{Method: r.Method, URI: r.RequestURI,
				Authorization: r.Header.Get("Authorization")})
		}
		h.p.mu.Unlock()
	}
	h.p.rp.ServeHTTP(w, r)
}

// rewrite says which server-chosen URLs of an upstream response to move to the collector.
type rewrite struct {
	link     bool // Link: rel="next" of tags, catalog, referrers (added when the upstream had none)
	location bool // Location of upload answers
}

type rewriteKey struct{}

func rewriteOf(ctx context.Context) (rewrite, bool) {
	rw, ok := ctx.Value(rewriteKey{}).(rewrite)
	return rw, ok
}

// onCollector turns a relative or absolute URL into the same path and query on the collector.
func (p *proxy) onCollector(target string) string {
	u, err := url.Parse(target)
	if err != nil {
		return target
	}
	return "http://" + p.collector + u.RequestURI()
}

func (p *proxy) rewriteResponse(resp *http.Response, rw rewrite) {
	if rw.location {
		if loc := resp.Header.Get("Location"); loc != "" {
			resp.Header.Set("Location", p.onCollector(loc))
		}
	}
	if rw.link && resp.StatusCode == http.StatusOK {
		if l := resp.Header.Get("Link"); l != "" {
			if i, j := strings.Index(l, "<"), strings.Index(l, ">"); i >= 0 && j > i {
				resp.Header.Set("Link", "<"+p.onCollector(l[i+1:j])+">"+l[j+1:])
				return
			}
		}
		// One page only: add a next page, on the collector, that brings nothing new.
		q := resp.Request.URL.Query()
		q.Set("last", "~")
		next := "http://" + p.collector + resp.Request.URL.Path + "?" + q.Encode()
		resp.Header.Set("Link", "<"+next+`>; rel="next"`)
	}
}
