//! `WWW-Authenticate` header values: no panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|s: &str| {
    let _ = arbor::registry::challenge::parse_challenge(s);
});
