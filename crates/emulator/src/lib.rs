//! A faithful, stateful emulator of the WooCommerce REST API v3.
//!
//! Shares no code with the WooCommerce adapter: its behaviour comes from
//! `woocommerce-api.md` and the captured samples, so a misunderstanding in
//! the adapter cannot be mirrored here.
//!
//! # Use from tests
//! ```no_run
//! # async fn demo() -> Result<(), skusync_emulator::EmulatorError> {
//! use skusync_emulator::{Emulator, EmulatorOptions, Seed};
//! let emu = Emulator::start(EmulatorOptions {
//!     seed: Seed::Json(skusync_emulator::seed::generate(250, 10)),
//!     ..EmulatorOptions::default()
//! })
//! .await?;
//! // talk HTTP to emu.url() with emu.consumer_key()/emu.consumer_secret()
//! emu.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! # Layout
//! - `item`: one product/variation and its JSON shapes; `store`: the
//!   catalog and its indexes; `params`: WordPress argument validation.
//! - `server`: dispatch and the `wc/v3` endpoints; `admin`: `/__emulator/*`.
//! - [`faults`]: fault rules; [`seed`]: seed files and the generator.
//! - [`auth`]: WooCommerce's authentication; [`tls`]: the self-signed certificate.
#![warn(missing_docs)]

mod admin;
pub mod auth;
pub mod faults;
mod item;
mod params;
pub mod seed;
mod server;
mod store;
pub mod tls;

use crate::auth::{ApiKey, Authenticator, Permissions};
use crate::faults::{FaultSpecError, Faults, parse_spec};
use crate::seed::SeedError;
use crate::server::{App, Clock, lock};
use axum::Router;
use axum_server::accept::Accept;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::future::{Ready, ready};
use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

/// Where the initial catalog comes from.
#[derive(Debug, Clone, Default)]
pub enum Seed {
    /// An empty store.
    #[default]
    None,
    /// A seed file (`{"products": [...], "keys": [...]}`).
    File(PathBuf),
    /// A seed document.
    Json(Value),
}

/// Whether the emulator serves plain HTTP or HTTPS.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Tls {
    /// Plain HTTP: only OAuth 1.0a authenticates, as on a real store.
    #[default]
    Off,
    /// HTTPS with a freshly generated self-signed certificate: Basic auth and
    /// query-string keys work.
    SelfSigned,
}

/// How to start an emulator.
#[derive(Debug, Clone)]
pub struct EmulatorOptions {
    /// Address to listen on; port 0 picks a free one.
    pub listen: SocketAddr,
    /// The initial catalog and keys.
    pub seed: Seed,
    /// HTTP or HTTPS.
    pub tls: Tls,
    /// Where to write the CA (self-signed certificate) PEM, with TLS.
    pub ca_out: Option<PathBuf>,
    /// Latency added to every API request, in milliseconds.
    pub latency_ms: u64,
    /// A fault SPEC (see [`faults`]) active from the start.
    pub faults: Option<String>,
    /// The site timezone, seconds east of UTC (`date_modified` is rendered in
    /// it; `dates_are_gmt=false` filters compare in it).
    pub timezone_offset_secs: i32,
}

impl Default for EmulatorOptions {
    fn default() -> Self {
        EmulatorOptions {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            seed: Seed::None,
            tls: Tls::Off,
            ca_out: None,
            latency_ms: 0,
            faults: None,
            timezone_offset_secs: 0,
        }
    }
}

/// Why an emulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum EmulatorError {
    /// Binding the listener failed.
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        /// The address.
        addr: SocketAddr,
        /// The cause.
        source: io::Error,
    },
    /// The seed file could not be read or parsed.
    #[error("cannot read seed file {path}: {message}")]
    SeedFile {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// The seed document is invalid.
    #[error(transparent)]
    Seed(#[from] SeedError),
    /// The fault spec is invalid.
    #[error(transparent)]
    Faults(#[from] FaultSpecError),
    /// The TLS set-up failed.
    #[error("TLS set-up failed: {0}")]
    Tls(String),
    /// Writing the CA file failed.
    #[error("cannot write CA certificate to {path}: {source}")]
    CaOut {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: io::Error,
    },
}

/// A running emulator. Dropping it without [`Emulator::shutdown`] stops the
/// server too (its task is aborted).
pub struct Emulator {
    url: String,
    addr: SocketAddr,
    keys: Vec<ApiKey>,
    ca_cert_pem: Option<String>,
    ca_path: Option<PathBuf>,
    seed_warnings: Vec<String>,
    handle: axum_server::Handle<SocketAddr>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl std::fmt::Debug for Emulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Emulator")
            .field("url", &self.url)
            .field("keys", &self.keys.len())
            .finish_non_exhaustive()
    }
}

/// Parses a timezone offset such as `+02:00`, `-0530`, `Z` or `UTC` into
/// seconds east of UTC.
pub fn parse_timezone(s: &str) -> Option<i32> {
    let s = s.trim();
    if s.eq_ignore_ascii_case("utc") || s == "Z" {
        return Some(0);
    }
    let (sign, rest) = match s.as_bytes().first()? {
        b'+' => (1, &s[1..]),
        b'-' => (-1, &s[1..]),
        _ => return None,
    };
    let (h, m) = match rest.split_once(':') {
        Some((h, m)) => (h, m),
        None if rest.len() == 4 => rest.split_at(2),
        None => (rest, "0"),
    };
    let h: i32 = h.parse().ok()?;
    let m: i32 = m.parse().ok()?;
    if h > 14 || m > 59 {
        return None;
    }
    Some(sign * (h * 3600 + m * 60))
}

/// A TCP stream whose connection can be killed from a handler: once the
/// flag is set, reads see EOF and writes fail, so hyper drops the
/// connection without sending a response.
struct KillStream {
    inner: TcpStream,
    flag: Arc<AtomicBool>,
    peer: Option<SocketAddr>,
    conns: Arc<Mutex<HashMap<SocketAddr, Arc<AtomicBool>>>>,
}

impl Drop for KillStream {
    fn drop(&mut self) {
        if let Some(p) = self.peer {
            lock(&self.conns).remove(&p);
        }
    }
}

fn killed() -> io::Error {
    io::Error::new(
        io::ErrorKind::ConnectionReset,
        "connection dropped by fault injection",
    )
}

impl AsyncRead for KillStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.flag.load(Ordering::SeqCst) {
            return Poll::Ready(Err(killed()));
        }
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for KillStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if self.flag.load(Ordering::SeqCst) {
            return Poll::Ready(Err(killed()));
        }
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        if self.flag.load(Ordering::SeqCst) {
            return Poll::Ready(Err(killed()));
        }
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.flag.load(Ordering::SeqCst) {
            return Poll::Ready(Err(killed()));
        }
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Registers every accepted connection so a handler can kill it.
#[derive(Clone)]
struct KillAcceptor {
    conns: Arc<Mutex<HashMap<SocketAddr, Arc<AtomicBool>>>>,
}

impl<S> Accept<TcpStream, S> for KillAcceptor {
    type Stream = KillStream;
    type Service = S;
    type Future = Ready<io::Result<(KillStream, S)>>;

    fn accept(&self, stream: TcpStream, service: S) -> Self::Future {
        let flag = Arc::new(AtomicBool::new(false));
        let peer = stream.peer_addr().ok();
        if let Some(p) = peer {
            lock(&self.conns).insert(p, flag.clone());
        }
        ready(Ok((
            KillStream {
                inner: stream,
                flag,
                peer,
                conns: self.conns.clone(),
            },
            service,
        )))
    }
}

impl Emulator {
    /// Loads the seed, binds the listener and starts serving in the
    /// background (on the current tokio runtime).
    pub async fn start(options: EmulatorOptions) -> Result<Emulator, EmulatorError> {
        let seed_doc = match &options.seed {
            Seed::None => json!({"products": []}),
            Seed::Json(v) => v.clone(),
            Seed::File(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| EmulatorError::SeedFile {
                    path: path.clone(),
                    message: e.to_string(),
                })?;
                serde_json::from_str(&text).map_err(|e| EmulatorError::SeedFile {
                    path: path.clone(),
                    message: format!("line {} column {}: {e}", e.line(), e.column()),
                })?
            }
        };
        let mut clock = Clock::default();
        let now = clock.now();
        let loaded = seed::load(&seed_doc, now, options.timezone_offset_secs)?;
        let seed_warnings = loaded.warnings;
        let keys = if loaded.keys.is_empty() {
            vec![seed::random_key(Permissions::ReadWrite)]
        } else {
            loaded.keys
        };
        let mut faults = Faults::default();
        if let Some(spec) = &options.faults {
            let (rules, s) = parse_spec(spec)?;
            faults.set(rules, s, false);
        }

        let listener = std::net::TcpListener::bind(options.listen).map_err(|source| {
            EmulatorError::Listen {
                addr: options.listen,
                source,
            }
        })?;
        let listen_err = |source| EmulatorError::Listen {
            addr: options.listen,
            source,
        };
        listener.set_nonblocking(true).map_err(listen_err)?;
        let addr = listener.local_addr().map_err(listen_err)?;
        let https = options.tls == Tls::SelfSigned;
        let url = format!("{}://{addr}", if https { "https" } else { "http" });

        let conns = Arc::new(Mutex::new(HashMap::new()));
        let app = Arc::new(App {
            store: RwLock::new(loaded.store),
            seed: seed_doc,
            auth: Authenticator::new(keys.clone()),
            faults: Mutex::new(faults),
            counter: Mutex::new(BTreeMap::new()),
            clock: Mutex::new(clock),
            site_url: OnceLock::new(),
            https,
            latency_ms: options.latency_ms,
            offset: options.timezone_offset_secs,
            conns: conns.clone(),
        });
        let _ = app.site_url.set(url.clone());
        let router = Router::new()
            .fallback(server::handle)
            .with_state(app.clone());
        let make = router.into_make_service_with_connect_info::<SocketAddr>();
        let handle = axum_server::Handle::new();
        let acceptor = KillAcceptor { conns };

        let mut ca_cert_pem = None;
        let server = axum_server::from_tcp(listener).map_err(listen_err)?;
        let task = if https {
            let hosts = vec![addr.ip().to_string(), "localhost".to_string()];
            let material = tls_material(&hosts)?;
            let config = axum_server::tls_rustls::RustlsConfig::from_pem(
                material.0.clone().into_bytes(),
                material.1.into_bytes(),
            )
            .await
            .map_err(|e| EmulatorError::Tls(e.to_string()))?;
            ca_cert_pem = Some(material.0);
            let acceptor = axum_server::tls_rustls::RustlsAcceptor::new(config).acceptor(acceptor);
            let server = server.acceptor(acceptor).handle(handle.clone());
            tokio::spawn(async move {
                if let Err(e) = server.serve(make).await {
                    tracing::error!(error = %e, "emulator server stopped");
                }
            })
        } else {
            let server = server.acceptor(acceptor).handle(handle.clone());
            tokio::spawn(async move {
                if let Err(e) = server.serve(make).await {
                    tracing::error!(error = %e, "emulator server stopped");
                }
            })
        };
        if let (Some(path), Some(pem)) = (&options.ca_out, &ca_cert_pem) {
            std::fs::write(path, pem).map_err(|source| EmulatorError::CaOut {
                path: path.clone(),
                source,
            })?;
        }
        tracing::info!(url = %url, products = app_len(&app), "emulator listening");
        Ok(Emulator {
            url,
            addr,
            keys,
            ca_cert_pem,
            ca_path: options.ca_out.clone(),
            seed_warnings,
            handle,
            task: Some(task),
        })
    }

    /// What the seed said that the store does not keep (e.g. a
    /// `stock_quantity` next to `"manage_stock": false`), one sentence each
    /// naming the item; the binary prints them on stderr.
    pub fn seed_warnings(&self) -> &[String] {
        &self.seed_warnings
    }

    /// The base URL (`http://127.0.0.1:PORT`, no trailing slash).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The consumer key printed on the ready line (the first `read_write`
    /// key, else the first key).
    pub fn consumer_key(&self) -> &str {
        &self.primary_key().consumer_key
    }

    /// The matching consumer secret.
    pub fn consumer_secret(&self) -> &str {
        &self.primary_key().consumer_secret
    }

    /// Every key the emulator accepts.
    pub fn keys(&self) -> &[ApiKey] {
        &self.keys
    }

    /// The self-signed certificate (PEM) when serving HTTPS: add it as a
    /// trusted root in the client.
    pub fn ca_cert_pem(&self) -> Option<&str> {
        self.ca_cert_pem.as_deref()
    }

    /// The ready line of the binary's contract:
    /// `{"url": …, "consumer_key": …, "consumer_secret": …[, "ca_cert": path]}`.
    pub fn ready_line(&self) -> String {
        // Formatted like the contract's example: `{"url": "…", …}`.
        let mut fields = vec![
            ("url", json!(self.url)),
            ("consumer_key", json!(self.consumer_key())),
            ("consumer_secret", json!(self.consumer_secret())),
        ];
        if let (Some(path), Some(_)) = (&self.ca_path, &self.ca_cert_pem) {
            fields.push(("ca_cert", json!(path.display().to_string())));
        }
        let parts: Vec<String> = fields
            .iter()
            .map(|(k, v)| format!("\"{k}\": {v}"))
            .collect();
        format!("{{{}}}", parts.join(", "))
    }

    fn primary_key(&self) -> &ApiKey {
        self.keys
            .iter()
            .find(|k| k.permissions == Permissions::ReadWrite)
            .or_else(|| self.keys.first())
            .unwrap_or_else(|| unreachable_key())
    }

    /// Stops serving and waits for the server task to end.
    pub async fn shutdown(mut self) {
        self.handle.shutdown();
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

/// `start` always holds at least one key; this only satisfies the types.
fn unreachable_key() -> &'static ApiKey {
    static EMPTY: OnceLock<ApiKey> = OnceLock::new();
    EMPTY.get_or_init(|| ApiKey {
        consumer_key: String::new(),
        consumer_secret: String::new(),
        permissions: Permissions::Read,
    })
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.handle.shutdown();
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

fn app_len(app: &App) -> usize {
    server::read(&app.store).len()
}

/// The certificate and key PEMs for `hosts`.
fn tls_material(hosts: &[String]) -> Result<(String, String), EmulatorError> {
    let m = tls::self_signed(hosts).map_err(|e| EmulatorError::Tls(e.to_string()))?;
    Ok((m.cert_pem, m.key_pem))
}
