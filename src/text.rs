//! Terminal-safe text: the one sanitiser every string from a registry or an artifact goes
//! through before it reaches a terminal (CLI text, stderr, TUI cells), and tag labels.
//!
//! A character is escaped when its Unicode general category is Cc (C0, DEL, C1 controls),
//! Cf (format: bidi overrides and isolates, zero-width characters, BOM, soft hyphen, tag
//! characters), Zl or Zp (U+2028, U+2029): the terminal is shown `\x1b`, `\u{202e}`, never
//! the character itself. Everything else passes unchanged, borrowed. A backslash is not
//! escaped: the output is for reading, not for parsing back (JSON output has its own escapes).
//!
//! This module imports only the tag grammar (`oci::tags`), so every layer but `oci` can use it.
use crate::oci::tags::is_valid_tag;
use std::borrow::Cow;
use std::fmt::{self, Write as _};
use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

/// True when `c` must not reach a terminal as itself.
pub fn needs_escape(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_control();
    }
    c.is_control()
        || matches!(
            c.general_category(),
            GeneralCategory::Format
                | GeneralCategory::LineSeparator
                | GeneralCategory::ParagraphSeparator
        )
        // Invisible by definition (Default_Ignorable) though not assigned yet: a newer
        // terminal may give them a format meaning (U+2065 sits among the bidi isolates).
        || matches!(
            c as u32,
            0x2065 | 0xfff0..=0xfff8 | 0xe0000 | 0xe0002..=0xe001f | 0xe0080..=0xe0fff
        )
}

/// One line of terminal-safe text: every control and format character escaped, `\n` too.
pub fn escape(s: &str) -> Cow<'_, str> {
    escape_with(s, false)
}

/// Like [`escape`] but keeps `\n` (for multi-line content drawn line by line).
pub fn escape_multiline(s: &str) -> Cow<'_, str> {
    escape_with(s, true)
}

fn escape_with(s: &str, keep_newline: bool) -> Cow<'_, str> {
    let bad = |c: char| needs_escape(c) && !(keep_newline && c == '\n');
    // Printable ASCII is the common case and needs no per-char table lookup.
    if s.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return Cow::Borrowed(s);
    }
    let Some(first) = s.find(bad) else {
        return Cow::Borrowed(s);
    };
    let mut out = String::with_capacity(s.len() + 8);
    out.push_str(&s[..first]);
    for c in s[first..].chars() {
        if bad(c) {
            push_escaped(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Bytes that should be UTF-8 (a helper's output, an error body) as one line of safe text:
/// invalid bytes are shown `\xNN` rather than replaced.
pub fn escape_bytes(b: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(b) {
        Ok(s) => escape(s),
        Err(_) => {
            let mut out = String::with_capacity(b.len() + 8);
            for chunk in b.utf8_chunks() {
                out.push_str(&escape(chunk.valid()));
                for byte in chunk.invalid() {
                    let _ = write!(out, "\\x{byte:02x}");
                }
            }
            Cow::Owned(out)
        }
    }
}

fn push_escaped(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c if c.is_ascii() => {
            let _ = write!(out, "\\x{:02x}", c as u32);
        }
        c => {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
    }
}

/// `format!("{}", Escaped(s))` writes [`escape`]'s output without building a string first.
#[derive(Debug, Clone, Copy)]
pub struct Escaped<'a>(pub &'a str);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = self.0;
        while let Some(i) = rest.find(needs_escape) {
            f.write_str(&rest[..i])?;
            let c = rest[i..].chars().next().unwrap_or('\0');
            let mut buf = String::with_capacity(10);
            push_escaped(&mut buf, c);
            f.write_str(&buf)?;
            rest = &rest[i + c.len_utf8()..];
        }
        f.write_str(rest)
    }
}

/// A tag as shown to the user: itself when valid, else escaped and marked so it is never
/// mistaken for a tag that can be requested.
pub fn tag_label(tag: &str) -> Cow<'_, str> {
    if is_valid_tag(tag) {
        Cow::Borrowed(tag)
    } else {
        Cow::Owned(format!("{} (invalid tag)", Escaped(tag)))
    }
}

/// `s` as one shell word: as it is when it holds only characters no shell reads, else in
/// single quotes (commands arbor prints for an operator to paste).
pub fn shell_word(s: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "@%+=:,./_-".contains(c);
    if !s.is_empty() && s.chars().all(plain) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// A size in bytes as a person reads it (`1.5 MiB`).
pub fn human(n: i64) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n.max(0) as f64;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < units.len() {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{} B", n.max(0))
    } else {
        format!("{v:.1} {}", units[u])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_terminal_controls_from_the_issue() {
        let cases = [
            ("v1\x1b]0;pwned\x07", "v1\\x1b]0;pwned\\x07"),
            ("\x1b]52;c;aGk=\x07", "\\x1b]52;c;aGk=\\x07"),
            ("\x1b[2Jclear", "\\x1b[2Jclear"),
            ("c1\u{9b}31m", "c1\\u{9b}31m"),
            ("invoice\u{202e}fdp.exe", "invoice\\u{202e}fdp.exe"),
            ("\u{2066}lri\u{2069}", "\\u{2066}lri\\u{2069}"),
            ("rlm\u{200f}", "rlm\\u{200f}"),
            ("a\nb\r\tc\x7f", "a\\nb\\r\\tc\\x7f"),
            ("nul\0", "nul\\x00"),
            (
                "bom\u{feff}ls\u{2028}ps\u{2029}",
                "bom\\u{feff}ls\\u{2028}ps\\u{2029}",
            ),
            (
                "zw\u{200b}\u{200d}alm\u{61c}",
                "zw\\u{200b}\\u{200d}alm\\u{61c}",
            ),
            ("tagchar\u{e0041}", "tagchar\\u{e0041}"),
            // Unassigned but invisible (found by tests/properties.rs).
            ("gap\u{2065}", "gap\\u{2065}"),
        ];
        for (input, want) in cases {
            assert_eq!(escape(input), want, "{input:?}");
            assert_eq!(Escaped(input).to_string(), want, "{input:?}");
        }
    }

    #[test]
    fn plain_text_is_borrowed_unchanged() {
        for s in [
            "",
            "v1.2.3",
            "application/vnd.cyclonedx+json",
            "Grüße, 日本語, emoji 🦀, back\\slash",
        ] {
            assert!(matches!(escape(s), Cow::Borrowed(b) if b == s), "{s:?}");
        }
    }

    #[test]
    fn multiline_keeps_newlines_only() {
        assert_eq!(escape_multiline("a\nb\x1b[2J\r\n"), "a\nb\\x1b[2J\\r\n");
    }

    #[test]
    fn invalid_utf8_bytes_are_shown_as_hex() {
        assert_eq!(escape_bytes(b"ok\xff\x1b["), "ok\\xff\\x1b[");
        assert_eq!(escape_bytes(b"fine"), "fine");
    }

    #[test]
    fn invalid_tags_are_labelled_escaped() {
        assert_eq!(tag_label("v1"), "v1");
        assert_eq!(tag_label("v1\x1b"), "v1\\x1b (invalid tag)");
    }
}
