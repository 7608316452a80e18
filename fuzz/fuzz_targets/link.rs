//! `Link` header values: no panic; a found target never contains `>`.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|s: &str| {
    if let Some(t) = arbor::registry::link::next_link(s) {
        assert!(!t.contains('>'));
    }
});
