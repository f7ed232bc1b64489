//! The emulator's own endpoints under `/__emulator/` (no auth, not counted):
//! state dump, request counter, faults, reset, outside edits and the clock.
//!
//! | endpoint | does |
//! |---|---|
//! | `GET /__emulator/state` | `{"products": [...]}` in the seed shape |
//! | `GET /__emulator/requests` | `{"total", "by_route": [{"method", "route", "count"}]}` |
//! | `GET, POST /__emulator/faults` | read / replace the fault rules |
//! | `POST /__emulator/reset` | reload the seed, clear counters and faults; `{"store": false}` keeps the store |
//! | `POST /__emulator/products` | an outside edit (a sale): `{"sku": "X", "stock_delta": -2}` |
//! | `GET, POST /__emulator/clock` | freeze, set or advance the store clock |

use crate::faults::{parse_spec, rule_from_json, rule_to_json};
use crate::item::{Kind, RenderCtx, View, format_date, parse_date, render, render_variation_state};
use crate::params::{Mode, changes};
use crate::seed;
use crate::server::{App, lock, read, render_for, write};
use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use serde_json::{Map, Value, json};

fn reply(status: StatusCode, body: &Value) -> Response {
    let mut resp = Response::new(Body::from(body.to_string()));
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

fn bad(status: StatusCode, message: impl Into<String>) -> Response {
    reply(status, &json!({"error": message.into()}))
}

fn body_json(body: &Bytes) -> Result<Value, Box<Response>> {
    let text = std::str::from_utf8(body).unwrap_or("").trim();
    if text.is_empty() {
        return Ok(json!({}));
    }
    serde_json::from_str(text).map_err(|e| {
        Box::new(bad(
            StatusCode::BAD_REQUEST,
            format!("invalid JSON body: {e}"),
        ))
    })
}

/// Handles one admin request.
pub(crate) fn handle(
    app: &App,
    method: &Method,
    path: &str,
    _query: Option<&str>,
    body: &Bytes,
) -> Response {
    let route = path.trim_end_matches('/');
    let result = match (method.as_str(), route) {
        ("GET", "/__emulator/state") => Ok(state(app)),
        ("GET", "/__emulator/requests") => Ok(requests(app)),
        ("GET", "/__emulator/faults") => Ok(faults_json(app)),
        ("POST", "/__emulator/faults") => body_json(body).map(|b| set_faults(app, &b)),
        ("POST", "/__emulator/reset") => body_json(body).map(|b| reset(app, &b)),
        ("POST", "/__emulator/products") => body_json(body).map(|b| outside_edit(app, &b)),
        ("GET", "/__emulator/clock") => Ok(clock(app, &json!({}))),
        ("POST", "/__emulator/clock") => body_json(body).map(|b| clock(app, &b)),
        _ => Err(Box::new(bad(
            StatusCode::NOT_FOUND,
            format!("no admin route {method} {path}"),
        ))),
    };
    result.unwrap_or_else(|r| *r)
}

fn state(app: &App) -> Response {
    let store = read(&app.store);
    let mut products = Vec::new();
    for item in store.items().filter(|i| i.kind == Kind::Product) {
        let ctx = RenderCtx {
            site: app.site(),
            offset: app.offset,
            parent: None,
        };
        let mut p = render(item, View::State, &ctx);
        let children: Vec<Value> = item
            .variations
            .iter()
            .filter_map(|id| store.get(*id))
            .map(|v| {
                let vctx = RenderCtx {
                    site: app.site(),
                    offset: app.offset,
                    parent: Some(item),
                };
                Value::Object(render_variation_state(v, &vctx))
            })
            .collect();
        p.insert("variations".into(), Value::Array(children));
        products.push(Value::Object(p));
    }
    reply(StatusCode::OK, &json!({ "products": products }))
}

fn requests(app: &App) -> Response {
    let counter = lock(&app.counter);
    let total: u64 = counter.values().sum();
    let by_route: Vec<Value> = counter
        .iter()
        .map(|((route, method), count)| json!({"method": method, "route": route, "count": count}))
        .collect();
    reply(
        StatusCode::OK,
        &json!({"total": total, "by_route": by_route}),
    )
}

fn faults_json(app: &App) -> Response {
    let f = lock(&app.faults);
    let rules: Vec<Value> = f.rules.iter().map(rule_to_json).collect();
    reply(StatusCode::OK, &json!({ "rules": rules }))
}

/// `{"spec": "...", "rules": [...], "seed": N, "append": false}`; an empty
/// body (or `{"clear": true}`) removes every fault.
fn set_faults(app: &App, b: &Value) -> Response {
    let mut rules = Vec::new();
    let mut seed = b.get("seed").and_then(Value::as_u64);
    if let Some(spec) = b.get("spec").and_then(Value::as_str) {
        match parse_spec(spec) {
            Ok((r, s)) => {
                rules.extend(r);
                seed = seed.or(s);
            }
            Err(e) => return bad(StatusCode::BAD_REQUEST, e.to_string()),
        }
    }
    if let Some(list) = b.get("rules").and_then(Value::as_array) {
        for r in list {
            match rule_from_json(r) {
                Ok(rule) => rules.push(rule),
                Err(e) => return bad(StatusCode::BAD_REQUEST, e.to_string()),
            }
        }
    }
    let append = b.get("append").and_then(Value::as_bool).unwrap_or(false);
    lock(&app.faults).set(rules, seed, append);
    faults_json(app)
}

/// Resets the emulator to a fresh start: reloads the seed into the store,
/// clears the request counter and the faults. Each part can be kept with
/// `"store": false` / `"requests": false` / `"faults": false` (the clock
/// keeps running forward, used nonces stay used).
fn reset(app: &App, b: &Value) -> Response {
    let flag = |k: &str, default: bool| b.get(k).and_then(Value::as_bool).unwrap_or(default);
    if flag("store", true) {
        let now = app.now();
        match seed::load(&app.seed, now, app.offset) {
            Ok(loaded) => *write(&app.store) = loaded.store,
            Err(e) => return bad(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
        }
    }
    if flag("requests", true) {
        lock(&app.counter).clear();
    }
    if flag("faults", true) {
        lock(&app.faults).set(Vec::new(), None, false);
    }
    reply(StatusCode::OK, &json!({"ok": true}))
}

/// An edit made outside the API (an order, a shop manager): by `sku` or
/// `id`; `stock_delta` changes a managed stock atomically (as an order's
/// `wc_update_product_stock` does), `set` applies WooCommerce fields
/// leniently. Moves `date_modified` like any save.
fn outside_edit(app: &App, b: &Value) -> Response {
    let mut store = write(&app.store);
    let id = match (
        b.get("id").and_then(Value::as_u64),
        b.get("sku").and_then(Value::as_str),
    ) {
        (Some(id), _) => id,
        (None, Some(sku)) => match store.sku_owner(sku) {
            Some(id) => id,
            None => {
                return bad(
                    StatusCode::NOT_FOUND,
                    format!("no product or variation with SKU {sku:?}"),
                );
            }
        },
        (None, None) => return bad(StatusCode::BAD_REQUEST, "give \"sku\" or \"id\""),
    };
    let Some(item) = store.get(id) else {
        return bad(
            StatusCode::NOT_FOUND,
            format!("no product or variation with id {id}"),
        );
    };
    let kind = item.kind;
    let mut body: Map<String, Value> = b
        .get("set")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    if let Some(d) = b.get("stock_delta") {
        let Some(d) = d.as_i64() else {
            return bad(StatusCode::BAD_REQUEST, "stock_delta must be an integer");
        };
        if !item.manage_stock {
            return bad(
                StatusCode::CONFLICT,
                format!("id {id} does not manage stock"),
            );
        }
        body.insert("inventory_delta".into(), json!(d));
    }
    let ch = match changes(&body, kind, Mode::Lenient) {
        Ok(c) => c,
        Err(e) => return reply(StatusCode::BAD_REQUEST, &e.body()),
    };
    let now = app.now();
    if let Err(e) = store.apply(id, &ch, now) {
        return reply(StatusCode::BAD_REQUEST, &e.body());
    }
    let Some(item) = store.get(id) else {
        return bad(StatusCode::NOT_FOUND, "gone");
    };
    reply(
        StatusCode::OK,
        &render_for(app, &store, item, View::Product, None),
    )
}

/// `{"set": "2026-11-24T06:00:00Z" | unix}` freezes the clock there (never
/// before the last time handed out), `{"advance": seconds}` moves a frozen
/// clock on, `{"real": true}` unfreezes it.
fn clock(app: &App, b: &Value) -> Response {
    let mut c = lock(&app.clock);
    if b.get("real").and_then(Value::as_bool) == Some(true) {
        c.frozen = None;
    }
    match b.get("set") {
        None | Some(Value::Null) => {}
        Some(Value::Number(n)) => c.frozen = n.as_i64(),
        Some(Value::String(s)) => match parse_date(s) {
            Some(t) => c.frozen = Some(t),
            None => return bad(StatusCode::BAD_REQUEST, format!("not a date: {s:?}")),
        },
        Some(_) => {
            return bad(
                StatusCode::BAD_REQUEST,
                "set must be a date string or unix seconds",
            );
        }
    }
    if let Some(a) = b.get("advance").and_then(Value::as_i64) {
        let base = c.frozen.unwrap_or_else(|| chrono::Utc::now().timestamp());
        c.frozen = Some(base.saturating_add(a));
    }
    let now = c.now();
    reply(
        StatusCode::OK,
        &json!({"now_gmt": format_date(now, 0), "now": format_date(now, app.offset), "unix": now, "frozen": c.frozen.is_some()}),
    )
}
