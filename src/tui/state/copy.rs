//! The copy form (`x`) as plain data: destination, recursive, platforms; then the plan, the
//! copy's progress and its result. Parsing what the user typed lives here too.
use crate::connection::End;
use crate::copy::PlatformFilter;
use crate::tui::action::{CopyDone, CopyJob, CopyStatus};

/// Fields of the copy form, in focus order; the buttons come after them.
pub const COPY_FIELDS: [&str; 3] = ["Destination", "Recursive", "Platforms"];

/// Where the copy dialog is.
#[derive(Debug, Clone)]
pub enum CopyStage {
    Form,
    /// The plan the library made (nothing copied yet); Copy carries out exactly this.
    Preview(CopyJob),
    Running(Box<CopyStatus>),
    /// The report's lines, the root digest and where the copy went; or why it stopped.
    Done(Result<CopyDone, String>),
}

/// `x`: copy the manifest under the cursor (and with Recursive every referrer below it).
#[derive(Debug, Clone)]
pub struct CopyForm {
    pub id: u64,
    pub repo: String,
    /// The tag or digest copied.
    pub reference: String,
    /// The source as the user knows it (tag, node word), for the title.
    pub label: String,
    pub destination: String,
    pub recursive: bool,
    pub platforms: String,
    /// Fields first, then buttons; after the form, buttons only.
    pub focus: usize,
    /// What destination completion offers: config contexts, recent references, this registry.
    pub known: Vec<String>,
    /// What the last tab offered.
    pub candidates: Vec<String>,
    /// The text destination completion cycles over.
    pub prefix: Option<String>,
    pub stage: CopyStage,
    pub busy: Option<&'static str>,
    pub cancelling: bool,
    pub error: Option<String>,
}

/// What the form asks the library for.
#[derive(Debug, Clone, PartialEq)]
pub struct CopyRequest {
    pub destination: String,
    /// The destination is an OCI layout directory (`DIR[:TAG]`, as `--to-oci-layout` takes it).
    pub layout: bool,
    pub recursive: bool,
    pub platforms: Vec<PlatformFilter>,
}

/// A destination that names a directory: a path, as a shell user would type one.
pub fn is_layout_path(text: &str) -> bool {
    text.starts_with('/') || text.starts_with('.') || text.starts_with('~')
}

impl CopyForm {
    /// A form on `reference` with Recursive on.
    pub fn new(id: u64, repo: String, reference: String, label: String) -> CopyForm {
        CopyForm {
            id,
            repo,
            reference,
            label,
            destination: String::new(),
            recursive: true,
            platforms: String::new(),
            focus: 0,
            known: Vec::new(),
            candidates: Vec::new(),
            prefix: None,
            stage: CopyStage::Form,
            busy: None,
            cancelling: false,
            error: None,
        }
    }

    pub fn buttons(&self) -> &'static [&'static str] {
        match &self.stage {
            CopyStage::Form => &["Preview", "Cancel"],
            CopyStage::Preview(_) => &["Copy", "Edit", "Cancel"],
            CopyStage::Running(_) => &["Cancel"],
            CopyStage::Done(Ok(_)) => &["Open destination", "Close"],
            CopyStage::Done(Err(_)) => &["Edit", "Close"],
        }
    }

    fn fields(&self) -> usize {
        match self.stage {
            CopyStage::Form => COPY_FIELDS.len(),
            CopyStage::Preview(_) | CopyStage::Running(_) | CopyStage::Done(_) => 0,
        }
    }

    /// Moves focus over fields and buttons, wrapping.
    pub fn move_focus(&mut self, delta: i64) {
        let n = (self.fields() + self.buttons().len()) as i64;
        self.focus = (self.focus as i64 + delta).rem_euclid(n) as usize;
        self.candidates.clear();
        self.prefix = None;
    }

    /// The focused button, if focus is on one.
    pub fn button(&self) -> Option<&'static str> {
        self.focus
            .checked_sub(self.fields())
            .and_then(|i| self.buttons().get(i).copied())
    }

    /// The focused text field (Recursive is a checkbox: space toggles it).
    pub fn field_mut(&mut self) -> Option<&mut String> {
        match (&self.stage, self.focus) {
            (CopyStage::Form, 0) => Some(&mut self.destination),
            (CopyStage::Form, 2) => Some(&mut self.platforms),
            _ => None,
        }
    }

    /// The request the fields describe, or what is wrong with them.
    pub fn request(&self) -> Result<CopyRequest, String> {
        let destination = self.destination.trim().to_string();
        if destination.is_empty() {
            return Err(
                "name a destination: HOST/REPO[:TAG] or a layout directory ./DIR[:TAG] (tab completes)"
                    .into(),
            );
        }
        let layout = is_layout_path(&destination);
        End::parse(&destination, layout).map_err(|e| format!("{e:#}"))?;
        let mut platforms = Vec::new();
        for p in self
            .platforms
            .split([',', ' '])
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            platforms.push(p.parse::<PlatformFilter>()?);
        }
        Ok(CopyRequest {
            destination,
            layout,
            recursive: self.recursive,
            platforms,
        })
    }

    /// Tab on the destination: cycles through the known places that contain what was typed.
    pub fn cycle_destination(&mut self) {
        self.candidates = super::cycle::cycle(&mut self.destination, &mut self.prefix, &self.known);
    }
}
