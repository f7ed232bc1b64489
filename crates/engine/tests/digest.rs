//! `inputs_digest`: the same inputs in any order give the same digest; any
//! change to a snapshot, the base or the rules gives another.

mod common;

use common::*;
use skusync_model::{
    BaseView, Guards, MatchRules, OnDrift, Plan, Snapshot, StateUpdate, Transform,
};

fn digest(snaps: &[Snapshot], base: &BaseView, rules_digest: &str) -> String {
    let rules = vec![truth(
        PRICE,
        "erp",
        &[("shop", Transform::default())],
        OnDrift::Overwrite,
    )];
    let p: Plan = skusync_engine::plan(&skusync_engine::Inputs {
        fields: &rules,
        matching: &MatchRules::default(),
        guards: &Guards::default(),
        snapshots: snaps,
        base,
        generated_at: "now",
        rules_digest,
    });
    p.inputs_digest
}

fn snaps(b_price: &str) -> Vec<Snapshot> {
    vec![
        Snapshot::new(
            "shop",
            vec![
                rec("A", &[(PRICE, money("1.00"))]),
                rec("B", &[(PRICE, money(b_price))]),
                rec("B", &[(STOCK, qty(1))]),
                rec("", &[(STOCK, qty(2))]),
                rec(" ", &[(STOCK, qty(3))]),
            ],
        ),
        Snapshot::new("erp", vec![rec("A", &[(PRICE, money("1.00"))])]),
    ]
}

#[test]
fn digest_is_canonical_and_sensitive() {
    let base = BaseView::default();
    let d = digest(&snaps("2.00"), &base, "r");
    assert!(d.starts_with("sha256:") && d.len() == 7 + 64, "{d}");

    // Reordered snapshots and records (duplicates and SKU-less records too).
    let mut s = snaps("2.00");
    s.reverse();
    s[1].records.reverse();
    assert_eq!(digest(&s, &base, "r"), d);

    // A value, its scale, the rules digest: each changes it.
    assert_ne!(digest(&snaps("2.01"), &base, "r"), d);
    assert_ne!(digest(&snaps("2.0"), &base, "r"), d);
    assert_ne!(digest(&snaps("2.00"), &base, "r2"), d);

    // Base entries, of listed and of unlisted SKUs, and pools.
    for update in [
        StateUpdate::Base {
            side: "shop".into(),
            sku: "A".into(),
            field: PRICE,
            value: Some(money("1.00")),
        },
        StateUpdate::Base {
            side: "shop".into(),
            sku: "GONE".into(),
            field: PRICE,
            value: None,
        },
        StateUpdate::Pool {
            sku: "GONE".into(),
            field: STOCK,
            value: 3,
        },
    ] {
        let mut b = BaseView::default();
        b.apply_updates(std::slice::from_ref(&update), "t", "r");
        let with = digest(&snaps("2.00"), &b, "r");
        assert_ne!(with, d, "{update:?}");
        // Bookkeeping (time, run, version) is not an input of the plan.
        let mut b2 = BaseView::default();
        b2.apply_updates(std::slice::from_ref(&update), "t2", "other-run");
        b2.apply_updates(&[update], "t3", "third-run");
        assert_eq!(digest(&snaps("2.00"), &b2, "r"), with);
    }
}
