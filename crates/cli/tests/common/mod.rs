//! Helpers for the end-to-end tests of the `skusync` binary.
//!
//! - [`Store`]: the WooCommerce emulator started in-process on its own tokio
//!   runtime, so the tests stay synchronous while the binary runs as a real
//!   child process talking real HTTP to it; its admin endpoints (request
//!   counter, state dump, outside edits).
//! - [`Project`]: a temporary folder holding `rules.yaml`, CSV drops (each
//!   with its `.done` marker, so no test ever waits for a file to settle)
//!   and the state directory.
//! - [`Cli`]: runs the binary with a timeout and environment variables set
//!   on the child only, and checks that no secret it was given appears on
//!   stdout or stderr.
#![allow(dead_code)]

use serde_json::{Value, json};
use skusync_emulator::{Emulator, EmulatorOptions, Seed, Tls};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The longest a single `skusync` run may take before the test fails. The
/// runs take well under a second; the margin is for a loaded machine.
pub const RUN_TIMEOUT: Duration = Duration::from_secs(60);

/// The text of a file under `fixtures/e2e/`.
pub fn fixture(rel: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/e2e")
        .join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("fixture {}: {e}", path.display()))
}

/// The e2e store seed (`fixtures/e2e/store.json`).
pub fn store_seed() -> Value {
    serde_json::from_str(&fixture("store.json")).expect("fixtures/e2e/store.json is JSON")
}

/// The sources block most tests use: an ERP drop `erp` (comma-separated,
/// dot decimals, `.done` markers) in `./drops` and the store `shop`, whose
/// address and keys come from `${SHOP_URL}`, `${SHOP_KEY}`, `${SHOP_SECRET}`.
pub const ERP_AND_SHOP: &str = r#"
sources:
  erp:
    kind: csv
    path: ./drops
    pattern: "stock-*.csv"
    columns: { sku: "sku", price.regular: "price", stock.quantity: "stock" }
    complete: { marker: ".done" }
  shop:
    kind: woocommerce
    url: ${SHOP_URL}
    consumer_key: ${SHOP_KEY}
    consumer_secret: ${SHOP_SECRET}
    rate_limit: { per_second: 1000, burst: 1000 }
"#;

/// Rules: the ERP owns price and stock, the shop receives them.
pub fn erp_owns_price_and_stock() -> String {
    let rest = r#"
match:
  normalize: [trim, uppercase, collapse_spaces]
fields:
  price.regular:
    truth: erp
    targets: { shop: {} }
  stock.quantity:
    truth: erp
    targets: { shop: {} }
guards:
  max_changes: "50%"
  max_price_change: "20%"
"#;
    format!("version: 1\nstate_dir: ./state\n{ERP_AND_SHOP}{rest}")
}

/// A project whose ERP owns price and stock ([`erp_owns_price_and_stock`]),
/// with `csv` dropped (complete) as `drops/stock-1.csv`.
pub fn erp_project(csv: &str) -> Project {
    let project = Project::new();
    project.rules(&erp_owns_price_and_stock());
    project.drop_file("stock-1.csv", csv);
    project
}

/// A running emulator with its own runtime.
pub struct Store {
    runtime: tokio::runtime::Runtime,
    emulator: Option<Emulator>,
    http: reqwest::Client,
}

impl Store {
    /// Starts an emulator seeded with `seed` on 127.0.0.1 (a free port).
    pub fn start(seed: Value) -> Store {
        Store::start_with(seed, Tls::Off, None)
    }

    /// Starts an HTTPS emulator with a self-signed certificate, written
    /// (PEM) to `ca` for the rules' `ca_cert`.
    pub fn start_tls(seed: Value, ca: PathBuf) -> Store {
        Store::start_with(seed, Tls::SelfSigned, Some(ca))
    }

    fn start_with(seed: Value, tls: Tls, ca_out: Option<PathBuf>) -> Store {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a tokio runtime");
        let emulator = runtime
            .block_on(Emulator::start(EmulatorOptions {
                seed: Seed::Json(seed),
                tls,
                ca_out,
                ..EmulatorOptions::default()
            }))
            .expect("the emulator starts");
        let mut http = reqwest::Client::builder();
        if let Some(pem) = emulator.ca_cert_pem() {
            http = http.add_root_certificate(
                reqwest::Certificate::from_pem(pem.as_bytes()).expect("the emulator's CA"),
            );
        }
        Store {
            runtime,
            emulator: Some(emulator),
            http: http.build().expect("an HTTP client"),
        }
    }

    fn emu(&self) -> &Emulator {
        self.emulator.as_ref().expect("the emulator is running")
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        self.emu().url().to_string()
    }

    /// The read-write consumer key.
    pub fn key(&self) -> String {
        self.emu().consumer_key().to_string()
    }

    /// The read-write consumer secret.
    pub fn secret(&self) -> String {
        self.emu().consumer_secret().to_string()
    }

    /// The environment a rules file naming `${P_URL}`, `${P_KEY}`,
    /// `${P_SECRET}` needs, for prefix `P`.
    pub fn env(&self, prefix: &str) -> Vec<(String, String)> {
        vec![
            (format!("{prefix}_URL"), self.url()),
            (format!("{prefix}_KEY"), self.key()),
            (format!("{prefix}_SECRET"), self.secret()),
        ]
    }

    fn admin_get(&self, path: &str) -> Value {
        let url = format!("{}{path}", self.url());
        self.runtime.block_on(async {
            let resp = self.http.get(&url).send().await.expect("admin GET");
            assert!(resp.status().is_success(), "GET {path}: {}", resp.status());
            resp.json::<Value>().await.expect("admin JSON")
        })
    }

    fn admin_post(&self, path: &str, body: &Value) -> Value {
        let url = format!("{}{path}", self.url());
        self.runtime.block_on(async {
            let resp = self
                .http
                .post(&url)
                .json(body)
                .send()
                .await
                .expect("admin POST");
            let status = resp.status();
            let json = resp.json::<Value>().await.unwrap_or(Value::Null);
            assert!(status.is_success(), "POST {path} {body}: {status} {json}");
            json
        })
    }

    /// `GET /__emulator/requests`.
    pub fn requests(&self) -> Value {
        self.admin_get("/__emulator/requests")
    }

    /// API requests counted so far, by `"METHOD route"`.
    pub fn request_counts(&self) -> BTreeMap<String, u64> {
        let r = self.requests();
        let mut out = BTreeMap::new();
        for row in r["by_route"].as_array().expect("by_route is a list") {
            let key = format!(
                "{} {}",
                row["method"].as_str().expect("method"),
                row["route"].as_str().expect("route")
            );
            *out.entry(key).or_insert(0) += row["count"].as_u64().expect("count");
        }
        out
    }

    /// The total of API requests counted so far.
    pub fn request_total(&self) -> u64 {
        self.requests()["total"].as_u64().expect("total")
    }

    /// Clears the request counter (the store is kept).
    pub fn reset_requests(&self) {
        self.admin_post(
            "/__emulator/reset",
            &json!({"requests": true, "faults": false, "store": false}),
        );
    }

    /// Replaces the active faults (`POST /__emulator/faults`, SPEC grammar
    /// of docs/emulator.md; `""` clears them).
    pub fn faults(&self, spec: &str) {
        let body = if spec.is_empty() {
            json!({})
        } else {
            json!({ "spec": spec })
        };
        self.admin_post("/__emulator/faults", &body);
    }

    /// `GET /__emulator/state`: every product and variation.
    pub fn state(&self) -> Value {
        self.admin_get("/__emulator/state")
    }

    /// An edit made outside the API (`POST /__emulator/products`).
    pub fn edit(&self, body: Value) -> Value {
        self.admin_post("/__emulator/products", &body)
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        if let Some(emu) = self.emulator.take() {
            self.runtime.block_on(emu.shutdown());
        }
    }
}

/// A temporary project folder.
pub struct Project {
    dir: tempfile::TempDir,
}

impl Project {
    /// An empty folder.
    pub fn new() -> Project {
        Project {
            dir: tempfile::tempdir().expect("a temporary folder"),
        }
    }

    /// The folder.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `rel` inside the folder.
    pub fn join(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// Writes `text` to `rel` (creating folders).
    pub fn write(&self, rel: &str, text: &str) -> PathBuf {
        let path = self.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create folders");
        }
        std::fs::write(&path, text).expect("write a file");
        path
    }

    /// Writes `rules.yaml`.
    pub fn rules(&self, yaml: &str) -> PathBuf {
        self.write("rules.yaml", yaml)
    }

    /// Drops `drops/NAME` completely: the data, then its `.done` marker.
    pub fn drop_file(&self, name: &str, text: &str) -> PathBuf {
        let path = self.write(&format!("drops/{name}"), text);
        self.write(&format!("drops/{name}.done"), "");
        path
    }

    /// `skusync ARGS` run in this folder with `store` as `SHOP` (see
    /// [`Cli::store`]).
    pub fn run(&self, store: &Store, args: &[&str]) -> Output {
        skusync(self.path()).args(args).store("SHOP", store).run()
    }

    /// The names in `rel` (sorted), or `None` when it does not exist.
    pub fn list(&self, rel: &str) -> Option<Vec<String>> {
        let dir = std::fs::read_dir(self.join(rel)).ok()?;
        let mut names: Vec<String> = dir
            .map(|e| {
                e.expect("dir entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        names.sort();
        Some(names)
    }
}

/// What a run gave.
#[derive(Debug)]
pub struct Output {
    /// The exit code.
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Output {
    /// Stdout parsed as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }

    /// Panics with both streams unless the exit code is `code`.
    #[track_caller]
    pub fn expect_code(&self, code: i32) -> &Output {
        assert_eq!(
            self.code, code,
            "exit code\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }
}

/// A `skusync` command line being built.
pub struct Cli {
    cmd: assert_cmd::Command,
    secrets: Vec<String>,
}

/// `skusync` run in `dir` with a clean environment for the variables the
/// tests use (nothing from the parent's `SHOP_*` or `SKUSYNC_LOG` leaks in).
pub fn skusync(dir: &Path) -> Cli {
    let mut cmd = assert_cmd::Command::new(env!("CARGO_BIN_EXE_skusync"));
    cmd.current_dir(dir).timeout(RUN_TIMEOUT);
    for var in [
        "SKUSYNC_LOG",
        "RUST_LOG",
        "NO_COLOR",
        "SHOP_URL",
        "SHOP_KEY",
        "SHOP_SECRET",
        "OUTLET_URL",
        "OUTLET_KEY",
        "OUTLET_SECRET",
    ] {
        cmd.env_remove(var);
    }
    Cli {
        cmd,
        secrets: Vec::new(),
    }
}

impl Cli {
    /// Adds arguments.
    pub fn args<I, S>(mut self, args: I) -> Cli
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        self.cmd.args(args);
        self
    }

    /// Sets a variable on the child only.
    pub fn env(mut self, name: &str, value: &str) -> Cli {
        self.cmd.env(name, value);
        self
    }

    /// Sets `P_URL`, `P_KEY`, `P_SECRET` for `store`; its key and secret are
    /// then checked to be absent from the output.
    pub fn store(mut self, prefix: &str, store: &Store) -> Cli {
        for (k, v) in store.env(prefix) {
            self.cmd.env(k, v);
        }
        self.secrets.push(store.key());
        self.secrets.push(store.secret());
        self
    }

    /// [`Cli::store`], but with `P_{var}` set to `value` instead, or unset
    /// when `None`; `value` too is checked to be absent from the output.
    pub fn store_but(mut self, prefix: &str, store: &Store, var: &str, value: Option<&str>) -> Cli {
        let replaced = format!("{prefix}_{var}");
        for (k, v) in store.env(prefix) {
            if k != replaced {
                self.cmd.env(k, v);
            }
        }
        if let Some(value) = value {
            self.cmd.env(&replaced, value);
            self.secrets.push(value.to_string());
        }
        self.secrets.push(store.key());
        self.secrets.push(store.secret());
        self
    }

    /// Another string that must never appear in the output.
    pub fn secret(mut self, s: &str) -> Cli {
        self.secrets.push(s.to_string());
        self
    }

    /// Runs it (failing the test on a timeout) and checks that no secret
    /// appears on stdout or stderr.
    pub fn run(mut self) -> Output {
        let out = self.cmd.output().expect("skusync runs");
        let code = out.status.code().unwrap_or_else(|| {
            panic!(
                "skusync did not exit normally (timeout {RUN_TIMEOUT:?}?): {:?}\nstderr:\n{}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            )
        });
        let output = Output {
            code,
            stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
            stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
        };
        for s in &self.secrets {
            assert_no_secret(&output.stdout, s, "stdout");
            assert_no_secret(&output.stderr, s, "stderr");
        }
        output
    }
}

/// Panics (without printing the secret) when `text` contains it.
#[track_caller]
pub fn assert_no_secret(text: &str, secret: &str, what: &str) {
    assert!(!secret.is_empty());
    assert!(
        !text.contains(secret),
        "a secret ({} chars, starting {:?}) appears in {what}",
        secret.len(),
        &secret[..secret.len().min(3)]
    );
}

/// `text` with every RFC 3339 UTC timestamp (`2026-11-24T10:00:00Z`)
/// replaced by `<TIME>`, to compare reports made at different seconds.
pub fn mask_times(text: &str) -> String {
    let b = text.as_bytes();
    let shape = b"dddd-dd-ddTdd:dd:ddZ";
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < b.len() {
        let fits = b.len() - i >= shape.len()
            && shape.iter().zip(&b[i..]).all(|(s, c)| match s {
                b'd' => c.is_ascii_digit(),
                other => other == c,
            });
        if fits {
            out.push_str("<TIME>");
            i += shape.len();
        } else {
            let ch = text[i..].chars().next().expect("a char");
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    out
}

/// The changes of a plan JSON without the `remote` extension, as compact
/// JSON lines (for exact comparisons).
pub fn change_lines(plan: &Value) -> Vec<String> {
    plan["changes"]
        .as_array()
        .expect("changes is a list")
        .iter()
        .map(|c| {
            let mut c = c.clone();
            if let Some(o) = c.as_object_mut() {
                o.remove("remote");
            }
            c.to_string()
        })
        .collect()
}

/// The contract's top-level keys, and the extensions DESIGN.md allows.
const CONTRACT_KEYS: [&str; 9] = [
    "plan_version",
    "generated_at",
    "inputs_digest",
    "summary",
    "changes",
    "conflicts",
    "unmatched",
    "identity",
    "guards",
];
const EXTENSION_KEYS: [&str; 2] = ["flagged_drift", "state"];

/// DESIGN.md's field list, in the order changes of one SKU are sorted.
const FIELD_ORDER: [&str; 8] = [
    "price.regular",
    "price.sale",
    "stock.quantity",
    "stock.status",
    "stock.manage",
    "stock.backorders",
    "name",
    "status",
];

fn is_money(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => {
            let digits = s.strip_prefix('-').unwrap_or(s);
            let (int, frac) = digits.split_once('.').unwrap_or((digits, "0"));
            !int.is_empty()
                && !frac.is_empty()
                && int.bytes().all(|b| b.is_ascii_digit())
                && frac.bytes().all(|b| b.is_ascii_digit())
        }
        _ => false,
    }
}

fn is_quantity(v: &Value) -> bool {
    v.is_null() || v.is_i64()
}

/// Checks every contract rule that holds for any plan.
pub fn check_contract(plan: &Value) {
    let obj = plan.as_object().expect("the plan is an object");
    for key in CONTRACT_KEYS {
        assert!(obj.contains_key(key), "missing top-level key `{key}`");
    }
    for key in obj.keys() {
        assert!(
            CONTRACT_KEYS.contains(&key.as_str()) || EXTENSION_KEYS.contains(&key.as_str()),
            "unexpected top-level key `{key}`"
        );
    }
    assert_eq!(plan["plan_version"], json!(1));

    let generated = plan["generated_at"]
        .as_str()
        .expect("generated_at is a string");
    let parsed = chrono::DateTime::parse_from_rfc3339(generated)
        .unwrap_or_else(|e| panic!("generated_at {generated:?} is not RFC 3339: {e}"));
    assert_eq!(parsed.offset().local_minus_utc(), 0, "generated_at is UTC");

    let digest = plan["inputs_digest"]
        .as_str()
        .expect("inputs_digest is a string");
    let hex = digest
        .strip_prefix("sha256:")
        .unwrap_or_else(|| panic!("inputs_digest {digest:?} starts with sha256:"));
    assert_eq!(hex.len(), 64, "sha256 has 64 hex digits: {digest}");
    assert!(
        hex.bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    );

    let changes = plan["changes"].as_array().expect("changes is a list");
    let conflicts = plan["conflicts"].as_array().expect("conflicts is a list");
    let unmatched = plan["unmatched"].as_array().expect("unmatched is a list");
    let identity = plan["identity"].as_array().expect("identity is a list");
    let guards = plan["guards"].as_array().expect("guards is a list");
    let flagged = plan
        .get("flagged_drift")
        .map(|f| f.as_array().expect("flagged_drift is a list").len())
        .unwrap_or(0);

    let summary = plan["summary"].as_object().expect("summary is an object");
    for key in ["matched", "changes", "conflicts", "unmatched", "drift"] {
        assert!(
            summary[key].is_u64(),
            "summary.{key} is a count: {}",
            summary[key]
        );
    }
    assert_eq!(
        summary.len(),
        5,
        "summary has exactly the contract's counts"
    );
    assert_eq!(summary["changes"], json!(changes.len()));
    assert_eq!(summary["conflicts"], json!(conflicts.len()));
    assert_eq!(summary["unmatched"], json!(unmatched.len()));
    let drift_changes = changes.iter().filter(|c| c["reason"] == "drift").count();
    assert_eq!(summary["drift"], json!(drift_changes + flagged));

    let mut previous: Option<(String, String, usize)> = None;
    for c in changes {
        for key in [
            "target", "sku", "field", "from", "to", "base", "reason", "source", "rule",
        ] {
            assert!(c.get(key).is_some(), "change without `{key}`: {c}");
        }
        let field = c["field"].as_str().expect("field is a string");
        let rank = FIELD_ORDER
            .iter()
            .position(|f| *f == field)
            .unwrap_or_else(|| panic!("unknown field {field}"));
        let key = (
            c["target"].as_str().expect("target").to_string(),
            c["sku"].as_str().expect("sku").to_string(),
            rank,
        );
        if let Some(p) = &previous {
            assert!(*p < key, "changes out of order: {p:?} then {key:?}");
        }
        previous = Some(key);
        let reason = c["reason"].as_str().expect("reason is a string");
        assert!(
            ["truth", "drift", "merge", "newest"].contains(&reason),
            "reason {reason}"
        );
        assert_eq!(c["rule"], json!(format!("fields.{field}")), "rule of {c}");
        let typed: fn(&Value) -> bool = if field.starts_with("price.") {
            is_money
        } else if field == "stock.quantity" {
            is_quantity
        } else {
            |_| true
        };
        for key in ["from", "to", "base"] {
            assert!(typed(&c[key]), "`{key}` of {c} has the wrong type");
        }
        // Every change carries `delta`: `null` unless the write is relative.
        assert!(c.get("delta").is_some(), "`delta` is always present: {c}");
        if reason == "merge" {
            // A relative write carries its delta; an absolute one (first
            // run, seeded from `seed_from`, or a side joining) has `null`.
            if !c["base"].is_null() {
                assert!(
                    c["delta"].is_i64(),
                    "a relative merge carries its delta: {c}"
                );
            }
            let (from, to) = (c["from"].as_i64(), c["to"].as_i64());
            if let (Some(from), Some(to), true) = (from, to, c["delta"].is_i64()) {
                assert_eq!(c["delta"], json!(to - from));
            }
        } else {
            assert!(c["delta"].is_null(), "only merges carry a delta: {c}");
            assert!(
                c["source"].is_string(),
                "truth/newest/drift name a source: {c}"
            );
        }
        assert_ne!(c["from"], c["to"], "a change changes something: {c}");
    }

    let mut previous_unmatched: Option<(String, String)> = None;
    for u in unmatched {
        let key = (
            u["source"].as_str().expect("unmatched.source").to_string(),
            u["sku"].as_str().expect("unmatched.sku").to_string(),
        );
        if let Some(p) = &previous_unmatched {
            assert!(*p < key, "unmatched out of order: {p:?} then {key:?}");
        }
        previous_unmatched = Some(key);
    }
    for i in identity {
        assert!(i["source"].is_string() && i["sku"].is_string(), "{i}");
        let problem = i["problem"].as_str().expect("identity.problem");
        assert!(
            ["duplicate", "ambiguous", "empty"].contains(&problem),
            "{i}"
        );
        assert!(
            i["ids"].as_array().expect("ids").iter().all(Value::is_u64),
            "{i}"
        );
    }
    for g in guards {
        assert!(g["name"].is_string() && g["limit"].is_string() && g["value"].is_string());
        assert!(g["tripped"].is_boolean(), "{g}");
    }
}

/// The WooCommerce product field a plan field is written to.
fn woo_field(field: &str) -> &'static str {
    match field {
        "price.regular" => "regular_price",
        "price.sale" => "sale_price",
        "stock.quantity" => "stock_quantity",
        "stock.status" => "stock_status",
        "stock.manage" => "manage_stock",
        "stock.backorders" => "backorders",
        "name" => "name",
        "status" => "status",
        other => panic!("unknown field {other}"),
    }
}

/// Stands in for `skusync apply` (not built yet): writes every change of
/// `plan` (plan JSON) to its store as an outside edit on the item's
/// `remote` id (a `merge` change as a relative `stock_delta`, everything
/// else as an absolute value), then records in `project/state_dir` what the
/// engine's `settle` says a fully confirmed apply records.
pub fn simulate_apply(
    project: &Project,
    state_dir: &str,
    stores: &[(&str, &Store)],
    plan: &Value,
    run: &str,
) {
    for c in plan["changes"].as_array().expect("changes") {
        let target = c["target"].as_str().expect("target");
        let store = stores
            .iter()
            .find(|(name, _)| *name == target)
            .unwrap_or_else(|| panic!("no store for target {target}"))
            .1;
        let id = c["remote"]["id"]
            .as_u64()
            .expect("a change carries its remote id");
        let field = c["field"].as_str().expect("field");
        let body = match c.get("delta").filter(|d| !d.is_null()) {
            Some(delta) if c["reason"] == "merge" && !c["from"].is_null() => {
                json!({"id": id, "stock_delta": delta})
            }
            _ => json!({"id": id, "set": {woo_field(field): c["to"]}}),
        };
        store.edit(body);
    }
    let typed: skusync_model::Plan =
        serde_json::from_value(plan.clone()).expect("the plan JSON reads back as a Plan");
    let updates = skusync_engine::settle(&typed, |_, _| skusync_engine::Outcome::Confirmed);
    let state = skusync_state::StateStore::open(project.join(state_dir)).expect("state opens");
    let run = skusync_state::RunId::new(run).expect("run id");
    state
        .record(
            &run,
            plan["generated_at"].as_str().expect("generated_at"),
            &updates,
        )
        .expect("state records");
    state.flush().expect("state flushes");
}
