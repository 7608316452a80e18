//! The Notation OCI trust policy (`trustpolicy.oci.json`, version 1.0): statements scoped by
//! `registryScopes`, verification levels with per-check overrides, trust stores and trusted
//! identities — validated and selected as the trust store and trust policy specification and
//! `notation` do.
use super::dn;
use serde::Deserialize;
use std::collections::BTreeMap;

/// What a check failure does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Enforce,
    Log,
    Skip,
}

/// The checks a level assigns actions to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub enum CheckType {
    Integrity,
    Authenticity,
    AuthenticTimestamp,
    Expiry,
    Revocation,
}

impl CheckType {
    fn from_name(s: &str) -> Option<Self> {
        Some(match s {
            "integrity" => CheckType::Integrity,
            "authenticity" => CheckType::Authenticity,
            "authenticTimestamp" => CheckType::AuthenticTimestamp,
            "expiry" => CheckType::Expiry,
            "revocation" => CheckType::Revocation,
            _ => return None,
        })
    }

    /// The specification's name for the check.
    pub fn name(self) -> &'static str {
        match self {
            CheckType::Integrity => "integrity",
            CheckType::Authenticity => "authenticity",
            CheckType::AuthenticTimestamp => "authenticTimestamp",
            CheckType::Expiry => "expiry",
            CheckType::Revocation => "revocation",
        }
    }
}

/// A verification level: its name and the action for each check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Level {
    pub name: String,
    actions: [Action; 5],
}

impl Level {
    fn preset(name: &str) -> Option<Level> {
        use Action::*;
        let actions = match name {
            "strict" => [Enforce, Enforce, Enforce, Enforce, Enforce],
            "permissive" => [Enforce, Enforce, Log, Log, Log],
            "audit" => [Enforce, Log, Log, Log, Log],
            "skip" => [Skip, Skip, Skip, Skip, Skip],
            _ => return None,
        };
        Some(Level {
            name: name.to_string(),
            actions,
        })
    }

    pub fn action(&self, c: CheckType) -> Action {
        self.actions[c as usize]
    }

    pub fn is_skip(&self) -> bool {
        self.name == "skip"
    }
}

#[derive(Debug, Clone, Deserialize)]
struct RawVerification {
    #[serde(default)]
    level: String,
    #[serde(default)]
    #[serde(rename = "override")]
    overrides: BTreeMap<String, String>,
    #[serde(default, rename = "verifyTimestamp")]
    verify_timestamp: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawStatement {
    #[serde(default)]
    name: String,
    #[serde(default)]
    registry_scopes: Vec<String>,
    signature_verification: Option<RawVerification>,
    #[serde(default)]
    trust_stores: Vec<String>,
    #[serde(default)]
    trusted_identities: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawDocument {
    #[serde(default)]
    version: String,
    #[serde(default)]
    trust_policies: Vec<RawStatement>,
}

/// One trust policy statement, validated.
#[derive(Debug, Clone)]
pub struct Statement {
    pub name: String,
    pub registry_scopes: Vec<String>,
    pub level: Level,
    /// `verifyTimestamp: afterCertExpiry` (default `always`).
    pub timestamp_after_cert_expiry: bool,
    /// `(store type, store name)`, e.g. `("ca", "lab")`.
    pub trust_stores: Vec<(String, String)>,
    /// `None` for `*`; otherwise the parsed `x509.subject` identities.
    pub trusted_identities: Option<Vec<dn::Dn>>,
}

/// A validated OCI trust policy document.
#[derive(Debug, Clone)]
pub struct TrustPolicy {
    pub statements: Vec<Statement>,
}

const STORE_TYPES: &[&str] = &["ca", "signingAuthority", "tsa"];

fn valid_store_name(n: &str) -> bool {
    !n.is_empty()
        && n.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

/// A repository scope: `host[:port]/path`, lower-case path, no `*`, no tag.
fn valid_scope(s: &str) -> bool {
    let Some((domain, repo)) = s.split_once('/') else {
        return false;
    };
    let domain_ok = !domain.is_empty()
        && domain
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':'));
    let repo_ok = !repo.is_empty()
        && repo.split('/').all(|p| {
            !p.is_empty()
                && p.chars().all(|c| {
                    c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-')
                })
                && p.starts_with(|c: char| c.is_ascii_alphanumeric())
                && p.ends_with(|c: char| c.is_ascii_alphanumeric())
        });
    domain_ok && repo_ok
}

fn level(name: &str, v: &RawVerification) -> Result<Level, String> {
    let mut l = Level::preset(&v.level).ok_or_else(|| {
        format!(
            "statement {name:?}: unknown signatureVerification level {:?}",
            v.level
        )
    })?;
    if v.overrides.is_empty() {
        return Ok(l);
    }
    if l.is_skip() {
        return Err(format!(
            "statement {name:?}: level skip cannot be overridden"
        ));
    }
    l.name = format!("{} (custom)", l.name);
    for (k, a) in &v.overrides {
        let c = CheckType::from_name(k)
            .ok_or_else(|| format!("statement {name:?}: unknown check {k:?} in override"))?;
        let action = match a.as_str() {
            "enforce" => Action::Enforce,
            "log" => Action::Log,
            "skip" => Action::Skip,
            _ => {
                return Err(format!(
                    "statement {name:?}: unknown action {a:?} in override"
                ))
            }
        };
        if c == CheckType::Integrity {
            return Err(format!(
                "statement {name:?}: integrity cannot be overridden"
            ));
        }
        if action == Action::Skip && c != CheckType::Revocation {
            return Err(format!(
                "statement {name:?}: only revocation can be skipped"
            ));
        }
        l.actions[c as usize] = action;
    }
    Ok(l)
}

fn statement(s: RawStatement) -> Result<Statement, String> {
    let name = s.name;
    if name.is_empty() {
        return Err("a trust policy statement has no name".into());
    }
    let v = s
        .signature_verification
        .ok_or_else(|| format!("statement {name:?} has no signatureVerification"))?;
    let level = level(&name, &v)?;
    let after_expiry = match v.verify_timestamp.as_deref() {
        None | Some("") | Some("always") => false,
        Some("afterCertExpiry") => true,
        Some(o) => {
            return Err(format!(
                "statement {name:?}: verifyTimestamp {o:?} is unknown"
            ))
        }
    };
    let mut trust_stores = Vec::new();
    let mut trusted_identities = Some(Vec::new());
    if level.is_skip() {
        if !s.trust_stores.is_empty() || !s.trusted_identities.is_empty() {
            return Err(format!(
                "statement {name:?} skips verification but names trust stores or identities"
            ));
        }
    } else {
        if s.trust_stores.is_empty() || s.trusted_identities.is_empty() {
            return Err(format!(
                "statement {name:?} needs both trustStores and trustedIdentities"
            ));
        }
        for ts in &s.trust_stores {
            let (t, n) = ts.split_once(':').ok_or_else(|| {
                format!("statement {name:?}: trust store {ts:?} is not TYPE:NAME")
            })?;
            if !STORE_TYPES.contains(&t) {
                return Err(format!(
                    "statement {name:?}: trust store type {t:?} is unknown"
                ));
            }
            if !valid_store_name(n) {
                return Err(format!(
                    "statement {name:?}: trust store name {n:?} is invalid"
                ));
            }
            trust_stores.push((t.to_string(), n.to_string()));
        }
        let ids = &s.trusted_identities;
        if ids.iter().any(|i| i == "*") {
            if ids.len() > 1 {
                return Err(format!(
                    "statement {name:?}: '*' cannot be combined with other identities"
                ));
            }
            trusted_identities = None;
        } else {
            let mut parsed = Vec::new();
            for id in ids {
                let (prefix, value) = id.split_once(':').ok_or_else(|| {
                    format!("statement {name:?}: trusted identity {id:?} has no prefix")
                })?;
                if prefix == "x509.subject" {
                    let d = dn::parse_identity(value.trim())
                        .map_err(|e| format!("statement {name:?}: {e}"))?;
                    parsed.push(d);
                }
            }
            for (i, a) in parsed.iter().enumerate() {
                for (j, b) in parsed.iter().enumerate() {
                    if i != j && dn::is_subset(a, b) {
                        return Err(format!(
                            "statement {name:?} has overlapping trusted identities"
                        ));
                    }
                }
            }
            trusted_identities = Some(parsed);
        }
    }
    Ok(Statement {
        name,
        registry_scopes: s.registry_scopes,
        level,
        timestamp_after_cert_expiry: after_expiry,
        trust_stores,
        trusted_identities,
    })
}

impl TrustPolicy {
    /// Parses and validates a trust policy document.
    pub fn parse(bytes: &[u8]) -> Result<Self, String> {
        let doc: RawDocument =
            serde_json::from_slice(bytes).map_err(|e| format!("malformed trust policy: {e}"))?;
        if doc.version != "1.0" {
            return Err(format!(
                "trust policy version {:?} is not supported (1.0 is)",
                doc.version
            ));
        }
        if doc.trust_policies.is_empty() {
            return Err("trust policy has no statements".into());
        }
        let mut statements: Vec<Statement> = Vec::new();
        for s in doc.trust_policies {
            let s = statement(s)?;
            if statements.iter().any(|o| o.name == s.name) {
                return Err(format!("two statements are named {:?}", s.name));
            }
            statements.push(s);
        }
        let mut seen = std::collections::HashSet::new();
        for s in &statements {
            if s.registry_scopes.is_empty() {
                return Err(format!("statement {:?} has no registryScopes", s.name));
            }
            if s.registry_scopes.len() > 1 && s.registry_scopes.iter().any(|r| r == "*") {
                return Err(format!(
                    "statement {:?}: scope '*' cannot be combined with others",
                    s.name
                ));
            }
            for r in &s.registry_scopes {
                if r != "*" && !valid_scope(r) {
                    return Err(format!(
                        "statement {:?}: registry scope {r:?} is not a repository (host/path)",
                        s.name
                    ));
                }
                if !seen.insert(r.clone()) {
                    return Err(format!(
                        "registry scope {r:?} is in more than one statement"
                    ));
                }
            }
        }
        Ok(TrustPolicy { statements })
    }

    /// The statement for a repository (`host/path`): an exact scope first, then `*`.
    pub fn applicable(&self, repository: &str) -> Option<&Statement> {
        self.statements
            .iter()
            .find(|s| s.registry_scopes.iter().any(|r| r == repository))
            .or_else(|| {
                self.statements
                    .iter()
                    .find(|s| s.registry_scopes.iter().any(|r| r == "*"))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r#"{"version":"1.0","trustPolicies":[
      {"name":"lab","registryScopes":["localhost:5000/team/app"],"signatureVerification":{"level":"strict","override":{"expiry":"log","revocation":"skip"}},
       "trustStores":["ca:lab"],"trustedIdentities":["x509.subject: C=US, ST=WA, O=Notary"]},
      {"name":"skip-it","registryScopes":["localhost:5000/unsigned"],"signatureVerification":{"level":"skip"}},
      {"name":"global","registryScopes":["*"],"signatureVerification":{"level":"audit"},"trustStores":["ca:lab","tsa:ts"],"trustedIdentities":["*"]}]}"#;

    #[test]
    fn selects_exact_scope_before_global_and_applies_overrides() {
        let p = TrustPolicy::parse(DOC.as_bytes()).unwrap();
        let lab = p.applicable("localhost:5000/team/app").unwrap();
        assert_eq!(lab.name, "lab");
        assert_eq!(lab.level.action(CheckType::Expiry), Action::Log);
        assert_eq!(lab.level.action(CheckType::Revocation), Action::Skip);
        assert_eq!(lab.level.action(CheckType::Authenticity), Action::Enforce);
        assert_eq!(lab.trusted_identities.as_ref().unwrap()[0]["O"], "Notary");
        assert!(p
            .applicable("localhost:5000/unsigned")
            .unwrap()
            .level
            .is_skip());
        let g = p.applicable("other:1/x").unwrap();
        assert_eq!(g.name, "global");
        assert_eq!(g.level.action(CheckType::Authenticity), Action::Log);
        assert_eq!(g.level.action(CheckType::Integrity), Action::Enforce);
        assert!(g.trusted_identities.is_none());
    }

    #[test]
    fn invalid_documents_are_refused_with_a_reason() {
        let bad = |json: &str, want: &str| {
            let e = TrustPolicy::parse(json.as_bytes()).unwrap_err();
            assert!(e.contains(want), "{e}");
        };
        bad(r#"{"version":"2.0","trustPolicies":[]}"#, "version");
        bad(r#"{"version":"1.0","trustPolicies":[]}"#, "no statements");
        let st = |extra: &str| {
            format!(
                r#"{{"version":"1.0","trustPolicies":[{{"name":"a","registryScopes":["*"],{extra}}}]}}"#
            )
        };
        bad(
            &st(
                r#""signatureVerification":{"level":"strictest"},"trustStores":["ca:x"],"trustedIdentities":["*"]"#,
            ),
            "unknown signatureVerification level",
        );
        bad(
            &st(r#""signatureVerification":{"level":"skip"},"trustStores":["ca:x"]"#),
            "skips verification",
        );
        bad(
            &st(
                r#""signatureVerification":{"level":"strict","override":{"integrity":"log"}},"trustStores":["ca:x"],"trustedIdentities":["*"]"#,
            ),
            "integrity",
        );
        bad(
            &st(
                r#""signatureVerification":{"level":"strict","override":{"expiry":"skip"}},"trustStores":["ca:x"],"trustedIdentities":["*"]"#,
            ),
            "only revocation",
        );
        bad(
            &st(
                r#""signatureVerification":{"level":"strict"},"trustStores":["bogus:x"],"trustedIdentities":["*"]"#,
            ),
            "type",
        );
        bad(
            &st(
                r#""signatureVerification":{"level":"strict"},"trustStores":["ca:../x"],"trustedIdentities":["*"]"#,
            ),
            "name",
        );
        bad(
            &st(
                r#""signatureVerification":{"level":"strict"},"trustStores":["ca:x"],"trustedIdentities":["x509.subject: C=US, O=x"]"#,
            ),
            "ST",
        );
        bad(
            &st(
                r#""signatureVerification":{"level":"strict"},"trustStores":["ca:x"],"trustedIdentities":["x509.subject: C=US, ST=WA, O=x","x509.subject: C=US, ST=WA, O=x, CN=y"]"#,
            ),
            "overlapping",
        );
        bad(
            &st(
                r#""signatureVerification":{"level":"strict"},"trustStores":["ca:x"],"trustedIdentities":["*","x509.subject: C=US, ST=WA, O=x"]"#,
            ),
            "'*'",
        );
        bad(
            r#"{"version":"1.0","trustPolicies":[{"name":"a","registryScopes":["Host/UPPER"],"signatureVerification":{"level":"skip"}}]}"#,
            "registry scope",
        );
        bad("{", "malformed");
    }
}
