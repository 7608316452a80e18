//! Image references: `registry/repo:tag`, `registry/repo@sha256:…`, `repo:tag@digest`.
//!
//! The grammar is distribution's (`reference/regexp.go`) with its Docker Hub normalisation,
//! checked by hand in [`grammar`]: oci-spec's `Reference` implements the same grammar with a
//! regex whose compilation costs ~70 ms at the first parse — half of a whole `arbor discover`.
//! This module adds IPv6 hosts, hex-checked digests, the `docker.io` → `registry-1.docker.io`
//! endpoint and clear error messages.
use super::digest::Digest;
use std::fmt;

/// Where a reference points: registry host, repository, and tag and/or digest.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Reference {
    /// Registry as written by the user after normalisation (`docker.io`, `localhost:5000`, `[::1]:5000`).
    pub registry: String,
    pub repository: String,
    pub tag: Option<String>,
    pub digest: Option<Digest>,
}

/// Why a reference was refused.
#[derive(Debug, thiserror::Error)]
#[error("invalid reference {input:?}: {reason}")]
pub struct ReferenceError {
    pub input: String,
    pub reason: String,
}

const V6_PLACEHOLDER: &str = "ipv6-host.arbor.invalid";

/// distribution's reference grammar, without a regex.
mod grammar {
    pub struct Parsed {
        pub registry: String,
        pub repository: String,
        pub tag: Option<String>,
        pub digest: Option<String>,
    }

    /// `[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?` labels joined by dots, optional `:port`.
    fn is_domain(s: &str) -> bool {
        let (host, port) = match s.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (s, None),
        };
        if port.is_some_and(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit())) {
            return false;
        }
        !host.is_empty()
            && host.split('.').all(|l| {
                let b = l.as_bytes();
                !b.is_empty()
                    && b[0].is_ascii_alphanumeric()
                    && b[b.len() - 1].is_ascii_alphanumeric()
                    && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
            })
    }

    /// `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*`
    fn is_path_component(s: &str) -> bool {
        let b = s.as_bytes();
        if b.is_empty() || !b[0].is_ascii_alphanumeric() || !b[b.len() - 1].is_ascii_alphanumeric()
        {
            return false;
        }
        let mut i = 0;
        while i < b.len() {
            let c = b[i];
            if c.is_ascii_lowercase() || c.is_ascii_digit() {
                i += 1;
                continue;
            }
            // a separator run: ".", "_", "__" or one or more "-"
            let start = i;
            while i < b.len() && matches!(b[i], b'.' | b'_' | b'-') {
                i += 1;
            }
            let sep = &s[start..i];
            let ok = sep == "." || sep == "_" || sep == "__" || sep.bytes().all(|c| c == b'-');
            if !ok || start == 0 || i == start {
                return false;
            }
        }
        true
    }

    /// `[\w][\w.-]{0,127}`: the one tag check, shared with what may be requested.
    fn is_tag(s: &str) -> bool {
        crate::oci::tags::is_valid_tag(s)
    }

    pub fn parse(s: &str) -> Result<Parsed, String> {
        let (rest, digest) = match s.split_once('@') {
            Some((r, d)) => (r, Some(d.to_string())),
            None => (s, None),
        };
        // A tag is after the last ':' that follows the last '/'.
        let last_slash = rest.rfind('/').map(|i| i + 1).unwrap_or(0);
        let (name, tag) = match rest[last_slash..].rfind(':') {
            Some(i) => (
                &rest[..last_slash + i],
                Some(rest[last_slash + i + 1..].to_string()),
            ),
            None => (rest, None),
        };
        if let Some(t) = &tag {
            if !is_tag(t) {
                return Err(format!(
                    "invalid tag {t:?} (letters, digits, '_', '.', '-'; at most 128)"
                ));
            }
        }
        // distribution's splitDomain: the first component is a registry when it looks like one.
        let (mut registry, mut repository) = match name.split_once('/') {
            Some((first, remainder))
                if first.contains('.') || first.contains(':') || first == "localhost" =>
            {
                if !is_domain(first) {
                    return Err(format!("invalid registry host {first:?}"));
                }
                (first.to_string(), remainder.to_string())
            }
            _ => ("docker.io".to_string(), name.to_string()),
        };
        if registry == "index.docker.io" {
            registry = "docker.io".into();
        }
        if repository.is_empty() {
            return Err("the repository name is empty".into());
        }
        if repository.bytes().any(|c| c.is_ascii_uppercase()) {
            return Err("repository names must be lowercase".into());
        }
        if let Some(bad) = repository.split('/').find(|c| !is_path_component(c)) {
            return Err(format!("invalid repository path component {bad:?}"));
        }
        if repository.len() > 255 {
            return Err("repository name longer than 255 characters".into());
        }
        if registry == "docker.io" && !repository.contains('/') {
            repository = format!("library/{repository}");
        }
        Ok(Parsed {
            registry,
            repository,
            tag,
            digest,
        })
    }
}

impl Reference {
    /// Parses a full reference. With neither tag nor digest, the tag is `latest` (as docker and oras do).
    pub fn parse(input: &str) -> Result<Self, ReferenceError> {
        let mut r = Self::parse_inner(input)?;
        if r.tag.is_none() && r.digest.is_none() {
            r.tag = Some("latest".into());
        }
        Ok(r)
    }

    /// Parses a repository (`registry/repo`); a tag or digest, if present, is kept.
    pub fn parse_repository(input: &str) -> Result<Self, ReferenceError> {
        Self::parse_inner(input)
    }

    fn parse_inner(input: &str) -> Result<Self, ReferenceError> {
        let err = |reason: &str| ReferenceError {
            input: input.to_string(),
            reason: reason.to_string(),
        };
        if input.trim() != input || input.is_empty() {
            return Err(err("empty or surrounded by white space"));
        }
        // oci-spec's grammar has no IPv6 literal: stand a placeholder host in for `[addr]`.
        let (text, v6) = match input.strip_prefix('[') {
            Some(rest) => {
                let (addr, after) = rest
                    .split_once(']')
                    .ok_or_else(|| err("unterminated IPv6 address: missing ']'"))?;
                if addr.parse::<std::net::Ipv6Addr>().is_err() {
                    return Err(err("not a valid IPv6 address between [ and ]"));
                }
                if !(after.starts_with(':') || after.starts_with('/')) {
                    return Err(err(
                        "an IPv6 registry must be followed by :port or /repository",
                    ));
                }
                (
                    format!("{V6_PLACEHOLDER}{after}"),
                    Some(format!("[{addr}]")),
                )
            }
            None => (input.to_string(), None),
        };
        let parsed = grammar::parse(&text).map_err(|reason| err(&reason))?;
        let digest = match parsed.digest {
            Some(d) => Some(d.parse::<Digest>().map_err(|e| err(&e.to_string()))?),
            None => None,
        };
        let mut registry = parsed.registry;
        if let Some(v6) = v6 {
            registry = registry.replacen(V6_PLACEHOLDER, &v6, 1);
        }
        Ok(Reference {
            registry,
            repository: parsed.repository,
            tag: parsed.tag,
            digest,
        })
    }

    /// The host[:port] to send HTTP requests to (`docker.io` is served by `registry-1.docker.io`).
    pub fn endpoint(&self) -> &str {
        registry_endpoint(&self.registry)
    }

    /// The tag or digest to put in a manifest URL: the digest wins when both are given.
    pub fn manifest_reference(&self) -> String {
        match (&self.digest, &self.tag) {
            (Some(d), _) => d.to_string(),
            (None, Some(t)) => t.clone(),
            (None, None) => "latest".into(),
        }
    }

    /// `registry/repository` without tag or digest.
    pub fn repository_name(&self) -> String {
        format!("{}/{}", self.registry, self.repository)
    }
}

/// Maps a registry name to the host that serves its API.
pub fn registry_endpoint(registry: &str) -> &str {
    match registry {
        "docker.io" | "index.docker.io" => "registry-1.docker.io",
        other => other,
    }
}

/// Validates a bare registry name (`host`, `host:port`, `[v6]:port`) and normalises Docker Hub.
pub fn parse_registry(input: &str) -> Result<String, ReferenceError> {
    let probe = format!("{}/probe", input.trim_end_matches('/'));
    let r = Reference::parse_repository(&probe)?;
    if r.repository != "probe" {
        return Err(ReferenceError {
            input: input.to_string(),
            reason: "not a registry host (expected host[:port])".into(),
        });
    }
    Ok(r.registry)
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.registry, self.repository)?;
        if let Some(t) = &self.tag {
            write!(f, ":{t}")?;
        }
        if let Some(d) = &self.digest {
            write!(f, "@{d}")?;
        }
        Ok(())
    }
}

impl std::str::FromStr for Reference {
    type Err = ReferenceError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Reference::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    const D: &str = "sha256:ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff";

    #[test]
    fn parses_the_usual_forms() {
        let r = Reference::parse("localhost:5000/net-monitor:v1").unwrap();
        assert_eq!(
            (r.registry.as_str(), r.repository.as_str()),
            ("localhost:5000", "net-monitor")
        );
        assert_eq!(r.tag.as_deref(), Some("v1"));
        let r = Reference::parse(&format!("myreg.azurecr.io/a/b@{D}")).unwrap();
        assert_eq!(r.repository, "a/b");
        assert_eq!(r.tag, None);
        assert_eq!(r.digest.as_ref().unwrap().to_string(), D);
        let r = Reference::parse(&format!("ghcr.io/x/y:v2@{D}")).unwrap();
        assert_eq!(r.tag.as_deref(), Some("v2"));
        assert_eq!(r.manifest_reference(), D);
        assert_eq!(r.to_string(), format!("ghcr.io/x/y:v2@{D}"));
    }

    #[test]
    fn follows_the_distribution_grammar() {
        let cases = [
            ("test.com:tag", "docker.io", "library/test.com", Some("tag")),
            (
                "test.com:5000",
                "docker.io",
                "library/test.com",
                Some("5000"),
            ),
            ("test:5000/repo", "test:5000", "repo", Some("latest")),
            (
                "sub-dom1.foo.com/bar/baz/quux:some-long-tag",
                "sub-dom1.foo.com",
                "bar/baz/quux",
                Some("some-long-tag"),
            ),
            (
                "b.gcr.io/test.example.com/my-app:test.example.com",
                "b.gcr.io",
                "test.example.com/my-app",
                Some("test.example.com"),
            ),
            (
                "foo_bar.com:8080",
                "docker.io",
                "library/foo_bar.com",
                Some("8080"),
            ),
            (
                "opensuse/leap:15.3",
                "docker.io",
                "opensuse/leap",
                Some("15.3"),
            ),
            (
                "localhost/a__b-c.d",
                "localhost",
                "a__b-c.d",
                Some("latest"),
            ),
        ];
        for (input, reg, repo, tag) in cases {
            let r = Reference::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(
                (r.registry.as_str(), r.repository.as_str(), r.tag.as_deref()),
                (reg, repo, tag),
                "{input}"
            );
        }
        for bad in [
            ":justtag",
            "a/-b",
            "a/b_",
            "a//b",
            "host:port/x",
            "x:-tag",
            "a/b...c",
            "-h.com/x",
        ] {
            assert!(Reference::parse(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn normalises_docker_hub() {
        let r = Reference::parse("alpine").unwrap();
        assert_eq!(r.registry, "docker.io");
        assert_eq!(r.repository, "library/alpine");
        assert_eq!(r.tag.as_deref(), Some("latest"));
        assert_eq!(r.endpoint(), "registry-1.docker.io");
        let r = Reference::parse("index.docker.io/foo/bar:1").unwrap();
        assert_eq!(
            (r.registry.as_str(), r.repository.as_str()),
            ("docker.io", "foo/bar")
        );
    }

    #[test]
    fn parses_ipv6_hosts() {
        let r = Reference::parse("[::1]:5000/repo:tag").unwrap();
        assert_eq!(r.registry, "[::1]:5000");
        assert_eq!(r.repository, "repo");
        assert_eq!(r.to_string(), "[::1]:5000/repo:tag");
        assert!(Reference::parse("[::1:5000/repo").is_err());
        assert!(Reference::parse("[nothex]:5000/repo").is_err());
    }

    #[test]
    fn repository_forms_keep_no_default_tag() {
        let r = Reference::parse_repository("localhost:5000/net-monitor").unwrap();
        assert_eq!(r.tag, None);
        assert_eq!(parse_registry("localhost:5000").unwrap(), "localhost:5000");
        assert_eq!(parse_registry("[::1]:5000").unwrap(), "[::1]:5000");
    }

    #[test]
    fn rejects_invalid_references_clearly() {
        for bad in [
            "",
            "UPPER/case",
            "host:5000/repo@sha256:abc",
            "repo@md5:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            " x",
        ] {
            let e = Reference::parse(bad).unwrap_err();
            assert!(e.to_string().starts_with("invalid reference"), "{e}");
        }
        let e = Reference::parse(&format!("h:1/r@sha256:{}", "G".repeat(64))).unwrap_err();
        assert!(e.to_string().contains("invalid"));
    }
}
