//! Text of the inspector (pretty JSON) and the describe view, and search over it.
use crate::oci::media;
use crate::tui::action::Doc;
use crate::tui::state::DocView;

/// Pretty-printed JSON lines (or the text as is when it is not JSON).
pub fn pretty(bytes: &[u8]) -> Vec<String> {
    match serde_json::from_slice::<serde_json::Value>(bytes) {
        Ok(v) => serde_json::to_string_pretty(&v)
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect(),
        Err(_) => String::from_utf8_lossy(bytes)
            .lines()
            .map(|l| l.replace('\t', "    "))
            .collect(),
    }
}

/// The describe view: descriptor fields, annotations sorted, subject, layers with titles.
pub fn describe(d: &Doc) -> Vec<String> {
    let mut out = Vec::new();
    let desc = &d.descriptor;
    out.push("Descriptor".to_string());
    out.push(format!("  digest        {}", desc.digest));
    out.push(format!("  media type    {}", desc.media_type));
    let Some(m) = &d.manifest else {
        out.push(format!("  size          {} B", desc.size));
        return out;
    };
    out.push(format!("  manifest size {} B", desc.size));
    if !m.is_index() {
        let n = crate::graph::size::blobs_size(m);
        let image = m.config.as_ref().is_some_and(|c| {
            c.media_type == media::OCI_CONFIG || c.media_type == media::DOCKER_CONFIG
        });
        let (what, parts) = if image {
            ("image size   ", "config + layers")
        } else {
            ("blobs size   ", "config + files")
        };
        out.push(format!(
            "  {what} {} ({n} B: {parts})",
            crate::tui::label::human_size(n as i64)
        ));
    }
    if let Some(t) = m.effective_artifact_type() {
        out.push(format!("  artifact type {t}"));
    }
    if let Some(c) = &m.config {
        out.push(format!(
            "  config        {} {} ({} B)",
            c.media_type, c.digest, c.size
        ));
    }
    out.push(String::new());
    match &m.subject {
        Some(s) => {
            out.push("Subject".to_string());
            out.push(format!("  {} {} ({} B)", s.digest, s.media_type, s.size));
        }
        None => out.push("Subject       (none)".to_string()),
    }
    out.push(String::new());
    let anns = m.annotations.clone().unwrap_or_default();
    out.push(format!("Annotations ({})", anns.len()));
    // BTreeMap: already sorted by key.
    for (k, v) in &anns {
        out.push(format!("  {k} = {v}"));
    }
    if !m.manifests.is_empty() {
        out.push(String::new());
        out.push(format!("Manifests ({})", m.manifests.len()));
        for e in &m.manifests {
            let plat = e
                .platform
                .as_ref()
                .map(|p| p.to_string())
                .unwrap_or_else(|| "-".into());
            out.push(format!(
                "  {plat:<16} {} {} ({} B)",
                e.digest,
                media::short_label(&e.media_type),
                e.size
            ));
        }
    }
    let files = m.files();
    out.push(String::new());
    out.push(format!("Layers ({})", files.len()));
    for l in files {
        let title = l
            .annotations
            .as_ref()
            .and_then(|a| a.get(media::ANN_TITLE))
            .map(String::as_str)
            .unwrap_or("-");
        out.push(format!(
            "  {title:<24} {} {} ({} B)",
            l.digest, l.media_type, l.size
        ));
    }
    out
}

/// Lines containing the search text (case-insensitive).
pub fn find_matches(d: &mut DocView) {
    let q = d.search.to_lowercase();
    d.matches = if q.is_empty() {
        Vec::new()
    } else {
        d.lines
            .iter()
            .enumerate()
            .filter(|(_, l)| l.to_lowercase().contains(&q))
            .map(|(i, _)| i)
            .collect()
    };
}
