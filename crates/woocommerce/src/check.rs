//! The connection check behind `skusync check`: one cheap authenticated
//! read (`GET /products?per_page=1&_fields=id`), plus a write-permission
//! probe only when asked (`POST /products/batch` with an empty body: it
//! needs write permission and changes nothing). Each way a connection fails
//! gets its own [`DiagnosisKind`], naming the likely cause and the fix.

use crate::WooCommerce;
use crate::client::{AuthUsed, Failure, Req, Resp};
use crate::url::Scheme;
use std::fmt;

/// Whether the check also proves that the key may write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteProbe {
    /// Read only (enough for `plan`).
    Skip,
    /// Also send an empty batch, which needs write permission.
    Probe,
}

/// What the check found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiagnosisKind {
    /// The store answered as it should.
    Ok,
    /// The configuration cannot work (URL, CA file).
    Config,
    /// 401 `woocommerce_rest_authentication_error`: the key exists but the
    /// secret does not match.
    WrongSecret,
    /// The key is not known to the store (answered as anonymous over
    /// HTTPS, "Consumer key is invalid" over OAuth).
    UnknownKey,
    /// The key may read but not write, and writes are needed.
    ReadOnlyKey,
    /// The key's WordPress user lacks the rights (403 `woocommerce_rest_cannot_*`).
    MissingCapability,
    /// 403 from something other than WooCommerce: a security plugin or firewall.
    Firewall,
    /// 404 `rest_no_route`: WooCommerce's REST API is not there.
    NoRoute,
    /// HTML instead of JSON: permalinks set to Plain, or `/wp-json/` blocked.
    NotJson,
    /// HTTP Basic or query-string keys sent over plain HTTP (ignored there).
    BasicOverHttp,
    /// The TLS handshake failed (certificate not trusted, expired, wrong host).
    Tls,
    /// The host name does not resolve.
    Dns,
    /// Nothing answers on the address and port.
    ConnectionRefused,
    /// The connection failed or broke for another reason.
    ConnectionFailed,
    /// The store is hosted on WordPress.com.
    WordPressCom,
    /// No answer in time.
    Timeout,
    /// The address redirects elsewhere.
    Redirect,
    /// The store's clock and this machine's differ (OAuth timestamps).
    ClockSkew,
    /// The host answered 429.
    RateLimited,
    /// A 5xx or a broken answer from the host.
    HostError,
    /// Anything else (the summary says what).
    Unexpected,
}

/// The result of [`WooCommerce::check`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnosis {
    /// What was found.
    pub kind: DiagnosisKind,
    /// One line: what happened (status, code).
    pub summary: String,
    /// The likely cause.
    pub cause: String,
    /// What to do.
    pub fix: String,
    /// The authentication that was used last.
    pub auth: Option<AuthUsed>,
    /// Products in the store (`X-WP-Total`), when the read worked.
    pub products: Option<u64>,
    /// Whether the key was proved able to write.
    pub write_checked: bool,
    /// Warnings that do not stop the connection (plain http).
    pub warnings: Vec<String>,
}

impl Diagnosis {
    /// True when the connection works as asked.
    pub fn is_ok(&self) -> bool {
        self.kind == DiagnosisKind::Ok
    }

    fn new(kind: DiagnosisKind, summary: String, cause: &str, fix: &str) -> Diagnosis {
        Diagnosis {
            kind,
            summary,
            cause: cause.to_string(),
            fix: fix.to_string(),
            auth: None,
            products: None,
            write_checked: false,
            warnings: Vec::new(),
        }
    }
}

impl fmt::Display for Diagnosis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", self.summary)?;
        if !self.is_ok() {
            writeln!(f, "  likely cause: {}", self.cause)?;
            writeln!(f, "  fix: {}", self.fix)?;
        }
        for w in &self.warnings {
            writeln!(f, "  warning: {w}")?;
        }
        Ok(())
    }
}

fn status_line(resp: &Resp) -> String {
    match (resp.wc_error(), resp.host_page()) {
        (_, Some(page)) => format!("HTTP {} with a web page (\"{page}\")", resp.status),
        (Some(e), None) => format!("HTTP {} {}: {}", resp.status, e.code, e.message),
        (None, None) => format!("HTTP {}", resp.status),
    }
}

impl WooCommerce {
    /// Checks the connection: one read, and a write probe when asked.
    /// Never fails: every outcome is a [`Diagnosis`].
    pub async fn check(&self, probe: WriteProbe) -> Diagnosis {
        let name = self.name().to_string();
        let client = &self.client;
        let read = Req::get(
            "/products",
            &[("per_page", "1".to_string()), ("_fields", "id".to_string())],
        );
        let mut d = match client.send_with(&read, 1).await {
            Err(f) => self.failure(&f),
            Ok(resp) if resp.ok() && resp.host_page().is_none() => {
                let mut ok = Diagnosis::new(
                    DiagnosisKind::Ok,
                    format!(
                        "{name}: connected to {} with {}; {} products",
                        client.url(),
                        resp.auth.as_str(),
                        resp.total.map_or("?".into(), |t| t.to_string())
                    ),
                    "",
                    "",
                );
                ok.products = resp.total;
                ok
            }
            Ok(resp) => self.answer(&resp, false),
        };
        if d.is_ok() && probe == WriteProbe::Probe {
            let write = Req::post("/products/batch", b"{}".to_vec());
            match client.send_with(&write, 1).await {
                Ok(resp) if resp.ok() && resp.host_page().is_none() => {
                    d.write_checked = true;
                    d.summary.push_str("; the key may write");
                }
                Ok(resp) => {
                    let products = d.products;
                    d = self.answer(&resp, true);
                    d.products = products;
                }
                Err(f) => d = self.failure(&f),
            }
        }
        d.auth = Some(client.auth());
        d.warnings = self.warnings();
        if client.url().is_wordpress_com() && !d.is_ok() {
            let summary = d.summary.clone();
            d = wordpress_com(&name, &summary);
            d.auth = Some(client.auth());
        }
        d
    }

    fn failure(&self, f: &Failure) -> Diagnosis {
        let name = self.name();
        let url = self.client.url();
        let host = url.host().to_string();
        use DiagnosisKind::*;
        match f {
            Failure::Dns(detail) => Diagnosis::new(
                Dns,
                format!("{name}: the host name `{host}` does not resolve ({detail})"),
                "the url is misspelled, or the domain's DNS is not set up",
                "check the url in rules.yaml against the address the store opens at in a browser",
            ),
            Failure::Refused(detail) => Diagnosis::new(
                ConnectionRefused,
                format!("{name}: `{url}` refused the connection ({detail})"),
                "nothing listens on that address and port: the web server is down, or the port is wrong",
                "open the store in a browser; check the port in the url (https uses 443, http 80)",
            ),
            Failure::Tls(detail) => Diagnosis::new(
                Tls,
                format!("{name}: the TLS handshake with `{host}` failed ({detail})"),
                "the store's certificate is not trusted (self-signed, expired, or issued for another host name)",
                "renew or fix the certificate; for a staging store with its own CA, give that CA as `ca_cert: ./ca.pem`",
            ),
            Failure::Connect(detail) => Diagnosis::new(
                ConnectionFailed,
                format!("{name}: cannot connect to `{url}` ({detail})"),
                "the network path to the store is blocked or the host is unreachable",
                "check that this machine can open the store in a browser or with curl; check firewalls and proxies",
            ),
            Failure::Timeout => Diagnosis::new(
                Timeout,
                format!(
                    "{name}: no answer from `{url}` within {}s",
                    self.client.timeout().as_secs()
                ),
                "the store is overloaded or very slow, or a firewall silently drops the connection",
                "open the store in a browser; if it is only slow, raise `timeout:` (e.g. 60s) and lower `rate_limit:`",
            ),
            Failure::Dropped(detail) => Diagnosis::new(
                HostError,
                format!("{name}: the connection to `{url}` broke before an answer ({detail})"),
                "the web server or a proxy in front of it closed the connection (crash, limits, firewall)",
                "look at the web server's error log; try again later",
            ),
        }
    }

    fn answer(&self, resp: &Resp, writing: bool) -> Diagnosis {
        let name = self.name();
        let url = self.client.url();
        let line = format!("{name}: {}", status_line(resp));
        let error = resp.wc_error();
        let code = error.as_ref().map(|e| e.code.as_str()).unwrap_or("");
        let message = error
            .as_ref()
            .map(|e| e.message.to_ascii_lowercase())
            .unwrap_or_default();
        let page = resp.host_page();
        use DiagnosisKind::*;
        if resp.wordpress_com && !resp.ok() {
            return wordpress_com(name, &line);
        }
        match resp.status {
            200..=299 => Diagnosis::new(
                NotJson,
                line,
                "WordPress answered with a web page instead of the REST API: permalinks are set to Plain, or a plugin or the host serves /wp-json/ as a page",
                "in WordPress go to Settings > Permalinks and choose any setting except Plain (e.g. Post name), then Save; if it still fails, ask the host to allow /wp-json/",
            ),
            300..=399 => Diagnosis::new(
                Redirect,
                format!(
                    "{line}; redirected to {}",
                    resp.location.as_deref().unwrap_or("(no location)")
                ),
                "the url is not the store's canonical address (http vs https, www vs no www)",
                "set url in rules.yaml to the address the store redirects to (scheme and host only)",
            ),
            401 if code == "woocommerce_rest_authentication_error" => {
                if message.contains("write permission") {
                    Diagnosis::new(
                        ReadOnlyKey,
                        line,
                        "the API key has Read permission only; `run` and `apply` need to write",
                        "in WooCommerce > Settings > Advanced > REST API, edit the key and set Permissions to Read/Write (or create a new Read/Write key); `plan` works with a read-only key",
                    )
                } else if message.contains("consumer key is invalid") {
                    unknown_key(name, &line)
                } else if message.contains("timestamp") || message.contains("nonce") {
                    Diagnosis::new(
                        ClockSkew,
                        line,
                        "OAuth signatures are valid for 15 minutes: this machine's clock and the store's differ",
                        "synchronise this machine's clock (NTP); or use https, where keys are sent without timestamps",
                    )
                } else {
                    Diagnosis::new(
                        WrongSecret,
                        line,
                        "the consumer key exists but the consumer secret does not match it",
                        "copy the consumer secret again (it is shown once, when the key is created) into the environment variable; or create a new key",
                    )
                }
            }
            401 if code.starts_with("woocommerce_rest_cannot_") => {
                if url.scheme() == Scheme::Http && resp.auth != AuthUsed::OAuth1 {
                    Diagnosis::new(
                        BasicOverHttp,
                        line,
                        "over plain http WooCommerce ignores HTTP Basic and query-string keys, so the request ran as an anonymous visitor",
                        "use https:// in the url, or set `auth: oauth1` (or `auth: auto`) for a plain-http store",
                    )
                } else {
                    unknown_key(name, &line)
                }
            }
            403 if code.starts_with("woocommerce_rest_cannot_") => Diagnosis::new(
                MissingCapability,
                line,
                if writing {
                    "the key belongs to a WordPress user who may not edit products"
                } else {
                    "the key belongs to a WordPress user who may not see products"
                },
                "create the key for an Administrator or Shop manager user (WooCommerce > Settings > Advanced > REST API)",
            ),
            403 => Diagnosis::new(
                Firewall,
                line,
                "a security plugin (Wordfence, Solid Security, …), mod_security or a CDN firewall (Cloudflare) blocked the API request before WooCommerce saw it",
                "allow requests to /wp-json/wc/ from this machine's IP address in the security plugin or firewall, or ask the host to",
            ),
            404 if code == "rest_no_route" => Diagnosis::new(
                NoRoute,
                line,
                "the WordPress REST API answers but has no WooCommerce v3 routes: WooCommerce is not active, is very old, or a plugin disables its REST API; or wp_subfolder is wrong",
                "check that WooCommerce is installed and active (Plugins) and up to date; check the url and wp_subfolder",
            ),
            404 if page.is_some() => Diagnosis::new(
                NotJson,
                line,
                "/wp-json/ is not served by WordPress's REST API: permalinks are set to Plain, the host blocks /wp-json/, or the url (or wp_subfolder) points to the wrong place",
                "in WordPress go to Settings > Permalinks and choose any setting except Plain (e.g. Post name), then Save; check url and wp_subfolder; ask the host to allow /wp-json/",
            ),
            429 => Diagnosis::new(
                RateLimited,
                line,
                "the host or a firewall limits how fast this machine may send requests",
                "lower `rate_limit:` (e.g. { per_second: 1, burst: 1 }); ask the host to allow this machine's IP",
            ),
            500..=599 => Diagnosis::new(
                HostError,
                line,
                "the store or its host failed (PHP error, overload, maintenance, proxy error)",
                "look at the store's PHP error log and the host's status; try again later",
            ),
            _ if page.is_some() => Diagnosis::new(
                NotJson,
                line,
                "something other than WooCommerce answered with a web page",
                "check the url; open it followed by /wp-json/wc/v3 in a browser",
            ),
            _ => Diagnosis::new(
                Unexpected,
                line,
                "an answer skusync does not know how to explain",
                "check the url and keys; run with RUST_LOG=skusync=debug for details",
            ),
        }
    }
}

fn unknown_key(name: &str, line: &str) -> Diagnosis {
    let _ = name;
    Diagnosis::new(
        DiagnosisKind::UnknownKey,
        line.to_string(),
        "the store does not know this consumer key (revoked, from another store, or mistyped); over https it can also mean the server does not see the request as https (a TLS-terminating proxy), so it ignores the keys",
        "create a key in WooCommerce > Settings > Advanced > REST API and put it in the environment variables; if the key is right and a proxy terminates TLS, set `auth: oauth1`",
    )
}

fn wordpress_com(name: &str, line: &str) -> Diagnosis {
    let _ = name;
    Diagnosis::new(
        DiagnosisKind::WordPressCom,
        line.to_string(),
        "the store is hosted on WordPress.com, whose plans without plugin support do not offer WooCommerce REST API keys (and its own API uses different authentication)",
        "use a WordPress.com plan with plugins (Business/Commerce) and the store's own domain with a WooCommerce key, or a self-hosted WooCommerce",
    )
}
