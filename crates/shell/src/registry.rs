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
            Parameter::new("Property", Properties, "The properties to keep; wildcards such as *PIN* name several.")
                .at(1),
            Parameter::new(
                "ExcludeProperty",
                Properties,
                "Properties to leave out; wildcards allowed. Without -Property, every other property is kept.",
            ),
            Parameter::new("ExpandProperty", Text, "Passes on the value of this property instead of the object."),
            Parameter::new("First", Number, "Passes on only this many objects."),
            Parameter::new("InputObject", Any, "The objects to select from.").piped(ByValue),
        ],
        examples: &[
            ex("Get-UMMailboxPIN | Select-Object UserID,LockedOut", "Shows two properties of each PIN status."),
            ex("Get-UMMailboxPolicy | Select-Object Name,*PIN*", "Shows each policy's name and its PIN settings."),
        ],
    },
    CmdletInfo {
        name: "Sort-Object",
        aliases: &["sort"],
        synopsis: "Sorts the input objects by property values.",
        runs_on: RunsOn::Shell,
        changes_state: false,
        parameters: &[
            Parameter::new("Property", Properties, "The properties to sort by; wildcards allowed.").at(1),
            Parameter::new("Descending", Switch, "Sorts from the highest to the lowest."),
            Parameter::new("InputObject", Any, "The objects to sort.").piped(ByValue),
        ],
        examples: &[ex(
            "Get-UMMailboxPIN | Sort-Object FailedLogonCount -Descending",
            "Shows the mailboxes with the most failed sign-ins first.",
        )],
    },
    CmdletInfo {
        name: "Group-Object",
        aliases: &["group"],
        synopsis: "Groups the input objects that have the same values of the given properties.",
        runs_on: RunsOn::Shell,
        changes_state: false,
        parameters: &[
            Parameter::new("Property", Properties, "The properties to group by; wildcards allowed.").required().at(1),
            Parameter::new("NoElement", Switch, "Leaves the objects out of the result: only the counts and names."),
            Parameter::new("InputObject", Any, "The objects to group.").piped(ByValue),
        ],
        examples: &[ex(
            "Get-UMMailboxPIN -ResultSize Unlimited | Group-Object LockedOut -NoElement",
            "Counts the locked-out UM mailboxes and the others.",
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
            Parameter::new(
                "Property",
                Properties,
                "The columns, in order; wildcards allowed. By default the type's view, or every property.",
            )
            .at(1),
            Parameter::new(
                "AutoSize",
                Switch,
                "Sizes every column to its widest value; columns that don't fit are removed, with a warning.",
            ),
            Parameter::new("Wrap", Switch, "Continues a value that is wider than its column on the next lines."),
            Parameter::new("HideTableHeaders", Switch, "Leaves out the column names and their underline."),
            Parameter::new("InputObject", Any, "The objects to show.").piped(ByValue),
        ],
        examples: &[
            ex("Get-UMMailboxPIN | Format-Table UserID,FailedLogonCount", "Shows two columns."),
            ex("Get-UMMailboxPolicy | Format-Table Name,*PIN* -AutoSize", "Shows each policy's PIN settings."),
        ],
    },
    CmdletInfo {
        name: "Format-List",
        aliases: &["fl"],
        synopsis: "Shows each input object as a list of its properties.",
        runs_on: RunsOn::Shell,
        changes_state: false,
        parameters: &[
            Parameter::new("Property", Properties, "The properties to show, wildcards allowed; all by default.").at(1),
            Parameter::new("InputObject", Any, "The objects to show.").piped(ByValue),
        ],
        examples: &[
            ex("Get-UMMailboxPIN tony | Format-List", "Shows every property of tony's PIN status."),
            ex("Get-UMMailboxPolicy | Format-List *PIN*", "Shows the PIN settings of each policy."),
        ],
    },
    CmdletInfo {
        name: "Out-String",
        aliases: &[],
        synopsis: "Turns the input objects into the text they display as.",
        runs_on: RunsOn::Shell,
        changes_state: false,
        parameters: &[
            Parameter::new("Stream", Switch, "Passes on one string per line instead of one string."),
            Parameter::new("Width", Number, "The width of the text, in characters; the terminal's by default."),
            Parameter::new("InputObject", Any, "The objects to turn into text.").piped(ByValue),
        ],
        examples: &[ex("$text = Get-UMMailboxPIN | Out-String", "Keeps the table of PIN statuses as text in $text.")],
    },
    CmdletInfo {
        name: "Out-File",
        aliases: &[],
        synopsis: "Writes the input objects to a file as the text they display as.",
        runs_on: RunsOn::Shell,
        changes_state: false,
        parameters: &[
            Parameter::new("FilePath", Text, "The file to write.").required().at(1),
            Parameter::new("Append", Switch, "Adds to the end of the file instead of replacing it."),
            Parameter::new("Width", Number, "The width of the text, in characters; the terminal's by default."),
            Parameter::new("InputObject", Any, "The objects to write.").piped(ByValue),
        ],
        examples: &[ex("Get-UMMailboxPIN | Out-File pins.txt", "Writes the table of PIN statuses to pins.txt.")],
    },
    CmdletInfo {
        name: "Write-Host",
        aliases: &[],
        synopsis: "Writes a value to the screen, not to the pipeline.",
        runs_on: RunsOn::Shell,
        changes_state: false,
        parameters: &[
            Parameter::new(
                "Object",
                Any,
                "What to write: one value, or several after one another; they, and an array's elements, are separated by spaces.",
            )
            .at(1)
            .remaining()
            .piped(ByValue),
            Parameter::new("NoNewline", Switch, "Doesn't end the output with a new line."),
            Parameter::new("Separator", Text, "What goes between the elements of an array; a space by default."),
        ],
        examples: &[ex("Write-Host 'Unlocking the locked-out mailboxes'", "Shows a message.")],
    },
    CmdletInfo {
        name: "Write-Output",
        aliases: &["echo", "write"],
        synopsis: "Passes values on to the pipeline (or shows them at its end).",
        runs_on: RunsOn::Shell,
        changes_state: false,
        parameters: &[Parameter::new(
            "InputObject",
            Any,
            "The values to pass on, one by one: an array, or several values after one another.",
        )
        .at(1)
        .remaining()
        .piped(ByValue)],
        examples: &[
            ex("Write-Output tony,kim | Get-UMMailboxPIN", "Shows the PIN statuses of tony and kim."),
            ex("Write-Output tony kim | Get-UMMailboxPIN", "The same: each value is passed on by itself."),
        ],
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
        synopsis: "Shows how to use a cmdlet, or a topic of the shell language (about_*).",
        runs_on: RunsOn::Shell,
        changes_state: false,
        parameters: &[
            Parameter::new(
                "Name",
                Text,
                "The cmdlet or about_ topic; a wildcard pattern lists the cmdlets and topics it matches.",
            )
            .at(1),
            Parameter::new("Detailed", Switch, "Adds the parameters and the examples."),
            Parameter::new("Full", Switch, "Adds the parameters with their attributes, and the examples."),
            Parameter::new("Examples", Switch, "Shows only the examples."),
            Parameter::new("Parameter", Text, "Shows only this parameter; wildcards such as * allowed."),
        ],
        examples: &[
            ex("Get-Help Set-UMMailboxPIN -Examples", "Shows how to reset, lock and unlock PINs."),
            ex("Get-Help Set-UMMailboxPIN -Parameter LockedOut", "Explains one parameter."),
            ex("Get-Help about_*", "Lists the topics of the shell language."),
        ],
    },
    CmdletInfo {
        name: "Get-Command",
        aliases: &["gcm"],
        synopsis: "Lists the cmdlets, optionally those whose names, verbs or nouns match wildcard patterns.",
        runs_on: RunsOn::Shell,
        changes_state: false,
        parameters: &[
            Parameter::new("Name", Text, "A wildcard pattern such as *UMMailbox*.").at(1),
            Parameter::new("Verb", Text, "The verb, the part before the dash: Get, Set, New...; wildcards allowed."),
            Parameter::new("Noun", Text, "The noun, the part after the dash: UMMailboxPIN...; wildcards allowed."),
            Parameter::new("Syntax", Switch, "Shows the syntax of the cmdlets instead of listing them."),
        ],
        examples: &[
            ex("Get-Command *PIN*", "Lists the PIN cmdlets."),
            ex("Get-Command -Noun UMMailbox*", "Lists the cmdlets of UM mailboxes, their policies and PINs."),
            ex("Get-Command -Verb Set", "Lists the cmdlets that change settings."),
        ],
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
            "Get-UMSprayBlock",
            "Clear-UMSprayBlock",
            "Start-UMDirectorySync",
            "Get-UMDirectorySyncStatus",
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
            "Group-Object",
            "Out-String",
            "Out-File",
            "Write-Host",
            "Write-Output",
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
