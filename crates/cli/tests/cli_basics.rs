//! The `skusync` command line end to end: exit codes with and without
//! `--detailed-exitcode`, `--out`, every `--format`, `--help`, and
//! `skusync demo` from a fresh folder.

mod common;

use common::{
    Project, Store, erp_owns_price_and_stock, erp_project, fixture, mask_times, skusync, store_seed,
};
use serde_json::Value;

#[test]
fn detailed_exitcode_is_2_with_changes_0_in_sync_and_1_on_error() {
    let store = Store::start(store_seed());

    let changes = erp_project(&fixture("erp/stock-1.csv"));
    let out = changes.run(&store, &["plan", "--detailed-exitcode", "--color", "never"]);
    out.expect_code(2);
    assert!(out.stdout.contains("KREM-50"), "{}", out.stdout);
    // Without the flag, changes are a success.
    changes.run(&store, &["plan"]).expect_code(0);

    // A drop equal to the store: nothing to do.
    let in_sync = erp_project(&fixture("erp/in-sync.csv"));
    let out = in_sync.run(&store, &["plan", "--detailed-exitcode", "--format", "json"]);
    out.expect_code(0);
    let plan = out.json();
    assert_eq!(plan["changes"], serde_json::json!([]), "{}", out.stdout);
    assert_eq!(plan["summary"]["changes"], 0);
    let out = in_sync.run(&store, &["plan", "--detailed-exitcode", "--color", "never"]);
    out.expect_code(0);
    assert!(
        out.stdout.contains("No changes: everything is in sync."),
        "{}",
        out.stdout
    );

    // An error is 1, never 2, even with changes pending elsewhere.
    let out = changes.run(
        &store,
        &["plan", "--detailed-exitcode", "--rules", "missing.yaml"],
    );
    out.expect_code(1);
    assert!(out.stderr.contains("missing.yaml"), "{}", out.stderr);
    assert!(out.stdout.is_empty(), "{}", out.stdout);
}

#[test]
fn every_format_renders_to_stdout_and_to_out_file() {
    let store = Store::start(store_seed());
    let project = erp_project(&fixture("erp/stock-1.csv"));

    for format in ["text", "json", "markdown", "html", "csv"] {
        let to_stdout = project.run(&store, &["plan", "--format", format, "--color", "never"]);
        to_stdout.expect_code(0);
        let file = format!("report.{format}");
        let to_file = project.run(
            &store,
            &[
                "plan", "--format", format, "--color", "never", "--out", &file,
            ],
        );
        to_file.expect_code(0);
        assert!(
            to_file.stdout.is_empty(),
            "--out {format}: nothing on stdout, got:\n{}",
            to_file.stdout
        );
        let written = std::fs::read_to_string(project.join(&file))
            .unwrap_or_else(|e| panic!("--out {file} is written: {e}"));
        common::assert_no_secret(&written, &store.secret(), &file);
        common::assert_no_secret(&written, &store.key(), &file);
        assert_eq!(
            mask_times(&written),
            mask_times(&to_stdout.stdout),
            "{format}: the file holds the report stdout would show"
        );
        assert!(written.contains("KREM-50"), "{format}:\n{written}");
        assert!(written.contains("72.00"), "{format}:\n{written}");

        match format {
            "text" => {
                assert!(written.contains("69.00 → 72.00"), "{written}");
                assert!(written.contains("Summary:"), "{written}");
            }
            "json" => {
                let plan: Value = serde_json::from_str(&written).expect("JSON");
                assert_eq!(plan["summary"]["changes"], 5);
            }
            "markdown" => assert!(written.contains("| KREM-50"), "{written}"),
            "html" => {
                let lower = written.to_ascii_lowercase();
                assert!(lower.contains("<html"), "{written}");
                assert!(lower.trim_end().ends_with("</html>"), "{written}");
            }
            "csv" => {
                let mut lines = written.lines();
                assert_eq!(
                    lines.next(),
                    Some("target,sku,field,from,to,base,reason,source,rule,delta")
                );
                let rows: Vec<&str> = lines.collect();
                assert_eq!(rows.len(), 5, "one row per change:\n{written}");
                assert!(
                    rows.contains(
                        &"shop,KREM-50,price.regular,69.00,72.00,,truth,erp,fields.price.regular,"
                    ),
                    "{written}"
                );
            }
            _ => unreachable!(),
        }
    }
    // Only the reports were written: no temporary files left next to them.
    let mut names = project.list("").expect("the project folder");
    names.retain(|n| n.starts_with("report."));
    assert_eq!(
        names,
        [
            "report.csv",
            "report.html",
            "report.json",
            "report.markdown",
            "report.text"
        ]
    );
}

#[test]
fn out_into_a_missing_folder_is_an_error_naming_it() {
    let store = Store::start(store_seed());
    let project = erp_project(&fixture("erp/stock-1.csv"));
    let out = project.run(
        &store,
        &["plan", "--format", "json", "--out", "no-such-dir/plan.json"],
    );
    out.expect_code(1);
    assert!(out.stderr.contains("no-such-dir"), "{}", out.stderr);
    assert!(out.stdout.is_empty(), "{}", out.stdout);
}

#[test]
fn help_names_the_commands_and_the_plan_options() {
    let out = skusync(std::path::Path::new(".")).args(["--help"]).run();
    out.expect_code(0);
    for word in ["plan", "demo", "--verbose", "--quiet"] {
        assert!(
            out.stdout.contains(word),
            "--help mentions {word}:\n{}",
            out.stdout
        );
    }

    let out = skusync(std::path::Path::new("."))
        .args(["plan", "--help"])
        .run();
    out.expect_code(0);
    for word in [
        "--rules",
        "--format",
        "text",
        "json",
        "markdown",
        "html",
        "csv",
        "--out",
        "--detailed-exitcode",
        "Writes nothing",
    ] {
        assert!(
            out.stdout.contains(word),
            "plan --help mentions {word}:\n{}",
            out.stdout
        );
    }

    let out = skusync(std::path::Path::new("."))
        .args(["plan", "--format", "yaml"])
        .run();
    assert_ne!(out.code, 0, "an unknown format is refused");
    assert!(out.stderr.contains("yaml"), "{}", out.stderr);
}

#[test]
fn demo_runs_from_a_fresh_folder_and_prints_changes() {
    let fresh = Project::new();
    let out = skusync(fresh.path())
        .args(["demo", "--color", "never"])
        .run();
    out.expect_code(0);
    assert!(out.stdout.contains("Changes on shop"), "{}", out.stdout);
    assert!(out.stdout.contains("KREM-50"), "{}", out.stdout);
    assert!(out.stdout.contains("69.00 → 72.00"), "{}", out.stdout);
    assert!(out.stdout.contains("Summary:"), "{}", out.stdout);
    assert_eq!(
        fresh.list(""),
        Some(Vec::new()),
        "the demo leaves the current folder as it was"
    );

    let out = skusync(fresh.path())
        .args(["demo", "--format", "json", "--detailed-exitcode"])
        .run();
    out.expect_code(2);
    let plan = out.json();
    assert!(plan["summary"]["changes"].as_u64().unwrap() > 0);
    // The demo catalog's `OLD-9` is only in the ERP drop, `SUN-50` only in the store.
    let unmatched = plan["unmatched"].to_string();
    assert!(
        unmatched.contains("OLD-9") && unmatched.contains("SUN-50"),
        "{unmatched}"
    );
}

#[test]
fn relative_paths_resolve_against_the_rules_folder_and_variables_fill_paths() {
    let seed = serde_json::json!({"products": [
        {"id": 10, "name": "Tee", "type": "variable", "sku": "TEE", "manage_stock": true, "stock_quantity": 10,
         "attributes": [{"id": 0, "name": "Size", "slug": "size", "position": 0, "visible": true,
                         "variation": true, "options": ["S", "M"]}],
         "variations": [
            {"id": 11, "sku": "TEE-S", "regular_price": "20", "manage_stock": false,
             "attributes": [{"id": 0, "name": "Size", "slug": "size", "option": "S"}]},
            {"id": 12, "sku": "TEE-M", "regular_price": "20", "manage_stock": true, "stock_quantity": 4,
             "attributes": [{"id": 0, "name": "Size", "slug": "size", "option": "M"}]}]}
    ]});
    let store = Store::start(seed);
    let project = Project::new();
    // The rules live in conf/, the drops in conf/${DROP_DIR}; skusync runs
    // from the project folder.
    let rules = erp_owns_price_and_stock().replace("path: ./drops", "path: ./${DROP_DIR}");
    assert!(rules.contains("${DROP_DIR}"), "the rules template changed");
    project.write("conf/rules.yaml", &rules);
    project.write(
        "conf/erp-drops/stock-1.csv",
        "sku,price,stock\nTEE-S,20.00,3\nTEE-M,21.00,4\n",
    );
    project.write("conf/erp-drops/stock-1.csv.done", "");

    let out = skusync(project.path())
        .args(["plan", "--rules", "conf/rules.yaml", "--format", "json"])
        .env("DROP_DIR", "erp-drops")
        .store("SHOP", &store)
        .run();
    out.expect_code(0);
    let plan = out.json();
    // TEE-S's stock is its parent's ("manage_stock": "parent"): missing for
    // the variation, so the ERP's 3 is not written to it.
    // The store holds "20" (no decimals): 21.00 is written with its scale.
    assert_eq!(
        common::change_lines(&plan),
        [serde_json::json!({"target": "shop", "sku": "TEE-M", "field": "price.regular", "from": "20",
                            "to": "21", "base": null, "reason": "truth", "source": "erp",
                            "rule": "fields.price.regular", "delta": null})
        .to_string()]
    );
    assert_eq!(project.list("conf/state"), None);
    assert_eq!(project.list("state"), None);
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    let store = Store::start(store_seed());
    let project = erp_project(&fixture("erp/stock-1.csv"));
    let run = |args: &[&str]| {
        let out = skusync(project.path())
            .args(["plan"])
            .args(args)
            .store("SHOP", &store)
            .run();
        out.expect_code(0);
        out.stdout
    };
    // stdout is a pipe here: `auto` means plain text.
    assert!(!run(&[]).contains('\u{1b}'), "no colour into a pipe");
    assert!(!run(&["--color", "never"]).contains('\u{1b}'));
    let coloured = run(&["--color", "always"]);
    assert!(
        coloured.contains('\u{1b}'),
        "--color always colours:\n{coloured}"
    );
    // Colour never reaches a machine format.
    assert!(!run(&["--color", "always", "--format", "json"]).contains('\u{1b}'));
    assert!(!run(&["--color", "always", "--format", "csv"]).contains('\u{1b}'));
}
