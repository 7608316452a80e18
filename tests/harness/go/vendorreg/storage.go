package main

// Reading a distribution 2.8.3 filesystem-driver storage directory: what the registry holds, when
// each manifest and tag was written (file mtimes of the link files) and how big every blob is.
//
//	<root>/docker/registry/v2/repositories/<repo>/_manifests/revisions/sha256/<hex>/link
//	<root>/docker/registry/v2/repositories/<repo>/_manifests/tags/<tag>/current/link
//	<root>/docker/registry/v2/repositories/<repo>/_manifests/tags/<tag>/index/sha256/<hex>/link
//	<root>/docker/registry/v2/blobs/sha256/<hh>/<hex>/data
//
// A manifest DELETE removes its revision link file (the directory stays) and every tag directory
// pointing at it, so "present" means "the link file exists".

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

const (
	ociIndex      = "application/vnd.oci.image.index.v1+json"
	ociManifest   = "application/vnd.oci.image.manifest.v1+json"
	dockerList    = "application/vnd.docker.distribution.manifest.list.v2+json"
	dockerV2      = "application/vnd.docker.distribution.manifest.v2+json"
	ociConfig     = "application/vnd.oci.image.config.v1+json"
	dockerConfig  = "application/vnd.docker.container.image.v1+json"
	maxManifest   = 4 << 20
	maxConfigBlob = 1 << 20
)

type descriptor struct {
	MediaType    string            `json:"mediaType"`
	Digest       string            `json:"digest"`
	Size         int64             `json:"size"`
	ArtifactType string            `json:"artifactType,omitempty"`
	Annotations  map[string]string `json:"annotations,omitempty"`
	Platform     *platform         `json:"platform,omitempty"`
	URLs         []string          `json:"urls,omitempty"`
}

type platform struct {
	Architecture string   `json:"architecture"`
	OS           string   `json:"os"`
	OSVersion    string   `json:"os.version,omitempty"`
	OSFeatures   []string `json:"os.features,omitempty"`
	Variant      string   `json:"variant,omitempty"`
}

// manifest is the part of any manifest or index the stand-in needs; content-addressed, so cached forever.
type manifest struct {
	Size         int64
	MediaType    string            `json:"mediaType"`
	ArtifactType string            `json:"artifactType"`
	Config       *descriptor       `json:"config"`
	Layers       []descriptor      `json:"layers"`
	Manifests    []descriptor      `json:"manifests"`
	Subject      *descriptor       `json:"subject"`
	Annotations  map[string]string `json:"annotations"`
	// from the config blob, for images
	Image *imageConfig `json:"-"`
}

type imageConfig struct {
	Architecture string          `json:"architecture"`
	OS           string          `json:"os"`
	Variant      string          `json:"variant"`
	Created      string          `json:"created"`
	Author       string          `json:"author"`
	Config       json.RawMessage `json:"config"`
}

func (m *manifest) isIndex() bool {
	return m.MediaType == ociIndex || m.MediaType == dockerList || (m.MediaType == "" && m.Config == nil && len(m.Manifests) > 0)
}

func (m *manifest) configType() string {
	if m.Config == nil {
		return ""
	}
	return m.Config.MediaType
}

func (m *manifest) isImage() bool {
	t := m.configType()
	return t == ociConfig || t == dockerConfig
}

// artifactType as the distribution spec's referrers listing reports it.
func (m *manifest) referrersArtifactType() string {
	if m.ArtifactType != "" {
		return m.ArtifactType
	}
	if m.isIndex() {
		return ""
	}
	return m.configType()
}

type store struct {
	root      string
	mu        sync.Mutex
	manifests map[string]*manifest
	blobSizes map[string]int64
}

func newStore(root string) *store {
	return &store{root: root, manifests: map[string]*manifest{}, blobSizes: map[string]int64{}}
}

func (s *store) reposDir() string {
	return filepath.Join(s.root, "docker", "registry", "v2", "repositories")
}

func (s *store) repoDir(repo string) string {
	return filepath.Join(s.reposDir(), filepath.FromSlash(repo))
}

func blobPath(root, digest string) (string, error) {
	hexPart, ok := strings.CutPrefix(digest, "sha256:")
	if !ok || len(hexPart) != 64 {
		return "", fmt.Errorf("unsupported digest %q", digest)
	}
	if _, err := hex.DecodeString(hexPart); err != nil {
		return "", fmt.Errorf("bad digest %q", digest)
	}
	return filepath.Join(root, "docker", "registry", "v2", "blobs", "sha256", hexPart[:2], hexPart, "data"), nil
}

// repos lists every repository that has a _manifests directory, sorted.
func (s *store) repos() ([]string, error) {
	base := s.reposDir()
	var out []string
	err := filepath.WalkDir(base, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if !d.IsDir() {
			return nil
		}
		switch d.Name() {
		case "_manifests":
			rel, _ := filepath.Rel(base, filepath.Dir(p))
			out = append(out, filepath.ToSlash(rel))
			return fs.SkipDir
		case "_layers", "_uploads":
			return fs.SkipDir
		}
		return nil
	})
	sort.Strings(out)
	return out, err
}

func (s *store) repoExists(repo string) bool {
	if repo == "" || strings.Contains(repo, "..") {
		return false
	}
	st, err := os.Stat(filepath.Join(s.repoDir(repo), "_manifests"))
	return err == nil && st.IsDir()
}

type revision struct {
	digest  string
	created time.Time
}

// revisions: the manifests present in a repository, with the time their revision link was written.
func (s *store) revisions(repo string) ([]revision, error) {
	dir := filepath.Join(s.repoDir(repo), "_manifests", "revisions", "sha256")
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []revision
	for _, e := range entries {
		st, err := os.Stat(filepath.Join(dir, e.Name(), "link"))
		if err != nil {
			continue // deleted: the link is gone, the directory stays
		}
		out = append(out, revision{digest: "sha256:" + e.Name(), created: st.ModTime()})
	}
	return out, nil
}

type tagInfo struct {
	name    string
	digest  string
	created time.Time
	updated time.Time
}

// tags: every tag of a repository with the digest it points at; created is the first time the tag
// was written (oldest index link), updated the last (current link).
func (s *store) tags(repo string) ([]tagInfo, error) {
	dir := filepath.Join(s.repoDir(repo), "_manifests", "tags")
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []tagInfo
	for _, e := range entries {
		cur := filepath.Join(dir, e.Name(), "current", "link")
		b, err := os.ReadFile(cur)
		if err != nil {
			continue
		}
		st, err := os.Stat(cur)
		if err != nil {
			continue
		}
		t := tagInfo{name: e.Name(), digest: strings.TrimSpace(string(b)), updated: st.ModTime(), created: st.ModTime()}
		hist, _ := os.ReadDir(filepath.Join(dir, e.Name(), "index", "sha256"))
		for _, h := range hist {
			if hs, err := os.Stat(filepath.Join(dir, e.Name(), "index", "sha256", h.Name(), "link")); err == nil && hs.ModTime().Before(t.created) {
				t.created = hs.ModTime()
			}
		}
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out, nil
}

// deleteTag removes a tag the way distribution's own untag does (the tag directory).
func (s *store) deleteTag(repo, tag string) error {
	if tag == "" || strings.ContainsAny(tag, "/\\") || tag == "." || tag == ".." {
		return fs.ErrNotExist
	}
	dir := filepath.Join(s.repoDir(repo), "_manifests", "tags", tag)
	if _, err := os.Stat(filepath.Join(dir, "current", "link")); err != nil {
		return fs.ErrNotExist
	}
	return os.RemoveAll(dir)
}

func (s *store) blobSize(digest string) (int64, bool) {
	s.mu.Lock()
	if n, ok := s.blobSizes[digest]; ok {
		s.mu.Unlock()
		return n, true
	}
	s.mu.Unlock()
	p, err := blobPath(s.root, digest)
	if err != nil {
		return 0, false
	}
	st, err := os.Stat(p)
	if err != nil {
		return 0, false
	}
	s.mu.Lock()
	s.blobSizes[digest] = st.Size()
	s.mu.Unlock()
	return st.Size(), true
}

func readVerified(root, digest string, limit int64) ([]byte, error) {
	p, err := blobPath(root, digest)
	if err != nil {
		return nil, err
	}
	st, err := os.Stat(p)
	if err != nil {
		return nil, err
	}
	if st.Size() > limit {
		return nil, fmt.Errorf("%s: %d bytes, over %d", digest, st.Size(), limit)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(b)
	if "sha256:"+hex.EncodeToString(sum[:]) != digest {
		return nil, fmt.Errorf("%s: content does not match its digest", digest)
	}
	return b, nil
}

// manifest reads and parses a manifest blob (and, for an image, its config), cached by digest.
func (s *store) manifest(digest string) (*manifest, error) {
	s.mu.Lock()
	if m, ok := s.manifests[digest]; ok {
		s.mu.Unlock()
		return m, nil
	}
	s.mu.Unlock()
	b, err := readVerified(s.root, digest, maxManifest)
	if err != nil {
		return nil, err
	}
	m := &manifest{}
	if err := json.Unmarshal(b, m); err != nil {
		return nil, fmt.Errorf("%s: %v", digest, err)
	}
	m.Size = int64(len(b))
	if m.MediaType == "" {
		if len(m.Manifests) > 0 && m.Config == nil {
			m.MediaType = ociIndex
		} else {
			m.MediaType = ociManifest
		}
	}
	if m.isImage() {
		if cb, err := readVerified(s.root, m.Config.Digest, maxConfigBlob); err == nil {
			c := &imageConfig{}
			if json.Unmarshal(cb, c) == nil {
				m.Image = c
			}
		}
	}
	s.mu.Lock()
	s.manifests[digest] = m
	s.mu.Unlock()
	return m, nil
}

// entry is one manifest present in a repository.
type entry struct {
	digest  string
	m       *manifest
	created time.Time
	updated time.Time
	tags    []tagInfo
}

// snapshot is a repository as it is on disk now, with the edges the vendor APIs report.
type snapshot struct {
	repo     string
	entries  map[string]*entry
	order    []string            // digests, sorted
	tags     []tagInfo           // every tag, sorted by name
	subjects map[string][]string // subject digest -> referrer digests (present manifests with that subject)
	parents  map[string][]string // child digest -> index digests listing it
}

func (s *store) snapshot(repo string) (*snapshot, error) {
	revs, err := s.revisions(repo)
	if err != nil {
		return nil, err
	}
	tags, err := s.tags(repo)
	if err != nil {
		return nil, err
	}
	sn := &snapshot{repo: repo, entries: map[string]*entry{}, tags: tags, subjects: map[string][]string{}, parents: map[string][]string{}}
	for _, r := range revs {
		m, err := s.manifest(r.digest)
		if err != nil {
			continue // a revision without readable content is not served by the registry either
		}
		sn.entries[r.digest] = &entry{digest: r.digest, m: m, created: r.created, updated: r.created}
		sn.order = append(sn.order, r.digest)
	}
	sort.Strings(sn.order)
	for _, t := range tags {
		if e, ok := sn.entries[t.digest]; ok {
			e.tags = append(e.tags, t)
			if t.updated.After(e.updated) {
				e.updated = t.updated
			}
		}
	}
	for _, d := range sn.order {
		m := sn.entries[d].m
		if m.Subject != nil && m.Subject.Digest != "" {
			sn.subjects[m.Subject.Digest] = append(sn.subjects[m.Subject.Digest], d)
		}
		if m.isIndex() {
			for _, c := range m.Manifests {
				sn.parents[c.Digest] = append(sn.parents[c.Digest], d)
			}
		}
	}
	return sn, nil
}

// imageSize is config + layers for a manifest, the sum over the present children for an index.
func (sn *snapshot) imageSize(s *store, digest string, depth int) int64 {
	e, ok := sn.entries[digest]
	if !ok || depth > 8 {
		return 0
	}
	if e.m.isIndex() {
		var n int64
		for _, c := range e.m.Manifests {
			n += sn.imageSize(s, c.Digest, depth+1)
		}
		return n
	}
	var n int64
	if e.m.Config != nil {
		n += e.m.Config.Size
	}
	for _, l := range e.m.Layers {
		n += l.Size
	}
	return n
}

// platformOf: the image config's os/arch, else the platform an index in the repository gives it.
func (sn *snapshot) platformOf(digest string) *platform {
	e, ok := sn.entries[digest]
	if !ok {
		return nil
	}
	if e.m.Image != nil && (e.m.Image.OS != "" || e.m.Image.Architecture != "") {
		return &platform{Architecture: e.m.Image.Architecture, OS: e.m.Image.OS, Variant: e.m.Image.Variant}
	}
	for _, p := range sn.parents[digest] {
		for _, c := range sn.entries[p].m.Manifests {
			if c.Digest == digest && c.Platform != nil {
				return c.Platform
			}
		}
	}
	return nil
}

func rfc3339(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.0000000Z")
}
