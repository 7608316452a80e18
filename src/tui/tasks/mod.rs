//! Runs effects: control effects on the spot, store reads and graph operations as tokio tasks
//! whose answers come back as actions through the app's channel.
mod complete;
mod copy;
mod load;
mod op;
mod tagging;
mod throttle;
mod verify;

use crate::connection::{ConnectOptions, LoginOptions};
use crate::store::Store;
use crate::tui::action::{Action, Connected, Loaded};
use crate::tui::effect::{Control, Effect};
use crate::verify::VerifyConfig;
use load::{SummaryWant, Want};
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use tokio::sync::{mpsc, watch, Notify};
use tokio_util::sync::CancellationToken;
use verify::VerifyWant;

/// The effect runner: owns the store handle and the details worker.
pub struct Runner {
    /// The store effects run against (a context switch replaces it).
    store: RwLock<Arc<dyn Store>>,
    tx: mpsc::UnboundedSender<Action>,
    want: watch::Sender<Option<Want>>,
    summary: watch::Sender<Option<SummaryWant>>,
    summary_gen: AtomicU64,
    summary_done: Arc<AtomicU64>,
    verify_want: watch::Sender<Option<VerifyWant>>,
    verify_gen: AtomicU64,
    verify_done: Arc<AtomicU64>,
    /// What signatures are verified against.
    verify_cfg: Arc<VerifyConfig>,
    /// Tasks started and not yet finished (a task counts itself done after its last send).
    inflight: Arc<AtomicUsize>,
    want_gen: AtomicU64,
    done_gen: Arc<AtomicU64>,
    /// Signalled whenever a task or a details request finishes.
    finished: Arc<Notify>,
    /// Cancellation of running pulls, by id.
    cancels: Arc<Mutex<HashMap<u64, CancellationToken>>>,
    /// How `:login` reaches the registry and where it saves.
    login: RwLock<Arc<LoginOptions>>,
    /// How registries are opened (a context's settings override these).
    conn: ConnectOptions,
}

impl Runner {
    /// Starts the details worker; must be called inside a tokio runtime.
    pub fn new(store: Arc<dyn Store>, tx: mpsc::UnboundedSender<Action>) -> Runner {
        let (want, rx) = watch::channel(None);
        let (summary, summary_rx) = watch::channel(None);
        let done_gen = Arc::new(AtomicU64::new(0));
        let summary_done = Arc::new(AtomicU64::new(0));
        let (verify_want, verify_rx) = watch::channel(None);
        let verify_done = Arc::new(AtomicU64::new(0));
        let finished = Arc::new(Notify::new());
        tokio::spawn(verify::verify_worker(
            verify_rx,
            tx.clone(),
            verify_done.clone(),
            finished.clone(),
        ));
        tokio::spawn(load::details_worker(
            rx,
            tx.clone(),
            done_gen.clone(),
            finished.clone(),
        ));
        tokio::spawn(load::summary_worker(
            summary_rx,
            tx.clone(),
            summary_done.clone(),
            finished.clone(),
        ));
        Runner {
            store: RwLock::new(store),
            tx,
            want,
            summary,
            summary_gen: AtomicU64::new(0),
            summary_done,
            verify_want,
            verify_gen: AtomicU64::new(0),
            verify_done,
            verify_cfg: Arc::new(VerifyConfig::empty()),
            inflight: Arc::new(AtomicUsize::new(0)),
            want_gen: AtomicU64::new(0),
            done_gen,
            finished,
            cancels: Arc::new(Mutex::new(HashMap::new())),
            login: RwLock::new(Arc::new(LoginOptions::default())),
            conn: ConnectOptions::default(),
        }
    }

    /// Sets how registries are opened and how `:login` reaches them.
    pub fn with_connection(mut self, conn: ConnectOptions, login: LoginOptions) -> Runner {
        self.conn = conn;
        self.login = RwLock::new(Arc::new(login));
        self
    }

    /// Verifies signatures against `cfg` (loaded once by the front end).
    pub fn with_verify(mut self, cfg: Arc<VerifyConfig>) -> Runner {
        self.verify_cfg = cfg;
        self
    }

    /// The store effects run against now.
    fn store(&self) -> Arc<dyn Store> {
        match self.store.read() {
            Ok(s) => s.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }

    /// True while any effect has not answered yet. When this turns false, every answer sent
    /// so far is already in the channel.
    pub fn busy(&self) -> bool {
        self.inflight.load(Ordering::SeqCst) > 0
            || self.done_gen.load(Ordering::SeqCst) < self.want_gen.load(Ordering::SeqCst)
            || self.summary_done.load(Ordering::SeqCst) < self.summary_gen.load(Ordering::SeqCst)
            || self.verify_done.load(Ordering::SeqCst) < self.verify_gen.load(Ordering::SeqCst)
    }

    /// What is still running, for a test that gave up waiting.
    pub fn describe_busy(&self) -> String {
        format!(
            "{} task(s) running, details request {} of {} done, summary {} of {} done, verification {} of {} done",
            self.inflight.load(Ordering::SeqCst),
            self.done_gen.load(Ordering::SeqCst),
            self.want_gen.load(Ordering::SeqCst),
            self.summary_done.load(Ordering::SeqCst),
            self.summary_gen.load(Ordering::SeqCst),
            self.verify_done.load(Ordering::SeqCst),
            self.verify_gen.load(Ordering::SeqCst)
        )
    }

    /// Resolves once some task or details request has finished since the last call.
    pub async fn finished(&self) {
        self.finished.notified().await;
    }

    /// Runs an effect; a terminal job is handed back (the event loop owns the terminal).
    pub fn run(&self, effect: Effect) -> Option<crate::tui::effect::TermJob> {
        match effect {
            Effect::Term(t) => return Some(t),
            Effect::Control(c) => self.control(c),
            Effect::Load(job) => {
                let repo = job.repo().map(str::to_string);
                let (store, tx) = (self.store(), self.tx.clone());
                self.spawn(repo, async move {
                    Action::Load(load::perform(store.as_ref(), &tx, job).await)
                });
            }
            Effect::Op(job) => {
                let repo = job.repo().map(str::to_string);
                let pull = job.pull_id().map(|id| (id, self.cancel_token(id)));
                let login = match self.login.read() {
                    Ok(l) => l.clone(),
                    Err(p) => p.into_inner().clone(),
                };
                let (store, tx) = (self.store(), self.tx.clone());
                let cancels = self.cancels.clone();
                let conn = self.connect_options(&login);
                self.spawn(repo, async move {
                    let token = pull.as_ref().map(|(_, t)| t.clone());
                    let done = op::perform(&store, &tx, job, token, &login, &conn).await;
                    if let (Some((id, _)), Ok(mut m)) = (pull, cancels.lock()) {
                        m.remove(&id);
                    }
                    Action::Op(done)
                });
            }
        }
        None
    }

    fn control(&self, c: Control) {
        match c {
            Control::WantDetails { repo, items } => {
                // Newest wins: the worker drops whatever it was doing for an older want.
                let gen = self.want_gen.fetch_add(1, Ordering::SeqCst) + 1;
                let _ = self.want.send(Some((gen, self.store(), repo, items)));
            }
            Control::WantSummary {
                repo,
                digest,
                subject,
            } => {
                let gen = self.summary_gen.fetch_add(1, Ordering::SeqCst) + 1;
                let _ = self
                    .summary
                    .send(Some((gen, self.store(), repo, digest, subject)));
            }
            Control::WantVerify { repo, items } => {
                let gen = self.verify_gen.fetch_add(1, Ordering::SeqCst) + 1;
                let cfg = self.verify_cfg.clone();
                let _ = self
                    .verify_want
                    .send(Some((gen, self.store(), cfg, repo, items)));
            }
            Control::Connect { context, then } => {
                let result = self.connect(&context).map(|(store, plain_http)| {
                    let info = store.info();
                    Connected {
                        name: info.name,
                        kind: info.kind,
                        auth: info.auth,
                        listing: info.listing,
                        writable: store.writable(),
                        plain_http,
                        context,
                        then,
                    }
                });
                let _ = self.tx.send(Loaded::Connected { result }.into());
            }
            Control::OpenLayout { dir, then } => {
                let result = crate::layout::LayoutStore::open(&dir)
                    .map_err(|e| format!("opening OCI layout {}: {e}", dir.display()))
                    .map(|l| {
                        let store: Arc<dyn Store> = Arc::new(l);
                        if let Ok(mut s) = self.store.write() {
                            *s = store.clone();
                        }
                        let info = store.info();
                        Connected {
                            context: crate::config::Context {
                                name: info.name.clone(),
                                host: info.name.clone(),
                                ..Default::default()
                            },
                            name: info.name,
                            kind: info.kind,
                            auth: info.auth,
                            listing: info.listing,
                            writable: store.writable(),
                            plain_http: false,
                            then,
                        }
                    });
                let _ = self.tx.send(Loaded::Connected { result }.into());
            }
            Control::Remember { reference } => {
                // Best effort: a read-only home only loses the list.
                if let Some(p) = crate::config::recent_path() {
                    let list = crate::config::load_recent(&p);
                    let list = crate::config::push_recent(&list, &reference);
                    if let Err(e) = crate::config::save_recent(&p, &list) {
                        tracing::debug!("recent references not saved: {e}");
                    }
                }
            }
            Control::CancelPull { id } => {
                if let Some(t) = self.cancels.lock().ok().and_then(|m| m.get(&id).cloned()) {
                    t.cancel();
                }
            }
            // Synchronous: the loads a refresh asks for next must not race the old caches.
            Control::Invalidate { repo } => self.store().invalidate(&repo),
        }
    }

    /// How a destination is opened from here: the front end's settings, with saved
    /// credentials read where `:login` saves them.
    fn connect_options(&self, login: &LoginOptions) -> ConnectOptions {
        let mut client = self.conn.client.clone();
        if client.credentials.is_none() {
            client.credential_source = None;
        }
        let mut conn = ConnectOptions::new(client, login.lookup.clone());
        conn.referrers = self.conn.referrers;
        conn
    }

    /// Opens the registry a context names (no request is made yet) and uses it from now on.
    fn connect(&self, c: &crate::config::Context) -> Result<(Arc<dyn Store>, bool), String> {
        let login = match self.login.read() {
            Ok(l) => l.clone(),
            Err(p) => p.into_inner().clone(),
        };
        let mut client = self.conn.client.clone();
        if let Some(p) = c.plain_http {
            client.plain_http = Some(p);
        }
        if let Some(f) = &c.ca_file {
            client.ca_file = Some(f.clone());
        }
        if let Some(k) = c.registry_kind() {
            client.flavor = Some(k);
        }
        // Saved credentials are read where `:login` saves them.
        client.credential_source = None;
        let mut conn = ConnectOptions::new(client, login.lookup.clone());
        conn.referrers = self.conn.referrers;
        let t = crate::connection::open_registry(&conn, &c.host)
            .map_err(|e| format!("opening {} ({}): {e:#}", c.name, c.host))?;
        if let Ok(mut l) = self.login.write() {
            *l = Arc::new(conn.login_options());
        }
        if let Ok(mut s) = self.store.write() {
            *s = t.store.clone();
        }
        let plain = t.registry.as_ref().is_some_and(|r| r.client().plain_http());
        Ok((t.store, plain))
    }

    /// Sends `action` after `delay` (a flash line's timer; not counted as work in flight).
    pub fn after(&self, delay: std::time::Duration, action: Action) {
        let tx = self.tx.clone();
        tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            let _ = tx.send(action);
        });
    }

    /// A cancellation token for pull `id`, registered for [`Control::CancelPull`].
    fn cancel_token(&self, id: u64) -> CancellationToken {
        let t = CancellationToken::new();
        if let Ok(mut m) = self.cancels.lock() {
            m.insert(id, t.clone());
        }
        t
    }

    /// Runs `task`, sends its answer and the store's status, then counts it done. A task that
    /// panics answers with an error instead, and the count drops however the task ends
    /// (finished, panicked, or dropped at shutdown).
    fn spawn(&self, repo: Option<String>, task: impl Future<Output = Action> + Send + 'static) {
        use futures::FutureExt;
        let (store, tx) = (self.store(), self.tx.clone());
        let done = Done::start(self.inflight.clone(), self.finished.clone());
        tokio::spawn(async move {
            let answer = match std::panic::AssertUnwindSafe(task).catch_unwind().await {
                Ok(answer) => answer,
                Err(p) => Action::Load(Loaded::Notice {
                    text: format!(
                        "internal error: a task stopped ({})",
                        panic_text(p.as_ref())
                    ),
                    error: true,
                }),
            };
            let _ = tx.send(answer);
            let info = store.info();
            let _ = tx.send(Action::Load(Loaded::Status {
                auth: info.auth,
                referrers: repo.and_then(|r| store.referrers_source(&r)),
                listing: info.listing,
            }));
            // After the sends: whoever sees the count drop finds the answers already queued.
            drop(done);
        });
    }
}

/// One running task in the in-flight count: counted on start, uncounted when dropped.
struct Done {
    inflight: Arc<AtomicUsize>,
    finished: Arc<Notify>,
}

impl Done {
    fn start(inflight: Arc<AtomicUsize>, finished: Arc<Notify>) -> Done {
        inflight.fetch_add(1, Ordering::SeqCst);
        Done { inflight, finished }
    }
}

impl Drop for Done {
    fn drop(&mut self) {
        self.inflight.fetch_sub(1, Ordering::SeqCst);
        self.finished.notify_one();
    }
}

/// A panic's message, when it has one.
fn panic_text(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oci::{Descriptor, Digest};
    use crate::store::{ByteStream, Page, Referrers, ReferrersSource, Result, StoreError};
    use crate::store::{FetchedManifest, StoreInfo, StoreKind};
    use crate::tui::effect::LoadJob;

    /// A store whose tag listing panics (everything else is simply not there).
    struct Panicking;

    fn none<T>(what: &str) -> Result<T> {
        Err(StoreError::NotFound { what: what.into() })
    }

    #[async_trait::async_trait]
    impl Store for Panicking {
        fn info(&self) -> StoreInfo {
            StoreInfo {
                name: "panicking".into(),
                kind: StoreKind::Layout,
                auth: String::new(),
                listing: None,
            }
        }
        async fn repositories(&self, _: Option<&str>, _: usize) -> Result<Page> {
            none("repositories")
        }
        async fn tags(&self, _: &str, _: Option<&str>, _: usize) -> Result<Page> {
            panic!("a bug in a store")
        }
        async fn resolve(&self, _: &str, r: &str) -> Result<Descriptor> {
            none(r)
        }
        async fn manifest(&self, _: &str, r: &str) -> Result<FetchedManifest> {
            none(r)
        }
        async fn blob_stream(&self, _: &str, d: &Descriptor) -> Result<ByteStream> {
            none(&d.digest.to_string())
        }
        async fn referrers(&self, _: &str, d: &Digest, _: Option<&str>) -> Result<Referrers> {
            none(&d.to_string())
        }
        fn referrers_source(&self, _: &str) -> Option<ReferrersSource> {
            None
        }
        fn invalidate(&self, _: &str) {}
    }

    #[tokio::test]
    async fn a_task_that_panics_answers_and_is_no_longer_counted() {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let runner = Runner::new(Arc::new(Panicking), tx);
        runner.run(Effect::Load(LoadJob::Tags {
            req: 1,
            repo: "r".into(),
        }));
        tokio::time::timeout(std::time::Duration::from_secs(10), async {
            while runner.busy() {
                runner.finished().await;
            }
        })
        .await
        .expect("the panicked task stopped counting as running");
        match rx.try_recv() {
            Ok(Action::Load(Loaded::Notice { text, error })) => {
                assert!(error);
                assert!(text.contains("a bug in a store"), "{text}");
            }
            other => panic!("expected the failure as a notice, got {other:?}"),
        }
    }
}
