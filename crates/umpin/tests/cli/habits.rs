//! The shell as an Exchange administrator's habits expect it, through the real binary: wildcard
//! property names, PowerShell's display rules, variables, and help.

use super::{assert_fails_in_one_sentence, contoso, shell, shell_ok, stderr, stdout};

#[test]
fn wildcard_property_names_expand_in_the_objects_property_order() {
    let dir = contoso(2);
    let pins = shell_ok(dir.path(), "Get-UMMailboxPolicy MyUMMailboxPolicy | Format-List *PIN*");
    assert_eq!(
        pins,
        "\nMinPINLength                : 6\nPINLifetime                 : 60\nPINHistoryCount             : 5\nAllowCommonPINs             : False\nLogonFailuresBeforePINReset : 5\nResetPINText                :\nAllowPinlessVoiceMailAccess : False\n\n"
    );
    let all = shell_ok(dir.path(), "Get-UMMailboxPolicy MyUMMailboxPolicy | fl *");
    assert_eq!(all, shell_ok(dir.path(), "Get-UMMailboxPolicy MyUMMailboxPolicy | Format-List"));
    let selected =
        shell_ok(dir.path(), "Get-UMMailboxPolicy MyUMMailboxPolicy | Select-Object Name,*PIN* | Format-List");
    assert!(selected.starts_with("\nName                        : MyUMMailboxPolicy\nMinPINLength"), "{selected}");
    let table = shell_ok(dir.path(), "Get-UMMailboxPolicy MyUMMailboxPolicy | Format-Table Name,Min*,[p]INLifetime");
    assert!(table.contains("Name              MinPINLength PINLifetime\n"), "{table}");
    let sorted = shell_ok(dir.path(), "Get-UMMailboxPolicy | Sort-Object Nam* -Descending | ForEach-Object Name");
    assert_eq!(sorted, "MyUMMailboxPolicy\nMyUMDialPlan Default Policy\n");
}

#[test]
fn select_object_exclude_property_leaves_out_what_it_matches() {
    let dir = contoso(2);
    let out = shell_ok(
        dir.path(),
        "Get-UMMailboxPolicy MyUMMailboxPolicy | Select-Object *PIN* -ExcludeProperty *Text,PINHistory* | Format-List",
    );
    assert_eq!(
        out,
        "\nMinPINLength                : 6\nPINLifetime                 : 60\nAllowCommonPINs             : False\nLogonFailuresBeforePINReset : 5\nAllowPinlessVoiceMailAccess : False\n\n"
    );
}

#[test]
fn a_property_name_that_matches_nothing_is_an_error_naming_it() {
    let dir = contoso(2);
    for (pipeline, named) in [
        ("Get-UMMailboxPolicy | Format-List *Bogus*", "'*Bogus*'"),
        ("Get-UMMailboxPolicy | Format-Table Name,MinPinLenght", "'MinPinLenght'"),
        ("Get-UMMailboxPolicy | Select-Object Nmae", "'Nmae'"),
        ("Get-UMMailboxPolicy | Sort-Object Bogus", "'Bogus'"),
        ("Get-UMMailboxPolicy | Group-Object Bogus*", "'Bogus*'"),
    ] {
        let out = shell(dir.path(), pipeline);
        assert_fails_in_one_sentence(&out, named);
        assert!(stderr(&out).contains("UMMailboxPolicy"), "{pipeline}: {}", stderr(&out));
    }
}

#[test]
fn group_object_counts_the_objects_of_each_value() {
    let dir = contoso(4);
    shell_ok(dir.path(), "New-Mailbox -Name Kim -PrimarySmtpAddress kim@contoso.com");
    shell_ok(dir.path(), "Enable-UMMailbox kim -UMMailboxPolicy MyUMMailboxPolicy -Extensions 52345");
    shell_ok(dir.path(), "New-Mailbox -Name Lee -PrimarySmtpAddress lee@contoso.com");
    shell_ok(dir.path(), "Enable-UMMailbox lee -UMMailboxPolicy MyUMMailboxPolicy -Extensions 53456");
    shell_ok(dir.path(), "Set-UMMailboxPIN kim -LockedOut $true");
    let out = shell_ok(dir.path(), "Get-UMMailboxPIN | Group-Object LockedOut -NoElement");
    assert_eq!(out, "\nCount Name\n----- ----\n    1 True\n    2 False\n\n");
    let groups = shell_ok(dir.path(), "Get-UMMailboxPIN | Group-Object LockedOut");
    assert!(groups.contains("    1 True  {kim@contoso.com}\n"), "objects show by their identity: {groups}");
    let grouped = shell_ok(
        dir.path(),
        "Get-UMMailboxPIN | Group-Object Locked* | Where-Object Name -eq True | ForEach-Object { $_.Group.UserID }",
    );
    assert_eq!(grouped, "kim@contoso.com\n");
}

#[test]
fn objects_with_four_properties_or_fewer_show_as_a_table_and_more_as_a_list() {
    let dir = contoso(4);
    let two = shell_ok(dir.path(), "Get-UMMailboxPIN | Select-Object UserID,LockedOut");
    assert_eq!(two, "\nUserID           LockedOut\n------           ---------\ntony@contoso.com False\n\n");
    let five = shell_ok(
        dir.path(),
        "Get-UMMailboxPIN | Select-Object UserID,LockedOut,PinExpired,FirstTimeUser,FailedLogonCount",
    );
    assert!(five.starts_with("\nUserID           : tony@contoso.com\n"), "{five}");
}

#[test]
fn format_table_auto_size_wrap_and_hide_table_headers() {
    let dir = contoso(4);
    let plain = shell_ok(dir.path(), "Get-UMMailboxPIN | Format-Table UserID,LockedOut");
    assert_eq!(plain, "\nUserID           LockedOut\n------           ---------\ntony@contoso.com False\n\n");
    let viewed = shell_ok(dir.path(), "Get-UMMailboxPIN | Format-Table");
    assert_eq!(viewed, shell_ok(dir.path(), "Get-UMMailboxPIN"), "without properties, the type's view");
    let numbers = shell_ok(dir.path(), "Get-UMMailboxPIN | Format-Table UserID,FailedLogonCount");
    assert!(numbers.contains("tony@contoso.com                0\n"), "numbers align right: {numbers}");
    let hidden = shell_ok(dir.path(), "Get-UMMailboxPIN | Format-Table UserID,LockedOut -HideTableHeaders");
    assert_eq!(hidden, "\ntony@contoso.com False\n\n");
    let narrow = super::umpin_with_env(
        dir.path(),
        &[("COLUMNS", "28")],
        &["shell", "-c", "Get-UMMailboxPIN | Format-Table UserID,PinExpired,LockedOut -AutoSize"],
    );
    assert!(narrow.status.success(), "{}", stderr(&narrow));
    assert_eq!(
        stdout(&narrow),
        "\nUserID           PinExpired\n------           ----------\ntony@contoso.com True\n\n"
    );
    assert_eq!(stderr(&narrow), "WARNING: 1 columns do not fit into the display and were removed.\n");
    let wrapped = super::umpin_with_env(
        dir.path(),
        &[("COLUMNS", "20")],
        &["shell", "-c", "Get-UMMailboxPIN | Format-Table LockedOut,UserID -Wrap"],
    );
    assert_eq!(stdout(&wrapped), "\nLockedOut UserID\n--------- ------\nFalse     tony@conto\n          so.com\n\n");
}

#[test]
fn out_string_out_file_write_host_and_write_output() {
    let dir = contoso(4);
    let text = shell_ok(dir.path(), "$t = Get-UMMailboxPIN | Out-String\n$t.Length");
    let table = shell_ok(dir.path(), "Get-UMMailboxPIN");
    assert_eq!(text.trim(), table.chars().count().to_string());
    let lines = shell_ok(dir.path(), "Get-UMMailboxPIN | Out-String -Stream | Measure-Object");
    assert!(lines.contains("Count : 5"), "blank, header, dashes, row, blank: {lines}");
    let narrow = shell_ok(dir.path(), "Get-UMMailboxPIN | Out-String -Width 10");
    assert!(narrow.lines().all(|l| l.chars().count() <= 10), "{narrow}");
    assert_fails_in_one_sentence(&shell(dir.path(), "Get-UMMailboxPIN | Out-String -Width 0"), "1 to 10000");
    let file = dir.path().join("pins.txt");
    shell_ok(dir.path(), &format!("Get-UMMailboxPIN | Out-File '{}'", file.display()));
    shell_ok(dir.path(), &format!("Write-Output 'the end' | Out-File '{}' -Append", file.display()));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), format!("{table}the end\n"));
    let host =
        shell_ok(dir.path(), "Write-Host 'Unlocking' -NoNewline; Write-Host ' done'; Write-Host a,b -Separator '+'");
    assert_eq!(host, "Unlocking done\na+b\n");
    let output = shell_ok(dir.path(), "Write-Output tony | Get-UMMailboxPIN | ForEach-Object UserID");
    assert_eq!(output, "tony@contoso.com\n");
}

/// Write-Host and Write-Output take every positional argument after the first too, as one
/// array: Write-Host joins them, Write-Output passes each on by itself.
#[test]
fn write_host_and_write_output_take_the_remaining_positional_arguments_as_an_array() {
    let dir = contoso(4);
    let host = shell_ok(dir.path(), "Write-Host Unlocking the mailboxes; Write-Host a b,c -Separator '+'");
    assert_eq!(host, "Unlocking the mailboxes\na+b+c\n");
    let output = shell_ok(dir.path(), "Write-Output tony TONY@contoso.com | Get-UMMailboxPIN | ForEach-Object UserID");
    assert_eq!(output, "tony@contoso.com\ntony@contoso.com\n");
    let counted = shell_ok(dir.path(), "(Write-Output 1 2 3 | Measure-Object).Count");
    assert_eq!(counted, "3\n");
    let after_named = shell_ok(dir.path(), "Write-Host -Separator ', ' one two three");
    assert_eq!(after_named, "one, two, three\n");
    assert_fails_in_one_sentence(
        &shell(dir.path(), "Get-UMMailboxPIN tony ellen"),
        "A positional parameter cannot be found that accepts argument 'ellen'",
    );
}

#[test]
fn a_variable_that_was_never_set_is_named_in_the_error() {
    let dir = contoso(4);
    let out = shell(dir.path(), "Set-UMMailboxPIN tony -PINExpired $ture");
    assert_fails_in_one_sentence(&out, "'$ture'");
    assert!(stderr(&out).starts_with("Set-UMMailboxPIN : ") && stderr(&out).contains("$true"), "{}", stderr(&out));
    let expression = shell(dir.path(), "$nothing.Name");
    assert_fails_in_one_sentence(&expression, "'$nothing'");
}

#[test]
fn variables_set_on_one_line_are_used_on_the_next_in_a_script() {
    let dir = contoso(4);
    let script = dir.path().join("unlock.ps1");
    std::fs::write(
        &script,
        "$pin = Get-UMMailboxPIN tony\n$who = $pin.UserID\n$locked = $false\nSet-UMMailboxPIN $who -LockedOut $locked\n$who\n",
    )
    .unwrap();
    let out = super::umpin(dir.path(), &["shell", script.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "tony@contoso.com\n");
}

#[test]
fn get_help_shows_the_detail_asked_for() {
    let dir = contoso(0);
    let brief = shell_ok(dir.path(), "Get-Help Set-UMMailboxPIN");
    assert!(brief.contains("SYNTAX") && brief.contains("Get-Help Set-UMMailboxPIN -Examples"), "{brief}");
    assert!(!brief.contains("Required?") && !brief.contains("EXAMPLE 1"), "{brief}");
    let examples = shell_ok(dir.path(), "Get-Help Set-UMMailboxPIN -Examples");
    assert!(
        examples.contains("EXAMPLE 2") && !examples.contains("SYNTAX") && !examples.contains("-SendEmail <"),
        "{examples}"
    );
    let detailed = shell_ok(dir.path(), "Get-Help Set-UMMailboxPIN -Detailed");
    assert!(detailed.contains("-SendEmail <Boolean>") && detailed.contains("EXAMPLE 1"), "{detailed}");
    assert!(!detailed.contains("Required?"), "{detailed}");
    let full = shell_ok(dir.path(), "Get-Help Set-UMMailboxPIN -Full");
    assert!(
        full.contains("Accept pipeline input?       true (ByValue, ByPropertyName)") && full.contains("EXAMPLE 2"),
        "{full}"
    );
    let one = shell_ok(dir.path(), "Get-Help Set-UMMailboxPIN -Parameter LockedOut");
    assert!(
        one.starts_with("\n    -LockedOut <Boolean>") && one.contains("Required?") && !one.contains("-Pin <"),
        "{one}"
    );
    let every = shell_ok(dir.path(), "Get-Help Set-UMMailboxPIN -Parameter *");
    assert_eq!(every.matches("Required?").count(), 8, "{every}");
    assert_fails_in_one_sentence(&shell(dir.path(), "Get-Help Set-UMMailboxPIN -Parameter Bogus"), "'Bogus'");
    let asked = shell_ok(dir.path(), "Set-UMMailboxPIN -?");
    assert_eq!(asked, brief, "-? shows the same page as Get-Help, and runs nothing");
}

#[test]
fn get_help_about_topics_explain_the_language() {
    let dir = contoso(0);
    let topics = shell_ok(dir.path(), "Get-Help about_*");
    for topic in [
        "about_Pipelines",
        "about_Automatic_Variables",
        "about_Comparison_Operators",
        "about_Wildcards",
        "about_Variables",
    ] {
        assert!(topics.contains(topic), "{topic}: {topics}");
    }
    assert!(topics.contains("HelpFile"), "{topics}");
    let wildcards = shell_ok(dir.path(), "Get-Help about_wildcards");
    assert!(wildcards.contains("[a-m]") && wildcards.contains("Format-List"), "{wildcards}");
    let dollar = shell_ok(dir.path(), "help about_Automatic_Variables");
    assert!(dollar.contains("$_"), "{dollar}");
    assert_fails_in_one_sentence(&shell(dir.path(), "Get-Help about_Nothing"), "about_*");
}

#[test]
fn get_command_filters_by_verb_noun_and_wildcards() {
    let dir = contoso(0);
    let names = |pipeline: &str| shell_ok(dir.path(), &format!("{pipeline} | ForEach-Object Name"));
    assert_eq!(names("Get-Command -Noun UMMailboxPIN"), "Get-UMMailboxPIN\nSet-UMMailboxPIN\n");
    assert_eq!(names("Get-Command -Verb Enable"), "Enable-UMMailbox\n");
    assert_eq!(
        names("Get-Command -Verb Get -Noun UMMailbox*"),
        "Get-UMMailbox\nGet-UMMailboxPIN\nGet-UMMailboxPolicy\n"
    );
    assert_eq!(names("Get-Command G?t-UMDial*"), "Get-UMDialPlan\n");
    let table = shell_ok(dir.path(), "Get-Command Get-UMDialPlan");
    assert!(table.contains("CommandType Name           Source\n"), "{table}");
    let syntax = shell_ok(dir.path(), "Get-Command Get-UMMailboxPIN -Syntax");
    assert!(syntax.contains("Get-UMMailboxPIN [[-Identity] <String>]"), "{syntax}");
    assert_fails_in_one_sentence(&shell(dir.path(), "Get-Command Get-Nothing"), "'Get-Nothing'");
}

/// The interactive shell in a pseudo-terminal: a line left open continues after `>> `, a
/// variable set on one line is used on the next, a missing mandatory parameter is asked for, and
/// `NO_COLOR` keeps errors plain.
#[test]
fn the_interactive_shell_continues_after_the_continuation_prompt_keeps_variables_and_asks_for_what_is_missing() {
    let dir = contoso(4);
    let home = tempfile::tempdir().unwrap();
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_umpin"));
    command
        .arg("--data-dir")
        .arg(dir.path())
        .arg("shell")
        .env("HOME", home.path())
        .env("NO_COLOR", "1")
        .env_remove("XDG_DATA_HOME");
    let mut session = rexpect::session::spawn_command(command, Some(20_000)).unwrap();
    session.exp_string("[PS] umpin> ").unwrap();
    session.send_line("Get-UMMailboxPIN |").unwrap();
    session.exp_string(">> ").unwrap();
    session.send_line("Select-Object UserID,LockedOut").unwrap();
    session.exp_string("tony@contoso.com False").unwrap();
    session.exp_string("[PS] umpin> ").unwrap();
    session.send_line("$who = Get-UMMailboxPIN tony").unwrap();
    session.exp_string("[PS] umpin> ").unwrap();
    session.send_line("Set-UMMailboxPIN $who.UserID -LockedOut $true").unwrap();
    let locked = session.exp_string("[PS] umpin> ").unwrap();
    assert!(!locked.contains(" : "), "the variable's property is the identity: {locked:?}");
    session.send_line("(Get-UMMailboxPIN tony).LockedOut").unwrap();
    session.exp_string("True").unwrap();
    session.exp_string("[PS] umpin> ").unwrap();
    session.send_line("Set-UMMailboxPIN -LockedOut $false").unwrap();
    session
        .exp_string(
            "cmdlet Set-UMMailboxPIN at command pipeline position 1\r\nSupply values for the following parameters:",
        )
        .unwrap();
    session.exp_string("Identity: ").unwrap();
    session.send_line("tony").unwrap();
    session.exp_string("[PS] umpin> ").unwrap();
    session.send_line("Set-UMMailboxPIN -PINExpired $ture").unwrap();
    let shown = session.exp_string("[PS] umpin> ").unwrap();
    assert!(shown.contains("'$ture'") && !shown.contains("\x1b[31m"), "{shown:?}");
    session.send_line("exit").unwrap();
    session.exp_eof().unwrap();
    let locked = shell_ok(dir.path(), "(Get-UMMailboxPIN tony).LockedOut");
    assert_eq!(locked, "False\n", "the prompted Identity unlocked tony");
    let history = std::fs::read_to_string(home.path().join(".local/share/umpin/shell_history")).unwrap();
    // The line editor keeps a statement of several lines as one entry, its line breaks escaped.
    assert!(history.contains("Get-UMMailboxPIN |\\nSelect-Object UserID,LockedOut"), "{history:?}");
}

/// `umpin shell --server` names why it can't reach a server, one cause per sentence.
#[test]
fn the_remote_shell_names_why_a_server_cant_be_reached() {
    let config = tempfile::tempdir().unwrap();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let refused =
        super::remote::remote(&format!("http://{closed}"), "admin", Some("x"), config.path(), "Get-UMMailboxPIN");
    assert_fails_in_one_sentence(&refused, "the connection was refused");
    let unknown =
        super::remote::remote("https://umpin-nowhere.invalid", "admin", Some("x"), config.path(), "Get-UMMailboxPIN");
    assert_fails_in_one_sentence(&unknown, "umpin-nowhere.invalid can't be found (DNS)");
    // A plain HTTP server answers the TLS greeting with an HTTP error.
    let plain = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = plain.local_addr().unwrap();
    std::thread::spawn(move || {
        use std::io::{Read, Write};
        for mut stream in plain.incoming().flatten() {
            let _ = stream.read(&mut [0; 1024]);
            let _ = stream.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        }
    });
    let tls =
        super::remote::remote(&format!("https://{address}"), "admin", Some("x"), config.path(), "Get-UMMailboxPIN");
    assert_fails_in_one_sentence(&tls, "doesn't answer in TLS");
}

/// A wrong password and an expired saved sign-in are told apart, and a password typed at the
/// prompt is asked for again, three times in all.
#[test]
fn the_remote_shell_tells_a_wrong_password_from_an_expired_sign_in_and_asks_three_times() {
    let dir = tempfile::tempdir().unwrap();
    let config = tempfile::tempdir().unwrap();
    assert!(super::umpin(dir.path(), &["demo", "--no-serve"]).status.success());
    shell_ok(dir.path(), "New-ManagementAccount umadmin -Password 'um admin password 1'");
    shell_ok(dir.path(), "Add-RoleGroupMember 'UM Management' -Member umadmin");
    let server = super::serve::Serving::start(dir.path(), &[("UMPIN_SERVER__LISTEN", "127.0.0.1:0")]);
    let wrong =
        super::remote::remote(&server.url, "umadmin", Some("not the password"), config.path(), "Get-UMMailboxPIN");
    assert_fails_in_one_sentence(&wrong, "The user name or password is wrong");

    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_umpin"));
    command
        .args(["shell", "--server", &server.url, "--user", "umadmin"])
        .env("XDG_CONFIG_HOME", config.path())
        .env("HOME", config.path())
        .env_remove("UMPIN_PASSWORD");
    let mut session = rexpect::session::spawn_command(command, Some(30_000)).unwrap();
    // What the terminal shows after each typed password: never the password, which is read
    // without echo (as the shell reads a secret parameter it asks for).
    let mut shown = String::new();
    for _ in 0..2 {
        session.exp_string("Password for umadmin at ").unwrap();
        session.send_line("not the password").unwrap();
        shown += &session.exp_string("The user name or password is wrong. Try again.").unwrap();
    }
    session.exp_string("Password for umadmin at ").unwrap();
    session.send_line("um admin password 1").unwrap();
    shown += &session.exp_string("[PS] umpin> ").unwrap();
    assert!(!shown.contains("not the password") && !shown.contains("um admin password"), "{shown:?}");
    session.send_line("exit").unwrap();
    session.exp_eof().unwrap();

    // The kept token stops working when the account's password changes.
    shell_ok(dir.path(), "Set-ManagementAccount umadmin -Password 'um admin password 2'");
    let expired = super::remote::remote(&server.url, "umadmin", None, config.path(), "Get-UMMailboxPIN");
    assert!(!expired.status.success());
    assert!(stderr(&expired).contains("Your saved sign-in to"), "{}", stderr(&expired));
    assert!(!stderr(&expired).contains("password is wrong"), "{}", stderr(&expired));
}

#[test]
fn help_names_every_environment_variable_an_option_reads() {
    let dir = tempfile::tempdir().unwrap();
    let top = stdout(&super::umpin(dir.path(), &["--help"]));
    for variable in ["UMPIN_DATA_DIR", "UMPIN_DATABASE_URL", "UMPIN_CONFIG"] {
        assert!(top.contains(&format!("[env: {variable}")), "{variable}: {top}");
    }
    for command in ["serve", "demo"] {
        let help = stdout(&super::umpin(dir.path(), &[command, "--help"]));
        assert!(help.contains("[env: UMPIN_SERVER__LISTEN"), "{command}: {help}");
    }
    let shell = stdout(&super::umpin(dir.path(), &["shell", "--help"]));
    for variable in ["UMPIN_PASSWORD", "COLUMNS", "NO_COLOR", "XDG_DATA_HOME", "XDG_CONFIG_HOME"] {
        assert!(shell.contains(variable), "{variable}: {shell}");
    }
}

#[test]
fn errors_carry_no_colour_codes_when_standard_error_is_not_a_terminal() {
    let dir = contoso(0);
    let out = shell(dir.path(), "Get-UMMailboxPIN nobody");
    assert!(!out.status.success());
    assert!(!stderr(&out).contains('\x1b'), "{:?}", stderr(&out));
    let logged = super::umpin_with_env(dir.path(), &[("UMPIN_LOG", "debug")], &["shell", "-c", "Get-UMDialPlan"]);
    assert!(stderr(&logged).contains("DEBUG"), "the logs were written");
    assert!(!stderr(&logged).contains('\x1b'), "no colour codes in logs off a terminal");
}

#[test]
fn the_demo_prints_commands_that_run_from_where_the_user_stands() {
    let dir = tempfile::tempdir().unwrap();
    let out = super::umpin_with_env(dir.path(), &[("PATH", "/usr/bin:/bin")], &["demo", "--no-serve"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let line = text.lines().find(|l| l.starts_with("To sign in to a later")).unwrap_or_else(|| panic!("{text}"));
    // umpin isn't on that PATH, so the demo names the binary by its path.
    let binary = env!("CARGO_BIN_EXE_umpin");
    assert!(line.contains(&format!("`{binary} serve`")), "{line}");
    assert!(line.contains("Set-ManagementAccount admin -Password"), "{line}");
    let shell = line.split('`').nth(3).unwrap_or_else(|| panic!("{line}"));
    let command: Vec<String> = shell.split(' ').map(|w| w.trim_matches('\'').to_owned()).collect();
    let run = std::process::Command::new(&command[0])
        .args(&command[1..])
        .args(["-c", "Get-ManagementAccount admin | ForEach-Object Name"])
        .output()
        .unwrap();
    assert_eq!(stdout(&run), "admin\n", "the printed shell command works: {}", stderr(&run));
}

#[test]
fn the_demo_on_a_busy_port_fails_before_building_anything_and_names_the_demo() {
    let dir = tempfile::tempdir().unwrap();
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = busy.local_addr().unwrap().to_string();
    let out = super::umpin(dir.path(), &["demo", "--listen", &address]);
    assert_fails_in_one_sentence(&out, "umpin demo can't listen on");
    assert!(!stdout(&out).contains("contoso.com"), "nothing was built: {}", stdout(&out));
}

/// Tab completes identities in the interactive shell: mailbox addresses by prefix, policy and
/// dial plan names, on the data directory and on a server.
#[test]
fn tab_completes_mailbox_addresses_policy_and_dial_plan_names_locally_and_remotely() {
    let dir = contoso(4);
    let complete = |session: &mut rexpect::session::PtySession| {
        session.exp_string("[PS] umpin> ").unwrap();
        session.send("Get-UMMailboxPIN -Identity to").unwrap();
        session.send("\t").unwrap();
        session.send_line("").unwrap();
        session.exp_string("tony@contoso.com True").unwrap();
    };
    let home = tempfile::tempdir().unwrap();
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_umpin"));
    command.arg("--data-dir").arg(dir.path()).arg("shell").env("HOME", home.path()).env_remove("XDG_DATA_HOME");
    let mut session = rexpect::session::spawn_command(command, Some(20_000)).unwrap();
    complete(&mut session);
    session.exp_string("[PS] umpin> ").unwrap();
    session.send("Get-UMMailboxPolicy -UMDialPlan My").unwrap();
    session.send("\t").unwrap();
    session.send_line(" | Measure-Object").unwrap();
    session.exp_string("Count : 2").unwrap();
    session.exp_string("[PS] umpin> ").unwrap();
    session.send("Get-UMMailboxPolicy 'MyUMDialPlan D").unwrap();
    session.send("\t").unwrap();
    session.send_line(" | Measure-Object").unwrap();
    session.exp_string("Count : 1").unwrap();
    session.exp_string("[PS] umpin> ").unwrap();
    session.send_line("exit").unwrap();
    session.exp_eof().unwrap();

    shell_ok(dir.path(), "New-ManagementAccount umadmin -Password 'um admin password 1'");
    shell_ok(dir.path(), "Add-RoleGroupMember 'UM Management' -Member umadmin");
    let server = super::serve::Serving::start(dir.path(), &[("UMPIN_SERVER__LISTEN", "127.0.0.1:0")]);
    let config = tempfile::tempdir().unwrap();
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_umpin"));
    command
        .args(["shell", "--server", &server.url, "--user", "umadmin"])
        .env("XDG_CONFIG_HOME", config.path())
        .env("HOME", home.path())
        .env("UMPIN_PASSWORD", "um admin password 1");
    let mut session = rexpect::session::spawn_command(command, Some(20_000)).unwrap();
    complete(&mut session);
    session.exp_string("[PS] umpin> ").unwrap();
    session.send_line("exit").unwrap();
    session.exp_eof().unwrap();
}

/// The README's code blocks, in order: the word after the opening fence (empty for none) and
/// the text, read from the README itself, so that what a reader sees is what is run.
fn readme_blocks() -> Vec<(String, String)> {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md")).unwrap();
    let mut blocks = Vec::new();
    let mut open: Option<(String, String)> = None;
    for line in readme.lines() {
        match (open.take(), line.strip_prefix("```")) {
            (None, Some(language)) => open = Some((language.trim().to_owned(), String::new())),
            (Some(block), Some(_)) => blocks.push(block),
            (Some((language, mut text)), None) => {
                text.push_str(line);
                text.push('\n');
                open = Some((language, text));
            }
            (None, None) => {}
        }
    }
    blocks
}

/// A README example as a reader runs it: `cargo run --release --` is the built umpin, which is
/// on the `PATH`; `SERVER=` is given the address the demo announced.
fn run_readme_example(dir: &std::path::Path, example: &str, server: Option<&str>) -> std::process::Output {
    let binary = std::path::Path::new(env!("CARGO_BIN_EXE_umpin"));
    let path = format!("{}:{}", binary.parent().unwrap().display(), std::env::var("PATH").unwrap_or_default());
    let script = example
        .lines()
        .map(|l| match server {
            Some(url) if l.starts_with("SERVER=") => format!("SERVER={url}"),
            _ => l.replace("cargo run --release --", "umpin"),
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::process::Command::new("bash")
        .args(["-euo", "pipefail", "-c", &script])
        .current_dir(dir)
        .env("PATH", path)
        .env_remove("UMPIN_DATA_DIR")
        .env_remove("UMPIN_CONFIG")
        .env_remove("UMPIN_DATABASE_URL")
        .env_remove("UMPIN_PASSWORD")
        .output()
        .unwrap()
}

/// The demo serving from `dir`, stopped however the test ends.
/// `umpin demo` serving on a free loopback port from `dir`, killed when dropped.
pub(crate) struct Demo {
    child: std::process::Child,
    pub(crate) url: String,
    /// What it printed before it served.
    pub(crate) printed: Vec<String>,
}

impl Demo {
    fn start(dir: &std::path::Path) -> Demo {
        Demo::start_with(dir, &[])
    }

    /// `umpin demo` with `options` as well.
    pub(crate) fn start_with(dir: &std::path::Path, options: &[&str]) -> Demo {
        use std::io::BufRead;
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_umpin"))
            .args(["demo", "--listen", "127.0.0.1:0"])
            .args(options)
            .current_dir(dir)
            .env_remove("UMPIN_DATA_DIR")
            .env_remove("UMPIN_CONFIG")
            .env_remove("UMPIN_DATABASE_URL")
            .env_remove("UMPIN_LOG")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
        let mut demo = Demo { child, url: String::new(), printed: Vec::new() };
        demo.url = loop {
            let line = lines.next().expect("the demo announces its address").unwrap();
            if let Some(rest) = line.strip_prefix("Serving contoso.com on ") {
                break rest.split_whitespace().next().unwrap().to_owned();
            }
            demo.printed.push(line);
        };
        demo
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Every README example that calls the API with curl, run as printed against one fresh demo, in
/// the README's order; each `# → ` line without an ellipsis is what the command before it prints.
#[test]
fn the_readme_curl_examples_run_against_the_demo_as_printed() {
    let examples: Vec<String> =
        readme_blocks().into_iter().filter(|(l, t)| l == "sh" && t.contains("curl ")).map(|(_, t)| t).collect();
    assert!(examples.len() >= 2, "the README has the voice-access and the Help Desk examples");
    let dir = tempfile::tempdir().unwrap();
    let demo = Demo::start(dir.path());
    for example in examples {
        let run = run_readme_example(dir.path(), &example, Some(&demo.url));
        assert!(run.status.success(), "{example}\n{}{}", stdout(&run), stderr(&run));
        let printed: String = stdout(&run).split_whitespace().collect();
        for expected in example.lines().filter_map(|l| l.strip_prefix("# → ")).filter(|l| !l.contains('…')) {
            let expected: String = expected.split_whitespace().collect();
            assert!(printed.contains(&expected), "{example}\nprinted: {}", stdout(&run));
        }
    }
}

/// The README's shell examples, run as printed against a fresh demo: the `-c` command prints the
/// table shown after it, each block of cmdlets runs without an error (with the README's
/// `users.csv`), and setting up an empty installation works in an empty directory.
#[test]
fn the_readme_shell_examples_run_against_a_fresh_demo_as_printed() {
    let blocks = readme_blocks();
    let dir = tempfile::tempdir().unwrap();
    assert!(run_readme_example(dir.path(), "umpin demo --no-serve", None).status.success());

    let one = blocks.iter().position(|(l, t)| l == "sh" && t.contains("-- shell -c ")).expect("a -c example");
    let run = run_readme_example(dir.path(), &blocks[one].1, None);
    assert!(run.status.success(), "{}", stderr(&run));
    let (language, shown) = &blocks[one + 1];
    assert_eq!(language, "", "the example's output follows it");
    assert_eq!(stdout(&run).trim(), shown.trim());

    let (_, users) = blocks.iter().find(|(l, _)| l == "csv").expect("the README's users.csv");
    std::fs::write(dir.path().join("users.csv"), users).unwrap();
    let cmdlets: Vec<&String> = blocks.iter().filter(|(l, _)| l == "powershell").map(|(_, t)| t).collect();
    assert!(cmdlets.len() >= 2, "the walkthrough and the accounts");
    for example in cmdlets {
        std::fs::write(dir.path().join("example.ps1"), example).unwrap();
        let run = run_readme_example(dir.path(), "umpin shell example.ps1", None);
        assert!(run.status.success() && stderr(&run).is_empty(), "{example}\n{}", stderr(&run));
    }
    let walked =
        shell_in(dir.path(), "(Get-UMMailboxPIN pat@contoso.com).PinExpired; (Get-UMMailboxPIN david).LockedOut");
    assert_eq!(walked, "True\nFalse\n", "pat's PIN was reset and david unlocked");

    let empty = tempfile::tempdir().unwrap();
    let (_, setup) = blocks.iter().find(|(l, t)| l == "sh" && t.contains("-- init")).expect("the set-up example");
    let run = run_readme_example(empty.path(), setup, None);
    assert!(run.status.success(), "{setup}\n{}", stderr(&run));
    assert!(empty.path().join("umpin-data/umpin.db").exists());
}

/// Runs a pipeline in the shell of the demo in `dir` (its `./umpin-data`), which must succeed.
fn shell_in(dir: &std::path::Path, pipeline: &str) -> String {
    let run = run_readme_example(dir, &format!("umpin shell -c '{pipeline}'"), None);
    assert!(run.status.success(), "{}", stderr(&run));
    stdout(&run)
}

#[test]
fn a_missing_mandatory_parameter_stays_an_error_outside_the_interactive_shell() {
    let dir = contoso(4);
    let out = shell(dir.path(), "Set-UMMailboxPIN -LockedOut $false");
    assert_fails_in_one_sentence(&out, "missing mandatory parameters: Identity");
    assert!(!stdout(&out).contains("Supply values"), "{}", stdout(&out));
}
