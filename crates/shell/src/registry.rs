//! The shell's registry: the server cmdlets of the catalogue and the shell's own utility cmdlets,
//! which work on the objects of a pipeline. It is what binding, Tab completion, `Get-Help` and
//! `Get-Command` read, so a cmdlet exists exactly as it is described here or in the catalogue.

pub use umpin_catalogue::declare::{CmdletInfo, Example, FromPipeline, Kind, Parameter, RunsOn};

use FromPipeline::ByValue;
use Kind::*;

/// Every cmdlet: the catalogue's, then the utilities.
pub fn all() -> impl Iterator<Item = &'static CmdletInfo> {
    umpin_catalogue::CMDLETS.iter().chain(UTILITIES)
}

/// The cmdlet a name (or alias) means, case-insensitively.
pub fn find(name: &str) -> Option<&'static CmdletInfo> {
    all().find(|c| c.name.eq_ignore_ascii_case(name) || c.aliases.iter().any(|a| a.eq_ignore_ascii_case(name)))
}

const fn ex(code: &'static str, description: &'static str) -> Example {
    Example { code, description }
}

/// The utility cmdlets, which work on the objects of a pipeline in the shell.
pub static UTILITIES: &[CmdletInfo] = &[
    CmdletInfo {
        name: "Where-Object",
        aliases: &["?", "where"],
        synopsis: "Passes on the input objects that match a condition.",
        runs_on: RunsOn::Shell,
        changes_state: false,
        parameters: &[
            Parameter::new(
                "FilterScript",
                Script,
                "The condition, with $_ for the input object: Where-Object {$_.LockedOut -eq $true}.",
            )
            .at(1),
            Parameter::new(
                "Property",
                Text,
                "A property to test: Where-Object LockedOut, Where-Object PinExpired -eq $false.",
            ),
            Parameter::new("Value", Any, "The value to compare the property with.").at(2),
            Parameter::new("EQ", Switch, "The property equals the value."),
            Parameter::new("NE", Switch, "The property differs from the value."),
            Parameter::new("GT", Switch, "The property is greater than the value."),
            Parameter::new("GE", Switch, "The property is greater than or equal to the value."),
            Parameter::new("LT", Switch, "The property is less than the value."),
            Parameter::new("LE", Switch, "The property is less than or equal to the value."),
            Parameter::new("Like", Switch, "The property matches the wildcard pattern of the value."),
            Parameter::new("NotLike", Switch, "The property doesn't match the wildcard pattern of the value."),
            Parameter::new("InputObject", Any, "The objects to filter.").piped(ByValue),
        ],
        examples: &[ex("Get-UMMailboxPIN | Where-Object LockedOut", "Shows the locked-out UM mailboxes.")],
    },
    CmdletInfo {
        name: "ForEach-Object",
        aliases: &["%", "foreach"],
        synopsis: "Runs a script block, or takes a property, for each input object.",
        runs_on: RunsOn::Shell,
        changes_state: false,
        parameters: &[
            Parameter::new("Process", Script, "The script block to run, with $_ for the input object.").at(1),
            Parameter::new("MemberName", Text, "The property to take from each input object."),
            Parameter::new("InputObject", Any, "The objects to process.").piped(ByValue),
        ],
        examples: &[ex("Get-UMMailboxPIN | ForEach-Object { $_.UserID }", "Lists the addresses of the UM mailboxes.")],
    },
    CmdletInfo {
        name: "Select-Object",
        aliases: &["select"],
        synopsis: "Keeps some properties of the input objects, or the first objects.",
        runs_on: RunsOn::Shell,
        changes_state: false,
        parameters: &[
            Parameter::new("Property", Properties, "The properties to keep.").at(1),
            Parameter::new("ExpandProperty", Text, "Passes on the value of this property instead of the object."),
            Parameter::new("First", Number, "Passes on only this many objects."),
            Parameter::new("InputObject", Any, "The objects to select from.").piped(ByValue),
        ],
        examples: &[ex(
            "Get-UMMailboxPIN | Select-Object UserID,LockedOut",
            "Shows two properties of each PIN status.",
        )],
    },
    CmdletInfo {
        name: "Sort-Object",
        aliases: &["sort"],
        synopsis: "Sorts the input objects by property values.",
        runs_on: RunsOn::Shell,
        changes_state: false,
        parameters: &[
            Parameter::new("Property", Properties, "The properties to sort by.").at(1),
            Parameter::new("Descending", Switch, "Sorts from the highest to the lowest."),
            Parameter::new("InputObject", Any, "The objects to sort.").piped(ByValue),
        ],
        examples: &[ex(
            "Get-UMMailboxPIN | Sort-Object FailedLogonCount -Descending",
            "Shows the mailboxes with the most failed sign-ins first.",
        )],
    },
    CmdletInfo {
        name: "Measure-Object",
        aliases: &[],
        synopsis: "Counts the input objects, and sums a numeric property.",
        runs_on: RunsOn::Shell,
        changes_state: false,
        parameters: &[
            Parameter::new("Property", Text, "A numeric property to sum, average and bound.").at(1),
            Parameter::new("InputObject", Any, "The objects to measure.").piped(ByValue),
        ],
        examples: &[ex("Get-UMMailboxPIN -ResultSize Unlimited | Measure-Object", "Counts every UM mailbox.")],
    },
    CmdletInfo {
        name: "Format-Table",
        aliases: &["ft"],
        synopsis: "Shows the input objects as a table.",
        runs_on: RunsOn::Shell,
        changes_state: false,
        parameters: &[
            Parameter::new("Property", Properties, "The columns; all properties of the first object by default.").at(1),
            Parameter::new("AutoSize", Switch, "Accepted for familiarity: columns are always sized to their content."),
            Parameter::new("InputObject", Any, "The objects to show.").piped(ByValue),
        ],
        examples: &[ex("Get-UMMailboxPIN | Format-Table UserID,FailedLogonCount", "Shows two columns.")],
    },
    CmdletInfo {
        name: "Format-List",
        aliases: &["fl"],
        synopsis: "Shows each input object as a list of its properties.",
        runs_on: RunsOn::Shell,
        changes_state: false,
        parameters: &[
            Parameter::new("Property", Properties, "The properties to show; all by default.").at(1),
            Parameter::new("InputObject", Any, "The objects to show.").piped(ByValue),
        ],
        examples: &[ex("Get-UMMailboxPIN tony | Format-List", "Shows every property of tony's PIN status.")],
    },
    CmdletInfo {
        name: "ConvertTo-Json",
        aliases: &[],
        synopsis: "Turns the input objects into JSON.",
        runs_on: RunsOn::Shell,
        changes_state: false,
        parameters: &[Parameter::new("InputObject", Any, "The objects to convert.").at(1).piped(ByValue)],
        examples: &[ex("Get-UMMailboxPIN tony | ConvertTo-Json", "Shows tony's PIN status as JSON.")],
    },
    CmdletInfo {
        name: "ConvertTo-Csv",
        aliases: &[],
        synopsis: "Turns the input objects into CSV lines, with a header row.",
        runs_on: RunsOn::Shell,
        changes_state: false,
        parameters: &[
            Parameter::new("NoTypeInformation", Switch, "Accepted for familiarity: no type line is ever written."),
            Parameter::new("InputObject", Any, "The objects to convert.").at(1).piped(ByValue),
        ],
        examples: &[ex("Get-UMMailboxPIN | ConvertTo-Csv", "Shows the PIN statuses as CSV.")],
    },
    CmdletInfo {
        name: "Export-Csv",
        aliases: &[],
        synopsis: "Writes the input objects to a CSV file, with a header row.",
        runs_on: RunsOn::Shell,
        changes_state: false,
        parameters: &[
            Parameter::new("Path", Text, "The file to write.").required().at(1),
            Parameter::new("NoTypeInformation", Switch, "Accepted for familiarity: no type line is ever written."),
            Parameter::new("InputObject", Any, "The objects to write.").piped(ByValue),
        ],
        examples: &[ex("Get-UMMailboxPIN | Export-Csv pins.csv", "Writes the PIN statuses to pins.csv.")],
    },
    CmdletInfo {
        name: "Import-Csv",
        aliases: &[],
        synopsis: "Reads a CSV file: one object per row, named by the header row.",
        runs_on: RunsOn::Shell,
        changes_state: false,
        parameters: &[Parameter::new("Path", Text, "The file to read.").required().at(1)],
        examples: &[ex("Import-Csv users.csv | New-Mailbox", "Creates a mailbox for each row of users.csv.")],
    },
    CmdletInfo {
        name: "Get-Help",
        aliases: &["help"],
        synopsis: "Shows how to use a cmdlet: syntax, parameters and examples.",
        runs_on: RunsOn::Shell,
        changes_state: false,
        parameters: &[Parameter::new("Name", Text, "The cmdlet.").at(1)],
        examples: &[ex("Get-Help Set-UMMailboxPIN", "Shows how to reset, lock and unlock PINs.")],
    },
    CmdletInfo {
        name: "Get-Command",
        aliases: &["gcm"],
        synopsis: "Lists the cmdlets, optionally those whose names match a wildcard pattern.",
        runs_on: RunsOn::Shell,
        changes_state: false,
        parameters: &[Parameter::new("Name", Text, "A wildcard pattern such as *UMMailbox*.").at(1)],
        examples: &[ex("Get-Command *PIN*", "Lists the PIN cmdlets.")],
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_um_directory_security_and_utility_cmdlet_of_the_spec_is_registered() {
        let spec = [
            "New-UMDialPlan",
            "Get-UMDialPlan",
            "Set-UMDialPlan",
            "Remove-UMDialPlan",
            "New-UMMailboxPolicy",
            "Get-UMMailboxPolicy",
            "Set-UMMailboxPolicy",
            "Remove-UMMailboxPolicy",
            "Enable-UMMailbox",
            "Disable-UMMailbox",
            "Get-UMMailbox",
            "Set-UMMailbox",
            "Get-UMMailboxPIN",
            "Set-UMMailboxPIN",
            "New-Mailbox",
            "Get-Mailbox",
            "Set-Mailbox",
            "Remove-Mailbox",
            "Search-AdminAuditLog",
            "Test-AdminAuditLog",
            "New-ManagementAccount",
            "Get-ManagementAccount",
            "Set-ManagementAccount",
            "Remove-ManagementAccount",
            "Get-RoleGroup",
            "Get-RoleGroupMember",
            "Add-RoleGroupMember",
            "Remove-RoleGroupMember",
            "Where-Object",
            "ForEach-Object",
            "Select-Object",
            "Sort-Object",
            "Measure-Object",
            "Format-Table",
            "Format-List",
            "ConvertTo-Json",
            "ConvertTo-Csv",
            "Export-Csv",
            "Import-Csv",
            "Get-Help",
            "Get-Command",
        ];
        for name in spec {
            assert!(find(name).is_some(), "{name}");
        }
        for (alias, name) in [
            ("?", "Where-Object"),
            ("where", "Where-Object"),
            ("%", "ForEach-Object"),
            ("foreach", "ForEach-Object"),
            ("select", "Select-Object"),
            ("sort", "Sort-Object"),
            ("ft", "Format-Table"),
            ("fl", "Format-List"),
        ] {
            assert_eq!(find(alias).map(|c| c.name), Some(name), "{alias}");
        }
    }

    #[test]
    fn names_aliases_and_positions_are_unique() {
        let mut names: Vec<String> = all()
            .flat_map(|c| std::iter::once(c.name).chain(c.aliases.iter().copied()))
            .map(str::to_lowercase)
            .collect();
        let count = names.len();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), count, "a cmdlet name or alias is used twice");
        for c in all() {
            let mut params: Vec<String> = c.all_parameters().map(|p| p.name.to_lowercase()).collect();
            let n = params.len();
            params.sort();
            params.dedup();
            assert_eq!(params.len(), n, "{}: a parameter is listed twice", c.name);
            let mut positions: Vec<u8> = c.parameters.iter().filter_map(|p| p.position).collect();
            let n = positions.len();
            positions.dedup();
            assert_eq!(positions.len(), n, "{}: two parameters share a position", c.name);
        }
    }

    #[test]
    fn parameters_match_case_insensitively_and_by_unambiguous_prefix() {
        let c = find("set-ummailboxpin").unwrap();
        assert_eq!(c.parameter("pinexpired").unwrap().name, "PINExpired");
        assert_eq!(c.parameter("Lock").unwrap().name, "LockedOut");
        assert_eq!(c.parameter("WhatIf").unwrap().name, "WhatIf");
        let ambiguous = c.parameter("Pin").map(|p| p.name);
        assert_eq!(ambiguous, Ok("Pin"), "an exact name wins over longer ones it prefixes");
        assert!(c.parameter("S").is_ok());
        let err = find("Set-UMMailboxPolicy").unwrap().parameter("M").unwrap_err();
        assert!(err.contains("-MinPINLength") && err.contains("-MaxLogonAttempts"), "{err}");
        assert_eq!(
            c.parameter("Bogus").unwrap_err(),
            "A parameter cannot be found that matches parameter name 'Bogus'."
        );
    }

    #[test]
    fn only_state_changing_cmdlets_take_what_if_and_confirm() {
        assert!(find("Get-UMMailboxPIN").unwrap().parameter("WhatIf").is_err());
        assert!(find("Remove-Mailbox").unwrap().parameter("Confirm").is_ok());
    }
}
