//! The shipped example and the demo's shape parse and mean what they say.

use skusync_model::{FieldName, Limit, Policy, Seed, SourceId};
use skusync_rules::{Schedule, SourceSpec, parse_str};
use std::path::{Path, PathBuf};
use std::time::Duration;

fn env(name: &str) -> Option<String> {
    match name {
        "SHOP_KEY" => Some("ck_shop_1234".into()),
        "SHOP_SECRET" => Some("cs_shop_5678".into()),
        "OUTLET_KEY" => Some("ck_outlet_1234".into()),
        "OUTLET_SECRET" => Some("cs_outlet_5678".into()),
        "SHOP_URL" => Some("http://127.0.0.1:8080".into()),
        _ => None,
    }
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn the_example_parses() {
    let path = repo_root().join("rules.example.yaml");
    let rules = skusync_rules::load(&path, &env).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(rules.version, 1);
    assert_eq!(rules.state_dir, repo_root().join("./.skusync"));
    assert_eq!(
        rules
            .sources
            .keys()
            .map(SourceId::as_str)
            .collect::<Vec<_>>(),
        ["erp", "outlet", "shop"]
    );
    let price = rules.field(FieldName::PriceRegular).expect("price rule");
    let Policy::Truth { source, targets } = &price.policy else {
        panic!("price is truth");
    };
    assert_eq!(source.as_str(), "erp");
    assert!(targets[&SourceId::new("shop")].is_identity());
    assert_eq!(
        targets[&SourceId::new("outlet")]
            .multiply
            .map(|d| d.to_string()),
        Some("0.90".to_string())
    );
    let stock = rules.field(FieldName::StockQuantity).expect("stock rule");
    let Policy::MergeDelta {
        sides,
        seed,
        transforms,
    } = &stock.policy
    else {
        panic!("stock is merge");
    };
    assert_eq!(sides, &[SourceId::new("shop"), SourceId::new("outlet")]);
    assert_eq!(seed, &Seed::From(SourceId::new("erp")));
    assert_eq!(transforms[&SourceId::new("outlet")].buffer, Some(2));
    assert_eq!(rules.guards.max_changes, Some(Limit::Percent(20.into())));
    assert_eq!(
        rules.schedule,
        Some(Schedule::Every(Duration::from_secs(900)))
    );
    let fields: Vec<_> = rules.fields.iter().map(|r| r.field).collect();
    assert_eq!(
        fields,
        [
            FieldName::PriceRegular,
            FieldName::StockQuantity,
            FieldName::Name
        ]
    );
}

#[test]
fn the_demo_shape_parses() {
    let text = r#"
version: 1
sources:
  erp:
    kind: csv
    path: ./erp
    delimiter: ";"
    decimal_separator: ","
    columns: { sku: "Item", price.regular: "Net price", stock.quantity: "On hand" }
  shop:
    kind: woocommerce
    url: ${SHOP_URL}
    consumer_key: ${SHOP_KEY}
    consumer_secret: ${SHOP_SECRET}
fields:
  price.regular:
    truth: erp
    targets: { shop: {} }
  stock.quantity:
    truth: erp
    targets: { shop: {} }
"#;
    let rules = parse_str(text, Path::new("rules.yaml"), Path::new("/demo"), &env)
        .unwrap_or_else(|e| panic!("{e}"));
    let SourceSpec::WooCommerce(shop) = &rules.sources[&SourceId::new("shop")] else {
        panic!("shop is woocommerce");
    };
    assert_eq!(shop.url, "http://127.0.0.1:8080");
    let SourceSpec::Csv(erp) = &rules.sources[&SourceId::new("erp")] else {
        panic!("erp is csv");
    };
    assert_eq!(erp.path, Path::new("/demo/erp"));
    assert!(rules.sources[&SourceId::new("erp")].provides(FieldName::StockQuantity));
    assert!(!rules.sources[&SourceId::new("erp")].can_write(FieldName::StockQuantity));
    assert_eq!(rules.state_dir, Path::new("/demo/.skusync"));
}

#[test]
fn damaged_copies_of_the_example_never_panic() {
    // Every truncation and every single-line deletion of the example is
    // either valid or a list of diagnostics with a place; nothing panics.
    let text = std::fs::read_to_string(repo_root().join("rules.example.yaml")).expect("example");
    let file = Path::new("rules.yaml");
    let base = Path::new("/x");
    let mut rejected = 0;
    // Cut at every line start and every 11th character (the whole range
    // costs seconds in a debug build for no extra coverage).
    let cuts = text
        .char_indices()
        .enumerate()
        .filter(|(n, (i, _))| n % 11 == 0 || text[..*i].ends_with('\n'))
        .map(|(_, (i, _))| i);
    for cut in cuts {
        if let Err(e) = parse_str(&text[..cut], file, base, &env) {
            assert!(!e.diagnostics.is_empty());
            rejected += 1;
        }
    }
    let lines: Vec<&str> = text.lines().collect();
    for skip in 0..lines.len() {
        let damaged: Vec<&str> = lines
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != skip)
            .map(|(_, l)| *l)
            .collect();
        if let Err(e) = parse_str(&damaged.join("\n"), file, base, &env) {
            assert!(e.diagnostics.iter().all(|d| d.file == file));
            rejected += 1;
        }
    }
    assert!(rejected > 0);
}
