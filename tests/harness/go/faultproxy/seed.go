// POST /__seed/<repo>: pushes an escape-laden graph into the upstream registry (real storage,
// real digests), so what arbor prints of it can be checked byte for byte:
//
//	v1 (image) ← annotated: artifactType and annotation keys/values full of escapes
//	           ← sbom:      SPDX JSON whose document, creator, package and licence names are
//	           ← files:     layers titled invoice<RLO>fdp.exe and plain.txt
//	           ← titled:    one layer titled title<OSC 0>.txt
//
// On a registry without the referrers API the sha256-<subject> fallback index is written
// too, as oras does. Answers {"subject","annotated","sbom","files","titled","referrers_api"}.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

var (
	hostileType  = "application/vnd.arbor.hostile" + oscTitle + rlo + "+json"
	hostileKey   = "key" + clear + rlo
	hostileValue = "value" + osc52 + c1CSI + lri + "x" + rlm
	fileTitles   = []string{"invoice" + rlo + "fdp.exe", "title" + oscTitle + ".txt"}
)

type pusher struct {
	base *url.URL
	repo string
}

func (p pusher) do(method, target, ctype string, body []byte) (*http.Response, error) {
	u, err := p.base.Parse(target)
	if err != nil {
		return nil, err
	}
	req, _ := http.NewRequest(method, u.String(), bytes.NewReader(body))
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	return http.DefaultClient.Do(req)
}

func (p pusher) blob(b []byte) (string, error) {
	d := digestOf(b)
	resp, err := p.do(http.MethodPost, "/v2/"+p.repo+"/blobs/uploads/", "", nil)
	if err != nil {
		return "", err
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusAccepted || loc == "" {
		return "", fmt.Errorf("blob upload start: %s", resp.Status)
	}
	sep := "?"
	if strings.Contains(loc, "?") {
		sep = "&"
	}
	resp, err = p.do(http.MethodPut, loc+sep+"digest="+d, "application/octet-stream", b)
	if err != nil {
		return "", err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		return "", fmt.Errorf("blob upload: %s", resp.Status)
	}
	return d, nil
}

func (p pusher) manifest(ref, ctype string, b []byte) error {
	resp, err := p.do(http.MethodPut, "/v2/"+p.repo+"/manifests/"+ref, ctype, b)
	if err != nil {
		return err
	}
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		return fmt.Errorf("manifest %s: %s %s", ref, resp.Status, msg)
	}
	return nil
}

// artifact pushes an artifact manifest with these layers (title → content) and returns its descriptor.
func (p pusher) artifact(artifactType string, subject desc, ann map[string]string, layerType string, layers [][2]string) (desc, error) {
	if _, err := p.blob([]byte("{}")); err != nil {
		return desc{}, err
	}
	ls := []map[string]any{}
	for _, l := range layers {
		d, err := p.blob([]byte(l[1]))
		if err != nil {
			return desc{}, err
		}
		ld := map[string]any{"mediaType": layerType, "digest": d, "size": len(l[1])}
		if l[0] != "" {
			ld["annotations"] = map[string]string{"org.opencontainers.image.title": l[0]}
		}
		ls = append(ls, ld)
	}
	b, _ := json.Marshal(map[string]any{"schemaVersion": 2, "mediaType": ociManifest, "artifactType": artifactType,
		"config": emptyDesc, "layers": ls, "subject": subject, "annotations": ann})
	d := digestOf(b)
	if err := p.manifest(d, ociManifest, b); err != nil {
		return desc{}, err
	}
	return desc{MediaType: ociManifest, Digest: d, Size: len(b), ArtifactType: artifactType, Annotations: ann}, nil
}

func (p *proxy) seed(w http.ResponseWriter, r *http.Request) {
	repo := strings.Trim(strings.TrimPrefix(r.URL.Path, "/__seed/"), "/")
	if r.Method != http.MethodPost || repo == "" {
		http.Error(w, "POST /__seed/<repo>", http.StatusBadRequest)
		return
	}
	out, err := seedHostile(pusher{base: p.upstream, repo: repo})
	if err != nil {
		http.Error(w, "seed: "+err.Error(), http.StatusBadGateway)
		return
	}
	b, _ := json.Marshal(out)
	writeJSON(w, http.StatusOK, "application/json", b)
}

func seedHostile(p pusher) (map[string]any, error) {
	cfg := []byte(`{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}`)
	cfgD, err := p.blob(cfg)
	if err != nil {
		return nil, err
	}
	layer := []byte("hostile layer\n")
	layerD, err := p.blob(layer)
	if err != nil {
		return nil, err
	}
	img, _ := json.Marshal(map[string]any{"schemaVersion": 2, "mediaType": ociManifest,
		"config": desc{MediaType: "application/vnd.oci.image.config.v1+json", Digest: cfgD, Size: len(cfg)},
		"layers": []desc{{MediaType: "application/vnd.oci.image.layer.v1.tar", Digest: layerD, Size: len(layer)}}})
	if err := p.manifest("v1", ociManifest, img); err != nil {
		return nil, err
	}
	subject := desc{MediaType: ociManifest, Digest: digestOf(img), Size: len(img)}
	created := "2024-01-01T00:00:00Z"

	annotated, err := p.artifact(hostileType, subject, map[string]string{
		"org.opencontainers.image.created": created, hostileKey: hostileValue,
		"org.opencontainers.image.description": "line one\nline two " + clear + " " + osc52,
	}, "application/json", [][2]string{{"", `{"hostile":true}`}})
	if err != nil {
		return nil, err
	}
	spdx, _ := json.Marshal(map[string]any{
		"spdxVersion": "SPDX-2.3", "SPDXID": "SPDXRef-DOCUMENT", "name": "doc" + oscTitle + rlo,
		"creationInfo": map[string]any{"created": created, "creators": []string{"Tool: tool" + osc52}},
		"packages": []map[string]any{
			{"SPDXID": "SPDXRef-a", "name": "pkg" + rlo + "evil", "versionInfo": "1.0" + clear,
				"licenseConcluded": "MIT" + c1CSI, "licenseDeclared": "Apache-2.0" + lri},
		}})
	sbom, err := p.artifact("application/spdx+json", subject, map[string]string{"org.opencontainers.image.created": created},
		"application/spdx+json", [][2]string{{"sbom.spdx.json", string(spdx)}})
	if err != nil {
		return nil, err
	}
	files, err := p.artifact("application/vnd.arbor.files", subject, map[string]string{"org.opencontainers.image.created": created},
		"application/octet-stream", [][2]string{{fileTitles[0], "MZ not really\n"}, {"plain.txt", "plain\n"}})
	if err != nil {
		return nil, err
	}
	// A title with a control character: a client may refuse to write it at all.
	titled, err := p.artifact("application/vnd.arbor.files", subject, map[string]string{"org.opencontainers.image.created": created},
		"application/octet-stream", [][2]string{{fileTitles[1], "hello\n"}})
	if err != nil {
		return nil, err
	}
	api := false
	if resp, err := p.do(http.MethodGet, "/v2/"+p.repo+"/referrers/"+subject.Digest, "", nil); err == nil {
		resp.Body.Close()
		api = resp.StatusCode == http.StatusOK
	}
	if !api {
		idx, _ := json.Marshal(map[string]any{"schemaVersion": 2, "mediaType": ociIndex,
			"manifests": []desc{annotated, sbom, files, titled}})
		tag := "sha256-" + strings.TrimPrefix(subject.Digest, "sha256:")
		if err := p.manifest(tag, ociIndex, idx); err != nil {
			return nil, err
		}
	}
	return map[string]any{"subject": subject.Digest, "annotated": annotated.Digest, "sbom": sbom.Digest,
		"files": files.Digest, "titled": titled.Digest, "referrers_api": api}, nil
}
