//! Output: the table and list views, JSON and CSV, as the Exchange Management Shell prints them.
//!
//! A table has a header underlined with dashes and columns as wide as their content, cut to the
//! terminal width; a list shows one `Name : Value` line per property with the colons aligned.

use serde_json::{Map, Number, Value as Json};

use umpin_catalogue::value::{Object, Value, csv_record};
use umpin_catalogue::views::{
    AUDIT_EVENT, MAILBOX, MANAGEMENT_ACCOUNT, ROLE_GROUP, UM_DIAL_PLAN, UM_MAILBOX, UM_MAILBOX_PIN, UM_MAILBOX_POLICY,
    UM_SPRAY_BLOCK,
};

/// Which view an object shows by default, and with which properties.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum View {
    /// A table of these columns; all the object's properties when empty.
    Table(&'static [&'static str]),
    List,
}

/// How `Format-Table` lays a table out.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TableOptions {
    /// `-AutoSize`: every column as wide as its widest value; columns that don't fit the width
    /// are removed whole rather than cut.
    pub auto_size: bool,
    /// `-Wrap`: a value wider than its column goes on over the next lines instead of being cut.
    pub wrap: bool,
    /// `-HideTableHeaders`: no header and no underline.
    pub hide_headers: bool,
    /// The columns are a type's view, which shows every column aligned left as Exchange does;
    /// otherwise a column of numbers is aligned right, as PowerShell aligns them.
    pub from_view: bool,
}

/// A formatted table and how many columns `-AutoSize` removed because they didn't fit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Table {
    pub text: String,
    pub removed: usize,
}

/// `Format-Table`: objects as a table of `columns` (all properties of the first object when
/// empty), at most `width` characters wide, with a blank line before and after as PowerShell
/// prints it.
pub fn table(objects: &[Value], columns: &[String], width: usize, options: TableOptions) -> Table {
    match Layout::new(objects, columns, width, options) {
        Some(layout) => {
            let header = if options.hide_headers { String::new() } else { layout.header() };
            Table { text: format!("\n{header}{}\n", layout.rows(objects)), removed: layout.removed }
        }
        None => Table { text: objects.iter().map(|v| format!("{v}\n")).collect(), removed: 0 },
    }
}

/// The columns of a table and their widths, fixed from the objects it is first shown with, so
/// that later rows can be written as they come.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layout {
    columns: Vec<String>,
    widths: Vec<usize>,
    /// Which columns are aligned right (numbers outside a view).
    right: Vec<bool>,
    wrap: bool,
    /// Columns left out because they didn't fit.
    removed: usize,
}

impl Layout {
    /// Columns sized to the header and to `objects`, fitted to `width`; `None` when there are no
    /// columns (no names given and the first value isn't an object).
    pub fn new(objects: &[Value], columns: &[String], width: usize, options: TableOptions) -> Option<Layout> {
        let columns: Vec<String> = if columns.is_empty() { property_names(objects) } else { columns.to_vec() };
        if columns.is_empty() {
            return None;
        }
        let mut widths: Vec<usize> = columns
            .iter()
            .map(|c| objects.iter().map(|o| cell(o, c).chars().count()).chain([c.chars().count()]).max().unwrap_or(0))
            .collect();
        if options.auto_size {
            drop_what_does_not_fit(&mut widths, width);
        } else {
            fit(&mut widths, width);
        }
        let visible = widths.iter().take_while(|w| **w > 0).count();
        let right = columns[..visible]
            .iter()
            .map(|c| !options.from_view && objects.first().is_some_and(|o| matches!(o.member(c), Value::Int(_))))
            .collect();
        Some(Layout {
            columns: columns[..visible].to_vec(),
            widths: widths[..visible].to_vec(),
            right,
            wrap: options.wrap,
            removed: columns.len() - visible,
        })
    }

    /// The header line and its underline of dashes.
    pub fn header(&self) -> String {
        let mut out = String::new();
        push_row(&mut out, &self.columns, &self.widths, &self.right);
        let dashes: Vec<String> = self.columns.iter().map(|c| "-".repeat(c.chars().count())).collect();
        push_row(&mut out, &dashes, &self.widths, &self.right);
        out
    }

    /// One line per object, or several for a wrapped value.
    pub fn rows(&self, objects: &[Value]) -> String {
        let mut out = String::new();
        for o in objects {
            let cells: Vec<String> = self.columns.iter().map(|c| cell(o, c)).collect();
            if !self.wrap {
                push_row(&mut out, &cells, &self.widths, &self.right);
                continue;
            }
            let pieces: Vec<Vec<String>> = cells.iter().zip(&self.widths).map(|(c, w)| wrap(c, *w)).collect();
            let height = pieces.iter().map(Vec::len).max().unwrap_or(1);
            for line in 0..height {
                let row: Vec<String> = pieces.iter().map(|p| p.get(line).cloned().unwrap_or_default()).collect();
                push_row(&mut out, &row, &self.widths, &self.right);
            }
        }
        out
    }
}

fn cell(object: &Value, column: &str) -> String {
    one_line(&shown(&object.member(column)))
}

/// A value as a table cell or list line shows it: an object within it by its `Identity` (else
/// its `Name`), as Exchange's objects print themselves, so that `Group-Object`'s groups read
/// `{tony@contoso.com, kim@contoso.com}`; anything else as its text.
fn shown(value: &Value) -> String {
    match value {
        Value::Array(items) => format!("{{{}}}", items.iter().map(shown).collect::<Vec<_>>().join(", ")),
        Value::Object(o) => o.get("Identity").or_else(|| o.get("Name")).map_or_else(|| value.to_text(), Value::to_text),
        other => other.to_text(),
    }
}

/// `-AutoSize`: columns keep their width; those after the first that doesn't fit are removed.
fn drop_what_does_not_fit(widths: &mut [usize], width: usize) {
    let mut used = 0;
    let mut full = false;
    for (i, w) in widths.iter_mut().enumerate() {
        let gap = usize::from(i > 0);
        if i == 0 && *w > width {
            // The first column is always shown, cut to the width.
            *w = width.max(1);
        }
        if full || used + gap + *w > width {
            full = true;
            *w = 0;
            continue;
        }
        used += gap + *w;
    }
}

/// `text` in lines of at most `width` characters, broken after a space where there is one.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() <= width || width == 0 {
        return vec![text.to_owned()];
    }
    let mut lines = Vec::new();
    let mut start = 0;
    while start < chars.len() {
        let mut end = (start + width).min(chars.len());
        if end < chars.len()
            && let Some(space) = chars[start..end].iter().rposition(|c| *c == ' ')
            && space > 0
        {
            end = start + space + 1;
        }
        lines.push(chars[start..end].iter().collect::<String>().trim_end().to_owned());
        start = end;
    }
    lines
}

/// Shrinks column widths so that they and the single spaces between them fit in `width`: the
/// last columns that don't fit at all get width 0 (hidden); the last visible one is cut.
fn fit(widths: &mut [usize], width: usize) {
    let mut used = 0;
    for w in widths.iter_mut() {
        let gap = usize::from(used > 0);
        if used + gap >= width {
            *w = 0;
            continue;
        }
        let room = width - used - gap;
        if *w > room {
            *w = room;
        }
        used += gap + *w;
    }
}

fn push_row(out: &mut String, cells: &[String], widths: &[usize], right: &[bool]) {
    let mut line = String::new();
    for (i, cell) in cells.iter().enumerate() {
        if i > 0 {
            line.push(' ');
        }
        let padded = pad(cell, widths[i]);
        if right[i] {
            let text = padded.trim_end();
            line.push_str(&" ".repeat(widths[i] - text.chars().count()));
            line.push_str(text);
        } else {
            line.push_str(&padded);
        }
    }
    out.push_str(line.trim_end());
    out.push('\n');
}

/// `text` padded or cut (with `...`) to exactly `width` characters.
fn pad(text: &str, width: usize) -> String {
    let len = text.chars().count();
    if len <= width {
        format!("{text}{}", " ".repeat(width - len))
    } else if width > 3 {
        format!("{}...", text.chars().take(width - 3).collect::<String>())
    } else {
        text.chars().take(width).collect()
    }
}

/// A value's text as one line of a table or a list: a line break as a space, and any other
/// control character (a refused value the audit log recorded may hold one) as PowerShell's escape
/// `` `u{1b} ``, so that nothing shown moves the cursor, changes colours or clears the screen.
fn one_line(text: &str) -> String {
    let mut line = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\r' | '\n' => line.push(' '),
            c if c.is_control() => line.push_str(&format!("`u{{{:x}}}", u32::from(c))),
            c => line.push(c),
        }
    }
    line
}

/// Formats objects as lists of every property: one `Name : Value` line per property with the
/// colons aligned, a blank line before each object and after the last.
pub fn list(objects: &[Value]) -> String {
    let mut out = String::new();
    for value in objects {
        out.push_str(&entry(value, &crate::properties::names(value)));
    }
    if !out.is_empty() {
        out.push('\n');
    }
    out
}

/// One object of a list: a blank line, then `Name : Value` for each of `names`, colons aligned.
pub fn entry(value: &Value, names: &[String]) -> String {
    let Value::Object(o) = value else {
        return format!("{value}\n");
    };
    let width = names.iter().map(|n| n.chars().count()).max().unwrap_or(0);
    let mut out = String::from("\n");
    for name in names {
        let shown = o.get(name).map(shown).unwrap_or_default();
        out.push_str(format!("{name:<width$} : {}", one_line(&shown)).trim_end());
        out.push('\n');
    }
    out
}

/// The property names of the first object (a table's default columns).
fn property_names(objects: &[Value]) -> Vec<String> {
    match objects.first() {
        Some(Value::Object(o)) => o.properties.iter().map(|(n, _)| n.clone()).collect(),
        _ => Vec::new(),
    }
}

/// `ConvertTo-Json`: one object as a JSON object, several as an array, pretty-printed.
pub fn json(values: &[Value]) -> String {
    let doc = match values {
        [one] => to_json(one),
        many => Json::Array(many.iter().map(to_json).collect()),
    };
    serde_json::to_string_pretty(&doc).unwrap_or_default()
}

fn to_json(value: &Value) -> Json {
    match value {
        Value::Null => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Int(n) => Json::Number(Number::from(*n)),
        Value::Str(s) => Json::String(s.clone()),
        Value::Time(t) => Json::String(t.to_string()),
        Value::Array(items) => Json::Array(items.iter().map(to_json).collect()),
        Value::Object(o) => {
            Json::Object(o.properties.iter().map(|(n, v)| (n.clone(), to_json(v))).collect::<Map<_, _>>())
        }
    }
}

/// `ConvertTo-Csv` / `Export-Csv`: a header row of the first object's property names, then one
/// row per object, every field quoted.
pub fn csv(values: &[Value]) -> String {
    let columns = property_names(values);
    let mut out = String::new();
    if columns.is_empty() {
        return out;
    }
    out.push_str(&csv_record(&columns));
    for v in values {
        out.push_str(&csv_record(columns.iter().map(|c| v.member(c).to_text())));
    }
    out
}

/// The largest CSV file `Import-Csv` reads, and the most rows.
pub const MAX_CSV_BYTES: usize = 64 * 1024 * 1024;

/// `Import-Csv`: the first row names the properties; every later row is an object of strings.
/// Quoted fields may hold commas, doubled quotes and line breaks.
pub fn parse_csv(text: &str) -> Result<Vec<Value>, String> {
    let mut records = parse_records(text)?.into_iter();
    let Some(header) = records.next() else { return Ok(Vec::new()) };
    if header.iter().any(|h| h.trim().is_empty()) {
        return Err("The CSV header row has an empty column name. Name every column in the first row.".to_owned());
    }
    let mut objects = Vec::new();
    for (n, record) in records.enumerate() {
        if record.len() == 1 && record[0].is_empty() {
            continue;
        }
        if record.len() > header.len() {
            return Err(format!(
                "Row {} of the CSV has {} fields but the header names {} columns. Fix that row.",
                n + 2,
                record.len(),
                header.len()
            ));
        }
        let properties = header
            .iter()
            .enumerate()
            .map(|(i, name)| (name.trim().to_owned(), record.get(i).map_or(Value::Null, |v| Value::Str(v.clone()))))
            .collect();
        objects.push(Object { type_name: "CsvRow".to_owned(), properties }.into());
    }
    Ok(objects)
}

fn parse_records(text: &str) -> Result<Vec<Vec<String>>, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (false, c) => field.push(c),
        }
    }
    if quoted {
        return Err("The CSV ends inside a quoted field. Close the quote.".to_owned());
    }
    if !field.is_empty() || !record.is_empty() {
        record.push(field);
        records.push(record);
    }
    Ok(records)
}

/// The type name of `Measure-Object`'s result, which PowerShell shows as a list.
pub const MEASURE_INFO: &str = "MeasureInfo";

/// The view an object shows when nothing else is asked for: its type's view, or, as PowerShell
/// does for a type without one, a table of its properties when it has four or fewer and a list
/// when it has more.
pub fn default_view(object: &Object) -> View {
    match object.type_name.as_str() {
        UM_MAILBOX_PIN => View::Table(&["UserID", "PinExpired", "FirstTimeUser", "LockedOut"]),
        MAILBOX => View::Table(&["Name", "Alias", "DisplayName", "PrimarySmtpAddress"]),
        UM_DIAL_PLAN => View::Table(&["Name", "NumberOfDigitsInExtension", "URIType", "VoIPSecurity"]),
        UM_MAILBOX_POLICY => View::Table(&["Name", "UMDialPlan", "MinPINLength", "MaxLogonAttempts"]),
        UM_MAILBOX => View::Table(&["Name", "UMEnabled", "Extensions", "UMMailboxPolicy"]),
        MANAGEMENT_ACCOUNT => View::Table(&["Name", "DisplayName", "RoleGroups", "Disabled"]),
        ROLE_GROUP => View::Table(&["Name", "Members"]),
        AUDIT_EVENT => View::Table(&["RunDate", "Caller", "CmdletName", "ObjectModified", "Succeeded"]),
        UM_SPRAY_BLOCK => View::Table(&["Source", "Mailboxes", "BlockedUntil"]),
        MEASURE_INFO => View::List,
        _ if object.properties.len() <= 4 => View::Table(&[]),
        _ => View::List,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pin(user: &str, expired: bool, locked: bool) -> Value {
        Object::new(
            "UMMailboxPin",
            vec![
                ("UserID", user.into()),
                ("PinExpired", expired.into()),
                ("FirstTimeUser", true.into()),
                ("LockedOut", locked.into()),
            ],
        )
        .into()
    }

    fn cols(c: &[&str]) -> Vec<String> {
        c.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_table_underlines_its_header_sizes_columns_to_content_and_has_a_blank_line_around_it() {
        let t = table(
            &[pin("tony@contoso.com", true, false)],
            &cols(&["UserID", "PinExpired", "LockedOut"]),
            120,
            TableOptions::default(),
        );
        assert_eq!(
            t.text,
            "\nUserID           PinExpired LockedOut\n------           ---------- ---------\ntony@contoso.com True       False\n\n"
        );
    }

    #[test]
    fn a_control_character_in_a_table_or_a_list_shows_as_a_powershell_escape_and_a_line_break_as_a_space() {
        let event: Value = Object::new(
            AUDIT_EVENT,
            vec![
                ("Caller", "admin".into()),
                ("ObjectModified", "to\u{1b}[2Jny\u{0}\u{7}@contoso.com\u{fffd}".into()),
                ("Error", "line one\r\nline two\tend".into()),
            ],
        )
        .into();
        let t = table(std::slice::from_ref(&event), &[], 200, TableOptions::default());
        assert!(t.text.contains("to`u{1b}[2Jny`u{0}`u{7}@contoso.com\u{fffd}"), "{}", t.text);
        assert!(t.text.contains("line one  line two`u{9}end"), "{}", t.text);
        let l = list(&[event]);
        assert!(l.contains("ObjectModified : to`u{1b}[2Jny`u{0}`u{7}@contoso.com\u{fffd}\n"), "{l}");
        assert!(l.contains("Error          : line one  line two`u{9}end\n"), "{l}");
        for shown in [&t.text, &l] {
            assert!(!shown.chars().any(|c| c.is_control() && c != '\n'), "{shown:?}");
        }
    }

    #[test]
    fn a_table_is_cut_to_the_terminal_width() {
        let t = table(
            &[pin("a-very-long-address@contoso.com", true, false)],
            &cols(&["UserID", "PinExpired"]),
            20,
            TableOptions::default(),
        );
        assert!(t.text.lines().all(|l| l.chars().count() <= 20), "{}", t.text);
        assert!(t.text.contains("..."), "{}", t.text);
    }

    #[test]
    fn auto_size_removes_whole_columns_that_do_not_fit_and_counts_them() {
        let options = TableOptions { auto_size: true, ..TableOptions::default() };
        let t =
            table(&[pin("tony@contoso.com", true, false)], &cols(&["UserID", "PinExpired", "LockedOut"]), 30, options);
        assert_eq!(t.removed, 1);
        assert!(t.text.contains("tony@contoso.com True") && !t.text.contains("Locked"), "{}", t.text);
        assert!(!t.text.contains("..."), "{}", t.text);
    }

    #[test]
    fn wrap_continues_a_long_value_on_the_next_lines_of_its_column() {
        let options = TableOptions { wrap: true, ..TableOptions::default() };
        let t = table(
            &[pin("a-very-long-address@contoso.com", true, false)],
            &cols(&["PinExpired", "UserID"]),
            25,
            options,
        );
        assert_eq!(
            t.text,
            "\nPinExpired UserID\n---------- ------\nTrue       a-very-long-ad\n           dress@contoso.\n           com\n\n"
        );
    }

    #[test]
    fn wrapping_breaks_after_a_space_where_there_is_one() {
        assert_eq!(wrap("one two three", 8), ["one two", "three"]);
        assert_eq!(wrap("abcdefghij", 4), ["abcd", "efgh", "ij"]);
    }

    #[test]
    fn numbers_align_right_outside_a_view_and_left_in_one() {
        let row: Value =
            Object::new("Selected.UMMailboxPin", vec![("Count", 7.into()), ("Name", "True".into())]).into();
        let columns = cols(&["Count", "Name"]);
        let plain = table(std::slice::from_ref(&row), &columns, 120, TableOptions::default());
        assert_eq!(plain.text, "\nCount Name\n----- ----\n    7 True\n\n");
        let view = TableOptions { from_view: true, ..TableOptions::default() };
        assert_eq!(table(&[row], &columns, 120, view).text, "\nCount Name\n----- ----\n7     True\n\n");
    }

    #[test]
    fn hide_table_headers_leaves_only_the_rows() {
        let options = TableOptions { hide_headers: true, ..TableOptions::default() };
        let t = table(&[pin("tony@contoso.com", true, false)], &cols(&["UserID", "LockedOut"]), 120, options);
        assert_eq!(t.text, "\ntony@contoso.com False\n\n");
    }

    #[test]
    fn a_list_aligns_the_colons() {
        let l = list(&[pin("tony@contoso.com", true, false)]);
        assert_eq!(
            l,
            "\nUserID        : tony@contoso.com\nPinExpired    : True\nFirstTimeUser : True\nLockedOut     : False\n\n"
        );
    }

    #[test]
    fn an_object_without_a_view_is_a_table_up_to_four_properties_and_a_list_beyond() {
        let props = |n: usize| (0..n).map(|i| (format!("P{i}"), Value::Int(0))).collect::<Vec<_>>();
        let four = Object { type_name: "Selected.UMMailboxPin".to_owned(), properties: props(4) };
        let five = Object { type_name: "Selected.UMMailboxPin".to_owned(), properties: props(5) };
        assert_eq!(default_view(&four), View::Table(&[]));
        assert_eq!(default_view(&five), View::List);
        let measured = Object::new(MEASURE_INFO, vec![("Count", Value::Int(2))]);
        assert_eq!(default_view(&measured), View::List, "Measure-Object's result is always a list");
    }

    #[test]
    fn json_keeps_the_property_order_and_types() {
        let j = json(&[pin("tony@contoso.com", true, false)]);
        assert!(j.starts_with("{\n  \"UserID\": \"tony@contoso.com\",\n  \"PinExpired\": true"), "{j}");
    }

    #[test]
    fn csv_round_trips_through_import() {
        let text = csv(&[pin("tony@contoso.com", true, false), pin("kim, \"k\"@contoso.com", false, true)]);
        assert!(text.starts_with("\"UserID\",\"PinExpired\",\"FirstTimeUser\",\"LockedOut\"\n"), "{text}");
        let back = parse_csv(&text).unwrap();
        assert_eq!(back.len(), 2);
        assert_eq!(back[1].member("UserID"), Value::from("kim, \"k\"@contoso.com"));
        assert_eq!(back[1].member("LockedOut"), Value::from("True"));
    }

    #[test]
    fn import_csv_reads_unquoted_files_with_crlf_and_a_bom() {
        let rows = parse_csv("\u{feff}Name,Alias\r\nTony Smith,tony\r\nKim Akers,kim\r\n").unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1].member("Alias"), Value::from("kim"));
    }

    #[test]
    fn import_csv_refuses_an_open_quote_and_a_row_with_too_many_fields() {
        assert!(parse_csv("Name\n\"Tony\n").unwrap_err().contains("quote"));
        assert!(parse_csv("Name\nTony,extra\n").unwrap_err().contains("Row 2"));
    }
}
