//! The copy dialog: the form, the plan (the lines `arbor cp --dry-run` prints), the copy's
//! progress (a total gauge and the blobs in flight, as the CLI's bars) and the report.
use super::dialog_parts::{body, boxed, buttons, field, wrapped};
use super::style::{styled, text};
use super::theme::Theme;
use crate::tui::action::CopyStatus;
use crate::tui::label::{human_size, short_ref};
use crate::tui::state::copy::{CopyForm, CopyStage, COPY_FIELDS};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::text::Line;
use ratatui::widgets::{Gauge, Paragraph, Wrap};
use ratatui::Frame;

/// Blobs in flight shown at most (the rest are counted).
const SHOWN_IN_FLIGHT: usize = 8;

const INDENT: &str = "                ";

pub fn draw(c: &CopyForm, t: &Theme, scroll: usize, f: &mut Frame, area: Rect) {
    // `boxed` draws the title through the sanitiser.
    let short = short_ref(&c.reference);
    let title = if short == c.label {
        format!(" Copy {} from {} ", c.label, c.repo)
    } else {
        format!(" Copy {} ({short}) from {} ", c.label, c.repo)
    };
    let w = area.width.saturating_sub(2).clamp(20, 110);
    let text_w = w.saturating_sub(4) as usize;
    let mut lines: Vec<Line> = Vec::new();
    let mut gauge: Option<&CopyStatus> = None;
    match &c.stage {
        CopyStage::Form => form_lines(c, t, text_w, &mut lines),
        CopyStage::Preview(job) => {
            lines.push(Line::from(styled(
                "The plan (nothing copied yet) — exactly what Copy does:",
                t.muted,
            )));
            lines.extend(wrapped(&job.0.lines, text_w));
        }
        CopyStage::Running(st) => {
            gauge = Some(st);
            lines.push(Line::from(text(format!(
                "blobs {}/{} · manifests {}/{}{}",
                st.blobs_done,
                st.blobs_total,
                st.manifests_pushed,
                st.manifests_total,
                st.tagged
                    .as_ref()
                    .map(|g| format!(" · tagged {}", crate::text::tag_label(g)))
                    .unwrap_or_default()
            ))));
            for (d, done, size) in st.in_flight.iter().take(SHOWN_IN_FLIGHT) {
                lines.push(Line::from(text(format!(
                    "  {}  {} / {}  blob",
                    d.short(),
                    human_size(*done as i64),
                    human_size(*size as i64)
                ))));
            }
            if st.in_flight.len() > SHOWN_IN_FLIGHT {
                lines.push(Line::from(styled(
                    format!(
                        "  … {} more in flight",
                        st.in_flight.len() - SHOWN_IN_FLIGHT
                    ),
                    t.muted,
                )));
            }
            let word = if c.cancelling {
                "cancelling… (what is done stays; nothing half-written is left visible)"
            } else {
                "esc cancels; the destination stays consistent (the tag is written last)"
            };
            lines.push(Line::from(styled(word, t.muted)));
        }
        // The report ends with the root digest (`Digest: …`), as `arbor cp` prints it.
        CopyStage::Done(Ok(d)) => lines.extend(wrapped(&d.lines, text_w)),
        CopyStage::Done(Err(e)) => {
            for part in textwrap::wrap(&crate::text::escape(&format!("✗ {e}")), text_w.max(8)) {
                lines.push(Line::from(styled(part.into_owned(), t.error)));
            }
        }
    }
    let focus = c.focus.checked_sub(match c.stage {
        CopyStage::Form => COPY_FIELDS.len(),
        CopyStage::Preview(_) | CopyStage::Running(_) | CopyStage::Done(_) => 0,
    });
    let mut bottom = vec![buttons(c.buttons(), focus)];
    if let Some(b) = c.busy {
        bottom.insert(0, Line::from(styled(b, t.accent)));
    }
    if let Some(e) = &c.error {
        for part in textwrap::wrap(&crate::text::escape(&format!("✗ {e}")), text_w.max(8))
            .into_iter()
            .rev()
        {
            bottom.insert(0, Line::from(styled(part.into_owned(), t.error)));
        }
    }
    let g = u16::from(gauge.is_some());
    let mut h = (lines.len() + bottom.len() + 3) as u16 + g;
    if h > area.height {
        // Taller than the screen: the body scrolls, and says so.
        bottom.push(Line::from(styled("pgup/pgdn scroll", t.muted)));
        h += 1;
    }
    let inner = boxed(f, t, area, w, h, title, false);
    let [gauge_area, top, _, low] = Layout::vertical([
        Constraint::Length(g),
        Constraint::Fill(1),
        Constraint::Length(1),
        Constraint::Length(bottom.len() as u16),
    ])
    .areas(inner);
    if let Some(st) = gauge {
        let ratio = if st.bytes_total == 0 {
            1.0
        } else {
            (st.bytes_done as f64 / st.bytes_total as f64).clamp(0.0, 1.0)
        };
        f.render_widget(
            Gauge::default()
                .ratio(ratio)
                .label(format!(
                    "total {} / {}",
                    human_size(st.bytes_done as i64),
                    human_size(st.bytes_total as i64)
                ))
                .gauge_style(t.accent.add_modifier(Modifier::REVERSED)),
            gauge_area,
        );
    }
    let scroll = match c.stage {
        CopyStage::Preview(_) | CopyStage::Done(_) => scroll,
        CopyStage::Form | CopyStage::Running(_) => 0,
    };
    f.render_widget(body(lines, scroll, top), top);
    f.render_widget(Paragraph::new(bottom).wrap(Wrap { trim: false }), low);
}

fn form_lines(c: &CopyForm, t: &Theme, width: usize, lines: &mut Vec<Line<'static>>) {
    let hint = |lines: &mut Vec<Line<'static>>, s: &str| {
        for part in textwrap::wrap(s, width.saturating_sub(INDENT.len()).max(8)) {
            lines.push(Line::from(styled(format!("{INDENT}{part}"), t.muted)));
        }
    };
    lines.push(field(t, COPY_FIELDS[0], &c.destination, c.focus == 0));
    hint(
        lines,
        "HOST/REPO[:TAG|@DIGEST] (no tag: the source's), or an OCI layout ./DIR[:TAG]; tab completes",
    );
    if c.focus == 0 && !c.candidates.is_empty() {
        lines.push(Line::from(styled(
            format!("{INDENT}tab: {}", c.candidates.join("  ")),
            t.accent,
        )));
    }
    let check = if c.recursive { "[x]" } else { "[ ]" };
    let mut rec = field(
        t,
        COPY_FIELDS[1],
        &format!("{check} every referrer below it, at any depth"),
        false,
    );
    if c.focus == 1 {
        rec.spans[0] = styled("▸ ", t.accent);
        rec.spans.push(styled("  (space toggles)", t.muted));
    }
    lines.push(rec);
    lines.push(field(t, COPY_FIELDS[2], &c.platforms, c.focus == 2));
    hint(
        lines,
        "os/arch[/variant], comma separated; empty: all. Filtering an index rewrites it, so its digest changes: cosign tags are re-created under the new digest's name, and referrers of the original digest stay behind.",
    );
}
