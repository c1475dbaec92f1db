//! `umpin shell`: the management shell on the data directory, run as the local administrator.
//! `-c "<pipeline>"` and a script file run non-interactively and fail when any command failed;
//! without either, an interactive prompt with history.

use std::io::{IsTerminal, Write};
use std::path::Path;

use umpin_shell::backend::Backend;
use umpin_shell::run::{Answer, Console, Shell};

/// The terminal: output on stdout; errors and warnings on stderr, in red and yellow when it is a
/// terminal and `NO_COLOR` isn't set; a progress line when it is a terminal.
struct Terminal {
    /// Standard error is a terminal: the progress line.
    terminal: bool,
    /// Errors and warnings in colour.
    colour: bool,
    /// Whether confirmation prompts can be answered (the interactive shell).
    interactive: bool,
}

impl Terminal {
    fn new(interactive: bool) -> Terminal {
        Terminal { terminal: std::io::stderr().is_terminal(), colour: crate::stderr_colours(), interactive }
    }

    /// A line of standard error: over the progress line on a terminal, in `colour` (an SGR code)
    /// when colours are on.
    fn line(&self, text: &str, colour: &str) -> String {
        let clear = if self.terminal { "\r\x1b[K" } else { "" };
        if self.colour { format!("{clear}\x1b[{colour}m{text}\x1b[0m\n") } else { format!("{clear}{text}\n") }
    }
}

impl Console for Terminal {
    fn output(&mut self, text: &str) {
        let _ = std::io::stdout().write_all(text.as_bytes());
    }

    fn error(&mut self, text: &str) {
        let line = self.line(text, "31");
        let _ = std::io::stderr().write_all(line.as_bytes());
    }

    fn warning(&mut self, text: &str) {
        let line = self.line(text, "33");
        let _ = std::io::stderr().write_all(line.as_bytes());
    }

    fn progress(&mut self, status: Option<&str>) {
        if self.terminal {
            // One line, rewritten in place, then erased.
            let line = format!("\r\x1b[K{}", status.unwrap_or_default());
            let _ = std::io::stderr().write_all(line.as_bytes());
        }
    }

    fn interactive(&self) -> bool {
        self.interactive
    }

    fn ask(&mut self, prompt: &str, secret: bool) -> Option<String> {
        if secret {
            // Without echo, so the PIN or password never shows on the screen.
            return rpassword::prompt_password(prompt).ok();
        }
        let mut out = std::io::stdout();
        let _ = out.write_all(prompt.as_bytes());
        let _ = out.flush();
        let mut reply = String::new();
        match std::io::stdin().read_line(&mut reply) {
            Ok(0) | Err(_) => None,
            Ok(_) => Some(reply.trim_end_matches(['\r', '\n']).to_owned()),
        }
    }

    fn confirm(&mut self, question: &str) -> Option<Answer> {
        if !self.interactive {
            return None;
        }
        loop {
            let mut out = std::io::stdout();
            let _ = out.write_all(question.as_bytes());
            let _ = out.flush();
            let mut reply = String::new();
            // End of input answers "No": nothing is changed without a yes.
            if std::io::stdin().read_line(&mut reply).unwrap_or(0) == 0 {
                return Some(Answer::No);
            }
            if let Some(answer) = Answer::parse(&reply) {
                return Some(answer);
            }
        }
    }
}

/// The largest script file `umpin shell FILE` reads.
const MAX_SCRIPT_BYTES: u64 = 1 << 20;

fn shell(backend: Backend, interactive: bool) -> Shell<Terminal> {
    let mut shell = Shell::new(backend, Terminal::new(interactive));
    if let Some(width) = std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok()) {
        shell.width = width;
    }
    shell
}

/// Runs `-c` text; `Ok(false)` when a command failed.
pub async fn command(backend: Backend, text: &str) -> bool {
    shell(backend, false).run(text).await
}

/// Runs a script file; `Ok(false)` when a command failed.
pub async fn script(backend: Backend, path: &Path) -> anyhow::Result<bool> {
    let size = std::fs::metadata(path)
        .map_err(|e| anyhow::anyhow!("The script {} can't be read ({e}). Check the path.", path.display()))?
        .len();
    if size > MAX_SCRIPT_BYTES {
        anyhow::bail!("The script {} is larger than 1 MiB. Split it into smaller scripts.", path.display());
    }
    let text = std::fs::read_to_string(path)
        .map_err(|e| anyhow::anyhow!("The script {} can't be read as UTF-8 text ({e}).", path.display()))?;
    Ok(shell(backend, false).run(&text).await)
}

/// The line editor's helper: Tab completion from the cmdlet registry, and of identities from the
/// backend the shell runs its cmdlets on.
struct Editing {
    backend: Backend,
    runtime: tokio::runtime::Handle,
}

impl rustyline::completion::Completer for Editing {
    type Candidate = String;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &rustyline::Context<'_>,
    ) -> rustyline::Result<(usize, Vec<String>)> {
        use umpin_shell::complete::{complete, identities, identity_request};
        if let Some(request) = identity_request(line, pos) {
            // The line editor asks synchronously; the lookup waits on the runtime's other threads.
            let found = tokio::task::block_in_place(|| self.runtime.block_on(identities(&self.backend, &request)));
            return Ok((request.start, found));
        }
        Ok(complete(line, pos))
    }
}

impl rustyline::validate::Validator for Editing {}

impl rustyline::hint::Hinter for Editing {
    type Hint = String;
}

impl rustyline::highlight::Highlighter for Editing {}

impl rustyline::Helper for Editing {}

/// Where the history is kept: `$XDG_DATA_HOME/umpin/shell_history`, else
/// `~/.local/share/umpin/shell_history`; `None` when neither is known.
fn history_file() -> Option<std::path::PathBuf> {
    let base = std::env::var_os("XDG_DATA_HOME")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".local/share")))?;
    Some(base.join("umpin").join("shell_history"))
}

/// The interactive shell: a prompt with history and completion until `exit` or end of input.
/// Lines that hold a PIN are run but never written to the history.
pub async fn interactive(backend: Backend) -> anyhow::Result<bool> {
    use rustyline::error::ReadlineError;

    let mut editor: rustyline::Editor<Editing, rustyline::history::DefaultHistory> = rustyline::Editor::new()
        .map_err(|e| anyhow::anyhow!("The interactive shell can't use this terminal ({e})."))?;
    editor.set_helper(Some(Editing { backend: backend.clone(), runtime: tokio::runtime::Handle::current() }));
    let history = history_file();
    if let Some(file) = &history {
        let _ = editor.load_history(file);
    }
    let mut shell = shell(backend, true);
    say_banner();
    loop {
        match editor.readline("[PS] umpin> ") {
            Ok(first) => {
                let trimmed = first.trim();
                if trimmed.eq_ignore_ascii_case("exit") {
                    break;
                }
                if trimmed.is_empty() {
                    continue;
                }
                let Some(statement) = continued(&mut editor, first)? else { continue };
                if !umpin_shell::complete::mentions_secret(&statement) {
                    let _ = editor.add_history_entry(statement.as_str());
                }
                shell.run(&statement).await;
            }
            Err(ReadlineError::Interrupted) => continue,
            Err(ReadlineError::Eof) => break,
            Err(e) => anyhow::bail!("The interactive shell stopped reading input ({e})."),
        }
    }
    if let Some(file) = &history {
        save_history(&mut editor, file);
    }
    Ok(shell.errors == 0)
}

/// The rest of a statement that the first line left open (a quote, a bracket or a trailing `|`),
/// read after the continuation prompt `>> ` as PowerShell does; an empty line ends it early (the
/// parser then says what is missing). `None` when Ctrl-C abandoned it.
fn continued(
    editor: &mut rustyline::Editor<Editing, rustyline::history::DefaultHistory>,
    mut statement: String,
) -> anyhow::Result<Option<String>> {
    use rustyline::error::ReadlineError;

    while umpin_shell::is_incomplete(&statement) {
        match editor.readline(">> ") {
            Ok(line) if line.trim().is_empty() => break,
            Ok(line) => {
                statement.push('\n');
                statement.push_str(&line);
            }
            Err(ReadlineError::Interrupted) => return Ok(None),
            Err(ReadlineError::Eof) => break,
            Err(e) => anyhow::bail!("The interactive shell stopped reading input ({e})."),
        }
    }
    Ok(Some(statement))
}

fn say_banner() {
    let _ = std::io::stdout().write_all(
        b"umpin management shell. Get-Command lists the cmdlets, Get-Help <cmdlet> explains one; exit leaves.\n",
    );
}

/// Saves the history file, readable by its owner only.
fn save_history(editor: &mut rustyline::Editor<Editing, rustyline::history::DefaultHistory>, file: &Path) {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    if let Some(dir) = file.parent() {
        let _ = std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir);
    }
    if editor.save_history(file).is_ok() {
        let _ = std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o600));
    }
}
