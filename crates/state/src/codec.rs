//! Key and value encodings of the sled trees.
//!
//! Keys are UTF-8 components joined by a NUL byte, so that a SKU's entries
//! sort together and can be read with one prefix scan. Every stored value
//! starts with a format byte ([`FORMAT`]) followed by JSON; a value with an
//! unknown format byte is refused with [`StateError::UnsupportedFormat`],
//! never guessed at.

use crate::StateError;
use serde::Deserialize;
use serde::Serialize;

/// The format byte written in front of every value.
pub const FORMAT: u8 = 1;

/// Joins key components with NUL; refuses a component that holds NUL.
pub fn key(parts: &[&str]) -> Result<Vec<u8>, StateError> {
    let mut k = Vec::with_capacity(parts.iter().map(|p| p.len() + 1).sum());
    for (i, p) in parts.iter().enumerate() {
        if p.as_bytes().contains(&0) {
            return Err(StateError::BadKey {
                part: p.escape_default().to_string(),
            });
        }
        if i > 0 {
            k.push(0);
        }
        k.extend_from_slice(p.as_bytes());
    }
    Ok(k)
}

/// A prefix of keys: the components followed by a NUL.
pub fn prefix(parts: &[&str]) -> Result<Vec<u8>, StateError> {
    let mut k = key(parts)?;
    k.push(0);
    Ok(k)
}

/// Splits a key into its components.
pub fn split(tree: &'static str, k: &[u8]) -> Result<Vec<String>, StateError> {
    k.split(|b| *b == 0)
        .map(|p| {
            String::from_utf8(p.to_vec()).map_err(|_| StateError::Corrupt {
                tree,
                key: String::from_utf8_lossy(k).into_owned(),
                reason: "the key is not UTF-8".into(),
            })
        })
        .collect()
}

/// Encodes a value: the format byte, then JSON.
pub fn encode<T: Serialize>(v: &T) -> Result<Vec<u8>, StateError> {
    let mut out = vec![FORMAT];
    serde_json::to_writer(&mut out, v).map_err(|e| StateError::Encode {
        reason: e.to_string(),
    })?;
    Ok(out)
}

/// Decodes a value written by [`encode`].
pub fn decode<'a, T: Deserialize<'a>>(
    tree: &'static str,
    k: &[u8],
    v: &'a [u8],
) -> Result<T, StateError> {
    match v.split_first() {
        Some((&FORMAT, json)) => serde_json::from_slice(json).map_err(|e| StateError::Corrupt {
            tree,
            key: String::from_utf8_lossy(k).replace('\0', "/"),
            reason: e.to_string(),
        }),
        Some((&found, _)) => Err(StateError::UnsupportedFormat {
            tree,
            key: String::from_utf8_lossy(k).replace('\0', "/"),
            found,
        }),
        None => Err(StateError::Corrupt {
            tree,
            key: String::from_utf8_lossy(k).replace('\0', "/"),
            reason: "empty value".into(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_format_is_refused_not_guessed() {
        let mut v = encode(&"x").unwrap();
        assert_eq!(decode::<String>("t", b"k", &v).unwrap(), "x");
        v[0] = 2;
        let e = decode::<String>("t", b"a\0b", &v).unwrap_err();
        assert_eq!(
            e.to_string(),
            "state entry a/b in t has format 2, this skusync reads format 1; upgrade skusync"
        );
        assert!(key(&["a\0"]).is_err());
        assert_eq!(
            split("t", &key(&["a", "b"]).unwrap()).unwrap(),
            vec!["a", "b"]
        );
    }
}
