//! Source options, aliases, secrets and the digest, through the public API.

use skusync_csv_drop::{
    ColumnKey, ColumnRef, Completeness, DecimalSeparator, Delimiter, DelimiterSetting, Encoding,
    Header, NegativeStock, OnInvalid, Overwrite, ThousandsSeparator,
};
use skusync_model::{FieldName, Limit, NormalizeStep, Policy, Seed, Sku, SourceId, Tax, Value};
use skusync_rules::*;
use std::path::{Path, PathBuf};
use std::time::Duration;

fn env(name: &str) -> Option<String> {
    match name {
        "SHOP_KEY" => Some("ck_SECRET_KEY_VALUE".into()),
        "SHOP_SECRET" => Some("cs_SECRET_SECRET_VALUE".into()),
        "OUTLET_KEY" => Some("ck_OUTLET".into()),
        "OUTLET_SECRET" => Some("cs_OUTLET".into()),
        _ => None,
    }
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/rules")
}

fn all_options() -> RuleSet {
    load(&fixtures().join("good/all-options.yaml"), &env).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn every_csv_option_is_typed() {
    let rules = all_options();
    let dir = fixtures().join("good");
    let SourceSpec::Csv(erp) = &rules.sources[&SourceId::new("erp")] else {
        panic!("csv")
    };
    assert_eq!(erp.path, dir.join("./drops/erp"));
    assert_eq!(erp.pattern, "stock-*.csv");
    assert_eq!(erp.delimiter, DelimiterSetting::Fixed(Delimiter::Tab));
    assert_eq!(erp.decimal_separator, DecimalSeparator::Comma);
    assert_eq!(erp.thousands_separator, Some(ThousandsSeparator::Dot));
    assert_eq!(erp.encoding, Encoding::Latin1);
    assert_eq!(erp.header, Header::Present);
    assert_eq!(erp.sku, ColumnRef::Name("Item".into()));
    assert_eq!(erp.columns[&FieldName::StockQuantity], ColumnRef::Index(4));
    assert_eq!(
        erp.values[&FieldName::StockStatus]["N"],
        Value::parse(FieldName::StockStatus, "outofstock")
            .unwrap()
            .to_string()
    );
    assert_eq!(erp.complete, Completeness::Marker(".done".into()));
    assert_eq!(erp.on_invalid, OnInvalid::Skip);
    assert_eq!(erp.max_skipped, 10);
    assert_eq!(erp.negative_stock, NegativeStock::Allow);
    assert!(erp.min_rows_ratio.is_zero());
    assert_eq!(erp.archive, Some(dir.join("./drops/erp/archive")));
    let export = erp.export.as_ref().expect("export");
    assert_eq!(export.path, dir.join("./drops/erp/outbox"));
    assert_eq!(export.file_name, "stock-{timestamp}.csv");
    assert_eq!(
        export.columns,
        [
            (ColumnKey::Sku, "Item".to_string()),
            (
                ColumnKey::Field(FieldName::StockQuantity),
                "On hand".to_string()
            ),
            (
                ColumnKey::Field(FieldName::PriceRegular),
                "Price".to_string()
            ),
        ]
    );
    assert_eq!(export.delimiter, Some(Delimiter::Pipe));
    assert_eq!(export.decimal_separator, Some(DecimalSeparator::Dot));
    assert_eq!(export.overwrite, Overwrite::Replace);

    let spec = &rules.sources[&SourceId::new("erp")];
    assert!(spec.provides(FieldName::PriceRegular));
    assert!(!spec.provides(FieldName::Name));
    assert!(spec.can_write(FieldName::StockQuantity));
    assert!(!spec.can_write(FieldName::StockStatus));
}

#[test]
fn every_woocommerce_option_is_typed() {
    let rules = all_options();
    let SourceSpec::WooCommerce(shop) = &rules.sources[&SourceId::new("shop")] else {
        panic!("woocommerce")
    };
    assert_eq!(shop.url, "https://shop.example.com:8443");
    assert_eq!(shop.wp_subfolder.as_deref(), Some("/blog"));
    assert_eq!(shop.consumer_key_var, "SHOP_KEY");
    assert_eq!(shop.consumer_secret_var, "SHOP_SECRET");
    assert_eq!(shop.auth, WooAuth::Query);
    assert_eq!(shop.ca_cert, Some(fixtures().join("good/./staging-ca.pem")));
    assert_eq!(
        shop.rate_limit,
        RateLimit {
            per_second: 2,
            burst: 8
        }
    );
    assert_eq!(shop.concurrency, 2);
    assert_eq!(shop.timeout, Duration::from_millis(500));
    assert_eq!(shop.read, ReadMode::Full);
    assert_eq!(shop.full_every, Duration::from_secs(12 * 3600));
    assert_eq!(shop.overlap, Duration::ZERO);
    assert_eq!(shop.stock_writes, StockWrites::Absolute);
    use secrecy::ExposeSecret;
    assert_eq!(shop.consumer_key.expose_secret(), "ck_SECRET_KEY_VALUE");
    assert_eq!(
        shop.consumer_secret.expose_secret(),
        "cs_SECRET_SECRET_VALUE"
    );
}

#[test]
fn defaults_are_the_documented_ones() {
    let text = "version: 1
sources:
  erp: { kind: csv, path: drop.csv, columns: { sku: 1, stock.quantity: 2 } }
  shop: { kind: woocommerce, url: 'http://127.0.0.1:9000', consumer_key: '${SHOP_KEY}', consumer_secret: '${SHOP_SECRET}' }
fields:
  stock.quantity: { truth: erp, targets: { shop: {} } }
";
    let rules = parse_str(text, Path::new("r.yaml"), Path::new("/base"), &env)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(rules.state_dir, Path::new("/base/.skusync"));
    let SourceSpec::Csv(erp) = &rules.sources[&SourceId::new("erp")] else {
        panic!("csv")
    };
    assert_eq!(erp.path, Path::new("/base/drop.csv"));
    assert_eq!(erp.pattern, "*.csv");
    assert_eq!(erp.delimiter, DelimiterSetting::Auto);
    assert_eq!(erp.decimal_separator, DecimalSeparator::Dot);
    assert_eq!(erp.thousands_separator, None);
    assert_eq!(erp.encoding, Encoding::Utf8);
    assert_eq!(
        erp.complete,
        Completeness::StableFor(Duration::from_secs(2))
    );
    assert_eq!(erp.on_invalid, OnInvalid::Reject);
    assert_eq!(erp.negative_stock, NegativeStock::Reject);
    assert_eq!(erp.min_rows_ratio, rust_decimal::Decimal::new(5, 1));
    assert!(erp.export.is_none());
    let SourceSpec::WooCommerce(shop) = &rules.sources[&SourceId::new("shop")] else {
        panic!("woocommerce")
    };
    assert_eq!(shop.url, "http://127.0.0.1:9000");
    assert_eq!(shop.auth, WooAuth::Auto);
    assert_eq!(
        shop.rate_limit,
        RateLimit {
            per_second: 5,
            burst: 5
        }
    );
    assert_eq!(shop.concurrency, 4);
    assert_eq!(shop.timeout, Duration::from_secs(30));
    assert_eq!(shop.read, ReadMode::Incremental);
    assert_eq!(shop.full_every, Duration::from_secs(86_400));
    assert_eq!(shop.overlap, Duration::from_secs(300));
    assert_eq!(shop.stock_writes, StockWrites::Delta);
    assert_eq!(rules.schedule, None);
    assert_eq!(rules.guards, skusync_model::Guards::default());
}

#[test]
fn field_rules_and_match_rules() {
    let rules = all_options();
    assert_eq!(
        rules.match_rules.normalize,
        [
            NormalizeStep::Trim,
            NormalizeStep::CollapseSpaces,
            NormalizeStep::Lowercase
        ]
    );
    // The alias SKU is stored normalised; the canonical SKU as written.
    assert_eq!(
        rules.match_rules.aliases[&(SourceId::new("erp"), Sku::new("krem 50"))],
        Sku::new("KREM-50")
    );
    assert_eq!(
        rules
            .match_rules
            .canonical(&SourceId::new("erp"), &Sku::new("  KREM   50 ")),
        Sku::new("krem-50")
    );
    let stock = rules.field(FieldName::StockQuantity).expect("stock");
    let Policy::MergeDelta {
        seed, transforms, ..
    } = &stock.policy
    else {
        panic!("merge")
    };
    assert_eq!(seed, &Seed::Max);
    assert_eq!(
        transforms[&SourceId::new("erp")].round.map(|r| r.step),
        Some(5.into())
    );
    let price = rules.field(FieldName::PriceRegular).expect("price");
    assert_eq!(price.on_drift, skusync_model::OnDrift::Flag);
    assert_eq!(price.rule, "fields.price.regular");
    let Policy::Truth { targets, .. } = &price.policy else {
        panic!("truth")
    };
    let t = &targets[&SourceId::new("shop")];
    assert!(matches!(t.tax, Some(Tax::AddRate(r)) if r.to_string() == "0.19"));
    assert_eq!(
        t.apply(&Value::parse(FieldName::PriceRegular, "10.00").unwrap())
            .unwrap()
            .to_string(),
        "11.90"
    );
    assert_eq!(rules.guards.max_changes, Some(Limit::Absolute(250)));
    assert_eq!(rules.schedule, Some(Schedule::Cron("0 */2 * * 1-5".into())));
    // Plan order, whatever order the file lists them in.
    let order: Vec<_> = rules.fields.iter().map(|r| r.field).collect();
    assert_eq!(
        order,
        [
            FieldName::PriceRegular,
            FieldName::StockQuantity,
            FieldName::StockStatus
        ]
    );
}

#[test]
fn secrets_never_reach_debug_output() {
    let rules = all_options();
    let debug = format!("{rules:?}");
    assert!(debug.contains("SHOP_KEY"), "the variable name is shown");
    assert!(!debug.contains("ck_SECRET_KEY_VALUE"), "{debug}");
    assert!(!debug.contains("cs_SECRET_SECRET_VALUE"));
    let SourceSpec::WooCommerce(shop) = &rules.sources[&SourceId::new("shop")] else {
        panic!("woocommerce")
    };
    let debug = format!("{shop:?} {shop:#?}");
    assert!(!debug.contains("SECRET_KEY_VALUE") && !debug.contains("SECRET_SECRET_VALUE"));
    let canonical = rules.canonical_json().to_string();
    assert!(!canonical.contains("SECRET_KEY_VALUE") && !canonical.contains("SECRET_SECRET_VALUE"));
}

#[test]
fn digest_follows_meaning_not_formatting_or_secrets() {
    let a = "version: 1
sources:
  shop: { kind: woocommerce, url: 'https://a.example.com', consumer_key: '${SHOP_KEY}', consumer_secret: '${SHOP_SECRET}' }
  outlet: { kind: woocommerce, url: 'https://b.example.com', consumer_key: '${OUTLET_KEY}', consumer_secret: '${OUTLET_SECRET}' }
fields:
  name: { newest: [shop, outlet] }
  price.regular: { truth: shop, targets: { outlet: { multiply: '0.90' } } }
";
    // Same meaning: other key order, comments, block style.
    let b = "# a comment
version: 1
fields:
  price.regular:
    targets:
      outlet: { multiply: 0.90 }
    truth: shop
  name:
    newest: [shop, outlet]
sources:
  outlet: { kind: woocommerce, url: 'https://b.example.com/', consumer_key: '${OUTLET_KEY}', consumer_secret: '${OUTLET_SECRET}' }
  shop: { kind: woocommerce, url: 'https://a.example.com', consumer_key: '${SHOP_KEY}', consumer_secret: '${SHOP_SECRET}' }
";
    let parse = |t: &str, env: &dyn Fn(&str) -> Option<String>| {
        parse_str(t, Path::new("r.yaml"), Path::new("/x"), env).unwrap_or_else(|e| panic!("{e}"))
    };
    let da = parse(a, &env).digest();
    assert_eq!(da.len(), 64);
    assert!(da.chars().all(|c| c.is_ascii_hexdigit()));
    assert_eq!(da, parse(b, &env).digest());
    let other_secret = |n: &str| env(n).map(|v| format!("{v}-rotated"));
    assert_eq!(
        da,
        parse(a, &other_secret).digest(),
        "a rotated key is the same rules"
    );
    assert_ne!(da, parse(&a.replace("'0.90'", "'0.85'"), &env).digest());
    assert_ne!(
        da,
        parse(&a.replace("'0.90'", "'0.9'"), &env).digest(),
        "scale matters for money"
    );
}

#[test]
fn alias_file_problems_name_its_lines() {
    let err = load(&fixtures().join("bad/aliases.yaml"), &env).expect_err("invalid aliases");
    let csv = fixtures().join("bad/aliases.csv");
    let got: Vec<String> = err.diagnostics.iter().map(ToString::to_string).collect();
    assert_eq!(
        got,
        [
            format!(
                "{}:3: source `shpo` is not defined in the rules\n  help: did you mean `shop`? valid sources: `outlet`, `shop`",
                csv.display()
            ),
            format!(
                "{}:4: the sku and the canonical sku must not be empty",
                csv.display()
            ),
            format!(
                "{}:5: `shop` SKU `A-1` already has the alias `A1` (line 2)",
                csv.display()
            ),
        ]
    );
}

#[test]
fn a_missing_alias_file_is_reported_at_its_key() {
    let text = "version: 1
sources:
  shop: { kind: woocommerce, url: 'https://a.example.com', consumer_key: '${SHOP_KEY}', consumer_secret: '${SHOP_SECRET}' }
  outlet: { kind: woocommerce, url: 'https://b.example.com', consumer_key: '${OUTLET_KEY}', consumer_secret: '${OUTLET_SECRET}' }
match:
  aliases: ./nope.csv
fields:
  name: { newest: [shop, outlet] }
";
    let err = parse_str(text, Path::new("r.yaml"), Path::new("/no/such/dir"), &env)
        .expect_err("missing file");
    let d = &err.diagnostics[0];
    assert_eq!((d.line, d.column), (6, 12));
    assert!(
        d.message
            .starts_with("match.aliases: cannot read `/no/such/dir/nope.csv`"),
        "{}",
        d.message
    );
}

#[test]
fn many_problems_fixture_reports_all_of_them() {
    let err = load(&fixtures().join("bad/many-problems.yaml"), &env).expect_err("invalid");
    let text = err.to_string();
    assert!(
        !text.contains("ck_0123456789abcdef"),
        "a literal key is never echoed"
    );
    let places: Vec<(u64, u64, &str)> = err
        .diagnostics
        .iter()
        .map(|d| (d.line, d.column, d.message.split(':').next().unwrap_or("")))
        .collect();
    assert_eq!(
        places,
        [
            (7, 16, "sources.erp.delimiter"),
            (11, 10, "sources.shop.url"),
            (12, 19, "sources.shop.consumer_key"),
            (17, 49, "fields.price.regular.targets.shop.buffer"),
            (19, 5, "fields.stock.quantity"),
            (20, 19, "fields.stock.quantity.sides"),
            (22, 12, "fields.name.truth"),
            (24, 3, "fields.stock.status"),
            (26, 16, "guards.max_changes"),
            (28, 10, "schedule.every"),
        ],
        "{text}"
    );
}

#[test]
fn load_resolves_against_the_rules_folder_and_names_a_missing_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let rules = dir.path().join("conf/rules.yaml");
    std::fs::create_dir_all(rules.parent().expect("parent")).expect("mkdir");
    std::fs::write(
        dir.path().join("conf/aliases.csv"),
        "source,sku,canonical\nerp,a,B\n",
    )
    .expect("write aliases");
    std::fs::write(
        &rules,
        "version: 1
state_dir: state
sources:
  erp: { kind: csv, path: in, columns: { sku: 1, name: 2 } }
  shop: { kind: woocommerce, url: 'https://s.example.com', consumer_key: '${SHOP_KEY}', consumer_secret: '${SHOP_SECRET}' }
match: { aliases: aliases.csv }
fields:
  name: { truth: erp, targets: { shop: {} } }
",
    )
    .expect("write rules");
    let set = load(&rules, &env).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(set.state_dir, dir.path().join("conf/state"));
    assert_eq!(set.file, rules);
    assert_eq!(set.match_rules.aliases.len(), 1);
    let SourceSpec::Csv(erp) = &set.sources[&SourceId::new("erp")] else {
        panic!("csv")
    };
    assert_eq!(erp.path, dir.path().join("conf/in"));

    let missing = dir.path().join("nope.yaml");
    let err = load(&missing, &env).expect_err("missing file");
    assert_eq!(err.len(), 1);
    assert!(
        err.to_string().starts_with(&format!(
            "{}: cannot read the rules file:",
            missing.display()
        )),
        "{err}"
    );
}
