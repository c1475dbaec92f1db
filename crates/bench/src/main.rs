//! `umpin-bench bench`: prints timings of the `umpin` command on a seeded data directory.
//!
//! It needs the release `umpin` binary beside itself (`cargo build --release` builds both). It
//! creates a data directory with `umpin init`, seeds it directly through the store with a dial
//! plan, a policy and N UM mailboxes (`umpin_store::testing::seed_um_mailboxes`: PIN data with
//! placeholder bytes, since listings never open them and sealing 100,000 real verifiers would only
//! time Argon2), then times:
//! - process start to output of `umpin shell -c "Get-UMMailboxPIN -Identity tony@contoso.com"`;
//! - `umpin shell -c "Get-UMMailboxPIN -ResultSize Unlimited | Measure-Object"` over all N.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use umpin_store::Database;

const RUNS: usize = 20;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mailboxes: usize = match args.as_slice() {
        [cmd] if cmd == "bench" => 100_000,
        [cmd, n] if cmd == "bench" => n.parse().map_err(|_| anyhow::anyhow!("'{n}' isn't a number of mailboxes."))?,
        _ => anyhow::bail!("usage: umpin-bench bench [MAILBOXES]  (default 100000)"),
    };
    let umpin = std::env::current_exe()?.with_file_name("umpin");
    if !umpin.exists() {
        anyhow::bail!("{} is missing: build it first with `cargo build --release -p umpin`.", umpin.display());
    }
    let dir = std::env::temp_dir().join(format!("umpin-bench-{}", std::process::id()));
    run(&umpin, &dir, &["init"])?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let started = Instant::now();
    runtime.block_on(seed(&dir, mailboxes))?;
    println!("seeded {mailboxes} UM mailboxes in {:.1} s", started.elapsed().as_secs_f64());

    let one = "Get-UMMailboxPIN -Identity tony@contoso.com";
    let times: Vec<Duration> = (0..RUNS).map(|_| timed(&umpin, &dir, one)).collect::<anyhow::Result<_>>()?;
    report(&format!("umpin shell -c \"{one}\" ({RUNS} runs)"), &times);

    let all = "Get-UMMailboxPIN -ResultSize Unlimited | Measure-Object";
    let times: Vec<Duration> = (0..3).map(|_| timed(&umpin, &dir, all)).collect::<anyhow::Result<_>>()?;
    report(&format!("umpin shell -c \"{all}\" at {mailboxes} UM mailboxes (3 runs)"), &times);
    let out = run(&umpin, &dir, &["shell", "-c", all])?;
    println!("  output: {}", out.split_whitespace().collect::<Vec<_>>().join(" "));
    std::fs::remove_dir_all(&dir)?;
    Ok(())
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

fn report(what: &str, times: &[Duration]) {
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let mut sorted: Vec<f64> = times.iter().copied().map(ms).collect();
    sorted.sort_by(f64::total_cmp);
    let mean = sorted.iter().sum::<f64>() / sorted.len() as f64;
    println!("{what}: mean {mean:.1} ms, min {:.1} ms, median {:.1} ms", sorted[0], sorted[sorted.len() / 2]);
}

async fn seed(dir: &Path, n: usize) -> anyhow::Result<()> {
    let db = Database::connect(&format!("sqlite://{}", PathBuf::from(dir).join("umpin.db").display())).await?;
    umpin_store::testing::seed_um_mailboxes(&db, n).await?;
    db.close().await;
    Ok(())
}
