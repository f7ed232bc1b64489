//! A self-signed certificate for serving the emulator over HTTPS (`--tls`),
//! so clients can exercise WooCommerce's HTTPS-only auth paths (Basic and
//! query-string keys).
//!
//! The certificate is its own trust anchor: a client trusts it by adding the
//! very same PEM as a root (`reqwest::Certificate::from_pem` +
//! `add_root_certificate`, `curl --cacert`). It is deliberately *not* marked
//! as a CA (`basicConstraints cA=true`): rustls/webpki refuse a CA
//! certificate presented as the server's own, while a self-signed end-entity
//! certificate listed as a root verifies.

use std::fmt;

/// A certificate and its private key, both PEM.
#[derive(Clone)]
pub struct TlsMaterial {
    /// The certificate (`-----BEGIN CERTIFICATE-----`): serve it, and give it
    /// to clients as their CA (`--ca-out`).
    pub cert_pem: String,
    /// The PKCS#8 private key (`-----BEGIN PRIVATE KEY-----`).
    pub key_pem: String,
}

impl fmt::Debug for TlsMaterial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsMaterial")
            .field("cert_pem", &self.cert_pem)
            .field("key_pem", &"<redacted>")
            .finish()
    }
}

/// Why a certificate could not be made.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// No host was given, so the certificate would match nothing.
    #[error("a TLS certificate needs at least one host name or IP address")]
    NoHosts,
    /// A host is neither an IP address nor a valid DNS name.
    #[error("`{host}` is neither an IP address nor a valid DNS name: {source}")]
    InvalidHost {
        /// The offending host.
        host: String,
        /// rcgen's reason.
        #[source]
        source: rcgen::Error,
    },
    /// Key generation or signing failed.
    #[error("cannot generate the self-signed certificate: {0}")]
    Generate(#[source] rcgen::Error),
}

/// A fresh self-signed certificate whose subject alternative names are
/// `hosts` (IP addresses such as `127.0.0.1` become IP SANs, anything else a
/// DNS SAN, e.g. `localhost`), with a new ECDSA P-256 key.
pub fn self_signed(hosts: &[String]) -> Result<TlsMaterial, TlsError> {
    if hosts.is_empty() {
        return Err(TlsError::NoHosts);
    }
    for host in hosts {
        rcgen::CertificateParams::new(vec![host.clone()]).map_err(|source| {
            TlsError::InvalidHost {
                host: host.clone(),
                source,
            }
        })?;
    }
    let mut params = rcgen::CertificateParams::new(hosts.to_vec()).map_err(TlsError::Generate)?;
    let mut name = rcgen::DistinguishedName::new();
    name.push(rcgen::DnType::CommonName, "skusync-emulator");
    name.push(rcgen::DnType::OrganizationName, "skusync test store");
    params.distinguished_name = name;
    params.key_usages = vec![
        rcgen::KeyUsagePurpose::DigitalSignature,
        rcgen::KeyUsagePurpose::KeyEncipherment,
    ];
    params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
    let key = rcgen::KeyPair::generate().map_err(TlsError::Generate)?;
    let cert = params.self_signed(&key).map_err(TlsError::Generate)?;
    Ok(TlsMaterial {
        cert_pem: cert.pem(),
        key_pem: key.serialize_pem(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_shapes_and_redacted_debug() {
        let material =
            self_signed(&["127.0.0.1".to_owned(), "localhost".to_owned()]).expect("generates");
        assert!(material.cert_pem.starts_with("-----BEGIN CERTIFICATE-----"));
        assert!(material.key_pem.starts_with("-----BEGIN PRIVATE KEY-----"));
        let debug = format!("{material:?}");
        assert!(!debug.contains("PRIVATE KEY"), "{debug}");
        // Two calls give two keys.
        let other = self_signed(&["localhost".to_owned()]).expect("generates");
        assert_ne!(material.key_pem, other.key_pem);
    }

    #[test]
    fn bad_hosts_are_errors() {
        assert!(matches!(self_signed(&[]), Err(TlsError::NoHosts)));
        let err = self_signed(&["localhost".to_owned(), "bad-höst".to_owned()])
            .expect_err("a DNS name is ASCII");
        assert!(matches!(err, TlsError::InvalidHost { ref host, .. } if host.starts_with("bad")));
    }

    /// Serves the certificate with axum-server and fetches over HTTPS with a
    /// client that trusts only this certificate (and checks the host name).
    #[tokio::test]
    async fn a_client_trusting_the_cert_connects() {
        let material =
            self_signed(&["127.0.0.1".to_owned(), "localhost".to_owned()]).expect("generates");
        let config = axum_server::tls_rustls::RustlsConfig::from_pem(
            material.cert_pem.clone().into_bytes(),
            material.key_pem.clone().into_bytes(),
        )
        .await
        .expect("rustls accepts the material");
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("binds");
        listener.set_nonblocking(true).expect("non-blocking");
        let addr = listener.local_addr().expect("has an address");
        let app = axum::Router::new().route("/", axum::routing::get(|| async { "hello" }));
        let server = axum_server::from_tcp_rustls(listener, config)
            .expect("a TLS server on the listener")
            .serve(app.into_make_service());
        let handle = tokio::spawn(server);

        let root = reqwest::Certificate::from_pem(material.cert_pem.as_bytes()).expect("pem");
        let client = reqwest::Client::builder()
            .tls_certs_only([root])
            .build()
            .expect("client");
        for host in ["127.0.0.1", "localhost"] {
            let url = format!("https://{host}:{}/", addr.port());
            let body = client
                .get(&url)
                .send()
                .await
                .expect("TLS handshake succeeds")
                .text()
                .await
                .expect("body");
            assert_eq!(body, "hello", "{url}");
        }
        // A client with only another certificate refuses the connection.
        let other = self_signed(&["127.0.0.1".to_owned()]).expect("generates");
        let stranger = reqwest::Client::builder()
            .tls_certs_only([
                reqwest::Certificate::from_pem(other.cert_pem.as_bytes()).expect("pem")
            ])
            .build()
            .expect("client");
        let url = format!("https://127.0.0.1:{}/", addr.port());
        assert!(stranger.get(&url).send().await.is_err());
        handle.abort();
    }
}
