//! SBOMs: SPDX 2.x JSON and CycloneDX JSON.
use super::{clip, top_counts, Decoded, MAX_LISTED};
use serde::{Deserialize, Serialize};

/// Licenses shown in the "top licenses" list.
const TOP_LICENSES: usize = 10;

/// What an SBOM says, in brief.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SbomSummary {
    /// `spdx` or `cyclonedx`.
    pub standard: String,
    pub spec_version: String,
    pub name: Option<String>,
    pub tools: Vec<String>,
    pub package_count: usize,
    /// (license, packages) most frequent first; `NOASSERTION`/missing counted as `(none)`.
    pub top_licenses: Vec<(String, usize)>,
    /// The first packages (at most [`MAX_LISTED`]).
    pub packages: Vec<Package>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Package {
    pub name: String,
    pub version: Option<String>,
    pub license: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SpdxDoc {
    #[serde(default)]
    spdx_version: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    creation_info: Option<SpdxCreation>,
    #[serde(default)]
    packages: Vec<SpdxPackage>,
}

#[derive(Deserialize)]
struct SpdxCreation {
    #[serde(default)]
    creators: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SpdxPackage {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    version_info: Option<String>,
    #[serde(default)]
    license_concluded: Option<String>,
    #[serde(default)]
    license_declared: Option<String>,
}

fn meaningful(l: Option<&String>) -> Option<&str> {
    l.map(String::as_str)
        .filter(|s| !s.is_empty() && *s != "NOASSERTION" && *s != "NONE")
}

/// Decodes an SPDX 2.x JSON document.
pub fn decode_spdx(bytes: &[u8]) -> Result<Decoded, String> {
    let doc: SpdxDoc =
        serde_json::from_slice(bytes).map_err(|e| format!("not an SPDX JSON document: {e}"))?;
    Ok(Decoded::Sbom(summarise_spdx(doc)))
}

/// Decodes an SPDX document found as an in-toto predicate.
pub fn spdx_from_value(v: &serde_json::Value) -> Option<SbomSummary> {
    SpdxDoc::deserialize(v).ok().map(summarise_spdx)
}

fn summarise_spdx(doc: SpdxDoc) -> SbomSummary {
    let license = |p: &SpdxPackage| {
        meaningful(p.license_concluded.as_ref())
            .or(meaningful(p.license_declared.as_ref()))
            .map(str::to_string)
    };
    let tools = doc
        .creation_info
        .map(|c| {
            c.creators
                .into_iter()
                .filter_map(|c| c.strip_prefix("Tool:").map(|t| clip(t.trim(), 120)))
                .take(MAX_LISTED)
                .collect()
        })
        .unwrap_or_default();
    SbomSummary {
        standard: "spdx".into(),
        spec_version: doc.spdx_version.unwrap_or_default(),
        name: doc.name.map(|n| clip(&n, 200)),
        tools,
        package_count: doc.packages.len(),
        top_licenses: top_counts(
            doc.packages.iter().map(|p| {
                meaningful(p.license_concluded.as_ref())
                    .or(meaningful(p.license_declared.as_ref()))
                    .unwrap_or("(none)")
            }),
            TOP_LICENSES,
        ),
        packages: doc
            .packages
            .iter()
            .take(MAX_LISTED)
            .map(|p| Package {
                name: clip(p.name.as_deref().unwrap_or("?"), 120),
                version: p.version_info.as_deref().map(|v| clip(v, 60)),
                license: license(p).map(|l| clip(&l, 80)),
            })
            .collect(),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CdxDoc {
    #[serde(default)]
    spec_version: Option<String>,
    #[serde(default)]
    metadata: Option<CdxMetadata>,
    #[serde(default)]
    components: Vec<CdxComponent>,
}

#[derive(Deserialize)]
struct CdxMetadata {
    /// 1.4 and before: a list of tools; 1.5 and later: `{components: […], services: […]}`.
    #[serde(default)]
    tools: Option<serde_json::Value>,
    #[serde(default)]
    component: Option<CdxComponent>,
}

#[derive(Deserialize)]
struct CdxComponent {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    licenses: Vec<CdxLicenseChoice>,
}

#[derive(Deserialize)]
struct CdxLicenseChoice {
    #[serde(default)]
    license: Option<CdxLicense>,
    #[serde(default)]
    expression: Option<String>,
}

#[derive(Deserialize)]
struct CdxLicense {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    name: Option<String>,
}

impl CdxComponent {
    fn license(&self) -> Option<String> {
        let names: Vec<&str> = self
            .licenses
            .iter()
            .filter_map(|c| {
                c.expression.as_deref().or_else(|| {
                    c.license
                        .as_ref()
                        .and_then(|l| l.id.as_deref().or(l.name.as_deref()))
                })
            })
            .collect();
        (!names.is_empty()).then(|| names.join(" AND "))
    }
}

fn cdx_tools(v: &serde_json::Value) -> Vec<String> {
    let list = match v {
        serde_json::Value::Array(a) => a.iter().collect::<Vec<_>>(),
        serde_json::Value::Object(o) => o
            .get("components")
            .and_then(|c| c.as_array())
            .map(|a| a.iter().collect())
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    list.into_iter()
        .take(MAX_LISTED)
        .filter_map(|t| {
            let name = t.get("name")?.as_str()?;
            let version = t
                .get("version")
                .and_then(|v| v.as_str())
                .map(|v| format!(" {v}"))
                .unwrap_or_default();
            Some(clip(&format!("{name}{version}"), 120))
        })
        .collect()
}

/// Decodes a CycloneDX JSON document (top-level components are counted).
pub fn decode_cyclonedx(bytes: &[u8]) -> Result<Decoded, String> {
    let doc: CdxDoc =
        serde_json::from_slice(bytes).map_err(|e| format!("not a CycloneDX JSON document: {e}"))?;
    Ok(Decoded::Sbom(summarise_cdx(doc)))
}

/// Decodes a CycloneDX document found as an in-toto predicate.
pub fn cyclonedx_from_value(v: &serde_json::Value) -> Option<SbomSummary> {
    CdxDoc::deserialize(v).ok().map(summarise_cdx)
}

fn summarise_cdx(doc: CdxDoc) -> SbomSummary {
    let licenses: Vec<Option<String>> = doc.components.iter().map(CdxComponent::license).collect();
    SbomSummary {
        standard: "cyclonedx".into(),
        spec_version: doc.spec_version.unwrap_or_default(),
        name: doc
            .metadata
            .as_ref()
            .and_then(|m| m.component.as_ref())
            .and_then(|c| c.name.as_deref())
            .map(|n| clip(n, 200)),
        tools: doc
            .metadata
            .as_ref()
            .and_then(|m| m.tools.as_ref())
            .map(cdx_tools)
            .unwrap_or_default(),
        package_count: doc.components.len(),
        top_licenses: top_counts(
            licenses.iter().map(|l| l.as_deref().unwrap_or("(none)")),
            TOP_LICENSES,
        ),
        packages: doc
            .components
            .iter()
            .zip(licenses.iter())
            .take(MAX_LISTED)
            .map(|(c, l)| Package {
                name: clip(c.name.as_deref().unwrap_or("?"), 120),
                version: c.version.as_deref().map(|v| clip(v, 60)),
                license: l.as_deref().map(|l| clip(l, 80)),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sbom(d: Decoded) -> SbomSummary {
        match d {
            Decoded::Sbom(s) => s,
            other => panic!("not an sbom: {other:?}"),
        }
    }

    #[test]
    fn spdx_counts_packages_and_licenses() {
        let s =
            sbom(decode_spdx(include_bytes!("../../tests/fixtures/inspect/spdx.json")).unwrap());
        assert_eq!(s.spec_version, "SPDX-2.3");
        assert_eq!(s.name.as_deref(), Some("net-monitor-v1"));
        assert_eq!(s.tools, vec!["arbor-fixture-1.0"]);
        assert_eq!(s.package_count, 3);
        assert_eq!(s.top_licenses[0], ("MIT".to_string(), 2));
        assert_eq!(
            s.packages[0],
            Package {
                name: "openssl".into(),
                version: Some("3.0.13".into()),
                license: Some("Apache-2.0".into())
            }
        );
    }

    #[test]
    fn cyclonedx_reads_both_tool_shapes() {
        let s = sbom(
            decode_cyclonedx(include_bytes!(
                "../../tests/fixtures/inspect/cyclonedx.json"
            ))
            .unwrap(),
        );
        assert_eq!(s.spec_version, "1.5");
        assert_eq!(s.name.as_deref(), Some("net-monitor"));
        assert_eq!(s.tools, vec!["arbor-fixture 1.0"]);
        assert_eq!(s.package_count, 2);
        assert_eq!(s.packages[1].license.as_deref(), Some("MIT OR Apache-2.0"));
        let old = br#"{"bomFormat":"CycloneDX","specVersion":"1.4","metadata":{"tools":[{"vendor":"x","name":"syft","version":"0.9"}]}}"#;
        assert_eq!(sbom(decode_cyclonedx(old).unwrap()).tools, vec!["syft 0.9"]);
    }

    #[test]
    fn malformed_sboms_give_a_message() {
        for bad in [
            &b""[..],
            b"{",
            b"[1,2]",
            br#"{"packages": 7}"#,
            br#"{"packages":[{"name":{"x":1}}]}"#,
        ] {
            let e = decode_spdx(bad).unwrap_err();
            assert!(e.starts_with("not an SPDX JSON document"), "{e}");
        }
        assert!(decode_cyclonedx(br#"{"components":"x"}"#)
            .unwrap_err()
            .contains("CycloneDX"));
        let truncated = &include_bytes!("../../tests/fixtures/inspect/spdx.json")[..100];
        assert!(decode_spdx(truncated).is_err());
    }

    #[test]
    fn huge_spdx_is_summarised_within_bounds() {
        let mut doc = String::from(r#"{"spdxVersion":"SPDX-2.3","name":"huge","packages":["#);
        for i in 0..200_000 {
            if i > 0 {
                doc.push(',');
            }
            doc.push_str(&format!(
                r#"{{"name":"p{i}","versionInfo":"1.{i}","licenseConcluded":"{}"}}"#,
                ["MIT", "BSD-3-Clause", "Apache-2.0"][i % 3]
            ));
        }
        doc.push_str("]}");
        let start = std::time::Instant::now();
        let s = sbom(decode_spdx(doc.as_bytes()).unwrap());
        assert_eq!(s.package_count, 200_000);
        assert_eq!(s.packages.len(), MAX_LISTED);
        assert_eq!(s.top_licenses.len(), 3);
        assert_eq!(s.top_licenses[0].1, 66_667);
        assert!(
            start.elapsed() < std::time::Duration::from_secs(20),
            "{:?}",
            start.elapsed()
        );
    }
}
