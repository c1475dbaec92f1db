//! `Get-Help` and `Get-Command`, generated from the cmdlet registry.

use umpin_catalogue::value::{Object, Value};

use crate::registry::{FromPipeline, Kind, RunsOn, all, find};

/// The help page of a cmdlet, or the list of cmdlets without a name.
pub fn help(name: Option<&str>) -> Result<String, String> {
    let Some(name) = name else {
        let mut out = String::from("Cmdlets (Get-Help <cmdlet> for one of them):\n\n");
        for c in all() {
            out.push_str(&format!("  {:<24} {}\n", c.name, c.synopsis));
        }
        return Ok(out);
    };
    let c = find(name).ok_or_else(|| {
        format!("Get-Help can't find help for '{name}': there is no such cmdlet. Run Get-Command to list the cmdlets.")
    })?;
    let mut out = format!("\nNAME\n    {}\n\nSYNOPSIS\n    {}\n\nSYNTAX\n    {}", c.name, c.synopsis, c.name);
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
    out.push_str("\n\nPARAMETERS\n");
    for p in c.all_parameters() {
        out.push_str(&format!("    -{} <{}>\n        {}\n", p.name, p.kind.type_name(), p.description));
        if let Kind::Choice(values) = p.kind {
            out.push_str(&format!("        Values: {}\n", values.join(", ")));
        }
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
        out.push_str(&format!("        Accept pipeline input?       {pipeline}\n\n"));
    }
    if !c.aliases.is_empty() {
        out.push_str(&format!("ALIASES\n    {}\n\n", c.aliases.join(", ")));
    }
    for (i, e) in c.examples.iter().enumerate() {
        out.push_str(&format!("EXAMPLE {}\n    {}\n\n    {}\n\n", i + 1, e.code, e.description));
    }
    Ok(out)
}

/// `Get-Command`: the cmdlets whose names match a wildcard pattern.
pub fn commands(pattern: &str) -> Vec<Value> {
    let pattern = Value::from(pattern.to_owned());
    all()
        .filter(|c| Value::from(c.name).like(&pattern.to_text()))
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
