//! Fault injection: what misbehaving hosts, WAFs and CDNs do to a
//! WooCommerce store's API.
//!
//! A fault is a rule: a kind (latency, an HTTP status, a dropped connection,
//! failing batch items, a stripped `Authorization` header), optionally
//! limited to the next N matching requests (`times`), a probability (`p`,
//! drawn from a seeded RNG so runs repeat), a method and a route.
//!
//! # SPEC grammar (`--faults`)
//! ```text
//! SPEC   := RULE (';' RULE)*
//! RULE   := KIND (',' OPTION)*  |  'seed=' N
//! KIND   := 'latency=' MS | 'status=' CODE | '429' | '500' | '502' | '503'
//!         | 'drop' | 'batch_fail=' FRACTION | 'strip_auth'
//! OPTION := 'times=' N | 'p=' PROBABILITY | 'method=' METHOD | 'route=' ROUTE
//!         | 'retry_after=' SECONDS | 'html'
//! ```
//! `ROUTE` is a counted route (`/wc/v3/products/{id}/variations/batch`), or a
//! prefix ending in `*`. Example: `429,times=2,retry_after=3;latency=50,p=0.5`.

use rand::{Rng, SeedableRng, rngs::StdRng};
use serde_json::{Value, json};

/// What a fault does.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum FaultKind {
    /// Adds this many milliseconds before the request is handled.
    Latency(u64),
    /// Answers with this status instead of handling the request.
    Status {
        /// 429, 500, 502, 503, …
        status: u16,
        /// `Retry-After` seconds (429 always sends one; default 1).
        retry_after: Option<u64>,
        /// An HTML body, as hosts and proxies send, instead of JSON.
        html: bool,
    },
    /// Closes the connection without a response.
    Drop,
    /// Fails this fraction of a batch request's items (per-item errors).
    BatchFail(f64),
    /// Removes the `Authorization` header before authentication.
    StripAuth,
}

/// One fault rule.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FaultRule {
    pub kind: FaultKind,
    /// Fires this many more times, then is gone (`None` = unlimited).
    pub times: Option<u64>,
    /// Fires with this probability (`None` = always).
    pub probability: Option<f64>,
    /// Only for this method.
    pub method: Option<String>,
    /// Only for this route (or prefix ending in `*`).
    pub route: Option<String>,
}

/// A rejected fault specification.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid fault spec {part:?}: {reason}")]
pub struct FaultSpecError {
    /// The part of the spec that is wrong.
    pub part: String,
    /// Why.
    pub reason: String,
}

fn spec_err(part: &str, reason: &str) -> FaultSpecError {
    FaultSpecError {
        part: part.to_string(),
        reason: reason.to_string(),
    }
}

/// The decision for one request.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Decision {
    pub latency_ms: u64,
    pub status: Option<(u16, Option<u64>, bool)>,
    pub drop: bool,
    pub strip_auth: bool,
    pub batch_fail: Option<f64>,
}

/// The active faults.
#[derive(Debug)]
pub(crate) struct Faults {
    pub rules: Vec<FaultRule>,
    rng: StdRng,
}

impl Default for Faults {
    fn default() -> Self {
        Faults {
            rules: Vec::new(),
            rng: StdRng::seed_from_u64(0),
        }
    }
}

/// Parses a SPEC string into rules and an optional RNG seed.
pub(crate) fn parse_spec(spec: &str) -> Result<(Vec<FaultRule>, Option<u64>), FaultSpecError> {
    let mut rules = Vec::new();
    let mut seed = None;
    for rule in spec.split(';').map(str::trim).filter(|r| !r.is_empty()) {
        let mut parts = rule.split(',').map(str::trim);
        let head = parts.next().unwrap_or_default();
        if let Some(s) = head.strip_prefix("seed=") {
            seed = Some(
                s.parse()
                    .map_err(|_| spec_err(head, "seed must be an integer"))?,
            );
            continue;
        }
        let mut kind = match head {
            "drop" => FaultKind::Drop,
            "strip_auth" => FaultKind::StripAuth,
            "429" | "500" | "502" | "503" => FaultKind::Status {
                status: head.parse().unwrap_or(500),
                retry_after: None,
                html: false,
            },
            h if h.starts_with("status=") => {
                let status: u16 = h["status=".len()..]
                    .parse()
                    .ok()
                    .filter(|s| (100..600).contains(s))
                    .ok_or_else(|| spec_err(h, "status must be an HTTP status code"))?;
                FaultKind::Status {
                    status,
                    retry_after: None,
                    html: false,
                }
            }
            h if h.starts_with("latency=") => FaultKind::Latency(
                h["latency=".len()..]
                    .parse()
                    .map_err(|_| spec_err(h, "latency must be milliseconds"))?,
            ),
            h if h.starts_with("batch_fail=") => {
                let f: f64 = h["batch_fail=".len()..]
                    .parse()
                    .map_err(|_| spec_err(h, "batch_fail must be a fraction"))?;
                if !(0.0..=1.0).contains(&f) {
                    return Err(spec_err(h, "batch_fail must be between 0 and 1"));
                }
                FaultKind::BatchFail(f)
            }
            h => {
                return Err(spec_err(
                    h,
                    "expected latency=MS, status=CODE, 429, 500, 502, 503, drop, batch_fail=F or strip_auth",
                ));
            }
        };
        let mut r = FaultRule {
            kind: FaultKind::Drop,
            times: None,
            probability: None,
            method: None,
            route: None,
        };
        for opt in parts {
            let (k, v) = opt.split_once('=').unwrap_or((opt, ""));
            match k {
                "times" => {
                    r.times = Some(
                        v.parse()
                            .map_err(|_| spec_err(opt, "times must be an integer"))?,
                    )
                }
                "p" => {
                    let p: f64 = v
                        .parse()
                        .map_err(|_| spec_err(opt, "p must be a probability"))?;
                    if !(0.0..=1.0).contains(&p) {
                        return Err(spec_err(opt, "p must be between 0 and 1"));
                    }
                    r.probability = Some(p);
                }
                "method" => r.method = Some(v.to_ascii_uppercase()),
                "route" => r.route = Some(v.to_string()),
                "retry_after" | "html" => match &mut kind {
                    FaultKind::Status {
                        retry_after, html, ..
                    } => {
                        if k == "html" {
                            *html = true;
                        } else {
                            *retry_after = Some(
                                v.parse()
                                    .map_err(|_| spec_err(opt, "retry_after must be seconds"))?,
                            );
                        }
                    }
                    _ => return Err(spec_err(opt, "only status faults take this option")),
                },
                _ => return Err(spec_err(opt, "unknown option")),
            }
        }
        r.kind = kind;
        rules.push(r);
    }
    Ok((rules, seed))
}

/// Parses one rule of the JSON form (`{"kind": "status", "status": 429, …}`).
pub(crate) fn rule_from_json(v: &Value) -> Result<FaultRule, FaultSpecError> {
    let text = v.to_string();
    let kind_name = v
        .get("kind")
        .and_then(Value::as_str)
        .ok_or_else(|| spec_err(&text, "missing \"kind\""))?;
    let u = |k: &str| v.get(k).and_then(Value::as_u64);
    let kind = match kind_name {
        "latency" => {
            FaultKind::Latency(u("ms").ok_or_else(|| spec_err(&text, "latency needs \"ms\""))?)
        }
        "status" => FaultKind::Status {
            status: u("status")
                .and_then(|s| u16::try_from(s).ok())
                .filter(|s| (100..600).contains(s))
                .ok_or_else(|| spec_err(&text, "status needs \"status\": CODE"))?,
            retry_after: u("retry_after"),
            html: v.get("html").and_then(Value::as_bool).unwrap_or(false),
        },
        "drop" => FaultKind::Drop,
        "batch_fail" => {
            let f = v
                .get("fraction")
                .and_then(Value::as_f64)
                .filter(|f| (0.0..=1.0).contains(f))
                .ok_or_else(|| spec_err(&text, "batch_fail needs \"fraction\" in 0..1"))?;
            FaultKind::BatchFail(f)
        }
        "strip_auth" => FaultKind::StripAuth,
        _ => return Err(spec_err(&text, "unknown kind")),
    };
    let probability = match v.get("p") {
        None | Some(Value::Null) => None,
        Some(p) => Some(
            p.as_f64()
                .filter(|p| (0.0..=1.0).contains(p))
                .ok_or_else(|| spec_err(&text, "p must be between 0 and 1"))?,
        ),
    };
    Ok(FaultRule {
        kind,
        times: u("times"),
        probability,
        method: v
            .get("method")
            .and_then(Value::as_str)
            .map(str::to_ascii_uppercase),
        route: v.get("route").and_then(Value::as_str).map(str::to_string),
    })
}

/// The JSON form of a rule.
pub(crate) fn rule_to_json(r: &FaultRule) -> Value {
    let mut v = match &r.kind {
        FaultKind::Latency(ms) => json!({"kind": "latency", "ms": ms}),
        FaultKind::Status {
            status,
            retry_after,
            html,
        } => json!({"kind": "status", "status": status, "retry_after": retry_after, "html": html}),
        FaultKind::Drop => json!({"kind": "drop"}),
        FaultKind::BatchFail(f) => json!({"kind": "batch_fail", "fraction": f}),
        FaultKind::StripAuth => json!({"kind": "strip_auth"}),
    };
    if let Some(o) = v.as_object_mut() {
        o.insert("times".into(), json!(r.times));
        o.insert("p".into(), json!(r.probability));
        o.insert("method".into(), json!(r.method));
        o.insert("route".into(), json!(r.route));
    }
    v
}

fn route_matches(pattern: &str, route: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => route.starts_with(prefix),
        None => pattern == route,
    }
}

impl Faults {
    /// Replaces (or, with `append`, extends) the rules; reseeds the RNG when
    /// a seed is given.
    pub fn set(&mut self, rules: Vec<FaultRule>, seed: Option<u64>, append: bool) {
        if !append {
            self.rules.clear();
        }
        self.rules.extend(rules);
        if let Some(s) = seed {
            self.rng = StdRng::seed_from_u64(s);
        }
    }

    /// Decides what happens to one request, consuming `times` budgets.
    pub fn decide(&mut self, method: &str, route: &str) -> Decision {
        let mut d = Decision::default();
        for r in &mut self.rules {
            if r.method.as_deref().is_some_and(|m| m != method) {
                continue;
            }
            if r.route.as_deref().is_some_and(|p| !route_matches(p, route)) {
                continue;
            }
            if matches!(r.kind, FaultKind::BatchFail(_)) && !route.ends_with("/batch") {
                continue;
            }
            if r.times == Some(0) {
                continue;
            }
            let blocked = d.status.is_some() || d.drop;
            if blocked && matches!(r.kind, FaultKind::Status { .. } | FaultKind::Drop) {
                continue;
            }
            if let Some(p) = r.probability
                && self.rng.random::<f64>() >= p
            {
                continue;
            }
            if let Some(t) = &mut r.times {
                *t -= 1;
            }
            match &r.kind {
                FaultKind::Latency(ms) => d.latency_ms += ms,
                FaultKind::Status {
                    status,
                    retry_after,
                    html,
                } => {
                    let ra = if *status == 429 {
                        Some(retry_after.unwrap_or(1))
                    } else {
                        *retry_after
                    };
                    d.status = Some((*status, ra, *html));
                }
                FaultKind::Drop => d.drop = true,
                FaultKind::BatchFail(f) => d.batch_fail = Some(*f),
                FaultKind::StripAuth => d.strip_auth = true,
            }
        }
        self.rules.retain(|r| r.times != Some(0));
        d
    }
}

/// Whether batch item `index` (0-based, across the request) fails under a
/// failing fraction: spread evenly and deterministically (0.5 fails items
/// 1, 3, 5, …; 1.0 fails all).
pub(crate) fn batch_item_fails(fraction: f64, index: usize) -> bool {
    let before = (index as f64 * fraction).floor();
    let after = ((index + 1) as f64 * fraction).floor();
    after > before
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_parses_and_times_run_out() {
        let (rules, seed) =
            parse_spec("429,times=2,retry_after=3,method=get;latency=5;seed=9").unwrap_or_default();
        assert_eq!(seed, Some(9));
        assert_eq!(rules.len(), 2);
        let mut f = Faults::default();
        f.set(rules, seed, false);
        assert_eq!(
            f.decide("GET", "/wc/v3/products").status,
            Some((429, Some(3), false))
        );
        assert_eq!(f.decide("POST", "/wc/v3/products").status, None);
        assert_eq!(f.decide("GET", "/wc/v3/products").latency_ms, 5);
        assert_eq!(f.decide("GET", "/wc/v3/products").status, None);
        assert!(parse_spec("bogus").is_err());
        assert!(parse_spec("latency=5,html").is_err());
    }

    #[test]
    fn batch_fraction_is_spread() {
        let fails: Vec<bool> = (0..4).map(|i| batch_item_fails(0.5, i)).collect();
        assert_eq!(fails, vec![false, true, false, true]);
        assert!((0..10).all(|i| batch_item_fails(1.0, i)));
        assert!((0..10).all(|i| !batch_item_fails(0.0, i)));
    }
}
