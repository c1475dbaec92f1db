//! `umpin-bench bench`: prints timings of the `umpin` command on a seeded data directory.
//!
//! It needs the release `umpin` binary beside itself (`cargo build --release` builds both). It
//! creates a data directory with `umpin init`, seeds it directly through the store with a dial
//! plan, a policy and N UM mailboxes (PIN data with placeholder sealed bytes: listings never open
//! them, and sealing 100,000 real verifiers would only time Argon2), then times:
//! - process start to output of `umpin shell -c "Get-UMMailboxPIN -Identity tony@contoso.com"`;
//! - `umpin shell -c "Get-UMMailboxPIN -ResultSize Unlimited | Measure-Object"` over all N.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use umpin_domain::{Guid, MailboxPolicy, NewDialPlan, NewMailbox, PinStatus, Timestamp, UmMailbox};
use umpin_store::{Database, PinRecord};

const RUNS: usize = 20;
const SEED_BATCH: usize = 1000;

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

/// A dial plan, its policy and `n` UM mailboxes (the first is tony@contoso.com on 51234).
async fn seed(dir: &Path, n: usize) -> anyhow::Result<()> {
    let db = Database::connect(&format!("sqlite://{}", PathBuf::from(dir).join("umpin.db").display())).await?;
    let now = Timestamp::now();
    let mut new = NewDialPlan::new("Bench Dial Plan", 6, "1");
    new.generate_um_mailbox_policy = false;
    let plan = new.validate(Guid::new_v4(), now)?;
    let policy = MailboxPolicy::new(Guid::new_v4(), "Bench Policy", plan.guid, now)?;
    let mut tx = db.begin().await?;
    tx.insert_dial_plan(&plan).await?;
    tx.insert_policy(&policy).await?;
    tx.commit().await?;
    for start in (0..n).step_by(SEED_BATCH) {
        let mut tx = db.begin().await?;
        for i in start..(start + SEED_BATCH).min(n) {
            let (name, address) = if i == 0 {
                ("Tony Smith".to_owned(), "tony@contoso.com".to_owned())
            } else {
                (format!("User {i:06}"), format!("user{i:06}@contoso.com"))
            };
            let mailbox = NewMailbox { name, primary_smtp_address: address, ..Default::default() }
                .validate(Guid::new_v4(), now)?;
            tx.insert_mailbox(&mailbox).await?;
            let extension = format!("{:06}", 100_000 + i);
            let um = UmMailbox::enable(mailbox.guid, policy.guid, &plan, vec![extension], None, None, now);
            tx.put_um_mailbox(&um).await?;
            let record = PinRecord {
                status: PinStatus::new_pin(6, true, true, false, now),
                sealed_pin: vec![0; 128],
                history: vec![vec![0; 37]],
                version: 0,
            };
            tx.put_pin(mailbox.guid, &record).await?;
        }
        tx.commit().await?;
    }
    db.close().await;
    Ok(())
}
