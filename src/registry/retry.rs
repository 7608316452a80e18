//! Retries of idempotent requests (GET, HEAD): which answers and failures are worth another
//! try, how long to wait first (`Retry-After`, capped; else jittered exponential backoff), and
//! how many times.
use reqwest::{Method, Response, StatusCode};
use std::time::Duration;

/// Retries after the first attempt, at most.
pub const MAX_RETRIES: u32 = 3;
/// The longest `Retry-After` arbor waits; a registry asking for more gets its answer as an error.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);
/// The first backoff without `Retry-After`; each retry doubles it.
const BACKOFF: Duration = Duration::from_millis(500);

/// Only requests that change nothing are sent twice.
pub fn idempotent(m: &Method) -> bool {
    *m == Method::GET || *m == Method::HEAD
}

/// Why and how long to wait before retry number `retry` (1-based) after this answer; `None`
/// when it is final.
pub fn after_status(resp: &Response, retry: u32) -> Option<(String, Duration)> {
    let reason = match resp.status() {
        StatusCode::TOO_MANY_REQUESTS => "rate limited".to_string(),
        s @ (StatusCode::BAD_GATEWAY
        | StatusCode::SERVICE_UNAVAILABLE
        | StatusCode::GATEWAY_TIMEOUT) => format!("registry answered {}", s.as_u16()),
        _ => return None,
    };
    let asked = resp
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| retry_after(v, time::OffsetDateTime::now_utc()));
    let wait = match asked {
        Some(d) if d > MAX_RETRY_AFTER => return None,
        Some(d) if !d.is_zero() => d + jitter(d / 5),
        _ => backoff(retry),
    };
    Some((reason, wait))
}

/// Why and how long to wait before retry number `retry` after a failed send (a connection
/// reset or aborted mid-way); `None` for failures a retry would only repeat.
pub fn after_error(e: &reqwest::Error, retry: u32) -> Option<(String, Duration)> {
    if e.is_timeout() {
        return None;
    }
    let mut src: Option<&dyn std::error::Error> = Some(e);
    while let Some(s) = src {
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            use std::io::ErrorKind::*;
            if matches!(
                io.kind(),
                ConnectionReset | ConnectionAborted | BrokenPipe | UnexpectedEof
            ) {
                return Some(("connection reset".to_string(), backoff(retry)));
            }
        }
        src = s.source();
    }
    None
}

/// `Retry-After`: delay-seconds or an HTTP-date (a date in the past means now).
pub fn retry_after(v: &str, now: time::OffsetDateTime) -> Option<Duration> {
    let v = v.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = time::OffsetDateTime::parse(v, &time::format_description::well_known::Rfc2822).ok()?;
    Some((at - now).try_into().unwrap_or(Duration::ZERO))
}

/// 0.5 s, 1 s, 2 s… each with up to half again added at random, so clients that failed
/// together do not retry together.
fn backoff(retry: u32) -> Duration {
    let base = BACKOFF * 2u32.saturating_pow(retry.saturating_sub(1).min(8));
    base + jitter(base / 2)
}

/// A random extra wait between zero and `max`.
fn jitter(max: Duration) -> Duration {
    max.mul_f64(fastrand::f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let now = time::macros::datetime!(1994-11-06 08:49:30 UTC);
        assert_eq!(retry_after("1", now), Some(Duration::from_secs(1)));
        assert_eq!(retry_after(" 120 ", now), Some(Duration::from_secs(120)));
        assert_eq!(
            retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            retry_after("Sun, 06 Nov 1994 08:49:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(retry_after("soon", now), None);
        assert_eq!(retry_after("-1", now), None);
    }

    #[test]
    fn backoff_doubles_with_bounded_jitter() {
        for retry in 1..=3 {
            let base = BACKOFF * 2u32.pow(retry - 1);
            for _ in 0..50 {
                let w = backoff(retry);
                assert!(w >= base && w <= base + base / 2, "{retry}: {w:?}");
            }
        }
        assert!(backoff(u32::MAX) <= BACKOFF * 256 * 2);
    }

    #[test]
    fn only_reads_are_retried() {
        assert!(idempotent(&Method::GET) && idempotent(&Method::HEAD));
        for m in [Method::PUT, Method::POST, Method::PATCH, Method::DELETE] {
            assert!(!idempotent(&m), "{m}");
        }
    }
}
