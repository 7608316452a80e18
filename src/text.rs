//! Terminal-safe text: the one sanitiser strings from a registry or an artifact go through
//! before they reach a terminal. (A stand-in with the API of the crate-wide sanitiser that
//! issue 11 brings; that one replaces this file when the branches meet.)
use std::borrow::Cow;

/// True when `c` must not reach a terminal as itself: controls, bidi and zero-width characters.
pub fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2060}'..='\u{2069}' | '\u{feff}')
}

/// One line of terminal-safe text: every control and format character escaped, `\n` too.
pub fn escape(s: &str) -> Cow<'_, str> {
    if !s.chars().any(needs_escape) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if needs_escape(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}
