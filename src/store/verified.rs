//! A blob stream checked on the way through: never more than the descriptor's size, and the
//! chunk that completes it is held back until the whole content hashes to the descriptor's
//! digest, so a receiver (an upload body, a file being written) never gets all of a wrong blob.
use super::{ByteStream, StoreError};
use crate::oci::digest::Hasher;
use crate::oci::Descriptor;
use futures::StreamExt;

enum Phase {
    /// Still hashing.
    Reading(Box<Hasher>),
    /// Every byte arrived and matched; only the end of the stream may follow.
    Verified,
    /// Ended or failed.
    Done,
}

struct Check {
    inner: ByteStream,
    phase: Phase,
    desc: Descriptor,
    seen: u64,
    what: String,
}

impl Check {
    fn fail(mut self, e: StoreError) -> Option<(crate::store::Result<bytes::Bytes>, Check)> {
        self.phase = Phase::Done;
        Some((Err(e), self))
    }

    fn mismatch(&self, actual: String) -> StoreError {
        StoreError::DigestMismatch {
            what: self.what.clone(),
            expected: self.desc.digest.to_string(),
            actual,
        }
    }
}

/// `stream`, failing instead of ending when its bytes are not exactly `desc` (size and digest).
pub fn verify_stream(stream: ByteStream, desc: &Descriptor, what: &str) -> ByteStream {
    let state = Check {
        inner: stream,
        phase: Phase::Reading(Box::new(desc.digest.hasher())),
        desc: desc.clone(),
        seen: 0,
        what: what.to_string(),
    };
    futures::stream::unfold(state, |mut s| async move {
        let want = s.desc.size.max(0) as u64;
        loop {
            if matches!(s.phase, Phase::Done) {
                return None;
            }
            match s.inner.next().await {
                Some(Ok(chunk)) if chunk.is_empty() => continue,
                Some(Ok(chunk)) => {
                    let total = s.seen + chunk.len() as u64;
                    let Phase::Reading(hasher) = &mut s.phase else {
                        let e = StoreError::TooLarge {
                            what: s.what.clone(),
                            size: total,
                            limit: want,
                        };
                        return s.fail(e);
                    };
                    if total > want {
                        let e = StoreError::TooLarge {
                            what: s.what.clone(),
                            size: total,
                            limit: want,
                        };
                        return s.fail(e);
                    }
                    hasher.update(&chunk);
                    s.seen = total;
                    if total == want {
                        let Phase::Reading(h) = std::mem::replace(&mut s.phase, Phase::Verified)
                        else {
                            return None;
                        };
                        let actual = h.finish();
                        if actual != s.desc.digest {
                            let e = s.mismatch(actual.to_string());
                            return s.fail(e);
                        }
                    }
                    return Some((Ok(chunk), s));
                }
                Some(Err(e)) => return s.fail(e),
                None => {
                    let phase = std::mem::replace(&mut s.phase, Phase::Done);
                    return match phase {
                        Phase::Verified | Phase::Done => None,
                        Phase::Reading(h) if want == 0 => {
                            let actual = h.finish();
                            if actual == s.desc.digest {
                                None
                            } else {
                                let e = s.mismatch(actual.to_string());
                                s.fail(e)
                            }
                        }
                        Phase::Reading(_) => {
                            let e = StoreError::Invalid {
                                what: s.what.clone(),
                                detail: format!("ended after {} of {want} bytes", s.seen),
                            };
                            s.fail(e)
                        }
                    };
                }
            }
        }
    })
    .boxed()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oci::{media, Digest};
    use bytes::Bytes;

    fn desc(data: &[u8]) -> Descriptor {
        Descriptor {
            media_type: media::OCI_EMPTY.into(),
            digest: Digest::sha256_of(data),
            size: data.len() as i64,
            ..Descriptor::empty()
        }
    }

    fn chunks(parts: &[&'static [u8]]) -> ByteStream {
        let v: Vec<_> = parts.iter().map(|p| Ok(Bytes::from_static(p))).collect();
        futures::stream::iter(v).boxed()
    }

    async fn run(s: ByteStream) -> (Vec<u8>, Option<StoreError>) {
        let mut s = s;
        let mut out = Vec::new();
        while let Some(r) = s.next().await {
            match r {
                Ok(b) => out.extend_from_slice(&b),
                Err(e) => return (out, Some(e)),
            }
        }
        (out, None)
    }

    #[tokio::test]
    async fn passes_exact_content() {
        let d = desc(b"hello world");
        let (out, err) = run(verify_stream(chunks(&[b"hello", b"", b" world"]), &d, "b")).await;
        assert_eq!(out, b"hello world");
        assert!(err.is_none());
        let e = desc(b"");
        let (out, err) = run(verify_stream(chunks(&[]), &e, "b")).await;
        assert!(out.is_empty() && err.is_none());
    }

    #[tokio::test]
    async fn holds_back_the_last_chunk_of_wrong_content() {
        let d = desc(b"hello world");
        let (out, err) = run(verify_stream(chunks(&[b"hello", b" wOrld"]), &d, "b")).await;
        assert_eq!(out, b"hello", "the completing chunk is not passed on");
        assert!(
            matches!(err, Some(StoreError::DigestMismatch { .. })),
            "{err:?}"
        );
    }

    #[tokio::test]
    async fn refuses_short_and_long_content() {
        let d = desc(b"hello world");
        let (_, err) = run(verify_stream(chunks(&[b"hello"]), &d, "b")).await;
        assert!(err
            .unwrap()
            .to_string()
            .contains("ended after 5 of 11 bytes"));
        let (out, err) = run(verify_stream(chunks(&[b"hello world", b"!"]), &d, "b")).await;
        assert_eq!(out, b"hello world");
        assert!(matches!(err, Some(StoreError::TooLarge { .. })));
        let (out, err) = run(verify_stream(chunks(&[b"hello world!"]), &d, "b")).await;
        assert!(out.is_empty());
        assert!(matches!(err, Some(StoreError::TooLarge { .. })));
    }
}
