//! The tag list, the tree with its detail pane, and the delete dialog at 160×45, 80×24 and
//! 40×12, and in the light and monochrome (NO_COLOR) themes with their styles: the cursor is
//! shown by shape, columns give way in order, nothing is told by colour alone.
mod tui_common;

use arbor::tui::action::{Cmd, Ui};
use arbor::tui::harness::Harness;
use arbor::tui::state::prefs::Look;
use arbor::tui::state::UntaggedRow;
use ratatui::style::{Color, Modifier};
use tui_common::{layout_app, settings};

async fn app(reference: Option<&str>, w: u16, h: u16) -> (Harness, tempfile::TempDir) {
    layout_app(reference, w, h).await
}

fn filters() -> insta::Settings {
    let mut s = settings();
    s.add_filter(r"/tmp/\.tmp\w+", "[tmp]");
    s
}

macro_rules! snap {
    ($name:expr, $text:expr) => {{
        let text = $text;
        filters().bind(|| insta::assert_snapshot!($name, text))
    }};
}

const SIZES: [(u16, u16); 3] = [(160, 45), (80, 24), (40, 12)];

#[tokio::test]
async fn tag_list_at_three_sizes() {
    for (w, ht) in SIZES {
        let (h, _t) = app(None, w, ht).await;
        let text = h.screen_text();
        // TAG and a whole 12-hex digest are there at every size, and `? help` in the footer.
        assert!(
            text.contains("v1") && text.contains("TAG") && text.contains("DIGEST"),
            "{text}"
        );
        assert!(
            text.lines().last().unwrap_or("").contains("? help"),
            "{w}×{ht}: {text}"
        );
        snap!(format!("looks_tags_{w}x{ht}"), text);
    }
}

#[tokio::test]
async fn tree_with_detail_pane_at_three_sizes() {
    for (w, ht) in SIZES {
        let (mut h, _t) = app(Some("v1"), w, ht).await;
        h.cmd(Cmd::Down);
        h.settle().await;
        let text = h.screen_text();
        assert_eq!(text.contains("Details"), w >= 120, "{w}×{ht}: {text}");
        snap!(format!("looks_tree_{w}x{ht}"), text);
    }
}

#[tokio::test]
async fn delete_dialog_at_three_sizes() {
    for (w, ht) in SIZES {
        let (mut h, _t) = app(None, w, ht).await;
        h.state.facts.writable = true;
        h.cmd(Cmd::Delete);
        // A tag row asks first (Cancel focused): the whole graph goes to the plan.
        h.cmd(Cmd::DialogPrev);
        h.cmd(Cmd::Submit);
        h.settle().await;
        let text = h.screen_text();
        assert!(text.contains("Cancel"), "{w}×{ht}: {text}");
        snap!(format!("looks_delete_{w}x{ht}"), text);
    }
}

/// Every cell of the screen, with its style.
fn cells(h: &Harness) -> Vec<(u16, u16, String, ratatui::style::Style)> {
    let t = h.terminal();
    let b = t.backend().buffer().clone();
    let mut out = Vec::new();
    for y in 0..b.area.height {
        for x in 0..b.area.width {
            let c = &b[(x, y)];
            out.push((x, y, c.symbol().to_string(), c.style()));
        }
    }
    out
}

#[tokio::test]
async fn no_color_draws_no_colour_and_marks_the_cursor_by_shape() {
    for reference in [None, Some("v1")] {
        let (mut h, _t) = app(reference, 80, 24).await;
        h.state.look = Look::Mono;
        h.cmd(Cmd::Down);
        h.settle().await;
        let cells = cells(&h);
        let coloured: Vec<_> = cells
            .iter()
            .filter(|c| {
                !matches!(c.3.fg, None | Some(Color::Reset))
                    || !matches!(c.3.bg, None | Some(Color::Reset))
            })
            .collect();
        assert!(
            coloured.is_empty(),
            "no colour at all: {:?}",
            &coloured[..coloured.len().min(3)]
        );
        // The cursor's row: `›` at its start and reverse video across it.
        let (_, y, _, _) = cells
            .iter()
            .find(|c| c.0 == 1 && c.2 == "›")
            .expect("a › marker inside the pane's border")
            .clone();
        let reversed = cells
            .iter()
            .filter(|c| c.1 == y && c.3.add_modifier.contains(Modifier::REVERSED))
            .count();
        assert!(
            reversed > 20,
            "the selected row is reverse video ({reversed} cells)"
        );
        let name = if reference.is_some() { "tree" } else { "tags" };
        snap!(format!("looks_{name}_mono_80x24"), h.styled_text());
    }
    let (mut h, _t) = app(None, 80, 24).await;
    h.state.look = Look::Mono;
    h.state.facts.writable = true;
    h.cmd(Cmd::Delete);
    // A tag row asks first (Cancel focused): the whole graph goes to the plan.
    h.cmd(Cmd::DialogPrev);
    h.cmd(Cmd::Submit);
    h.settle().await;
    snap!("looks_delete_mono_80x24", h.styled_text());
}

#[tokio::test]
async fn light_theme_uses_no_yellow_or_cyan_text() {
    for reference in [None, Some("v1")] {
        let (mut h, _t) = app(reference, 160, 45).await;
        h.state.look = Look::Light;
        h.send(Ui::Resize(160, 45));
        h.cmd(Cmd::Down);
        h.settle().await;
        // Yellow, cyan and white text are unreadable on white in most palettes.
        let bad: Vec<_> = cells(&h)
            .into_iter()
            .filter(|c| {
                c.2.trim() != ""
                    && matches!(
                        c.3.fg,
                        Some(
                            Color::Yellow
                                | Color::Cyan
                                | Color::LightYellow
                                | Color::LightCyan
                                | Color::Gray
                        )
                    )
                    && c.3.bg.is_none()
            })
            .collect();
        assert!(bad.is_empty(), "{:?}", &bad[..bad.len().min(3)]);
        let name = if reference.is_some() { "tree" } else { "tags" };
        snap!(format!("looks_{name}_light_160x45"), h.styled_text());
    }
    let (mut h, _t) = app(None, 80, 24).await;
    h.state.look = Look::Light;
    h.state.facts.writable = true;
    h.cmd(Cmd::Delete);
    // A tag row asks first (Cancel focused): the whole graph goes to the plan.
    h.cmd(Cmd::DialogPrev);
    h.cmd(Cmd::Submit);
    h.settle().await;
    snap!("looks_delete_light_80x24", h.styled_text());
}

async fn fixable(w: u16, ht: u16) -> (Harness, tempfile::TempDir) {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tui_common::build_fixable_layout(tmp.path());
    let mut h = Harness::new(
        arbor::tui::open_layout(&dir, None, false).expect("open"),
        w,
        ht,
    );
    h.settle().await;
    h.cmd(Cmd::Untagged);
    h.settle().await;
    (h, tmp)
}

#[tokio::test]
async fn untagged_view_shows_dangling_tags_and_stale_indexes_with_their_fixes() {
    for (w, ht) in [(160, 45), (80, 24)] {
        let (mut h, _t) = fixable(w, ht).await;
        let text = h.screen_text();
        for words in ["dangling tag", "stale index", "untagged"] {
            assert!(text.contains(words), "{w}×{ht}: {words}: {text}");
        }
        assert!(
            text.contains("gone · manifest gone"),
            "the dangling tag by name: {text}"
        );
        // Two fallback tags differ only in their hex: each keeps its end even at 80 columns.
        for r in &h.state.untagged.rows {
            if let UntaggedRow::Stale(x) = r {
                let end = &x.tag[x.tag.len().saturating_sub(6)..];
                assert!(text.contains(end), "{w}×{ht}: {} by name: {text}", x.tag);
            }
        }
        assert!(
            text.contains("1 entry gone") && text.contains("subject gone"),
            "{text}"
        );
        snap!(format!("looks_untagged_fixes_{w}x{ht}"), text);
        h.state.facts.writable = true;
        // The footer offers a row's fix on that row alone.
        h.untagged_cursor_to(|r| matches!(r, UntaggedRow::Dangling(_)));
        let footer = h.screen_text().lines().last().unwrap_or("").to_string();
        assert!(footer.contains("X remove dangling tag"), "{footer}");
        assert!(!footer.contains("repair"), "{footer}");
        h.cmd(Cmd::RemoveTag);
        h.settle().await;
        let text = h.screen_text();
        assert!(text.contains("Remove dangling tag gone"), "{text}");
        assert!(text.contains("Tags removed: gone"), "{text}");
        assert!(
            text.contains("Remove tag") && text.contains("▶ Cancel ◀"),
            "{text}"
        );
        snap!(format!("looks_untagged_remove_tag_{w}x{ht}"), text);
        h.cmd(Cmd::Cancel);
        // A stale index whose subject is there: rewritten without the entry that is gone.
        h.untagged_cursor_to(|r| matches!(r, UntaggedRow::Stale(s) if !s.subject_missing));
        let footer = h.screen_text().lines().last().unwrap_or("").to_string();
        assert!(footer.contains("r repair stale index"), "{footer}");
        h.cmd(Cmd::Repair);
        h.settle().await;
        let text = h.screen_text();
        assert!(text.contains("rewritten without"), "{text}");
        let plan = h.plan();
        assert!(plan.manifests.is_empty(), "nothing deleted: {text}");
        assert_eq!(plan.fallback_rewrites.len(), 1);
        assert_eq!(
            plan.fallback_rewrites[0].remove.len(),
            1,
            "the entry that is gone"
        );
        snap!(format!("looks_untagged_repair_{w}x{ht}"), text);
        h.cmd(Cmd::Cancel);
        // Its subject gone: the index goes, and the plan says so.
        h.untagged_cursor_to(|r| matches!(r, UntaggedRow::Stale(s) if s.subject_missing));
        h.cmd(Cmd::Repair);
        h.settle().await;
        let text = h.screen_text();
        assert!(
            text.contains("which is gone") && text.contains("Remove index"),
            "{text}"
        );
        let plan = h.plan();
        assert_eq!(plan.manifests.len(), 1, "the index itself");
        assert!(plan.fallback_rewrites.is_empty());
    }
}

#[tokio::test]
async fn untagged_fixes_under_no_color_say_it_in_words() {
    let (mut h, _t) = fixable(80, 24).await;
    h.state.look = Look::Mono;
    h.state.facts.writable = true;
    h.untagged_cursor_to(|r| matches!(r, UntaggedRow::Dangling(_)));
    snap!("looks_untagged_fixes_mono_80x24", h.styled_text());
    h.cmd(Cmd::RemoveTag);
    h.settle().await;
    snap!("looks_untagged_remove_tag_mono_80x24", h.styled_text());
}
