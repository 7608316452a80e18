//! Where things sit on the screen: the one split the view draws into and mouse clicks and
//! page sizes are read against.
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::widgets::Block;

/// The four bands of the screen, top to bottom.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Areas {
    /// Store facts and breadcrumbs (two lines).
    pub header: Rect,
    /// The screen's pane: a list, the tree, a document, help; dialogs draw over it.
    pub body: Rect,
    /// The flash line, or the open prompt.
    pub flash: Rect,
    /// Key hints.
    pub footer: Rect,
}

/// Splits a `width` × `height` terminal.
pub fn areas(width: u16, height: u16) -> Areas {
    let [header, body, flash, footer] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Min(3),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(Rect::new(0, 0, width, height));
    Areas {
        header,
        body,
        flash,
        footer,
    }
}

/// The bordered block every pane is drawn in.
pub fn pane() -> Block<'static> {
    Block::bordered()
}

/// The rows of a list pane (repositories, tags, untagged): inside the border, below the
/// column titles.
pub fn list_rows(body: Rect) -> Rect {
    let inner = pane().inner(body);
    Rect {
        y: inner.y.saturating_add(1),
        height: inner.height.saturating_sub(1),
        ..inner
    }
}

/// The rows of the tree pane: inside the border (the tree has no column titles).
pub fn tree_rows(body: Rect) -> Rect {
    pane().inner(body)
}

/// Which row of `rows` terminal row `y` is, if it is one of them.
pub fn row_at(rows: Rect, y: u16) -> Option<usize> {
    (y >= rows.y && y < rows.y.saturating_add(rows.height)).then(|| (y - rows.y) as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_rows_start_below_header_border_and_titles() {
        let a = areas(120, 40);
        assert_eq!(a.header, Rect::new(0, 0, 120, 2));
        assert_eq!(a.footer, Rect::new(0, 39, 120, 1));
        let rows = list_rows(a.body);
        assert_eq!((rows.y, rows.height), (4, 33));
        assert_eq!(row_at(rows, 3), None);
        assert_eq!(row_at(rows, 4), Some(0));
        assert_eq!(row_at(rows, 36), Some(32));
        assert_eq!(row_at(rows, 37), None, "the bottom border is not a row");
        assert_eq!(tree_rows(a.body).y, 3);
    }
}
