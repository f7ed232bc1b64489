//! WooCommerce's REST authentication, as `class-wc-rest-authentication.php`
//! does it: Basic or query-string keys over HTTPS, one-legged OAuth 1.0a over
//! plain HTTP, and the read/write scope check that runs before routing.
//!
//! (Interface fixed by the lead; the implementation is being written.)

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
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    /// `ck_…`
    pub consumer_key: String,
    /// `cs_…`
    pub consumer_secret: String,
    /// Its scope.
    pub permissions: Permissions,
}

/// The parts of an HTTP request authentication looks at.
#[derive(Debug, Clone)]
pub struct AuthRequest<'a> {
    /// Upper-case method (`GET`).
    pub method: &'a str,
    /// True when the request came over TLS (`is_ssl()`).
    pub https: bool,
    /// The `Host` header (`127.0.0.1:8080`): the home URL's authority.
    pub host: &'a str,
    /// The request path, e.g. `/wp-json/wc/v3/products`.
    pub path: &'a str,
    /// Decoded query parameters, in order.
    pub query: &'a [(String, String)],
    /// Decoded form-body parameters (only for `application/x-www-form-urlencoded`).
    pub form: &'a [(String, String)],
    /// The `Authorization` header, if any.
    pub authorization: Option<&'a str>,
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
