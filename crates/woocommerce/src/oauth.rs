//! One-legged OAuth 1.0a signatures, exactly as WooCommerce checks them over
//! plain HTTP (`WC_REST_Authentication::check_oauth_signature`).
//!
//! The base string is `METHOD&enc(base_uri)&enc(params)`, where `base_uri` is
//! the request URL without its query, `params` are every query parameter
//! plus the `oauth_*` ones (minus the signature), each key and value
//! RFC 3986-encoded, sorted, joined as `k=v` with `&`. The key is
//! `consumer_secret&` (no token). A JSON body is not signed.
//!
//! WooCommerce sorts by the raw key (`uksort` with `strcmp`); RFC 5849 sorts
//! by the encoded key, then value. The two agree for the ASCII, unique keys
//! skusync sends; this module follows RFC 5849 so it can be checked against
//! the RFC's worked example.
//!
//! Every request gets a fresh nonce and timestamp: WooCommerce refuses a
//! nonce it has seen in the last 15 minutes, so a page URL taken from a
//! `Link` header (which repeats the OAuth parameters) is never reused.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// Everything except RFC 3986's unreserved characters (`A-Z a-z 0-9 - . _ ~`)
/// is percent-encoded: PHP's `rawurlencode`.
const RFC3986: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// RFC 3986 percent-encoding (PHP `rawurlencode`).
pub fn encode(s: &str) -> String {
    utf8_percent_encode(s, RFC3986).to_string()
}

/// The HMAC flavour of a signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureMethod {
    /// `HMAC-SHA1` (accepted by WooCommerce; used by the RFC's examples).
    HmacSha1,
    /// `HMAC-SHA256` (what skusync sends).
    HmacSha256,
}

impl SignatureMethod {
    /// The `oauth_signature_method` value.
    pub fn as_str(self) -> &'static str {
        match self {
            SignatureMethod::HmacSha1 => "HMAC-SHA1",
            SignatureMethod::HmacSha256 => "HMAC-SHA256",
        }
    }
}

/// The signature base string for `method`, `base_uri` (no query) and all
/// parameters (query and `oauth_*`, without `oauth_signature`).
pub fn base_string(method: &str, base_uri: &str, params: &[(String, String)]) -> String {
    let mut encoded: Vec<(String, String)> =
        params.iter().map(|(k, v)| (encode(k), encode(v))).collect();
    encoded.sort();
    let joined = encoded
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    format!(
        "{}&{}&{}",
        method.to_ascii_uppercase(),
        encode(base_uri),
        encode(&joined)
    )
}

/// `base64(HMAC(key, base_string))`.
pub fn signature(method: SignatureMethod, key: &str, base_string: &str) -> String {
    let bytes = match method {
        SignatureMethod::HmacSha1 => {
            // HMAC accepts keys of any length; `new_from_slice` cannot fail.
            let mut mac = <Hmac<sha1::Sha1> as KeyInit>::new_from_slice(key.as_bytes())
                .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
            mac.update(base_string.as_bytes());
            mac.finalize().into_bytes().to_vec()
        }
        SignatureMethod::HmacSha256 => {
            let mut mac = <Hmac<sha2::Sha256> as KeyInit>::new_from_slice(key.as_bytes())
                .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
            mac.update(base_string.as_bytes());
            mac.finalize().into_bytes().to_vec()
        }
    };
    STANDARD.encode(bytes)
}

/// A fresh nonce: 32 random hex characters.
pub fn nonce() -> String {
    let bytes: [u8; 16] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Signs a one-legged request for WooCommerce: returns `query` with the
/// `oauth_*` parameters (signature last) appended, ready to be encoded with
/// [`encode`] into the URL.
pub fn sign(
    method: &str,
    base_uri: &str,
    query: &[(String, String)],
    consumer_key: &str,
    consumer_secret: &str,
    nonce: &str,
    timestamp: i64,
) -> Vec<(String, String)> {
    let mut params = query.to_vec();
    params.extend([
        ("oauth_consumer_key".to_string(), consumer_key.to_string()),
        ("oauth_nonce".to_string(), nonce.to_string()),
        (
            "oauth_signature_method".to_string(),
            SignatureMethod::HmacSha256.as_str().to_string(),
        ),
        ("oauth_timestamp".to_string(), timestamp.to_string()),
    ]);
    let base = base_string(method, base_uri, &params);
    let sig = signature(
        SignatureMethod::HmacSha256,
        &format!("{consumer_secret}&"),
        &base,
    );
    params.push(("oauth_signature".to_string(), sig));
    params
}

/// Encodes parameters as a query string (RFC 3986, as [`encode`]).
pub fn query_string(params: &[(String, String)]) -> String {
    params
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    /// RFC 5849 §3.4.1.1: the base string of the worked example, with its
    /// duplicate keys, empty values and doubly-encoded characters.
    #[test]
    fn rfc5849_base_string_example() {
        let params = p(&[
            ("b5", "=%3D"),
            ("a3", "a"),
            ("c@", ""),
            ("a2", "r b"),
            ("oauth_consumer_key", "9djdj82h48djs9d2"),
            ("oauth_token", "kkk9d7dh3k39sjv7"),
            ("oauth_signature_method", "HMAC-SHA1"),
            ("oauth_timestamp", "137131201"),
            ("oauth_nonce", "7d8f3e4a"),
            ("c2", ""),
            ("a3", "2 q"),
        ]);
        assert_eq!(
            base_string("post", "http://example.com/request", &params),
            "POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q\
             %26a3%3Da%26b5%3D%253D%25253D%26c%2540%3D%26c2%3D%26oauth_consumer_\
             key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%26oauth_signature_m\
             ethod%3DHMAC-SHA1%26oauth_timestamp%3D137131201%26oauth_token%3Dkkk\
             9d7dh3k39sjv7"
        );
    }

    /// RFC 5849 §1.2: the complete signed request of the photo example.
    #[test]
    fn rfc5849_signature_example() {
        let params = p(&[
            ("file", "vacation.jpg"),
            ("size", "original"),
            ("oauth_consumer_key", "dpf43f3p2l4k3l03"),
            ("oauth_token", "nnch734d00sl2jdk"),
            ("oauth_nonce", "kllo9940pd9333jh"),
            ("oauth_timestamp", "1191242096"),
            ("oauth_signature_method", "HMAC-SHA1"),
            ("oauth_version", "1.0"),
        ]);
        let base = base_string("GET", "http://photos.example.net/photos", &params);
        assert_eq!(
            signature(
                SignatureMethod::HmacSha1,
                "kd94hf93k423kf44&pfkkdhi9sl3r4s00",
                &base
            ),
            "tR3+Ty81lMeYAr/Fid0kMTYa/WM="
        );
    }

    /// WooCommerce's rules: query parameters signed, commas and spaces
    /// encoded twice, `~` left alone, key `secret&`, HMAC-SHA256. The
    /// expected signature was computed independently (Python's `hmac`).
    #[test]
    fn woocommerce_signed_list_request() {
        let query = p(&[
            ("per_page", "100"),
            ("page", "2"),
            ("orderby", "id"),
            ("order", "asc"),
            ("_fields", "id,sku,regular_price"),
            ("search", "a b~"),
        ]);
        let signed = sign(
            "GET",
            "http://127.0.0.1:8080/wp-json/wc/v3/products",
            &query,
            "ck_test",
            "cs_test",
            "abc123",
            1795485098,
        );
        let without_sig = &signed[..signed.len() - 1];
        let base = base_string(
            "GET",
            "http://127.0.0.1:8080/wp-json/wc/v3/products",
            without_sig,
        );
        assert_eq!(
            base,
            "GET&http%3A%2F%2F127.0.0.1%3A8080%2Fwp-json%2Fwc%2Fv3%2Fproducts&\
             _fields%3Did%252Csku%252Cregular_price%26oauth_consumer_key%3Dck_test\
             %26oauth_nonce%3Dabc123%26oauth_signature_method%3DHMAC-SHA256\
             %26oauth_timestamp%3D1795485098%26order%3Dasc%26orderby%3Did\
             %26page%3D2%26per_page%3D100%26search%3Da%2520b~"
        );
        let (k, sig) = signed.last().unwrap();
        assert_eq!(k, "oauth_signature");
        assert_eq!(sig, "lWYzajrrTz3BFIlKneymy0+pc8/VX5G8V1fJgXqLSPk=");
    }

    #[test]
    fn nonces_are_fresh() {
        let (a, b) = (nonce(), nonce());
        assert_eq!(a.len(), 32);
        assert_ne!(a, b);
    }

    #[test]
    fn query_strings_use_rfc3986() {
        assert_eq!(
            query_string(&p(&[("_fields", "id,sku"), ("q", "a b+c~")])),
            "_fields=id%2Csku&q=a%20b%2Bc~"
        );
    }
}
