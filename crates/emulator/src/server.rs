//! The HTTP side: WordPress's dispatch order, the `wc/v3` product routes,
//! and WooCommerce's response headers.
//!
//! One fallback handler does the dispatch by hand, because the order is what
//! a client can observe: faults (host level) → authentication errors →
//! read/write scope (`rest_pre_dispatch`) → route match (`rest_no_route`) →
//! JSON body → argument validation (400) → permission callback (401) → the
//! endpoint (404/400 for unknown ids, …).

use crate::admin;
use crate::auth::{AuthOutcome, AuthRequest, Authenticator};
use crate::faults::{Decision, Faults, batch_item_fails};
use crate::item::{Item, Kind, RenderCtx, View, render, render_filtered};
use crate::params::{Mode, Query, changes, list_query, php_intval};
use crate::store::{Store, WcError};
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, RwLock, RwLockReadGuard, RwLockWriteGuard};

/// The store clock: 1-second resolution like WordPress, never going back,
/// optionally frozen/advanced by the admin API so tests need not sleep.
#[derive(Debug, Default)]
pub(crate) struct Clock {
    /// A fixed "now" (UTC unix seconds), if frozen.
    pub frozen: Option<i64>,
    last: i64,
}

impl Clock {
    /// The current store time, monotonic.
    pub fn now(&mut self) -> i64 {
        let t = self
            .frozen
            .unwrap_or_else(|| chrono::Utc::now().timestamp())
            .max(self.last);
        self.last = t;
        t
    }
}

/// Everything a request can touch.
pub(crate) struct App {
    pub store: RwLock<Store>,
    /// The seed document, reloaded by `POST /__emulator/reset`.
    pub seed: Value,
    pub auth: Authenticator,
    pub faults: Mutex<Faults>,
    /// Request counts by (route, method).
    pub counter: Mutex<BTreeMap<(String, String), u64>>,
    pub clock: Mutex<Clock>,
    /// `http://127.0.0.1:PORT`, set once the listener is bound.
    pub site_url: OnceLock<String>,
    pub https: bool,
    pub latency_ms: u64,
    /// Site timezone offset, seconds east of UTC.
    pub offset: i32,
    /// Open connections by peer address: setting the flag kills the
    /// connection (the "dropped connection" fault).
    pub conns: Arc<Mutex<HashMap<SocketAddr, Arc<AtomicBool>>>>,
}

/// Locks a mutex, recovering from poisoning (a panicked handler must not
/// take the emulator down).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Read-locks the store.
pub(crate) fn read<T>(m: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    m.read().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Write-locks the store.
pub(crate) fn write<T>(m: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    m.write().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl App {
    pub fn site(&self) -> &str {
        self.site_url
            .get()
            .map(String::as_str)
            .unwrap_or("http://localhost")
    }

    pub fn now(&self) -> i64 {
        lock(&self.clock).now()
    }

    fn count(&self, method: &str, route: &str) {
        *lock(&self.counter)
            .entry((route.to_string(), method.to_string()))
            .or_insert(0) += 1;
    }
}

/// The routes of `wc/v3` the emulator serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    Products,
    Product(u64),
    ProductsBatch,
    Variations(u64),
    Variation(u64, u64),
    VariationsBatch(u64),
    SystemStatus,
}

impl Route {
    fn allow(self) -> &'static str {
        match self {
            Route::Products | Route::Variations(_) => "GET, POST",
            Route::Product(_) | Route::Variation(..) => "GET, POST, PUT, PATCH, DELETE",
            Route::ProductsBatch | Route::VariationsBatch(_) => "POST, PUT, PATCH",
            Route::SystemStatus => "GET",
        }
    }

    fn accepts(self, method: &str) -> bool {
        self.allow().split(", ").any(|m| m == method)
    }
}

fn parse_id(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(s.parse().unwrap_or(0))
}

/// Matches a REST path (`/wc/v3/...`, without `/wp-json`) to a route.
fn match_route(rest: &str) -> Option<Route> {
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    let segs: Vec<&str> = rest.split('/').skip(1).collect();
    match segs.as_slice() {
        ["wc", "v3", "products"] => Some(Route::Products),
        ["wc", "v3", "products", "batch"] => Some(Route::ProductsBatch),
        ["wc", "v3", "products", id] => parse_id(id).map(Route::Product),
        ["wc", "v3", "products", id, "variations"] => parse_id(id).map(Route::Variations),
        ["wc", "v3", "products", id, "variations", "batch"] => {
            parse_id(id).map(Route::VariationsBatch)
        }
        ["wc", "v3", "products", pid, "variations", id] => {
            Some(Route::Variation(parse_id(pid)?, parse_id(id)?))
        }
        ["wc", "v3", "system_status"] => Some(Route::SystemStatus),
        _ => None,
    }
}

/// The counted route of a path: `/wp-json` dropped, numeric segments as `{id}`.
pub(crate) fn route_template(path: &str) -> String {
    let rest = path.strip_prefix("/wp-json").unwrap_or(path);
    rest.split('/')
        .map(|s| {
            if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
                "{id}"
            } else {
                s
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// A response before headers are added.
struct Reply {
    status: u16,
    body: Value,
    headers: Vec<(&'static str, String)>,
}

impl Reply {
    fn ok(body: Value) -> Reply {
        Reply {
            status: 200,
            body,
            headers: Vec::new(),
        }
    }
}

/// PHP's `json_encode`: `/` escaped as `\/`, non-ASCII as `\uXXXX`. Both
/// occur only inside JSON strings, so a pass over the text is exact.
pub(crate) fn php_json(v: &Value) -> String {
    let s = v.to_string();
    if s.bytes().all(|b| b.is_ascii() && b != b'/') {
        return s;
    }
    let mut out = String::with_capacity(s.len() + s.len() / 16);
    let mut rest = s.as_str();
    while let Some(i) = rest.find(|c: char| c == '/' || !c.is_ascii()) {
        out.push_str(&rest[..i]);
        let c = rest[i..].chars().next().unwrap_or('/');
        if c == '/' {
            out.push_str("\\/");
        } else {
            let mut buf = [0u16; 2];
            for unit in c.encode_utf16(&mut buf) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        }
        rest = &rest[i + c.len_utf8()..];
    }
    out.push_str(rest);
    out
}

fn header_value(s: &str) -> HeaderValue {
    HeaderValue::from_str(s).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// A WordPress REST response: JSON, `Link` to the API root (unless the
/// endpoint set prev/next links), `Allow` when a route matched for a caller
/// its permission callbacks let through.
fn wp_response(app: &App, reply: Reply, allow: Option<&str>) -> Response {
    let mut resp = Response::new(Body::from(php_json(&reply.body)));
    *resp.status_mut() = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::OK);
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=UTF-8"),
    );
    h.insert("x-robots-tag", HeaderValue::from_static("noindex"));
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        "access-control-expose-headers",
        HeaderValue::from_static("X-WP-Total, X-WP-TotalPages, Link"),
    );
    h.insert(
        "access-control-allow-headers",
        HeaderValue::from_static(
            "Authorization, X-WP-Nonce, Content-Disposition, Content-MD5, Content-Type",
        ),
    );
    let mut has_link = false;
    for (k, v) in &reply.headers {
        if *k == "link" {
            has_link = true;
        }
        h.insert(*k, header_value(v));
    }
    if !has_link {
        h.insert(
            header::LINK,
            header_value(&format!(
                "<{}/wp-json/>; rel=\"https://api.w.org/\"",
                app.site()
            )),
        );
    }
    if let Some(a) = allow {
        h.insert(
            header::ALLOW,
            HeaderValue::from_static(match a {
                "GET, POST" => "GET, POST",
                "POST, PUT, PATCH" => "POST, PUT, PATCH",
                "GET" => "GET",
                _ => "GET, POST, PUT, PATCH, DELETE",
            }),
        );
    }
    resp
}

fn error_reply(e: &WcError) -> Reply {
    Reply {
        status: e.status,
        body: e.body(),
        headers: Vec::new(),
    }
}

/// The HTML page a host or proxy sends with an error status.
fn html_error(status: u16) -> String {
    let reason = StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Error");
    format!(
        "<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n<center><h1>{status} {reason}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    )
}

fn fault_response(status: u16, retry_after: Option<u64>, html: bool) -> Response {
    let (body, ctype) = if html {
        (html_error(status), "text/html")
    } else if status == 500 {
        (
            php_json(&json!({
                "code": "internal_server_error",
                "message": "<p>There has been a critical error on this website.</p><p><a href=\"https://wordpress.org/documentation/article/faq-troubleshooting/\">Learn more about troubleshooting WordPress.</a></p>",
                "data": {"status": 500},
                "additional_errors": []
            })),
            "application/json; charset=UTF-8",
        )
    } else {
        (
            php_json(&json!({
                "code": format!("emulator_fault_{status}"),
                "message": "Injected fault.",
                "data": {"status": status}
            })),
            "application/json; charset=UTF-8",
        )
    };
    let mut resp = Response::new(Body::from(body));
    *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(ctype));
    if let Some(ra) = retry_after {
        resp.headers_mut()
            .insert(header::RETRY_AFTER, header_value(&ra.to_string()));
    }
    resp
}

/// The single entry point of the HTTP server.
pub(crate) async fn handle(
    State(app): State<Arc<App>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    req: Request,
) -> Response {
    let (parts, body) = req.into_parts();
    let path = parts.uri.path().to_string();
    let bytes = match axum::body::to_bytes(body, 256 * 1024 * 1024).await {
        Ok(b) => b,
        Err(_) => Bytes::new(),
    };
    if path.starts_with("/__emulator/") || path == "/__emulator" {
        return admin::handle(&app, &parts.method, &path, parts.uri.query(), &bytes);
    }
    let method = parts.method.as_str().to_ascii_uppercase();
    let route = route_template(&path);
    app.count(&method, &route);
    let decision = lock(&app.faults).decide(&method, &route);
    let latency = app.latency_ms + decision.latency_ms;
    if latency > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(latency)).await;
    }
    if decision.drop {
        if let Some(flag) = lock(&app.conns).get(&peer) {
            flag.store(true, Ordering::SeqCst);
        }
        tracing::debug!(%peer, route = %route, "fault: dropping the connection");
        // The connection's writes now fail, so this never reaches the client.
        return Response::new(Body::empty());
    }
    if let Some((status, retry_after, html)) = decision.status {
        return fault_response(status, retry_after, html);
    }
    rest(
        &app,
        &parts.method,
        &parts.headers,
        &path,
        parts.uri.query(),
        &bytes,
        &decision,
    )
}

fn not_found_page() -> Response {
    let mut resp = Response::new(Body::from(
        "<!DOCTYPE html><html><head><title>Page not found</title></head><body><h1>Not Found</h1></body></html>",
    ));
    *resp.status_mut() = StatusCode::NOT_FOUND;
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=UTF-8"),
    );
    resp
}

fn rest(
    app: &App,
    method: &Method,
    headers: &HeaderMap,
    path: &str,
    raw_query: Option<&str>,
    body: &Bytes,
    decision: &Decision,
) -> Response {
    let Some(rest_path) = path.strip_prefix("/wp-json") else {
        return not_found_page();
    };
    let method = method.as_str().to_ascii_uppercase();
    let query = Query::parse(raw_query);
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let form: Vec<(String, String)> =
        if content_type.starts_with("application/x-www-form-urlencoded") {
            url::form_urlencoded::parse(body)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect()
        } else {
            Vec::new()
        };
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .unwrap_or_else(|| {
            app.site()
                .split_once("://")
                .map(|(_, h)| h.to_string())
                .unwrap_or_default()
        });
    let authorization = if decision.strip_auth {
        None
    } else {
        headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
    };
    let auth_req = AuthRequest {
        method: &method,
        https: app.https,
        host: &host,
        path,
        query: &query.pairs,
        form: &form,
        authorization,
    };
    let outcome = match app
        .auth
        .authenticate(&auth_req, chrono::Utc::now().timestamp())
    {
        Ok(o) => o,
        Err(e) => {
            let err = WcError::new(e.status, e.code, &e.message);
            return wp_response(app, error_reply(&err), None);
        }
    };
    if let Err(e) = app.auth.check_scope(&outcome, &method) {
        let err = WcError::new(e.status, e.code, &e.message);
        return wp_response(app, error_reply(&err), None);
    }
    let authed = matches!(outcome, AuthOutcome::Authenticated { .. });
    // WordPress serves HEAD as GET without a body.
    let is_head = method == "HEAD";
    let method = if is_head { "GET".to_string() } else { method };
    let route = match match_route(rest_path) {
        Some(r) if r.accepts(&method) => r,
        _ => {
            let e = WcError::new(
                404,
                "rest_no_route",
                "No route was found matching the URL and request method.",
            );
            return wp_response(app, error_reply(&e), None);
        }
    };
    let allow = authed.then(|| route.allow());
    let ctx = Ctx {
        app,
        authed,
        query: &query,
        rest_path,
        decision,
    };
    let reply = match dispatch(&ctx, route, &method, body, &content_type, &form) {
        Ok(r) => r,
        Err(e) => error_reply(&e),
    };
    let mut resp = wp_response(app, reply, allow);
    if is_head {
        *resp.body_mut() = Body::empty();
    }
    resp
}

struct Ctx<'a> {
    app: &'a App,
    authed: bool,
    query: &'a Query,
    rest_path: &'a str,
    decision: &'a Decision,
}

fn deny(status_code: &str, message: &str) -> WcError {
    WcError::new(401, status_code, message)
}

/// The JSON (or form) body of a write as an object.
fn body_object(
    body: &Bytes,
    content_type: &str,
    form: &[(String, String)],
) -> Result<Map<String, Value>, WcError> {
    if !form.is_empty() {
        return Ok(form
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect());
    }
    let text = std::str::from_utf8(body).unwrap_or("").trim();
    if text.is_empty() {
        return Ok(Map::new());
    }
    if !content_type.starts_with("application/json") && !text.starts_with('{') {
        return Ok(Map::new());
    }
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Ok(Map::new()),
        Err(e) => {
            let mut err = WcError::new(400, "rest_invalid_json", "Invalid JSON body passed.");
            err.data.insert("json_error_code".into(), json!(4));
            err.data.insert(
                "json_error_message".into(),
                json!(format!("Syntax error ({e})")),
            );
            Err(err)
        }
    }
}

fn dispatch(
    ctx: &Ctx<'_>,
    route: Route,
    method: &str,
    body: &Bytes,
    content_type: &str,
    form: &[(String, String)],
) -> Result<Reply, WcError> {
    // The request body, parsed only by the routes that take one.
    let object = || body_object(body, content_type, form);
    match (route, method) {
        (Route::Products, "GET") => list(ctx, None),
        (Route::Variations(pid), "GET") => list(ctx, Some(pid)),
        (Route::Product(id), "GET") => get_one(ctx, id, None),
        (Route::Variation(pid, id), "GET") => get_one(ctx, id, Some(pid)),
        (Route::Products, _) => create(ctx, &object()?, None),
        (Route::Variations(pid), _) => create(ctx, &object()?, Some(pid)),
        (Route::Product(id), "DELETE") => delete(ctx, id, None),
        (Route::Variation(pid, id), "DELETE") => delete(ctx, id, Some(pid)),
        (Route::Product(id), _) => update(ctx, id, &object()?, None),
        (Route::Variation(pid, id), _) => update(ctx, id, &object()?, Some(pid)),
        (Route::ProductsBatch, _) => batch(ctx, &object()?, None),
        (Route::VariationsBatch(pid), _) => batch(ctx, &object()?, Some(pid)),
        (Route::SystemStatus, _) => system_status(ctx),
    }
}

/// PHP's `urlencode`.
fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => out.push(b as char),
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// `add_query_arg('page', N, add_query_arg(urlencode_deep($request->get_query_params()), rest_url(...)))`.
fn page_link(site: &str, rest_path: &str, query: &Query, page: i64) -> String {
    let mut pairs: Vec<(String, String)> = Vec::new();
    let mut counters: HashMap<String, usize> = HashMap::new();
    for (k, v) in query.php_pairs() {
        let key = match k.strip_suffix("[]") {
            Some(base) => {
                let n = counters.entry(base.to_string()).or_insert(0);
                let key = format!("{base}[{n}]");
                *n += 1;
                key
            }
            None => k,
        };
        pairs.push((key, v));
    }
    match pairs.iter_mut().find(|(k, _)| k == "page") {
        Some(slot) => slot.1 = page.to_string(),
        None => pairs.push(("page".into(), page.to_string())),
    }
    let qs: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{}={}", urlencode(k), urlencode(v)))
        .collect();
    format!("{site}/wp-json{rest_path}?{}", qs.join("&"))
}

/// `_fields` as WordPress applies it: the product endpoints build the
/// requested fields in the order asked; the final filter
/// (`rest_filter_response_fields`) keeps only what was asked, nested
/// `a.b` paths included. `id` is kept only when asked for.
fn apply_fields(
    full: Map<String, Value>,
    fields: &[String],
    request_order: bool,
) -> Map<String, Value> {
    // field -> None (whole) or Some(sub-paths)
    let mut tree: Vec<(String, Option<Vec<String>>)> = Vec::new();
    for f in fields {
        let (top, sub) = match f.split_once('.') {
            Some((t, s)) => (t.to_string(), Some(s.to_string())),
            None => (f.clone(), None),
        };
        match tree.iter_mut().find(|(t, _)| *t == top) {
            Some((_, slot)) => match (slot.as_mut(), sub) {
                (None, _) => {}
                (Some(_), None) => *slot = None,
                (Some(v), Some(s)) => v.push(s),
            },
            None => tree.push((top, sub.map(|s| vec![s]))),
        }
    }
    let pick = |key: &str, value: &Value, sub: &Option<Vec<String>>| -> Value {
        match (sub, value) {
            (None, v) => v.clone(),
            (Some(subs), Value::Object(m)) => Value::Object(apply_fields(m.clone(), subs, true)),
            (Some(subs), Value::Array(a)) => {
                // PHP arrays: list indexes are the keys.
                let keep: Vec<Value> = a
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| subs.iter().any(|s| s == &i.to_string()))
                    .map(|(_, v)| v.clone())
                    .collect();
                let _ = key;
                Value::Array(keep)
            }
            (Some(_), v) => v.clone(),
        }
    };
    let mut out = Map::new();
    if request_order {
        for (top, sub) in &tree {
            if let Some(v) = full.get(top) {
                out.insert(top.clone(), pick(top, v, sub));
            }
        }
    } else {
        for (k, v) in &full {
            if let Some((_, sub)) = tree.iter().find(|(t, _)| t == k) {
                out.insert(k.clone(), pick(k, v, sub));
            }
        }
    }
    out
}

fn requested_fields(q: &Query) -> Option<Vec<String>> {
    let raw = q.list("_fields")?;
    let f: Vec<String> = raw
        .iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    (!f.is_empty()).then_some(f)
}

/// Renders one item for a response, `_fields` applied.
pub(crate) fn render_for(
    app: &App,
    store: &Store,
    item: &Item,
    view: View,
    fields: Option<&[String]>,
) -> Value {
    let parent = (item.parent_id != 0)
        .then(|| store.get(item.parent_id))
        .flatten();
    let ctx = RenderCtx {
        site: app.site(),
        offset: app.offset,
        parent,
    };
    match fields {
        Some(f) => {
            let top: Vec<&str> = f
                .iter()
                .map(|s| s.split_once('.').map_or(s.as_str(), |(t, _)| t))
                .collect();
            let full = render_filtered(item, view, &ctx, &|k| top.contains(&k));
            Value::Object(apply_fields(full, f, view == View::Product))
        }
        None => Value::Object(render(item, view, &ctx)),
    }
}

fn list(ctx: &Ctx<'_>, parent: Option<u64>) -> Result<Reply, WcError> {
    let q = list_query(ctx.query, ctx.app.offset, parent)?;
    if !ctx.authed {
        return Err(deny(
            "woocommerce_rest_cannot_view",
            "Sorry, you cannot list resources.",
        ));
    }
    let store = read(&ctx.app.store);
    let (total, ids) = store.list(&q);
    let fields = requested_fields(ctx.query);
    let view = view_for(parent);
    let items: Vec<Value> = ids
        .iter()
        .filter_map(|id| store.get(*id))
        .map(|item| render_for(ctx.app, &store, item, view, fields.as_deref()))
        .collect();
    drop(store);
    let per_page = q.per_page.max(1);
    let max_pages = total.div_ceil(per_page) as i64;
    let page = q.page as i64;
    let mut reply = Reply::ok(Value::Array(items));
    reply.headers.push(("x-wp-total", total.to_string()));
    reply
        .headers
        .push(("x-wp-totalpages", max_pages.to_string()));
    let mut links = Vec::new();
    if page > 1 {
        let prev = (page - 1).min(max_pages);
        links.push(format!(
            "<{}>; rel=\"prev\"",
            page_link(ctx.app.site(), ctx.rest_path, ctx.query, prev)
        ));
    }
    if max_pages > page {
        links.push(format!(
            "<{}>; rel=\"next\"",
            page_link(ctx.app.site(), ctx.rest_path, ctx.query, page + 1)
        ));
    }
    if !links.is_empty() {
        reply.headers.push(("link", links.join(", ")));
    }
    Ok(reply)
}

fn invalid_id(kind: Kind, status: u16) -> WcError {
    match kind {
        Kind::Product => WcError::new(status, "woocommerce_rest_product_invalid_id", "Invalid ID."),
        Kind::Variation => WcError::new(
            status,
            "woocommerce_rest_product_variation_invalid_id",
            "Invalid ID.",
        ),
    }
}

/// Whether `id` names an item the endpoint can see: anything through
/// `/products/{id}`, a child of `pid` through the variations routes.
fn visible(store: &Store, id: u64, parent: Option<u64>) -> bool {
    match (store.get(id), parent) {
        (Some(_), None) => true,
        (Some(i), Some(p)) => i.kind == Kind::Variation && i.parent_id == p,
        (None, _) => false,
    }
}

fn get_one(ctx: &Ctx<'_>, id: u64, parent: Option<u64>) -> Result<Reply, WcError> {
    let store = read(&ctx.app.store);
    let exists = visible(&store, id, parent);
    if !ctx.authed && exists {
        return Err(deny(
            "woocommerce_rest_cannot_view",
            "Sorry, you cannot view this resource.",
        ));
    }
    let kind = kind_for(parent);
    let Some(item) = store.get(id).filter(|_| exists) else {
        return Err(invalid_id(kind, 404));
    };
    let view = view_for(parent);
    let fields = requested_fields(ctx.query);
    Ok(Reply::ok(render_for(
        ctx.app,
        &store,
        item,
        view,
        fields.as_deref(),
    )))
}

/// The kind of item a route names: a variation under `parent`, or a
/// product when the route has no parent.
fn kind_for(parent: Option<u64>) -> Kind {
    if parent.is_some() {
        Kind::Variation
    } else {
        Kind::Product
    }
}

/// The view a route answers with: a variation's under `parent`, or a
/// product's when the route has no parent.
fn view_for(parent: Option<u64>) -> View {
    if parent.is_some() {
        View::Variation
    } else {
        View::Product
    }
}

/// One write of a batch or single request, against an existing item.
fn do_update(
    app: &App,
    store: &mut Store,
    id: u64,
    body: &Map<String, Value>,
    parent: Option<u64>,
    mode: Mode,
) -> Result<u64, WcError> {
    let kind = kind_for(parent);
    if !visible(store, id, parent) {
        return Err(invalid_id(kind, 400));
    }
    if parent.is_none() && store.get(id).is_some_and(|i| i.kind == Kind::Variation) {
        return Err(WcError::new(
            404,
            "woocommerce_rest_invalid_product_id",
            "To manipulate product variations you should use the /products/<product_id>/variations/<id> endpoint.",
        ));
    }
    let ch = changes(body, kind, mode)?;
    let now = app.now();
    store.apply(id, &ch, now)?;
    Ok(id)
}

fn do_create(
    app: &App,
    store: &mut Store,
    body: &Map<String, Value>,
    parent: Option<u64>,
    mode: Mode,
) -> Result<u64, WcError> {
    let kind = kind_for(parent);
    if body.get("id").is_some_and(|v| php_intval(v) > 0) {
        let code = match kind {
            Kind::Product => "woocommerce_rest_product_exists",
            Kind::Variation => "woocommerce_rest_product_variation_exists",
        };
        return Err(WcError::new(400, code, "Cannot create existing product."));
    }
    let ch = changes(body, kind, mode)?;
    if let Some(pid) = parent
        && store
            .get(pid)
            .is_none_or(|p| p.kind != Kind::Product || p.product_type != "variable")
    {
        return Err(WcError::new(
            404,
            "woocommerce_rest_product_variation_invalid_parent",
            "Invalid parent product.",
        ));
    }
    if let Some(sku) = &ch.sku {
        store.check_sku(0, sku)?;
    }
    let now = app.now();
    let Some(id) = store.allocate_id(None) else {
        return Err(WcError::new(
            500,
            "woocommerce_rest_cannot_create",
            "Could not create the product.",
        ));
    };
    let mut item = Item::new(id, kind, now);
    if let Some(pid) = parent {
        item.parent_id = pid;
    }
    store.insert(item);
    if let Some(pid) = parent {
        store.with_item(pid, |p| p.variations.push(id));
    }
    if let Err(e) = store.apply(id, &ch, now) {
        store.remove(id);
        return Err(e);
    }
    Ok(id)
}

fn do_delete(
    app: &App,
    store: &mut Store,
    id: u64,
    parent: Option<u64>,
    force: bool,
) -> Result<Value, WcError> {
    let kind = kind_for(parent);
    if !visible(store, id, parent) {
        return Err(invalid_id(kind, 404));
    }
    let view = view_for(parent);
    let Some(item) = store.get(id) else {
        return Err(invalid_id(kind, 404));
    };
    let before = render_for(app, store, item, view, None);
    let post_type = if item.kind == Kind::Variation {
        "product_variation"
    } else {
        "product"
    };
    if force {
        let pid = item.parent_id;
        store.remove(id);
        if pid != 0 {
            store.sync_parent(pid, app.now());
        }
        return Ok(before);
    }
    if item.status == "trash" {
        return Err(WcError::new(
            410,
            "woocommerce_rest_already_trashed",
            &format!("The {post_type} has already been deleted."),
        ));
    }
    let now = app.now();
    store.with_item(id, |i| {
        i.status = "trash".into();
        i.modified = i.modified.max(now);
    });
    let Some(item) = store.get(id) else {
        return Err(invalid_id(kind, 404));
    };
    Ok(render_for(app, store, item, view, None))
}

fn render_id(app: &App, store: &Store, id: u64, parent: Option<u64>) -> Value {
    let view = view_for(parent);
    store
        .get(id)
        .map(|i| render_for(app, store, i, view, None))
        .unwrap_or(Value::Null)
}

fn create(ctx: &Ctx<'_>, body: &Map<String, Value>, parent: Option<u64>) -> Result<Reply, WcError> {
    let kind = kind_for(parent);
    // Argument validation comes before the permission check.
    changes(body, kind, Mode::Strict)?;
    if !ctx.authed {
        return Err(deny(
            "woocommerce_rest_cannot_create",
            "Sorry, you are not allowed to create resources.",
        ));
    }
    let mut store = write(&ctx.app.store);
    let id = do_create(ctx.app, &mut store, body, parent, Mode::Strict)?;
    let fields = requested_fields(ctx.query);
    let view = view_for(parent);
    let item_json = store
        .get(id)
        .map(|i| render_for(ctx.app, &store, i, view, fields.as_deref()))
        .unwrap_or(Value::Null);
    let location = match parent {
        Some(pid) => format!(
            "{}/wp-json/wc/v3/products/{pid}/variations/{id}",
            ctx.app.site()
        ),
        None => format!("{}/wp-json/wc/v3/products/{id}", ctx.app.site()),
    };
    Ok(Reply {
        status: 201,
        body: item_json,
        headers: vec![("location", location)],
    })
}

fn update(
    ctx: &Ctx<'_>,
    id: u64,
    body: &Map<String, Value>,
    parent: Option<u64>,
) -> Result<Reply, WcError> {
    let kind = kind_for(parent);
    changes(body, kind, Mode::Strict)?;
    let mut store = write(&ctx.app.store);
    if !ctx.authed && visible(&store, id, parent) {
        return Err(deny(
            "woocommerce_rest_cannot_edit",
            "Sorry, you are not allowed to edit this resource.",
        ));
    }
    let id = do_update(ctx.app, &mut store, id, body, parent, Mode::Strict)?;
    let fields = requested_fields(ctx.query);
    let view = view_for(parent);
    let item_json = store
        .get(id)
        .map(|i| render_for(ctx.app, &store, i, view, fields.as_deref()))
        .unwrap_or(Value::Null);
    Ok(Reply::ok(item_json))
}

fn delete(ctx: &Ctx<'_>, id: u64, parent: Option<u64>) -> Result<Reply, WcError> {
    let force = match ctx.query.get("force") {
        None => false,
        Some(v) => match v.to_ascii_lowercase().as_str() {
            "true" | "1" => true,
            "false" | "0" | "" => false,
            _ => {
                let mut bad =
                    WcError::new(400, "rest_invalid_param", "Invalid parameter(s): force");
                bad.data.insert(
                    "params".into(),
                    json!({"force": "force is not of type boolean."}),
                );
                bad.data.insert(
                    "details".into(),
                    json!({"force": {"code": "rest_invalid_type", "message": "force is not of type boolean.", "data": {"param": "force"}}}),
                );
                return Err(bad);
            }
        },
    };
    let mut store = write(&ctx.app.store);
    if !ctx.authed && visible(&store, id, parent) {
        return Err(deny(
            "woocommerce_rest_cannot_delete",
            "Sorry, you are not allowed to delete this resource.",
        ));
    }
    do_delete(ctx.app, &mut store, id, parent, force).map(Reply::ok)
}

fn item_error(id: Value, e: &WcError) -> Value {
    let body = e.body();
    json!({"id": id, "error": {"code": body["code"], "message": body["message"], "data": body["data"]}})
}

fn injected_failure() -> WcError {
    WcError::new(
        500,
        "emulator_injected_failure",
        "Injected batch item failure (emulator fault).",
    )
}

fn batch(ctx: &Ctx<'_>, body: &Map<String, Value>, parent: Option<u64>) -> Result<Reply, WcError> {
    // The batch endpoint's own arguments are validated (the items are not).
    let mut bad = Vec::new();
    for key in ["create", "update", "delete"] {
        if let Some(v) = body.get(key)
            && !v.is_array()
        {
            bad.push(key);
        }
    }
    if !bad.is_empty() {
        let mut e = WcError::new(
            400,
            "rest_invalid_param",
            &format!("Invalid parameter(s): {}", bad.join(", ")),
        );
        let mut params = Map::new();
        let mut details = Map::new();
        for k in &bad {
            let msg = format!("{k} is not of type array.");
            params.insert((*k).to_string(), json!(msg));
            details.insert(
                (*k).to_string(),
                json!({"code": "rest_invalid_type", "message": msg, "data": {"param": k}}),
            );
        }
        e.data.insert("params".into(), Value::Object(params));
        e.data.insert("details".into(), Value::Object(details));
        return Err(e);
    }
    if !ctx.authed {
        return Err(deny(
            "woocommerce_rest_cannot_batch",
            "Sorry, you are not allowed to batch manipulate this resource.",
        ));
    }
    let empty = Vec::new();
    let arr = |k: &str| body.get(k).and_then(Value::as_array).unwrap_or(&empty);
    let (creates, updates, deletes) = (arr("create"), arr("update"), arr("delete"));
    if creates.len() + updates.len() + deletes.len() > 100 {
        return Err(WcError::new(
            413,
            "woocommerce_rest_request_entity_too_large",
            "Unable to accept more than 100 items for this request.",
        ));
    }
    let fail = ctx.decision.batch_fail;
    let mut index = 0usize;
    let mut next_fails = || {
        let f = fail.is_some_and(|f| batch_item_fails(f, index));
        index += 1;
        f
    };
    let app = ctx.app;
    let mut store = write(&app.store);
    let mut out = Map::new();
    let empty_obj = Map::new();
    if !creates.is_empty() {
        let mut results = Vec::new();
        for item in creates {
            let obj = item.as_object().unwrap_or(&empty_obj);
            let r = if next_fails() {
                Err(injected_failure())
            } else {
                do_create(app, &mut store, obj, parent, Mode::Lenient)
            };
            results.push(match r {
                Ok(id) => render_id(app, &store, id, parent),
                Err(e) => item_error(json!(0), &e),
            });
        }
        out.insert("create".into(), Value::Array(results));
    }
    if !updates.is_empty() {
        let mut results = Vec::new();
        for item in updates {
            let obj = item.as_object().unwrap_or(&empty_obj);
            let given = obj.get("id").cloned().unwrap_or(Value::Null);
            let id = php_intval(&given).max(0) as u64;
            let r = if next_fails() {
                Err(injected_failure())
            } else {
                do_update(app, &mut store, id, obj, parent, Mode::Lenient)
            };
            results.push(match r {
                Ok(id) => render_id(app, &store, id, parent),
                Err(e) => item_error(given, &e),
            });
        }
        out.insert("update".into(), Value::Array(results));
    }
    if !deletes.is_empty() {
        let mut results = Vec::new();
        for item in deletes {
            let id = php_intval(item);
            if id == 0 {
                continue;
            }
            let r = if next_fails() {
                Err(injected_failure())
            } else if id < 0 {
                Err(invalid_id(kind_for(parent), 404))
            } else {
                do_delete(app, &mut store, id as u64, parent, true)
            };
            results.push(match r {
                Ok(v) => v,
                Err(e) => item_error(json!(id), &e),
            });
        }
        out.insert("delete".into(), Value::Array(results));
    }
    // PHP's empty array encodes as `[]`.
    Ok(Reply::ok(if out.is_empty() {
        json!([])
    } else {
        Value::Object(out)
    }))
}

fn system_status(ctx: &Ctx<'_>) -> Result<Reply, WcError> {
    if !ctx.authed {
        return Err(deny(
            "woocommerce_rest_cannot_view",
            "Sorry, you cannot list resources.",
        ));
    }
    let site = ctx.app.site();
    let offset = ctx.app.offset;
    let tz = format!(
        "{}{:02}:{:02}",
        if offset < 0 { '-' } else { '+' },
        offset.abs() / 3600,
        (offset.abs() % 3600) / 60
    );
    let (products, variations) = {
        let store = read(&ctx.app.store);
        let p = store.items().filter(|i| i.kind == Kind::Product).count();
        (p, store.len() - p)
    };
    let full = json!({
        "environment": {
            "home_url": site,
            "site_url": site,
            "store_id": "emulator",
            "version": "8.9.1",
            "log_directory": "/var/www/html/wp-content/uploads/wc-logs/",
            "log_directory_writable": true,
            "wp_version": "6.5.3",
            "wp_multisite": false,
            "wp_memory_limit": 268435456,
            "wp_debug_mode": false,
            "wp_cron": true,
            "language": "en_US",
            "external_object_cache": null,
            "server_info": "skusync-emulator",
            "php_version": "8.2.20",
            "php_post_max_size": 67108864,
            "php_max_execution_time": 30,
            "php_max_input_vars": 1000,
            "curl_version": "8.5.0, OpenSSL/3.0.13",
            "suhosin_installed": false,
            "max_upload_size": 67108864,
            "mysql_version": "8.0.36",
            "mysql_version_string": "8.0.36",
            "default_timezone": "UTC",
            "fsockopen_or_curl_enabled": true,
            "soapclient_enabled": true,
            "domdocument_enabled": true,
            "gzip_enabled": true,
            "mbstring_enabled": true,
            "remote_post_successful": true,
            "remote_post_response": 200,
            "remote_get_successful": true,
            "remote_get_response": 200
        },
        "database": {
            "wc_database_version": "8.9.1",
            "database_prefix": "wp_",
            "maxmind_geoip_database": "",
            "database_tables": {},
            "database_size": {"data": 1.5, "index": 0.5}
        },
        "active_plugins": [{
            "plugin": "woocommerce/woocommerce.php",
            "name": "WooCommerce",
            "version": "8.9.1",
            "version_latest": "8.9.1",
            "url": "https://woocommerce.com/",
            "author_name": "Automattic",
            "author_url": "https://woocommerce.com",
            "network_activated": false
        }],
        "inactive_plugins": [],
        "dropins_mu_plugins": {"dropins": [], "mu_plugins": []},
        "theme": {"name": "Storefront", "version": "4.5.5", "is_child_theme": false, "has_woocommerce_support": true},
        "settings": {
            "api_enabled": true,
            "force_ssl": false,
            "currency": "USD",
            "currency_symbol": "&#36;",
            "currency_position": "left",
            "thousand_separator": ",",
            "decimal_separator": ".",
            "number_of_decimals": 2,
            "geolocation_enabled": false,
            "taxonomies": {"external": "external", "grouped": "grouped", "simple": "simple", "variable": "variable"},
            "product_visibility_terms": {},
            "woocommerce_com_connected": "no",
            "enforce_approved_download_dirs": true,
            "order_datastore": "Automattic\\WooCommerce\\Internal\\DataStores\\Orders\\OrdersTableDataStore",
            "HPOS_enabled": true,
            "HPOS_sync_enabled": false,
            "timezone_offset": tz
        },
        "security": {"secure_connection": ctx.app.https, "hide_errors": true},
        "pages": [],
        "post_type_counts": [
            {"type": "product", "count": products},
            {"type": "product_variation", "count": variations}
        ]
    });
    let body = match (requested_fields(ctx.query), full) {
        (Some(f), Value::Object(m)) => Value::Object(apply_fields(m, &f, false)),
        (_, v) => v,
    };
    Ok(Reply::ok(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_and_templates() {
        assert_eq!(
            match_route("/wc/v3/products/12/variations/batch"),
            Some(Route::VariationsBatch(12))
        );
        assert_eq!(match_route("/wc/v3/products/abc"), None);
        assert_eq!(
            route_template("/wp-json/wc/v3/products/12/variations/13"),
            "/wc/v3/products/{id}/variations/{id}"
        );
    }

    #[test]
    fn php_json_escapes_like_json_encode() {
        assert_eq!(
            php_json(&json!({"u": "http://x/é"})),
            "{\"u\":\"http:\\/\\/x\\/\\u00e9\"}"
        );
    }

    #[test]
    fn link_repeats_the_query_like_add_query_arg() {
        let q = Query::parse(Some("per_page=100&page=2&sku=A,B&_fields=id,sku"));
        assert_eq!(
            page_link("http://h", "/wc/v3/products", &q, 3),
            "http://h/wp-json/wc/v3/products?per_page=100&page=3&sku=A%2CB&_fields=id%2Csku"
        );
        let q = Query::parse(Some("include[]=5&include[]=6"));
        assert_eq!(
            page_link("http://h", "/wc/v3/products", &q, 2),
            "http://h/wp-json/wc/v3/products?include%5B0%5D=5&include%5B1%5D=6&page=2"
        );
    }

    #[test]
    fn fields_keep_request_order_and_drop_unasked_id() {
        let full = json!({"id": 1, "date_modified_gmt": "d", "sku": "s", "dimensions": {"length": "1", "width": "2"}});
        let full = full.as_object().cloned().unwrap_or_default();
        let f = |s: &str| s.split(',').map(str::to_string).collect::<Vec<_>>();
        let out = apply_fields(full.clone(), &f("sku,date_modified_gmt"), true);
        assert_eq!(
            Value::Object(out).to_string(),
            r#"{"sku":"s","date_modified_gmt":"d"}"#
        );
        let out = apply_fields(full, &f("id,dimensions.width"), true);
        assert_eq!(
            Value::Object(out).to_string(),
            r#"{"id":1,"dimensions":{"width":"2"}}"#
        );
    }
}

#[cfg(test)]
mod timing {
    use super::*;
    use crate::store::ListQuery;

    /// `cargo test --release -p skusync-emulator --lib -- --ignored --nocapture`
    #[test]
    #[ignore]
    fn where_the_time_goes() {
        let seed = crate::seed::generate(100_000, 3);
        let store = crate::seed::load(&seed, 0, 0)
            .map(|l| l.store)
            .unwrap_or_default();
        let q = ListQuery::by_id(999, 100);
        for _ in 0..10 {
            let t = std::time::Instant::now();
            let (_, ids) = store.list(&q);
            let list = t.elapsed();
            let t = std::time::Instant::now();
            let items: Vec<Value> = ids
                .iter()
                .filter_map(|id| store.get(*id))
                .map(|i| {
                    let ctx = RenderCtx {
                        site: "http://x",
                        offset: 0,
                        parent: None,
                    };
                    Value::Object(render(i, View::Product, &ctx))
                })
                .collect();
            let rendered = t.elapsed();
            let t = std::time::Instant::now();
            let v = Value::Array(items);
            let s = v.to_string();
            let ser = t.elapsed();
            let t = std::time::Instant::now();
            let p = php_json(&v);
            let php = t.elapsed();
            eprintln!(
                "list {list:?} render {rendered:?} serialize {ser:?} ({}) php_json {php:?} ({})",
                s.len(),
                p.len()
            );
        }
    }
}
