//! The terminal sanitiser: no panic, nothing left to escape in its output, and text with
//! nothing to escape comes back unchanged.
#![no_main]
use arbor::text::{escape, escape_bytes, needs_escape};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|b: &[u8]| {
    let out = escape_bytes(b);
    assert!(!out.chars().any(needs_escape));
    if let Ok(s) = std::str::from_utf8(b) {
        let e = escape(s);
        assert!(!e.chars().any(needs_escape));
        if !s.chars().any(needs_escape) {
            assert_eq!(e, s);
        }
    }
});
