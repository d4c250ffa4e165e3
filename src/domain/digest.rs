//! SHA-256 digests as lowercase hex (摘要): of policy files, inputs, outputs, and the ledger's
//! check codes. The hex form is written here only, so every digest of the manifest, 汇总 and
//! reconciliation reads the same way.

use sha2::{Digest, Sha256};

/// SHA-256 of bytes, as lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// SHA-256 of everything a reader yields (a file, hashed as a stream) as lowercase hex, and the
/// number of bytes read.
pub fn sha256_hex_of(reader: &mut impl std::io::Read) -> std::io::Result<(String, u64)> {
    let mut h = Sha256::new();
    let bytes = std::io::copy(reader, &mut h)?;
    Ok((hex(&h.finalize()), bytes))
}

/// Bytes as lowercase hex, two digits each.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{hex, sha256_hex, sha256_hex_of};

    #[test]
    fn digests_are_lowercase_hex_and_streams_hash_as_bytes_do() {
        assert_eq!(hex(&[0x00, 0x0f, 0xab]), "000fab");
        let empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        assert_eq!(sha256_hex(b""), empty);
        assert_eq!(
            sha256_hex_of(&mut &b"abc"[..]).unwrap(),
            (sha256_hex(b"abc"), 3)
        );
    }
}
