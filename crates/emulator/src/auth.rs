//! WooCommerce's REST authentication, as `class-wc-rest-authentication.php`
//! does it: Basic or query-string keys over HTTPS, one-legged OAuth 1.0a over
//! plain HTTP, and the read/write scope check that runs before routing.
//!
//! # Layout
//!
//! - [`Authenticator::authenticate`] mirrors `WC_REST_Authentication::authenticate`
//!   followed by `check_authentication_error`: over HTTPS it tries Basic
//!   (query-string keys first, then the `Authorization: Basic` header), and
//!   whenever that did not produce a user it tries OAuth 1.0a, exactly as
//!   WooCommerce does — so an OAuth-signed request is accepted over HTTPS too,
//!   and an error recorded by the Basic attempt survives a later OAuth success.
//! - [`Authenticator::check_scope`] mirrors `check_user_permissions` (the
//!   `rest_pre_dispatch` hook): it runs before route matching.
//! - PHP's request parsing is reproduced where it changes what gets signed:
//!   `$_GET`/`$_POST` bracket keys become nested arrays, a repeated key keeps
//!   its last value, `array_merge` lets the body override the query, and
//!   WordPress's "magic quotes" slash `$_GET` and `$_SERVER` values (which
//!   the Basic path reads without unslashing).
//!
//! The one design choice to know: the OAuth base string is built the
//! WooCommerce way, not the RFC 5849 way — parameters are sorted by their
//! *raw* key before encoding, duplicate keys collapse to one value, and the
//! JSON body is never signed. For ASCII keys without duplicates both agree.

use std::fmt;
use std::sync::Mutex;

use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode, utf8_percent_encode};

/// What a key may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permissions {
    /// `read`: GET and HEAD only.
    Read,
    /// `write`: POST, PUT, PATCH, DELETE only.
    Write,
    /// `read_write`: everything.
    ReadWrite,
}

/// One REST API key.
///
/// `Debug` redacts both the key and the secret, so a key never reaches a log.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey {
    /// `ck_…`
    pub consumer_key: String,
    /// `cs_…`
    pub consumer_secret: String,
    /// Its scope.
    pub permissions: Permissions,
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiKey")
            .field("consumer_key", &"<redacted>")
            .field("consumer_secret", &"<redacted>")
            .field("permissions", &self.permissions)
            .finish()
    }
}

/// The parts of an HTTP request authentication looks at.
///
/// `Debug` shows neither parameter values nor the `Authorization` header,
/// which carry credentials.
#[derive(Clone)]
pub struct AuthRequest<'a> {
    /// Upper-case method (`GET`).
    pub method: &'a str,
    /// True when the request came over TLS (`is_ssl()`).
    pub https: bool,
    /// The `Host` header (`127.0.0.1:8080`): the home URL's authority.
    pub host: &'a str,
    /// The request path exactly as sent, still percent-encoded (the path of
    /// `REQUEST_URI`), e.g. `/wp-json/wc/v3/products`. WooCommerce signs the
    /// raw path, so a decoded path would change the base string.
    pub path: &'a str,
    /// Decoded query parameters, in order.
    pub query: &'a [(String, String)],
    /// Decoded form-body parameters (only for `application/x-www-form-urlencoded`).
    pub form: &'a [(String, String)],
    /// The `Authorization` header, if any.
    pub authorization: Option<&'a str>,
}

impl fmt::Debug for AuthRequest<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names = |pairs: &[(String, String)]| -> Vec<String> {
            pairs.iter().map(|(k, _)| k.clone()).collect()
        };
        f.debug_struct("AuthRequest")
            .field("method", &self.method)
            .field("https", &self.https)
            .field("host", &self.host)
            .field("path", &self.path)
            .field("query_names", &names(self.query))
            .field("form_names", &names(self.form))
            .field("authorization", &self.authorization.map(|_| "<redacted>"))
            .finish()
    }
}

/// Who the request runs as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthOutcome {
    /// A known key with a valid secret or signature.
    Authenticated {
        /// Index of the key in the authenticator's key list.
        key_index: usize,
        /// The key's scope.
        permissions: Permissions,
    },
    /// No credentials WooCommerce recognises: the endpoint's own permission
    /// check answers (401 `woocommerce_rest_cannot_view`, …).
    Anonymous,
}

/// An authentication failure, rendered by the server as
/// `{"code", "message", "data": {"status"}}`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{status} {code}: {message}")]
pub struct AuthError {
    /// WooCommerce's error code, e.g. `woocommerce_rest_authentication_error`.
    pub code: &'static str,
    /// WooCommerce's message, e.g. `Consumer secret is invalid.`
    pub message: String,
    /// The HTTP status (401).
    pub status: u16,
}

/// The code of every authentication and scope failure but missing OAuth
/// parameters.
pub const AUTHENTICATION_ERROR: &str = "woocommerce_rest_authentication_error";
/// The code when some, but not all, OAuth parameters are present.
pub const MISSING_PARAMETER: &str = "woocommerce_rest_authentication_missing_parameter";

impl AuthError {
    fn auth(message: &str) -> Self {
        AuthError {
            code: AUTHENTICATION_ERROR,
            message: message.to_owned(),
            status: 401,
        }
    }
}

/// The window, in seconds, within which an OAuth timestamp is accepted and a
/// nonce is remembered (`$valid_window = 15 * 60`).
pub const OAUTH_WINDOW_SECS: i64 = 15 * 60;

/// The OAuth parameters WooCommerce requires, in its order (the order of the
/// "Missing OAuth parameter(s)" message).
const REQUIRED_OAUTH_PARAMS: [&str; 5] = [
    "oauth_consumer_key",
    "oauth_timestamp",
    "oauth_nonce",
    "oauth_signature",
    "oauth_signature_method",
];

/// WooCommerce's REST authentication over a fixed set of keys.
///
/// Thread-safe: the only mutable state, each key's used nonces (WooCommerce
/// keeps them in `woocommerce_api_keys.nonces`), sits behind a mutex, so one
/// authenticator serves concurrent handlers through `&self`.
pub struct Authenticator {
    keys: Vec<ApiKey>,
    /// Per key (same index as `keys`): `timestamp => nonce`, in insertion
    /// order, exactly as WooCommerce stores them (one nonce per timestamp).
    nonces: Mutex<Vec<Vec<(String, String)>>>,
}

impl fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Authenticator")
            .field("keys", &self.keys.len())
            .finish_non_exhaustive()
    }
}

/// What one authentication pass has recorded so far (`$this->user`,
/// `$this->error`).
#[derive(Default)]
struct Attempt {
    user: Option<usize>,
    error: Option<AuthError>,
}

impl Attempt {
    /// `set_error`: records the error and forgets the user.
    fn fail(&mut self, error: AuthError) {
        self.user = None;
        self.error = Some(error);
    }
}

impl Authenticator {
    /// An authenticator for these keys. The first of two keys with the same
    /// consumer key wins, as a database lookup would.
    pub fn new(keys: Vec<ApiKey>) -> Self {
        let nonces = Mutex::new(vec![Vec::new(); keys.len()]);
        Authenticator { keys, nonces }
    }

    /// The keys, in the order given to [`Authenticator::new`] (the
    /// `key_index` of [`AuthOutcome::Authenticated`] points into this).
    pub fn keys(&self) -> &[ApiKey] {
        &self.keys
    }

    /// Authenticates one request as WooCommerce would at `now_unix` (seconds).
    ///
    /// `Ok(Anonymous)` when the request carries no credentials WooCommerce
    /// recognises (no credentials, an unknown key over Basic, Basic or
    /// query-string keys over plain HTTP, or a route outside the `wc/` and
    /// `wc-` namespaces); the endpoint's own permission check then answers.
    /// `Err` carries WooCommerce's 401 code and message. A successful OAuth
    /// request records its nonce, so the same nonce is refused next time.
    pub fn authenticate(
        &self,
        req: &AuthRequest<'_>,
        now_unix: i64,
    ) -> Result<AuthOutcome, AuthError> {
        // `is_request_to_rest_api`: WooCommerce authenticates its own
        // namespaces only.
        let get = PhpArray::from_pairs(req.query);
        if !is_wc_route(req, &get) {
            return Ok(AuthOutcome::Anonymous);
        }
        let mut attempt = Attempt::default();
        if req.https {
            self.basic(&get, req.authorization, &mut attempt);
        }
        if attempt.user.is_none() {
            self.oauth(req, get, now_unix, &mut attempt);
        }
        // `check_authentication_error`: a recorded error wins over a user.
        if let Some(error) = attempt.error {
            return Err(error);
        }
        Ok(match attempt.user {
            Some(key_index) => AuthOutcome::Authenticated {
                key_index,
                permissions: self.keys[key_index].permissions,
            },
            None => AuthOutcome::Anonymous,
        })
    }

    /// The key's read/write scope for `method` (`check_user_permissions`),
    /// which WooCommerce checks before routing. Anonymous requests pass: the
    /// endpoint's own permission check handles them.
    pub fn check_scope(&self, outcome: &AuthOutcome, method: &str) -> Result<(), AuthError> {
        let AuthOutcome::Authenticated { permissions, .. } = outcome else {
            return Ok(());
        };
        let may_read = matches!(permissions, Permissions::Read | Permissions::ReadWrite);
        let may_write = matches!(permissions, Permissions::Write | Permissions::ReadWrite);
        // `WP_REST_Request::set_method` upper-cases the method.
        match method.to_ascii_uppercase().as_str() {
            "HEAD" | "GET" if !may_read => Err(AuthError::auth(
                "The API key provided does not have read permissions.",
            )),
            "POST" | "PUT" | "PATCH" | "DELETE" if !may_write => Err(AuthError::auth(
                "The API key provided does not have write permissions.",
            )),
            "HEAD" | "GET" | "POST" | "PUT" | "PATCH" | "DELETE" | "OPTIONS" => Ok(()),
            _ => Err(AuthError::auth("Unknown request method.")),
        }
    }

    /// `get_user_data_by_consumer_key`: the key is passed through
    /// `sanitize_text_field` before the lookup.
    fn find_key(&self, consumer_key: &str) -> Option<usize> {
        let wanted = sanitize_text_field(consumer_key);
        self.keys.iter().position(|k| k.consumer_key == wanted)
    }

    /// `perform_basic_authentication` (HTTPS only).
    fn basic(&self, get: &PhpArray, authorization: Option<&str>, attempt: &mut Attempt) {
        // `$_GET` and `$_SERVER` are slashed by `wp_magic_quotes`, and this
        // path reads them without `wp_unslash`.
        let mut key: Option<PhpValue> = None;
        let mut secret: Option<PhpValue> = None;
        if let (Some(ck), Some(cs)) = (get.get("consumer_key"), get.get("consumer_secret"))
            && !ck.is_empty()
            && !cs.is_empty()
        {
            key = Some(ck.slashed());
            secret = Some(cs.slashed());
        }
        if key.is_none()
            && let Some((user, pw)) = authorization.and_then(php_auth_user_pw)
            && !php_empty(&user)
            && !php_empty(&pw)
        {
            key = Some(PhpValue::Str(addslashes(&user)));
            secret = Some(PhpValue::Str(addslashes(&pw)));
        }
        let (Some(key), Some(secret)) = (key, secret) else {
            return;
        };
        if key.is_empty() || secret.is_empty() {
            return;
        }
        // `sanitize_text_field` turns an array into ''.
        let Some(index) = self.find_key(key.as_str().unwrap_or("")) else {
            attempt.user = None;
            return;
        };
        attempt.user = Some(index);
        let matches = match secret.as_str() {
            Some(secret) => ct_eq(
                self.keys[index].consumer_secret.as_bytes(),
                secret.as_bytes(),
            ),
            None => false,
        };
        if !matches {
            attempt.fail(AuthError::auth("Consumer secret is invalid."));
        }
    }

    /// `perform_oauth_authentication`.
    fn oauth(&self, req: &AuthRequest<'_>, get: PhpArray, now_unix: i64, attempt: &mut Attempt) {
        let Some(params) = oauth_parameters(get, req, attempt) else {
            return;
        };
        let consumer_key = params.string("oauth_consumer_key").unwrap_or("");
        let Some(index) = self.find_key(consumer_key) else {
            attempt.fail(AuthError::auth("Consumer key is invalid."));
            return;
        };
        attempt.user = Some(index);
        if let Err(error) = check_oauth_signature(&self.keys[index], req, &params) {
            attempt.fail(error);
            return;
        }
        let timestamp = params.string("oauth_timestamp").unwrap_or("Array");
        let nonce = params.string("oauth_nonce").unwrap_or("Array");
        if let Err(error) = self.check_timestamp_and_nonce(index, timestamp, nonce, now_unix) {
            attempt.fail(error);
        }
    }

    /// `check_oauth_timestamp_and_nonce`.
    fn check_timestamp_and_nonce(
        &self,
        index: usize,
        timestamp: &str,
        nonce: &str,
        now: i64,
    ) -> Result<(), AuthError> {
        if php_lt(timestamp, now - OAUTH_WINDOW_SECS) || php_gt(timestamp, now + OAUTH_WINDOW_SECS)
        {
            return Err(AuthError::auth("Invalid timestamp."));
        }
        let mut all = self.nonces.lock().unwrap_or_else(|e| e.into_inner());
        let Some(used) = all.get_mut(index) else {
            return Err(AuthError::auth("Consumer key is invalid."));
        };
        if used.iter().any(|(_, n)| n == nonce) {
            return Err(AuthError::auth(
                "Invalid nonce - nonce has already been used.",
            ));
        }
        // `$used_nonces[ $timestamp ] = $nonce;` — one nonce per timestamp.
        match used.iter_mut().find(|(t, _)| t == timestamp) {
            Some(slot) => slot.1 = nonce.to_owned(),
            None => used.push((timestamp.to_owned(), nonce.to_owned())),
        }
        used.retain(|(t, _)| !php_lt(t, now - OAUTH_WINDOW_SECS));
        Ok(())
    }
}

/// `get_oauth_parameters`: `$_GET` + `$_POST` + the header's oauth params.
/// `None` when OAuth is not attempted (no oauth params) or some are missing
/// (then the error is recorded).
fn oauth_parameters(
    get: PhpArray,
    req: &AuthRequest<'_>,
    attempt: &mut Attempt,
) -> Option<PhpArray> {
    let post = PhpArray::from_pairs(req.form);
    let mut params = get.merge(post);
    if let Some(header) = req.authorization {
        let header = php_trim(header);
        if !header.is_empty() {
            let header_params = parse_oauth_header(header);
            if !header_params.entries.is_empty() {
                params = params.merge(header_params);
            }
        }
    }
    let missing: Vec<&str> = REQUIRED_OAUTH_PARAMS
        .iter()
        .copied()
        .filter(|name| params.get(name).is_none_or(PhpValue::is_empty))
        .collect();
    if missing.len() == REQUIRED_OAUTH_PARAMS.len() {
        return None;
    }
    if !missing.is_empty() {
        // `_n( 'Missing OAuth parameter %s', 'Missing OAuth parameters %s', … )`
        let noun = if missing.len() == 1 {
            "parameter"
        } else {
            "parameters"
        };
        attempt.fail(AuthError {
            code: MISSING_PARAMETER,
            message: format!("Missing OAuth {noun} {}", missing.join(", ")),
            status: 401,
        });
        return None;
    }
    Some(params)
}

/// The signature methods WooCommerce accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureMethod {
    /// `HMAC-SHA1`
    HmacSha1,
    /// `HMAC-SHA256`
    HmacSha256,
}

impl SignatureMethod {
    /// The method named by `oauth_signature_method`, if WooCommerce accepts it
    /// (the comparison is exact: `hmac-sha1` is refused).
    pub fn from_param(name: &str) -> Option<Self> {
        match name {
            "HMAC-SHA1" => Some(SignatureMethod::HmacSha1),
            "HMAC-SHA256" => Some(SignatureMethod::HmacSha256),
            _ => None,
        }
    }

    /// `base64(hash_hmac(alg, text, key, raw))`.
    pub fn sign(self, text: &str, key: &str) -> String {
        let raw = match self {
            SignatureMethod::HmacSha1 => hmac_bytes::<sha1::Sha1>(text, key),
            SignatureMethod::HmacSha256 => hmac_bytes::<sha2::Sha256>(text, key),
        };
        base64::engine::general_purpose::STANDARD.encode(raw)
    }
}

fn hmac_bytes<D>(text: &str, key: &str) -> Vec<u8>
where
    D: hmac::EagerHash,
    Hmac<D>: KeyInit + Mac,
{
    // HMAC takes a key of any length, so `new_from_slice` cannot fail; an
    // empty result would simply never match.
    match <Hmac<D> as KeyInit>::new_from_slice(key.as_bytes()) {
        Ok(mut mac) => {
            mac.update(text.as_bytes());
            mac.finalize().into_bytes().to_vec()
        }
        Err(_) => Vec::new(),
    }
}

/// `check_oauth_signature`: key known; the method, then the signature.
fn check_oauth_signature(
    key: &ApiKey,
    req: &AuthRequest<'_>,
    params: &PhpArray,
) -> Result<(), AuthError> {
    // `rawurldecode( str_replace( ' ', '+', $params['oauth_signature'] ) )`
    let consumer_signature = params
        .string("oauth_signature")
        .map(|sig| rawurldecode(&sig.replace(' ', "+")));
    let mut unsigned = params.clone();
    unsigned.remove("oauth_signature");
    let string_to_sign = oauth_string_to_sign(req, &unsigned);
    // The method is read after normalisation, i.e. rawurlencoded.
    let method = unsigned
        .string("oauth_signature_method")
        .and_then(|m| SignatureMethod::from_param(&rawurlencode(m)))
        .ok_or_else(|| AuthError::auth("Invalid signature - signature method is invalid."))?;
    let signature = method.sign(&string_to_sign, &format!("{}&", key.consumer_secret));
    match consumer_signature {
        Some(given) if ct_eq(signature.as_bytes(), given.as_bytes()) => Ok(()),
        _ => Err(AuthError::auth(
            "Invalid signature - provided signature does not match.",
        )),
    }
}

/// The string to sign for a request whose parameters (without
/// `oauth_signature`) are `unsigned`.
fn oauth_string_to_sign(req: &AuthRequest<'_>, unsigned: &PhpArray) -> String {
    let base_uri = rawurlencode(&home_url_for(req));
    string_to_sign(&req.method.to_ascii_uppercase(), &base_uri, unsigned)
}

/// `get_home_url( null, $request_path, is_ssl() ? 'https' : 'http' )` for a
/// site installed at the host's root, with `$request_path` taken from the
/// (magic-quoted) `REQUEST_URI`.
fn home_url_for(req: &AuthRequest<'_>) -> String {
    let scheme = if req.https { "https" } else { "http" };
    let raw_path = req.path.split(['?', '#']).next().unwrap_or("");
    let path = addslashes(raw_path);
    // Strip `get_home_url( null, '/', 'relative' )`, i.e. "/".
    let path = path.strip_prefix('/').unwrap_or(&path);
    let mut url = format!("{scheme}://{}", req.host);
    if !php_empty(path) {
        url.push('/');
        url.push_str(path.trim_start_matches('/'));
    }
    url
}

/// The string WooCommerce signs: `METHOD&base_uri&params`, where the params
/// are sorted by raw key (`uksort strcmp`), each key and value rawurlencoded
/// (`normalize_parameters`), then each `k=v` pair rawurlencoded again
/// (`join_with_equals_sign`) and joined with `%26`. `base_uri` is already
/// encoded.
fn string_to_sign(method: &str, base_uri: &str, params: &PhpArray) -> String {
    let mut sorted = params.entries.clone();
    sorted.sort_by(|(a, _), (b, _)| a.as_bytes().cmp(b.as_bytes()));
    let normalized: Vec<(String, PhpValue)> = sorted
        .into_iter()
        .map(|(k, v)| (rawurlencode(&k), v.normalized()))
        .collect();
    let mut pairs = Vec::new();
    join_with_equals_sign(&normalized, "", &mut pairs);
    format!("{method}&{base_uri}&{}", pairs.join("%26"))
}

/// `join_with_equals_sign`: nested arrays become `key%5Bsub%5D`.
fn join_with_equals_sign(entries: &[(String, PhpValue)], prefix: &str, out: &mut Vec<String>) {
    for (key, value) in entries {
        // `if ( $key )`: PHP's truthiness, so a parent named "0" adds no prefix.
        let key = if php_empty(prefix) {
            key.clone()
        } else {
            format!("{prefix}%5B{key}%5D")
        };
        match value {
            PhpValue::Arr(inner) => join_with_equals_sign(&inner.entries, &key, out),
            PhpValue::Str(value) => out.push(rawurlencode(&format!("{key}={value}"))),
        }
    }
}

/// `is_request_to_rest_api`: the route (from `rest_route` or the path after
/// `/wp-json/`) is in the `wc/` or `wc-` namespace, read raw or decoded.
fn is_wc_route(req: &AuthRequest<'_>, get: &PhpArray) -> bool {
    let is_wc = |route: &str| route.starts_with("wc/") || route.starts_with("wc-");
    if let Some(route) = get.string("rest_route") {
        return is_wc(route.trim_matches('/'));
    }
    let raw = req.path.split(['?', '#']).next().unwrap_or("");
    let decoded = rawurldecode(raw);
    [raw, decoded.as_str()].iter().any(|path| {
        let path = path.trim_matches('/');
        let path = path.strip_prefix("index.php/").unwrap_or(path);
        path.strip_prefix("wp-json/")
            .is_some_and(|route| is_wc(route.trim_matches('/')))
    })
}

/// `parse_header`: the oauth params of an `Authorization: OAuth …` header,
/// as the regex `(oauth_[a-z_-]*)=(:?"([^"]*)"|([^,]*))` finds them, each
/// value `urldecode`d.
fn parse_oauth_header(header: &str) -> PhpArray {
    let mut params = PhpArray::default();
    let bytes = header.as_bytes();
    if !bytes.starts_with(b"OAuth ") {
        return params;
    }
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i..].starts_with(b"oauth_") {
            i += 1;
            continue;
        }
        let mut j = i + "oauth_".len();
        while j < bytes.len() && matches!(bytes[j], b'a'..=b'z' | b'_' | b'-') {
            j += 1;
        }
        if bytes.get(j) != Some(&b'=') {
            i += 1;
            continue;
        }
        let name = String::from_utf8_lossy(&bytes[i..j]).into_owned();
        let start = j + 1;
        // First alternative: `:?"([^"]*)"`.
        let mut open = start;
        if bytes.get(open) == Some(&b':') {
            open += 1;
        }
        let quoted = (bytes.get(open) == Some(&b'"'))
            .then(|| {
                bytes[open + 1..]
                    .iter()
                    .position(|&b| b == b'"')
                    .map(|len| (open + 1, open + 1 + len))
            })
            .flatten();
        let (raw, end) = match quoted {
            // `empty( $matches[3] )` falls back to group 4, which is unset.
            Some((from, to)) => {
                let value = &bytes[from..to];
                (if value == b"0" { &b""[..] } else { value }, to + 1)
            }
            None => {
                let to = bytes[start..]
                    .iter()
                    .position(|&b| b == b',')
                    .map_or(bytes.len(), |len| start + len);
                (&bytes[start..to], to)
            }
        };
        params.set(
            name,
            PhpValue::Str(urldecode(&String::from_utf8_lossy(raw))),
        );
        i = end.max(i + 1);
    }
    params
}

/// `PHP_AUTH_USER` / `PHP_AUTH_PW` as PHP derives them from an
/// `Authorization: Basic` header (lenient base64, split at the first colon,
/// each part ending at a NUL byte). `None` when PHP sets neither.
fn php_auth_user_pw(header: &str) -> Option<(String, String)> {
    let prefix = header.get(..6)?;
    if !prefix.eq_ignore_ascii_case("Basic ") {
        return None;
    }
    let cleaned: Vec<u8> = header.as_bytes()[6..]
        .iter()
        .copied()
        .filter(|b| b.is_ascii_alphanumeric() || *b == b'+' || *b == b'/')
        .collect();
    if cleaned.len() % 4 == 1 {
        return None;
    }
    let lenient = base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent)
            .with_decode_allow_trailing_bits(true),
    );
    let decoded = lenient.decode(&cleaned).ok()?;
    let colon = decoded.iter().position(|&b| b == b':')?;
    let c_string = |part: &[u8]| {
        let end = part.iter().position(|&b| b == 0).unwrap_or(part.len());
        String::from_utf8_lossy(&part[..end]).into_owned()
    };
    Some((c_string(&decoded[..colon]), c_string(&decoded[colon + 1..])))
}

/// A PHP value as `$_GET`/`$_POST` hold it: a string or an ordered array.
#[derive(Debug, Clone, PartialEq)]
enum PhpValue {
    Str(String),
    Arr(PhpArray),
}

impl PhpValue {
    /// PHP's `empty()`.
    fn is_empty(&self) -> bool {
        match self {
            PhpValue::Str(s) => php_empty(s),
            PhpValue::Arr(a) => a.entries.is_empty(),
        }
    }

    fn as_str(&self) -> Option<&str> {
        match self {
            PhpValue::Str(s) => Some(s),
            PhpValue::Arr(_) => None,
        }
    }

    /// `add_magic_quotes`: values slashed, keys left alone.
    fn slashed(&self) -> PhpValue {
        match self {
            PhpValue::Str(s) => PhpValue::Str(addslashes(s)),
            PhpValue::Arr(a) => PhpValue::Arr(PhpArray {
                entries: a
                    .entries
                    .iter()
                    .map(|(k, v)| (k.clone(), v.slashed()))
                    .collect(),
            }),
        }
    }

    /// `wc_rest_urlencode_rfc3986` on a value: strings encoded, arrays
    /// mapped with their keys kept raw (`array_map` preserves keys).
    fn normalized(self) -> PhpValue {
        match self {
            PhpValue::Str(s) => PhpValue::Str(rawurlencode(&s)),
            PhpValue::Arr(a) => PhpValue::Arr(PhpArray {
                entries: a
                    .entries
                    .into_iter()
                    .map(|(k, v)| (k, v.normalized()))
                    .collect(),
            }),
        }
    }
}

/// A PHP array with string keys (integer keys kept in their canonical
/// decimal form), in insertion order.
#[derive(Debug, Clone, Default, PartialEq)]
struct PhpArray {
    entries: Vec<(String, PhpValue)>,
}

impl PhpArray {
    /// Registers each decoded `name=value` pair the way PHP fills `$_GET`.
    fn from_pairs(pairs: &[(String, String)]) -> Self {
        let mut array = PhpArray::default();
        for (name, value) in pairs {
            array.register(name, value.clone());
        }
        array
    }

    fn get(&self, key: &str) -> Option<&PhpValue> {
        self.entries.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    fn string(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(PhpValue::as_str)
    }

    /// Assignment: an existing key keeps its position.
    fn set(&mut self, key: String, value: PhpValue) {
        match self.entries.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => self.entries.push((key, value)),
        }
    }

    fn remove(&mut self, key: &str) {
        self.entries.retain(|(k, _)| k != key);
    }

    /// `$a[] = $value`; returns the new entry's index in `entries`.
    fn push_next(&mut self, value: PhpValue) -> usize {
        let next = self
            .entries
            .iter()
            .filter_map(|(k, _)| php_int_key(k))
            .max()
            .map_or(0, |max| max.saturating_add(1).max(0));
        self.entries.push((next.to_string(), value));
        self.entries.len() - 1
    }

    /// The array at `key`, created (or replacing a string, in place) if
    /// needed. (Always `Some`; `None` only keeps the code panic-free.)
    fn child_array(&mut self, key: Option<String>) -> Option<&mut PhpArray> {
        let position = match key {
            None => self.push_next(PhpValue::Arr(PhpArray::default())),
            Some(key) => match self.entries.iter().position(|(k, _)| *k == key) {
                Some(position) => position,
                None => {
                    self.entries.push((key, PhpValue::Arr(PhpArray::default())));
                    self.entries.len() - 1
                }
            },
        };
        let slot = &mut self.entries.get_mut(position)?.1;
        if !matches!(slot, PhpValue::Arr(_)) {
            *slot = PhpValue::Arr(PhpArray::default());
        }
        match slot {
            PhpValue::Arr(array) => Some(array),
            PhpValue::Str(_) => None,
        }
    }

    /// `array_merge($self, $other)`: string keys of `other` override in
    /// place, integer keys are renumbered and appended.
    fn merge(self, other: PhpArray) -> PhpArray {
        let mut merged = PhpArray::default();
        for (key, value) in self.entries.into_iter().chain(other.entries) {
            if php_int_key(&key).is_some() {
                merged.push_next(value);
            } else {
                merged.set(key, value);
            }
        }
        merged
    }

    /// `php_register_variable_ex`: `a.b` → `a_b`, `a[x][]` → nested arrays,
    /// an unterminated `[` → `_`.
    fn register(&mut self, name: &str, value: String) {
        let var = name.trim_start_matches(' ').as_bytes();
        // Not binary safe: the name ends at a NUL byte.
        let var = &var[..var.iter().position(|&b| b == 0).unwrap_or(var.len())];
        let mut base = Vec::new();
        let mut bracket = None;
        for (i, &b) in var.iter().enumerate() {
            match b {
                b' ' | b'.' => base.push(b'_'),
                b'[' => {
                    bracket = Some(i);
                    break;
                }
                _ => base.push(b),
            }
        }
        if base.is_empty() {
            return;
        }
        let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
        let Some(mut ip) = bracket else {
            self.set(text(&base), PhpValue::Str(value));
            return;
        };
        let mut path: Vec<Option<String>> = Vec::new();
        let mut index: Option<String> = Some(text(&base));
        loop {
            let index_s = ip + 1;
            let mut p = index_s;
            if var.get(p) == Some(&b' ') {
                p += 1;
            }
            let (new_index, close) = if var.get(p) == Some(&b']') {
                (None, p)
            } else {
                match var
                    .get(p..)
                    .and_then(|rest| rest.iter().position(|&b| b == b']'))
                {
                    Some(len) => (Some(text(&var[index_s..p + len])), p + len),
                    None => {
                        if path.is_empty() {
                            let mut renamed = base.clone();
                            renamed.push(b'_');
                            renamed.extend(var[index_s..].iter().map(|&b| match b {
                                b' ' | b'.' | b'[' => b'_',
                                other => other,
                            }));
                            index = Some(text(&renamed));
                        }
                        break;
                    }
                }
            };
            path.push(index.take());
            index = new_index;
            ip = close + 1;
            if var.get(ip) != Some(&b'[') {
                break;
            }
        }
        let mut target = self;
        for key in path {
            let Some(child) = target.child_array(key) else {
                return;
            };
            target = child;
        }
        match index {
            Some(key) => target.set(key, PhpValue::Str(value)),
            None => {
                target.push_next(PhpValue::Str(value));
            }
        }
    }
}

/// The integer a PHP array key string stands for, when PHP would store it
/// as an integer key (`"5"` yes, `"05"`, `"-0"`, `"+5"` no).
fn php_int_key(key: &str) -> Option<i64> {
    let digits = key.strip_prefix('-').unwrap_or(key);
    let canonical = !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (digits == "0" || !digits.starts_with('0'))
        && key != "-0";
    if canonical { key.parse().ok() } else { None }
}

/// PHP's `empty()` on a string.
fn php_empty(s: &str) -> bool {
    s.is_empty() || s == "0"
}

/// PHP's `trim()` with its default characters.
fn php_trim(s: &str) -> &str {
    s.trim_matches([' ', '\t', '\n', '\r', '\0', '\x0B'])
}

/// PHP's `addslashes` (what `wp_magic_quotes` applies).
fn addslashes(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\'' | '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '\0' => out.push_str("\\0"),
            _ => out.push(c),
        }
    }
    out
}

/// WordPress's `sanitize_text_field` for a consumer key: whitespace runs
/// collapse, the ends are trimmed, percent-encoded octets are removed. (The
/// tag stripping it also does is not reproduced.)
fn sanitize_text_field(s: &str) -> String {
    let collapse = |s: &str, ws: &[char]| {
        let mut out = String::with_capacity(s.len());
        let mut in_run = false;
        for c in s.chars() {
            if ws.contains(&c) {
                if !in_run {
                    out.push(' ');
                }
                in_run = true;
            } else {
                out.push(c);
                in_run = false;
            }
        }
        out
    };
    let mut filtered = php_trim(&collapse(s, &['\r', '\n', '\t', ' '])).to_owned();
    let mut found = false;
    while let Some(at) = find_percent_octet(&filtered) {
        let octet = filtered[at..at + 3].to_owned();
        filtered = filtered.replace(&octet, "");
        found = true;
    }
    if found {
        filtered = php_trim(&collapse(&filtered, &[' '])).to_owned();
    }
    filtered
}

fn find_percent_octet(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    (0..b.len().saturating_sub(2))
        .find(|&i| b[i] == b'%' && b[i + 1].is_ascii_hexdigit() && b[i + 2].is_ascii_hexdigit())
}

/// PHP's `rawurlencode` (RFC 3986: everything but `A-Za-z0-9-_.~`).
fn rawurlencode(s: &str) -> String {
    const RFC3986: &AsciiSet = &NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~');
    utf8_percent_encode(s, RFC3986).to_string()
}

/// PHP's `rawurldecode` (`+` stays `+`).
fn rawurldecode(s: &str) -> String {
    percent_decode(s.as_bytes())
        .decode_utf8_lossy()
        .into_owned()
}

/// PHP's `urldecode` (`+` is a space).
fn urldecode(s: &str) -> String {
    rawurldecode(&s.replace('+', " "))
}

/// `hash_equals`: constant time for equal lengths.
fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A PHP 8 numeric string's value.
#[derive(Debug, Clone, Copy)]
enum PhpNumber {
    Int(i64),
    Float(f64),
}

/// PHP 8's numeric-string test: optional surrounding whitespace, a sign,
/// digits with an optional fraction and exponent. `None` for anything else
/// (`"12abc"`, `"0x1A"`, `"inf"`).
fn php_numeric(s: &str) -> Option<PhpNumber> {
    let ws = [' ', '\t', '\n', '\r', '\x0B', '\x0C'];
    let t = s.trim_matches(ws);
    let b = t.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'+' | b'-')) {
        i += 1;
    }
    let int_start = i;
    while b.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
    }
    let int_digits = i - int_start;
    let mut is_float = false;
    let mut frac_digits = 0;
    if b.get(i) == Some(&b'.') {
        is_float = true;
        i += 1;
        let frac_start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        frac_digits = i - frac_start;
    }
    if int_digits == 0 && frac_digits == 0 {
        return None;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        let mut j = i + 1;
        if matches!(b.get(j), Some(b'+' | b'-')) {
            j += 1;
        }
        let exp_start = j;
        while b.get(j).is_some_and(u8::is_ascii_digit) {
            j += 1;
        }
        if j > exp_start {
            is_float = true;
            i = j;
        }
    }
    if i != b.len() {
        return None;
    }
    if !is_float && let Ok(n) = t.parse::<i64>() {
        return Some(PhpNumber::Int(n));
    }
    t.parse::<f64>().ok().map(PhpNumber::Float)
}

/// PHP 8's `$string <=> $int`: numerically when the string is numeric,
/// otherwise as strings.
fn php_cmp(s: &str, n: i64) -> std::cmp::Ordering {
    match php_numeric(s) {
        Some(PhpNumber::Int(i)) => i.cmp(&n),
        Some(PhpNumber::Float(f)) => f
            .partial_cmp(&(n as f64))
            .unwrap_or(std::cmp::Ordering::Equal),
        None => s.as_bytes().cmp(n.to_string().as_bytes()),
    }
}

fn php_lt(s: &str, n: i64) -> bool {
    php_cmp(s, n).is_lt()
}

fn php_gt(s: &str, n: i64) -> bool {
    php_cmp(s, n).is_gt()
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_700_000_000;
    const CK: &str = "ck_0123456789abcdef";
    const CS: &str = "cs_fedcba9876543210";
    const PATH: &str = "/wp-json/wc/v3/products";

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn key(ck: &str, cs: &str, permissions: Permissions) -> ApiKey {
        ApiKey {
            consumer_key: ck.to_owned(),
            consumer_secret: cs.to_owned(),
            permissions,
        }
    }

    fn authenticator() -> Authenticator {
        Authenticator::new(vec![
            key(CK, CS, Permissions::ReadWrite),
            key("ck_read", "cs_read", Permissions::Read),
            key("ck_write", "cs_write", Permissions::Write),
        ])
    }

    fn request<'a>(
        method: &'a str,
        https: bool,
        path: &'a str,
        query: &'a [(String, String)],
        authorization: Option<&'a str>,
    ) -> AuthRequest<'a> {
        AuthRequest {
            method,
            https,
            host: "127.0.0.1:8080",
            path,
            query,
            form: &[],
            authorization,
        }
    }

    /// The string to sign for `req`, computed the way the verifier does.
    fn verifier_base_string(req: &AuthRequest<'_>) -> String {
        let mut attempt = Attempt::default();
        let params = oauth_parameters(PhpArray::from_pairs(req.query), req, &mut attempt);
        let mut params = params.expect("the request carries every oauth parameter");
        params.remove("oauth_signature");
        oauth_string_to_sign(req, &params)
    }

    /// An independent one-legged signer, RFC 5849 style (sorted by encoded
    /// key), enough for ASCII parameters without duplicates.
    fn rfc_sign(
        method: &str,
        url: &str,
        params: &[(String, String)],
        secret: &str,
        alg: SignatureMethod,
    ) -> String {
        let enc = |s: &str| utf8_percent_encode(s, RFC3986_TEST).to_string();
        let mut encoded: Vec<(String, String)> =
            params.iter().map(|(k, v)| (enc(k), enc(v))).collect();
        encoded.sort();
        let normalized = encoded
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("&");
        let base = format!("{method}&{}&{}", enc(url), enc(&normalized));
        alg.sign(&base, &format!("{}&", enc(secret)))
    }

    const RFC3986_TEST: &AsciiSet = &NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~');

    /// The oauth params for a GET signed at `ts` with `nonce`, plus the
    /// request's own query, ready to send as a query string.
    fn signed_query(
        https: bool,
        extra: &[(&str, &str)],
        ck: &str,
        cs: &str,
        alg: &str,
        ts: i64,
        nonce: &str,
    ) -> Vec<(String, String)> {
        let mut params = pairs(extra);
        params.extend(pairs(&[
            ("oauth_consumer_key", ck),
            ("oauth_nonce", nonce),
            ("oauth_signature_method", alg),
            ("oauth_timestamp", &ts.to_string()),
        ]));
        let scheme = if https { "https" } else { "http" };
        let url = format!("{scheme}://127.0.0.1:8080{PATH}");
        let method_enum = SignatureMethod::from_param(alg).unwrap_or(SignatureMethod::HmacSha1);
        let sig = rfc_sign("GET", &url, &params, cs, method_enum);
        params.push(("oauth_signature".into(), sig));
        params
    }

    fn error(message: &str) -> AuthError {
        AuthError::auth(message)
    }

    #[test]
    fn oauth_core_example_base_string_and_signature() {
        // OAuth Core 1.0 Appendix A.5 (the photos example of RFC 5849 §1.2),
        // sent with its oauth params in the header.
        let query = pairs(&[("file", "vacation.jpg"), ("size", "original")]);
        let header = "OAuth realm=\"Photos\", oauth_consumer_key=\"dpf43f3p2l4k3l03\", \
            oauth_token=\"nnch734d00sl2jdk\", oauth_signature_method=\"HMAC-SHA1\", \
            oauth_signature=\"x\", oauth_timestamp=\"1191242096\", \
            oauth_nonce=\"kllo9940pd9333jh\", oauth_version=\"1.0\"";
        let mut req = request("GET", false, "/photos", &query, Some(header));
        req.host = "photos.example.net";
        let base = verifier_base_string(&req);
        assert_eq!(
            base,
            "GET&http%3A%2F%2Fphotos.example.net%2Fphotos&file%3Dvacation.jpg%26\
             oauth_consumer_key%3Ddpf43f3p2l4k3l03%26oauth_nonce%3Dkllo9940pd9333jh%26\
             oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D1191242096%26\
             oauth_token%3Dnnch734d00sl2jdk%26oauth_version%3D1.0%26size%3Doriginal"
        );
        assert_eq!(
            SignatureMethod::HmacSha1.sign(&base, "kd94hf93k423kf44&pfkkdhi9sl3r4s00"),
            "tR3+Ty81lMeYAr/Fid0kMTYa/WM="
        );
    }

    #[test]
    fn rfc5849_section_3_4_1_1_request_gets_woocommerce_base_string() {
        // RFC 5849 §3.4.1.1's request. RFC 5849 signs both `a3` values and
        // sorts `c%40` before `c2`; WooCommerce's `array_merge` keeps the
        // body's `a3` only and `uksort` sorts by the raw key (`c2` < `c@`).
        let query = pairs(&[("b5", "=%3D"), ("a3", "a"), ("c@", ""), ("a2", "r b")]);
        let form = pairs(&[("c2", ""), ("a3", "2 q")]);
        let header = "OAuth realm=\"Example\", oauth_consumer_key=\"9djdj82h48djs9d2\", \
            oauth_token=\"kkk9d7dh3k39sjv7\", oauth_signature_method=\"HMAC-SHA1\", \
            oauth_timestamp=\"137131201\", oauth_nonce=\"7d8f3e4a\", \
            oauth_signature=\"bYT5CMsGcbgUdFHObYMEfcx6bsw%3D\"";
        let mut req = request("POST", false, "/request", &query, Some(header));
        req.host = "example.com";
        req.form = &form;
        assert_eq!(
            verifier_base_string(&req),
            "POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q%26\
             b5%3D%253D%25253D%26c2%3D%26c%2540%3D%26\
             oauth_consumer_key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%26\
             oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D137131201%26\
             oauth_token%3Dkkk9d7dh3k39sjv7"
        );
    }

    #[test]
    fn woocommerce_base_string_by_hand() {
        // Hand-computed per class-wc-rest-authentication.php: https home URL,
        // raw path (its %2C double-encoded), nested key `filter[period]`
        // encoded as `filter%255Bperiod%255D`, `~` unencoded, query only in
        // the params.
        let query = pairs(&[
            ("sku", "A,B~1"),
            ("filter[period]", "week"),
            ("oauth_consumer_key", CK),
            ("oauth_timestamp", "1700000000"),
            ("oauth_nonce", "n1"),
            ("oauth_signature_method", "HMAC-SHA256"),
            ("oauth_signature", "sig"),
        ]);
        let req = request("get", true, "/wp-json/wc/v3/products/a%2Cb", &query, None);
        assert_eq!(
            verifier_base_string(&req),
            "GET&https%3A%2F%2F127.0.0.1%3A8080%2Fwp-json%2Fwc%2Fv3%2Fproducts%2Fa%252Cb&\
             filter%255Bperiod%255D%3Dweek%26\
             oauth_consumer_key%3Dck_0123456789abcdef%26oauth_nonce%3Dn1%26\
             oauth_signature_method%3DHMAC-SHA256%26oauth_timestamp%3D1700000000%26\
             sku%3DA%252CB~1"
        );
    }

    #[test]
    fn php_request_parsing() {
        let get = PhpArray::from_pairs(&pairs(&[
            ("a.b c", "1"),
            ("x[]", "p"),
            ("x[]", "q"),
            ("y[k][ ]", "v"),
            ("z[open", "w"),
            ("dup", "first"),
            ("dup", "last"),
            ("[nobase]", "ignored"),
        ]));
        let keys: Vec<&str> = get.entries.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["a_b_c", "x", "y", "z_open", "dup"]);
        assert_eq!(get.string("dup"), Some("last"));
        let Some(PhpValue::Arr(x)) = get.get("x") else {
            panic!("x[] is an array: {get:?}");
        };
        assert_eq!(x.string("0"), Some("p"));
        assert_eq!(x.string("1"), Some("q"));
        let Some(PhpValue::Arr(y)) = get.get("y") else {
            panic!("y is an array: {get:?}");
        };
        let Some(PhpValue::Arr(k)) = y.get("k") else {
            panic!("y[k] is an array: {y:?}");
        };
        assert_eq!(k.string("0"), Some("v"));
        // array_merge renumbers integer keys and lets the body override.
        let merged = PhpArray::from_pairs(&pairs(&[("0", "g"), ("s", "g")]))
            .merge(PhpArray::from_pairs(&pairs(&[("0", "p"), ("s", "p")])));
        assert_eq!(merged.string("0"), Some("g"));
        assert_eq!(merged.string("1"), Some("p"));
        assert_eq!(merged.string("s"), Some("p"));
    }

    #[test]
    fn oauth_header_parsing_follows_the_regex() {
        let h = parse_oauth_header(
            "OAuth realm=\"x\", oauth_nonce=\"a%20b+c\",oauth_timestamp=17, \
             oauth_signature=\"0\", oauth_Bad=\"y\"",
        );
        assert_eq!(h.string("oauth_nonce"), Some("a b c"));
        assert_eq!(h.string("oauth_timestamp"), Some("17"));
        assert_eq!(h.string("oauth_signature"), Some(""));
        assert_eq!(h.entries.len(), 3, "{h:?}");
        assert!(
            parse_oauth_header("Bearer oauth_nonce=1")
                .entries
                .is_empty()
        );
        assert!(parse_oauth_header("oauth oauth_nonce=1").entries.is_empty());
    }

    #[test]
    fn oauth_over_http_in_query_and_header_sha1_and_sha256() {
        let auth = authenticator();
        for (i, alg) in ["HMAC-SHA1", "HMAC-SHA256"].into_iter().enumerate() {
            let nonce = format!("q{i}");
            let query = signed_query(false, &[("per_page", "1")], CK, CS, alg, NOW, &nonce);
            let req = request("GET", false, PATH, &query, None);
            assert_eq!(
                auth.authenticate(&req, NOW),
                Ok(AuthOutcome::Authenticated {
                    key_index: 0,
                    permissions: Permissions::ReadWrite
                }),
                "{alg} in the query"
            );
            // Same params in the header; only per_page stays in the query.
            let nonce = format!("h{i}");
            let signed = signed_query(false, &[("per_page", "1")], CK, CS, alg, NOW, &nonce);
            let header = format!(
                "OAuth {}",
                signed
                    .iter()
                    .filter(|(k, _)| k.starts_with("oauth_"))
                    .map(|(k, v)| format!("{k}=\"{}\"", rawurlencode(v)))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            let query = pairs(&[("per_page", "1")]);
            let req = request("GET", false, PATH, &query, Some(&header));
            assert!(
                matches!(
                    auth.authenticate(&req, NOW),
                    Ok(AuthOutcome::Authenticated { key_index: 0, .. })
                ),
                "{alg} in the header"
            );
        }
    }

    #[test]
    fn oauth_failures_in_woocommerce_order() {
        let auth = authenticator();
        let run = |query: &[(String, String)], now: i64| {
            auth.authenticate(&request("GET", false, PATH, query, None), now)
        };
        let wrong_secret = signed_query(false, &[], CK, "cs_wrong", "HMAC-SHA1", NOW, "n1");
        assert_eq!(
            run(&wrong_secret, NOW),
            Err(error(
                "Invalid signature - provided signature does not match."
            ))
        );
        let unknown = signed_query(false, &[], "ck_nope", CS, "HMAC-SHA1", NOW, "n2");
        assert_eq!(run(&unknown, NOW), Err(error("Consumer key is invalid.")));
        let bad_method = signed_query(false, &[], CK, CS, "PLAINTEXT", NOW, "n3");
        assert_eq!(
            run(&bad_method, NOW),
            Err(error("Invalid signature - signature method is invalid."))
        );
        // Key before method: an unknown key with a bad method.
        let both = signed_query(false, &[], "ck_nope", CS, "RSA-SHA1", NOW, "n4");
        assert_eq!(run(&both, NOW), Err(error("Consumer key is invalid.")));
        // Signature before timestamp: an old request with a wrong secret.
        let old = NOW - OAUTH_WINDOW_SECS - 1;
        let old_wrong = signed_query(false, &[], CK, "cs_wrong", "HMAC-SHA1", old, "n5");
        assert_eq!(
            run(&old_wrong, NOW),
            Err(error(
                "Invalid signature - provided signature does not match."
            ))
        );
        let old_ok = signed_query(false, &[], CK, CS, "HMAC-SHA1", old, "n6");
        assert_eq!(run(&old_ok, NOW), Err(error("Invalid timestamp.")));
        let future = NOW + OAUTH_WINDOW_SECS + 1;
        let future_ok = signed_query(false, &[], CK, CS, "HMAC-SHA1", future, "n7");
        assert_eq!(run(&future_ok, NOW), Err(error("Invalid timestamp.")));
        // The edges of the window are inside it.
        let edge = signed_query(
            false,
            &[],
            CK,
            CS,
            "HMAC-SHA1",
            NOW - OAUTH_WINDOW_SECS,
            "n8",
        );
        assert!(run(&edge, NOW).is_ok());
    }

    #[test]
    fn nonce_replay_is_refused_per_key() {
        let auth = authenticator();
        let query = signed_query(false, &[], CK, CS, "HMAC-SHA1", NOW, "once");
        let req = request("GET", false, PATH, &query, None);
        assert!(auth.authenticate(&req, NOW).is_ok());
        assert_eq!(
            auth.authenticate(&req, NOW + 10),
            Err(error("Invalid nonce - nonce has already been used."))
        );
        // The same nonce under another key is fine.
        let other = signed_query(false, &[], "ck_read", "cs_read", "HMAC-SHA1", NOW, "once");
        assert!(
            auth.authenticate(&request("GET", false, PATH, &other, None), NOW)
                .is_ok()
        );
        // A failed signature does not burn the nonce.
        let bad = signed_query(false, &[], CK, "cs_x", "HMAC-SHA1", NOW, "fresh");
        assert!(
            auth.authenticate(&request("GET", false, PATH, &bad, None), NOW)
                .is_err()
        );
        let good = signed_query(false, &[], CK, CS, "HMAC-SHA1", NOW, "fresh");
        assert!(
            auth.authenticate(&request("GET", false, PATH, &good, None), NOW)
                .is_ok()
        );
    }

    #[test]
    fn one_nonce_is_remembered_per_timestamp() {
        // `$used_nonces[ $timestamp ] = $nonce`: a second request with the
        // same timestamp replaces the first nonce, which can then be reused.
        let auth = authenticator();
        let run = |nonce: &str| {
            let query = signed_query(false, &[], CK, CS, "HMAC-SHA1", NOW, nonce);
            auth.authenticate(&request("GET", false, PATH, &query, None), NOW)
        };
        assert!(run("first").is_ok());
        assert!(run("first").is_err());
        assert!(run("second").is_ok());
        assert!(run("first").is_ok(), "forgotten once replaced");
        assert!(run("first").is_err());
    }

    #[test]
    fn nonces_expire_after_the_window() {
        let auth = authenticator();
        let first = signed_query(false, &[], CK, CS, "HMAC-SHA1", NOW, "old-nonce");
        assert!(
            auth.authenticate(&request("GET", false, PATH, &first, None), NOW)
                .is_ok()
        );
        // A later request purges nonces older than the window...
        let later = NOW + OAUTH_WINDOW_SECS + 60;
        let purge = signed_query(false, &[], CK, CS, "HMAC-SHA1", later, "other");
        assert!(
            auth.authenticate(&request("GET", false, PATH, &purge, None), later)
                .is_ok()
        );
        // ...so the old nonce is accepted again with a fresh timestamp.
        let reuse = signed_query(false, &[], CK, CS, "HMAC-SHA1", later, "old-nonce");
        assert!(
            auth.authenticate(&request("GET", false, PATH, &reuse, None), later)
                .is_ok()
        );
    }

    #[test]
    fn concurrent_requests_share_one_nonce_store() {
        let auth = authenticator();
        let same = signed_query(false, &[], CK, CS, "HMAC-SHA1", NOW, "shared");
        let accepted = std::sync::atomic::AtomicUsize::new(0);
        std::thread::scope(|scope| {
            for t in 0..8 {
                let (auth, same, accepted) = (&auth, &same, &accepted);
                scope.spawn(move || {
                    for i in 0..20 {
                        let nonce = format!("t{t}-{i}");
                        // Distinct timestamps: WooCommerce keeps one nonce per timestamp.
                        let ts = NOW - 1 - (t * 20 + i);
                        let own = signed_query(false, &[], CK, CS, "HMAC-SHA256", ts, &nonce);
                        let req = request("GET", false, PATH, &own, None);
                        assert!(auth.authenticate(&req, NOW).is_ok(), "{nonce}");
                    }
                    let req = request("GET", false, PATH, same, None);
                    if auth.authenticate(&req, NOW).is_ok() {
                        accepted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    }
                });
            }
        });
        assert_eq!(
            accepted.into_inner(),
            1,
            "one replayed nonce is accepted once"
        );
    }

    #[test]
    fn missing_oauth_parameters() {
        let auth = authenticator();
        let one = pairs(&[
            ("oauth_consumer_key", CK),
            ("oauth_timestamp", "1700000000"),
            ("oauth_signature", "x"),
            ("oauth_signature_method", "HMAC-SHA1"),
        ]);
        let err = auth
            .authenticate(&request("GET", false, PATH, &one, None), NOW)
            .expect_err("nonce missing");
        assert_eq!(err.code, MISSING_PARAMETER);
        assert_eq!(err.message, "Missing OAuth parameter oauth_nonce");
        assert_eq!(err.status, 401);
        // "0" is empty() in PHP.
        let two = pairs(&[("oauth_consumer_key", CK), ("oauth_nonce", "0")]);
        let err = auth
            .authenticate(&request("GET", false, PATH, &two, None), NOW)
            .expect_err("three missing");
        assert_eq!(
            err.message,
            "Missing OAuth parameters oauth_timestamp, oauth_nonce, oauth_signature, oauth_signature_method"
        );
        // None at all: anonymous.
        let none = pairs(&[("per_page", "1"), ("oauth_version", "1.0")]);
        assert_eq!(
            auth.authenticate(&request("GET", false, PATH, &none, None), NOW),
            Ok(AuthOutcome::Anonymous)
        );
    }

    #[test]
    fn basic_and_query_keys() {
        let auth = authenticator();
        let basic = |ck: &str, cs: &str| {
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{ck}:{cs}"))
            )
        };
        let ok = basic(CK, CS);
        let wrong = basic(CK, "cs_wrong");
        let unknown = basic("ck_nope", CS);
        let none: Vec<(String, String)> = Vec::new();
        let rw = Ok(AuthOutcome::Authenticated {
            key_index: 0,
            permissions: Permissions::ReadWrite,
        });
        // Over plain HTTP Basic is ignored: anonymous, whatever the secret.
        for header in [&ok, &wrong] {
            let req = request("GET", false, PATH, &none, Some(header));
            assert_eq!(auth.authenticate(&req, NOW), Ok(AuthOutcome::Anonymous));
        }
        let q_ok = pairs(&[("consumer_key", CK), ("consumer_secret", CS)]);
        let req = request("GET", false, PATH, &q_ok, None);
        assert_eq!(auth.authenticate(&req, NOW), Ok(AuthOutcome::Anonymous));
        // Over HTTPS.
        let req = request("GET", true, PATH, &none, Some(&ok));
        assert_eq!(auth.authenticate(&req, NOW), rw);
        let req = request("GET", true, PATH, &q_ok, None);
        assert_eq!(auth.authenticate(&req, NOW), rw);
        let req = request("GET", true, PATH, &none, Some(&unknown));
        assert_eq!(auth.authenticate(&req, NOW), Ok(AuthOutcome::Anonymous));
        let req = request("GET", true, PATH, &none, Some(&wrong));
        assert_eq!(
            auth.authenticate(&req, NOW),
            Err(error("Consumer secret is invalid."))
        );
        // Query keys come first: a wrong query secret fails even with good Basic.
        let q_wrong = pairs(&[("consumer_key", CK), ("consumer_secret", "cs_wrong")]);
        let req = request("GET", true, PATH, &q_wrong, Some(&ok));
        assert_eq!(
            auth.authenticate(&req, NOW),
            Err(error("Consumer secret is invalid."))
        );
        // A query key without its secret falls back to Basic.
        let q_half = pairs(&[("consumer_key", CK)]);
        let req = request("GET", true, PATH, &q_half, Some(&ok));
        assert_eq!(auth.authenticate(&req, NOW), rw);
        // Malformed Basic (no colon) gives no credentials.
        let no_colon = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(CK)
        );
        let req = request("GET", true, PATH, &none, Some(&no_colon));
        assert_eq!(auth.authenticate(&req, NOW), Ok(AuthOutcome::Anonymous));
    }

    #[test]
    fn oauth_runs_after_basic_fails_and_basic_errors_stick() {
        let auth = authenticator();
        // Unknown Basic key, then valid OAuth (https base URI): authenticated.
        let signed = signed_query(true, &[], CK, CS, "HMAC-SHA256", NOW, "after-basic");
        let req = request("GET", true, PATH, &signed, None);
        assert!(matches!(
            auth.authenticate(&req, NOW),
            Ok(AuthOutcome::Authenticated { key_index: 0, .. })
        ));
        // Wrong Basic secret, then valid OAuth: the Basic error stays.
        let mut with_bad_keys = signed_query(true, &[], CK, CS, "HMAC-SHA1", NOW, "sticky");
        let mut params = with_bad_keys.clone();
        params.retain(|(k, _)| k != "oauth_signature");
        params.extend(pairs(&[
            ("consumer_key", CK),
            ("consumer_secret", "cs_bad"),
        ]));
        let url = format!("https://127.0.0.1:8080{PATH}");
        let sig = rfc_sign("GET", &url, &params, CS, SignatureMethod::HmacSha1);
        params.push(("oauth_signature".into(), sig));
        with_bad_keys = params;
        let req = request("GET", true, PATH, &with_bad_keys, None);
        assert_eq!(
            auth.authenticate(&req, NOW),
            Err(error("Consumer secret is invalid."))
        );
    }

    #[test]
    fn routes_outside_wc_namespaces_are_not_authenticated() {
        let auth = authenticator();
        let bad = pairs(&[("oauth_consumer_key", "ck_nope")]);
        for path in ["/wp-json/", "/wp-json/wp/v2/posts", "/other"] {
            let req = request("GET", false, path, &bad, None);
            assert_eq!(
                auth.authenticate(&req, NOW),
                Ok(AuthOutcome::Anonymous),
                "{path}"
            );
        }
        for path in [
            "/wp-json/wc/v3/nope",
            "/wp-json/wc-analytics/x",
            "/index.php/wp-json/wc/v3/products",
        ] {
            let req = request("GET", false, path, &bad, None);
            assert!(auth.authenticate(&req, NOW).is_err(), "{path}");
        }
        let routed = pairs(&[
            ("rest_route", "/wc/v3/products"),
            ("oauth_consumer_key", "ck_nope"),
        ]);
        let req = request("GET", false, "/", &routed, None);
        assert!(auth.authenticate(&req, NOW).is_err());
    }

    #[test]
    fn scope_check() {
        let auth = authenticator();
        let outcome = |index: usize| AuthOutcome::Authenticated {
            key_index: index,
            permissions: auth.keys()[index].permissions,
        };
        let (rw, read, write) = (outcome(0), outcome(1), outcome(2));
        for method in ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] {
            assert_eq!(auth.check_scope(&rw, method), Ok(()), "{method}");
            assert_eq!(auth.check_scope(&AuthOutcome::Anonymous, method), Ok(()));
        }
        let no_write = Err(error(
            "The API key provided does not have write permissions.",
        ));
        let no_read = Err(error(
            "The API key provided does not have read permissions.",
        ));
        for method in ["POST", "PUT", "PATCH", "DELETE", "put"] {
            assert_eq!(auth.check_scope(&read, method), no_write, "{method}");
            assert_eq!(auth.check_scope(&write, method), Ok(()), "{method}");
        }
        for method in ["GET", "HEAD"] {
            assert_eq!(auth.check_scope(&write, method), no_read, "{method}");
            assert_eq!(auth.check_scope(&read, method), Ok(()), "{method}");
        }
        assert_eq!(auth.check_scope(&read, "OPTIONS"), Ok(()));
        assert_eq!(auth.check_scope(&write, "OPTIONS"), Ok(()));
        assert_eq!(
            auth.check_scope(&rw, "PROPFIND"),
            Err(error("Unknown request method."))
        );
    }

    #[test]
    fn php_comparisons_and_encodings() {
        assert!(php_lt("100", 200));
        assert!(php_gt(" 300 ", 200));
        assert!(php_lt("1e2", 200));
        // Non-numeric: compared as strings with the number's digits.
        assert!(php_gt("abc", 1_700_000_900));
        assert!(!php_lt("abc", 1_699_999_100));
        assert!(php_lt("12abc", 1_699_999_100));
        assert_eq!(rawurlencode("a b+~*'"), "a%20b%2B~%2A%27");
        assert_eq!(urldecode("a+b%2B"), "a b+");
        assert_eq!(rawurldecode("a+b%2B"), "a+b+");
        assert_eq!(sanitize_text_field("  ck_1\t\n%41 "), "ck_1");
        assert_eq!(addslashes("a'b\"c\\"), "a\\'b\\\"c\\\\");
    }

    #[test]
    fn debug_output_hides_credentials() {
        let debug = format!("{:?}", authenticator().keys()[0]);
        assert!(!debug.contains(CK) && !debug.contains(CS), "{debug}");
        assert!(debug.contains("ReadWrite"));
        let query = pairs(&[("consumer_key", CK), ("consumer_secret", CS)]);
        let header = format!("Basic {CS}");
        let debug = format!("{:?}", request("GET", true, PATH, &query, Some(&header)));
        assert!(!debug.contains(CK) && !debug.contains(CS), "{debug}");
        assert!(
            debug.contains("consumer_secret") && debug.contains(PATH),
            "{debug}"
        );
    }
}
