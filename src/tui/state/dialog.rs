//! Dialog state as plain data: the attach form, the pull prompt and progress, the delete plan
//! and its confirmation, and reports. Parsing of what the user typed lives here too.
use crate::attach::{media_type_for, AttachFile, AttachRequest};
use crate::oci::Digest;
use crate::tui::action::{Plans, PullStatus};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// The open dialog (at most one).
#[derive(Debug, Clone)]
pub enum Dialog {
    Attach(Box<AttachForm>),
    Pull(PullDialog),
    Delete(DeleteDialog),
    Report(Report),
    Commands(CommandsDialog),
    Copy(Box<super::copy::CopyForm>),
    AddTag(AddTagDialog),
    TagDelete(TagDeleteDialog),
    Export(ExportDialog),
}

impl Dialog {
    /// True when tab completes the focused field (a path, an artifact type, a destination), as
    /// the dialog's key handler does: the footer hints `complete` there alone.
    pub fn completes(&self) -> bool {
        match self {
            Dialog::Attach(f) => f.preview.is_none() && f.focus < 2,
            Dialog::Pull(p) => !p.running && p.focus == 0,
            Dialog::Copy(f) => {
                f.busy.is_none() && matches!(f.stage, super::copy::CopyStage::Form) && f.focus == 0
            }
            Dialog::Delete(_)
            | Dialog::Report(_)
            | Dialog::Commands(_)
            | Dialog::AddTag(_)
            | Dialog::TagDelete(_)
            | Dialog::Export(_) => false,
        }
    }
}

/// `!`: commands for the manifest under the cursor; enter copies the focused one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandsDialog {
    /// (what it does, the command line)
    pub items: Vec<(String, String)>,
    pub focus: usize,
}

/// Text fields of the attach form, in focus order; the buttons come after them.
pub const ATTACH_FIELDS: [&str; 3] = ["Files", "Artifact type", "Annotations"];

/// `a`: files, artifact type and annotations for a new referrer, then a preview.
#[derive(Debug, Clone, Default)]
pub struct AttachForm {
    pub req: u64,
    pub repo: String,
    /// The subject's digest (what the referrer is attached to).
    pub subject: String,
    /// The subject as the user knows it (tag, node word), for the title.
    pub label: String,
    pub files: String,
    pub artifact_type: String,
    pub annotations: String,
    /// Fields first, then buttons; in preview, buttons only.
    pub focus: usize,
    /// Artifact types already seen in this repository's tree and tag list.
    pub seen_types: Vec<String>,
    /// What the last tab offered (paths or artifact types).
    pub candidates: Vec<String>,
    /// The prefix artifact-type completion cycles over.
    pub type_prefix: Option<String>,
    pub preview: Option<AttachPreview>,
    pub busy: Option<&'static str>,
    pub error: Option<String>,
}

/// The manifest an attach will push, exactly (the created time is fixed at preview).
#[derive(Debug, Clone)]
pub struct AttachPreview {
    pub request: AttachRequest,
    pub digest: Digest,
    pub lines: Vec<String>,
}

impl AttachForm {
    pub fn buttons(&self) -> &'static [&'static str] {
        if self.preview.is_some() {
            &["Push", "Edit", "Cancel"]
        } else {
            &["Preview", "Cancel"]
        }
    }

    fn fields(&self) -> usize {
        if self.preview.is_some() {
            0
        } else {
            ATTACH_FIELDS.len()
        }
    }

    /// Moves focus over fields and buttons, wrapping.
    pub fn move_focus(&mut self, delta: i64) {
        let n = (self.fields() + self.buttons().len()) as i64;
        self.focus = (self.focus as i64 + delta).rem_euclid(n) as usize;
        self.candidates.clear();
        self.type_prefix = None;
    }

    /// The focused button, if focus is on one.
    pub fn button(&self) -> Option<&'static str> {
        self.focus
            .checked_sub(self.fields())
            .and_then(|i| self.buttons().get(i).copied())
    }

    /// The focused text field.
    pub fn field_mut(&mut self) -> Option<&mut String> {
        if self.preview.is_some() {
            return None;
        }
        match self.focus {
            0 => Some(&mut self.files),
            1 => Some(&mut self.artifact_type),
            2 => Some(&mut self.annotations),
            _ => None,
        }
    }

    /// Each file named so far with the media type it will get.
    pub fn file_types(&self) -> Vec<(String, String)> {
        split_list(&self.files)
            .map(|t| {
                let f = parse_file(t);
                let mt = f.media_type.unwrap_or_else(|| media_type_for(&f.path));
                (f.path.display().to_string(), mt)
            })
            .collect()
    }

    /// The request the fields describe, or what is missing.
    pub fn request(&self) -> Result<AttachRequest, String> {
        let files: Vec<AttachFile> = split_list(&self.files).map(parse_file).collect();
        if files.is_empty() {
            return Err("name at least one file to attach".into());
        }
        let artifact_type = self.artifact_type.trim().to_string();
        if artifact_type.is_empty() {
            return Err("an artifact type is required (tab suggests the ones seen here)".into());
        }
        let mut annotations = BTreeMap::new();
        for a in self
            .annotations
            .split([',', '\n'])
            .map(str::trim)
            .filter(|a| !a.is_empty())
        {
            match a.split_once('=') {
                Some((k, v)) if !k.trim().is_empty() => {
                    annotations.insert(k.trim().to_string(), v.trim().to_string());
                }
                _ => return Err(format!("annotation {a:?} is not key=value")),
            }
        }
        Ok(AttachRequest {
            artifact_type,
            files,
            annotations,
        })
    }

    /// Where the last path of the files field starts (what tab completes).
    pub fn last_path_start(&self) -> usize {
        self.files
            .rfind([',', ' ', '\n'])
            .map(|i| i + 1)
            .unwrap_or(0)
    }

    /// Tab on the artifact type: cycles through the types seen here that contain what was typed.
    pub fn cycle_type(&mut self) {
        self.candidates = super::cycle::cycle(
            &mut self.artifact_type,
            &mut self.type_prefix,
            &self.seen_types,
        );
    }
}

/// Items separated by commas, spaces or newlines.
fn split_list(text: &str) -> impl Iterator<Item = &str> {
    text.split([',', ' ', '\n', '\t']).filter(|t| !t.is_empty())
}

/// `path` or `path:media/type` (as oras writes it); `~/` is expanded when the files are read.
fn parse_file(token: &str) -> AttachFile {
    let (path, media_type) = match token.rsplit_once(':') {
        Some((p, mt)) if mt.contains('/') && !p.is_empty() => (p, Some(mt.to_string())),
        _ => (token, None),
    };
    AttachFile {
        path: PathBuf::from(path),
        media_type,
        annotations: BTreeMap::new(),
    }
}

/// `p`: the output directory, then progress.
#[derive(Debug, Clone)]
pub struct PullDialog {
    pub id: u64,
    pub repo: String,
    /// Digest of the manifest pulled.
    pub reference: String,
    pub label: String,
    pub dir: String,
    /// 0 the directory field, then the buttons Pull and Cancel.
    pub focus: usize,
    pub running: bool,
    pub cancelling: bool,
    pub status: PullStatus,
}

impl PullDialog {
    pub const BUTTONS: [&'static str; 2] = ["Pull", "Cancel"];
}

/// `ctrl-d`: planning, then the plan with Cancel focused, then deleting.
#[derive(Debug, Clone)]
pub struct DeleteDialog {
    pub id: u64,
    pub repo: String,
    /// What the user asked to delete (tags or digests), one plan each.
    pub refs: Vec<String>,
    pub plans: Option<Plans>,
    /// 0 Delete, 1 Cancel (the default).
    pub focus: usize,
    pub running: bool,
    pub deleted: usize,
    /// The untagged view's fix this plan is (its title and button say so), if it is one.
    pub fix: Option<super::Fix>,
}

impl DeleteDialog {
    pub const BUTTONS: [&'static str; 2] = ["Delete", "Cancel"];

    /// The buttons: `Remove tag`, `Repair` or `Remove index` for a fix, else `Delete`; Cancel
    /// always.
    pub fn buttons(&self) -> [&'static str; 2] {
        match self.fix {
            Some(super::Fix::RemoveTag) => ["Remove tag", "Cancel"],
            // Its subject (or every entry) gone, the repair removes the index: the button says so.
            Some(super::Fix::Repair)
                if self
                    .plans
                    .as_ref()
                    .is_some_and(|p| p.0.fallback_rewrites.is_empty()) =>
            {
                ["Remove index", "Cancel"]
            }
            Some(super::Fix::Repair) => ["Repair", "Cancel"],
            None => Self::BUTTONS,
        }
    }
}

/// What a plan removes, in counts.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PlanSummary {
    pub manifests: usize,
    /// Manifests that go because something above them goes (not named by the user).
    pub below: usize,
    pub tags: usize,
    pub fallback_indexes: usize,
    pub kept: usize,
    pub manifest_bytes: u64,
}

impl PlanSummary {
    pub fn of(plans: &Plans) -> PlanSummary {
        let p = &plans.0;
        PlanSummary {
            manifests: p.manifests.len(),
            below: p.manifests.iter().filter(|m| !m.named).count(),
            tags: p.tags.len(),
            fallback_indexes: p.fallback_indexes.len(),
            kept: p.kept.len(),
            manifest_bytes: p.manifest_bytes(),
        }
    }
}

/// A result worth more than the flash line (a partial delete, say).
#[derive(Debug, Clone)]
pub struct Report {
    pub title: String,
    pub lines: Vec<String>,
    pub error: bool,
}

/// `t`: new tag names for the manifest under the cursor (checked as they are submitted).
#[derive(Debug, Clone)]
pub struct AddTagDialog {
    pub id: u64,
    pub repo: String,
    /// The manifest tagged (tag or digest).
    pub reference: String,
    pub label: String,
    pub text: String,
    pub busy: bool,
    pub error: Option<String>,
}

impl AddTagDialog {
    /// The names typed (separated by commas or spaces), each as the tag grammar allows.
    pub fn tags(&self) -> Result<Vec<String>, String> {
        let tags: Vec<String> = split_list(&self.text).map(str::to_string).collect();
        if tags.is_empty() {
            return Err("type one or more tag names (separated by spaces or commas)".into());
        }
        for t in &tags {
            crate::tag::check_tag(t).map_err(|e| e.to_string())?;
        }
        Ok(tags)
    }
}

/// `ctrl-d` on a tag row: the tag only, or the whole graph (the plan dialog); Cancel first.
#[derive(Debug, Clone)]
pub struct TagDeleteDialog {
    pub id: u64,
    pub repo: String,
    pub tag: String,
    /// An OCI layout: the tag goes from index.json.
    pub layout: bool,
    pub focus: usize,
    pub running: bool,
    /// The store refused to remove the tag alone: why, and what deleting would take.
    pub refused: Option<String>,
}

impl TagDeleteDialog {
    pub const REMOVE: &'static str = "Remove this tag only";
    pub const WHOLE: &'static str = "Delete the whole graph";

    pub fn buttons(&self) -> &'static [&'static str] {
        if self.refused.is_some() {
            &[Self::WHOLE, "Cancel"]
        } else {
            &[Self::REMOVE, Self::WHOLE, "Cancel"]
        }
    }

    /// Focus on Cancel (the default).
    pub fn cancel_focus(&self) -> usize {
        self.buttons().len() - 1
    }
}

/// `m`: the tree as Mermaid, written to a file or put on the clipboard.
#[derive(Debug, Clone)]
pub struct ExportDialog {
    pub id: u64,
    pub repo: String,
    /// The tree's root.
    pub digest: String,
    /// What `arbor discover` would title it (`host/repo`, or the layout directory).
    pub title: String,
    pub path: String,
    /// 0 the path field, then the buttons.
    pub focus: usize,
    /// The file exists: the next "Write file" replaces it (said in the dialog).
    pub overwrite: Option<String>,
    pub busy: bool,
    pub error: Option<String>,
}

impl ExportDialog {
    pub const BUTTONS: [&'static str; 3] = ["Write file", "Copy to clipboard", "Cancel"];

    /// `./<repo>-<12 hex>.mmd`: the repository's last path segment, in file-name characters.
    pub fn default_path(repo: &str, digest: &str) -> String {
        let name: String = repo
            .rsplit('/')
            .next()
            .unwrap_or(repo)
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "._-".contains(c) {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let hex = digest.split_once(':').map_or(digest, |(_, h)| h);
        let short: String = hex.chars().take(12).collect();
        format!("./{}-{short}.mmd", name.trim_start_matches('.'))
    }
}
