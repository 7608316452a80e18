//! in-toto statements, bare or in a DSSE envelope, with SLSA provenance (v0.2 and v1) read out.
use super::sbom::{self, SbomSummary};
use super::{clip, scan, MAX_LISTED};
use base64::Engine;
use serde::Serialize;
use serde_json::Value;

/// A decoded in-toto statement.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct StatementSummary {
    /// The DSSE envelope's payloadType (absent for a bare statement).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payload_type: Option<String>,
    /// DSSE signatures present (key ids where given); they are not verified.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signatures: Option<Vec<String>>,
    pub statement_type: String,
    pub predicate_type: String,
    pub subjects: Vec<Subject>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provenance: Option<Provenance>,
    /// The predicate read as an SBOM, when it is one (cosign attest --type spdxjson|cyclonedx).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sbom: Option<SbomSummary>,
    /// The predicate read as a scan result (cosign attest --type vuln, sarif).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scan: Option<scan::ScanSummary>,
    pub subject_count: usize,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Subject {
    pub name: String,
    /// `algorithm:hex` for every digest given.
    pub digests: Vec<String>,
}

/// What SLSA provenance says about the build.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Provenance {
    pub slsa_version: String,
    pub builder_id: Option<String>,
    pub build_type: Option<String>,
    pub materials: Vec<Subject>,
    pub material_count: usize,
}

impl StatementSummary {
    /// Subject digests as `algorithm:hex`.
    pub fn subject_digests(&self) -> Vec<String> {
        self.subjects
            .iter()
            .flat_map(|s| s.digests.iter().cloned())
            .collect()
    }
}

/// Decodes a DSSE envelope whose payload is an in-toto statement.
pub fn decode_dsse(bytes: &[u8]) -> Result<StatementSummary, String> {
    let v: Value =
        serde_json::from_slice(bytes).map_err(|e| format!("not a DSSE envelope: {e}"))?;
    from_envelope(&v)
}

/// A DSSE envelope's parts, as signed: the payload type and raw payload bytes, and each
/// signature with its key id.
#[derive(Debug, Clone)]
pub struct Dsse {
    pub payload_type: String,
    pub payload: Vec<u8>,
    /// (key id, signature bytes); a signature that is not base64 is `None`.
    pub signatures: Vec<(Option<String>, Option<Vec<u8>>)>,
}

/// Reads the parts of a DSSE envelope already parsed as JSON.
pub fn parse_dsse(v: &Value) -> Result<Dsse, String> {
    let payload_type = v
        .get("payloadType")
        .and_then(Value::as_str)
        .ok_or("not a DSSE envelope: no payloadType")?;
    let payload = v
        .get("payload")
        .and_then(Value::as_str)
        .ok_or("not a DSSE envelope: no payload")?;
    let payload = b64_any(payload).ok_or("DSSE payload is not base64")?;
    let signatures = v
        .get("signatures")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .take(MAX_LISTED)
                .map(|s| {
                    let keyid = s
                        .get("keyid")
                        .and_then(Value::as_str)
                        .filter(|k| !k.is_empty())
                        .map(|k| clip(k, 200));
                    let sig = s.get("sig").and_then(Value::as_str).and_then(b64_any);
                    (keyid, sig)
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(Dsse {
        payload_type: payload_type.to_string(),
        payload,
        signatures,
    })
}

/// Reads a DSSE envelope already parsed (also used for Sigstore bundles).
pub fn from_envelope(v: &Value) -> Result<StatementSummary, String> {
    let d = parse_dsse(v)?;
    let signatures = v.get("signatures").and_then(Value::as_array).map(|_| {
        d.signatures
            .iter()
            .map(|(k, _)| k.clone().unwrap_or_else(|| "(no key id)".to_string()))
            .collect()
    });
    let mut s = decode_statement(&d.payload)
        .map_err(|e| format!("DSSE payload ({}): {e}", clip(&d.payload_type, 200)))?;
    s.payload_type = Some(clip(&d.payload_type, 200));
    s.signatures = signatures;
    Ok(s)
}

/// Standard or URL-safe base64, padded or not.
pub(crate) fn b64_any(s: &str) -> Option<Vec<u8>> {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    let s = s.trim();
    [STANDARD, URL_SAFE, STANDARD_NO_PAD, URL_SAFE_NO_PAD]
        .iter()
        .find_map(|e| e.decode(s).ok())
}

fn subjects(v: Option<&Value>) -> (Vec<Subject>, usize) {
    let list = v
        .and_then(Value::as_array)
        .map(|a| a.as_slice())
        .unwrap_or(&[]);
    let out = list
        .iter()
        .take(MAX_LISTED)
        .map(|s| Subject {
            name: clip(
                s.get("name")
                    .or_else(|| s.get("uri"))
                    .and_then(Value::as_str)
                    .unwrap_or(""),
                200,
            ),
            digests: s
                .get("digest")
                .and_then(Value::as_object)
                .map(|d| {
                    d.iter()
                        .take(8)
                        .filter_map(|(alg, hex)| {
                            hex.as_str().map(|h| format!("{alg}:{}", clip(h, 128)))
                        })
                        .collect()
                })
                .unwrap_or_default(),
        })
        .collect();
    (out, list.len())
}

/// Decodes a bare in-toto statement (`_type`, `subject`, `predicateType`, `predicate`).
pub fn decode_statement(bytes: &[u8]) -> Result<StatementSummary, String> {
    let v: Value =
        serde_json::from_slice(bytes).map_err(|e| format!("not an in-toto statement: {e}"))?;
    let statement_type = v
        .get("_type")
        .and_then(Value::as_str)
        .ok_or("not an in-toto statement: no _type")?;
    let predicate_type = v
        .get("predicateType")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let (subjects, subject_count) = subjects(v.get("subject"));
    let predicate = v.get("predicate").unwrap_or(&Value::Null);
    let pt = predicate_type.as_str();
    let sbom = if pt.starts_with("https://spdx.dev/Document") {
        sbom::spdx_from_value(predicate)
    } else if pt.starts_with("https://cyclonedx.org/bom") {
        sbom::cyclonedx_from_value(predicate)
    } else {
        None
    };
    let scan = if pt.starts_with("https://cosign.sigstore.dev/attestation/vuln") {
        scan::from_cosign_vuln(predicate)
    } else {
        None
    };
    Ok(StatementSummary {
        payload_type: None,
        signatures: None,
        statement_type: clip(statement_type, 200),
        provenance: provenance(pt, predicate),
        predicate_type: clip(pt, 200),
        subjects,
        subject_count,
        sbom,
        scan,
    })
}

fn str_at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    path.iter().try_fold(v, |v, k| v.get(k))?.as_str()
}

fn provenance(predicate_type: &str, p: &Value) -> Option<Provenance> {
    let (version, builder, build_type, materials) = match predicate_type {
        "https://slsa.dev/provenance/v0.2" | "https://slsa.dev/provenance/v0.1" => (
            predicate_type.rsplit('/').next().unwrap_or(""),
            str_at(p, &["builder", "id"]),
            str_at(p, &["buildType"]),
            p.get("materials"),
        ),
        "https://slsa.dev/provenance/v1" => (
            "v1",
            str_at(p, &["runDetails", "builder", "id"]),
            str_at(p, &["buildDefinition", "buildType"]),
            p.get("buildDefinition")
                .and_then(|b| b.get("resolvedDependencies")),
        ),
        _ => return None,
    };
    let (materials, material_count) = subjects(materials);
    Some(Provenance {
        slsa_version: version.to_string(),
        builder_id: builder.map(|b| clip(b, 300)),
        build_type: build_type.map(|b| clip(b, 300)),
        materials,
        material_count,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    const SUBJECT: &str = "sha256:0b49609a94b245956d06204f55aad4233366e295e1f801eebfb0716448e86a60";

    #[test]
    fn cosign_attest_slsa_v02_envelope() {
        // Made by `cosign attest --type slsaprovenance` against the harness registry.
        let s = decode_dsse(include_bytes!(
            "../../tests/fixtures/inspect/cosign-attestation.dsse.json"
        ))
        .unwrap();
        assert_eq!(
            s.payload_type.as_deref(),
            Some("application/vnd.in-toto+json")
        );
        assert_eq!(s.statement_type, "https://in-toto.io/Statement/v0.1");
        assert_eq!(s.predicate_type, "https://slsa.dev/provenance/v0.2");
        assert_eq!(s.subject_digests(), vec![SUBJECT.to_string()]);
        let p = s.provenance.unwrap();
        assert_eq!(
            p.builder_id.as_deref(),
            Some("https://example.com/builder@v1")
        );
        assert_eq!(p.materials[0].name, "git+https://example.com/repo");
        assert_eq!(p.materials[0].digests, vec!["sha1:abc"]);
    }

    #[test]
    fn slsa_v1_shape() {
        let st = br#"{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"img","digest":{"sha256":"aa"}}],"predicateType":"https://slsa.dev/provenance/v1",
          "predicate":{"buildDefinition":{"buildType":"https://actions.github.io/buildtypes/workflow/v1","resolvedDependencies":[{"uri":"git+https://github.com/x/y@refs/heads/main","digest":{"gitCommit":"abc"}}]},
          "runDetails":{"builder":{"id":"https://github.com/actions/runner"}}}}"#;
        let p = decode_statement(st).unwrap().provenance.unwrap();
        assert_eq!(p.slsa_version, "v1");
        assert_eq!(
            p.builder_id.as_deref(),
            Some("https://github.com/actions/runner")
        );
        assert_eq!(p.material_count, 1);
        assert_eq!(p.materials[0].digests, vec!["gitCommit:abc"]);
    }

    #[test]
    fn malformed_envelopes_give_a_message() {
        assert!(decode_dsse(b"")
            .unwrap_err()
            .starts_with("not a DSSE envelope"));
        assert!(decode_dsse(br#"{"payloadType":"x"}"#)
            .unwrap_err()
            .contains("no payload"));
        assert!(decode_dsse(br#"{"payloadType":"x","payload":"!!!"}"#)
            .unwrap_err()
            .contains("base64"));
        assert!(
            decode_dsse(br#"{"payloadType":"x","payload":"bm90IGpzb24="}"#)
                .unwrap_err()
                .contains("not an in-toto statement")
        );
        let full = include_bytes!("../../tests/fixtures/inspect/cosign-attestation.dsse.json");
        for cut in [1, 50, full.len() / 2, full.len() - 3] {
            assert!(decode_dsse(&full[..cut]).is_err());
        }
        // Wrong types everywhere: decoded leniently, nothing panics.
        let s = decode_statement(br#"{"_type":"t","subject":{"a":1},"predicateType":"https://slsa.dev/provenance/v1","predicate":[1]}"#).unwrap();
        assert!(s.subjects.is_empty());
        assert_eq!(s.provenance.unwrap().builder_id, None);
    }
}
