//! The `about_` help topics: the basics of the shell language, as `Get-Help about_<topic>` shows
//! them. Each says what this shell does, which is the subset of PowerShell of SPEC §4.1.

/// Every topic: its name, a one-line synopsis, and its text.
pub static TOPICS: &[(&str, &str, &str)] = &[
    (
        "about_Pipelines",
        "How the output of one command becomes the input of the next.",
        "
TOPIC
    about_Pipelines

SHORT DESCRIPTION
    Joining commands with | so that each one works on what the one before it produced.

LONG DESCRIPTION
    A pipeline is a row of commands separated by |. The first command produces
    objects; each object is handed to the next command as soon as it is produced,
    and so on to the end of the row. What the last command passes on is shown on
    the screen, in the default view of its type.

        Get-UMMailboxPIN | Where-Object LockedOut | Set-UMMailboxPIN -LockedOut $false

    Here Get-UMMailboxPIN produces the PIN status of every UM mailbox, Where-Object
    keeps those that are locked out, and Set-UMMailboxPIN unlocks each of them.

    How an object fills a parameter of the next command:
      - by value: the whole object is taken, as when strings are piped into a
        parameter that takes text ('tony','kim' | Get-UMMailboxPIN);
      - by property name: the object's property of the same name is taken, as when
        the rows of a CSV file fill the parameters of New-Mailbox
        (Import-Csv users.csv | New-Mailbox).
    Get-Help <cmdlet> -Full shows, under 'Accept pipeline input?', which
    parameters take input from the pipeline and how.

    Commands that need every object before they can answer (Sort-Object,
    Group-Object, Format-Table, Format-List, Out-String) wait for the end of the
    input; the others pass each object on at once, so a long listing is never held
    in memory whole.

    A line that ends with | goes on on the next line; the interactive shell then
    shows the continuation prompt >> until the pipeline is complete.

SEE ALSO
    about_Automatic_Variables, about_Comparison_Operators, Where-Object, ForEach-Object
",
    ),
    (
        "about_Automatic_Variables",
        "The variables the shell sets itself: $_, $true, $false and $null.",
        "
TOPIC
    about_Automatic_Variables

SHORT DESCRIPTION
    The variables whose values the shell provides.

LONG DESCRIPTION
    $_
        The current object of the pipeline, inside the script block of
        Where-Object or ForEach-Object:

            Get-UMMailboxPIN | Where-Object { $_.FailedLogonCount -gt 3 }
            Get-UMMailboxPIN | ForEach-Object { $_.UserID }

        $_.Name is the property Name of the current object.

    $true, $false
        The two boolean values, as parameters such as -PINExpired and -LockedOut
        take them: Set-UMMailboxPIN tony -LockedOut $false.

    $null
        No value. A property that isn't set is $null.

    Any other $name is a variable of your own (see about_Variables); using one
    that was never set is an error that names it, so a mistyped $ture is caught
    rather than taken as 'nothing'.

SEE ALSO
    about_Variables, about_Pipelines
",
    ),
    (
        "about_Comparison_Operators",
        "-eq, -ne, -gt, -ge, -lt, -le, -like, -notlike, -match, -notmatch, -and, -or, -not.",
        "
TOPIC
    about_Comparison_Operators

SHORT DESCRIPTION
    Comparing values in script blocks, and combining the results.

LONG DESCRIPTION
    -eq, -ne         equal, not equal
    -gt, -ge         greater than, greater than or equal
    -lt, -le         less than, less than or equal
    -like, -notlike  matches (or not) a wildcard pattern; see about_Wildcards
    -match,          matches (or not) a regular expression anywhere in the text
    -notmatch
    -and, -or        both, either (evaluated from left to right; the right side
                     is only evaluated when it decides the answer)
    -not, !          the opposite

    Text compares without regard to case: 'Tony' -eq 'tony' is $true. When the
    left side is a number or a boolean, the right side is converted to it first,
    so 5 -eq '5' is $true. Numbers and times order as numbers and times; anything
    else orders as text.

    Examples:

        Get-UMMailboxPIN | Where-Object { $_.LockedOut -eq $true }
        Get-UMMailboxPIN | Where-Object { $_.UserID -like '*@contoso.com' -and -not $_.PinExpired }
        Get-Mailbox | Where-Object { $_.Phone -match '^\\+1' }

    Where-Object also has a short form without a script block:

        Get-UMMailboxPIN | Where-Object FailedLogonCount -gt 3

SEE ALSO
    about_Wildcards, about_Automatic_Variables, Where-Object
",
    ),
    (
        "about_Wildcards",
        "*, ? and [ ] in names and patterns.",
        "
TOPIC
    about_Wildcards

SHORT DESCRIPTION
    Patterns that stand for many names or values.

LONG DESCRIPTION
    *        any number of characters, none included     *PIN*  matches MinPINLength
    ?        exactly one character                       t?ny   matches tony
    [abc]    one of the characters listed                [tk]*  matches tony and kim
    [a-m]    one character of the range                  [a-m]* matches kim, not tony
    `        takes the next character literally          100`*  matches only 100*

    Letters match without regard to case.

    Wildcards work in:
      - the -like and -notlike operators (about_Comparison_Operators);
      - property names of Select-Object (-Property, -ExcludeProperty),
        Sort-Object, Group-Object, Format-Table and Format-List:
            Get-UMMailboxPolicy | Format-List Name,*PIN*
            Get-UMMailboxPIN tony | Format-List *
        A name or pattern that matches no property is an error that names it;
      - Get-Command and Get-Help: Get-Command *UMMailbox*, Get-Help about_*.

SEE ALSO
    about_Comparison_Operators, Select-Object, Format-List, Get-Command
",
    ),
    (
        "about_Variables",
        "Keeping values in $name for later commands.",
        "
TOPIC
    about_Variables

SHORT DESCRIPTION
    Storing the output of a command and using it again.

LONG DESCRIPTION
    $name = <pipeline> keeps what the pipeline produced: nothing ($null), one
    object, or an array of them. The name is made of letters, digits and _, and
    its case doesn't matter.

        $tony = Get-UMMailbox tony
        $tony.Extensions
        $locked = Get-UMMailboxPIN | Where-Object LockedOut
        $locked | Set-UMMailboxPIN -LockedOut $false

    A variable lasts until the end of the script, or in the interactive shell
    until you leave it, so it can be used on later lines. Using a variable that
    was never set is an error that names it.

    $x.Name is the property Name of the object in $x; on an array, it is the
    property of each element.

    Text in double quotes is taken as it is: \"$x\" is the text $x, not the value.

SEE ALSO
    about_Automatic_Variables, about_Pipelines
",
    ),
];

/// The text of a topic, by its name in any case.
pub fn find(name: &str) -> Option<&'static str> {
    TOPICS.iter().find(|(n, _, _)| n.eq_ignore_ascii_case(name)).map(|(_, _, text)| *text)
}
