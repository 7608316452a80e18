//! The vocabulary: references, digests, media types, descriptors, manifests, tag names.
pub mod config;
pub mod digest;
pub mod manifest;
pub mod media;
pub mod reference;
pub mod tags;

pub use digest::Digest;
pub use manifest::{Descriptor, Manifest, Platform};
pub use reference::Reference;
