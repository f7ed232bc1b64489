//! Store URLs as store owners type them, normalised to the one address the
//! REST API lives under.
//!
//! Accepted: `https://shop.example.com`, with or without a trailing slash,
//! with a port. `http://` works but is warned about. Any sub-path
//! (`/wp-admin`, `/wp-json`, `/shop`, …) is refused with a message saying
//! what to enter instead, except a WordPress installed in a sub-folder, which
//! the operator states explicitly with `wp_subfolder`. A known WordPress or
//! WooCommerce page is stripped from the advice: `https://h/blog/wp-admin`
//! advises `https://h` and `wp_subfolder: /blog`, `https://h/shop` just
//! `https://h`.

use std::fmt;
use url::Url;

/// The scheme of a store URL; decides the authentication method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// HTTPS: HTTP Basic (or query-string keys).
    Https,
    /// Plain HTTP: OAuth 1.0a signatures only.
    Http,
}

/// A validated store address: scheme, host, optional port and WordPress
/// sub-folder. Never holds credentials, a query or a fragment.
#[derive(Clone, PartialEq, Eq)]
pub struct StoreUrl {
    /// `scheme://host[:port][/subfolder]`, without a trailing slash.
    home: Url,
    scheme: Scheme,
    warnings: Vec<String>,
}

/// A store URL that cannot be used, with what to enter instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct UrlError(pub String);

/// Path segments that show an address was copied from inside WordPress or
/// WooCommerce (admin, REST API, login, shop pages); whatever comes before
/// one of them is the folder WordPress is installed in. Keep in step with
/// `WP_INNER` in the rules crate's `validate/sources.rs`.
const WP_INNER: [&str; 14] = [
    "wp-admin",
    "wp-json",
    "wp-login.php",
    "wp-content",
    "wp-includes",
    "index.php",
    "xmlrpc.php",
    "shop",
    "product",
    "product-category",
    "product-tag",
    "cart",
    "checkout",
    "my-account",
];

impl StoreUrl {
    /// Validates `input` (as typed in `rules.yaml`) with the optional
    /// `wp_subfolder` (`/blog`).
    pub fn parse(input: &str, wp_subfolder: Option<&str>) -> Result<StoreUrl, UrlError> {
        let typed = input.trim();
        if typed.is_empty() {
            return Err(UrlError(
                "the store url is empty: enter the store's address, e.g. `https://shop.example.com`"
                    .into(),
            ));
        }
        if !typed.contains("://") {
            return Err(UrlError(format!(
                "`{typed}` has no scheme: enter `https://{}`",
                typed.trim_end_matches('/')
            )));
        }
        let url = Url::parse(typed)
            .map_err(|e| UrlError(format!("`{typed}` is not a valid URL ({e})")))?;
        let scheme = match url.scheme() {
            "https" => Scheme::Https,
            "http" => Scheme::Http,
            other => {
                return Err(UrlError(format!(
                    "`{typed}`: the scheme must be https:// (or http://), not {other}://"
                )));
            }
        };
        let Some(host) = url.host_str() else {
            return Err(UrlError(format!("`{typed}` has no host name")));
        };
        let origin = match url.port() {
            Some(p) => format!("{}://{host}:{p}", url.scheme()),
            None => format!("{}://{host}", url.scheme()),
        };
        if !url.username().is_empty() || url.password().is_some() {
            return Err(UrlError(format!(
                "the store url must not contain a user name or password: enter `{origin}` and give the keys as consumer_key and consumer_secret (${{VAR}} references)"
            )));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(UrlError(format!(
                "the store url must not contain `?` or `#` parts: enter `{origin}`"
            )));
        }

        let path = url.path().trim_end_matches('/').to_string();
        let subfolder = match wp_subfolder.map(str::trim) {
            None | Some("") | Some("/") => None,
            Some(s) => {
                let s = s.trim_end_matches('/');
                if !s.starts_with('/') || s.contains("://") || s.contains(['?', '#']) {
                    return Err(UrlError(format!(
                        "wp_subfolder `{s}` must be a path starting with `/`, e.g. `/blog`"
                    )));
                }
                Some(s.to_string())
            }
        };

        let folder = match (&subfolder, path.as_str()) {
            (_, "") => subfolder.clone().unwrap_or_default(),
            (Some(sf), p) if p == sf => sf.clone(),
            (Some(sf), p) => {
                return Err(UrlError(format!(
                    "`{typed}` does not match wp_subfolder `{sf}`: enter `{origin}` (or `{origin}{sf}`) as the url{}",
                    if p.starts_with(sf.as_str()) {
                        String::new()
                    } else {
                        format!(", or fix wp_subfolder if WordPress lives in `{p}`")
                    }
                )));
            }
            (None, p) => return Err(UrlError(sub_path_message(typed, &origin, p))),
        };

        let home = Url::parse(&format!("{origin}{folder}"))
            .map_err(|e| UrlError(format!("`{typed}` is not a valid URL ({e})")))?;
        let mut warnings = Vec::new();
        if scheme == Scheme::Http {
            warnings.push(format!(
                "`{origin}` uses plain http: prices and stock travel unencrypted (requests are signed with OAuth 1.0a, so the keys are not sent). Use https:// if the store has a certificate."
            ));
        }
        Ok(StoreUrl {
            home,
            scheme,
            warnings,
        })
    }

    /// HTTPS or HTTP.
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// Warnings about an address that works but should change (plain http).
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// The host name.
    pub fn host(&self) -> &str {
        self.home.host_str().unwrap_or_default()
    }

    /// True for stores hosted on WordPress.com (`*.wordpress.com`), whose
    /// plans may not allow REST API keys.
    pub fn is_wordpress_com(&self) -> bool {
        let h = self.host().to_ascii_lowercase();
        h == "wordpress.com" || h.ends_with(".wordpress.com")
    }

    /// The WordPress home URL (`https://shop.example.com[/blog]`).
    pub fn home(&self) -> &str {
        self.home.as_str().trim_end_matches('/')
    }

    /// The URL of a WooCommerce v3 route, e.g. `api("/products/batch")`.
    /// Without a query string: this is also the OAuth base URI.
    pub fn api(&self, route: &str) -> String {
        format!("{}/wp-json/wc/v3{route}", self.home())
    }
}

impl fmt::Display for StoreUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.home())
    }
}

impl fmt::Debug for StoreUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StoreUrl({})", self.home())
    }
}

fn sub_path_message(typed: &str, origin: &str, path: &str) -> String {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let inner = segments
        .iter()
        .position(|s| WP_INNER.contains(&s.to_ascii_lowercase().as_str()));
    match inner {
        Some(0) => format!(
            "`{typed}` is a page inside WordPress, not the store's address: enter `{origin}`"
        ),
        Some(i) => {
            let folder = format!("/{}", segments[..i].join("/"));
            format!(
                "`{typed}` is a page inside WordPress, not the store's address: enter `{origin}` as the url and `wp_subfolder: {folder}` (WordPress appears to be installed in `{folder}`)"
            )
        }
        None => format!(
            "`{typed}` has a path (`{path}`): enter the store's address without it, `{origin}`. If WordPress itself is installed in `{path}`, keep url `{origin}` and add `wp_subfolder: {path}`"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(input: &str, sub: Option<&str>) -> StoreUrl {
        StoreUrl::parse(input, sub).unwrap_or_else(|e| panic!("{input}: {e}"))
    }

    fn err(input: &str, sub: Option<&str>) -> String {
        StoreUrl::parse(input, sub).unwrap_err().0
    }

    #[test]
    fn plain_addresses_are_accepted() {
        for input in [
            "https://shop.example.com",
            "https://shop.example.com/",
            "  https://Shop.Example.com/ ",
        ] {
            let u = ok(input, None);
            assert_eq!(u.home(), "https://shop.example.com");
            assert_eq!(u.scheme(), Scheme::Https);
            assert!(u.warnings().is_empty());
        }
        assert_eq!(
            ok("https://shop.example.com:8443/", None).api("/products"),
            "https://shop.example.com:8443/wp-json/wc/v3/products"
        );
    }

    #[test]
    fn http_works_with_a_warning() {
        let u = ok("http://127.0.0.1:8080", None);
        assert_eq!(u.scheme(), Scheme::Http);
        assert_eq!(
            u.api("/products"),
            "http://127.0.0.1:8080/wp-json/wc/v3/products"
        );
        assert_eq!(u.warnings().len(), 1);
        assert!(u.warnings()[0].contains("plain http"), "{:?}", u.warnings());
    }

    #[test]
    fn sub_paths_are_refused_with_what_to_enter() {
        assert_eq!(
            err("http://h/wp-json/wc/v3", None),
            "`http://h/wp-json/wc/v3` is a page inside WordPress, not the store's address: enter `http://h`"
        );
        assert_eq!(
            err("http://h/wp-admin/", None),
            "`http://h/wp-admin/` is a page inside WordPress, not the store's address: enter `http://h`"
        );
        assert_eq!(
            err("http://h/blog/wp-admin", None),
            "`http://h/blog/wp-admin` is a page inside WordPress, not the store's address: enter `http://h` as the url and `wp_subfolder: /blog` (WordPress appears to be installed in `/blog`)"
        );
        assert_eq!(
            err("https://shop.example.com/shop", None),
            "`https://shop.example.com/shop` is a page inside WordPress, not the store's address: enter `https://shop.example.com`"
        );
        assert_eq!(
            err("https://example.com/blog/wp-admin/index.php", None),
            "`https://example.com/blog/wp-admin/index.php` is a page inside WordPress, not the store's address: enter `https://example.com` as the url and `wp_subfolder: /blog` (WordPress appears to be installed in `/blog`)"
        );
        for (page, folder) in [
            ("https://h/wp-login.php", ""),
            ("https://h/shop/page/2", ""),
            ("https://h/product/tee-m/", ""),
            ("https://h/cart", ""),
            ("https://h/checkout/", ""),
            ("https://h/my-account", ""),
            ("https://h/index.php/wp-json/wc/v3", ""),
            ("https://h/en/shop", "/en"),
            ("https://h/sites/store/product/tee", "/sites/store"),
        ] {
            let e = err(page, None);
            let advice = if folder.is_empty() {
                "enter `https://h`".to_string()
            } else {
                format!(
                    "enter `https://h` as the url and `wp_subfolder: {folder}` (WordPress appears to be installed in `{folder}`)"
                )
            };
            assert_eq!(
                e,
                format!("`{page}` is a page inside WordPress, not the store's address: {advice}")
            );
        }
        assert_eq!(
            err("https://example.com/blog/", None),
            "`https://example.com/blog/` has a path (`/blog`): enter the store's address without it, `https://example.com`. If WordPress itself is installed in `/blog`, keep url `https://example.com` and add `wp_subfolder: /blog`"
        );
    }

    #[test]
    fn wp_subfolder_is_the_one_legitimate_sub_path() {
        let u = ok("https://example.com", Some("/blog/"));
        assert_eq!(
            u.api("/products"),
            "https://example.com/blog/wp-json/wc/v3/products"
        );
        let v = ok("https://example.com/blog/", Some("/blog"));
        assert_eq!(u, v);
        assert!(err("https://example.com/shop", Some("/blog")).contains("does not match"));
        assert!(err("https://example.com", Some("blog")).contains("must be a path"));
    }

    #[test]
    fn other_mistakes_say_what_to_enter() {
        assert_eq!(
            err("shop.example.com", None),
            "`shop.example.com` has no scheme: enter `https://shop.example.com`"
        );
        assert!(err("ftp://shop.example.com", None).contains("https://"));
        assert!(
            err("https://ck:cs@shop.example.com", None)
                .contains("enter `https://shop.example.com`")
        );
        assert!(err("https://shop.example.com/?page=1", None).contains("`?`"));
        assert!(err("", None).contains("empty"));
    }

    #[test]
    fn wordpress_com_is_recognised() {
        assert!(ok("https://mystore.wordpress.com", None).is_wordpress_com());
        assert!(!ok("https://wordpress.company.com", None).is_wordpress_com());
    }
}
