//! `umpin shell`: the management shell on the data directory, run as the local administrator.
//! `-c "<pipeline>"` and a script file run non-interactively and fail when any command failed;
//! without either, an interactive prompt with history.

use std::io::{IsTerminal, Write};
use std::path::Path;

use umpin_service::{Principal, Service};
use umpin_shell::local::Local;
use umpin_shell::run::{Console, Shell};

/// The terminal: output on stdout; errors (red) and warnings (yellow) on stderr when it is a
/// terminal, plain otherwise.
struct Terminal {
    colour: bool,
}

impl Console for Terminal {
    fn output(&mut self, text: &str) {
        let _ = std::io::stdout().write_all(text.as_bytes());
    }

    fn error(&mut self, text: &str) {
        let line = if self.colour { format!("\x1b[31m{text}\x1b[0m\n") } else { format!("{text}\n") };
        let _ = std::io::stderr().write_all(line.as_bytes());
    }

    fn warning(&mut self, text: &str) {
        let line = if self.colour { format!("\x1b[33m{text}\x1b[0m\n") } else { format!("{text}\n") };
        let _ = std::io::stderr().write_all(line.as_bytes());
    }
}

/// The largest script file `umpin shell FILE` reads.
const MAX_SCRIPT_BYTES: u64 = 1 << 20;

fn shell(service: Service) -> Shell<Terminal> {
    let mut shell = Shell::new(
        Local::new(service, Principal::local_administrator()),
        Terminal { colour: std::io::stderr().is_terminal() },
    );
    if let Some(width) = std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok()) {
        shell.width = width;
    }
    shell
}

/// Runs `-c` text; `Ok(false)` when a command failed.
pub async fn command(service: Service, text: &str) -> bool {
    shell(service).run(text).await
}

/// Runs a script file; `Ok(false)` when a command failed.
pub async fn script(service: Service, path: &Path) -> anyhow::Result<bool> {
    let size = std::fs::metadata(path)
        .map_err(|e| anyhow::anyhow!("The script {} can't be read ({e}). Check the path.", path.display()))?
        .len();
    if size > MAX_SCRIPT_BYTES {
        anyhow::bail!("The script {} is larger than 1 MiB. Split it into smaller scripts.", path.display());
    }
    let text = std::fs::read_to_string(path)
        .map_err(|e| anyhow::anyhow!("The script {} can't be read as UTF-8 text ({e}).", path.display()))?;
    Ok(shell(service).run(&text).await)
}
