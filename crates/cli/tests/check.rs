//! `skusync check`, end to end: the rules first, then every source, each
//! failure with its cause and fix; exit 0 only when everything works; never a
//! write and never a secret on screen.

mod common;

use common::{Project, Store, erp_project, fixture, skusync, store_seed};

#[track_caller]
fn only_reads(store: &Store) {
    for route in store.request_counts().keys() {
        assert!(route.starts_with("GET "), "check sent {route}");
    }
}

#[test]
fn a_working_setup_passes_every_source() {
    let store = Store::start(store_seed());
    let project = erp_project(&fixture("erp/stock-1.csv"));
    let out = project.run(&store, &["check"]);
    out.expect_code(0);
    assert!(out.stdout.contains("rules: "), "{}", out.stdout);
    assert!(out.stdout.contains("ok   erp: "), "{}", out.stdout);
    assert!(out.stdout.contains("ok   shop: "), "{}", out.stdout);
    assert!(!out.stdout.contains("FAIL"), "{}", out.stdout);
    only_reads(&store);
}

#[test]
fn a_wrong_secret_fails_with_cause_and_fix_and_is_never_printed() {
    let store = Store::start(store_seed());
    let project = erp_project(&fixture("erp/stock-1.csv"));
    let wrong = format!("cs_{}", "3".repeat(40));
    let out = skusync(project.path())
        .args(["check"])
        .store_but("SHOP", &store, "SECRET", Some(&wrong))
        .run();
    out.expect_code(1);
    assert!(out.stdout.contains("FAIL shop"), "{}", out.stdout);
    assert!(out.stdout.contains("likely cause:"), "{}", out.stdout);
    assert!(out.stdout.contains("fix:"), "{}", out.stdout);
    assert!(out.stdout.contains("ok   erp: "), "{}", out.stdout);
    assert!(
        out.stdout.contains("1 of 2 sources failed"),
        "{}",
        out.stdout
    );
    only_reads(&store);
}

#[test]
fn an_invalid_drop_fails_with_file_line_column() {
    let store = Store::start(store_seed());
    let project =
        erp_project("sku,price,stock\nKREM-50,72.00,12\nLIP-VAN,abc,58\nHOOD-S,59.90,0\n");
    let out = project.run(&store, &["check"]);
    out.expect_code(1);
    assert!(out.stdout.contains("FAIL erp: "), "{}", out.stdout);
    assert!(
        out.stdout
            .contains("stock-1.csv:3:2: \"abc\" is not a number in column \"price\""),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("ok   shop: "), "{}", out.stdout);
}

#[test]
fn invalid_rules_contact_nothing() {
    let store = Store::start(store_seed());
    let project = Project::new();
    project.rules("version: 1\nsorces: {}\n");
    let out = project.run(&store, &["check"]);
    out.expect_code(1);
    assert!(out.stderr.contains("rules.yaml:2:1"), "{}", out.stderr);
    assert_eq!(store.request_total(), 0);
}
