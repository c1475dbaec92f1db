//! `Get-Help` and `Get-Command`, generated from the cmdlet registry, and the `about_` topics
//! of the shell language ([`crate::about`]).
//!
//! A help page comes in PowerShell's degrees of detail: by default the name, synopsis and syntax;
//! `-Detailed` adds the parameters and the examples; `-Full` each parameter's attributes too;
//! `-Examples` only the examples; `-Parameter NAME` (wildcards allowed) only those parameters.

use umpin_catalogue::value::{Object, Value, is_wildcard, wildcard_match};

use crate::about;
use crate::registry::{CmdletInfo, FromPipeline, Kind, Parameter, RunsOn, all, find};

/// How much of a help page to show.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Detail {
    /// Name, synopsis, syntax, aliases and where to find more.
    Brief,
    /// Also the parameters, described, and the examples.
    Detailed,
    /// Also every parameter's attributes (required, position, default, pipeline input).
    Full,
    /// Name, synopsis and the examples.
    Examples,
    /// Only the parameters whose names match this pattern.
    Parameter(String),
}

/// What `Get-Help` shows: the list of cmdlets and topics without a name; a cmdlet's page or an
/// `about_` topic for a name; for a wildcard pattern, the one page it matches or a table of the
/// cmdlets and topics it matches.
pub fn help(name: Option<&str>, detail: &Detail) -> Result<Vec<Value>, String> {
    let Some(name) = name else {
        return Ok(vec![Value::Str(overview())]);
    };
    if !is_wildcard(name) {
        if let Some(c) = find(name) {
            return page(c, detail).map(|p| vec![Value::Str(p)]);
        }
        if let Some(topic) = about::find(name) {
            return Ok(vec![Value::Str(topic.to_owned())]);
        }
        return Err(format!(
            "Get-Help can't find help for '{name}': there is no such cmdlet or topic. Run Get-Command to list the cmdlets, or Get-Help about_* to list the topics."
        ));
    }
    let cmdlets: Vec<&CmdletInfo> = all().filter(|c| wildcard_match(name, c.name)).collect();
    let topics: Vec<&(&str, &str, &str)> = about::TOPICS.iter().filter(|(n, _, _)| wildcard_match(name, n)).collect();
    match (cmdlets.as_slice(), topics.as_slice()) {
        ([], []) => Err(format!(
            "Get-Help found nothing that matches '{name}'. Run Get-Command to list the cmdlets, or Get-Help about_* to list the topics."
        )),
        ([one], []) => page(one, detail).map(|p| vec![Value::Str(p)]),
        ([], [(_, _, text)]) => Ok(vec![Value::Str((*text).to_owned())]),
        _ => Ok(cmdlets
            .iter()
            .map(|c| entry(c.name, "Cmdlet", c.synopsis))
            .chain(topics.iter().map(|(n, synopsis, _)| entry(n, "HelpFile", synopsis)))
            .collect()),
    }
}

/// A line of the table `Get-Help` shows for a wildcard pattern.
fn entry(name: &str, category: &str, synopsis: &str) -> Value {
    Object::new(
        "HelpInfoShort",
        vec![("Name", name.into()), ("Category", category.into()), ("Synopsis", synopsis.into())],
    )
    .into()
}

fn overview() -> String {
    let mut out = String::from("\nCmdlets (Get-Help <cmdlet> for one of them, <cmdlet> -? for short):\n\n");
    for c in all() {
        out.push_str(&format!("  {:<24} {}\n", c.name, c.synopsis));
    }
    out.push_str("\nTopics of the shell language (Get-Help <topic>):\n\n");
    for (name, synopsis, _) in about::TOPICS {
        out.push_str(&format!("  {name:<28} {synopsis}\n"));
    }
    out.push('\n');
    out
}

/// A cmdlet's help page in the given detail.
pub fn page(c: &CmdletInfo, detail: &Detail) -> Result<String, String> {
    if let Detail::Parameter(pattern) = detail {
        let chosen: Vec<&Parameter> = c.all_parameters().filter(|p| wildcard_match(pattern, p.name)).collect();
        if chosen.is_empty() {
            return Err(format!(
                "{} has no parameter that matches '{pattern}'. Get-Help {} -Parameter * lists them all.",
                c.name, c.name
            ));
        }
        let mut out = String::from("\n");
        for p in chosen {
            out.push_str(&parameter(p, true));
        }
        return Ok(out);
    }
    let mut out = format!("\nNAME\n    {}\n\nSYNOPSIS\n    {}\n\n", c.name, c.synopsis);
    if *detail != Detail::Examples {
        out.push_str(&format!("SYNTAX\n    {}\n\n", syntax(c)));
    }
    if matches!(detail, Detail::Detailed | Detail::Full) {
        out.push_str("PARAMETERS\n");
        for p in c.all_parameters() {
            out.push_str(&parameter(p, *detail == Detail::Full));
        }
    }
    if !c.aliases.is_empty() && *detail != Detail::Examples {
        out.push_str(&format!("ALIASES\n    {}\n\n", c.aliases.join(", ")));
    }
    if *detail != Detail::Brief {
        for (i, e) in c.examples.iter().enumerate() {
            out.push_str(&format!(
                "    -------------------------- EXAMPLE {} --------------------------\n\n    PS> {}\n\n    {}\n\n",
                i + 1,
                e.code,
                e.description
            ));
        }
    }
    if *detail == Detail::Brief {
        let n = c.name;
        out.push_str(&format!(
            "REMARKS\n    For the examples, type: Get-Help {n} -Examples\n    For the parameters too, type: Get-Help {n} -Detailed\n    For everything, type: Get-Help {n} -Full\n    For one parameter, type: Get-Help {n} -Parameter <name>\n\n"
        ));
    }
    Ok(out)
}

/// The syntax line: `Name [-Identity] <String> [-Pin <String>] [-WhatIf]`.
pub fn syntax(c: &CmdletInfo) -> String {
    let mut out = c.name.to_owned();
    for p in c.all_parameters() {
        let value = if p.kind == Kind::Switch { String::new() } else { format!(" <{}>", p.kind.type_name()) };
        let name = match p.position {
            Some(_) => format!("[-{}]", p.name),
            None => format!("-{}", p.name),
        };
        let part = format!("{name}{value}");
        out.push(' ');
        out.push_str(&if p.required { part } else { format!("[{part}]") });
    }
    out
}

/// One parameter: its name, type and description, with its attributes when `full`.
fn parameter(p: &Parameter, full: bool) -> String {
    let mut out = format!("    -{} <{}>\n        {}\n", p.name, p.kind.type_name(), p.description);
    if let Kind::Choice(values) = p.kind {
        out.push_str(&format!("        Values: {}\n", values.join(", ")));
    }
    if full {
        out.push_str(&format!("        Required?                    {}\n", p.required));
        out.push_str(&format!(
            "        Position?                    {}\n",
            p.position.map_or("named".to_owned(), |n| n.to_string())
        ));
        out.push_str(&format!(
            "        Default value                {}\n",
            p.default.map(|d| d.to_string()).unwrap_or_default()
        ));
        let pipeline = match p.pipeline {
            FromPipeline::No => "false",
            FromPipeline::ByValue => "true (ByValue)",
            FromPipeline::ByPropertyName => "true (ByPropertyName)",
            FromPipeline::Both => "true (ByValue, ByPropertyName)",
        };
        out.push_str(&format!("        Accept pipeline input?       {pipeline}\n"));
        out.push_str(&format!("        Accept wildcard characters?  {}\n", p.kind == Kind::Properties));
    }
    out.push('\n');
    out
}

/// `Get-Command`: the cmdlets whose names, verbs and nouns match the given wildcard patterns.
/// Sorted by name, as PowerShell lists them.
pub fn commands(name: &str, verb: &str, noun: &str) -> Vec<Value> {
    let mut found: Vec<&CmdletInfo> = all()
        .filter(|c| {
            let (v, n) = c.name.split_once('-').unwrap_or((c.name, ""));
            wildcard_match(name, c.name) && wildcard_match(verb, v) && wildcard_match(noun, n)
        })
        .collect();
    found.sort_by_key(|c| c.name.to_lowercase());
    found
        .into_iter()
        .map(|c| {
            let source = match c.runs_on {
                RunsOn::Server => "umpin",
                RunsOn::Shell => "umpin shell",
            };
            Object::new(
                "CommandInfo",
                vec![("CommandType", "Cmdlet".into()), ("Name", c.name.into()), ("Source", source.into())],
            )
            .into()
        })
        .collect()
}
