//! What `skusync plan` must never do, end to end: write to a store, a drop
//! folder or the state; read more than the minimum; act on bad input (rules,
//! environment, CSV rows, a truncated drop, wrong keys); leak a secret; or
//! turn a missing value into zero.

mod common;

use common::{
    ERP_AND_SHOP, Project, Store, erp_owns_price_and_stock, erp_project, fixture, skusync,
    store_seed,
};
use serde_json::{Value, json};
use std::collections::BTreeMap;

fn counts(pairs: &[(&str, u64)]) -> BTreeMap<String, u64> {
    pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
}

/// A store seeded with `fixtures/e2e/store.json` and a project whose ERP
/// owns price and stock, with `csv` dropped as `stock-1.csv`.
fn erp_drop_and_store(csv: &str) -> (Store, Project) {
    let store = Store::start(store_seed());
    (store, erp_project(csv))
}

/// Every request the store saw was a read.
#[track_caller]
fn only_reads(store: &Store) {
    for route in store.request_counts().keys() {
        assert!(route.starts_with("GET "), "plan sent {route}");
    }
}

#[test]
fn plan_reads_and_writes_nothing_anywhere() {
    let store = Store::start(store_seed());
    let project = Project::new();
    // With an archive folder configured: plan must not move the drop there.
    let rules = erp_owns_price_and_stock().replace(
        "    complete: { marker: \".done\" }\n",
        "    complete: { marker: \".done\" }\n    archive: ./archive\n",
    );
    assert!(rules.contains("archive"), "the rules template changed");
    project.rules(&rules);
    project.drop_file("stock-1.csv", &fixture("erp/stock-1.csv"));
    let drops_before = project.list("drops");
    let store_before = store.state();

    for format in ["json", "text", "markdown", "html", "csv"] {
        project
            .run(&store, &["plan", "--format", format])
            .expect_code(0);
    }
    project
        .run(
            &store,
            &["plan", "--detailed-exitcode", "--out", "plan.txt"],
        )
        .expect_code(2);

    only_reads(&store);
    assert!(store.request_total() > 0, "the store was read");
    assert_eq!(store.state(), store_before, "the store is unchanged");
    assert_eq!(
        project.list("drops"),
        drops_before,
        "the drop folder is unchanged"
    );
    assert_eq!(project.list("archive"), None, "nothing was archived");
    assert_eq!(
        project.list("state"),
        None,
        "plan does not create the state_dir"
    );
}

#[test]
fn a_full_read_costs_the_minimum_list_requests() {
    // 250 generated products, every 10th variable with 3 variations (25
    // variable products), plus one variable product with 101 variations.
    let mut seed = skusync_emulator::seed::generate(250, 10);
    let big: Vec<Value> = (1..=101)
        .map(|n| {
            json!({"sku": format!("BIG-{n:03}"), "regular_price": "5.00", "manage_stock": true,
                   "stock_quantity": n, "attributes": [{"id": 0, "name": "N", "slug": "n", "option": n.to_string()}]})
        })
        .collect();
    seed["products"].as_array_mut().expect("products").push(json!({
        "name": "Big variable", "type": "variable", "sku": "BIG",
        "attributes": [{"id": 0, "name": "N", "slug": "n", "position": 0, "visible": true, "variation": true,
                        "options": (1..=101).map(|n| n.to_string()).collect::<Vec<_>>()}],
        "variations": big,
    }));
    let store = Store::start(seed);
    let project = Project::new();
    project.rules(&erp_owns_price_and_stock());
    project.drop_file(
        "stock-1.csv",
        "sku,price,stock\nGEN-000001,21.00,1\nGEN-000010-M,20,5\nBIG-101,5.00,100\n",
    );

    let out = project.run(&store, &["plan", "--format", "json"]);
    out.expect_code(0);
    let plan = out.json();
    assert_eq!(plan["summary"]["matched"], 3, "{}", out.stdout);

    // ceil(251 / 100) product pages + one page for each small variable
    // product + ceil(101 / 100) pages for the big one. Nothing else.
    assert_eq!(
        store.request_counts(),
        counts(&[
            ("GET /wc/v3/products", 3),
            ("GET /wc/v3/products/{id}/variations", 25 + 2),
        ])
    );
    assert_eq!(store.request_total(), 30);
}

#[test]
fn a_rules_error_names_file_line_column_and_nothing_is_read() {
    let store = Store::start(store_seed());
    let project = Project::new();
    let rules = erp_owns_price_and_stock().replacen("truth: erp", "truth: epr", 1);
    project.rules(&rules);
    project.drop_file("stock-1.csv", &fixture("erp/stock-1.csv"));
    let (line, col) = rules
        .lines()
        .enumerate()
        .find_map(|(i, l)| l.find("epr").map(|c| (i + 1, c + 1)))
        .expect("the typo is in the rules");

    let out = project.run(&store, &["plan", "--format", "json", "--detailed-exitcode"]);
    out.expect_code(1);
    let expected =
        format!("rules.yaml:{line}:{col}: fields.price.regular.truth: source `epr` is not defined");
    assert!(
        out.stderr.contains(&expected),
        "{expected}\nin:\n{}",
        out.stderr
    );
    assert!(out.stderr.contains("did you mean `erp`"), "{}", out.stderr);
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    assert_eq!(
        store.request_total(),
        0,
        "rules are validated before any request"
    );
    assert_eq!(project.list("state"), None);
}

#[test]
fn an_unset_variable_is_named_and_nothing_is_read() {
    let (store, project) = erp_drop_and_store(&fixture("erp/stock-1.csv"));

    let out = skusync(project.path())
        .args(["plan"])
        .store_but("SHOP", &store, "SECRET", None)
        .run();
    out.expect_code(1);
    assert!(out.stderr.contains("SHOP_SECRET"), "{}", out.stderr);
    assert!(out.stderr.contains("not set"), "{}", out.stderr);
    assert!(out.stderr.contains("rules.yaml:"), "{}", out.stderr);
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    assert_eq!(store.request_total(), 0);
}

#[test]
fn a_literal_secret_in_the_rules_is_refused_without_repeating_it() {
    let store = Store::start(store_seed());
    let project = Project::new();
    let literal = "cs_literal_in_the_file_0123456789";
    project.rules(&erp_owns_price_and_stock().replace(
        "consumer_secret: ${SHOP_SECRET}",
        &format!("consumer_secret: {literal}"),
    ));
    project.drop_file("stock-1.csv", &fixture("erp/stock-1.csv"));
    let out = skusync(project.path())
        .args(["plan"])
        .store("SHOP", &store)
        .secret(literal)
        .run();
    out.expect_code(1);
    assert!(out.stderr.contains("consumer_secret"), "{}", out.stderr);
    assert!(out.stderr.contains("environment"), "{}", out.stderr);
    assert_eq!(store.request_total(), 0);
}

#[test]
fn an_invalid_csv_row_is_refused_with_file_line_column() {
    let (store, project) =
        erp_drop_and_store("sku,price,stock\nKREM-50,72.00,12\nLIP-VAN,abc,58\nHOOD-S,59.90,0\n");
    let store_before = store.state();

    let out = project.run(&store, &["plan", "--format", "json", "--detailed-exitcode"]);
    out.expect_code(1);
    assert!(
        out.stderr
            .contains("stock-1.csv:3:2: \"abc\" is not a number in column \"price\""),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("rejected"), "{}", out.stderr);
    assert!(
        out.stdout.is_empty(),
        "no plan from a rejected drop:\n{}",
        out.stdout
    );
    only_reads(&store);
    assert_eq!(store.state(), store_before);
    assert!(
        project.join("drops/stock-1.csv").exists(),
        "the drop stays for the operator"
    );
}

#[test]
fn a_truncated_drop_is_held_back() {
    // The drop memory an earlier accepted 10-row file left in the state
    // (what an apply records under the watermark `csv-drop` of the source).
    let store = Store::start(store_seed());
    let project = Project::new();
    project.rules(&erp_owns_price_and_stock());
    {
        let state = skusync_state::StateStore::open(project.join("state")).expect("state opens");
        let memory = skusync_csv_drop::DropMemory {
            last_checksum: Some(format!("sha256:{}", "0".repeat(64))),
            last_rows: Some(10),
            last_file: Some("stock-0.csv".to_string()),
        };
        state
            .set_watermark(
                &skusync_model::SourceId::new("erp"),
                "csv-drop",
                &serde_json::to_string(&memory).expect("memory JSON"),
            )
            .expect("watermark");
        state.flush().expect("flush");
    }
    project.drop_file(
        "stock-1.csv",
        "sku,price,stock\nKREM-50,72.00,12\nLIP-VAN,9.50,58\nHOOD-S,59.90,0\n",
    );

    let out = project.run(&store, &["plan", "--format", "json", "--detailed-exitcode"]);
    out.expect_code(1);
    assert!(out.stderr.contains("stock-1.csv"), "{}", out.stderr);
    assert!(out.stderr.contains("held back"), "{}", out.stderr);
    assert!(
        out.stderr.contains("3 rows") && out.stderr.contains("10"),
        "both row counts:\n{}",
        out.stderr
    );
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    only_reads(&store);

    // The memory is untouched: the next good file is still compared with 10 rows.
    let state = skusync_state::StateStore::open(project.join("state")).expect("state opens");
    let memory = state
        .watermark(&skusync_model::SourceId::new("erp"), "csv-drop")
        .expect("watermark")
        .expect("still there");
    let memory: skusync_csv_drop::DropMemory = serde_json::from_str(&memory).expect("memory");
    assert_eq!(memory.last_rows, Some(10));
}

#[test]
fn a_wrong_secret_is_explained_and_never_printed() {
    let (store, project) = erp_drop_and_store(&fixture("erp/stock-1.csv"));
    let wrong = format!("cs_{}", "7".repeat(40));

    let out = skusync(project.path())
        .args(["plan", "--format", "json"])
        .store_but("SHOP", &store, "SECRET", Some(&wrong))
        .run();
    out.expect_code(1);
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    assert!(
        out.stderr.contains("shop"),
        "names the store:\n{}",
        out.stderr
    );
    assert!(out.stderr.contains("401"), "{}", out.stderr);
    // The explanation an operator needs: the key is known, its secret is not
    // the one the store has (docs/woocommerce.md, diagnosis "wrong secret").
    assert!(
        out.stderr.to_lowercase().contains("secret"),
        "the message says the consumer secret is wrong:\n{}",
        out.stderr
    );
    only_reads(&store);
}

#[test]
fn an_unknown_key_is_explained_and_never_printed() {
    let (store, project) = erp_drop_and_store(&fixture("erp/stock-1.csv"));
    let wrong_key = format!("ck_{}", "5".repeat(40));

    let out = skusync(project.path())
        .args(["plan"])
        .store_but("SHOP", &store, "KEY", Some(&wrong_key))
        .run();
    out.expect_code(1);
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    assert!(out.stderr.contains("401"), "{}", out.stderr);
    assert!(
        out.stderr.to_lowercase().contains("key"),
        "the message says the consumer key is unknown:\n{}",
        out.stderr
    );
}

#[test]
fn missing_skus_and_empty_cells_never_become_zero() {
    // KREM-50: empty price (store 69.00); HOOD-M: empty stock (store 6);
    // SUN-50, LIP-VAN, SOAP-1, HOOD-S: not listed at all.
    let (store, project) =
        erp_drop_and_store("sku,price,stock\nKREM-50,,11\nHOOD-M,59.90,\nNOSTOCK,10.00,3\n");

    let out = project.run(&store, &["plan", "--format", "json", "--detailed-exitcode"]);
    out.expect_code(2);
    let plan = out.json();
    assert_eq!(
        common::change_lines(&plan),
        [json!({"target": "shop", "sku": "KREM-50", "field": "stock.quantity", "from": 12, "to": 11,
                "base": null, "reason": "truth", "source": "erp", "rule": "fields.stock.quantity", "delta": null})
        .to_string()],
        "only the value the drop gives; nothing for empty cells, unlisted SKUs or unmanaged stock"
    );
    let unmatched: Vec<&str> = plan["unmatched"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| u["source"] == "shop")
        .map(|u| u["sku"].as_str().unwrap())
        .collect();
    for sku in ["SUN-50", "LIP-VAN", "soap-1", "HOOD-S"] {
        assert!(
            unmatched.iter().any(|u| u.eq_ignore_ascii_case(sku)),
            "{sku} is listed as unmatched: {unmatched:?}"
        );
    }

    // An empty drop folder: the ERP takes no part, nothing changes at all.
    let empty = Project::new();
    empty.rules(&erp_owns_price_and_stock());
    std::fs::create_dir_all(empty.join("drops")).unwrap();
    let out = empty.run(&store, &["plan", "--format", "json", "--detailed-exitcode"]);
    out.expect_code(0);
    assert_eq!(out.json()["changes"], json!([]));
    assert!(
        out.stderr.contains("erp"),
        "says the ERP took no part:\n{}",
        out.stderr
    );
}

#[test]
fn duplicate_skus_in_a_drop_with_skip_are_identity_problems_never_unmatched() {
    let store = Store::start(store_seed());
    let project = Project::new();
    let rules = format!(
        "version: 1\nstate_dir: ./state\n{}\nfields:\n  price.regular:\n    truth: erp\n    targets: {{ shop: {{}} }}\n",
        ERP_AND_SHOP.replace(
            "    complete: { marker: \".done\" }\n",
            "    complete: { marker: \".done\" }\n    on_invalid: skip\n"
        )
    );
    assert!(rules.contains("on_invalid: skip"));
    project.rules(&rules);
    project.drop_file(
        "stock-1.csv",
        "sku,price,stock\nKREM-50,72.00,12\nLIP-VAN,9.50,58\nKREM-50,73.00,12\n",
    );
    let out = project.run(&store, &["plan", "--format", "json"]);
    out.expect_code(0);
    let plan = out.json();
    assert!(
        !plan["changes"].to_string().contains("KREM-50"),
        "a duplicated SKU is never written: {}",
        plan["changes"]
    );
    let identity = plan["identity"].as_array().unwrap();
    let erp_duplicate = identity
        .iter()
        .find(|i| i["source"] == "erp" && i["sku"] == "KREM-50");
    assert_eq!(
        erp_duplicate.map(|i| &i["problem"]),
        Some(&json!("duplicate")),
        "the ERP's duplicate KREM-50 (lines 2 and 4) is in identity: {}",
        plan["identity"]
    );
    assert!(
        !plan["unmatched"].to_string().contains("KREM-50"),
        "KREM-50 is listed by both sources, so it is not unmatched: {}",
        plan["unmatched"]
    );
}

#[test]
fn trace_logs_never_show_a_secret_over_oauth_or_basic_auth() {
    // Plain HTTP: OAuth 1.0a signatures (the key travels in every request).
    let (store, project) = erp_drop_and_store(&fixture("erp/stock-1.csv"));
    let out = project.run(&store, &["-vvv", "plan", "--format", "json"]);
    out.expect_code(0);
    assert!(!out.stderr.is_empty(), "-vvv logs something");
    let out = skusync(project.path())
        .args(["plan", "--format", "json"])
        .env("SKUSYNC_LOG", "trace")
        .store("SHOP", &store)
        .run();
    out.expect_code(0);

    // HTTPS: Basic auth (key and secret in a header on every request).
    let tls_project = Project::new();
    let ca = tls_project.join("ca.pem");
    let tls_store = Store::start_tls(store_seed(), ca);
    tls_project.rules(&erp_owns_price_and_stock().replace(
        "    rate_limit: { per_second: 1000, burst: 1000 }\n",
        "    rate_limit: { per_second: 1000, burst: 1000 }\n    ca_cert: ./ca.pem\n",
    ));
    tls_project.drop_file("stock-1.csv", &fixture("erp/stock-1.csv"));
    assert!(tls_store.url().starts_with("https://"));
    let out = tls_project.run(&tls_store, &["-vvv", "plan", "--format", "json"]);
    out.expect_code(0);
    // No `Authorization: Basic …` header (key and secret in base64) either.
    assert!(
        !out.stderr.to_lowercase().contains("authorization:"),
        "{}",
        out.stderr
    );
    assert_eq!(
        out.json()["summary"]["changes"],
        5,
        "the HTTPS store was read"
    );
}

#[test]
fn quiet_prints_the_report_and_nothing_else() {
    let (store, project) = erp_drop_and_store(&fixture("erp/stock-1.csv"));
    let out = project.run(&store, &["--quiet", "plan", "--format", "json"]);
    out.expect_code(0);
    assert_eq!(out.json()["summary"]["changes"], 5);
    assert_eq!(out.stderr, "", "--quiet: no notes, no warnings");
}

#[test]
fn a_simple_product_and_a_variation_sharing_a_sku_are_ambiguous_and_never_written() {
    let mut seed = store_seed();
    // `HOOD  S` (two spaces) is `HOOD S` after collapse_spaces… and so is the
    // variation below.
    seed["products"].as_array_mut().unwrap().push(json!(
        {"id": 120, "name": "Hoodie S (simple)", "type": "simple", "status": "publish", "sku": "HOOD  S",
         "regular_price": "50.00", "manage_stock": true, "stock_quantity": 1}
    ));
    seed["products"].as_array_mut().unwrap().push(json!(
        {"id": 130, "name": "Hoodie Zip", "type": "variable", "status": "publish", "sku": "HOODZ",
         "attributes": [{"id": 0, "name": "Size", "slug": "size", "position": 0, "visible": true,
                         "variation": true, "options": ["S"]}],
         "variations": [{"id": 131, "sku": "HOOD S", "regular_price": "60.00", "manage_stock": true,
                         "stock_quantity": 2, "attributes": [{"id": 0, "name": "Size", "slug": "size", "option": "S"}]}]}
    ));
    let store = Store::start(seed);
    let project = Project::new();
    project.rules(&erp_owns_price_and_stock());
    project.drop_file(
        "stock-1.csv",
        &format!("{}HOOD S,55.00,9\n", fixture("erp/stock-1.csv")),
    );
    let out = project.run(&store, &["plan", "--format", "json"]);
    out.expect_code(0);
    let plan = out.json();
    let ambiguous: Vec<&Value> = plan["identity"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["problem"] == "ambiguous")
        .collect();
    assert_eq!(ambiguous.len(), 1, "{}", plan["identity"]);
    assert_eq!(ambiguous[0]["source"], "shop");
    assert_eq!(ambiguous[0]["sku"], "HOOD S");
    assert_eq!(ambiguous[0]["ids"], json!([120, 131]));
    assert!(
        !plan["changes"].to_string().contains("HOOD S"),
        "an ambiguous SKU is never written: {}",
        plan["changes"]
    );
    assert_eq!(plan["summary"]["changes"], 5, "the other changes stay");
}

#[test]
fn plan_while_another_process_holds_the_state_says_so() {
    let (store, project) = erp_drop_and_store(&fixture("erp/stock-1.csv"));
    let held = skusync_state::StateStore::open(project.join("state")).expect("state opens");

    let out = project.run(&store, &["plan", "--format", "json"]);
    drop(held);
    if out.code != 0 {
        // Refusing is acceptable only with a message an operator can act on.
        out.expect_code(1);
        assert!(out.stderr.contains("state"), "{}", out.stderr);
        assert!(
            out.stderr.to_lowercase().contains("lock") || out.stderr.contains("in use"),
            "says the state is locked by another process:\n{}",
            out.stderr
        );
        assert!(out.stdout.is_empty());
    } else {
        assert_eq!(out.json()["summary"]["changes"], 5);
    }
}

#[test]
#[ignore = "bug: plan rewrites the sled files of an existing state_dir (sled writes its log and a snapshot on open); a dry run should leave the state byte-identical"]
fn plan_leaves_an_existing_state_byte_identical() {
    let (store, project) = erp_drop_and_store(&fixture("erp/stock-1.csv"));
    let first = project.run(&store, &["plan", "--format", "json"]);
    first.expect_code(0);
    common::simulate_apply(
        &project,
        "state",
        &[("shop", &store)],
        &first.json(),
        "run-1",
    );

    let snapshot = || -> Vec<(String, Vec<u8>)> {
        let mut files = Vec::new();
        let mut dirs = vec![project.join("state")];
        while let Some(dir) = dirs.pop() {
            for e in std::fs::read_dir(&dir).expect("read state dir") {
                let path = e.expect("entry").path();
                if path.is_dir() {
                    dirs.push(path);
                } else {
                    files.push((
                        path.display().to_string(),
                        std::fs::read(&path).expect("read"),
                    ));
                }
            }
        }
        files.sort();
        files
    };
    let before = snapshot();
    project
        .run(&store, &["plan", "--format", "json"])
        .expect_code(0);
    assert!(before == snapshot(), "plan changed files under state_dir");
}

#[test]
fn a_flaky_store_is_retried_and_a_broken_one_is_an_error() {
    let (store, project) = erp_drop_and_store(&fixture("erp/stock-1.csv"));
    let clean = project.run(&store, &["plan", "--format", "json"]);
    clean.expect_code(0);
    let clean_requests = store.request_total();

    // Two 503s, then the store answers: the same plan, two more requests.
    store.reset_requests();
    store.faults("503,times=2");
    let flaky = project.run(&store, &["plan", "--format", "json"]);
    flaky.expect_code(0);
    assert_eq!(
        common::change_lines(&flaky.json()),
        common::change_lines(&clean.json())
    );
    assert_eq!(store.request_total(), clean_requests + 2);

    // A store that keeps failing: an error naming the store and the status.
    store.faults("500");
    let broken = project.run(&store, &["plan", "--format", "json", "--detailed-exitcode"]);
    broken.expect_code(1);
    assert!(broken.stdout.is_empty(), "{}", broken.stdout);
    assert!(broken.stderr.contains("shop"), "{}", broken.stderr);
    assert!(broken.stderr.contains("500"), "{}", broken.stderr);
    store.faults("");
    only_reads(&store);
}

#[test]
fn a_drop_folder_that_does_not_exist_is_an_error_not_an_empty_source() {
    let store = Store::start(store_seed());
    let project = Project::new();
    project.rules(&erp_owns_price_and_stock().replace("path: ./drops", "path: ./drosp"));
    project.drop_file("stock-1.csv", &fixture("erp/stock-1.csv"));

    let out = project.run(&store, &["plan"]);
    out.expect_code(1);
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    assert!(
        out.stderr.contains("drosp") && out.stderr.contains("does not exist"),
        "{}",
        out.stderr
    );
}
