//! References as users and registries write them: no panic; a parsed one re-parses to itself.
#![no_main]
use arbor::oci::Reference;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|s: &str| {
    if let Ok(r) = Reference::parse(s) {
        let again = Reference::parse(&r.to_string()).expect("a printed reference parses");
        assert_eq!(again, r);
    }
    let _ = Reference::parse_repository(s);
    let _ = arbor::oci::reference::parse_registry(s);
});
