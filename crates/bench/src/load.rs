//! Loopback load with a bounded duration and count: keep-alive HTTP/1.1 connections (hyper's
//! client, one task each), each sending its next GET as soon as the last one is answered, every
//! request's latency (from sending to the last byte of the answer) recorded.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper::header;
use hyper_util::rt::TokioIo;

/// How much load: connections at once, and when to stop (whichever comes first).
#[derive(Clone, Copy, Debug)]
pub struct Load {
    pub connections: usize,
    pub duration: Duration,
    pub requests: usize,
}

/// What a load gave: the requests answered 200, those answered otherwise, the time from the
/// first connection to the last answer, and the latencies of the answered, sorted.
#[derive(Debug, Default)]
pub struct Outcome {
    pub answered: usize,
    pub refused: usize,
    pub first_refusal: Option<String>,
    pub elapsed: Duration,
    pub latencies: Vec<Duration>,
}

impl Outcome {
    /// Answered requests per second.
    pub fn per_second(&self) -> f64 {
        let seconds = self.elapsed.as_secs_f64();
        if seconds > 0.0 { self.answered as f64 / seconds } else { 0.0 }
    }

    /// The latency at percentile `p` (0 to 100) of the answered requests.
    pub fn percentile(&self, p: f64) -> Duration {
        percentile(&self.latencies, p)
    }

    /// This outcome and another of the same load, as one: counts and times added, latencies merged.
    pub fn merge(mut self, other: Outcome) -> Outcome {
        self.answered += other.answered;
        self.refused += other.refused;
        self.first_refusal = self.first_refusal.or(other.first_refusal);
        self.elapsed += other.elapsed;
        self.latencies.extend(other.latencies);
        self.latencies.sort_unstable();
        self
    }
}

/// The nearest-rank percentile `p` (0 to 100) of sorted latencies: the smallest that at least
/// `p` % of them don't exceed. Zero when there are none.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = (p.clamp(0.0, 100.0) / 100.0 * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Drives `load` at the servers `targets` (connection `k` to `targets[k % targets.len()]`):
/// each request a `GET` of the path `path` gives for the connection's random numbers, with
/// `Authorization: Bearer token`.
pub async fn drive<P>(targets: &[SocketAddr], token: &str, load: Load, path: P) -> anyhow::Result<Outcome>
where
    P: Fn(&mut fastrand::Rng) -> String + Send + Sync + 'static,
{
    anyhow::ensure!(!targets.is_empty(), "no server to load");
    let path = Arc::new(path);
    let issued = Arc::new(AtomicUsize::new(0));
    let authorization = format!("Bearer {token}");
    let started = Instant::now();
    let deadline = started + load.duration;
    let mut tasks = Vec::with_capacity(load.connections);
    for k in 0..load.connections {
        let target = targets[k % targets.len()];
        let (path, issued, authorization) = (path.clone(), issued.clone(), authorization.clone());
        let mut rng = fastrand::Rng::with_seed(k as u64);
        tasks.push(tokio::spawn(async move {
            let stream = tokio::net::TcpStream::connect(target).await?;
            stream.set_nodelay(true)?;
            let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
            tokio::spawn(connection);
            let host = target.to_string();
            let mut outcome = Outcome::default();
            while Instant::now() < deadline && issued.fetch_add(1, Ordering::Relaxed) < load.requests {
                let request = hyper::Request::get((*path)(&mut rng))
                    .header(header::HOST, &host)
                    .header(header::AUTHORIZATION, &authorization)
                    .body(Empty::<Bytes>::new())?;
                let sent = Instant::now();
                sender.ready().await?;
                let answer = sender.send_request(request).await?;
                let status = answer.status();
                let body = answer.into_body().collect().await?.to_bytes();
                if status == hyper::StatusCode::OK {
                    outcome.latencies.push(sent.elapsed());
                    outcome.answered += 1;
                } else {
                    outcome.refused += 1;
                    outcome
                        .first_refusal
                        .get_or_insert_with(|| format!("{status}: {}", String::from_utf8_lossy(&body)));
                }
            }
            anyhow::Ok(outcome)
        }));
    }
    let mut total = Outcome::default();
    for task in tasks {
        let outcome = task.await??;
        total.answered += outcome.answered;
        total.refused += outcome.refused;
        total.first_refusal = total.first_refusal.or(outcome.first_refusal);
        total.latencies.extend(outcome.latencies);
    }
    total.elapsed = started.elapsed();
    total.latencies.sort_unstable();
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(values: &[u64]) -> Vec<Duration> {
        values.iter().copied().map(Duration::from_millis).collect()
    }

    #[test]
    fn a_percentile_is_the_smallest_latency_that_that_share_does_not_exceed() {
        let sorted = ms(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        assert_eq!(percentile(&sorted, 50.0), Duration::from_millis(5));
        assert_eq!(percentile(&sorted, 51.0), Duration::from_millis(6));
        assert_eq!(percentile(&sorted, 99.0), Duration::from_millis(10));
        assert_eq!(percentile(&sorted, 100.0), Duration::from_millis(10));
    }

    #[test]
    fn the_lowest_percentiles_are_the_fastest_latency() {
        let sorted = ms(&[3, 4, 9]);
        assert_eq!(percentile(&sorted, 0.0), Duration::from_millis(3));
        assert_eq!(percentile(&sorted, 1.0), Duration::from_millis(3));
    }

    #[test]
    fn the_99th_percentile_of_a_hundred_latencies_is_the_99th() {
        let sorted: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(percentile(&sorted, 99.0), Duration::from_millis(99));
        assert_eq!(percentile(&sorted, 50.0), Duration::from_millis(50));
    }

    #[test]
    fn no_latency_has_a_zero_percentile() {
        assert_eq!(percentile(&[], 99.0), Duration::ZERO);
    }

    #[test]
    fn merged_outcomes_add_their_counts_and_times_and_keep_latencies_sorted() {
        let a = Outcome { answered: 2, elapsed: Duration::from_secs(1), latencies: ms(&[1, 5]), ..Outcome::default() };
        let b = Outcome { answered: 2, elapsed: Duration::from_secs(1), latencies: ms(&[2, 3]), ..Outcome::default() };
        let both = a.merge(b);
        assert_eq!(both.answered, 4);
        assert_eq!(both.elapsed, Duration::from_secs(2));
        assert_eq!(both.latencies, ms(&[1, 2, 3, 5]));
        assert!((both.per_second() - 2.0).abs() < 1e-9);
    }
}
