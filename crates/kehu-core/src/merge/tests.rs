use super::*;

const BASE: &str = "\
# ACME: our oldest account
id = \"acme\"
name = \"ACME Corporation\"
region = \"east\"
owner = \"alice\"             # account manager
since = 2023-04-01
stage = \"won\"

[grade]
tier = \"key\"
abc = \"A\"
pipeline = \"B\"

[metrics]
revenue_12m = 1250000.0
satisfaction = 4.0

[contact]
last = 2026-11-02
channel = \"email\"
";

fn merge(base: &str, ours: &str, theirs: &str) -> (String, Merged) {
    let merged = merge_customer(
        base.as_bytes(),
        ours.as_bytes(),
        theirs.as_bytes(),
        &Labels::default(),
    );
    (String::from_utf8(merged.bytes.clone()).unwrap(), merged)
}

fn with(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "{from:?} not in the text");
    text.replacen(from, to, 1)
}

#[test]
fn edits_to_adjacent_fields_merge_cleanly() {
    let ours = with(BASE, "tier = \"key\"", "tier = \"strategic\"");
    let theirs = with(BASE, "abc = \"A\"", "abc = \"B\"");
    let (text, merged) = merge(BASE, &ours, &theirs);
    assert!(merged.is_clean(), "{:?}", merged.conflicts);
    assert_eq!(
        text,
        with(&ours, "abc = \"A\"", "abc = \"B\""),
        "only their field changes; everything else is ours byte for byte"
    );
}

#[test]
fn our_comments_and_layout_stay_and_their_new_table_is_added() {
    let base = "id = \"acme\"\nname = \"ACME\"\nstage = \"won\"\n";
    let ours = "# hand-written note\nid = \"acme\"\n\nname   =   \"ACME\"   # the legal name\nstage = \"won\"\n";
    let theirs = "id = \"acme\"\nname = \"ACME\"\nstage = \"won\"\n\n[contact]\nlast = 2026-11-18 # the CFO\nchannel = \"call\"\n";
    let (text, merged) = merge(base, ours, theirs);
    assert!(merged.is_clean());
    assert_eq!(
        text,
        "# hand-written note\nid = \"acme\"\n\nname   =   \"ACME\"   # the legal name\nstage = \"won\"\n\n[contact]\nlast = 2026-11-18 # the CFO\nchannel = \"call\"\n"
    );
}

#[test]
fn a_field_removed_on_one_side_is_removed() {
    let theirs = with(BASE, "region = \"east\"\n", "");
    let ours = with(BASE, "stage = \"won\"", "stage = \"churned\"");
    let (text, merged) = merge(BASE, &ours, &theirs);
    assert!(merged.is_clean());
    assert_eq!(text, with(&ours, "region = \"east\"\n", ""));
}

#[test]
fn the_same_change_on_both_sides_is_taken_once() {
    let ours = with(BASE, "tier = \"key\"", "tier = \"strategic\"");
    let theirs = with(
        &with(BASE, "tier = \"key\"", "tier = \"strategic\""),
        "abc = \"A\"",
        "abc = \"B\"",
    );
    let (text, merged) = merge(BASE, &ours, &theirs);
    assert!(merged.is_clean());
    assert_eq!(text, theirs);
}

#[test]
fn two_contacts_keep_the_later_one_whole() {
    // Ours: a call on the 10th with a satisfaction score; theirs: a visit
    // on the 18th with another score and a pipeline regrade.
    let ours = with(
        &with(
            &with(BASE, "last = 2026-11-02", "last = 2026-11-10"),
            "channel = \"email\"",
            "channel = \"call\"",
        ),
        "satisfaction = 4.0",
        "satisfaction = 3.0",
    );
    let theirs = with(
        &with(
            &with(BASE, "last = 2026-11-02", "last = 2026-11-18"),
            "channel = \"email\"",
            "channel = \"visit\"",
        ),
        "satisfaction = 4.0",
        "satisfaction = 4.5",
    );
    let theirs = with(&theirs, "pipeline = \"B\"", "pipeline = \"A\"");
    let (text, merged) = merge(BASE, &ours, &theirs);
    assert!(merged.is_clean(), "{:?}", merged.conflicts);
    assert_eq!(text, theirs);
    assert_eq!(merged.resolutions[0].field, "contact");
    assert!(
        merged.resolutions[0].note.contains("2026-11-18, theirs"),
        "{:?}",
        merged.resolutions
    );

    // The same the other way round: ours is later and stays.
    let (text, merged) = merge(BASE, &theirs, &ours);
    assert!(merged.is_clean());
    assert_eq!(text, theirs);
}

#[test]
fn the_later_contact_keeps_its_channel_even_when_only_the_earlier_changed_it() {
    let ours = with(
        &with(BASE, "last = 2026-11-02", "last = 2026-11-10"),
        "channel = \"email\"",
        "channel = \"call\"",
    );
    // A later contact by the same channel as the base.
    let theirs = with(BASE, "last = 2026-11-02", "last = 2026-11-18");
    let (text, merged) = merge(BASE, &ours, &theirs);
    assert!(merged.is_clean());
    assert_eq!(text, theirs);
}

#[test]
fn a_real_conflict_is_marked_around_the_field_line_and_reported() {
    let ours = with(BASE, "owner = \"alice\" ", "owner = \"bob\"   ");
    let theirs = with(
        &with(BASE, "owner = \"alice\" ", "owner = \"carol\" "),
        "abc = \"A\"",
        "abc = \"C\"",
    );
    let (text, merged) = merge(BASE, &ours, &theirs);
    assert_eq!(
        merged.conflicts,
        vec![Conflict::Field {
            field: "owner".into(),
            ours: Some("\"bob\"".into()),
            theirs: Some("\"carol\"".into()),
        }]
    );
    assert_eq!(
        merged.conflicts[0].to_string(),
        "conflict in owner: ours \"bob\", theirs \"carol\""
    );
    let expected = with(
        &with(
            BASE,
            "owner = \"alice\"             # account manager\n",
            "<<<<<<< ours\nowner = \"bob\"               # account manager\n=======\nowner = \"bob\"               # account manager\n>>>>>>> theirs\n",
        ),
        "abc = \"A\"",
        "abc = \"C\"",
    );
    // Their value goes on their side of the markers.
    let expected = expected.replacen("=======\nowner = \"bob\"", "=======\nowner = \"carol\"", 1);
    assert_eq!(text, expected);
    // `kehu check` refuses the file until a person resolves it.
    let markers = crate::source::conflict_markers("customers/ac/acme.toml", &text);
    assert_eq!(markers.len(), 3);
}

#[test]
fn a_change_against_a_removal_is_a_conflict() {
    let ours = with(BASE, "region = \"east\"\n", "");
    let theirs = with(BASE, "region = \"east\"", "region = \"west\"");
    let (text, merged) = merge(BASE, &ours, &theirs);
    assert_eq!(
        merged.conflicts,
        vec![Conflict::Field {
            field: "region".into(),
            ours: None,
            theirs: Some("\"west\"".into()),
        }]
    );
    assert!(
        text.contains("name = \"ACME Corporation\"\n<<<<<<< ours\n=======\nregion = \"west\"\n>>>>>>> theirs\nowner"),
        "{text}"
    );
}

#[test]
fn pins_merge_as_a_set() {
    let base = with(
        BASE,
        "pipeline = \"B\"",
        "pipeline = \"B\"\npinned = [\"abc\"]",
    );
    let ours = with(&base, "pinned = [\"abc\"]", "pinned = [\"abc\", \"tier\"]");
    let theirs = with(&base, "pinned = [\"abc\"]", "pinned = [\"pipeline\"]");
    let (text, merged) = merge(&base, &ours, &theirs);
    assert!(merged.is_clean());
    assert!(
        text.contains("pinned = [\"tier\", \"pipeline\"]\n"),
        "{text}"
    );
    assert_eq!(merged.resolutions[0].field, "grade.pinned");
}

#[test]
fn a_side_that_does_not_parse_gives_a_whole_file_conflict_with_both_sides() {
    let ours = with(BASE, "tier = \"key\"", "tier = \"strategic");
    let theirs = with(BASE, "abc = \"A\"", "abc = \"B\"");
    let (text, merged) = merge(BASE, &ours, &theirs);
    assert!(
        matches!(&merged.conflicts[..], [Conflict::File { reason }] if reason.starts_with("ours does not parse"))
    );
    assert_eq!(
        text,
        format!("<<<<<<< ours\n{ours}=======\n{theirs}>>>>>>> theirs\n")
    );
}

#[test]
fn crlf_and_bom_are_kept() {
    let crlf = |s: &str| format!("\u{feff}{}", s.replace('\n', "\r\n"));
    let ours = crlf(&with(BASE, "tier = \"key\"", "tier = \"strategic\""));
    let theirs = crlf(&with(BASE, "abc = \"A\"", "abc = \"B\""));
    let (text, merged) = merge(&crlf(BASE), &ours, &theirs);
    assert!(merged.is_clean());
    assert_eq!(text, with(&ours, "abc = \"A\"", "abc = \"B\""));
}

#[test]
fn arrays_of_tables_merge_by_identity() {
    let base = "id = \"acme\"\n\n[[people]]\nname = \"Ann\"\nrole = \"cfo\"\n\n[[people]]\nname = \"Bo\"\nrole = \"buyer\"\n";
    let ours = base.replace("role = \"cfo\"", "role = \"ceo\"");
    let theirs = format!("{base}\n[[people]]\nname = \"Cy\"\nrole = \"engineer\"\n");
    let (text, merged) = merge(base, &ours, &theirs);
    assert!(merged.is_clean(), "{:?}", merged.conflicts);
    assert_eq!(
        text,
        format!("{ours}\n[[people]]\nname = \"Cy\"\nrole = \"engineer\"\n")
    );

    // The same person changed on both sides: a conflict that keeps both files.
    let theirs = base.replace("role = \"cfo\"", "role = \"coo\"");
    let (text, merged) = merge(base, &ours, &theirs);
    assert!(
        matches!(&merged.conflicts[..], [Conflict::File { reason }] if reason.contains("name = \"Ann\""))
    );
    assert!(text.contains("role = \"ceo\"") && text.contains("role = \"coo\""));
}

#[test]
fn an_added_file_with_no_common_ancestor_merges_its_fields() {
    let ours = "id = \"acme\"\nname = \"ACME\"\nstage = \"lead\"\n";
    let theirs = "id = \"acme\"\nname = \"ACME\"\nstage = \"lead\"\nowner = \"bob\"\n";
    let (text, merged) = merge("", ours, theirs);
    assert!(merged.is_clean());
    assert_eq!(
        text,
        "id = \"acme\"\nname = \"ACME\"\nowner = \"bob\"\nstage = \"lead\"\n"
    );
}

#[test]
fn two_contacts_on_the_same_day_by_different_channels_conflict() {
    let ours = with(
        &with(BASE, "last = 2026-11-02", "last = 2026-11-18"),
        "channel = \"email\"",
        "channel = \"call\"",
    );
    let theirs = with(
        &with(BASE, "last = 2026-11-02", "last = 2026-11-18"),
        "channel = \"email\"",
        "channel = \"visit\"",
    );
    let (text, merged) = merge(BASE, &ours, &theirs);
    assert!(merged.resolutions.is_empty());
    assert_eq!(
        merged.conflicts,
        vec![Conflict::Field {
            field: "contact.channel".into(),
            ours: Some("\"call\"".into()),
            theirs: Some("\"visit\"".into()),
        }]
    );
    assert!(
        text.ends_with(
            "last = 2026-11-18\n<<<<<<< ours\nchannel = \"call\"\n=======\nchannel = \"visit\"\n>>>>>>> theirs\n"
        ),
        "{text}"
    );
}

#[test]
fn a_merge_the_document_cannot_hold_falls_back_to_a_whole_file_conflict() {
    // Ours rewrote [grade] as an inline table; theirs added a grade field.
    // The edit lands inside the inline table, which the check of the merged
    // document catches: both sides are kept whole instead of a wrong merge.
    let base = "id = \"acme\"\n\n[grade]\ntier = \"key\"\n";
    let ours = "id = \"acme\"\ngrade = { tier = \"key\" }\n";
    let theirs = "id = \"acme\"\n\n[grade]\ntier = \"key\"\nabc = \"B\"\n";
    let (text, merged) = merge(base, ours, theirs);
    assert!(
        matches!(&merged.conflicts[..], [Conflict::File { reason }] if reason.contains("grade")),
        "{:?}",
        merged.conflicts
    );
    assert_eq!(
        text,
        format!("<<<<<<< ours\n{ours}=======\n{theirs}>>>>>>> theirs\n")
    );
}
