//! arbor: browse, inspect and manage OCI artifact graphs.
//!
//! The library has no terminal code except under [`tui`]; nothing under [`tui`] speaks HTTP.
pub mod attach;
pub mod audit;
pub mod cli;
pub mod config;
pub mod connection;
pub mod copy;
pub mod credentials;
pub mod demo;
pub mod graph;
pub mod inspect;
pub mod layout;
pub mod listing;
pub mod oci;
pub mod pull;
pub mod registry;
pub mod store;
pub mod tag;
pub mod text;
pub mod tui;
pub mod verify;
