package main

// The Harbor v2.0 API (shapes from goharbor/harbor api/v2.0/swagger.yaml at v2.12.0: listArtifacts,
// getArtifact, listAccessories, getPing; definitions Artifact, Tag, Reference, Platform, Accessory)
// and Harbor's accessory model (src/server/middleware/subject, src/server/middleware/cosign,
// src/pkg/artifact/dao: accessories are not listed as artifacts; the default list holds tagged
// artifacts and untagged ones no index references; q=base=* lists every non-accessory artifact).

import (
	"crypto/sha256"
	"encoding/binary"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

const (
	notationSignature = "application/vnd.cncf.notary.signature"
	cosignSigConfig   = "application/vnd.dev.cosign.artifact.sig.v1+json"
	harborSBOM        = "application/vnd.goharbor.harbor.sbom.v1"
)

// id: a stable positive int64 for a name (Harbor's database ids).
func id(parts ...string) int64 {
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return int64(binary.BigEndian.Uint64(sum[:8]) >> 12)
}

// cosignSigSubject: the digest a cosign `sha256-<hex>.sig` tag names.
func cosignSigSubject(tag string) (string, bool) {
	hexPart, ok := strings.CutPrefix(tag, "sha256-")
	if !ok {
		return "", false
	}
	hexPart, ok = strings.CutSuffix(hexPart, ".sig")
	if !ok || !isDigest("sha256:"+hexPart) {
		return "", false
	}
	return "sha256:" + hexPart, true
}

// harborView: a snapshot with Harbor's accessory relation.
type harborView struct {
	*snapshot
	project     string
	accessoryOf map[string]string   // accessory digest -> subject digest
	accType     map[string]string   // accessory digest -> accessory type
	accessories map[string][]string // subject digest -> accessory digests
}

func (s *server) harborView(repo string) (*harborView, error) {
	sn, err := s.store.snapshot(repo)
	if err != nil {
		return nil, err
	}
	v := &harborView{snapshot: sn, accessoryOf: map[string]string{}, accType: map[string]string{}, accessories: map[string][]string{}}
	v.project, _, _ = strings.Cut(repo, "/")
	add := func(acc, subject, typ string) {
		if _, done := v.accessoryOf[acc]; done {
			return
		}
		v.accessoryOf[acc], v.accType[acc] = subject, typ
		v.accessories[subject] = append(v.accessories[subject], acc)
	}
	for _, d := range sn.order {
		m := sn.entries[d].m
		if m.Subject == nil || m.Subject.Digest == "" {
			continue
		}
		typ := "subject.accessory"
		switch m.referrersArtifactType() {
		case notationSignature:
			typ = "signature.notation"
		case cosignSigConfig:
			typ = "signature.cosign"
		case harborSBOM:
			typ = "sbom.harbor"
		}
		add(d, m.Subject.Digest, typ)
	}
	for _, t := range sn.tags {
		if subject, ok := cosignSigSubject(t.name); ok {
			if _, present := sn.entries[t.digest]; present {
				add(t.digest, subject, "signature.cosign")
			}
		}
	}
	for _, accs := range v.accessories {
		sort.Strings(accs)
	}
	return v, nil
}

// ownTags: the tags of an artifact, without the cosign .sig tags (those belong to the accessory).
func (v *harborView) ownTags(d string) []tagInfo {
	var out []tagInfo
	for _, t := range v.entries[d].tags {
		if _, sig := cosignSigSubject(t.name); !sig {
			out = append(out, t)
		}
	}
	return out
}

func (v *harborView) size(d string, depth int) int64 {
	e, ok := v.entries[d]
	if !ok || depth > 8 {
		return 0
	}
	n := e.m.Size
	if e.m.isIndex() {
		for _, c := range e.m.Manifests {
			n += v.size(c.Digest, depth+1)
		}
		return n
	}
	if e.m.Config != nil {
		n += e.m.Config.Size
	}
	for _, l := range e.m.Layers {
		n += l.Size
	}
	return n
}

type harborTag struct {
	ID           int64  `json:"id"`
	RepositoryID int64  `json:"repository_id"`
	ArtifactID   int64  `json:"artifact_id"`
	Name         string `json:"name"`
	PushTime     string `json:"push_time"`
	PullTime     string `json:"pull_time"`
	Immutable    bool   `json:"immutable"`
}

type harborRef struct {
	ParentID    int64             `json:"parent_id"`
	ChildID     int64             `json:"child_id"`
	ChildDigest string            `json:"child_digest"`
	Platform    *platform         `json:"platform,omitempty"`
	Annotations map[string]string `json:"annotations"`
	URLs        []string          `json:"urls"`
}

type harborAccessory struct {
	ID                    int64  `json:"id"`
	ArtifactID            int64  `json:"artifact_id"`
	SubjectArtifactID     int64  `json:"subject_artifact_id,omitempty"`
	SubjectArtifactDigest string `json:"subject_artifact_digest"`
	SubjectArtifactRepo   string `json:"subject_artifact_repo"`
	Size                  int64  `json:"size"`
	Digest                string `json:"digest"`
	Type                  string `json:"type"`
	Icon                  string `json:"icon"`
	CreationTime          string `json:"creation_time"`
}

type additionLink struct {
	Href     string `json:"href"`
	Absolute bool   `json:"absolute"`
}

type harborArtifact struct {
	ID                int64                   `json:"id"`
	Type              string                  `json:"type"`
	MediaType         string                  `json:"media_type"`
	ManifestMediaType string                  `json:"manifest_media_type"`
	ArtifactType      string                  `json:"artifact_type,omitempty"`
	ProjectID         int64                   `json:"project_id"`
	RepositoryID      int64                   `json:"repository_id"`
	RepositoryName    string                  `json:"repository_name"`
	Digest            string                  `json:"digest"`
	Size              int64                   `json:"size"`
	Icon              string                  `json:"icon"`
	PushTime          string                  `json:"push_time"`
	PullTime          string                  `json:"pull_time"`
	ExtraAttrs        map[string]any          `json:"extra_attrs"`
	Annotations       map[string]string       `json:"annotations"`
	References        []harborRef             `json:"references"`
	Tags              []harborTag             `json:"tags"`
	AdditionLinks     map[string]additionLink `json:"addition_links,omitempty"`
	Labels            []any                   `json:"labels"`
	Accessories       []harborAccessory       `json:"accessories"`
}

const zeroTime = "0001-01-01T00:00:00.000Z"

// harborTime: Harbor's strfmt.DateTime format (milliseconds).
func harborTime(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

func (v *harborView) accessoryOfJSON(acc string) harborAccessory {
	subject := v.accessoryOf[acc]
	a := harborAccessory{
		ID: id(v.repo, "accessory", acc), ArtifactID: id(v.repo, acc), SubjectArtifactDigest: subject,
		SubjectArtifactRepo: v.repo, Size: v.size(acc, 0), Digest: acc, Type: v.accType[acc],
		CreationTime: harborTime(v.entries[acc].created),
	}
	if _, ok := v.entries[subject]; ok {
		a.SubjectArtifactID = id(v.repo, subject)
	}
	return a
}

func (v *harborView) artifact(d string, withTag, withAccessory bool) harborArtifact {
	e := v.entries[d]
	m := e.m
	a := harborArtifact{
		ID: id(v.repo, d), ManifestMediaType: m.MediaType, ProjectID: id(v.project), RepositoryID: id(v.repo),
		RepositoryName: v.repo, Digest: d, Size: v.size(d, 0), PushTime: harborTime(e.created), PullTime: zeroTime,
		ExtraAttrs: map[string]any{}, Annotations: m.Annotations,
	}
	base := "/api/v2.0/projects/" + v.project + "/repositories/" + url.PathEscape(url.PathEscape(strings.TrimPrefix(v.repo, v.project+"/"))) + "/artifacts/" + d + "/additions/"
	if m.isIndex() {
		a.MediaType, a.ArtifactType, a.Type = m.MediaType, m.ArtifactType, "IMAGE"
		for _, c := range m.Manifests {
			a.References = append(a.References, harborRef{ParentID: a.ID, ChildID: id(v.repo, c.Digest), ChildDigest: c.Digest, Platform: c.Platform, Annotations: c.Annotations, URLs: c.URLs})
		}
		a.AdditionLinks = map[string]additionLink{"vulnerabilities": {Href: base + "vulnerabilities"}}
	} else {
		a.MediaType, a.ArtifactType = m.configType(), m.referrersArtifactType()
		a.Type = "UNKNOWN"
		if m.isImage() {
			a.Type = "IMAGE"
			a.AdditionLinks = map[string]additionLink{"build_history": {Href: base + "build_history"}, "vulnerabilities": {Href: base + "vulnerabilities"}}
		} else if t, ok := strings.CutPrefix(a.MediaType, "application/vnd."); ok {
			// Harbor's default processor: application/vnd.<x>.<type>.config.<y>+json -> TYPE
			if parts := strings.SplitN(t, ".", 2); len(parts) == 2 {
				if ty, _, ok := strings.Cut(parts[1], ".config."); ok && strings.HasSuffix(a.MediaType, "+json") {
					a.Type = strings.ToUpper(ty)
				}
			}
		}
		if c := m.Image; c != nil {
			a.ExtraAttrs = map[string]any{"architecture": c.Architecture, "os": c.OS, "created": c.Created, "author": c.Author, "config": c.Config}
		}
	}
	if withTag {
		for _, t := range v.ownTags(d) {
			a.Tags = append(a.Tags, harborTag{ID: id(v.repo, "tag", t.name), RepositoryID: a.RepositoryID, ArtifactID: a.ID, Name: t.name, PushTime: harborTime(t.updated), PullTime: zeroTime})
		}
	}
	if withAccessory {
		for _, acc := range v.accessories[d] {
			a.Accessories = append(a.Accessories, v.accessoryOfJSON(acc))
		}
	}
	return a
}

// harborRoute parses /api/v2.0/projects/<p>/repositories/<r>/artifacts[/<ref>[/accessories]], with
// <r> URL-encoded twice as Harbor requires (a/b -> a%252Fb).
func harborRoute(escaped string) (repo, ref, sub string, ok bool) {
	seg := strings.Split(strings.TrimPrefix(escaped, "/api/v2.0/"), "/")
	if len(seg) < 5 || seg[0] != "projects" || seg[2] != "repositories" || seg[4] != "artifacts" || len(seg) > 7 {
		return "", "", "", false
	}
	p, err := url.PathUnescape(seg[1])
	if err != nil || p == "" {
		return "", "", "", false
	}
	once, err := url.PathUnescape(seg[3])
	if err != nil || strings.Contains(once, "/") {
		return "", "", "", false // a slash encoded only once is a path separator to Harbor's router
	}
	name, err := url.PathUnescape(once)
	if err != nil || name == "" {
		return "", "", "", false
	}
	if len(seg) > 5 {
		if ref, err = url.PathUnescape(seg[5]); err != nil {
			return "", "", "", false
		}
	}
	if len(seg) > 6 {
		sub = seg[6]
	}
	return p + "/" + name, ref, sub, true
}

func harborErr(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, "application/json", status, map[string]any{"errors": []map[string]string{{"code": code, "message": msg}}})
}

func (s *server) serveHarbor(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/api/v2.0/ping" && r.Method == http.MethodGet {
		w.Header().Set("Content-Type", "text/plain")
		w.Write([]byte("Pong"))
		return
	}
	repo, ref, sub, ok := harborRoute(r.URL.EscapedPath())
	if !ok || r.Method != http.MethodGet || (sub != "" && sub != "accessories") {
		harborErr(w, http.StatusNotFound, "NOT_FOUND", "not found")
		return
	}
	if !s.store.repoExists(repo) {
		harborErr(w, http.StatusNotFound, "NOT_FOUND", "repository "+repo+" not found")
		return
	}
	v, err := s.harborView(repo)
	if err != nil {
		harborErr(w, http.StatusInternalServerError, "UNKNOWN", err.Error())
		return
	}
	q := r.URL.Query()
	if ref == "" {
		s.harborList(w, r, v)
		return
	}
	digest := ref
	if !isDigest(ref) {
		digest = ""
		for _, t := range v.tags {
			if t.name == ref {
				digest = t.digest
			}
		}
	}
	if _, found := v.entries[digest]; !found {
		harborErr(w, http.StatusNotFound, "NOT_FOUND", "artifact "+repo+"@"+ref+" not found")
		return
	}
	if sub == "accessories" {
		accs := []harborAccessory{}
		for _, acc := range v.accessories[digest] {
			accs = append(accs, v.accessoryOfJSON(acc))
		}
		s.harborPage(w, r, accs)
		return
	}
	writeJSON(w, "application/json", http.StatusOK, v.artifact(digest, q.Get("with_tag") != "false", q.Get("with_accessory") == "true"))
}

// harborPaging reads page and page_size as Harbor validates them (page_size at most 100).
func harborPaging(w http.ResponseWriter, q url.Values) (pageNo, size int, ok bool) {
	pageNo, err1 := queryInt(q, "page", 1)
	size, err2 := queryInt(q, "page_size", 10)
	if err1 != nil || err2 != nil || pageNo < 1 {
		harborErr(w, http.StatusBadRequest, "BAD_REQUEST", "invalid page or page_size")
		return 0, 0, false
	}
	if size > 100 {
		harborErr(w, http.StatusUnprocessableEntity, "UNPROCESSABLE_ENTITY", "validation failure list:\npage_size in query should be less than or equal to 100")
		return 0, 0, false
	}
	return pageNo, size, true
}

// harborPage writes one page of items with X-Total-Count and Link, as Harbor's BaseAPI.Links does.
func harborPage[T any](s *server, w http.ResponseWriter, r *http.Request, items []T) {
	pageNo, size, ok := harborPaging(w, r.URL.Query())
	if !ok {
		return
	}
	total := len(items)
	out := []T{}
	if size == 0 {
		out = items
	} else if start := (pageNo - 1) * size; start < total {
		out = items[start:min(start+size, total)]
	}
	var links []string
	link := func(p int, rel string) string {
		u := *r.URL
		q := u.Query()
		q.Set("page", strconv.Itoa(p))
		q.Set("page_size", strconv.Itoa(size))
		raw := q.Encode()
		if un, err := url.QueryUnescape(raw); err == nil {
			raw = un
		}
		return "<" + u.EscapedPath() + "?" + raw + `>; rel="` + rel + `"`
	}
	if size > 0 && pageNo > 1 && (pageNo-1)*size < total {
		links = append(links, link(pageNo-1, "prev"))
	}
	if size > 0 && size*pageNo < total {
		links = append(links, link(pageNo+1, "next"))
	}
	if len(links) > 0 {
		w.Header().Set("Link", strings.Join(links, " , "))
	}
	w.Header().Set("X-Total-Count", strconv.Itoa(total))
	writeJSON(w, "application/json", http.StatusOK, out)
}

func (s *server) harborPage(w http.ResponseWriter, r *http.Request, items []harborAccessory) {
	harborPage(s, w, r, items)
}

func (s *server) harborList(w http.ResponseWriter, r *http.Request, v *harborView) {
	q := r.URL.Query()
	all, tagsFilter := false, ""
	for _, kv := range strings.Split(q.Get("q"), ",") {
		k, val, _ := strings.Cut(strings.TrimSpace(kv), "=")
		switch k {
		case "base":
			all = val == "*"
		case "tags":
			tagsFilter = val
		}
	}
	var list []harborArtifact
	for _, d := range v.order {
		if _, acc := v.accessoryOf[d]; acc {
			continue
		}
		tagged := len(v.ownTags(d)) > 0
		if !all && !tagged && len(v.parents[d]) > 0 {
			continue
		}
		if (tagsFilter == "*" && !tagged) || (tagsFilter == "nil" && tagged) {
			continue
		}
		list = append(list, v.artifact(d, q.Get("with_tag") != "false", q.Get("with_accessory") == "true"))
	}
	desc := !strings.HasPrefix(q.Get("sort"), "push_time")
	sort.SliceStable(list, func(i, j int) bool {
		if list[i].PushTime != list[j].PushTime {
			return (list[i].PushTime > list[j].PushTime) == desc
		}
		return list[i].Digest < list[j].Digest
	})
	harborPage(s, w, r, list)
}

// harborDelete deletes a manifest the way Harbor's artifact controller does (deleteDeeply): its
// accessories and its untagged, otherwise unreferenced index children go with it, leaves first; a
// manifest an index references is refused.
func (s *server) harborDelete(w http.ResponseWriter, r *http.Request, repo, digest string) {
	v, err := s.harborView(repo)
	if err != nil {
		harborErr(w, http.StatusInternalServerError, "UNKNOWN", err.Error())
		return
	}
	if _, ok := v.entries[digest]; !ok {
		s.proxy.ServeHTTP(w, r) // the registry's own 404
		return
	}
	deleting := map[string]bool{}
	var plan []string
	otherParents := func(d string) int {
		n := 0
		for _, p := range v.parents[d] {
			if !deleting[p] {
				n++
			}
		}
		return n
	}
	var visit func(d string, root bool) bool
	visit = func(d string, root bool) bool {
		if _, ok := v.entries[d]; !ok || deleting[d] {
			return true
		}
		if !root && len(v.ownTags(d)) > 0 {
			return true
		}
		if otherParents(d) > 0 {
			return !root
		}
		deleting[d] = true
		for _, acc := range v.accessories[d] {
			// Harbor: an accessory no index references goes as a root (its own tags with it)
			visit(acc, otherParents(acc) == 0)
		}
		for _, c := range v.entries[d].m.Manifests {
			visit(c.Digest, false)
		}
		plan = append(plan, d)
		return true
	}
	if !visit(digest, true) {
		harborErr(w, http.StatusPreconditionFailed, "VIOLATE_FOREIGN_KEY_CONSTRAINT", "the deleting artifact is referenced by others")
		return
	}
	for _, d := range plan {
		status, body, err := s.upstreamDelete(repo, d)
		if err != nil || (status != http.StatusAccepted && status != http.StatusNotFound) {
			harborErr(w, http.StatusInternalServerError, "UNKNOWN", "deleting "+d+": "+string(body))
			return
		}
	}
	w.WriteHeader(http.StatusAccepted)
}
