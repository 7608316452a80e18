package main

// The ACR metadata API (Azure Container Registry data plane, api-version 2021-07-01): shapes from
// Azure/azure-rest-api-specs specification/containerregistry/data-plane/Azure.ContainerRegistry/
// stable/2021-07-01/containerregistry.json (AcrManifests, ManifestAttributesBase, TagList,
// Repositories, ManifestChangeableAttributes, AcrErrors) and its examples.

import (
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
)

// changeable is ManifestChangeableAttributes / TagChangeableAttributes.
type changeable struct {
	DeleteEnabled bool `json:"deleteEnabled"`
	WriteEnabled  bool `json:"writeEnabled"`
	ReadEnabled   bool `json:"readEnabled"`
	ListEnabled   bool `json:"listEnabled"`
}

var unlocked = changeable{true, true, true, true}

// locks: "<repo>@<digest>" and "<repo>:<tag>" -> attributes, saved to a JSON file on every change.
type locks struct {
	path string
	mu   sync.Mutex
	m    map[string]changeable
}

func loadLocks(path string) (*locks, error) {
	l := &locks{path: path, m: map[string]changeable{}}
	if path == "" {
		return l, nil
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return l, nil
	}
	if err != nil {
		return nil, err
	}
	return l, json.Unmarshal(b, &l.m)
}

func (l *locks) get(key string) changeable {
	l.mu.Lock()
	defer l.mu.Unlock()
	if c, ok := l.m[key]; ok {
		return c
	}
	return unlocked
}

func (l *locks) set(key string, c changeable) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if c == unlocked {
		delete(l.m, key)
	} else {
		l.m[key] = c
	}
	if l.path == "" {
		return nil
	}
	b, err := json.MarshalIndent(l.m, "", "  ")
	if err != nil {
		return err
	}
	tmp := l.path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Clean(l.path))
}

// ACR's refusal of an operation on a locked manifest, tag or repository (as observed from ACR:
// Azure/acr-cli#70, Azure/azure-sdk-for-net#22827).
func disallowed(w http.ResponseWriter) {
	writeErr(w, http.StatusMethodNotAllowed, "REGISTRY_DISALLOWED_OPERATION",
		"The operation is disallowed on this registry, repository or image. View troubleshooting steps at https://aka.ms/acr/faq/#why-does-my-pull-or-push-request-fail-with-disallowed-operation")
}

func (s *server) acrMayDelete(w http.ResponseWriter, repo, ref string) bool {
	if isDigest(ref) && !s.locks.get(repo+"@"+ref).DeleteEnabled {
		disallowed(w)
		return false
	}
	return true
}

// A PUT that would move a tag is refused when the tag, or the manifest it points at, is write-locked.
func (s *server) acrMayWrite(w http.ResponseWriter, repo, ref string) bool {
	if isDigest(ref) {
		return true
	}
	if !s.locks.get(repo + ":" + ref).WriteEnabled {
		disallowed(w)
		return false
	}
	tags, _ := s.store.tags(repo)
	for _, t := range tags {
		if t.name == ref && !s.locks.get(repo+"@"+t.digest).WriteEnabled {
			disallowed(w)
			return false
		}
	}
	return true
}

type acrRef struct {
	Digest       string `json:"digest"`
	Architecture string `json:"architecture,omitempty"`
	OS           string `json:"os,omitempty"`
}

// ManifestAttributesBase.
type acrManifest struct {
	Digest               string     `json:"digest"`
	ImageSize            int64      `json:"imageSize"`
	CreatedTime          string     `json:"createdTime"`
	LastUpdateTime       string     `json:"lastUpdateTime"`
	Architecture         *string    `json:"architecture"`
	OS                   *string    `json:"os"`
	MediaType            string     `json:"mediaType"`
	ConfigMediaType      string     `json:"configMediaType,omitempty"`
	References           []acrRef   `json:"references,omitempty"`
	Tags                 []string   `json:"tags,omitempty"`
	ChangeableAttributes changeable `json:"changeableAttributes"`
}

func (s *server) acrManifestOf(sn *snapshot, d string) acrManifest {
	e := sn.entries[d]
	a := acrManifest{
		Digest:               d,
		ImageSize:            sn.imageSize(s.store, d, 0),
		CreatedTime:          rfc3339(e.created),
		LastUpdateTime:       rfc3339(e.updated),
		MediaType:            e.m.MediaType,
		ConfigMediaType:      e.m.configType(),
		ChangeableAttributes: s.locks.get(sn.repo + "@" + d),
	}
	if p := sn.platformOf(d); p != nil {
		a.Architecture, a.OS = &p.Architecture, &p.OS
	}
	for _, t := range e.tags {
		a.Tags = append(a.Tags, t.name)
	}
	if e.m.isIndex() {
		for _, c := range e.m.Manifests {
			r := acrRef{Digest: c.Digest}
			if c.Platform != nil {
				r.Architecture, r.OS = c.Platform.Architecture, c.Platform.OS
			}
			a.References = append(a.References, r)
		}
	}
	return a
}

// loginServer: the `registry` field (ACR reports its login server, e.g. myregistry.azurecr.io).
func loginServer(r *http.Request) string {
	return r.Host
}

func nextLink(path string, q url.Values) string {
	return "<" + path + "?" + q.Encode() + `>; rel="next"`
}

func (s *server) serveACR(w http.ResponseWriter, r *http.Request) {
	rest := strings.TrimPrefix(r.URL.Path, "/acr/v1/")
	if rest == "_catalog" && r.Method == http.MethodGet {
		s.acrCatalog(w, r)
		return
	}
	for _, kind := range []string{"_manifests", "_tags"} {
		name, ref, ok := strings.Cut(rest, "/"+kind)
		if !ok || (ref != "" && !strings.HasPrefix(ref, "/")) {
			continue
		}
		ref = strings.TrimPrefix(ref, "/")
		if !s.store.repoExists(name) {
			writeJSON(w, "application/json; charset=utf-8", http.StatusNotFound, map[string]any{"errors": []map[string]any{{"code": "NAME_UNKNOWN", "message": "repository name not known to registry", "detail": map[string]string{"name": name}}}})
			return
		}
		switch {
		case kind == "_manifests" && ref == "" && r.Method == http.MethodGet:
			s.acrManifests(w, r, name)
		case kind == "_manifests" && ref != "" && (r.Method == http.MethodGet || r.Method == http.MethodPatch):
			s.acrManifestAttributes(w, r, name, ref)
		case kind == "_tags" && ref == "" && r.Method == http.MethodGet:
			s.acrTags(w, r, name)
		case kind == "_tags" && ref != "":
			s.acrTag(w, r, name, ref)
		default:
			writeErr(w, http.StatusMethodNotAllowed, "UNSUPPORTED", "The operation is unsupported.")
		}
		return
	}
	if r.Method == http.MethodGet && s.store.repoExists(rest) {
		s.acrRepository(w, r, rest)
		return
	}
	writeErr(w, http.StatusNotFound, "NAME_UNKNOWN", "repository name not known to registry")
}

func (s *server) acrCatalog(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	n, err := queryInt(q, "n", 0)
	if err != nil {
		writeErr(w, http.StatusBadRequest, "PAGINATION_NUMBER_INVALID", err.Error())
		return
	}
	repos, err := s.store.repos()
	if err != nil {
		writeErr(w, http.StatusInternalServerError, "UNKNOWN", err.Error())
		return
	}
	out, more := page(repos, func(s string) string { return s }, q.Get("last"), n)
	if more {
		w.Header().Set("Link", nextLink("/acr/v1/_catalog", url.Values{"last": {out[len(out)-1]}, "n": {q.Get("n")}}))
	}
	if out == nil {
		out = []string{}
	}
	writeJSON(w, "application/json; charset=utf-8", http.StatusOK, map[string]any{"repositories": out})
}

func (s *server) acrRepository(w http.ResponseWriter, r *http.Request, name string) {
	sn, err := s.store.snapshot(name)
	if err != nil {
		writeErr(w, http.StatusInternalServerError, "UNKNOWN", err.Error())
		return
	}
	var created, updated string
	for _, d := range sn.order {
		c, u := rfc3339(sn.entries[d].created), rfc3339(sn.entries[d].updated)
		if created == "" || c < created {
			created = c
		}
		if u > updated {
			updated = u
		}
	}
	writeJSON(w, "application/json; charset=utf-8", http.StatusOK, map[string]any{
		"registry": loginServer(r), "imageName": name, "createdTime": created, "lastUpdateTime": updated,
		"manifestCount": len(sn.order), "tagCount": len(sn.tags), "changeableAttributes": unlocked,
	})
}

// orderBy sorts by lastUpdateTime (timedesc / timeasc), else by digest or name (none).
func orderBy[T any](items []T, order string, time func(T) string, key func(T) string) {
	sort.SliceStable(items, func(i, j int) bool {
		ti, tj := time(items[i]), time(items[j])
		switch order {
		case "timedesc":
			if ti != tj {
				return ti > tj
			}
		case "timeasc":
			if ti != tj {
				return ti < tj
			}
		}
		return key(items[i]) < key(items[j])
	})
}

func (s *server) acrManifests(w http.ResponseWriter, r *http.Request, name string) {
	q := r.URL.Query()
	n, err := queryInt(q, "n", 0)
	if err != nil {
		writeErr(w, http.StatusBadRequest, "PAGINATION_NUMBER_INVALID", err.Error())
		return
	}
	sn, err := s.store.snapshot(name)
	if err != nil {
		writeErr(w, http.StatusInternalServerError, "UNKNOWN", err.Error())
		return
	}
	all := make([]acrManifest, 0, len(sn.order))
	for _, d := range sn.order {
		all = append(all, s.acrManifestOf(sn, d))
	}
	orderBy(all, q.Get("orderby"), func(m acrManifest) string { return m.LastUpdateTime }, func(m acrManifest) string { return m.Digest })
	out, more := page(all, func(m acrManifest) string { return m.Digest }, q.Get("last"), n)
	if more {
		next := url.Values{"last": {out[len(out)-1].Digest}, "n": {q.Get("n")}, "orderby": {q.Get("orderby")}}
		w.Header().Set("Link", nextLink("/acr/v1/"+name+"/_manifests", next))
	}
	if out == nil {
		out = []acrManifest{}
	}
	writeJSON(w, "application/json; charset=utf-8", http.StatusOK, map[string]any{"registry": loginServer(r), "imageName": name, "manifests": out})
}

func (s *server) acrManifestAttributes(w http.ResponseWriter, r *http.Request, name, ref string) {
	sn, err := s.store.snapshot(name)
	if err != nil {
		writeErr(w, http.StatusInternalServerError, "UNKNOWN", err.Error())
		return
	}
	digest := ref
	if !isDigest(ref) {
		// ACR accepts a tag here too
		digest = ""
		for _, t := range sn.tags {
			if t.name == ref {
				digest = t.digest
			}
		}
	}
	if _, ok := sn.entries[digest]; !ok {
		writeErr(w, http.StatusNotFound, "MANIFEST_UNKNOWN", "manifest unknown")
		return
	}
	if r.Method == http.MethodPatch {
		key := name + "@" + digest
		c := s.locks.get(key)
		if !patchChangeable(w, r, &c) {
			return
		}
		if err := s.locks.set(key, c); err != nil {
			writeErr(w, http.StatusInternalServerError, "UNKNOWN", err.Error())
			return
		}
	}
	writeJSON(w, "application/json; charset=utf-8", http.StatusOK, map[string]any{"registry": loginServer(r), "imageName": name, "manifest": s.acrManifestOf(sn, digest)})
}

// patchChangeable applies a PATCH body (any subset of the four attributes) to c.
func patchChangeable(w http.ResponseWriter, r *http.Request, c *changeable) bool {
	var p struct {
		DeleteEnabled *bool `json:"deleteEnabled"`
		WriteEnabled  *bool `json:"writeEnabled"`
		ReadEnabled   *bool `json:"readEnabled"`
		ListEnabled   *bool `json:"listEnabled"`
	}
	dec := json.NewDecoder(io.LimitReader(r.Body, 1<<16))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		writeErr(w, http.StatusBadRequest, "BAD_REQUEST", "invalid attributes: "+err.Error())
		return false
	}
	for _, f := range []struct {
		v   *bool
		dst *bool
	}{{p.DeleteEnabled, &c.DeleteEnabled}, {p.WriteEnabled, &c.WriteEnabled}, {p.ReadEnabled, &c.ReadEnabled}, {p.ListEnabled, &c.ListEnabled}} {
		if f.v != nil {
			*f.dst = *f.v
		}
	}
	return true
}

type acrTag struct {
	Name                 string     `json:"name"`
	Digest               string     `json:"digest"`
	CreatedTime          string     `json:"createdTime"`
	LastUpdateTime       string     `json:"lastUpdateTime"`
	Signed               bool       `json:"signed"`
	ChangeableAttributes changeable `json:"changeableAttributes"`
}

func (s *server) acrTagOf(name string, t tagInfo) acrTag {
	return acrTag{Name: t.name, Digest: t.digest, CreatedTime: rfc3339(t.created), LastUpdateTime: rfc3339(t.updated), ChangeableAttributes: s.locks.get(name + ":" + t.name)}
}

func (s *server) acrTags(w http.ResponseWriter, r *http.Request, name string) {
	q := r.URL.Query()
	n, err := queryInt(q, "n", 0)
	if err != nil {
		writeErr(w, http.StatusBadRequest, "PAGINATION_NUMBER_INVALID", err.Error())
		return
	}
	tags, err := s.store.tags(name)
	if err != nil {
		writeErr(w, http.StatusInternalServerError, "UNKNOWN", err.Error())
		return
	}
	all := []acrTag{}
	for _, t := range tags {
		if d := q.Get("digest"); d == "" || d == t.digest {
			all = append(all, s.acrTagOf(name, t))
		}
	}
	orderBy(all, q.Get("orderby"), func(t acrTag) string { return t.LastUpdateTime }, func(t acrTag) string { return t.Name })
	out, more := page(all, func(t acrTag) string { return t.Name }, q.Get("last"), n)
	if more {
		next := url.Values{"last": {out[len(out)-1].Name}, "n": {q.Get("n")}, "orderby": {q.Get("orderby")}}
		w.Header().Set("Link", nextLink("/acr/v1/"+name+"/_tags", next))
	}
	if out == nil {
		out = []acrTag{}
	}
	writeJSON(w, "application/json; charset=utf-8", http.StatusOK, map[string]any{"registry": loginServer(r), "imageName": name, "tags": out})
}

// acrTag: GET, PATCH (lock) or DELETE (untag) one tag.
func (s *server) acrTag(w http.ResponseWriter, r *http.Request, name, tag string) {
	tags, err := s.store.tags(name)
	if err != nil {
		writeErr(w, http.StatusInternalServerError, "UNKNOWN", err.Error())
		return
	}
	var found *tagInfo
	for i := range tags {
		if tags[i].name == tag {
			found = &tags[i]
		}
	}
	if found == nil {
		writeErr(w, http.StatusNotFound, "TAG_UNKNOWN", "the specified tag does not exist")
		return
	}
	key := name + ":" + tag
	switch r.Method {
	case http.MethodGet:
	case http.MethodPatch:
		c := s.locks.get(key)
		if !patchChangeable(w, r, &c) {
			return
		}
		if err := s.locks.set(key, c); err != nil {
			writeErr(w, http.StatusInternalServerError, "UNKNOWN", err.Error())
			return
		}
	case http.MethodDelete:
		if !s.locks.get(key).DeleteEnabled {
			disallowed(w)
			return
		}
		if err := s.store.deleteTag(name, tag); err != nil {
			writeErr(w, http.StatusNotFound, "TAG_UNKNOWN", "the specified tag does not exist")
			return
		}
		w.WriteHeader(http.StatusAccepted)
		return
	default:
		writeErr(w, http.StatusMethodNotAllowed, "UNSUPPORTED", "The operation is unsupported.")
		return
	}
	writeJSON(w, "application/json; charset=utf-8", http.StatusOK, map[string]any{"registry": loginServer(r), "imageName": name, "tag": s.acrTagOf(name, *found)})
}
