//! Snapshot tests of every report format over hand-built plans.
//!
//! The plans are written as plan JSON (the contract) and deserialised, so
//! the tests read like the engine's output and keep compiling when the
//! model gains optional fields. Each plan exercises one part of the report;
//! `full_plan` exercises all of them at once. Snapshots live in
//! `tests/snapshots/`; review a change with `INSTA_UPDATE=always` and
//! `git diff`.

use serde_json::{Value as J, json};
use skusync_model::Plan;
use skusync_report::{ColorMode, Format, RenderOptions, render, render_to};

/// A plan from its JSON form; the optional parts default to empty.
fn plan(json: J) -> Plan {
    let mut base = json!({
        "plan_version": 1,
        "generated_at": "2026-11-24T10:00:00Z",
        "inputs_digest": "sha256:4f2a9c0e",
        "summary": {"matched": 0, "changes": 0, "conflicts": 0, "unmatched": 0, "drift": 0},
        "changes": [], "conflicts": [], "unmatched": [], "identity": [], "guards": []
    });
    if let (J::Object(b), J::Object(extra)) = (&mut base, json) {
        for (k, v) in extra {
            b.insert(k, v);
        }
    }
    serde_json::from_value(base).expect("test plan is valid plan JSON")
}

/// Every part of a report at once: each reason, merge deltas (KREM-50 sold
/// one on the outlet and two in the shop since the pool of 12: both go to
/// 9), a first run,
/// corrected and flagged drift, a name diff, conflicts, identity problems,
/// a long unmatched list and a tripped guard.
fn full_plan() -> Plan {
    let erp_unmatched: Vec<J> = (1..=25)
        .map(|i| json!({"source": "erp", "sku": format!("OLD-{i:02}")}))
        .collect();
    let mut unmatched = erp_unmatched;
    unmatched.push(json!({"source": "outlet", "sku": "OUT-ONLY-1"}));
    unmatched.push(json!({"source": "shop", "sku": "WEB-ONLY-7"}));
    plan(json!({
        "summary": {"matched": 1200, "changes": 10, "conflicts": 2, "unmatched": 27, "drift": 2},
        "changes": [
            {"target": "outlet", "sku": "KREM-50", "field": "price.regular",
             "from": "62.10", "to": "64.80", "base": "62.10", "reason": "truth",
             "source": "erp", "rule": "fields.price.regular"},
            {"target": "outlet", "sku": "KREM-50", "field": "stock.quantity",
             "from": 11, "to": 9, "base": 12, "reason": "merge",
             "source": null, "rule": "fields.stock.quantity", "delta": -2},
            {"target": "outlet", "sku": "KREM-50", "field": "name",
             "from": "Krem 50ml", "to": "Krem 50 ml", "base": "Krem 50ml", "reason": "truth",
             "source": "shop", "rule": "fields.name"},
            {"target": "outlet", "sku": "TEE-M", "field": "price.regular",
             "from": "80.00", "to": "72.00", "base": "75.00", "reason": "drift",
             "source": "erp", "rule": "fields.price.regular"},
            {"target": "outlet", "sku": "TEE-M", "field": "name",
             "from": "Organic face cream with shea butter 50 ml",
             "to": "Organic hand lotion with cocoa butter 75 ml",
             "base": "Organic face cream with shea butter 50 ml", "reason": "truth",
             "source": "shop", "rule": "fields.name"},
            {"target": "shop", "sku": "KREM-50", "field": "price.regular",
             "from": "69.00", "to": "72.00", "base": "69.00", "reason": "truth",
             "source": "erp", "rule": "fields.price.regular"},
            {"target": "shop", "sku": "KREM-50", "field": "stock.quantity",
             "from": 10, "to": 9, "base": 12, "reason": "merge",
             "source": null, "rule": "fields.stock.quantity", "delta": -1},
            {"target": "shop", "sku": "MUG-BLUE", "field": "price.sale",
             "from": null, "to": "9.50", "base": null, "reason": "truth",
             "source": "erp", "rule": "fields.price.sale"},
            {"target": "shop", "sku": "MUG-BLUE", "field": "stock.status",
             "from": "instock", "to": "outofstock", "base": "instock", "reason": "newest",
             "source": "outlet", "rule": "fields.stock.status"},
            {"target": "shop", "sku": "MUG-BLUE", "field": "status",
             "from": "draft", "to": "publish", "base": "draft", "reason": "newest",
             "source": "outlet", "rule": "fields.status.overrides.MUG"}
        ],
        "conflicts": [
            {"sku": "CAP-RED", "field": "name",
             "values": {"outlet": "Red cap", "shop": "Red cap (new)"}, "reason": "both changed"},
            {"sku": "SOCK-3", "field": "price.regular",
             "values": {"outlet": "4.99", "shop": "5.49"}, "reason": "no base and sides disagree"}
        ],
        "unmatched": unmatched,
        "identity": [
            {"source": "shop", "sku": "TEE-M", "problem": "duplicate", "ids": [41, 97], "origins": ["#41", "#97"]},
            {"source": "erp", "sku": "BAG-1", "problem": "duplicate", "ids": [],
             "origins": ["stock-0601.csv:12", "stock-0601.csv:40"]},
            {"source": "shop", "sku": "HOOD", "problem": "ambiguous", "ids": [120, 121]},
            {"source": "erp", "sku": "", "problem": "empty", "ids": [], "origins": ["stock-0601.csv:7"]}
        ],
        "guards": [
            {"name": "max_changes", "limit": "20%", "value": "0.8%", "tripped": false},
            {"name": "max_price_change", "limit": "50%", "value": "63.4%", "tripped": true}
        ],
        "flagged_drift": [
            {"target": "outlet", "sku": "SOCK-3", "field": "stock.quantity",
             "value": 7, "base": 5, "desired": 5, "rule": "fields.stock.quantity"}
        ]
    }))
}

/// Nothing to do.
fn empty_plan() -> Plan {
    plan(json!({
        "summary": {"matched": 1200, "changes": 0, "conflicts": 0, "unmatched": 0, "drift": 0},
        "guards": [{"name": "max_changes", "limit": "20%", "value": "0%", "tripped": false}]
    }))
}

/// No changes, but a conflict needs a decision: not "in sync".
fn conflict_only_plan() -> Plan {
    plan(json!({
        "summary": {"matched": 3, "changes": 0, "conflicts": 1, "unmatched": 0, "drift": 0},
        "conflicts": [{"sku": "X-1", "field": "name", "values": {"outlet": "B", "shop": "A"},
                       "reason": "both changed"}]
    }))
}

/// Values a store or a file could hold that must not break any format.
fn hostile_plan() -> Plan {
    plan(json!({
        "summary": {"matched": 2, "changes": 3, "conflicts": 0, "unmatched": 1, "drift": 0},
        "changes": [
            {"target": "shop", "sku": "A|B", "field": "name",
             "from": "Tee | <b>bold</b> & \"quoted\"", "to": "Tee || <script>alert(1)</script> & 'x'",
             "base": null, "reason": "truth", "source": "erp", "rule": "fields.name"},
            {"target": "shop", "sku": "CRÈME-Ø50", "field": "name",
             "from": "Crème brûlée — 50 ml", "to": "Crème brûlée — 75 ml 🍮",
             "base": null, "reason": "truth", "source": "erp", "rule": "fields.name"},
            {"target": "shop", "sku": "=HYPERLINK(\"x\")", "field": "name",
             "from": "Evil\u{1b}[2J\nname\t*x* _y_ `z` [l](u)", "to": "Plain name",
             "base": null, "reason": "truth", "source": "erp", "rule": "fields.name"}
        ],
        "unmatched": [{"source": "erp", "sku": "<img src=x onerror=alert(1)>"}]
    }))
}

fn full() -> RenderOptions {
    RenderOptions::full()
}

fn opts() -> RenderOptions {
    RenderOptions::default()
}

fn text(p: &Plan, o: &RenderOptions) -> String {
    render(p, Format::Text, o).expect("text renders")
}

#[test]
fn text_full_plan() {
    insta::assert_snapshot!(text(&full_plan(), &opts()));
}

#[test]
fn text_full_plan_uncapped() {
    let out = text(&full_plan(), &full());
    assert!(out.contains("OLD-25"), "every unmatched SKU is listed");
    assert!(!out.contains("more (show all"), "nothing is capped");
    insta::assert_snapshot!(out);
}

#[test]
fn text_full_plan_capped_at_three() {
    let o = RenderOptions {
        max_list: Some(3),
        ..opts()
    };
    insta::assert_snapshot!(text(&full_plan(), &o));
}

#[test]
fn text_wraps_to_the_given_width() {
    let o = RenderOptions {
        width: Some(72),
        ..opts()
    };
    let out = text(&full_plan(), &o);
    insta::assert_snapshot!(out);
}

#[test]
fn text_empty_plan_says_in_sync() {
    let out = text(&empty_plan(), &opts());
    assert!(out.contains("No changes: everything is in sync."));
    insta::assert_snapshot!(out);
}

#[test]
fn text_conflict_only_is_not_in_sync() {
    let out = text(&conflict_only_plan(), &opts());
    assert!(!out.contains("everything is in sync"));
    assert!(out.contains("No changes planned."));
    insta::assert_snapshot!(out);
}

#[test]
fn text_escapes_control_characters() {
    let out = text(&hostile_plan(), &opts());
    assert!(
        !out.contains('\u{1b}'),
        "no raw escape reaches the terminal"
    );
    assert!(!out.contains('\t'));
    insta::assert_snapshot!(out);
}

#[test]
fn colour_only_adds_escape_codes() {
    for p in [
        full_plan(),
        empty_plan(),
        hostile_plan(),
        conflict_only_plan(),
    ] {
        let plain = text(&p, &opts());
        let coloured = text(
            &p,
            &RenderOptions {
                color: ColorMode::Ansi,
                ..opts()
            },
        );
        assert!(!plain.contains('\u{1b}'), "plain text has no colour codes");
        assert!(coloured.contains("\u{1b}["), "colour was asked for");
        assert_eq!(console::strip_ansi_codes(&coloured), plain);
    }
}

#[test]
fn text_coloured_marks_the_same_places() {
    // Escape bytes made visible (␛) so the snapshot shows where colour goes.
    let o = RenderOptions {
        color: ColorMode::Ansi,
        ..opts()
    };
    let out = text(&full_plan(), &o).replace('\u{1b}', "␛");
    insta::assert_snapshot!(out);
}

#[test]
fn text_guards_passed() {
    let p = plan(json!({
        "summary": {"matched": 40, "changes": 1, "conflicts": 0, "unmatched": 0, "drift": 0},
        "changes": [
            {"target": "shop", "sku": "KREM-50", "field": "stock.manage",
             "from": false, "to": true, "base": false, "reason": "truth",
             "source": "erp", "rule": "fields.stock.manage"}
        ],
        "guards": [
            {"name": "max_changes", "limit": "20%", "value": "2.5%", "tripped": false},
            {"name": "max_price_change", "limit": "50%", "value": "0%", "tripped": false}
        ]
    }));
    let out = text(&p, &opts());
    assert!(!out.contains("TRIPPED"));
    assert!(out.trim_end().ends_with("guards passed"));
    insta::assert_snapshot!(out);
}

#[test]
fn markdown_full_plan() {
    insta::assert_snapshot!(render(&full_plan(), Format::Markdown, &opts()).unwrap());
}

#[test]
fn markdown_empty_plan() {
    insta::assert_snapshot!(render(&empty_plan(), Format::Markdown, &opts()).unwrap());
}

#[test]
fn markdown_escapes_values() {
    let out = render(&hostile_plan(), Format::Markdown, &opts()).unwrap();
    // Every table row keeps its column count: no value splits a cell.
    for line in out.lines().filter(|l| l.starts_with("| ")) {
        let unescaped_pipes =
            line.len() - line.replace('|', "").len() - line.matches("\\|").count();
        assert_eq!(unescaped_pipes, 7, "six cells: {line}");
    }
    assert!(!out.contains("<script>"));
    insta::assert_snapshot!(out);
}

#[test]
fn html_full_plan() {
    insta::assert_snapshot!(render(&full_plan(), Format::Html, &opts()).unwrap());
}

#[test]
fn html_escapes_values() {
    let out = render(&hostile_plan(), Format::Html, &opts()).unwrap();
    assert!(!out.contains("<script>alert"));
    assert!(!out.contains("<img src=x"));
    assert!(out.contains("&lt;script&gt;"));
    insta::assert_snapshot!(out);
}

#[test]
fn html_custom_template() {
    let tpl = "{{ headline }}|{% for t in targets %}{{ t.target }}:{{ t.change_count }};{% endfor %}|{{ unmatched[0].skus[0] }}";
    let out = skusync_report::render_html_with_template(&hostile_plan(), &opts(), tpl).unwrap();
    assert_eq!(
        out,
        "3 changes on 1 target (3 SKUs) · 0 conflicts · 0 drift · 1 unmatched · 0 identity problems · 2 matched SKUs|shop:3;|&lt;img src=x onerror=alert(1)&gt;\n"
    );
    let err = skusync_report::render_html_with_template(&hostile_plan(), &opts(), "{{ nope }}")
        .unwrap_err();
    assert!(err.to_string().contains("undefined"), "{err}");
}

#[test]
fn csv_full_plan() {
    insta::assert_snapshot!(render(&full_plan(), Format::Csv, &opts()).unwrap());
}

#[test]
fn csv_neutralises_formulas() {
    let out = render(&hostile_plan(), Format::Csv, &opts()).unwrap();
    let mut reader = csv::Reader::from_reader(out.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 3);
    assert_eq!(&rows[2][1], "'=HYPERLINK(\"x\")");
    assert_eq!(&rows[0][3], "Tee | <b>bold</b> & \"quoted\"");
    // CSV is for programs: text is kept byte for byte (quoted as needed),
    // control characters included.
    assert_eq!(&rows[2][3], "Evil\u{1b}[2J\nname\t*x* _y_ `z` [l](u)");
    assert_eq!(&rows[1][4], "Crème brûlée — 75 ml 🍮");
}

#[test]
fn json_is_the_contract() {
    let p = full_plan();
    let out = render(&p, Format::Json, &opts()).unwrap();
    assert!(out.ends_with("}\n"));
    assert_eq!(
        out,
        format!("{}\n", serde_json::to_string_pretty(&p).unwrap())
    );
    let back: Plan = serde_json::from_str(&out).unwrap();
    assert_eq!(back, p, "the JSON report reads back as the same plan");
    insta::assert_snapshot!(out);
}

#[test]
fn every_format_is_deterministic_and_render_to_matches() {
    for f in Format::ALL {
        for p in [full_plan(), empty_plan(), hostile_plan()] {
            let a = render(&p, f, &opts()).unwrap();
            let b = render(&p, f, &opts()).unwrap();
            assert_eq!(a, b, "{f} is deterministic");
            assert!(a.ends_with('\n'), "{f} ends with a newline");
            let mut buf = Vec::new();
            render_to(&p, f, &opts(), &mut buf).unwrap();
            assert_eq!(
                buf,
                a.into_bytes(),
                "{f}: render_to writes what render returns"
            );
        }
    }
}

#[test]
fn write_errors_name_the_format() {
    struct Broken;
    impl std::io::Write for Broken {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::Error::new(
                std::io::ErrorKind::BrokenPipe,
                "pipe closed",
            ))
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let err = render_to(&empty_plan(), Format::Markdown, &opts(), &mut Broken).unwrap_err();
    assert_eq!(
        err.to_string(),
        "cannot write the markdown report: pipe closed"
    );
}

#[test]
fn the_guide_shows_the_real_text_report() {
    // docs/reports.md quotes the text report of `full_plan`; keep it true.
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/reports.md");
    let guide = std::fs::read_to_string(path).expect("docs/reports.md exists");
    let start = guide
        .find("```\nskusync plan")
        .expect("the guide has an example")
        + 4;
    let end = start + guide[start..].find("```").expect("the example is closed");
    assert_eq!(&guide[start..end], text(&full_plan(), &opts()));
}
