//! What an attached manifest covers — a signature, an SBOM, provenance, another attestation, a
//! scan result — from its artifact type, its layers' media types and annotations, and for
//! in-toto attestations the predicate type.
use crate::oci::Manifest;
use serde::Serialize;

/// What a manifest attached to a tag contributes to its coverage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    Signature,
    Sbom,
    Provenance,
    /// An in-toto attestation that is none of the above.
    Attestation,
    Scan,
    /// Anything else (a README, an unknown artifact type).
    Other,
}

/// A category and the format it was recognised by (`spdx`, `slsa v1`, `sarif`…).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub category: Category,
    pub format: String,
    /// The in-toto predicate type, when it came as an attestation.
    pub predicate_type: Option<String>,
}

impl Found {
    fn new(category: Category, format: &str) -> Self {
        Found {
            category,
            format: format.to_string(),
            predicate_type: None,
        }
    }

    /// True for an in-toto attestation (any predicate but a plain cosign signature's).
    pub fn is_attestation(&self) -> bool {
        self.category == Category::Attestation
            || (self.predicate_type.is_some() && self.category != Category::Signature)
    }
}

/// The predicate cosign's new bundle format uses for a plain image signature.
pub const COSIGN_SIGN_PREDICATE: &str = "https://sigstore.dev/cosign/sign/v1";
/// Where buildx (and the in-toto layer convention) name a layer's predicate type.
const ANN_PREDICATE_TYPE: &str = "in-toto.io/predicate-type";
/// Where cosign names a Sigstore bundle's predicate type on the manifest.
const ANN_BUNDLE_PREDICATE: &str = "dev.sigstore.bundle.predicateType";
/// cosign's legacy `.att` layers name their predicate type here.
const ANN_COSIGN_PREDICATE: &str = "predicateType";

/// The category of an in-toto predicate type.
pub fn of_predicate(predicate_type: &str) -> Found {
    let mut f = category_of_predicate(predicate_type);
    f.predicate_type = Some(predicate_type.to_string());
    f
}

fn category_of_predicate(predicate_type: &str) -> Found {
    let p = predicate_type.to_ascii_lowercase();
    if p.starts_with(COSIGN_SIGN_PREDICATE) {
        Found::new(Category::Signature, "cosign")
    } else if p.starts_with("https://spdx.dev/document") {
        Found::new(Category::Sbom, "spdx")
    } else if p.starts_with("https://cyclonedx.org/") {
        Found::new(Category::Sbom, "cyclonedx")
    } else if p.contains("syft") {
        Found::new(Category::Sbom, "syft")
    } else if let Some(v) = p.strip_prefix("https://slsa.dev/provenance/") {
        Found::new(
            Category::Provenance,
            &format!("slsa {}", v.trim_end_matches('/')),
        )
    } else if p.contains("/attestation/vuln") {
        Found::new(Category::Scan, "cosign vuln")
    } else if p.contains("sarif") {
        Found::new(Category::Scan, "sarif")
    } else {
        Found::new(Category::Attestation, predicate_type)
    }
}

/// The category of a media or artifact type on its own, when it says.
fn of_type(t: &str) -> Option<Found> {
    let l = t.to_ascii_lowercase();
    Some(if l == "application/vnd.cncf.notary.signature" {
        Found::new(Category::Signature, "notation")
    } else if (l.contains("cosign") && l.contains("sig")) || l.contains("simplesigning") {
        Found::new(Category::Signature, "cosign")
    } else if l.contains("spdx") {
        Found::new(Category::Sbom, "spdx")
    } else if l.contains("cyclonedx") {
        Found::new(Category::Sbom, "cyclonedx")
    } else if l.contains("syft") {
        Found::new(Category::Sbom, "syft")
    } else if l.contains("sarif") {
        Found::new(Category::Scan, "sarif")
    } else if l.contains("trivy") {
        Found::new(Category::Scan, "trivy")
    } else if l.contains("vuln") {
        Found::new(Category::Scan, "vulnerability report")
    } else if l.contains("slsa") || l.contains("provenance") {
        Found::new(Category::Provenance, "provenance")
    } else {
        return None;
    })
}

/// What a manifest covers, read from the manifest alone (no blob): its layers' predicate-type
/// annotations first, then a bundle's predicate annotation, then its artifact and layer types.
/// A signature envelope whose predicate is only inside the blob comes out as what its type
/// says; [`of_predicate`] refines it once verification has read the blob.
pub fn of_manifest(m: &Manifest) -> Vec<Found> {
    fn push(out: &mut Vec<Found>, f: Found) {
        if !out.contains(&f) {
            out.push(f);
        }
    }
    let mut out: Vec<Found> = Vec::new();
    for l in m.files() {
        let ann = l.annotations.as_ref();
        let pt = ann
            .and_then(|a| {
                a.get(ANN_PREDICATE_TYPE)
                    .or_else(|| a.get(ANN_COSIGN_PREDICATE))
            })
            .filter(|p| !p.is_empty());
        if let Some(p) = pt {
            push(&mut out, of_predicate(p));
        }
    }
    if !out.is_empty() {
        return out;
    }
    if let Some(p) = m
        .annotations
        .as_ref()
        .and_then(|a| a.get(ANN_BUNDLE_PREDICATE))
    {
        return vec![of_predicate(p)];
    }
    let at = m.effective_artifact_type().unwrap_or_default();
    if let Some(f) = of_type(&at) {
        return vec![f];
    }
    for l in m.files() {
        if let Some(f) = of_type(&l.media_type) {
            push(&mut out, f);
        }
    }
    if out.is_empty() {
        if at.starts_with("application/vnd.dev.sigstore.bundle") {
            // A bundle with no predicate annotation: a signature until its blob says otherwise.
            out.push(Found::new(Category::Signature, "cosign"));
        } else if at.contains("in-toto") || at.contains("dsse") {
            out.push(Found::new(Category::Attestation, "in-toto"));
        } else {
            out.push(Found::new(
                Category::Other,
                if at.is_empty() { "-" } else { &at },
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const D: &str = "sha256:0000000000000000000000000000000000000000000000000000000000000000";

    fn manifest(artifact_type: &str, layers: &[(&str, Option<(&str, &str)>)]) -> Manifest {
        let layers: Vec<String> = layers
            .iter()
            .map(|(mt, ann)| match ann {
                Some((k, v)) => format!(
                    r#"{{"mediaType":"{mt}","digest":"{D}","size":1,"annotations":{{"{k}":"{v}"}}}}"#
                ),
                None => format!(r#"{{"mediaType":"{mt}","digest":"{D}","size":1}}"#),
            })
            .collect();
        let at = if artifact_type.is_empty() {
            String::new()
        } else {
            format!(r#""artifactType":"{artifact_type}","#)
        };
        Manifest::parse(
            format!(
                r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",{at}"config":{{"mediaType":"application/vnd.oci.empty.v1+json","digest":"{D}","size":2}},"layers":[{}]}}"#,
                layers.join(",")
            )
            .as_bytes(),
            None,
        )
        .expect("manifest")
    }

    fn cats(m: &Manifest) -> Vec<(Category, String)> {
        of_manifest(m)
            .into_iter()
            .map(|f| (f.category, f.format))
            .collect()
    }

    #[test]
    fn predicates_fall_into_their_category() {
        for (p, c, f) in [
            (COSIGN_SIGN_PREDICATE, Category::Signature, "cosign"),
            ("https://spdx.dev/Document", Category::Sbom, "spdx"),
            ("https://spdx.dev/Document/v2.3", Category::Sbom, "spdx"),
            ("https://cyclonedx.org/bom", Category::Sbom, "cyclonedx"),
            (
                "https://slsa.dev/provenance/v0.2",
                Category::Provenance,
                "slsa v0.2",
            ),
            (
                "https://slsa.dev/provenance/v1",
                Category::Provenance,
                "slsa v1",
            ),
            (
                "https://cosign.sigstore.dev/attestation/vuln/v1",
                Category::Scan,
                "cosign vuln",
            ),
            (
                "https://example.com/custom",
                Category::Attestation,
                "https://example.com/custom",
            ),
        ] {
            let found = of_predicate(p);
            assert_eq!((found.category, found.format.as_str()), (c, f), "{p}");
            assert_eq!(found.predicate_type.as_deref(), Some(p));
            assert_eq!(found.is_attestation(), c != Category::Signature, "{p}");
        }
    }

    #[test]
    fn manifests_are_classified_without_their_blobs() {
        let notation = manifest(
            "application/vnd.cncf.notary.signature",
            &[("application/jose+json", None)],
        );
        assert_eq!(cats(&notation), [(Category::Signature, "notation".into())]);
        let oras_sbom = manifest("application/spdx+json", &[("application/spdx+json", None)]);
        assert_eq!(cats(&oras_sbom), [(Category::Sbom, "spdx".into())]);
        let sarif = manifest(
            "application/sarif+json",
            &[("application/sarif+json", None)],
        );
        assert_eq!(cats(&sarif), [(Category::Scan, "sarif".into())]);
        // cosign's legacy .sig: no artifact type, a simple-signing layer.
        let sig = manifest(
            "",
            &[("application/vnd.dev.cosign.simplesigning.v1+json", None)],
        );
        assert_eq!(cats(&sig), [(Category::Signature, "cosign".into())]);
        // cosign's legacy .att: DSSE layers naming their predicate.
        let att = manifest(
            "",
            &[(
                "application/vnd.dsse.envelope.v1+json",
                Some(("predicateType", "https://slsa.dev/provenance/v0.2")),
            )],
        );
        assert_eq!(cats(&att), [(Category::Provenance, "slsa v0.2".into())]);
        // buildx attestation manifests: in-toto layers with the predicate annotation.
        let buildx = manifest(
            "",
            &[
                (
                    "application/vnd.in-toto+json",
                    Some(("in-toto.io/predicate-type", "https://spdx.dev/Document")),
                ),
                (
                    "application/vnd.in-toto+json",
                    Some((
                        "in-toto.io/predicate-type",
                        "https://slsa.dev/provenance/v0.2",
                    )),
                ),
            ],
        );
        assert_eq!(
            cats(&buildx),
            [
                (Category::Sbom, "spdx".into()),
                (Category::Provenance, "slsa v0.2".into())
            ]
        );
        let readme = manifest("text/markdown", &[("text/markdown", None)]);
        assert_eq!(cats(&readme), [(Category::Other, "text/markdown".into())]);
        let bundle = manifest(
            "application/vnd.dev.sigstore.bundle.v0.3+json",
            &[("application/vnd.dev.sigstore.bundle.v0.3+json", None)],
        );
        assert_eq!(cats(&bundle), [(Category::Signature, "cosign".into())]);
    }
}
