use super::*;
use serde_json::json;

/// A hand-written file: comments, blank lines, a hand-chosen key order.
const HAND: &str = r#"# ACME: our oldest account. Do not touch the name.
name = "ACME Corporation"
id = "acme"
region = "east"
industry = "manufacturing"
owner = "alice"             # account manager
since = 2023-04-01
stage = "won"               # funnel

# grades below
[grade]                     # written by classify
abc = "A"
tier = "strategic"          # names from kehu.toml
pinned = ["tier"]

[metrics]
revenue_12m = 1250000.0
orders_total = 57           # all-time orders
last_order = 2026-10-28

[contact]
last = 2026-11-18
channel = "call"
# trailing remark
"#;

fn edit(text: &str, edits: &[(&str, serde_json::Value)]) -> String {
    apply_edits(text, edits.iter().map(|(f, v)| (*f, v))).unwrap()
}

/// Lines of `new` not in `old` and lines of `old` not in `new`, by a plain LCS.
fn line_diff(old: &str, new: &str) -> (Vec<String>, Vec<String>) {
    let a: Vec<&str> = old.split('\n').collect();
    let b: Vec<&str> = new.split('\n').collect();
    let mut lcs = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let (mut removed, mut added) = (Vec::new(), Vec::new());
    while i < a.len() && j < b.len() {
        if a[i] == b[j] {
            i += 1;
            j += 1;
        } else if lcs[i + 1][j] >= lcs[i][j + 1] {
            removed.push(a[i].to_owned());
            i += 1;
        } else {
            added.push(b[j].to_owned());
            j += 1;
        }
    }
    removed.extend(a[i..].iter().map(|s| s.to_string()));
    added.extend(b[j..].iter().map(|s| s.to_string()));
    (removed, added)
}

#[test]
fn untouched_file_round_trips_byte_for_byte() {
    assert_eq!(edit(HAND, &[]), HAND);
}

#[test]
fn setting_a_field_changes_exactly_one_line() {
    let out = edit(HAND, &[("grade.tier", json!("key"))]);
    let (removed, added) = line_diff(HAND, &out);
    assert_eq!(
        removed,
        vec![r#"tier = "strategic"          # names from kehu.toml"#]
    );
    assert_eq!(
        added,
        vec![r#"tier = "key"          # names from kehu.toml"#]
    );
}

#[test]
fn each_field_is_its_own_line() {
    let out = edit(
        HAND,
        &[
            ("owner", json!("bob")),
            ("contact.last", json!("2026-11-20")),
            ("metrics.orders_total", json!(58)),
        ],
    );
    let (removed, added) = line_diff(HAND, &out);
    assert_eq!(removed.len(), 3);
    assert_eq!(
        added,
        vec![
            r#"owner = "bob"             # account manager"#,
            "orders_total = 58           # all-time orders",
            "last = 2026-11-20",
        ]
    );
}

#[test]
fn dates_become_local_dates_and_numbers_keep_their_kind() {
    let out = edit(
        HAND,
        &[
            ("metrics.revenue_12m", json!(1300000)),
            ("metrics.satisfaction", json!(4)),
            ("metrics.orders_total", json!(60.0)),
            ("expected_close", json!("2027-01-15")),
        ],
    );
    assert!(out.contains("revenue_12m = 1300000.0\n"), "{out}");
    assert!(out.contains("satisfaction = 4.0\n"), "{out}");
    assert!(out.contains("orders_total = 60 "), "{out}");
    assert!(out.contains("stage = \"won\"               # funnel\nexpected_close = 2027-01-15\n"));
    let customer: crate::Customer = toml::from_str(&out).unwrap();
    assert_eq!(customer.expected_close.unwrap().to_string(), "2027-01-15");
}

#[test]
fn a_bad_date_is_refused_with_the_field() {
    let err = apply_edits(HAND, [("contact.last", &json!("yesterday"))]).unwrap_err();
    assert!(err.to_string().contains("contact.last"), "{err}");
}

#[test]
fn null_removes_a_key_and_its_line_only() {
    let out = edit(HAND, &[("grade.abc", serde_json::Value::Null)]);
    let (removed, added) = line_diff(HAND, &out);
    assert_eq!(removed, vec![r#"abc = "A""#]);
    assert!(added.is_empty());
    // Removing what is not there is no change.
    assert_eq!(
        edit(HAND, &[("metrics.referral", serde_json::Value::Null)]),
        HAND
    );
}

#[test]
fn pinned_is_a_small_inline_array() {
    let out = edit(HAND, &[("grade.pinned", json!(["tier", "pipeline"]))]);
    assert!(out.contains("pinned = [\"tier\", \"pipeline\"]\n"), "{out}");
}

#[test]
fn missing_tables_go_in_canonical_order() {
    let text = "id = \"acme\"\nname = \"ACME\"\nstage = \"won\"\n\n[grade]\ntier = \"key\"\n\n[contact]\nlast = 2026-11-18\n";
    let out = edit(text, &[("metrics.orders_total", json!(3))]);
    assert_eq!(
        out,
        "id = \"acme\"\nname = \"ACME\"\nstage = \"won\"\n\n[grade]\ntier = \"key\"\n\n[metrics]\norders_total = 3\n\n[contact]\nlast = 2026-11-18\n"
    );
    let out = edit(
        "id = \"acme\"\nname = \"ACME\"\n",
        &[
            ("contact.channel", json!("call")),
            ("grade.tier", json!("key")),
            ("owner", json!("alice")),
        ],
    );
    assert_eq!(
        out,
        "id = \"acme\"\nname = \"ACME\"\nowner = \"alice\"\n\n[grade]\ntier = \"key\"\n\n[contact]\nchannel = \"call\"\n"
    );
}

#[test]
fn missing_keys_go_in_canonical_order_within_a_table() {
    let text = "[grade]\ntier = \"key\"   # hand\n# pins\npinned = []\n";
    let out = edit(
        text,
        &[("grade.pipeline", json!("B")), ("grade.abc", json!("A"))],
    );
    assert_eq!(
        out,
        "[grade]\ntier = \"key\"   # hand\nabc = \"A\"\npipeline = \"B\"\n# pins\npinned = []\n"
    );
}

#[test]
fn bom_and_crlf_are_kept() {
    let text = "\u{feff}id = \"acme\"\r\nname = \"ACME\"\r\n\r\n[grade]\r\ntier = \"key\" # x\r\n";
    let out = edit(
        text,
        &[("grade.tier", json!("small")), ("grade.abc", json!("C"))],
    );
    assert_eq!(
        out,
        "\u{feff}id = \"acme\"\r\nname = \"ACME\"\r\n\r\n[grade]\r\ntier = \"small\" # x\r\nabc = \"C\"\r\n"
    );
}

#[test]
fn bad_toml_and_bad_paths_are_errors() {
    assert!(matches!(
        apply_edits("id = ", [("id", &json!("x"))]),
        Err(EditError::Parse { .. })
    ));
    assert!(matches!(
        apply_edits(HAND, [("grade..tier", &json!("x"))]),
        Err(EditError::BadPath { .. })
    ));
    assert!(matches!(
        apply_edits(HAND, [("owner.name", &json!("x"))]),
        Err(EditError::NotATable { .. })
    ));
}

#[test]
fn default_template_renders_a_valid_customer() {
    let new = NewCustomer {
        id: "acme-labs".into(),
        name: "ACME \"Labs\"".into(),
        region: Some("east".into()),
        industry: None,
        owner: Some("alice".into()),
        stage: Some("lead".into()),
        since: crate::Date::from_ymd(2026, 11, 20),
    };
    let out = render_new_customer(DEFAULT_CUSTOMER_TEMPLATE, &new).unwrap();
    assert!(!out.contains("{{"), "{out}");
    assert!(!out.contains("industry ="), "{out}");
    assert!(out.contains("since = 2026-11-20 "), "{out}");
    assert!(
        out.contains("owner = \"alice\"           # account manager"),
        "{out}"
    );
    let customer: crate::Customer = toml::from_str(&out).unwrap();
    assert_eq!(customer.id, "acme-labs");
    assert_eq!(customer.name, "ACME \"Labs\"");
    assert_eq!(customer.stage, "lead");
    // Later edits add tables after the template's keys.
    let out = edit(&out, &[("contact.channel", json!("call"))]);
    assert!(
        out.ends_with("\n\n[contact]\nchannel = \"call\"\n"),
        "{out}"
    );
}

#[test]
fn write_atomic_replaces_and_leaves_no_temp_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("acme.toml");
    write_atomic(&path, b"one\n").unwrap();
    write_atomic(&path, b"two\n").unwrap();
    assert_eq!(fs::read_to_string(&path).unwrap(), "two\n");
    let names: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 1);
    let err = write_atomic(&dir.path().join("missing/x.toml"), b"x").unwrap_err();
    assert!(err.to_string().contains("missing/x.toml"), "{err}");
}
