//! How long a request may take. Manifests, listings, referrers and tokens: a total deadline,
//! from connecting to the last body byte. Blob downloads: their headers within the deadline,
//! then a minimum throughput over each window of that length. Uploads: the deadline plus the
//! time the body takes at the minimum throughput.
use crate::store::{ByteStream, StoreError};
use bytes::Bytes;
use futures::{Stream, StreamExt};
use std::time::Duration;
use tokio::time::Instant;

/// The slowest a blob body may arrive (or an upload leave), averaged over a window.
pub const MIN_BLOB_RATE: u64 = 1024;
/// Connecting takes at most this long (or the deadline, when shorter).
pub const MAX_CONNECT: Duration = Duration::from_secs(10);

/// Which deadline a request runs under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Deadline {
    /// The whole exchange, body included.
    #[default]
    Total,
    /// A blob download: headers within the deadline; the body is [`paced`] by its reader.
    Stream,
    /// An upload of this many bytes.
    Upload(u64),
}

impl Deadline {
    /// The limit reqwest enforces on the whole exchange, if any.
    pub fn limit(self, timeout: Duration) -> Option<Duration> {
        match self {
            Deadline::Total => Some(timeout),
            Deadline::Stream => None,
            Deadline::Upload(n) => Some(timeout + Duration::from_secs(n / MIN_BLOB_RATE)),
        }
    }
}

/// The limit a response was fetched under, kept on it so a later body read that times out
/// can say which.
#[derive(Debug, Clone, Copy)]
pub struct TimeLimit(pub Duration);

/// The one message of a deadline that passed.
pub fn timed_out(what: &str, limit: Option<Duration>) -> StoreError {
    let detail = match limit {
        Some(d) => format!(
            "no complete answer within {} s; --timeout sets the limit",
            secs(d)
        ),
        None => "no complete answer in time; --timeout sets the limit".to_string(),
    };
    StoreError::TimedOut {
        what: what.to_string(),
        detail,
    }
}

fn secs(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 {
        format!("{s:.0}")
    } else {
        format!("{s:.1}")
    }
}

/// A blob body that must bring at least [`MIN_BLOB_RATE`] bytes a second over every `window`
/// (or end): a registry that drips one byte at a time fails after one window, named as such.
pub fn paced<S>(body: S, what: String, window: Duration) -> ByteStream
where
    S: Stream<Item = Result<Bytes, StoreError>> + Send + 'static,
{
    let need = (MIN_BLOB_RATE as f64 * window.as_secs_f64()).ceil() as usize;
    let start = Pace {
        body: body.boxed(),
        window_end: Instant::now() + window,
        got: 0,
        done: false,
    };
    futures::stream::unfold(start, move |mut p| {
        let what = what.clone();
        async move {
            if p.done {
                return None;
            }
            loop {
                match tokio::time::timeout_at(p.window_end, p.body.next()).await {
                    Ok(Some(Ok(chunk))) => {
                        p.got += chunk.len();
                        return Some((Ok(chunk), p));
                    }
                    Ok(Some(Err(e))) => {
                        p.done = true;
                        return Some((Err(e), p));
                    }
                    Ok(None) => return None,
                    // A window that brought enough starts the next one.
                    Err(_) if p.got >= need => {
                        p.got = 0;
                        p.window_end += window;
                    }
                    Err(_) => {
                        p.done = true;
                        let detail = format!(
                            "the body arrived slower than {MIN_BLOB_RATE} bytes/s over {} s; --timeout sets the window",
                            secs(window)
                        );
                        return Some((Err(StoreError::TimedOut { what, detail }), p));
                    }
                }
            }
        }
    })
    .boxed()
}

struct Pace {
    body: futures::stream::BoxStream<'static, Result<Bytes, StoreError>>,
    window_end: Instant,
    got: usize,
    done: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunks(
        every: Duration,
        sizes: Vec<usize>,
    ) -> impl Stream<Item = Result<Bytes, StoreError>> + Send + 'static {
        futures::stream::iter(sizes).then(move |n| async move {
            tokio::time::sleep(every).await;
            Ok(Bytes::from(vec![0u8; n]))
        })
    }

    #[tokio::test(start_paused = true)]
    async fn a_dripping_body_fails_after_one_window() {
        let mut s = paced(
            chunks(Duration::from_secs(1), vec![1; 100]),
            "blob x".into(),
            Duration::from_millis(5500),
        );
        let t0 = Instant::now();
        let mut got = 0;
        let err = loop {
            match s.next().await {
                Some(Ok(c)) => got += c.len(),
                Some(Err(e)) => break e,
                None => panic!("ended"),
            }
        };
        assert_eq!(got, 5);
        assert_eq!(t0.elapsed(), Duration::from_millis(5500));
        assert_eq!(
            err.to_string(),
            "blob x: timed out (the body arrived slower than 1024 bytes/s over 5.5 s; --timeout sets the window)"
        );
        assert!(s.next().await.is_none());
    }

    #[tokio::test(start_paused = true)]
    async fn a_steady_body_passes_however_long_it_takes() {
        let s = paced(
            chunks(Duration::from_secs(1), vec![2048; 40]),
            "blob y".into(),
            Duration::from_secs(5),
        );
        let all: Vec<_> = s.collect().await;
        assert_eq!(all.len(), 40);
        assert!(all.iter().all(|r| r.is_ok()));
    }

    #[test]
    fn deadlines_by_kind() {
        let t = Duration::from_secs(30);
        assert_eq!(Deadline::Total.limit(t), Some(t));
        assert_eq!(Deadline::Stream.limit(t), None);
        assert_eq!(
            Deadline::Upload(10 * 1024 * 1024).limit(t),
            Some(t + Duration::from_secs(10 * 1024))
        );
        assert_eq!(
            timed_out("m", Some(Duration::from_millis(2500))).to_string(),
            "m: timed out (no complete answer within 2.5 s; --timeout sets the limit)"
        );
    }
}
