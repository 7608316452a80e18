// vendorreg: a stand-in for a vendor registry API (Azure Container Registry or Harbor) in front of
// a real distribution 2.8.3 instance, for arbor's integration tests. arbor cannot run ACR or Harbor
// here; this serves their documented listing APIs from the real registry's data.
//
//	vendorreg -flavor acr|harbor -upstream http://127.0.0.1:PORT -root DIR [-locks FILE]
//	          [-addr 127.0.0.1:0] [-addr-file F] [-quiet]
//
// -root is the distribution instance's filesystem storage root directory: the manifest list,
// tags, sizes (blob files) and timestamps (mtimes of the revision and tag link files) are read
// from it on every request, so they are always what the registry holds.
//
// Both flavors proxy /v2/ to the upstream unchanged, except:
//   - GET /v2/<name>/referrers/<digest>[?artifactType=] is answered from storage (the present
//     manifests whose subject is <digest>), as ACR and Harbor 2.8+ serve the OCI 1.1 referrers API;
//   - a manifest PUT with a subject is answered with OCI-Subject.
//
// ACR (see acr.go): /acr/v1/_catalog, /acr/v1/<name>/_tags[/<tag>], /acr/v1/<name>/_manifests[/<digest>]
// (GET/PATCH), locks (changeableAttributes) kept in -locks, and DELETE/PUT refused on locked
// manifests and tags the way ACR refuses them.
//
// Harbor (see harbor.go): /api/v2.0/ping, /api/v2.0/projects/<p>/repositories/<r>/artifacts[/<ref>[/accessories]],
// and Harbor's delete semantics on DELETE /v2/<name>/manifests/<digest> (accessories and
// unreferenced index children go with it; a manifest an index references is refused).
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"
)

type server struct {
	flavor string
	store  *store
	proxy  *httputil.ReverseProxy
	up     *url.URL
	locks  *locks
	client *http.Client
}

// splitV2 parses /v2/<name>/<kind>/<ref> (name may contain '/').
func splitV2(path, kind string) (repo, ref string, ok bool) {
	rest, found := strings.CutPrefix(path, "/v2/")
	if !found {
		return "", "", false
	}
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

func isDigest(ref string) bool {
	_, err := blobPath("/", ref)
	return err == nil
}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case strings.HasPrefix(r.URL.Path, "/v2/"):
		s.serveV2(w, r)
	case s.flavor == "acr" && strings.HasPrefix(r.URL.Path, "/acr/v1/"):
		s.serveACR(w, r)
	case s.flavor == "harbor" && strings.HasPrefix(r.URL.Path, "/api/v2.0/"):
		s.serveHarbor(w, r)
	default:
		writeErr(w, http.StatusNotFound, "NOT_FOUND", "page not found")
	}
}

func (s *server) serveV2(w http.ResponseWriter, r *http.Request) {
	if repo, ref, ok := splitV2(r.URL.Path, "referrers"); ok && r.Method == http.MethodGet {
		s.referrers(w, r, repo, ref)
		return
	}
	if repo, ref, ok := splitV2(r.URL.Path, "manifests"); ok {
		switch r.Method {
		case http.MethodDelete:
			if s.flavor == "acr" && !s.acrMayDelete(w, repo, ref) {
				return
			}
			if s.flavor == "harbor" && isDigest(ref) {
				s.harborDelete(w, r, repo, ref)
				return
			}
		case http.MethodPut:
			if s.flavor == "acr" && !s.acrMayWrite(w, repo, ref) {
				return
			}
			body, err := io.ReadAll(io.LimitReader(r.Body, maxManifest+1))
			if err != nil {
				writeErr(w, http.StatusBadRequest, "MANIFEST_INVALID", err.Error())
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
			var m manifest
			if json.Unmarshal(body, &m) == nil && m.Subject != nil && m.Subject.Digest != "" {
				w = &subjectWriter{ResponseWriter: w, subject: m.Subject.Digest}
			}
		}
	}
	s.proxy.ServeHTTP(w, r)
}

// subjectWriter adds OCI-Subject to a successful manifest PUT, as ACR and Harbor do.
type subjectWriter struct {
	http.ResponseWriter
	subject string
}

func (sw *subjectWriter) WriteHeader(code int) {
	if code >= 200 && code < 300 {
		sw.Header().Set("OCI-Subject", sw.subject)
	}
	sw.ResponseWriter.WriteHeader(code)
}

// referrers answers the OCI 1.1 referrers API from storage.
func (s *server) referrers(w http.ResponseWriter, r *http.Request, repo, subject string) {
	if !isDigest(subject) {
		writeErr(w, http.StatusBadRequest, "DIGEST_INVALID", "provided digest did not match uploaded content")
		return
	}
	out := []descriptor{}
	want := r.URL.Query().Get("artifactType")
	if s.store.repoExists(repo) {
		sn, err := s.store.snapshot(repo)
		if err != nil {
			writeErr(w, http.StatusInternalServerError, "UNKNOWN", err.Error())
			return
		}
		for _, d := range sn.subjects[subject] {
			m := sn.entries[d].m
			desc := descriptor{MediaType: m.MediaType, Digest: d, Size: m.Size, ArtifactType: m.referrersArtifactType(), Annotations: m.Annotations}
			if want == "" || desc.ArtifactType == want {
				out = append(out, desc)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Digest < out[j].Digest })
	if want != "" {
		w.Header().Set("OCI-Filters-Applied", "artifactType")
	}
	writeJSON(w, ociIndex, http.StatusOK, map[string]any{"schemaVersion": 2, "mediaType": ociIndex, "manifests": out})
}

// upstreamDelete deletes a manifest by digest on the distribution instance.
func (s *server) upstreamDelete(repo, digest string) (int, []byte, error) {
	u := *s.up
	u.Path = "/v2/" + repo + "/manifests/" + digest
	req, err := http.NewRequest(http.MethodDelete, u.String(), nil)
	if err != nil {
		return 0, nil, err
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, b, nil
}

func writeJSON(w http.ResponseWriter, ct string, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	w.Write(b)
}

func writeErr(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, "application/json; charset=utf-8", status, map[string]any{"errors": []map[string]any{{"code": code, "message": msg, "detail": map[string]any{}}}})
}

// page cuts a sorted list after `last` (if given) to at most n items; more reports whether items remain.
func page[T any](items []T, key func(T) string, last string, n int) (out []T, more bool) {
	if last != "" {
		i := 0
		for i < len(items) && key(items[i]) != last {
			i++
		}
		if i < len(items) {
			items = items[i+1:]
		} else {
			// unknown cursor: what sorts lexically after it
			var rest []T
			for _, it := range items {
				if key(it) > last {
					rest = append(rest, it)
				}
			}
			items = rest
		}
	}
	if n > 0 && len(items) > n {
		return items[:n], true
	}
	return items, false
}

func queryInt(q url.Values, name string, def int) (int, error) {
	v := q.Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("invalid %s %q", name, v)
	}
	return n, nil
}

func main() {
	flavor := flag.String("flavor", "", "acr or harbor")
	upstream := flag.String("upstream", "", "the distribution instance, e.g. http://127.0.0.1:5000")
	root := flag.String("root", "", "the distribution instance's filesystem storage root directory")
	locksFile := flag.String("locks", "", "ACR: file keeping manifest and tag locks (changeableAttributes)")
	addr := flag.String("addr", "127.0.0.1:0", "listen address (port 0 = any free port)")
	addrFile := flag.String("addr-file", "", "write the bound host:port to this file once listening")
	quiet := flag.Bool("quiet", false, "no request log")
	flag.Parse()
	if *flavor != "acr" && *flavor != "harbor" {
		log.Fatalf("-flavor must be acr or harbor, not %q", *flavor)
	}
	up, err := url.Parse(*upstream)
	if err != nil || up.Host == "" || *root == "" {
		log.Fatal("-upstream URL and -root DIR are required")
	}
	lk, err := loadLocks(*locksFile)
	if err != nil {
		log.Fatal(err)
	}
	s := &server{
		flavor: *flavor,
		store:  newStore(*root),
		up:     up,
		locks:  lk,
		proxy:  httputil.NewSingleHostReverseProxy(up),
		client: &http.Client{Timeout: 60 * time.Second},
	}
	// the registry's absolute Location headers name the upstream; clients must come back here
	s.proxy.ModifyResponse = func(resp *http.Response) error {
		if loc := resp.Header.Get("Location"); strings.HasPrefix(loc, up.String()) {
			resp.Header.Set("Location", strings.TrimPrefix(loc, up.String()))
		}
		return nil
	}
	var h http.Handler = s
	if !*quiet {
		h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			log.Printf("%s %s", r.Method, r.URL.RequestURI())
			s.ServeHTTP(w, r)
		})
	}
	l, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	log.Printf("vendorreg (%s) at http://%s in front of %s", *flavor, l.Addr(), up)
	if *addrFile != "" {
		if err := os.WriteFile(*addrFile, []byte(l.Addr().String()+"\n"), 0o644); err != nil {
			log.Fatal(err)
		}
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 30 * time.Second}
	log.Fatal(srv.Serve(l))
}
