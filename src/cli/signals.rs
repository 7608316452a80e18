//! ctrl-c and SIGTERM for long commands (pull, cp): they stop the work where it stands.

/// Resolves on ctrl-c or SIGTERM (never, where neither can be listened for).
pub async fn interrupted() {
    use tokio::signal::unix::{signal, SignalKind};
    let term = async {
        match signal(SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    tokio::select! {
        r = tokio::signal::ctrl_c() => if r.is_err() { std::future::pending::<()>().await },
        _ = term => {}
    }
}
