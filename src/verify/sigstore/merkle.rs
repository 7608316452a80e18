//! RFC 6962 Merkle-tree inclusion proofs (the transparency-dev algorithm: inner nodes by
//! the bits of the index, then the right border), over SHA-256 from `sha2`. Written here
//! because it is twenty lines and the crates that offer it bring a verifier stack of their own.
use sha2::{Digest as _, Sha256};

/// Inclusion proofs longer than this are refused (a log of 2^64 entries needs 64).
const MAX_PROOF_HASHES: usize = 64;

/// The hash of a leaf: SHA-256(0x00 ‖ data).
pub fn leaf_hash(data: &[u8]) -> Vec<u8> {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(data);
    h.finalize().to_vec()
}

fn hash_children(l: &[u8], r: &[u8]) -> Vec<u8> {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(l);
    h.update(r);
    h.finalize().to_vec()
}

/// The root an RFC 6962 inclusion proof leads to from `leaf` (transparency-dev's algorithm:
/// inner nodes by the index bits, then the right border).
pub fn root_from_proof(
    index: u64,
    size: u64,
    leaf: &[u8],
    proof: &[Vec<u8>],
) -> Result<Vec<u8>, String> {
    if index >= size {
        return Err(format!(
            "inclusion proof index {index} is outside a tree of {size}"
        ));
    }
    let inner = (u64::BITS - (index ^ (size - 1)).leading_zeros()) as usize;
    let border = (index >> inner).count_ones() as usize;
    if proof.len() != inner + border || proof.len() > MAX_PROOF_HASHES {
        return Err(format!(
            "inclusion proof has {} hashes, a tree of {size} needs {}",
            proof.len(),
            inner + border
        ));
    }
    let mut node = leaf.to_vec();
    for (i, h) in proof[..inner].iter().enumerate() {
        node = if (index >> i) & 1 == 0 {
            hash_children(&node, h)
        } else {
            hash_children(h, &node)
        };
    }
    for h in &proof[inner..] {
        node = hash_children(h, &node);
    }
    Ok(node)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaf(d: &[u8]) -> Vec<u8> {
        leaf_hash(d)
    }

    /// The largest power of two below `n` (RFC 6962's split point).
    fn split(n: usize) -> usize {
        let mut k = 1;
        while k * 2 < n {
            k *= 2;
        }
        k
    }

    /// RFC 6962 tree root, by the definition.
    fn mth(leaves: &[Vec<u8>]) -> Vec<u8> {
        if leaves.len() == 1 {
            return leaves[0].clone();
        }
        let k = split(leaves.len());
        hash_children(&mth(&leaves[..k]), &mth(&leaves[k..]))
    }

    /// RFC 6962 audit path, by the definition.
    fn path(m: usize, leaves: &[Vec<u8>]) -> Vec<Vec<u8>> {
        if leaves.len() <= 1 {
            return Vec::new();
        }
        let k = split(leaves.len());
        if m < k {
            let mut p = path(m, &leaves[..k]);
            p.push(mth(&leaves[k..]));
            p
        } else {
            let mut p = path(m - k, &leaves[k..]);
            p.push(mth(&leaves[..k]));
            p
        }
    }

    #[test]
    fn inclusion_proofs_match_the_rfc_6962_definition() {
        for n in 1..=17usize {
            let leaves: Vec<Vec<u8>> = (0..n).map(|i| leaf(&[i as u8])).collect();
            let root = mth(&leaves);
            for m in 0..n {
                let p = path(m, &leaves);
                let got = root_from_proof(m as u64, n as u64, &leaves[m], &p).unwrap();
                assert_eq!(got, root, "leaf {m} of {n}");
                if !p.is_empty() {
                    let mut bad = p.clone();
                    bad[0][0] ^= 1;
                    assert_ne!(
                        root_from_proof(m as u64, n as u64, &leaves[m], &bad).unwrap(),
                        root
                    );
                }
            }
        }
        assert!(root_from_proof(3, 3, &leaf(b"x"), &[]).is_err());
        assert!(root_from_proof(0, 4, &leaf(b"x"), &[]).is_err());
    }
}
