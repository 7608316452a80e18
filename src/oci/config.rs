//! The image configuration blob (`application/vnd.oci.image.config.v1+json` and Docker's): the
//! few fields a list or a summary shows. Unknown fields are ignored; nothing here panics.
use super::Platform;
use serde::Deserialize;
use std::collections::BTreeMap;

/// Config blobs read at most (real ones are a few KiB; a hostile one is cut off here).
pub const MAX_CONFIG_BYTES: usize = 1024 * 1024;

/// What an image config says about the image.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImageConfig {
    pub created: Option<String>,
    pub author: Option<String>,
    /// `os/architecture[/variant]`, when the config names them.
    pub platform: Option<Platform>,
    pub entrypoint: Vec<String>,
    pub cmd: Vec<String>,
    pub working_dir: Option<String>,
    pub user: Option<String>,
    pub env_count: usize,
    pub labels: BTreeMap<String, String>,
    /// Layers the root filesystem is made of (`rootfs.diff_ids`).
    pub layer_count: usize,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Raw {
    created: Option<String>,
    author: Option<String>,
    architecture: Option<String>,
    os: Option<String>,
    variant: Option<String>,
    config: Option<RawExec>,
    rootfs: Option<RawRootfs>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "PascalCase")]
struct RawExec {
    entrypoint: Option<Vec<String>>,
    cmd: Option<Vec<String>>,
    working_dir: Option<String>,
    user: Option<String>,
    env: Option<Vec<String>>,
    labels: Option<BTreeMap<String, String>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawRootfs {
    diff_ids: Vec<String>,
}

impl ImageConfig {
    /// Reads a config blob; `None` when it is not a JSON object of that shape.
    pub fn parse(bytes: &[u8]) -> Option<ImageConfig> {
        let r: Raw = serde_json::from_slice(bytes).ok()?;
        let nonempty = |s: Option<String>| s.filter(|s| !s.is_empty());
        let platform = match (nonempty(r.os), nonempty(r.architecture)) {
            (Some(os), Some(architecture)) => Some(Platform {
                architecture,
                os,
                variant: nonempty(r.variant),
                ..Default::default()
            }),
            _ => None,
        };
        let exec = r.config.unwrap_or_default();
        Some(ImageConfig {
            // Builders that record no time (reproducible builds) write the zero time: no time.
            created: nonempty(r.created).filter(|c| !c.starts_with("0001-01-01")),
            author: nonempty(r.author),
            platform,
            entrypoint: exec.entrypoint.unwrap_or_default(),
            cmd: exec.cmd.unwrap_or_default(),
            working_dir: nonempty(exec.working_dir),
            user: nonempty(exec.user),
            env_count: exec.env.map_or(0, |e| e.len()),
            labels: exec.labels.unwrap_or_default(),
            layer_count: r.rootfs.map_or(0, |r| r.diff_ids.len()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_zero_time_is_no_time() {
        let c = ImageConfig::parse(br#"{"created":"0001-01-01T00:00:00Z"}"#).expect("config");
        assert_eq!(c.created, None);
    }

    #[test]
    fn reads_created_platform_and_command() {
        let c = ImageConfig::parse(
            br#"{"created":"2024-05-01T10:00:00Z","architecture":"arm64","os":"linux","variant":"v8",
                "config":{"Entrypoint":["/app"],"Cmd":["--serve"],"Env":["A=1","B=2"],"Labels":{"x":"y"}},
                "rootfs":{"type":"layers","diff_ids":["sha256:aa","sha256:bb"]}}"#,
        )
        .expect("config");
        assert_eq!(c.created.as_deref(), Some("2024-05-01T10:00:00Z"));
        assert_eq!(
            c.platform.map(|p| p.to_string()).as_deref(),
            Some("linux/arm64/v8")
        );
        assert_eq!(
            (c.entrypoint.len(), c.cmd.len(), c.env_count, c.layer_count),
            (1, 1, 2, 2)
        );
    }

    #[test]
    fn empty_fields_and_garbage_give_nothing() {
        let c = ImageConfig::parse(br#"{"architecture":"","os":"","config":null}"#).expect("obj");
        assert_eq!(c.platform, None);
        assert_eq!(ImageConfig::parse(b"[1,2]"), None);
        assert_eq!(ImageConfig::parse(b"{}"), Some(ImageConfig::default()));
    }
}
