//! One test per validation rule of a customer file: a small file that
//! breaks it, and the exact diagnostics expected.

use crate::{Config, Date, check_file, parse_config};

const PATH: &str = "customers/ac/acme.toml";

const GOOD: &str = r#"id = "acme"
name = "ACME Corporation"
region = "east"
industry = "manufacturing"
owner = "alice"
since = 2023-04-01
stage = "won"

[grade]
tier = "strategic"
abc = "A"
pipeline = "B"
pinned = ["tier"]

[metrics]
revenue_12m = 1250000.0
revenue_total = 3400000.0
orders_total = 57
orders_12m = 42
last_order = 2026-10-28
satisfaction = 4.5
repurchase = 0.7

[contact]
last = 2026-11-18
channel = "call"
"#;

/// A fixed policy (not the template, which follows the sample book).
pub(crate) const TEST_CONFIG: &str = r#"
[book]
name = "Test book"
stages = ["lead", "qualified", "proposal", "negotiation", "won", "lost", "churned"]
channels = ["call", "visit", "email", "meeting", "message"]

[regions]
north = "North"
south = "South"
east = "East"
west = "West"
central = "Central"
overseas = "Overseas"

[industries]
manufacturing = "Manufacturing"
retail = "Retail"
logistics = "Logistics"
software = "Software"
healthcare = "Healthcare"
finance = "Finance"
energy = "Energy"
construction = "Construction"
education = "Education"
food = "Food & beverage"

[[tiers]]
name = "strategic"
when = 'revenue_12m >= 500000'
weight = 8

[[tiers]]
name = "key"
when = 'revenue_12m >= 100000'
weight = 4

[[tiers]]
name = "ordinary"
when = 'revenue_12m >= 10000'
weight = 2

[[tiers]]
name = "small"
weight = 1
pooled = true

[owners.alice]
name = "Alice Martin"
regions = ["east", "north"]
capacity = 20

[owners.bruno]
name = "Bruno Costa"
regions = ["south"]
capacity = 120
"#;

pub(crate) fn config() -> Config {
    let report = parse_config(TEST_CONFIG.as_bytes());
    assert_eq!(report.diagnostics, []);
    report.config.unwrap()
}

fn as_of() -> Date {
    Date::from_ymd(2026, 11, 22).unwrap()
}

fn check_at(path: &str, text: &str) -> Vec<String> {
    check_file(path, text.as_bytes(), &config(), as_of())
        .diagnostics
        .iter()
        .map(ToString::to_string)
        .collect()
}

fn check(text: &str) -> Vec<String> {
    check_at(PATH, text)
}

/// The good file with one line replaced.
fn with(line: &str, replacement: &str) -> String {
    assert!(GOOD.contains(line), "{line}");
    GOOD.replacen(line, replacement, 1)
}

#[test]
fn a_good_file_is_clean_and_loads() {
    let result = check_file(PATH, GOOD.as_bytes(), &config(), as_of());
    assert_eq!(result.diagnostics, []);
    let customer = result.customer.unwrap();
    assert_eq!(customer, toml::from_str(GOOD).unwrap());
}

#[test]
fn toml_syntax() {
    assert_eq!(
        check(&with("stage = \"won\"", "stage = \"won")),
        ["customers/ac/acme.toml:7:13: error: invalid basic string, expected `\"`"]
    );
}

#[test]
fn wrong_types() {
    let text = with("orders_total = 57", "orders_total = \"many\"")
        .replacen("since = 2023-04-01", "since = 2023", 1)
        .replacen("pinned = [\"tier\"]", "pinned = \"tier\"", 1);
    assert_eq!(
        check(&text),
        [
            "customers/ac/acme.toml:6:9: error: since: expected a date such as 2026-11-18, found integer 2023",
            "customers/ac/acme.toml:13:10: error: grade.pinned: expected an array of strings, found string \"tier\"",
            "customers/ac/acme.toml:18:16: error: metrics.orders_total: expected a whole number, found string \"many\"",
        ]
    );
}

#[test]
fn wrong_type_of_a_table() {
    assert_eq!(
        check(
            &with("[contact]\nlast = 2026-11-18\nchannel = \"call\"\n", "").replacen(
                "stage = \"won\"",
                "stage = \"won\"\ncontact = \"call\"",
                1
            )
        ),
        ["customers/ac/acme.toml:8:11: error: contact: expected a table, found string \"call\""]
    );
}

#[test]
fn missing_required_fields() {
    assert_eq!(
        check("id = \"acme\"\n"),
        [
            "customers/ac/acme.toml:1:1: error: name: missing required field `name`",
            "customers/ac/acme.toml:1:1: error: stage: missing required field `stage`",
        ]
    );
}

#[test]
fn unknown_tier() {
    assert_eq!(
        check(&with("tier = \"strategic\"", "tier = \"gold\"")),
        [
            "customers/ac/acme.toml:10:8: error: grade.tier: unknown tier \"gold\" (kehu.toml defines strategic, key, ordinary, small)"
        ]
    );
}

#[test]
fn unknown_stage() {
    assert_eq!(
        check(&with("stage = \"won\"", "stage = \"wonn\"")),
        [
            "customers/ac/acme.toml:7:9: error: stage: unknown stage \"wonn\" (kehu.toml defines lead, qualified, proposal, negotiation, won, lost, churned); did you mean \"won\"?"
        ]
    );
}

#[test]
fn unknown_region_and_industry() {
    let text = with("region = \"east\"", "region = \"mars\"").replacen(
        "industry = \"manufacturing\"",
        "industry = \"mining\"",
        1,
    );
    assert_eq!(
        check(&text),
        [
            "customers/ac/acme.toml:3:10: error: region: unknown region \"mars\" (kehu.toml defines central, east, north, overseas, south, west)",
            "customers/ac/acme.toml:4:12: error: industry: unknown industry \"mining\" (kehu.toml defines construction, education, energy, finance, food, healthcare, logistics, manufacturing, retail, software)",
        ]
    );
}

#[test]
fn unknown_owner() {
    assert_eq!(
        check(&with("owner = \"alice\"", "owner = \"zoe\"")),
        [
            "customers/ac/acme.toml:5:9: error: owner: unknown owner \"zoe\" (kehu.toml defines alice, bruno)"
        ]
    );
}

#[test]
fn pool_owner_needs_a_pooled_tier() {
    assert_eq!(
        check(&with("owner = \"alice\"", "owner = \"pool-east\"")),
        [
            "customers/ac/acme.toml:5:9: error: owner: \"pool-east\" is a regional pool, but tier \"strategic\" is not pooled"
        ]
    );
    let small = with("owner = \"alice\"", "owner = \"pool-east\"").replacen(
        "tier = \"strategic\"",
        "tier = \"small\"",
        1,
    );
    assert_eq!(check(&small), Vec::<String>::new());
    assert_eq!(
        check(&small.replacen("pool-east", "pool-mars", 1)),
        [
            "customers/ac/acme.toml:5:9: error: owner: unknown pool \"pool-mars\": no region \"mars\" in kehu.toml"
        ]
    );
}

#[test]
fn unknown_channel() {
    assert_eq!(
        check(&with("channel = \"call\"", "channel = \"pigeon\"")),
        [
            "customers/ac/acme.toml:26:11: error: contact.channel: unknown channel \"pigeon\" (kehu.toml defines call, visit, email, meeting, message)"
        ]
    );
}

#[test]
fn abc_and_pipeline_outside_their_letters() {
    let text =
        with("abc = \"A\"", "abc = \"D\"").replacen("pipeline = \"B\"", "pipeline = \"F\"", 1);
    assert_eq!(
        check(&text),
        [
            "customers/ac/acme.toml:11:7: error: grade.abc: unknown value \"D\" (expected A, B, C)",
            "customers/ac/acme.toml:12:12: error: grade.pipeline: unknown value \"F\" (expected A, B, C, D, E)",
        ]
    );
}

#[test]
fn future_dates() {
    assert_eq!(
        check(&with("last = 2026-11-18", "last = 2026-12-01")),
        [
            "customers/ac/acme.toml:25:8: error: contact.last: 2026-12-01 is in the future (as of 2026-11-22)"
        ]
    );
}

#[test]
fn impossible_dates() {
    assert_eq!(
        check(&with("since = 2023-04-01", "since = 2023-02-30")),
        ["customers/ac/acme.toml:6:9: error: invalid date, expected day between 01 and 28"]
    );
}

#[test]
fn date_times_are_not_dates() {
    assert_eq!(
        check(&with("since = 2023-04-01", "since = 2023-04-01T10:00:00Z")),
        [
            "customers/ac/acme.toml:6:9: error: since: expected a date such as 2026-11-18, found date-time 2023-04-01T10:00:00Z"
        ]
    );
}

#[test]
fn negative_money_and_counts() {
    let text = with("revenue_12m = 1250000.0", "revenue_12m = -5.0").replacen(
        "orders_12m = 42",
        "orders_12m = -1",
        1,
    );
    assert_eq!(
        check(&text),
        [
            "customers/ac/acme.toml:16:15: error: metrics.revenue_12m: -5 is negative",
            "customers/ac/acme.toml:19:14: error: metrics.orders_12m: -1 is negative",
        ]
    );
}

#[test]
fn terminal_escapes_in_text_are_errors_and_never_loaded_raw() {
    let text = with(
        "name = \"ACME Corporation\"",
        "name = \"ACME\\u001b[2J\\u001b]8;;http://evil\\u0007x\\tTab\"",
    );
    let result = check_file(PATH, text.as_bytes(), &config(), as_of());
    assert_eq!(
        result
            .diagnostics
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        [
            "customers/ac/acme.toml:2:8: error: name: holds control characters (terminal escape codes?); shown as \u{FFFD}"
        ]
    );
    assert_eq!(
        result.customer.unwrap().name,
        "ACME\u{FFFD}[2J\u{FFFD}]8;;http://evil\u{FFFD}x\tTab"
    );
}

#[test]
fn absurdly_large_money_and_counts() {
    let text = with("revenue_total = 3400000.0", "revenue_total = 1e300").replacen(
        "orders_total = 57",
        "orders_total = 9223372036854775807",
        1,
    );
    assert_eq!(
        check(&text),
        [
            "customers/ac/acme.toml:17:17: error: metrics.revenue_total: 1e300 is above the limit of 1e15 (a typo?)",
            "customers/ac/acme.toml:18:16: error: metrics.orders_total: 9223372036854775807 is above the limit of 1000000000000 (a typo?)",
        ]
    );
}

#[test]
fn satisfaction_and_repurchase_ranges() {
    let text = with("satisfaction = 4.5", "satisfaction = 6").replacen(
        "repurchase = 0.7",
        "repurchase = 1.5",
        1,
    );
    assert_eq!(
        check(&text),
        [
            "customers/ac/acme.toml:21:16: error: metrics.satisfaction: 6 is outside 1..5",
            "customers/ac/acme.toml:22:14: error: metrics.repurchase: 1.5 is outside 0..1",
        ]
    );
}

#[test]
fn nan_and_infinity() {
    let text = with("revenue_12m = 1250000.0", "revenue_12m = nan").replacen(
        "satisfaction = 4.5",
        "satisfaction = inf",
        1,
    );
    assert_eq!(
        check(&text),
        [
            "customers/ac/acme.toml:16:15: error: metrics.revenue_12m: NaN is not a number of money",
            "customers/ac/acme.toml:21:16: error: metrics.satisfaction: inf is not a number",
        ]
    );
}

#[test]
fn id_must_match_the_file_stem() {
    assert_eq!(
        check(&with("id = \"acme\"", "id = \"acme-labs\"")),
        [
            "customers/ac/acme.toml:1:6: error: id: id \"acme-labs\" does not match the file name \"acme.toml\""
        ]
    );
}

#[test]
fn id_syntax() {
    assert_eq!(
        check_at(
            "customers/ac/Acme.toml",
            &with("id = \"acme\"", "id = \"Acme\"")
        ),
        [
            "customers/ac/Acme.toml:1:6: error: id: \"Acme\" is not a valid id: use 2 to 64 lowercase letters, digits and `-`"
        ]
    );
    assert_eq!(
        check_at(
            "customers/../x.toml",
            &with("id = \"acme\"", "id = \"../x\"")
        ),
        [
            "customers/../x.toml:1:6: error: id: \"../x\" is not a valid id: use 2 to 64 lowercase letters, digits and `-`",
            "customers/../x.toml:1:6: error: id: id \"../x\" does not match the file name \"x.toml\"",
        ]
    );
}

#[test]
fn files_outside_their_canonical_place_load_with_a_warning() {
    let result = check_file("customers/acme.toml", GOOD.as_bytes(), &config(), as_of());
    assert!(result.customer.is_some());
    assert_eq!(
        result
            .diagnostics
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        ["customers/acme.toml: warning: not in its canonical place customers/ac/acme.toml"]
    );
}

#[test]
fn conflict_markers() {
    let text = with(
        "stage = \"won\"\n",
        "<<<<<<< HEAD\nstage = \"won\"\n=======\nstage = \"lost\"\n>>>>>>> theirs\n",
    );
    assert_eq!(
        check(&text),
        [
            "customers/ac/acme.toml:7:1: error: git conflict marker `<<<<<<<`; resolve the merge first",
            "customers/ac/acme.toml:9:1: error: git conflict marker `=======`; resolve the merge first",
            "customers/ac/acme.toml:11:1: error: git conflict marker `>>>>>>>`; resolve the merge first",
        ]
    );
}

#[test]
fn non_utf8() {
    let mut bytes = GOOD.as_bytes().to_vec();
    let at = GOOD.find("ACME").unwrap();
    bytes[at] = 0xC0;
    let result = check_file(PATH, &bytes, &config(), as_of());
    assert_eq!(
        result
            .diagnostics
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        [
            "customers/ac/acme.toml:2:9: error: invalid UTF-8 at byte 20; customer files must be UTF-8 text"
        ]
    );
}

#[test]
fn empty_file() {
    assert_eq!(
        check(""),
        ["customers/ac/acme.toml: error: the file is empty"]
    );
}

#[test]
fn bom_and_crlf_are_accepted() {
    let text = format!("\u{feff}{}", GOOD.replace('\n', "\r\n"));
    assert_eq!(check(&text), Vec::<String>::new());
}

#[test]
fn unknown_keys_are_warned_and_the_file_loads() {
    let text = with("stage = \"won\"", "stage = \"won\"\nvip = true").replacen(
        "[contact]\n",
        "[contact]\nmood = \"happy\"\n",
        1,
    );
    let result = check_file(PATH, text.as_bytes(), &config(), as_of());
    assert!(result.customer.is_some());
    assert_eq!(
        result
            .diagnostics
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        [
            "customers/ac/acme.toml:8:1: warning: vip: unknown key `vip` (kept in the file, ignored by kehu)",
            "customers/ac/acme.toml:26:1: warning: contact.mood: unknown key `mood` (kept in the file, ignored by kehu)",
        ]
    );
}

#[test]
fn pinned_names_unknown_grade_field() {
    assert_eq!(
        check(&with(
            "pinned = [\"tier\"]",
            "pinned = [\"tier\", \"colour\"]"
        )),
        [
            "customers/ac/acme.toml:13:19: error: grade.pinned: \"colour\" is not a field that can be pinned (expected one of tier, abc, rfm, pipeline, loyalty, risk, owner)"
        ]
    );
}

#[test]
fn referral_vocabulary() {
    assert_eq!(
        check(&with(
            "repurchase = 0.7",
            "repurchase = 0.7\nreferral = \"maybe\""
        )),
        [
            "customers/ac/acme.toml:23:12: error: metrics.referral: unknown referral \"maybe\" (expected likely, possible or unlikely)"
        ]
    );
}

#[test]
fn quoted_dates_load_with_a_warning() {
    assert_eq!(
        check(&with("since = 2023-04-01", "since = \"2023-04-01\"")),
        [
            "customers/ac/acme.toml:6:9: warning: since: the date is quoted; write it as a TOML date: 2023-04-01"
        ]
    );
}

#[test]
fn integers_too_large() {
    assert_eq!(
        check(&with(
            "orders_total = 57",
            "orders_total = 99999999999999999999"
        )),
        ["customers/ac/acme.toml:18:16: error: metrics.orders_total: the number is too large"]
    );
}

#[test]
fn inconsistent_figures_are_warnings() {
    assert_eq!(
        check(&with("orders_12m = 42", "orders_12m = 99")),
        [
            "customers/ac/acme.toml:19:14: warning: metrics.orders_12m: 99 orders in 12 months but 57 in total"
        ]
    );
}

#[test]
fn lone_carriage_returns() {
    assert_eq!(
        check("id = \"acme\"\rname = \"A\"\r\nstage = \"won\"\n"),
        [
            "customers/ac/acme.toml:1:13: error: carriage return must be followed by newline, expected newline"
        ]
    );
}

#[test]
fn nul_bytes() {
    assert_eq!(
        check("id = \"ac\0me\"\nname = \"A\"\nstage = \"won\"\n"),
        [
            "customers/ac/acme.toml:1:9: error: invalid basic string, expected non-double-quote visible characters, `\\`"
        ]
    );
}

#[test]
fn duplicate_keys_and_tables() {
    assert_eq!(
        check(&with("[contact]", "[grade]\ntier = \"key\"\n[contact]")),
        [
            "customers/ac/acme.toml:24:2: error: duplicate key `grade`",
            "customers/ac/acme.toml:25:1: error: duplicate key `tier`",
        ]
    );
}

#[test]
fn a_flood_of_problems_is_capped() {
    let mut text = GOOD.to_owned();
    for i in 0..80 {
        text.push_str(&format!("extra_{i} = 1\n"));
    }
    let found = check(&text);
    assert_eq!(found.len(), 51);
    assert_eq!(
        found[50],
        "customers/ac/acme.toml: warning: 30 more problems in this file not shown"
    );
}

#[test]
fn hostile_inputs_never_panic() {
    let deep_arrays = format!("id = {}{}", "[".repeat(50_000), "]".repeat(50_000));
    let deep_tables = format!("id = {}1{}", "{a=".repeat(50_000), "}".repeat(50_000));
    let huge_string = format!(
        "id = \"{}\"\nname = \"x\"\nstage = \"won\"\n",
        "a".repeat(900_000)
    );
    let garbage: String = (0..200_000u32)
        .map(|i| char::from(b"=[]{}\"'#\n,."[(i % 11) as usize]))
        .collect();
    for text in [deep_arrays, deep_tables, huge_string, garbage] {
        let result = check_file(PATH, text.as_bytes(), &config(), as_of());
        assert!(result.has_errors());
        assert!(result.diagnostics.len() <= 51);
    }
}

#[test]
fn empty_name() {
    assert_eq!(
        check(&with("name = \"ACME Corporation\"", "name = \"  \"")),
        ["customers/ac/acme.toml:2:8: error: name: the name is empty"]
    );
}

#[test]
fn every_problem_of_a_broken_file_is_reported() {
    let text = with("id = \"acme\"", "id = \"acme-x\"").replacen(
        "orders_total = 57",
        "orders_total = true",
        1,
    );
    assert_eq!(
        check(&text),
        [
            "customers/ac/acme.toml:1:6: error: id: id \"acme-x\" does not match the file name \"acme.toml\"",
            "customers/ac/acme.toml:18:16: error: metrics.orders_total: expected a whole number, found boolean true",
        ]
    );
}

#[test]
fn conflict_markers_inside_multi_line_strings() {
    let text = "id = \"acme\"\nname = \"\"\"\n<<<<<<< HEAD\nA\n=======\nB\n>>>>>>> x\n\"\"\"\nstage = \"won\"\n";
    assert_eq!(
        check(text),
        [
            "customers/ac/acme.toml:3:1: error: git conflict marker `<<<<<<<`; resolve the merge first",
            "customers/ac/acme.toml:5:1: error: git conflict marker `=======`; resolve the merge first",
            "customers/ac/acme.toml:7:1: error: git conflict marker `>>>>>>>`; resolve the merge first",
        ]
    );
}

#[test]
fn case_slips_get_a_suggestion() {
    assert_eq!(
        check(&with("tier = \"strategic\"", "tier = \"Strategic\"")),
        [
            "customers/ac/acme.toml:10:8: error: grade.tier: unknown tier \"Strategic\" (kehu.toml defines strategic, key, ordinary, small); did you mean \"strategic\"?"
        ]
    );
}

#[test]
fn no_truncation_or_byte_flip_makes_the_checker_panic() {
    let config = config();
    let good = GOOD.as_bytes();
    for end in 0..=good.len() {
        let result = check_file(PATH, &good[..end], &config, as_of());
        // Every prefix either loads cleanly or says why not.
        assert!(result.customer.is_some() || !result.diagnostics.is_empty());
    }
    // A fixed linear congruential sequence: deterministic, no extra crates.
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) as usize
    };
    let interesting = b"\"'[]{}=#.\n\r\t\\\0\xff\xef\xbb\xbf<>-+0123456789eE_:TZ ";
    for _ in 0..3000 {
        let mut bytes = good.to_vec();
        for _ in 0..1 + next() % 4 {
            let at = next() % bytes.len();
            match next() % 3 {
                0 => bytes[at] = interesting[next() % interesting.len()],
                1 => {
                    bytes.remove(at);
                }
                _ => bytes.insert(at, interesting[next() % interesting.len()]),
            }
        }
        let result = check_file(PATH, &bytes, &config, as_of());
        for d in &result.diagnostics {
            assert!(!d.message.is_empty());
            assert_eq!(d.path, PATH);
        }
    }
}
