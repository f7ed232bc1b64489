//! One example per validation error: the exact message with line:column.
//!
//! Each case is a whole rules file; most start from `BASE` (three sources:
//! a csv `erp` that provides price and stock, and two stores) and add field
//! rules from line 18 on.

use skusync_rules::{RulesErrors, parse_str};
use std::path::Path;

const BASE: &str = "version: 1
sources:
  erp:
    kind: csv
    path: ./drops
    columns: { sku: Item, price.regular: Price, stock.quantity: Qty }
  shop:
    kind: woocommerce
    url: https://shop.example.com
    consumer_key: ${SHOP_KEY}
    consumer_secret: ${SHOP_SECRET}
  outlet:
    kind: woocommerce
    url: https://outlet.example.com
    consumer_key: ${OUTLET_KEY}
    consumer_secret: ${OUTLET_SECRET}
fields:
";

fn env(name: &str) -> Option<String> {
    match name {
        "SHOP_KEY" | "SHOP_SECRET" | "OUTLET_KEY" | "OUTLET_SECRET" => Some(format!("v_{name}")),
        _ => None,
    }
}

fn parse(text: &str) -> Result<skusync_rules::RuleSet, RulesErrors> {
    parse_str(text, Path::new("rules.yaml"), Path::new("/r"), &env)
}

/// The full error text for a file made of `BASE` + `fields`.
fn errors_with_base(fields: &str) -> String {
    errors(&format!("{BASE}{fields}"))
}

fn errors(text: &str) -> String {
    match parse(text) {
        Ok(_) => panic!("expected errors for:\n{text}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn base_with_one_rule_is_valid() {
    let rules = parse(&format!(
        "{BASE}  name:\n    newest: [shop, outlet]\n    prefer: [shop]\n"
    ))
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(rules.fields.len(), 1);
}

#[test]
fn merge_newest_with_sides_is_newest() {
    let short = parse(&format!(
        "{BASE}  name:\n    newest: [shop, outlet]\n    prefer: [shop]\n"
    ))
    .unwrap_or_else(|e| panic!("{e}"));
    let long = parse(&format!(
        "{BASE}  name:\n    merge: newest\n    sides: [shop, outlet]\n    prefer: [shop]\n"
    ))
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(short.fields, long.fields);
    assert_eq!(
        errors_with_base("  name:\n    merge: newest\n"),
        "rules.yaml:19:12: fields.name: `merge: newest` needs `sides`\n  \
         help: list the sources, e.g. `sides: [shop, outlet]` (or write `newest: [shop, outlet]`)"
    );
}

#[test]
fn field_without_policy() {
    assert_eq!(
        errors_with_base("  price.regular:\n    on_drift: flag\n"),
        "rules.yaml:18:3: fields.price.regular: no policy; a field needs exactly one\n  \
         help: add `truth: SOURCE`, `merge: delta` (stock.quantity only) or `newest: [SIDE, SIDE]`"
    );
}

#[test]
fn field_with_two_policies() {
    assert_eq!(
        errors_with_base("  price.regular:\n    truth: erp\n    newest: [shop, outlet]\n"),
        "rules.yaml:20:13: fields.price.regular: both `truth` and `newest` are given; a field has exactly one policy\n  \
         help: keep one of `truth`, `merge` and `newest`"
    );
}

#[test]
fn unknown_field_name_suggests() {
    assert_eq!(
        errors_with_base("  price.regualr:\n    truth: erp\n    targets: { shop: {} }\n"),
        "rules.yaml:18:3: fields: `price.regualr` is not a field skusync knows\n  \
         help: did you mean `price.regular`? valid fields: `price.regular`, `price.sale`, `stock.quantity`, `stock.status`, `stock.manage`, `stock.backorders`, `name`, `status`"
    );
}

#[test]
fn unknown_key_suggests() {
    assert_eq!(
        errors_with_base("  price.regular:\n    truht: erp\n"),
        "rules.yaml:19:5: unknown key `truht`\n  \
         help: did you mean `truth`? valid keys here: `truth`, `targets`, `on_drift`, `merge`, `sides`, `seed_from`, `initial`, `newest`, `prefer`"
    );
}

#[test]
fn unknown_key_in_a_transform() {
    assert_eq!(
        errors_with_base(
            "  price.regular:\n    truth: erp\n    targets: { shop: { multiplier: \"2\" } }\n"
        ),
        "rules.yaml:20:24: unknown key `multiplier`\n  \
         help: did you mean `multiply`? valid keys here: `multiply`, `add`, `round`, `rounding`, `tax`, `buffer`, `clamp_zero`"
    );
}

#[test]
fn unknown_top_level_key() {
    assert_eq!(
        errors("version: 1\nguard:\n  max_changes: 5\n"),
        "rules.yaml:2:1: unknown key `guard`\n  \
         help: did you mean `guards`? valid keys here: `version`, `state_dir`, `sources`, `match`, `fields`, `guards`, `schedule`"
    );
}

#[test]
fn truth_source_not_defined() {
    assert_eq!(
        errors_with_base("  price.regular:\n    truth: shpo\n    targets: { outlet: {} }\n"),
        "rules.yaml:19:12: fields.price.regular.truth: source `shpo` is not defined\n  \
         help: did you mean `shop`? valid sources: `erp`, `outlet`, `shop`"
    );
}

#[test]
fn target_side_seed_and_prefer_not_defined() {
    let e = errors_with_base(
        "  price.regular:\n    truth: erp\n    targets: { web: {} }\n  \
         stock.quantity:\n    merge: delta\n    sides: [shop, outlett]\n    seed_from: ERP\n  \
         name:\n    newest: [shop, outlet]\n    prefer: [erp]\n",
    );
    assert_eq!(
        e,
        "rules.yaml:20:16: fields.price.regular.targets: source `web` is not defined\n  \
         help: valid sources: `erp`, `outlet`, `shop`\n\
         rules.yaml:23:19: fields.stock.quantity.sides: source `outlett` is not defined\n  \
         help: did you mean `outlet`? valid sources: `erp`, `outlet`, `shop`\n\
         rules.yaml:24:16: fields.stock.quantity.seed_from: source `ERP` is not defined\n  \
         help: did you mean `erp`? valid sources: `erp`, `outlet`, `shop`\n\
         rules.yaml:27:14: fields.name.prefer: `erp` is not one of the sides\n  \
         help: valid sides: `shop`, `outlet`\n\
         4 problems found"
    );
}

#[test]
fn truth_source_cannot_provide_the_field() {
    assert_eq!(
        errors_with_base("  name:\n    truth: erp\n    targets: { shop: {} }\n"),
        "rules.yaml:19:12: fields.name.truth: csv source `erp` has no column for `name`\n  \
         help: map it under `sources.erp.columns`, e.g. `name: \"…\"`"
    );
}

#[test]
fn csv_target_without_export_column() {
    assert_eq!(
        errors_with_base("  name:\n    truth: shop\n    targets: { erp: {} }\n"),
        "rules.yaml:20:16: fields.name.targets: csv source `erp` cannot be written for `name`\n  \
         help: a csv source is a target only for the fields under `sources.erp.export.columns`; add `name: \"…\"` there"
    );
}

#[test]
fn truth_source_as_its_own_target() {
    assert_eq!(
        errors_with_base(
            "  price.regular:\n    truth: shop\n    targets: { shop: {}, outlet: {} }\n"
        ),
        "rules.yaml:20:16: fields.price.regular.targets: `shop` is the truth for `price.regular` and cannot also be its target\n  \
         help: a source never writes a field to itself; remove it from `targets`"
    );
}

#[test]
fn truth_without_targets() {
    assert_eq!(
        errors_with_base("  name:\n    truth: shop\n"),
        "rules.yaml:19:12: fields.name: `truth` has no `targets`\n  \
         help: list where the value goes, e.g. `targets: { shop: {} }`"
    );
}

#[test]
fn merge_delta_on_a_price() {
    assert_eq!(
        errors_with_base(
            "  price.regular:\n    merge: delta\n    sides: [shop, outlet]\n    seed_from: erp\n"
        ),
        "rules.yaml:19:12: fields.price.regular.merge: `merge: delta` only fits quantities, and `price.regular` is money\n  \
         help: use `truth: SOURCE` or `newest: [..]` for this field; `merge: delta` is for stock.quantity"
    );
}

#[test]
fn merge_without_seed() {
    assert_eq!(
        errors_with_base("  stock.quantity:\n    merge: delta\n    sides: [shop, outlet]\n"),
        "rules.yaml:19:5: fields.stock.quantity: `merge: delta` needs `seed_from` or `initial`\n  \
         help: say where the pool starts on the first run: `seed_from: erp`, or `initial: min | max | SIDE`"
    );
}

#[test]
fn merge_kind_typo_and_one_side() {
    assert_eq!(
        errors_with_base(
            "  stock.quantity:\n    merge: delat\n    sides: [shop]\n    initial: min\n"
        ),
        "rules.yaml:19:12: fields.stock.quantity.merge: `delat` is not a merge kind\n  \
         help: did you mean `delta`? valid merges: `delta`, `newest`"
    );
    assert_eq!(
        errors_with_base(
            "  stock.quantity:\n    merge: delta\n    sides: [shop]\n    initial: min\n"
        ),
        "rules.yaml:20:12: fields.stock.quantity.sides: needs at least two sides\n  \
         help: with one side there is nothing to reconcile; use `truth:` to copy a field from one source to others"
    );
}

#[test]
fn merge_initial_must_be_min_max_or_a_side() {
    assert_eq!(
        errors_with_base(
            "  stock.quantity:\n    merge: delta\n    sides: [shop, outlet]\n    initial: erp\n"
        ),
        "rules.yaml:21:14: fields.stock.quantity.initial: `erp` is neither min, max nor one of the sides\n  \
         help: valid values: `min`, `max`, `shop`, `outlet`"
    );
}

#[test]
fn merge_side_that_cannot_be_written() {
    assert_eq!(
        errors_with_base(
            "  stock.quantity:\n    merge: delta\n    sides: [shop, erp]\n    initial: shop\n"
        ),
        "rules.yaml:20:19: fields.stock.quantity.sides: csv source `erp` cannot be written for `stock.quantity`\n  \
         help: a csv source is a target only for the fields under `sources.erp.export.columns`; add `stock.quantity: \"…\"` there"
    );
}

#[test]
fn side_listed_twice() {
    assert_eq!(
        errors_with_base("  name:\n    newest: [shop, shop]\n"),
        "rules.yaml:19:20: fields.name.newest: `shop` is listed twice"
    );
}

#[test]
fn multiplier_on_a_status() {
    assert_eq!(
        errors_with_base(
            "  stock.status:\n    truth: shop\n    targets: { outlet: { multiply: \"2\" } }\n"
        ),
        "rules.yaml:20:36: fields.stock.status.targets.outlet.multiply: `multiply` does not fit `stock.status` (a status word)\n  \
         help: `stock.status` is a status word: it is copied as it is (`{}`)"
    );
}

#[test]
fn buffer_on_a_price() {
    assert_eq!(
        errors_with_base(
            "  price.regular:\n    truth: erp\n    targets: { shop: { buffer: 2 } }\n"
        ),
        "rules.yaml:20:32: fields.price.regular.targets.shop.buffer: `buffer` does not fit `price.regular` (money)\n  \
         help: prices take multiply, add, round, rounding and tax"
    );
}

#[test]
fn tax_on_stock() {
    assert_eq!(
        errors_with_base(
            "  stock.quantity:\n    merge: delta\n    sides: [shop, outlet]\n    seed_from: erp\n    targets: { outlet: { tax: { rate: \"0.19\", to: inclusive } } }\n"
        ),
        "rules.yaml:22:31: fields.stock.quantity.targets.outlet.tax: `tax` does not fit `stock.quantity` (a quantity)\n  \
         help: quantities take multiply, add, round, rounding, buffer and clamp_zero"
    );
}

#[test]
fn any_transform_with_newest() {
    assert_eq!(
        errors_with_base(
            "  name:\n    newest: [shop, outlet]\n    targets: { outlet: { multiply: \"2\" } }\n"
        ),
        "rules.yaml:20:14: fields.name.targets: `targets` does not apply to `newest`\n  \
         help: transforms are not allowed with `newest` (the sides must speak the same units); the sides are the targets"
    );
}

#[test]
fn bad_transform_values() {
    assert_eq!(
        errors_with_base(
            "  price.regular:\n    truth: erp\n    targets:\n      shop: { multiply: 0.90, round: 0.01, rounding: half_upp }\n      outlet: { multiply: \"-1\", tax: { rate: \"0.19\", to: gross } }\n"
        ),
        "rules.yaml:21:54: fields.price.regular.targets.shop.rounding: `half_upp` is not a valid value\n  \
         help: did you mean `half_up`? valid values: `half_up`, `half_even`, `up`, `down`\n\
         rules.yaml:22:27: fields.price.regular.targets.outlet.multiply: `-1` must be greater than zero\n  \
         help: e.g. \"0.90\" for 10% less, \"1.19\" for 19% more\n\
         rules.yaml:22:58: fields.price.regular.targets.outlet.tax.to: `gross` is not a valid value\n  \
         help: valid values: `inclusive`, `exclusive`\n\
         3 problems found"
    );
}

#[test]
fn decimals_keep_their_literal_digits() {
    let rules = parse(&format!(
        "{BASE}  price.regular:\n    truth: erp\n    targets: {{ shop: {{ multiply: 0.90, round: 0.05, rounding: down }} }}\n"
    ))
    .unwrap_or_else(|e| panic!("{e}"));
    let skusync_model::Policy::Truth { targets, .. } = &rules.fields[0].policy else {
        panic!("truth")
    };
    let t = &targets[&skusync_model::SourceId::new("shop")];
    assert_eq!(t.multiply.map(|d| d.to_string()).as_deref(), Some("0.90"));
    let round = t.round.expect("round");
    assert_eq!(round.step.to_string(), "0.05");
    assert_eq!(round.mode, skusync_model::RoundingMode::Down);
    assert_eq!(
        errors_with_base(
            "  price.regular:\n    truth: erp\n    targets: { shop: { add: \"1,5\" } }\n"
        ),
        "rules.yaml:20:29: fields.price.regular.targets.shop.add: `1,5` is not a decimal number\n  \
         help: write it in plain digits, e.g. \"0.90\" (no exponent, no thousands separator)"
    );
}

#[test]
fn duplicate_field_is_a_contradiction() {
    assert_eq!(
        errors_with_base(
            "  price.regular:\n    truth: erp\n    targets: { shop: {} }\n  price.regular:\n    truth: shop\n    targets: { erp: {} }\n"
        ),
        "rules.yaml:21:3: duplicate key `price.regular`\n  \
         help: each key may appear once in a mapping (a field has exactly one rule, a source one definition)"
    );
}

#[test]
fn invalid_cron_and_interval() {
    let base = format!("{BASE}  name:\n    newest: [shop, outlet]\nschedule:\n");
    assert_eq!(
        errors(&format!("{base}  cron: \"*/15 * * *\"\n")),
        "rules.yaml:21:9: schedule.cron: `*/15 * * *` is not a valid cron expression (Invalid pattern: Pattern must have between 5 and 7 fields.)\n  \
         help: five fields: minute hour day-of-month month day-of-week, e.g. \"*/15 * * * *\""
    );
    assert_eq!(
        errors(&format!("{base}  every: 15 minutes please\n")),
        "rules.yaml:21:10: schedule.every: `15 minutes please` is not a duration\n  \
         help: write a number and a unit: `500ms`, `2s`, `15m`, `1h`, `1d`"
    );
    assert_eq!(
        errors(&format!("{base}  every: 0s\n")),
        "rules.yaml:21:10: schedule.every: `0s` is too short\n  help: at least 1s; e.g. `every: 15m`"
    );
    assert_eq!(
        errors(&format!("{base}  every: 15m\n  cron: \"* * * * *\"\n")),
        "rules.yaml:22:9: schedule: both `every` and `cron` are given\n  \
         help: keep one: `every: 15m` or `cron: \"*/15 * * * *\"`"
    );
    let ok = parse(&format!("{base}  cron: \"*/15 * * * *\"\n")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        ok.schedule,
        Some(skusync_rules::Schedule::Cron("*/15 * * * *".into()))
    );
}

#[test]
fn guards_out_of_range() {
    let base = format!("{BASE}  name:\n    newest: [shop, outlet]\nguards:\n");
    assert_eq!(
        errors(&format!(
            "{base}  max_changes: \"120%\"\n  max_price_change: \"0%\"\n"
        )),
        "rules.yaml:21:16: guards.max_changes: `120%` is out of range\n  \
         help: a share above 0% and at most 100%, e.g. \"20%\"\n\
         rules.yaml:22:21: guards.max_price_change: `0%` is out of range\n  \
         help: a move above 0%, e.g. \"50%\"\n\
         2 problems found"
    );
    assert_eq!(
        errors(&format!(
            "{base}  max_changes: -3\n  max_price_change: 50\n"
        )),
        "rules.yaml:21:16: guards.max_changes: `-3` is out of range\n  \
         help: at least 1 change (or a share such as \"20%\"); 0 would block every run\n\
         rules.yaml:22:21: guards.max_price_change: `50` is not a percentage\n  \
         help: write it with a percent sign, e.g. \"50%\"\n\
         2 problems found"
    );
    assert_eq!(
        errors(&format!("{base}  max_changes: 0\n")),
        "rules.yaml:21:16: guards.max_changes: `0` is out of range\n  \
         help: at least 1 change (or a share such as \"20%\"); 0 would block every run"
    );
    let ok = parse(&format!(
        "{base}  max_changes: 50\n  max_price_change: \"12.5%\"\n"
    ))
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        ok.guards.max_changes,
        Some(skusync_model::Limit::Absolute(50))
    );
    assert_eq!(
        ok.guards.max_price_change.map(|d| d.to_string()).as_deref(),
        Some("12.5")
    );
}

#[test]
fn literal_secret_unset_variable_and_url_path() {
    let text = "version: 1
sources:
  shop:
    kind: woocommerce
    url: https://shop.example.com/shop/
    consumer_key: ck_live_abcdef
    consumer_secret: ${NOPE_SECRET}
fields:
  name:
    newest: [shop, shop]
";
    let e = errors(text);
    assert_eq!(
        e,
        "rules.yaml:5:10: sources.shop.url: `https://shop.example.com/shop/` is a page inside WordPress, not the store's address\n  \
         help: use `url: https://shop.example.com`\n\
         rules.yaml:6:19: sources.shop.consumer_key: secrets must come from the environment, not from the rules file\n  \
         help: write `consumer_key: ${SHOP_KEY}` and set SHOP_KEY in the environment\n\
         rules.yaml:7:22: sources.shop.consumer_secret: environment variable `NOPE_SECRET` is not set\n  \
         help: export NOPE_SECRET=… before running skusync\n\
         rules.yaml:10:20: fields.name.newest: `shop` is listed twice\n\
         4 problems found"
    );
    assert!(
        !e.contains("ck_live_abcdef"),
        "the literal secret is never echoed"
    );
}

/// The errors of a rules file whose only problem is the shop's `url`.
fn url_errors(url: &str) -> String {
    errors(&format!(
        "version: 1
sources:
  shop:
    kind: woocommerce
    url: {url}
    consumer_key: ${{SHOP_KEY}}
    consumer_secret: ${{SHOP_SECRET}}
  outlet:
    kind: woocommerce
    url: https://outlet.example.com
    consumer_key: ${{OUTLET_KEY}}
    consumer_secret: ${{OUTLET_SECRET}}
fields:
  name:
    newest: [shop, outlet]
"
    ))
}

#[test]
fn url_sub_paths_advise_the_address_and_only_a_real_sub_folder() {
    assert_eq!(
        url_errors("http://h/wp-json/wc/v3"),
        "rules.yaml:5:10: sources.shop.url: `http://h/wp-json/wc/v3` is a page inside WordPress, not the store's address\n  \
         help: use `url: http://h`"
    );
    assert_eq!(
        url_errors("http://h/wp-admin/"),
        "rules.yaml:5:10: sources.shop.url: `http://h/wp-admin/` is a page inside WordPress, not the store's address\n  \
         help: use `url: http://h`"
    );
    assert_eq!(
        url_errors("http://h/blog/wp-admin"),
        "rules.yaml:5:10: sources.shop.url: `http://h/blog/wp-admin` is a page inside WordPress, not the store's address\n  \
         help: use `url: http://h` and `wp_subfolder: /blog` (WordPress appears to be installed in `/blog`)"
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
        let e = url_errors(page);
        let help = if folder.is_empty() {
            "help: use `url: https://h`".to_string()
        } else {
            format!(
                "help: use `url: https://h` and `wp_subfolder: {folder}` (WordPress appears to be installed in `{folder}`)"
            )
        };
        assert!(e.ends_with(&help), "{page}: {e}");
    }
    assert_eq!(
        url_errors("https://h/blog/"),
        "rules.yaml:5:10: sources.shop.url: `https://h/blog/` has a path; give scheme and host only\n  \
         help: use `url: https://h`; if WordPress itself is installed in `/blog`, add `wp_subfolder: /blog`"
    );
    assert_eq!(
        url_errors("https://h/?page=1"),
        "rules.yaml:5:10: sources.shop.url: `https://h/?page=1` has a query or fragment; give scheme and host only\n  \
         help: use `url: https://h`"
    );
}

#[test]
fn unset_variable_in_any_string() {
    assert_eq!(
        errors(
            &BASE
                .replace("path: ./drops", "path: ${DROP_DIR}/erp")
                .replace(
                    "fields:\n",
                    "fields:\n  name:\n    newest: [shop, outlet]\n"
                )
        ),
        "rules.yaml:5:11: sources.erp.path: environment variable `DROP_DIR` is not set\n  \
         help: export DROP_DIR=… before running skusync"
    );
}

#[test]
fn basic_auth_over_http_is_refused() {
    let text = BASE
        .replace(
            "url: https://shop.example.com",
            "url: http://shop.example.com\n    auth: basic",
        )
        .replace(
            "fields:\n",
            "fields:\n  name:\n    newest: [shop, outlet]\n",
        );
    assert_eq!(
        errors(&text),
        "rules.yaml:10:11: sources.shop.auth: `basic` sends the keys in clear over http\n  \
         help: WooCommerce accepts basic and query auth only over https; use `auth: oauth1` (or `auto`) for http stores"
    );
}

#[test]
fn bad_csv_options_all_reported() {
    let text = "version: 1
sources:
  erp:
    kind: csv
    path: ./drops
    delimiter: \":\"
    decimal_separator: \";\"
    thousands_separator: \".\"
    encoding: utf-16
    columns: { Item: sku, price.regular: Price }
    complete: { stable_for: soon }
    on_invalid: reject
    max_skipped: 3
    min_rows_ratio: \"150%\"
fields:
  price.regular:
    truth: erp
    targets: { erp: {} }
";
    assert_eq!(
        errors(text),
        "rules.yaml:6:16: sources.erp.delimiter: `:` is not a valid value\n  \
         help: valid values: `auto`, `,`, `;`, `\\t`, `|`\n\
         rules.yaml:7:24: sources.erp.decimal_separator: `;` is not a valid value\n  \
         help: valid values: `.`, `,`\n\
         rules.yaml:9:15: sources.erp.encoding: `utf-16` is not a valid value\n  \
         help: did you mean `utf-8`? valid values: `utf-8`, `utf8`, `windows-1252`, `cp1252`, `latin-1`, `latin1`, `iso-8859-1`\n\
         rules.yaml:10:16: sources.erp.columns: `Item` is neither `sku` nor a field\n  \
         help: valid columns: `sku`, `price.regular`, `price.sale`, `stock.quantity`, `stock.status`, `stock.manage`, `stock.backorders`, `name`, `status`\n\
         rules.yaml:11:29: sources.erp.complete.stable_for: `soon` is not a duration\n  \
         help: write a number and a unit: `500ms`, `2s`, `15m`, `1h`, `1d`\n\
         rules.yaml:13:18: sources.erp.max_skipped: only applies with `on_invalid: skip`\n  \
         help: with `on_invalid: reject` any invalid row rejects the file\n\
         rules.yaml:14:21: sources.erp.min_rows_ratio: `150%` is out of range\n  \
         help: between \"0%\" (disabled) and \"100%\"\n\
         rules.yaml:18:16: fields.price.regular.targets: `erp` is the truth for `price.regular` and cannot also be its target\n  \
         help: a source never writes a field to itself; remove it from `targets`\n\
         8 problems found"
    );
}

#[test]
fn thousands_separator_must_differ() {
    let text = BASE
        .replace(
            "    path: ./drops\n",
            "    path: ./drops\n    decimal_separator: \",\"\n    thousands_separator: \",\"\n",
        )
        .replace(
            "fields:\n",
            "fields:\n  name:\n    newest: [shop, outlet]\n",
        );
    assert_eq!(
        errors(&text),
        "rules.yaml:7:26: sources.erp.thousands_separator: `,` is also the decimal separator\n  \
         help: the thousands separator must differ from `decimal_separator`"
    );
}

#[test]
fn option_of_the_other_kind_and_unknown_kind() {
    let text = "version: 1
sources:
  erp:
    kind: csv
    path: ./x
    url: https://x.example.com
    columns: { sku: A }
  shop:
    kind: woocomerce
fields:
  name:
    truth: shop
    targets: { erp: {} }
";
    assert_eq!(
        errors(text),
        "rules.yaml:6:10: sources.erp.url: `url` is not an option of a csv source\n  \
         help: options of a csv source: path, pattern, delimiter, decimal_separator, thousands_separator, encoding, header, columns, values, complete, on_invalid, max_skipped, allow_negative_stock, min_rows_ratio, archive, export\n\
         rules.yaml:9:11: sources.shop.kind: `woocomerce` is not a source kind\n  \
         help: did you mean `woocommerce`? valid kinds: `csv`, `woocommerce`\n\
         rules.yaml:13:16: fields.name.targets: csv source `erp` cannot be written for `name`\n  \
         help: a csv source is a target only for the fields under `sources.erp.export.columns`; add `name: \"…\"` there\n\
         3 problems found"
    );
}

#[test]
fn version_is_required_and_known() {
    assert_eq!(
        errors(""),
        "rules.yaml:1:1: `version` is missing\n  help: add `version: 1` as the first line\n\
         rules.yaml:1:1: `sources` is missing\n  help: declare at least one source under `sources:` (kind: csv or kind: woocommerce)\n\
         rules.yaml:1:1: `fields` is missing\n  help: say which source owns which field, e.g. `fields: { price.regular: { truth: erp, targets: { shop: {} } } }`\n\
         3 problems found"
    );
    assert_eq!(
        errors(&BASE.replace("version: 1", "version: 2").replace(
            "fields:\n",
            "fields:\n  name:\n    newest: [shop, outlet]\n"
        )),
        "rules.yaml:1:10: version: `2` is not a rules version this skusync knows\n  help: the only version is 1: `version: 1`"
    );
}

#[test]
fn yaml_syntax_and_type_errors_have_a_place() {
    assert_eq!(
        errors("version: 1\nsources: [\n"),
        "rules.yaml:2:10: unclosed bracket '['"
    );
    assert_eq!(
        errors_with_base("  name:\n    newest: shop\n"),
        "rules.yaml:19:13: fields.name.newest: expected sequence start\n  \
         help: a list belongs here, e.g. `[shop, outlet]`"
    );
    assert_eq!(
        errors_with_base("  name:\n    newest:\n      - [shop]\n      - outlet\n"),
        "rules.yaml:20:9: fields.name.newest: expected string scalar\n  \
         help: a single value (a word, a number or a quoted string) belongs here"
    );
    assert_eq!(
        errors_with_base(
            "  price.regular:\n    truth: erp\n    targets: { shop: { buffer: lots } }\n"
        ),
        "rules.yaml:20:32: fields.price.regular.targets.shop.buffer: invalid i64\n  \
         help: a whole number belongs here, e.g. `5`"
    );
    assert_eq!(
        errors("version: 1\nsources:\n  shop:\n    kind: woocommerce\n    absolute_stock: maybe\n"),
        "rules.yaml:5:21: sources.shop.absolute_stock: invalid boolean\n  \
         help: `true` or `false` belongs here"
    );
}

#[test]
fn every_error_at_once() {
    // Problems in sources, fields, guards and schedule, all reported together.
    let text = format!(
        "{}  name:\n    truth: erp\n    targets: {{ shop: {{}} }}\n  price.sale:\n    merge: delta\n  stock.quantity:\n    merge: delta\n    sides: [shop, outlet]\nguards:\n  max_changes: \"0%\"\nschedule:\n  cron: \"nope\"\n",
        BASE.replace(
            "url: https://outlet.example.com",
            "url: ftp://outlet.example.com"
        )
    );
    let e = parse(&text).expect_err("invalid");
    let places: Vec<(u64, u64)> = e.diagnostics.iter().map(|d| (d.line, d.column)).collect();
    assert_eq!(
        places,
        [(14, 10), (19, 12), (22, 12), (24, 5), (27, 16), (29, 9)],
        "{e}"
    );
    assert!(e.to_string().ends_with("6 problems found"));
}

#[test]
fn an_empty_target_entry_is_the_identity() {
    let rules = parse(&format!(
        "{BASE}  price.regular:\n    truth: erp\n    targets:\n      shop:\n      outlet: {{ multiply: 2 }}\n"
    ))
    .unwrap_or_else(|e| panic!("{e}"));
    let skusync_model::Policy::Truth { targets, .. } = &rules.fields[0].policy else {
        panic!("truth")
    };
    assert!(targets[&skusync_model::SourceId::new("shop")].is_identity());
    assert!(!targets[&skusync_model::SourceId::new("outlet")].is_identity());
}

#[test]
fn headerless_files_need_indexes_and_word_maps_need_valid_words() {
    let text = "version: 1
sources:
  erp:
    kind: csv
    path: ./drops
    header: false
    columns: { sku: 1, stock.status: \"Avail\", stock.quantity: 0 }
    values:
      stock.status: { Y: instock, N: sold_out }
      stock.quantity: { a: b }
fields:
  name:
    truth: erp
";
    assert_eq!(
        errors(text),
        "rules.yaml:7:38: sources.erp.columns.stock.status: `Avail` is a header name, but `header: false` says the file has no header row\n  \
         help: give the column's 1-based index instead\n\
         rules.yaml:7:63: sources.erp.columns.stock.quantity: column 0 does not exist\n  \
         help: indexes start at 1\n\
         rules.yaml:9:38: sources.erp.values.stock.status.N: `sold_out` is not a valid stock.status (valid: instock, outofstock, onbackorder)\n\
         rules.yaml:10:7: sources.erp.values.stock.quantity: `stock.quantity` is not a word field\n  \
         help: word mappings are for stock.status, stock.backorders, stock.manage and status\n\
         rules.yaml:13:12: fields.name.truth: csv source `erp` has no column for `name`\n  \
         help: map it under `sources.erp.columns`, e.g. `name: \"…\"`\n\
         rules.yaml:13:12: fields.name: `truth` has no `targets`\n  \
         help: list where the value goes, e.g. `targets: { shop: {} }`\n\
         6 problems found"
    );
}

#[test]
fn every_unknown_key_at_once() {
    let text = BASE
        .replace("    path: ./drops\n", "    path: ./drops\n    delimeter: \";\"\n")
        .replace("    url: https://outlet.example.com\n", "    url: https://outlet.example.com\n    rate_limit: { per_sec: 2 }\n")
        .replace(
            "fields:\n",
            "fields:\n  price.regular:\n    truth: erp\n    targets: { shop: { rnd: \"0.01\", tax: { rat: \"0.2\" } } }\nschedul:\n  every: 1m\n",
        );
    assert_eq!(
        errors(&text),
        "rules.yaml:6:5: unknown key `delimeter`\n  \
         help: did you mean `delimiter`? valid keys here: `kind`, `path`, `pattern`, `delimiter`, `decimal_separator`, `thousands_separator`, `encoding`, `header`, `columns`, `values`, `complete`, `on_invalid`, `max_skipped`, `allow_negative_stock`, `min_rows_ratio`, `archive`, `export`, `url`, `wp_subfolder`, `consumer_key`, `consumer_secret`, `auth`, `ca_cert`, `rate_limit`, `concurrency`, `timeout`, `read`, `full_every`, `overlap`, `absolute_stock`\n\
         rules.yaml:16:19: unknown key `per_sec`\n  \
         help: did you mean `per_second`? valid keys here: `per_second`, `burst`\n\
         rules.yaml:22:24: unknown key `rnd`\n  \
         help: did you mean `round`? valid keys here: `multiply`, `add`, `round`, `rounding`, `tax`, `buffer`, `clamp_zero`\n\
         rules.yaml:22:44: unknown key `rat`\n  \
         help: did you mean `rate`? valid keys here: `rate`, `to`\n\
         rules.yaml:23:1: unknown key `schedul`\n  \
         help: did you mean `schedule`? valid keys here: `version`, `state_dir`, `sources`, `match`, `fields`, `guards`, `schedule`\n\
         5 problems found"
    );
}

#[test]
fn values_from_the_environment_are_not_echoed() {
    let env = |name: &str| match name {
        "SHOP_KEY" | "SHOP_SECRET" | "OUTLET_KEY" | "OUTLET_SECRET" => Some("v".to_string()),
        "TIMEOUT" => Some("hunter2".to_string()),
        _ => None,
    };
    let text = BASE
        .replace(
            "consumer_secret: ${SHOP_SECRET}",
            "consumer_secret: ${SHOP_SECRET}\n    timeout: ${TIMEOUT}",
        )
        .replace(
            "fields:\n",
            "fields:\n  name:\n    newest: [shop, outlet]\n",
        );
    let e = parse_str(&text, Path::new("rules.yaml"), Path::new("/r"), &env)
        .expect_err("invalid")
        .to_string();
    assert_eq!(
        e,
        "rules.yaml:12:14: sources.shop.timeout: `${TIMEOUT}` is not a duration\n  \
         help: write a number and a unit: `500ms`, `2s`, `15m`, `1h`, `1d`"
    );
}
