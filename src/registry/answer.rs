//! Reading a registry's answers: bodies bounded in size (and timed as their request was),
//! headers as text, and error answers turned into typed errors with the registry's message.
use super::challenge::{challenge_of, Challenge};
use super::deadline::TimeLimit;
use super::transport::transport_error;
use crate::store::{Result, StoreError};
use bytes::Bytes;
use reqwest::{Response, StatusCode};

/// Reads a body, refusing more than `limit` bytes (by header and by count).
pub async fn read_bounded(mut resp: Response, limit: usize, what: &str) -> Result<Bytes> {
    if let Some(len) = resp.content_length() {
        if len > limit as u64 {
            return Err(StoreError::TooLarge {
                what: what.into(),
                size: len,
                limit: limit as u64,
            });
        }
    }
    let deadline = resp.extensions().get::<TimeLimit>().map(|l| l.0);
    let mut buf = Vec::new();
    while let Some(chunk) = resp
        .chunk()
        .await
        .map_err(|e| transport_error(what, e, deadline))?
    {
        if buf.len() + chunk.len() > limit {
            return Err(StoreError::TooLarge {
                what: what.into(),
                size: (buf.len() + chunk.len()) as u64,
                limit: limit as u64,
            });
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(Bytes::from(buf))
}

/// A response header as text, if present and readable.
pub fn header<'a>(resp: &'a Response, name: &str) -> Option<&'a str> {
    resp.headers().get(name).and_then(|v| v.to_str().ok())
}

/// The registry's error message from an error response body (`{"errors":[{code,message}]}`).
pub async fn error_detail(resp: Response) -> String {
    let status = resp.status();
    let body = read_bounded(resp, 64 * 1024, "error body")
        .await
        .unwrap_or_default();
    #[derive(serde::Deserialize)]
    struct Errs {
        errors: Vec<Err1>,
    }
    #[derive(serde::Deserialize)]
    struct Err1 {
        #[serde(default)]
        code: String,
        #[serde(default)]
        message: String,
    }
    if let Ok(e) = serde_json::from_slice::<Errs>(&body) {
        let parts: Vec<String> = e
            .errors
            .iter()
            .map(|e| format!("{} {}", e.code, e.message).trim().to_string())
            .collect();
        if !parts.is_empty() {
            return parts.join("; ");
        }
    }
    let text = String::from_utf8_lossy(&body);
    let text: String = text
        .trim()
        .chars()
        .take(200)
        .filter(|c| !c.is_control())
        .collect();
    if text.is_empty() {
        status.canonical_reason().unwrap_or("error").to_string()
    } else {
        text
    }
}

/// Maps a non-success response to a typed error.
pub async fn status_error(resp: Response, what: &str) -> StoreError {
    let status = resp.status();
    let challenge = challenge_of(&resp);
    let detail = error_detail(resp).await;
    match status {
        StatusCode::NOT_FOUND => StoreError::NotFound { what: what.into() },
        StatusCode::UNAUTHORIZED => StoreError::Unauthorized {
            what: what.into(),
            detail,
        },
        StatusCode::FORBIDDEN => {
            let detail = match challenge {
                Some(Challenge::Bearer { error: Some(e), .. }) => format!("{e}: {detail}"),
                _ => detail,
            };
            StoreError::Denied {
                what: what.into(),
                detail,
            }
        }
        s => StoreError::Status {
            what: what.into(),
            status: s.as_u16(),
            detail,
        },
    }
}
