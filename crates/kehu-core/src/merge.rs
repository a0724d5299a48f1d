//! Three-way merge of one customer file at the field level: what
//! `kehu merge-file` does when git calls it as a merge driver.
//!
//! Git's line merge conflicts whenever both sides touch neighbouring lines,
//! and a customer file is a column of one-line fields: a regrade on one
//! branch and a contact on the other would conflict for no reason. Here the
//! three versions are parsed and compared field by field instead:
//!
//! - a field changed on one side only takes that side's value, wherever its
//!   line is; the same change on both sides is taken once;
//! - both sides logged a contact (`[contact] last` moved on both, to
//!   different days): the later contact wins the whole `[contact]` table, and
//!   the contact's companions (`metrics.satisfaction`, `grade.pipeline`) where
//!   both sides set them differently;
//! - `grade.pinned` is a set: pins added on either side are kept, pins
//!   removed on either side are dropped;
//! - arrays of tables merge element by element when every element has an
//!   `id` (or else a `name`) that identifies it; otherwise as one value;
//! - anything else changed on both sides to different values is a conflict:
//!   the file gets git's conflict markers around that field's line, both
//!   values inside, so `kehu check` refuses the file until a person resolves
//!   it, and the conflict is reported by field.
//!
//! The result starts from OURS's document, so its comments, blank lines and
//! key order stay; THEIRS's changes go in through the same format-preserving
//! editor `kehu` writes with. When a side does not parse (or the merged
//! document would not say what the merge decided), the whole file becomes
//! one plain conflict holding both sides: nothing is ever lost.
//!
//! Pure: bytes in, bytes out; no git, no files.

use std::collections::{HashMap, HashSet};

use toml_edit::{Array, ArrayOfTables, DocumentMut, InlineTable, Item, Table, TableLike, Value};

use crate::edit::{join_text, parse, remove_at, set_at, split_text};

/// The names written after the conflict markers (`<<<<<<< ours`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Labels {
    /// After `<<<<<<<`: the current branch's side.
    pub ours: String,
    /// After `>>>>>>>`: the side being merged in.
    pub theirs: String,
}

impl Default for Labels {
    fn default() -> Self {
        Labels {
            ours: "ours".to_owned(),
            theirs: "theirs".to_owned(),
        }
    }
}

/// What could not be merged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Conflict {
    /// Both sides changed one field to different values (or one changed it
    /// and the other removed it). Values are rendered as TOML; `None` means
    /// that side removed the field.
    Field {
        /// The dotted field path, e.g. `grade.tier`.
        field: String,
        /// Our value.
        ours: Option<String>,
        /// Their value.
        theirs: Option<String>,
    },
    /// The file could not be merged field by field; both sides are kept
    /// whole between markers.
    File {
        /// Why (a side does not parse, an array of tables changed on both sides …).
        reason: String,
    },
}

impl std::fmt::Display for Conflict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown = |v: &Option<String>| v.clone().unwrap_or_else(|| "(removed)".to_owned());
        match self {
            Conflict::Field {
                field,
                ours,
                theirs,
            } => write!(
                f,
                "conflict in {field}: ours {}, theirs {}",
                shown(ours),
                shown(theirs)
            ),
            Conflict::File { reason } => write!(f, "conflict in the whole file: {reason}"),
        }
    }
}

/// A change on both sides that the merge resolved by a rule, worth telling
/// the person merging.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolution {
    /// The dotted field path (or table) the rule decided.
    pub field: String,
    /// What was decided, in words.
    pub note: String,
}

/// The outcome of [`merge_customer`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Merged {
    /// The merged file; holds conflict markers when [`Merged::conflicts`] is not empty.
    pub bytes: Vec<u8>,
    /// What needs a person.
    pub conflicts: Vec<Conflict>,
    /// Changes on both sides that a rule resolved.
    pub resolutions: Vec<Resolution>,
}

impl Merged {
    /// True when the merge needs no person.
    pub fn is_clean(&self) -> bool {
        self.conflicts.is_empty()
    }

    fn clean(bytes: &[u8]) -> Merged {
        Merged {
            bytes: bytes.to_vec(),
            conflicts: Vec::new(),
            resolutions: Vec::new(),
        }
    }
}

/// Merges THEIRS's changes since BASE into OURS, field by field (see the
/// module documentation for the rules). Never fails: what cannot be merged
/// is marked as a conflict in the returned bytes.
pub fn merge_customer(base: &[u8], ours: &[u8], theirs: &[u8], labels: &Labels) -> Merged {
    if ours == theirs || base == theirs {
        return Merged::clean(ours);
    }
    if base == ours {
        return Merged::clean(theirs);
    }
    let texts = (
        std::str::from_utf8(base),
        std::str::from_utf8(ours),
        std::str::from_utf8(theirs),
    );
    let result = match texts {
        (Ok(b), Ok(o), Ok(t)) => field_merge(b, o, t, labels),
        _ => Err("a side is not UTF-8 text".to_owned()),
    };
    result.unwrap_or_else(|reason| whole_file(ours, theirs, labels, reason))
}

/// The plain conflict: both sides whole, between markers.
fn whole_file(ours: &[u8], theirs: &[u8], labels: &Labels, reason: String) -> Merged {
    const BOM: &[u8] = "\u{feff}".as_bytes();
    let bom = ours.starts_with(BOM);
    let strip = |side: &[u8]| -> Vec<u8> {
        let mut body = side.strip_prefix(BOM).unwrap_or(side).to_vec();
        if !body.is_empty() && !body.ends_with(b"\n") {
            body.push(b'\n');
        }
        body
    };
    let mut bytes = Vec::with_capacity(ours.len() + theirs.len() + 64);
    if bom {
        bytes.extend_from_slice(BOM);
    }
    bytes.extend_from_slice(format!("<<<<<<< {}\n", labels.ours).as_bytes());
    bytes.extend(strip(ours));
    bytes.extend_from_slice(b"=======\n");
    bytes.extend(strip(theirs));
    bytes.extend_from_slice(format!(">>>>>>> {}\n", labels.theirs).as_bytes());
    Merged {
        bytes,
        conflicts: vec![Conflict::File { reason }],
        resolutions: Vec::new(),
    }
}

/// A field's path: table keys from the root.
type Path = Vec<String>;

/// What sits at a path: a value, or an array of tables taken as one unit.
#[derive(Clone, Debug)]
enum Leaf {
    Value(Value),
    Tables(ArrayOfTables),
}

/// Every leaf of a document, in document order.
struct Flat {
    order: Vec<Path>,
    map: HashMap<Path, Leaf>,
}

impl Flat {
    fn of(table: &dyn TableLike) -> Flat {
        let mut flat = Flat {
            order: Vec::new(),
            map: HashMap::new(),
        };
        flat.collect(table, &mut Vec::new());
        flat
    }

    fn collect(&mut self, table: &dyn TableLike, prefix: &mut Vec<String>) {
        for (key, item) in table.iter() {
            prefix.push(key.to_owned());
            match item {
                Item::Value(value) => self.push(prefix.clone(), Leaf::Value(value.clone())),
                Item::ArrayOfTables(array) => {
                    self.push(prefix.clone(), Leaf::Tables(array.clone()));
                }
                Item::Table(inner) => self.collect(inner, prefix),
                Item::None => {}
            }
            prefix.pop();
        }
    }

    fn push(&mut self, path: Path, leaf: Leaf) {
        self.order.push(path.clone());
        self.map.insert(path, leaf);
    }

    fn get(&self, path: &Path) -> Option<&Leaf> {
        self.map.get(path)
    }
}

/// Values equal as data: formatting, comments and number spelling aside.
fn value_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::String(x), Value::String(y)) => x.value() == y.value(),
        (Value::Integer(x), Value::Integer(y)) => x.value() == y.value(),
        (Value::Float(x), Value::Float(y)) => {
            x.value() == y.value() || x.value().to_bits() == y.value().to_bits()
        }
        (Value::Boolean(x), Value::Boolean(y)) => x.value() == y.value(),
        (Value::Datetime(x), Value::Datetime(y)) => x.value() == y.value(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y.iter()).all(|(p, q)| value_eq(p, q))
        }
        (Value::InlineTable(x), Value::InlineTable(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| value_eq(v, w)))
        }
        _ => false,
    }
}

fn table_eq(a: &Table, b: &Table) -> bool {
    let (x, y) = (Flat::of(a), Flat::of(b));
    x.order.len() == y.order.len() && x.order.iter().all(|p| leaf_eq(x.get(p), y.get(p)))
}

fn leaf_eq(a: Option<&Leaf>, b: Option<&Leaf>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(Leaf::Value(x)), Some(Leaf::Value(y))) => value_eq(x, y),
        (Some(Leaf::Tables(x)), Some(Leaf::Tables(y))) => {
            x.len() == y.len() && x.iter().zip(y.iter()).all(|(p, q)| table_eq(p, q))
        }
        _ => false,
    }
}

/// A fresh copy of `value` without comments or layout, on one line: how a
/// conflicting value is shown between the markers.
fn plain(value: &Value) -> Value {
    match value {
        Value::String(s) => Value::from(s.value().as_str()),
        Value::Integer(i) => Value::from(*i.value()),
        Value::Float(f) => Value::from(*f.value()),
        Value::Boolean(b) => Value::from(*b.value()),
        Value::Datetime(d) => Value::from(*d.value()),
        Value::Array(items) => {
            let mut array: Array = items.iter().map(plain).collect();
            array.fmt();
            Value::Array(array)
        }
        Value::InlineTable(table) => {
            let mut inline = InlineTable::new();
            for (k, v) in table.iter() {
                inline.insert(k, plain(v));
            }
            inline.fmt();
            Value::InlineTable(inline)
        }
    }
}

/// The fields a contact writes besides `[contact]`: on a clash between two
/// contacts, the later contact's value wins.
const CONTACT_COMPANIONS: [&str; 2] = ["metrics.satisfaction", "grade.pipeline"];

/// Which side wins a rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Side {
    Ours,
    Theirs,
}

/// One decision of the merge.
enum Step {
    /// Put their leaf (or remove the field when `None`).
    Take(Option<Leaf>),
    /// Put a value the merge computed.
    Put(Value),
    /// A conflict between two values; shown with markers.
    Clash(Option<Value>, Option<Value>),
}

fn dotted(path: &Path) -> String {
    path.join(".")
}

fn contact_last(flat: &Flat) -> Option<String> {
    match flat.get(&vec!["contact".to_owned(), "last".to_owned()]) {
        Some(Leaf::Value(Value::Datetime(d))) => Some(d.value().to_string()),
        _ => None,
    }
}

/// When both sides logged a contact on different days: the later side.
fn later_contact(base: &Flat, ours: &Flat, theirs: &Flat) -> Option<(Side, String)> {
    let (b, o, t) = (
        contact_last(base),
        contact_last(ours)?,
        contact_last(theirs)?,
    );
    if b.as_ref() == Some(&o) || b.as_ref() == Some(&t) || o == t {
        return None;
    }
    // Local dates (YYYY-MM-DD) sort as text.
    Some(if t > o {
        (Side::Theirs, t)
    } else {
        (Side::Ours, o)
    })
}

/// A string array as a list; absent is empty; `None` for anything else.
fn strings(leaf: Option<&Leaf>) -> Option<Vec<String>> {
    match leaf {
        None => Some(Vec::new()),
        Some(Leaf::Value(Value::Array(array))) => array
            .iter()
            .map(|v| v.as_str().map(str::to_owned))
            .collect(),
        _ => None,
    }
}

/// `grade.pinned` merged as a set: our order, then their additions; a pin
/// either side removed is gone.
fn merge_pins(base: Option<&Leaf>, ours: Option<&Leaf>, theirs: Option<&Leaf>) -> Option<Value> {
    let (b, o, t) = (strings(base)?, strings(ours)?, strings(theirs)?);
    let removed: HashSet<&String> = b
        .iter()
        .filter(|p| !o.contains(p) || !t.contains(p))
        .collect();
    let mut merged: Vec<&String> = o.iter().filter(|p| !removed.contains(p)).collect();
    for pin in &t {
        if !removed.contains(pin) && !merged.contains(&pin) {
            merged.push(pin);
        }
    }
    let mut array: Array = merged
        .into_iter()
        .map(|p| Value::from(p.as_str()))
        .collect();
    array.fmt();
    Some(Value::Array(array))
}

/// The key that identifies the elements of an array of tables: `id`, else
/// `name`, when every element of every side has a distinct string there.
fn identity_key(sides: &[&ArrayOfTables]) -> Option<&'static str> {
    ["id", "name"].into_iter().find(|key| {
        sides.iter().all(|array| {
            let mut seen = HashSet::new();
            array.iter().all(|t| {
                t.get(key)
                    .and_then(Item::as_str)
                    .is_some_and(|v| seen.insert(v))
            })
        })
    })
}

fn element<'a>(array: &'a ArrayOfTables, key: &str, id: &str) -> Option<&'a Table> {
    array
        .iter()
        .find(|t| t.get(key).and_then(Item::as_str) == Some(id))
}

fn element_eq(a: Option<&Table>, b: Option<&Table>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(x), Some(y)) => table_eq(x, y),
        _ => false,
    }
}

/// Arrays of tables changed on both sides, merged element by element by
/// identity; `Err` names the element both sides changed differently.
fn merge_tables(
    base: Option<&ArrayOfTables>,
    ours: Option<&ArrayOfTables>,
    theirs: Option<&ArrayOfTables>,
    field: &str,
) -> Result<ArrayOfTables, String> {
    let empty = ArrayOfTables::new();
    let (b, o, t) = (
        base.unwrap_or(&empty),
        ours.unwrap_or(&empty),
        theirs.unwrap_or(&empty),
    );
    let key = identity_key(&[b, o, t]).ok_or_else(|| {
        format!("{field}: an array of tables changed on both sides, without an `id` or `name` for each element")
    })?;
    let ids = |array: &ArrayOfTables| -> Vec<String> {
        array
            .iter()
            .filter_map(|t| t.get(key).and_then(Item::as_str).map(str::to_owned))
            .collect()
    };
    let mut order = ids(o);
    for id in ids(t) {
        if !order.contains(&id) {
            order.push(id);
        }
    }
    let last_position = o.iter().filter_map(Table::position).max();
    let mut merged = ArrayOfTables::new();
    for id in order {
        let (be, oe, te) = (
            element(b, key, &id),
            element(o, key, &id),
            element(t, key, &id),
        );
        let chosen = if element_eq(oe, te) || element_eq(be, te) {
            oe
        } else if element_eq(be, oe) {
            te
        } else {
            return Err(format!(
                "{field}: the element with {key} = \"{id}\" changed on both sides"
            ));
        };
        if let Some(table) = chosen {
            let mut table = table.clone();
            if oe.is_none()
                && let Some(position) = last_position
            {
                table.set_position(position);
            }
            merged.push(table);
        }
    }
    Ok(merged)
}

/// A leaf as an array of tables (`Some(None)` when absent); `None` for a value.
fn as_tables(leaf: Option<&Leaf>) -> Option<Option<&ArrayOfTables>> {
    match leaf {
        Some(Leaf::Tables(a)) => Some(Some(a)),
        None => Some(None),
        Some(Leaf::Value(_)) => None,
    }
}

/// Marks a conflicting field's value so its line can be found in the
/// rendered document; never in any side's text (checked).
const TAG: &str = "#kehu-merge-conflict-";

/// The field-level merge; `Err` when the file must fall back to a plain conflict.
fn field_merge(base: &str, ours: &str, theirs: &str, labels: &Labels) -> Result<Merged, String> {
    if [base, ours, theirs].iter().any(|t| t.contains(TAG)) {
        return Err("a side holds kehu's own conflict tag".to_owned());
    }
    let (bom, ours_body, crlf) = split_text(ours);
    let parsed = |what: &str, text: &str| {
        parse(&split_text(text).1).map_err(|e| format!("{what} does not parse: {e}"))
    };
    let base_doc = parsed("the common ancestor", base)?;
    let mut doc = parse(&ours_body).map_err(|e| format!("ours does not parse: {e}"))?;
    let theirs_doc = parsed("theirs", theirs)?;
    let (b, o, t) = (
        Flat::of(base_doc.as_table()),
        Flat::of(doc.as_table()),
        Flat::of(theirs_doc.as_table()),
    );
    let (steps, resolutions) = decide(&b, &o, &t)?;
    if steps.is_empty() {
        return Ok(Merged {
            bytes: ours.as_bytes().to_vec(),
            conflicts: Vec::new(),
            resolutions,
        });
    }
    // What the merged file must hold, path by path: ours, with the steps applied.
    let mut expected: HashMap<Path, Option<Leaf>> = o
        .map
        .into_iter()
        .map(|(path, leaf)| (path, Some(leaf)))
        .collect();
    let clashes = apply(&mut doc, steps, &mut expected)?;
    let rendered = doc.to_string();
    verify(&rendered, &expected)?;
    let text = mark_conflicts(&rendered, &clashes, labels)?;
    Ok(Merged {
        bytes: join_text(bom, &text, crlf).into_bytes(),
        conflicts: clashes.into_iter().map(|c| c.conflict).collect(),
        resolutions,
    })
}

/// The changes to make in ours, field by field, and the rules that decided clashes.
type Decisions = (Vec<(Path, Step)>, Vec<Resolution>);

/// Decides every field: what to change in ours, and the rules applied.
fn decide(b: &Flat, o: &Flat, t: &Flat) -> Result<Decisions, String> {
    let mut seen: HashSet<&Path> = HashSet::new();
    let paths: Vec<Path> = o
        .order
        .iter()
        .chain(&t.order)
        .chain(&b.order)
        .filter(|path| seen.insert(path))
        .cloned()
        .collect();
    let winner = later_contact(b, o, t);
    let mut resolutions = Vec::new();
    if let Some((side, day)) = &winner {
        let side = if *side == Side::Theirs {
            "theirs"
        } else {
            "ours"
        };
        resolutions.push(Resolution {
            field: "contact".to_owned(),
            note: format!("both sides logged a contact; kept the later one ({day}, {side})"),
        });
    }
    let mut steps = Vec::new();
    for path in paths {
        let sides = (b.get(&path), o.get(&path), t.get(&path));
        let winner = winner.as_ref().map(|(side, _)| *side);
        if let Some(step) = decide_field(&path, sides, winner, &mut resolutions)? {
            steps.push((path, step));
        }
    }
    Ok((steps, resolutions))
}

/// One field's three-way decision; `None` keeps ours.
fn decide_field(
    path: &Path,
    (bl, ol, tl): (Option<&Leaf>, Option<&Leaf>, Option<&Leaf>),
    later_contact: Option<Side>,
    resolutions: &mut Vec<Resolution>,
) -> Result<Option<Step>, String> {
    let field = dotted(path);
    let take_theirs = || Ok(Some(Step::Take(tl.cloned())));
    if let Some(side) = later_contact {
        let both_changed = !leaf_eq(bl, ol) && !leaf_eq(bl, tl) && !leaf_eq(ol, tl);
        let companion = CONTACT_COMPANIONS.contains(&field.as_str()) && both_changed;
        if path.first().map(String::as_str) == Some("contact") || companion {
            if side == Side::Theirs && !leaf_eq(ol, tl) {
                return take_theirs();
            }
            return Ok(None);
        }
    }
    if leaf_eq(ol, tl) || leaf_eq(bl, tl) {
        return Ok(None);
    }
    if leaf_eq(bl, ol) {
        return take_theirs();
    }
    if field == "grade.pinned"
        && let Some(pins) = merge_pins(bl, ol, tl)
    {
        resolutions.push(Resolution {
            field,
            note: "both sides changed the pins; kept every pin added, dropped every pin removed"
                .to_owned(),
        });
        return Ok(Some(Step::Put(pins)));
    }
    if let (Some(bt), Some(ot), Some(tt)) = (as_tables(bl), as_tables(ol), as_tables(tl))
        && (bt.is_some() || ot.is_some() || tt.is_some())
    {
        let merged = merge_tables(bt, ot, tt, &field)?;
        resolutions.push(Resolution {
            field,
            note: format!(
                "both sides changed the list; merged it element by element ({} now)",
                merged.len()
            ),
        });
        let leaf = (!merged.is_empty()).then_some(Leaf::Tables(merged));
        return Ok(Some(Step::Take(leaf)));
    }
    let as_value = |leaf: Option<&Leaf>| match leaf {
        Some(Leaf::Value(v)) => Some(Some(v.clone())),
        None => Some(None),
        Some(Leaf::Tables(_)) => None,
    };
    match (as_value(ol), as_value(tl)) {
        (Some(ov), Some(tv)) => Ok(Some(Step::Clash(ov, tv))),
        _ => Err(format!(
            "{field} is a value on one side and a list of tables on the other"
        )),
    }
}

/// A conflicting field in the document: its line's tag, the value's
/// trailing comment, and the conflict as reported.
struct Clash {
    tag: String,
    suffix: String,
    ours: Option<String>,
    theirs: Option<String>,
    conflict: Conflict,
}

/// Applies the steps to ours's document, recording in `expected` what each
/// changed field must hold; a clash puts ours's value (else theirs's) in
/// place, tagged, for [`mark_conflicts`].
fn apply(
    doc: &mut DocumentMut,
    steps: Vec<(Path, Step)>,
    expected: &mut HashMap<Path, Option<Leaf>>,
) -> Result<Vec<Clash>, String> {
    let mut clashes = Vec::new();
    for (path, step) in steps {
        let field = dotted(&path);
        let parts: Vec<&str> = path.iter().map(String::as_str).collect();
        let edit_failed = |e: crate::edit::EditError| format!("{field}: {e}");
        let leaf = match step {
            Step::Take(None) => {
                remove_at(doc, &parts, &field).map_err(edit_failed)?;
                None
            }
            Step::Take(Some(Leaf::Value(value))) | Step::Put(value) => {
                set_at(doc, &parts, &field, |_| Ok(value.clone())).map_err(edit_failed)?;
                Some(Leaf::Value(value))
            }
            Step::Take(Some(Leaf::Tables(tables))) => {
                put_tables(doc, &parts, tables.clone())
                    .ok_or_else(|| format!("{field}: cannot place the merged list of tables"))?;
                Some(Leaf::Tables(tables))
            }
            Step::Clash(ov, tv) => {
                let Some(carrier) = ov.as_ref().or(tv.as_ref()).map(plain) else {
                    continue;
                };
                set_at(doc, &parts, &field, |_| Ok(carrier.clone())).map_err(edit_failed)?;
                let tag = format!("{TAG}{}#", clashes.len());
                let value = value_at(doc, &parts)
                    .ok_or_else(|| format!("{field}: cannot find the field after setting it"))?;
                let suffix = value
                    .decor()
                    .suffix()
                    .and_then(|s| s.as_str())
                    .unwrap_or("")
                    .to_owned();
                value.decor_mut().set_suffix(format!("{suffix}{tag}"));
                let ours = ov.as_ref().map(|v| plain(v).to_string());
                let theirs = tv.as_ref().map(|v| plain(v).to_string());
                clashes.push(Clash {
                    tag,
                    suffix,
                    conflict: Conflict::Field {
                        field,
                        ours: ours.clone(),
                        theirs: theirs.clone(),
                    },
                    ours,
                    theirs,
                });
                Some(Leaf::Value(carrier))
            }
        };
        expected.insert(path, leaf);
    }
    Ok(clashes)
}

/// Checks that the rendered document parses and holds exactly `expected`:
/// the safety net that turns any layout surprise into a plain conflict
/// rather than a wrong merge.
fn verify(rendered: &str, expected: &HashMap<Path, Option<Leaf>>) -> Result<(), String> {
    let check = parse(rendered).map_err(|e| format!("the merged file would not parse: {e}"))?;
    let got = Flat::of(check.as_table());
    if let Some(path) = got.order.iter().find(|path| !expected.contains_key(*path)) {
        return Err(format!(
            "the merged file would hold {} that no side has",
            dotted(path)
        ));
    }
    for (path, leaf) in expected {
        if !leaf_eq(got.get(path), leaf.as_ref()) {
            return Err(format!(
                "the merged file would not hold the merged {}",
                dotted(path)
            ));
        }
    }
    Ok(())
}

/// Replaces each tagged line by a conflict block holding both values.
fn mark_conflicts(rendered: &str, clashes: &[Clash], labels: &Labels) -> Result<String, String> {
    let mut out = String::with_capacity(rendered.len() + clashes.len() * 64);
    let mut found = 0;
    for line in rendered.split_inclusive('\n') {
        let body = line.strip_suffix('\n').unwrap_or(line);
        let Some(clash) = clashes.iter().find(|c| body.ends_with(c.tag.as_str())) else {
            out.push_str(line);
            continue;
        };
        found += 1;
        let shown = clash
            .ours
            .as_ref()
            .or(clash.theirs.as_ref())
            .map_or("", String::as_str);
        let head = body
            .strip_suffix(clash.tag.as_str())
            .and_then(|b| b.strip_suffix(clash.suffix.as_str()))
            .and_then(|b| b.strip_suffix(shown))
            .ok_or_else(|| "cannot place a conflict marker".to_owned())?;
        out.push_str(&format!("<<<<<<< {}\n", labels.ours));
        if let Some(value) = &clash.ours {
            out.push_str(&format!("{head}{value}{}\n", clash.suffix));
        }
        out.push_str("=======\n");
        if let Some(value) = &clash.theirs {
            out.push_str(&format!("{head}{value}{}\n", clash.suffix));
        }
        out.push_str(&format!(">>>>>>> {}\n", labels.theirs));
    }
    if found != clashes.len() {
        return Err("cannot place a conflict marker".to_owned());
    }
    Ok(out)
}

/// The value at `parts`, for its decor.
fn value_at<'d>(doc: &'d mut DocumentMut, parts: &[&str]) -> Option<&'d mut Value> {
    let (leaf, parents) = parts.split_last()?;
    let mut table: &mut dyn TableLike = doc.as_table_mut();
    for part in parents {
        table = table.get_mut(part)?.as_table_like_mut()?;
    }
    table.get_mut(leaf)?.as_value_mut()
}

/// Puts an array of tables at `parts`, replacing what is there.
fn put_tables(doc: &mut DocumentMut, parts: &[&str], tables: ArrayOfTables) -> Option<()> {
    let (leaf, parents) = parts.split_last()?;
    let mut table: &mut dyn TableLike = doc.as_table_mut();
    for part in parents {
        table = table.get_mut(part)?.as_table_like_mut()?;
    }
    table.insert(leaf, Item::ArrayOfTables(tables));
    Some(())
}

#[cfg(test)]
mod tests;
