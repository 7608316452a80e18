//! Manifest bytes as a registry serves them: no panic, and a parsed manifest re-serialises to
//! bytes that parse to the same manifest.
#![no_main]
use arbor::oci::Manifest;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|b: &[u8]| {
    if let Ok(m) = Manifest::parse(b, None) {
        let bytes = serde_json::to_vec(&m).expect("serialise");
        let again = Manifest::parse(&bytes, None).expect("re-parse");
        assert_eq!(serde_json::to_vec(&again).expect("serialise"), bytes);
    }
    let _ = Manifest::from_reader(b, Some("application/vnd.oci.image.index.v1+json"));
});
