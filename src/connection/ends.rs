//! The two ends of a copy: registry references or OCI layout directories (`DIR:TAG`,
//! `DIR@DIGEST`, as oras spells them). Two ends on one registry share one store, so blobs can
//! be mounted and one token cache serves both.
use super::{open_target, usage, ConnectOptions, Target};
use crate::layout::LayoutStore;
use crate::oci::reference::Reference;
use crate::oci::Digest;
use crate::registry::RegistryStore;
use anyhow::{Context, Result};
use std::path::PathBuf;
use std::sync::Arc;

/// Where one end of a copy is.
#[derive(Debug, Clone)]
pub enum End {
    Registry(Reference),
    /// A layout directory, with the tag or digest after it.
    Layout {
        dir: PathBuf,
        reference: Option<String>,
    },
}

impl End {
    /// Parses `spec`: a layout path when `layout`, else a registry reference.
    pub fn parse(spec: &str, layout: bool) -> Result<End> {
        if !layout {
            return Ok(End::Registry(Reference::parse_repository(spec)?));
        }
        if let Some((dir, digest)) = spec.rsplit_once('@') {
            digest
                .parse::<Digest>()
                .with_context(|| format!("{spec}: the part after '@' is not a digest"))?;
            return Ok(End::Layout {
                dir: PathBuf::from(dir),
                reference: Some(digest.to_string()),
            });
        }
        // A ':' in the last path component starts the tag (`./out:v1`).
        let last_slash = spec.rfind('/').map(|i| i + 1).unwrap_or(0);
        match spec[last_slash..].rfind(':') {
            Some(i) if last_slash + i > 0 => {
                let (dir, tag) = spec.split_at(last_slash + i);
                Ok(End::Layout {
                    dir: PathBuf::from(dir),
                    reference: Some(tag[1..].to_string()).filter(|t| !t.is_empty()),
                })
            }
            _ => Ok(End::Layout {
                dir: PathBuf::from(spec),
                reference: None,
            }),
        }
    }

    /// The tag named, if any (a digest is not a tag).
    pub fn tag(&self) -> Option<String> {
        match self {
            End::Registry(r) => r.tag.clone().filter(|_| r.digest.is_none()),
            End::Layout { reference, .. } => {
                reference.clone().filter(|r| r.parse::<Digest>().is_err())
            }
        }
    }

    /// The digest named, if any.
    pub fn digest(&self) -> Option<Digest> {
        match self {
            End::Registry(r) => r.digest.clone(),
            End::Layout { reference, .. } => reference.as_ref().and_then(|r| r.parse().ok()),
        }
    }
}

/// The two opened ends and whether they are one registry (blobs can be mounted).
pub struct CopyEnds {
    pub source: Target,
    pub destination: Target,
    pub same_registry: bool,
}

/// Opens both ends; the destination layout is created when missing.
pub fn open_copy(opts: &ConnectOptions, src: &End, dst: &End) -> Result<CopyEnds> {
    let source = open_end(opts, src, false, None)?;
    // Before the destination is opened: a layout destination is created when missing.
    if source.reference.is_none() {
        return Err(usage("the source needs a tag or digest"));
    }
    let shared = match (src, dst) {
        (End::Registry(a), End::Registry(b)) if a.registry == b.registry => source.registry.clone(),
        _ => None,
    };
    let same_registry = shared.is_some();
    let destination = open_end(opts, dst, true, shared)?;
    Ok(CopyEnds {
        source,
        destination,
        same_registry,
    })
}

/// Opens one destination on its own (a layout is created when missing): for a front end whose
/// source store is already open.
pub fn open_destination(opts: &ConnectOptions, dst: &End) -> Result<Target> {
    open_end(opts, dst, true, None)
}

fn open_end(
    opts: &ConnectOptions,
    end: &End,
    create: bool,
    shared: Option<Arc<RegistryStore>>,
) -> Result<Target> {
    match end {
        End::Layout { dir, reference } => {
            let layout = if create {
                LayoutStore::open_or_create(dir)?
            } else {
                LayoutStore::open(dir)?
            };
            Ok(Target {
                repo: layout.repository_name().to_string(),
                display_name: dir.display().to_string(),
                store: Arc::new(layout),
                registry: None,
                reference: reference.clone(),
            })
        }
        End::Registry(r) => {
            let reference = (r.tag.is_some() || r.digest.is_some()).then(|| r.manifest_reference());
            match shared {
                Some(reg) => Ok(Target {
                    store: reg.clone(),
                    registry: Some(reg),
                    repo: r.repository.clone(),
                    display_name: r.repository_name(),
                    reference,
                }),
                None => {
                    let no_layout = ConnectOptions {
                        oci_layout: None,
                        ..opts.clone()
                    };
                    let mut t = open_target(&no_layout, Some(&r.to_string()), true)?;
                    t.reference = reference;
                    Ok(t)
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::End;
    use std::path::PathBuf;

    #[test]
    fn layout_ends_split_like_oras() {
        let d = format!("sha256:{}", "a".repeat(64));
        let cases = [
            ("./out:v1", "./out", Some("v1")),
            ("out", "out", None),
            ("/tmp/x/out:v1.2", "/tmp/x/out", Some("v1.2")),
            ("a:b/out", "a:b/out", None),
        ];
        for (spec, dir, tag) in cases {
            let End::Layout {
                dir: got,
                reference,
            } = End::parse(spec, true).unwrap()
            else {
                panic!("{spec}")
            };
            assert_eq!(got, PathBuf::from(dir), "{spec}");
            assert_eq!(reference.as_deref(), tag, "{spec}");
        }
        let e = End::parse(&format!("out@{d}"), true).unwrap();
        assert_eq!(e.digest().unwrap().to_string(), d);
        assert_eq!(e.tag(), None);
        assert!(End::parse("out@nope", true).is_err());
        let r = End::parse("localhost:5000/a/b", false).unwrap();
        assert_eq!(r.tag(), None);
    }
}
