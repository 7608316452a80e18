//! The session's vendor listings, for display (CREATED from the registry's times, locked marks):
//! one listing per repository, made only where the registry's kind is known without a probe, kept
//! until a refresh. Separate from the inventory: plans list afresh and never read it.
use super::{Client, Detector};
use crate::listing::{ManifestListing, RegistryKind};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::OnceCell;

type Slot = Arc<OnceCell<Option<Arc<ManifestListing>>>>;

/// Per repository: the listing (or `None` when it failed), made once.
#[derive(Debug, Default)]
pub struct SessionListings {
    slots: Mutex<HashMap<String, Slot>>,
}

impl SessionListings {
    /// The listing of `repo`: cached, or listed now on a registry known (without a probe) to have
    /// a listing API; concurrent callers share one listing.
    pub async fn get(
        &self,
        client: &Client,
        detector: &Detector,
        repo: &str,
    ) -> Option<Arc<ManifestListing>> {
        match detector.known(client) {
            Some(RegistryKind::Acr | RegistryKind::Harbor) => {}
            Some(RegistryKind::Generic | RegistryKind::OciLayout) | None => return None,
        }
        let slot = {
            let mut m = self.slots.lock().ok()?;
            m.entry(repo.to_string()).or_default().clone()
        };
        slot.get_or_init(|| async {
            match super::listing(client, detector, repo).await {
                Ok(l) => l.map(Arc::new),
                Err(e) => {
                    // Display only: the columns stay empty, and a refresh asks again.
                    tracing::debug!(repo, error = %e, "session listing failed");
                    None
                }
            }
        })
        .await
        .clone()
    }

    /// Forgets `repo`'s listing (a refresh, or a write).
    pub fn invalidate(&self, repo: &str) {
        if let Ok(mut m) = self.slots.lock() {
            m.remove(repo);
        }
    }
}
