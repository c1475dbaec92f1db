//! `umpin-bench bench`: the figures B1 to B5 of umpin, each beside its floor measured in the same
//! run, on a data directory seeded with many UM mailboxes; `umpin-bench directory`: times `umpin
//! directory sync` from a local slapd (see [`directory_sync`]).
//!
//! It needs the release `umpin` and `umpin-floor` binaries beside itself (`cargo build --release
//! -p umpin -p umpin-bench` builds all three); it builds nothing while it runs. It creates a data
//! directory with `umpin init`, seeds it in bulk (module [`seed`]), then measures:
//! - **B1**, PIN information by identity: `GET /api/v1/mailboxes/{identity}/um/pin` of random
//!   seeded mailboxes on `umpin serve`, loopback load at 16 keep-alive connections (module
//!   [`load`]), requests per second, p50 and p99, interleaved round by round with the same load on
//!   `umpin-floor` (a minimal axum endpoint with the same bearer check and body size);
//! - **B2**, the whole PIN listing: `umpin shell -c "Get-UMMailboxPIN -ResultSize Unlimited |
//!   Measure-Object"`, the NDJSON listing over HTTP, and the admin center's PIN report with its
//!   CSV download, beside the `sqlite3` command reading the same rows with the same joins (when
//!   `sqlite3` is installed); also `GET /api/v1/um/pins` with a filter that few UM mailboxes
//!   match (`pinExpired=false`: one in 10,000) and one that almost all match, and the admin
//!   center's Recipients page beside the API's mailbox listing;
//! - **B3**, voice sign-ins per second from several callers at once (real PINs, each one Argon2
//!   verification), beside the bound the machine's cores put on them, measured in this run with
//!   the same parameters: every worker verifying at once, in rounds taking turns with the
//!   sign-ins, and cores ÷ the time of one verification;
//! - **B4**, the server's resident memory: after start, after each load, and its peak;
//! - **B5**, process start to output of `umpin shell -c "Get-UMMailboxPIN -Identity
//!   tony@contoso.com"`.
//!
//! With `--postgres URL` it also creates a database of its own on that server (dropped at the
//! end), seeds it alike and measures B1 against one `umpin serve` and against two on the same
//! database, beside the floor.

mod load;
mod seed;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use load::{Load, Outcome};
use tokio::runtime::Runtime;
use umpin_store::Database;

const RUNS: usize = 20;
/// Runs of each timed API request.
const API_RUNS: usize = 5;
/// The password of the data directory's first management account (a throw-away directory).
const PASSWORD: &str = "ledger-pumice-bench-77";
/// The key file `umpin init` writes in the data directory.
const KEY_FILE: &str = "umpin.key";
/// Mailboxes of a whole run, and of a `--quick` one.
const FULL: usize = 1_000_000;
const QUICK: usize = 100_000;
/// Concurrent seeding transactions on PostgreSQL (SQLite takes one writer).
const POSTGRES_WRITERS: usize = 4;

const USAGE: &str = "usage: umpin-bench bench [MAILBOXES | --quick] [--postgres URL] [--only B1,B2,B3,B5]
                 B1 to B5 at 1000000 UM mailboxes (--quick: 100000); with --postgres, B1 on a
                 database of its own on that PostgreSQL server too, one node and two; with
                 --only, just those figures (B4, the server's memory, is printed with any)
       umpin-bench directory [USERS]      a directory sync from a local slapd (default 100000)";

/// What the command line asks for.
#[derive(Debug, PartialEq, Eq)]
enum Run {
    Bench { mailboxes: usize, postgres: Option<String>, figures: Figures },
    Directory { users: usize },
}

/// Which of the figures a run measures (B4, the server's memory, goes with any of them).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Figures {
    b1: bool,
    b2: bool,
    b3: bool,
    b5: bool,
}

impl Figures {
    const ALL: Figures = Figures { b1: true, b2: true, b3: true, b5: true };

    /// `--only`'s list, such as `B2` or `B1,B3`.
    fn only(list: &str) -> anyhow::Result<Figures> {
        let mut figures = Figures { b1: false, b2: false, b3: false, b5: false };
        for name in list.split(',') {
            let figure = match name.trim().to_ascii_uppercase().as_str() {
                "B1" => &mut figures.b1,
                "B2" => &mut figures.b2,
                "B3" => &mut figures.b3,
                "B5" => &mut figures.b5,
                _ => anyhow::bail!("'{name}' isn't a figure of --only (B1, B2, B3, B5).\n{USAGE}"),
            };
            *figure = true;
        }
        Ok(figures)
    }

    /// Whether a server is started at all.
    fn serve(self) -> bool {
        self.b1 || self.b2 || self.b3
    }
}

/// The command line, without the program's name.
fn parse(args: &[String]) -> anyhow::Result<Run> {
    let number = |n: &str| n.parse::<usize>().map_err(|_| anyhow::anyhow!("'{n}' isn't a number.\n{USAGE}"));
    match args {
        [command, rest @ ..] if command == "bench" => {
            let (mut mailboxes, mut postgres, mut figures) = (None, None, None);
            let mut rest = rest.iter();
            while let Some(arg) = rest.next() {
                match arg.as_str() {
                    "--quick" if mailboxes.is_none() => mailboxes = Some(QUICK),
                    "--postgres" if postgres.is_none() => {
                        postgres = Some(
                            rest.next().ok_or_else(|| anyhow::anyhow!("--postgres needs a URL.\n{USAGE}"))?.clone(),
                        );
                    }
                    "--only" if figures.is_none() => {
                        figures = Some(Figures::only(
                            rest.next().ok_or_else(|| anyhow::anyhow!("--only needs figures.\n{USAGE}"))?,
                        )?);
                    }
                    n if mailboxes.is_none() && !n.starts_with('-') => mailboxes = Some(number(n)?),
                    other => anyhow::bail!("'{other}' isn't expected here.\n{USAGE}"),
                }
            }
            let mailboxes = mailboxes.unwrap_or(FULL);
            // B1 asks for random mailboxes and sizes the floor's body by user000001's answer.
            anyhow::ensure!(mailboxes >= 2, "A run needs at least 2 mailboxes.\n{USAGE}");
            Ok(Run::Bench { mailboxes, postgres, figures: figures.unwrap_or(Figures::ALL) })
        }
        [command] if command == "directory" => Ok(Run::Directory { users: 100_000 }),
        [command, n] if command == "directory" => Ok(Run::Directory { users: number(n)? }),
        _ => anyhow::bail!("{USAGE}"),
    }
}

/// Runs what the arguments ask; an error is printed as its message alone (a usage error or a
/// failed step is no crash of the tool, so no backtrace, whatever `RUST_BACKTRACE` says).
fn main() -> std::process::ExitCode {
    match measure() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("umpin-bench: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn measure() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let run_asked = parse(&args)?;
    let umpin = std::env::current_exe()?.with_file_name("umpin");
    let floor = std::env::current_exe()?.with_file_name("umpin-floor");
    for binary in [&umpin, &floor] {
        if !binary.exists() {
            anyhow::bail!(
                "{} is missing: build it first with `cargo build --release -p umpin -p umpin-bench`.",
                binary.display()
            );
        }
    }
    println!("load average at the start: {}", load_average());
    let dir = std::env::temp_dir().join(format!("umpin-bench-{}", std::process::id()));
    init(&umpin, &dir, None)?;
    let ran = match run_asked {
        Run::Bench { mailboxes, postgres, figures } => {
            bench(&umpin, &floor, &dir, mailboxes, postgres.as_deref(), figures)
        }
        Run::Directory { users } => directory_sync(&umpin, &dir, users),
    };
    std::fs::remove_dir_all(&dir)?;
    println!("load average at the end: {}", load_average());
    ran
}

/// The first three fields of `/proc/loadavg` (1, 5 and 15 minutes).
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".to_owned())
}

/// `umpin init` of a new data directory, on the database `database_url` when given (else the
/// directory's SQLite file).
fn init(umpin: &Path, dir: &Path, database_url: Option<&str>) -> anyhow::Result<()> {
    let password_file = dir.with_extension("password");
    write_password_file(&password_file)?;
    let file = password_file.display().to_string();
    let mut args = vec!["init", "--admin-password-file", &file];
    if let Some(url) = database_url {
        args.extend(["--database-url", url]);
    }
    let ran = run(umpin, dir, &args);
    std::fs::remove_file(&password_file)?;
    ran.map(drop)
}

/// B1 to B5 on `mailboxes` seeded UM mailboxes (see the module's list), or those of `figures`;
/// B1 on PostgreSQL too when a URL is given.
fn bench(
    umpin: &Path,
    floor_bin: &Path,
    dir: &Path,
    mailboxes: usize,
    postgres: Option<&str>,
    figures: Figures,
) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let started = Instant::now();
    runtime.block_on(async {
        let db = seed::sqlite_for_seeding(&dir.join("umpin.db")).await?;
        seed::seed(&db, &dir.join(KEY_FILE), mailboxes, 1).await?;
        db.close().await;
        anyhow::Ok(())
    })?;
    println!("seeded {mailboxes} UM mailboxes (SQLite) in {:.1} s", started.elapsed().as_secs_f64());

    if figures.b5 {
        let one = "Get-UMMailboxPIN -Identity tony@contoso.com";
        let times: Vec<Duration> = (0..RUNS).map(|_| timed(umpin, dir, one)).collect::<anyhow::Result<_>>()?;
        report(&format!("B5 umpin shell -c \"{one}\", start to output ({RUNS} runs; goal ≤ 50 ms)"), &times);
    }

    let shell = if figures.b2 {
        let all = "Get-UMMailboxPIN -ResultSize Unlimited | Measure-Object";
        let times: Vec<Duration> = (0..3).map(|_| timed(umpin, dir, all)).collect::<anyhow::Result<_>>()?;
        let shell = report(&format!("B2 umpin shell -c \"{all}\" at {mailboxes} UM mailboxes (3 runs)"), &times);
        let out = run(umpin, dir, &["shell", "-c", all])?;
        println!("  output: {}", out.split_whitespace().collect::<Vec<_>>().join(" "));
        Some(shell)
    } else {
        None
    };

    if figures.serve() {
        let server = Server::start(umpin, dir, None)?;
        server.print_memory("after start");
        let token = server.token()?;
        if figures.b1 {
            let floor = Server::floor(floor_bin, server.body_bytes(&token)?, &token)?;
            b1(&runtime, &[("umpin serve, SQLite", vec![server.address])], &floor, &token, mailboxes)?;
            server.print_memory("after B1");
        }
        if let Some(shell) = shell {
            listings(dir, &server, &token, mailboxes, shell)?;
            server.print_memory("after the listings and the PIN report");
        }
        if figures.b3 {
            voice_sign_ins(umpin, dir, &server)?;
            server.print_memory("after the sign-in load");
        }
    }
    if let Some(url) = postgres.filter(|_| figures.b1) {
        on_postgres(&runtime, umpin, floor_bin, url, mailboxes)?;
    }
    Ok(())
}

/// B2 but the shell's run (timed before, `shell`): the API's filtered pages, the NDJSON listing,
/// the Recipients pages and the PIN report, then the `sqlite3` floor and the ratios to it.
fn listings(dir: &Path, server: &Server, token: &str, mailboxes: usize, shell: Duration) -> anyhow::Result<()> {
    for query in ["pinExpired=false&limit=1000", "pinExpired=true&limit=1000"] {
        let path = format!("/api/v1/um/pins?{query}");
        let mut times = Vec::with_capacity(API_RUNS);
        let mut page = serde_json::Value::Null;
        for _ in 0..API_RUNS {
            let started = Instant::now();
            page = server.get(&path, token)?;
            times.push(started.elapsed());
        }
        report(&format!("GET {path} at {mailboxes} UM mailboxes ({API_RUNS} runs)"), &times);
        let items = page["items"].as_array().map_or(0, Vec::len);
        println!("  page: {items} items, next: {}", if page["next"].is_string() { "given" } else { "none" });
    }
    let ndjson = ndjson_listing(server, token, mailboxes)?;
    recipients(server, token, mailboxes)?;
    let csv = pin_report(server, mailboxes)?;
    if let Some(floor) = pin_report_in_sqlite3(dir, mailboxes)? {
        let ratio = |d: Duration| d.as_secs_f64() / floor.as_secs_f64().max(f64::MIN_POSITIVE);
        let (shell, ndjson, csv) = (ratio(shell), ratio(ndjson), ratio(csv));
        println!(
            "B2 beside sqlite3 reading the same rows (medians; goal ≤ {B2_GOAL_RATIO} ×): the shell {shell:.2} × ({}), \
             NDJSON {ndjson:.2} × ({}), the PIN report's CSV {csv:.2} × ({})",
            met(shell <= B2_GOAL_RATIO),
            met(ndjson <= B2_GOAL_RATIO),
            met(csv <= B2_GOAL_RATIO)
        );
    }
    Ok(())
}

/// Connections of the B1 load.
const B1_CONNECTIONS: usize = 16;
/// Rounds of B1: in each, every server under test and then the floor take the load in turn.
const B1_ROUNDS: usize = 3;
/// How long each takes the load in a round, and the most requests it is sent there.
const B1_ROUND: Duration = Duration::from_secs(5);
const B1_ROUND_REQUESTS: usize = 1_000_000;
/// Load before the rounds, not counted: connections, caches and pools warm up.
const B1_WARM_UP: Duration = Duration::from_secs(1);
/// B1's goals: requests per second against the floor's, and the 99th percentile.
const B1_GOAL_RATIO: f64 = 0.5;
const B1_GOAL_P99: Duration = Duration::from_millis(20);

/// The path of B1's request for seeded mailbox `i`.
fn pin_path(i: usize) -> String {
    format!("/api/v1/mailboxes/{}/um/pin", seed::address(i))
}

/// B1: each of `targets` (a name, and the servers its connections go to) and then `floor` take
/// the load in turn, [`B1_ROUNDS`] times, each request for a random one of the `mailboxes`
/// seeded mailboxes; each figure printed beside the floor's and the goals, with the CPU time the
/// `umpin serve` and PostgreSQL processes used per request during the target's rounds.
fn b1(
    runtime: &Runtime,
    targets: &[(&str, Vec<SocketAddr>)],
    floor: &Server,
    token: &str,
    mailboxes: usize,
) -> anyhow::Result<Vec<(Outcome, CpuUse)>> {
    let mut all: Vec<(&str, Vec<SocketAddr>)> = targets.to_vec();
    all.push(("floor: umpin-floor (axum, the same bearer check and body size)", vec![floor.address]));
    let drive = |addresses: &[SocketAddr], duration: Duration, requests: usize| {
        let load = Load { connections: B1_CONNECTIONS, duration, requests };
        runtime.block_on(load::drive(addresses, token, load, move |rng| pin_path(rng.usize(..mailboxes))))
    };
    for (_, addresses) in &all {
        drive(addresses, B1_WARM_UP, B1_ROUND_REQUESTS)?;
    }
    let mut outcomes: Vec<Outcome> = all.iter().map(|_| Outcome::default()).collect();
    let mut cpu: Vec<CpuUse> = all.iter().map(|_| CpuUse::default()).collect();
    for _ in 0..B1_ROUNDS {
        for (((_, addresses), outcome), cpu) in all.iter().zip(&mut outcomes).zip(&mut cpu) {
            let before = CpuUse::now();
            let round = drive(addresses, B1_ROUND, B1_ROUND_REQUESTS)?;
            cpu.add_since(&before);
            *outcome = std::mem::take(outcome).merge(round);
        }
    }
    println!(
        "B1 GET /api/v1/mailboxes/{{identity}}/um/pin, random identities of {mailboxes} UM mailboxes, \
         {B1_CONNECTIONS} connections, {B1_ROUNDS} rounds of {} s each, interleaved:",
        B1_ROUND.as_secs()
    );
    let floor_outcome = outcomes.pop().unwrap_or_default();
    cpu.pop();
    for (((name, _), outcome), cpu) in targets.iter().zip(&outcomes).zip(&cpu) {
        println!("  {name}: {}", b1_figure(outcome));
        println!("    {}", b1_verdict(outcome, &floor_outcome));
        let (umpin, postgres) = cpu.per_request(outcome.answered);
        println!("    CPU per request: umpin serve {umpin:.0} µs, PostgreSQL {postgres:.0} µs");
    }
    println!("  {}: {}", all.last().map_or("floor", |(name, _)| name), b1_figure(&floor_outcome));
    Ok(outcomes.into_iter().zip(cpu).collect())
}

/// The CPU time (user and system) the `umpin serve` processes and the PostgreSQL processes of
/// the machine have used: in all so far ([`CpuUse::now`]), or during a load.
#[derive(Clone, Copy, Debug, Default)]
struct CpuUse {
    umpin: Duration,
    postgres: Duration,
}

impl CpuUse {
    fn now() -> CpuUse {
        CpuUse { umpin: cpu_of("umpin"), postgres: cpu_of("postgres") }
    }

    /// Adds what was used since `before` was taken.
    fn add_since(&mut self, before: &CpuUse) {
        let now = CpuUse::now();
        self.umpin += now.umpin.saturating_sub(before.umpin);
        self.postgres += now.postgres.saturating_sub(before.postgres);
    }

    /// Microseconds of CPU per request, of umpin serve and of PostgreSQL.
    fn per_request(&self, requests: usize) -> (f64, f64) {
        let micros = |d: Duration| d.as_secs_f64() * 1e6 / requests.max(1) as f64;
        (micros(self.umpin), micros(self.postgres))
    }
}

/// The clock ticks per second of `/proc/<pid>/stat`'s times: Linux's USER_HZ, 100 on every
/// architecture it runs the benchmark on.
const TICKS_PER_SECOND: u64 = 100;

/// The CPU time used so far by the running processes whose command name is `comm`, summed.
fn cpu_of(comm: &str) -> Duration {
    let Ok(entries) = std::fs::read_dir("/proc") else { return Duration::ZERO };
    let ticks: u64 = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_str().is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit())))
        .filter_map(|e| std::fs::read_to_string(e.path().join("stat")).ok())
        .filter_map(|stat| {
            // `pid (comm) state ppid ...`: the name may hold spaces, so it is found by its parentheses.
            let (name, rest) = stat.split_once(" (")?.1.rsplit_once(") ")?;
            if name != comm {
                return None;
            }
            // After the name: state, ppid, ... and utime and stime at 11 and 12.
            let fields: Vec<&str> = rest.split_whitespace().collect();
            let ticks = |i: usize| fields.get(i)?.parse::<u64>().ok();
            Some(ticks(11)? + ticks(12)?)
        })
        .sum();
    Duration::from_millis(ticks * 1000 / TICKS_PER_SECOND)
}

/// The sum of a Prometheus metric's samples named `name` (with any labels) in `text`.
fn metric(text: &str, name: &str) -> f64 {
    text.lines()
        .filter(|line| line.strip_prefix(name).is_some_and(|rest| rest.starts_with([' ', '{'])))
        .filter_map(|line| line.rsplit_once(' ')?.1.parse::<f64>().ok())
        .sum()
}

/// Requests per second, p50 and p99 of a B1 load, with the requests answered and refused.
fn b1_figure(outcome: &Outcome) -> String {
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let mut figure = format!(
        "{:.0} req/s, p50 {:.2} ms, p99 {:.2} ms ({} answered in {:.1} s",
        outcome.per_second(),
        ms(outcome.percentile(50.0)),
        ms(outcome.percentile(99.0)),
        outcome.answered,
        outcome.elapsed.as_secs_f64()
    );
    if let Some(refusal) = &outcome.first_refusal {
        figure.push_str(&format!("; {} refused, the first with {refusal}", outcome.refused));
    }
    figure.push(')');
    figure
}

/// A B1 figure against the floor's and the goals.
fn b1_verdict(outcome: &Outcome, floor: &Outcome) -> String {
    let ratio = if floor.per_second() > 0.0 { outcome.per_second() / floor.per_second() } else { 0.0 };
    let p99 = outcome.percentile(99.0);
    format!(
        "{ratio:.3} × the floor's req/s (goal ≥ {B1_GOAL_RATIO}: {}); p99 {:.2} ms (goal < {} ms: {})",
        met(ratio >= B1_GOAL_RATIO),
        p99.as_secs_f64() * 1000.0,
        B1_GOAL_P99.as_millis(),
        met(p99 < B1_GOAL_P99)
    )
}

fn met(yes: bool) -> &'static str {
    if yes { "met" } else { "not met" }
}

/// B1 on PostgreSQL at `admin_url`: a database of its own (`umpin_bench_<pid>`, dropped at the
/// end), a data directory initialised on it and seeded alike, then the load against one `umpin
/// serve` and against two on the same database (half the connections each), beside the floor.
fn on_postgres(
    runtime: &Runtime,
    umpin: &Path,
    floor_bin: &Path,
    admin_url: &str,
    mailboxes: usize,
) -> anyhow::Result<()> {
    let name = format!("umpin_bench_{}", std::process::id());
    let url = with_database(admin_url, &name)?;
    let admin = runtime.block_on(Database::connect(admin_url))?;
    // The name is made here of a constant and digits: nothing to quote.
    runtime.block_on(umpin_store::testing::raw_sql(&admin, &format!("CREATE DATABASE {name}")))?;
    let dir = std::env::temp_dir().join(format!("umpin-bench-postgres-{}", std::process::id()));
    let ran = (|| {
        init(umpin, &dir, Some(&url))?;
        let started = Instant::now();
        runtime.block_on(async {
            let db = Database::connect(&url).await?;
            seed::seed(&db, &dir.join(KEY_FILE), mailboxes, POSTGRES_WRITERS).await?;
            db.close().await;
            anyhow::Ok(())
        })?;
        println!("seeded {mailboxes} UM mailboxes (PostgreSQL) in {:.1} s", started.elapsed().as_secs_f64());
        let one = Server::start(umpin, &dir, Some(&url))?;
        let two = Server::start(umpin, &dir, Some(&url))?;
        let token = one.token()?;
        let floor = Server::floor(floor_bin, one.body_bytes(&token)?, &token)?;
        let outcomes = b1(
            runtime,
            &[
                ("umpin serve, PostgreSQL, one node", vec![one.address]),
                ("umpin serve, PostgreSQL, two nodes on the same database (total)", vec![one.address, two.address]),
            ],
            &floor,
            &token,
            mailboxes,
        )?;
        if let [(one_node, alone), (two_nodes, together)] = outcomes.as_slice() {
            println!(
                "  two nodes ÷ one node: {:.2} (goal ≥ 1.8 when each node has cores of its own; here both share the \
                 machine's cores with PostgreSQL and the load)",
                two_nodes.per_second() / one_node.per_second().max(f64::MIN_POSITIVE)
            );
            let (mut retries, mut batches) = (0.0, 0.0);
            for node in [&one, &two] {
                let metrics = node.request("GET /metrics", None, None, None)?;
                retries += metric(&metrics, "umpin_audit_batch_retries_total");
                batches += metric(&metrics, "umpin_audit_batch_records_count");
            }
            println!(
                "  what serialises two nodes: the audit chain's head, moved by one statement per batch; {retries:.0} of \
                 the {batches:.0} batches the nodes appended (in both runs) were linked again because the other node \
                 moved it first, and PostgreSQL's CPU per request was {:.1} × one node's",
                together.per_request(two_nodes.answered).1
                    / alone.per_request(one_node.answered).1.max(f64::MIN_POSITIVE)
            );
            let (umpin, postgres) = alone.per_request(one_node.answered);
            println!(
                "  model, from one node's costs: a core of umpin serve answers ≈ {:.0} req/s, a core of PostgreSQL \
                 ≈ {:.0}; so two nodes of c cores each reach twice one node's figure while PostgreSQL has ≥ {:.2}·c \
                 cores and the batches seldom meet",
                1e6 / umpin.max(f64::MIN_POSITIVE),
                1e6 / postgres.max(f64::MIN_POSITIVE),
                2.0 * postgres / umpin.max(f64::MIN_POSITIVE)
            );
        }
        one.print_memory("node one, after B1 on PostgreSQL");
        two.print_memory("node two, after B1 on PostgreSQL");
        anyhow::Ok(())
    })();
    let dropped =
        runtime.block_on(umpin_store::testing::raw_sql(&admin, &format!("DROP DATABASE {name} WITH (FORCE)")));
    runtime.block_on(admin.close());
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    ran?;
    Ok(dropped?)
}

/// The PostgreSQL URL `url` naming the database `name` instead of its own (its user, host and
/// parameters kept).
fn with_database(url: &str, name: &str) -> anyhow::Result<String> {
    let (scheme, rest) =
        url.split_once("://").ok_or_else(|| anyhow::anyhow!("'{url}' isn't a postgres:// URL.\n{USAGE}"))?;
    anyhow::ensure!(scheme == "postgres" || scheme == "postgresql", "'{scheme}' isn't PostgreSQL's scheme.\n{USAGE}");
    let (authority, path) = rest.split_at(rest.find(['/', '?']).unwrap_or(rest.len()));
    let query = path.find('?').map_or("", |at| &path[at..]);
    Ok(format!("{scheme}://{authority}/{name}{query}"))
}

/// B2, the whole PIN listing streamed as NDJSON (`Accept: application/x-ndjson`), timed from
/// sending to the last line.
fn ndjson_listing(server: &Server, token: &str, mailboxes: usize) -> anyhow::Result<Duration> {
    let path = "/api/v1/um/pins";
    let mut times = Vec::with_capacity(3);
    let mut lines = 0;
    for _ in 0..3 {
        let started = Instant::now();
        let headers = [("Authorization", format!("Bearer {token}")), ("Accept", "application/x-ndjson".to_owned())];
        let (head, chunked) = server.send(&format!("GET {path}"), &headers, None)?;
        if !head.starts_with("HTTP/1.1 200 ") {
            anyhow::bail!("GET {path} answered {}", head.lines().next().unwrap_or_default());
        }
        lines = dechunk(&chunked)?.lines().count();
        times.push(started.elapsed());
    }
    let median = report(&format!("B2 GET {path} as NDJSON at {mailboxes} UM mailboxes (3 runs)"), &times);
    println!("  lines: {lines}");
    Ok(median)
}

/// `umpin directory sync` from a local slapd holding `users` users (`umpin_directory::testing`'s
/// server, loaded with `slapadd`), every hundredth of them in a UM group: the first sync, which
/// adds every mailbox and UM-enables the group's members, then a second, which finds nothing to
/// change; each timed as a whole command, with the command's peak memory.
fn directory_sync(umpin: &Path, dir: &Path, users: usize) -> anyhow::Result<()> {
    use umpin_directory::testing::{BASE_DN, PEOPLE_DN, Slapd, base_ldif};
    let mut ldif = base_ldif();
    let mut group = format!("dn: cn=voicemail,{BASE_DN}\nobjectClass: groupOfNames\ncn: voicemail\n");
    for i in 0..users {
        ldif.push_str(&format!(
            "dn: uid=user{i:06},{PEOPLE_DN}\nobjectClass: inetOrgPerson\nuid: user{i:06}\ncn: User {i:06}\n\
             sn: {i:06}\nmail: user{i:06}@contoso.com\ntelephoneNumber: +1425{:07}\n\n",
            1_000_000 + i
        ));
        if i % 100 == 0 {
            group.push_str(&format!("member: uid=user{i:06},{PEOPLE_DN}\n"));
        }
    }
    ldif.push_str(&group);
    ldif.push('\n');
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let started = Instant::now();
    let slapd = runtime
        .block_on(Slapd::start(&ldif))
        .ok_or_else(|| anyhow::anyhow!("slapd is not installed (apt-get install slapd ldap-utils)."))?;
    println!("slapd loaded with {users} users in {:.1} s", started.elapsed().as_secs_f64());
    run(
        umpin,
        dir,
        &["shell", "-c", "New-UMDialPlan -Name 'Bench Dial Plan' -NumberOfDigitsInExtension 6 -CountryOrRegionCode 1"],
    )?;
    let config = slapd.config(umpin_directory::Preset::Openldap);
    let password = config.bind_password_file.ok_or_else(|| anyhow::anyhow!("no bind password file"))?;
    let toml = format!(
        "[directory]\nurl = \"{}\"\nstarttls = false\nbind_dn = \"{}\"\nbind_password_file = \"{}\"\n\
         base_dn = \"{PEOPLE_DN}\"\n[[directory.um_groups]]\ngroup = \"cn=voicemail,{BASE_DN}\"\n\
         policy = \"Bench Dial Plan Default Policy\"\n",
        slapd.url(),
        config.bind_dn.unwrap_or_default(),
        password.display()
    );
    std::fs::write(dir.join("umpin.toml"), toml)?;
    for run_name in ["first sync", "second sync (nothing changed)"] {
        let started = Instant::now();
        let mut child = Command::new(umpin)
            .arg("--data-dir")
            .arg(dir)
            .args(["directory", "sync"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        let mut peak = String::from("?");
        let status = loop {
            if let Some(status) = child.try_wait()? {
                break status;
            }
            if let Some(hwm) = memory_of(child.id(), "VmHWM") {
                peak = hwm;
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        if !status.success() {
            anyhow::bail!("umpin directory sync failed ({status}).");
        }
        println!(
            "umpin directory sync, {run_name}, {users} users: {:.1} s, peak memory {peak}",
            started.elapsed().as_secs_f64()
        );
        let counts = run(
            umpin,
            dir,
            &["shell", "-c", "Get-UMDirectorySyncStatus | Format-List Read,Added,Updated,UMEnabled,Unchanged,Skipped"],
        )?;
        println!("  {}", counts.split_whitespace().collect::<Vec<_>>().join(" "));
    }
    Ok(())
}

/// The admin center's Recipients page (50 mailboxes a page) beside the API's listing of the same
/// mailboxes: the first page in each order, and a search, each timed as a whole request.
fn recipients(server: &Server, token: &str, mailboxes: usize) -> anyhow::Result<()> {
    let cookie = server.web_session()?;
    let pages = [
        ("first page, by display name", "/ecp/recipients"),
        ("first page, by email address", "/ecp/recipients?sort=address&dir=asc"),
        ("first page, by Unified Messaging, descending", "/ecp/recipients?sort=um&dir=desc"),
        ("search 'user00042'", "/ecp/recipients?q=user00042"),
        ("search 'tony'", "/ecp/recipients?q=tony"),
        ("search 'user09' (many, late in the order)", "/ecp/recipients?q=user09"),
        ("search 'user09' by email address, descending", "/ecp/recipients?q=user09&sort=address&dir=desc"),
        ("search 'user09' by Unified Messaging", "/ecp/recipients?q=user09&sort=um&dir=asc"),
        ("search 'user' (every mailbox)", "/ecp/recipients?q=user"),
    ];
    for (what, path) in pages {
        let mut times = Vec::with_capacity(API_RUNS);
        let mut rows = 0;
        for _ in 0..API_RUNS {
            let started = Instant::now();
            let page = server.request(&format!("GET {path}"), None, Some(&cookie), None)?;
            times.push(started.elapsed());
            rows = page.matches("<tr").count().saturating_sub(1);
        }
        report(&format!("Recipients page, {what}: GET {path} at {mailboxes} mailboxes ({API_RUNS} runs)"), &times);
        println!("  rows: {rows}");
    }
    for path in [
        "/api/v1/mailboxes?limit=50",
        "/api/v1/mailboxes?anr=user00042&limit=50",
        "/api/v1/mailboxes?anr=user09&limit=50",
    ] {
        let mut times = Vec::with_capacity(API_RUNS);
        for _ in 0..API_RUNS {
            let started = Instant::now();
            server.get(path, token)?;
            times.push(started.elapsed());
        }
        report(&format!("API listing beside it: GET {path} at {mailboxes} mailboxes ({API_RUNS} runs)"), &times);
    }
    Ok(())
}

/// The admin center's PIN report: its first page unfiltered and under the filters that match
/// few, and the whole report downloaded as CSV, each timed as a whole request. Returns the
/// download's median time.
fn pin_report(server: &Server, mailboxes: usize) -> anyhow::Result<Duration> {
    let cookie = server.web_session()?;
    let mut download = Duration::ZERO;
    let pages = [
        ("first page", "/ecp/um/pin-report"),
        ("first page, by User ID descending", "/ecp/um/pin-report?dir=desc"),
        ("first page, locked out", "/ecp/um/pin-report?locked_out=yes"),
        ("first page, expiring within 14 days", "/ecp/um/pin-report?expires_within=14"),
        ("first page, PIN not expired", "/ecp/um/pin-report?pin_expired=no"),
        ("first page, first-time setup done", "/ecp/um/pin-report?first_time_user=no"),
        ("Download CSV, every UM mailbox", "/ecp/um/pin-report/csv"),
    ];
    for (what, path) in pages {
        let mut times = Vec::with_capacity(API_RUNS);
        let mut body = String::new();
        for _ in 0..API_RUNS {
            let started = Instant::now();
            body = if path.ends_with("/csv") {
                // The download is streamed: a chunked body.
                let (head, chunked) = server.exchange(&format!("GET {path}"), None, Some(&cookie), None)?;
                if !head.starts_with("HTTP/1.1 200 ") {
                    anyhow::bail!("GET {path} answered {}", head.lines().next().unwrap_or_default());
                }
                dechunk(&chunked)?
            } else {
                server.request(&format!("GET {path}"), None, Some(&cookie), None)?
            };
            times.push(started.elapsed());
        }
        let median =
            report(&format!("PIN report, {what}: GET {path} at {mailboxes} UM mailboxes ({API_RUNS} runs)"), &times);
        let rows = if path.ends_with("/csv") {
            download = median;
            body.lines().count().saturating_sub(1)
        } else {
            body.matches("<tr").count().saturating_sub(1)
        };
        println!("  rows: {rows}");
    }
    Ok(download)
}

/// The floor beside the PIN report: the `sqlite3` command reading the report's rows (the
/// statement's columns, joins and order, and each mailbox's other addresses) and writing them as
/// CSV, its first page and all of them. Skipped, with a word, when `sqlite3` isn't installed.
/// Returns the median time of reading every row, `None` without `sqlite3`.
fn pin_report_in_sqlite3(dir: &Path, mailboxes: usize) -> anyhow::Result<Option<Duration>> {
    const REPORT: &str = "SELECT m.guid, m.name, m.alias, m.display_name, m.primary_smtp_address, \
         m.user_principal_name, m.phone, m.first_name, m.last_name, m.when_created, p.pin_set_at, p.pin_length, \
         p.first_time_user, p.expiry_forced, p.failed_logon_count, p.last_failed_logon, p.locked_out, \
         pol.min_pin_length, pol.pin_lifetime, pol.pin_history_count, pol.allow_common_patterns, \
         pol.allow_common_pins, pol.logon_failures_before_pin_reset, pol.max_logon_attempts, \
         (SELECT group_concat(a.address) FROM mailbox_addresses a WHERE a.mailbox = m.guid AND NOT a.is_primary) \
         FROM mailboxes m JOIN um_mailboxes u ON u.mailbox = m.guid JOIN pins p ON p.mailbox = m.guid \
         JOIN mailbox_policies pol ON pol.guid = u.policy WHERE u.um_enabled ORDER BY m.primary_address_key";
    if Command::new("sqlite3").arg("-version").output().is_err() {
        println!("sqlite3 is not installed (apt-get install sqlite3): no floor beside the PIN report.");
        return Ok(None);
    }
    let db = dir.join("umpin.db");
    let mut every_row = Duration::ZERO;
    for (what, sql, runs) in
        [("first page", format!("{REPORT} LIMIT 50"), API_RUNS), ("every row", REPORT.to_owned(), 3)]
    {
        let mut times = Vec::with_capacity(runs);
        let mut rows = 0;
        for _ in 0..runs {
            let started = Instant::now();
            let out = Command::new("sqlite3").args(["-readonly", "-csv", "-header"]).arg(&db).arg(&sql).output()?;
            times.push(started.elapsed());
            if !out.status.success() {
                anyhow::bail!("sqlite3 failed: {}", String::from_utf8_lossy(&out.stderr));
            }
            rows = out.stdout.iter().filter(|&&b| b == b'\n').count().saturating_sub(1);
        }
        every_row = report(
            &format!("floor: sqlite3 -csv reading the PIN report, {what}, at {mailboxes} UM mailboxes ({runs} runs)"),
            &times,
        );
        println!("  rows: {rows}");
    }
    Ok(Some(every_row))
}

/// B2's goal: the whole listing in at most this many times `sqlite3`'s time for the same rows.
const B2_GOAL_RATIO: f64 = 2.0;
/// B3's goal: sign-ins per second against the Argon2 bound measured in the same run.
const B3_GOAL_RATIO: f64 = 0.9;

/// Mailboxes given a real PIN for the sign-in load, and callers signing in at once.
const SIGN_IN_MAILBOXES: usize = 16;
const CALLERS: usize = 8;
/// The sign-in load and the workers' bound take turns, each for a round, so that both meet the
/// machine in the same minutes (its speed moves from one minute to the next).
const B3_ROUNDS: u32 = 4;
const B3_ROUND: Duration = Duration::from_secs(5);

/// Voice sign-ins per second: `CALLERS` threads, each on a kept connection of its own, start a
/// call as a Voice Access account, sign in to one of `SIGN_IN_MAILBOXES` mailboxes by extension
/// and PIN, and end the call, for `B3_ROUNDS` rounds. Between them, the bound on them with the
/// default Argon2 parameters, as `umpin serve` seals PINs (see [`Bound`]).
fn voice_sign_ins(umpin: &Path, dir: &Path, server: &Server) -> anyhow::Result<()> {
    let pin = |i: usize| format!("58{i:02}37");
    let mut setup = String::from(
        "New-ManagementAccount ivr -Password 'bench voice access 9'; Add-RoleGroupMember 'Voice Access' -Member ivr",
    );
    for i in 1..=SIGN_IN_MAILBOXES {
        setup.push_str(&format!(
            "; Set-UMMailboxPIN -Identity user{i:06}@contoso.com -PIN {} -PinExpired $false",
            pin(i)
        ));
    }
    run(umpin, dir, &["shell", "-c", &setup])?;
    let body = serde_json::json!({"username": "ivr", "password": "bench voice access 9"}).to_string();
    let answer: serde_json::Value =
        serde_json::from_str(&server.request("POST /api/v1/auth/token", None, None, Some(&body))?)?;
    let token = answer["token"].as_str().ok_or_else(|| anyhow::anyhow!("no token in {answer}"))?.to_owned();

    let sign_ins = |round: Duration| -> anyhow::Result<usize> {
        let deadline = Instant::now() + round;
        std::thread::scope(|scope| {
            let callers: Vec<_> = (0..CALLERS)
                .map(|caller| {
                    let token = &token;
                    scope.spawn(move || -> anyhow::Result<usize> {
                        let mut connection = KeptConnection::open(server.address)?;
                        let mut count = 0;
                        let mut i = caller;
                        while Instant::now() < deadline {
                            let mailbox = i % SIGN_IN_MAILBOXES + 1;
                            i += CALLERS;
                            sign_in(&mut connection, token, mailbox, &pin(mailbox))?;
                            count += 1;
                        }
                        Ok(count)
                    })
                })
                .collect();
            callers.into_iter().map(|c| c.join().expect("a caller thread panicked")).sum()
        })
    };
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let bound = Bound::new(cores)?;
    let (mut signed_in, mut signing, mut verified, mut verifying) = (0, Duration::ZERO, 0, Duration::ZERO);
    for _ in 0..B3_ROUNDS {
        let started = Instant::now();
        signed_in += sign_ins(B3_ROUND)?;
        signing += started.elapsed();
        let started = Instant::now();
        verified += bound.together(B3_ROUND)?;
        verifying += started.elapsed();
    }
    let per_second = signed_in as f64 / signing.as_secs_f64();
    let together = verified as f64 / verifying.as_secs_f64();
    println!(
        "B3 voice sign-ins, {CALLERS} callers at once, {B3_ROUNDS} rounds of {} s: {signed_in} sign-ins, {:.1} per second",
        B3_ROUND.as_secs(),
        per_second
    );
    let alone = bound.alone()?;
    let cores_bound = cores as f64 / alone.as_secs_f64();
    println!(
        "bound: {cores} workers verifying at once, as umpin serve's pool does, in rounds taking turns with the \
         sign-ins: {together:.1} per second; one verification alone {:.1} ms (median of {VERIFICATIONS}), so \
         {cores} cores ÷ it = {cores_bound:.1} per second",
        alone.as_secs_f64() * 1000.0,
    );
    let (of_together, of_cores) = (per_second / together, per_second / cores_bound);
    println!(
        "B3 beside the bound (goal ≥ {B3_GOAL_RATIO} ×): {of_together:.2} × every worker at once ({}), \
         {of_cores:.2} × cores ÷ one verification ({})",
        met(of_together >= B3_GOAL_RATIO),
        met(of_cores >= B3_GOAL_RATIO)
    );
    Ok(())
}

/// One voice sign-in as a caller makes it: a call started as the Voice Access account of
/// `token`, a sign-in to `mailbox` by extension and `pin`, and the call ended, on the front end's
/// connection `to`.
fn sign_in(to: &mut KeptConnection, token: &str, mailbox: usize, pin: &str) -> anyhow::Result<()> {
    let start = r#"{"dialPlan": "Seed Dial Plan"}"#;
    let call: serde_json::Value = serde_json::from_str(&to.exchange_ok(
        "POST /api/v1/voice/calls",
        &[("Authorization", format!("Bearer {token}"))],
        Some(start),
        "201",
    )?)?;
    let call = call["callId"].as_str().ok_or_else(|| anyhow::anyhow!("no callId in {call}"))?;
    let headers = [("Authorization", format!("Bearer {token}")), ("Umpin-Call", call.to_owned())];
    let sign_in = serde_json::json!({"extension": format!("{:06}", 100_000 + mailbox), "pin": pin});
    let answer: serde_json::Value = serde_json::from_str(&to.exchange_ok(
        "POST /api/v1/voice/call/sign-in",
        &headers,
        Some(&sign_in.to_string()),
        "200",
    )?)?;
    if answer["outcome"] != "signedIn" {
        anyhow::bail!("a sign-in with the right PIN answered {answer}");
    }
    to.exchange_ok("DELETE /api/v1/voice/call", &headers, None, "204")?;
    Ok(())
}

/// A keep-alive HTTP/1.1 connection, as a telephony front end keeps one to the server: one
/// request after the other, each answer read to the end of its body (`Content-Length`).
struct KeptConnection {
    address: SocketAddr,
    stream: std::io::BufReader<TcpStream>,
}

impl KeptConnection {
    fn open(address: SocketAddr) -> anyhow::Result<KeptConnection> {
        let stream = TcpStream::connect(address)?;
        stream.set_nodelay(true)?;
        Ok(KeptConnection { address, stream: std::io::BufReader::new(stream) })
    }

    /// One JSON request with the given headers; the body of the answer when its status is
    /// `status`.
    fn exchange_ok(
        &mut self,
        line: &str,
        headers: &[(&str, String)],
        body: Option<&str>,
        status: &str,
    ) -> anyhow::Result<String> {
        use std::io::BufRead;
        let request = request_text(self.address, line, headers, ("application/json", body.unwrap_or_default()));
        self.stream.get_mut().write_all(request.as_bytes())?;
        let mut head = String::new();
        loop {
            let mut header = String::new();
            if self.stream.read_line(&mut header)? == 0 {
                anyhow::bail!("the server closed the connection before it answered {line}");
            }
            if header == "\r\n" {
                break;
            }
            head.push_str(&header);
        }
        let header = |wanted: &str| {
            head.lines().filter_map(|h| h.split_once(':')).find(|(name, _)| name.eq_ignore_ascii_case(wanted))
        };
        if header("transfer-encoding").is_some() {
            anyhow::bail!("{line} answered in chunks, which this tool doesn't read on a kept connection.");
        }
        let length = header("content-length").map(|(_, value)| value.trim().parse::<usize>()).transpose()?;
        let mut answer = vec![0; length.unwrap_or(0)];
        self.stream.read_exact(&mut answer)?;
        let answer = String::from_utf8(answer)?;
        if head.split(' ').nth(1) != Some(status) {
            anyhow::bail!("{line} answered {}: {answer}", head.lines().next().unwrap_or_default());
        }
        Ok(answer)
    }
}

/// Verifications timed alone for the bound.
const VERIFICATIONS: usize = 16;

/// Verifications of a sealed PIN with the default Argon2 parameters through the same vault as
/// `umpin serve` (in a key ring of its own, with as many workers), for B3's bound.
struct Bound {
    runtime: tokio::runtime::Runtime,
    vault: std::sync::Arc<umpin_crypto::Vault>,
    mailbox: umpin_domain::Guid,
    pin: umpin_crypto::Pin,
    sealed: umpin_crypto::SealedPin,
    workers: usize,
}

impl Bound {
    fn new(workers: usize) -> anyhow::Result<Bound> {
        use umpin_crypto::{Argon2Params, KeyRing, Pin, Vault};
        let ring = std::env::temp_dir().join(format!("umpin-bench-keys-{}", std::process::id()));
        let vault = std::sync::Arc::new(Vault::new(KeyRing::create(&ring)?, Argon2Params::default(), workers)?);
        std::fs::remove_file(&ring)?;
        let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
        let mailbox = umpin_domain::Guid::new_v4();
        let pin = Pin::from("583137");
        let sealed = runtime.block_on(vault.seal_new_pin(mailbox, &pin))?;
        Ok(Bound { runtime, vault, mailbox, pin, sealed, workers })
    }

    /// The median time of one verification on its own.
    fn alone(&self) -> anyhow::Result<Duration> {
        let mut times: Vec<Duration> = (0..VERIFICATIONS)
            .map(|_| {
                let started = Instant::now();
                self.runtime.block_on(self.vault.verify_pin(self.mailbox, &self.sealed, &self.pin))?;
                Ok(started.elapsed())
            })
            .collect::<anyhow::Result<_>>()?;
        times.sort();
        Ok(times[VERIFICATIONS / 2])
    }

    /// How many verifications every worker at once completes in `round` (memory bandwidth is
    /// shared, so each takes longer than one alone).
    fn together(&self, round: Duration) -> anyhow::Result<usize> {
        let deadline = Instant::now() + round;
        self.runtime.block_on(async {
            let tasks: Vec<_> = (0..self.workers)
                .map(|_| {
                    let (vault, sealed, pin, mailbox) =
                        (self.vault.clone(), self.sealed.clone(), self.pin.clone(), self.mailbox);
                    tokio::spawn(async move {
                        let mut count = 0;
                        while Instant::now() < deadline {
                            vault.verify_pin(mailbox, &sealed, &pin).await?;
                            count += 1;
                        }
                        anyhow::Ok(count)
                    })
                })
                .collect();
            let mut count = 0;
            for task in tasks {
                count += task.await??;
            }
            Ok(count)
        })
    }
}

/// A memory field (`VmRSS`, `VmHWM`) of a running process, as `/proc` gives it ("18120 kB");
/// `None` once the process has ended.
fn memory_of(pid: u32, field: &str) -> Option<String> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status.lines().find_map(|line| Some(line.strip_prefix(field)?.strip_prefix(':')?.trim().to_owned()))
}

/// The body of a chunked HTTP answer (`size\r\ndata\r\n`…, ending with a chunk of size 0).
fn dechunk(mut chunked: &str) -> anyhow::Result<String> {
    let mut body = String::with_capacity(chunked.len());
    loop {
        let (size, rest) = chunked.split_once("\r\n").ok_or_else(|| anyhow::anyhow!("a chunk without its size"))?;
        let size = usize::from_str_radix(size.trim(), 16)?;
        if size == 0 {
            return Ok(body);
        }
        let data = rest.get(..size).ok_or_else(|| anyhow::anyhow!("a chunk cut short"))?;
        body.push_str(data);
        chunked = rest.get(size + 2..).ok_or_else(|| anyhow::anyhow!("a chunk without its end"))?;
    }
}

/// A password file only its owner may read, as `umpin init --admin-password-file` wants.
fn write_password_file(file: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(file)?;
    writeln!(f, "{PASSWORD}")?;
    Ok(())
}

/// A server process on a free loopback port (`umpin serve`, or `umpin-floor`); stopped when
/// dropped.
struct Server {
    child: Child,
    address: SocketAddr,
}

impl Server {
    /// Prints the server's resident memory now and its peak since it started (`VmRSS`, `VmHWM`).
    fn print_memory(&self, when: &str) {
        let field = |name| memory_of(self.child.id(), name).unwrap_or_else(|| "?".to_owned());
        println!("B4 umpin serve memory {when}: resident {}, peak {}", field("VmRSS"), field("VmHWM"));
    }

    /// `umpin serve` on the data directory, on its database `database_url` when given.
    fn start(umpin: &Path, dir: &Path, database_url: Option<&str>) -> anyhow::Result<Server> {
        let address = TcpListener::bind("127.0.0.1:0")?.local_addr()?;
        let mut command = Command::new(umpin);
        command.arg("--data-dir").arg(dir);
        if let Some(url) = database_url {
            command.args(["--database-url", url]);
        }
        let child = command
            .args(["serve", "--listen", &address.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        Server::ready(Server { child, address }, "umpin serve", "GET /healthz", None)
    }

    /// `umpin-floor` answering B1's request with a body of `body_bytes` bytes to the bearer of
    /// `token` (given on its standard input).
    fn floor(floor_bin: &Path, body_bytes: usize, token: &str) -> anyhow::Result<Server> {
        let address = TcpListener::bind("127.0.0.1:0")?.local_addr()?;
        let mut child = Command::new(floor_bin)
            .args(["--listen", &address.to_string(), "--body-bytes", &body_bytes.to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        let mut stdin = child.stdin.take().ok_or_else(|| anyhow::anyhow!("umpin-floor has no standard input"))?;
        writeln!(stdin, "{token}")?;
        drop(stdin);
        Server::ready(Server { child, address }, "umpin-floor", &format!("GET {}", pin_path(0)), Some(token))
    }

    /// The server once `line` answers 200, or an error after 30 s.
    fn ready(server: Server, what: &str, line: &str, token: Option<&str>) -> anyhow::Result<Server> {
        let deadline = Instant::now() + Duration::from_secs(30);
        while server.request(line, token, None, None).is_err() {
            if Instant::now() > deadline {
                anyhow::bail!("{what} didn't answer on {} within 30 s.", server.address);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(server)
    }

    /// The size of the body of B1's answer (for user000001@contoso.com, as for most seeded
    /// mailboxes), for the floor to answer alike.
    fn body_bytes(&self, token: &str) -> anyhow::Result<usize> {
        Ok(self.request(&format!("GET {}", pin_path(1)), Some(token), None, None)?.len())
    }

    /// A bearer token of the first management account.
    fn token(&self) -> anyhow::Result<String> {
        let body = serde_json::json!({"username": "admin", "password": PASSWORD}).to_string();
        let answer: serde_json::Value =
            serde_json::from_str(&self.request("POST /api/v1/auth/token", None, None, Some(&body))?)?;
        answer["token"].as_str().map(str::to_owned).ok_or_else(|| anyhow::anyhow!("no token in {answer}"))
    }

    fn get(&self, path: &str, token: &str) -> anyhow::Result<serde_json::Value> {
        Ok(serde_json::from_str(&self.request(&format!("GET {path}"), Some(token), None, None)?)?)
    }

    /// The `Cookie` header value of an admin center session of the first management account,
    /// signed in through the sign-in page's form.
    fn web_session(&self) -> anyhow::Result<String> {
        let form = format!("username=admin&password={PASSWORD}");
        let (head, _) =
            self.exchange("POST /ecp/sign-in", None, None, Some(("application/x-www-form-urlencoded", &form)))?;
        let cookie = head
            .lines()
            .filter_map(|line| line.split_once(':'))
            .find(|(name, _)| name.eq_ignore_ascii_case("set-cookie"))
            .and_then(|(_, value)| value.trim().split(';').next())
            .ok_or_else(|| anyhow::anyhow!("signing in to the admin center set no cookie: {head}"))?;
        Ok(cookie.to_owned())
    }

    /// One HTTP/1.1 request on a connection of its own, with a bearer token or a session
    /// cookie; the body of a 200 answer.
    fn request(
        &self,
        line: &str,
        token: Option<&str>,
        cookie: Option<&str>,
        body: Option<&str>,
    ) -> anyhow::Result<String> {
        let (head, body) = self.exchange(line, token, cookie, body.map(|b| ("application/json", b)))?;
        if !head.starts_with("HTTP/1.1 200 ") {
            anyhow::bail!("{line} answered {}", head.lines().next().unwrap_or_default());
        }
        if head.to_ascii_lowercase().contains("transfer-encoding: chunked") {
            anyhow::bail!("{line} answered in chunks, which this tool doesn't read.");
        }
        Ok(body)
    }

    /// Sends one request with a bearer token or a session cookie and reads the whole answer: its
    /// head and its body.
    fn exchange(
        &self,
        line: &str,
        token: Option<&str>,
        cookie: Option<&str>,
        body: Option<(&str, &str)>,
    ) -> anyhow::Result<(String, String)> {
        let mut headers = Vec::new();
        if let Some(token) = token {
            headers.push(("Authorization", format!("Bearer {token}")));
        }
        if let Some(cookie) = cookie {
            headers.push(("Cookie", cookie.to_owned()));
        }
        self.send(line, &headers, body)
    }

    /// Sends one request on a connection of its own and reads the whole answer.
    fn send(
        &self,
        line: &str,
        headers: &[(&str, String)],
        body: Option<(&str, &str)>,
    ) -> anyhow::Result<(String, String)> {
        let mut stream = TcpStream::connect(self.address)?;
        let mut headers = headers.to_vec();
        headers.push(("Connection", "close".to_owned()));
        let request = request_text(self.address, line, &headers, body.unwrap_or(("application/json", "")));
        stream.write_all(request.as_bytes())?;
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer)?;
        let answer = String::from_utf8(answer)?;
        let (head, body) = answer.split_once("\r\n\r\n").ok_or_else(|| anyhow::anyhow!("no HTTP answer to {line}"))?;
        Ok((head.to_owned(), body.to_owned()))
    }
}

/// The text of an HTTP/1.1 request to `host`: `line` (method and path), the headers, and the body
/// with its media type.
fn request_text(host: SocketAddr, line: &str, headers: &[(&str, String)], body: (&str, &str)) -> String {
    let (content_type, body) = body;
    let mut request = format!("{line} HTTP/1.1\r\nHost: {host}\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str(&format!("Content-Type: {content_type}\r\nContent-Length: {}\r\n\r\n{body}", body.len()));
    request
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn run(umpin: &Path, dir: &Path, args: &[&str]) -> anyhow::Result<String> {
    let out = Command::new(umpin).arg("--data-dir").arg(dir).args(args).output()?;
    if !out.status.success() {
        anyhow::bail!("umpin {} failed: {}", args.join(" "), String::from_utf8_lossy(&out.stderr));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn timed(umpin: &Path, dir: &Path, pipeline: &str) -> anyhow::Result<Duration> {
    let started = Instant::now();
    run(umpin, dir, &["shell", "-c", pipeline])?;
    Ok(started.elapsed())
}

/// Prints the mean, min and median of `times`; returns the median.
fn report(what: &str, times: &[Duration]) -> Duration {
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let mut sorted = times.to_vec();
    sorted.sort();
    let mean = sorted.iter().copied().map(ms).sum::<f64>() / sorted.len() as f64;
    let median = sorted[sorted.len() / 2];
    println!("{what}: mean {mean:.1} ms, min {:.1} ms, median {:.1} ms", ms(sorted[0]), ms(median));
    median
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(line: &str) -> Vec<String> {
        line.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn bench_alone_runs_a_million_mailboxes_on_sqlite() {
        assert_eq!(
            parse(&args("bench")).unwrap(),
            Run::Bench { mailboxes: FULL, postgres: None, figures: Figures::ALL }
        );
    }

    #[test]
    fn quick_runs_a_hundred_thousand_and_a_number_runs_that_many() {
        assert_eq!(
            parse(&args("bench --quick")).unwrap(),
            Run::Bench { mailboxes: QUICK, postgres: None, figures: Figures::ALL }
        );
        assert_eq!(
            parse(&args("bench 5000")).unwrap(),
            Run::Bench { mailboxes: 5000, postgres: None, figures: Figures::ALL }
        );
    }

    #[test]
    fn postgres_takes_its_url_before_or_after_the_size() {
        let url = "postgres://postgres@127.0.0.1:5432/test";
        let expected = Run::Bench { mailboxes: QUICK, postgres: Some(url.to_owned()), figures: Figures::ALL };
        assert_eq!(parse(&args(&format!("bench --quick --postgres {url}"))).unwrap(), expected);
        assert_eq!(parse(&args(&format!("bench --postgres {url} --quick"))).unwrap(), expected);
    }

    #[test]
    fn a_size_given_twice_or_below_two_an_unknown_option_or_postgres_without_a_url_is_refused() {
        for line in [
            "bench --quick 5000",
            "bench 5000 --quick",
            "bench --fast",
            "bench --postgres",
            "bench --only",
            "bench --only B4",
            "bench --only B2 --only B1",
            "bench x",
            "bench 1",
            "other",
        ] {
            assert!(parse(&args(line)).is_err(), "{line} was accepted");
        }
    }

    #[test]
    fn only_measures_the_figures_listed() {
        let only_b2 = Figures { b1: false, b2: true, b3: false, b5: false };
        assert_eq!(
            parse(&args("bench --quick --only B2")).unwrap(),
            Run::Bench { mailboxes: QUICK, postgres: None, figures: only_b2 }
        );
        let b1_b3 = Figures { b1: true, b2: false, b3: true, b5: false };
        assert_eq!(
            parse(&args("bench --only b1,B3 5000")).unwrap(),
            Run::Bench { mailboxes: 5000, postgres: None, figures: b1_b3 }
        );
        assert!(!Figures::only("B5").unwrap().serve());
    }

    #[test]
    fn directory_takes_a_number_of_users() {
        assert_eq!(parse(&args("directory")).unwrap(), Run::Directory { users: 100_000 });
        assert_eq!(parse(&args("directory 300")).unwrap(), Run::Directory { users: 300 });
    }

    #[test]
    fn a_postgres_url_names_another_database_keeping_user_host_and_parameters() {
        let cases = [
            ("postgres://postgres@127.0.0.1:5432/test", "postgres://postgres@127.0.0.1:5432/umpin_bench_7"),
            ("postgresql://u:p@db/x?sslmode=disable", "postgresql://u:p@db/umpin_bench_7?sslmode=disable"),
            ("postgres://db:5432", "postgres://db:5432/umpin_bench_7"),
            ("postgres://db?sslmode=disable", "postgres://db/umpin_bench_7?sslmode=disable"),
        ];
        for (url, expected) in cases {
            assert_eq!(with_database(url, "umpin_bench_7").unwrap(), expected);
        }
        assert!(with_database("sqlite://x.db", "umpin_bench_7").is_err());
    }

    #[test]
    fn a_metric_sums_its_samples_of_any_labels_and_no_other_metric() {
        let text = "# TYPE x_total counter\nx_total{node=\"a\"} 2\nx_total{node=\"b\"} 3\nx_total_more 7\nx_total 1\n";
        assert_eq!(metric(text, "x_total"), 6.0);
        assert_eq!(metric(text, "y_total"), 0.0);
    }

    #[test]
    fn the_cpu_of_a_process_is_read_by_its_name_from_proc() {
        let own = || {
            let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
            let (name, rest) = stat.split_once(" (").unwrap().1.rsplit_once(") ").unwrap();
            let fields: Vec<u64> = rest.split_whitespace().skip(11).take(2).map(|f| f.parse().unwrap()).collect();
            (name.to_owned(), Duration::from_millis((fields[0] + fields[1]) * 1000 / TICKS_PER_SECOND))
        };
        let mut used = own();
        while used.1.is_zero() {
            std::hint::black_box(cpu_of("no such process"));
            used = own();
        }
        assert!(cpu_of(&used.0) >= used.1, "{}: {:?} < {:?}", used.0, cpu_of(&used.0), used.1);
        assert_eq!(cpu_of("no such process"), Duration::ZERO);
    }

    #[test]
    fn a_b1_verdict_compares_with_the_floor_and_the_p99_goal() {
        let outcome = |answered, p99_ms| Outcome {
            answered,
            elapsed: Duration::from_secs(1),
            latencies: vec![Duration::from_millis(p99_ms)],
            ..Outcome::default()
        };
        let floor = outcome(1000, 1);
        assert_eq!(
            b1_verdict(&outcome(600, 5), &floor),
            "0.600 × the floor's req/s (goal ≥ 0.5: met); p99 5.00 ms (goal < 20 ms: met)"
        );
        assert_eq!(
            b1_verdict(&outcome(100, 25), &floor),
            "0.100 × the floor's req/s (goal ≥ 0.5: not met); p99 25.00 ms (goal < 20 ms: not met)"
        );
    }
}
