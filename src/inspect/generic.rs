//! Anything no decoder knows: pretty JSON when it parses, else a text or hex preview.
use serde::Serialize;

/// Characters of a JSON or text preview kept.
const PREVIEW_CHARS: usize = 4096;
/// Bytes shown in a hex preview.
const HEX_BYTES: usize = 256;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RawPreview {
    /// `json`, `text` or `binary`.
    pub content: String,
    pub bytes: usize,
    pub preview: String,
    pub truncated: bool,
}

pub fn preview(bytes: &[u8]) -> RawPreview {
    let (content, text) = if let Ok(v) = serde_json::from_slice::<serde_json::Value>(bytes) {
        ("json", serde_json::to_string_pretty(&v).unwrap_or_default())
    } else if let Some(t) = as_text(bytes) {
        ("text", t)
    } else {
        ("binary", hexdump(&bytes[..bytes.len().min(HEX_BYTES)]))
    };
    let truncated =
        text.chars().count() > PREVIEW_CHARS || (content == "binary" && bytes.len() > HEX_BYTES);
    RawPreview {
        content: content.into(),
        bytes: bytes.len(),
        preview: text.chars().take(PREVIEW_CHARS).collect(),
        truncated,
    }
}

/// The bytes as text when they are UTF-8 (a cut last character allowed) without control codes.
fn as_text(bytes: &[u8]) -> Option<String> {
    let t = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) if bytes.len() - e.valid_up_to() < 4 && e.error_len().is_none() => {
            std::str::from_utf8(&bytes[..e.valid_up_to()]).ok()?
        }
        Err(_) => return None,
    };
    t.chars()
        .all(|c| !c.is_control() || c.is_whitespace())
        .then(|| t.to_string())
}

fn hexdump(b: &[u8]) -> String {
    b.chunks(16)
        .enumerate()
        .map(|(i, c)| {
            let hex: Vec<String> = c.iter().map(|x| format!("{x:02x}")).collect();
            let asc: String = c
                .iter()
                .map(|&x| {
                    if x.is_ascii_graphic() || x == b' ' {
                        x as char
                    } else {
                        '.'
                    }
                })
                .collect();
            format!("{:08x}  {:<47}  {asc}", i * 16, hex.join(" "))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn previews_json_text_and_binary() {
        assert_eq!(preview(br#"{"a":1}"#).content, "json");
        assert_eq!(preview(b"# readme\n").content, "text");
        let b = preview(&[0u8, 1, 2, 0xff]);
        assert_eq!(b.content, "binary");
        assert!(
            b.preview.starts_with("00000000  00 01 02 ff"),
            "{}",
            b.preview
        );
        let big = preview(&vec![b'x'; 100_000]);
        assert!(big.truncated);
        assert_eq!(big.preview.len(), PREVIEW_CHARS);
    }
}
