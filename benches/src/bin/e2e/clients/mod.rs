//! The clients under test, each running the scenarios through its public API as a user
//! would. Adding a client is one module and one match arm in [`run`].

mod ours_async;
mod ours_std;
mod raw_client;
mod rumqttc_async;
mod rumqttc_sync;

use std::io::Write;
use std::time::{Duration, Instant};

use bytes::Bytes;

use crate::{ClientKind, Outcome, Params, Scenario};

/// How long a subscriber waits for the first message.
pub const FIRST_WAIT: Duration = Duration::from_secs(60);

/// A subscriber stops after this long without a message: QoS 0 may lose messages (the
/// count is the result), QoS 1 must not (so the wait is long).
pub fn silence(qos: u8) -> Duration {
    if qos == 0 {
        Duration::from_secs(2)
    } else {
        Duration::from_secs(30)
    }
}

/// Runs `sc` with client `kind` in this process.
pub fn run(kind: ClientKind, sc: Scenario, p: &Params) -> Result<Outcome, String> {
    match kind {
        ClientKind::Std => ours_std::run(sc, p),
        ClientKind::Smol => ours_async::run::<ours_async::Smol>(sc, p),
        ClientKind::Tokio => ours_async::run::<ours_async::Tokio>(sc, p),
        ClientKind::RumqttcAsync => rumqttc_async::run(sc, p),
        ClientKind::RumqttcSync => rumqttc_sync::run(sc, p),
        ClientKind::Raw => raw_client::run(sc, p),
    }
}

/// Whether `kind` can run `sc` at all (the parent skips the others, reporting n/a).
pub fn supports(kind: ClientKind, sc: Scenario) -> Result<(), &'static str> {
    match (kind, sc) {
        (ClientKind::RumqttcSync | ClientKind::Raw, Scenario::Scale) => Err("n/a (not asked)"),
        _ => Ok(()),
    }
}

/// The payload of every message: `size` bytes.
pub fn payload(p: &Params) -> Bytes {
    Bytes::from(vec![0xA5; p.payload])
}

/// Tells the parent that the subscription is in place (it then starts the publisher).
pub fn ready() {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "READY");
    let _ = out.flush();
}

/// The outcome of a subscribe scenario: `got` messages from `ready_at` to `last`.
pub fn received(got: u64, ready_at: Instant, last: Option<Instant>, want: u64) -> Outcome {
    let secs = last.map_or(0.0, |l| (l - ready_at).as_secs_f64());
    Outcome {
        msgs: got,
        secs,
        note: if got < want {
            format!("{} of {want} received", got)
        } else {
            String::new()
        },
        ..Outcome::default()
    }
}

/// The outcome of the round-trip scenario.
pub fn round_trips(mut times: Vec<Duration>, total: Duration) -> Outcome {
    times.sort_unstable();
    let pct = |q: f64| {
        if times.is_empty() {
            return 0.0;
        }
        let i = ((times.len() as f64 * q).ceil() as usize).clamp(1, times.len()) - 1;
        times[i].as_secs_f64() * 1e6
    };
    Outcome {
        msgs: times.len() as u64,
        secs: total.as_secs_f64(),
        p50_us: pct(0.50),
        p99_us: pct(0.99),
        ..Outcome::default()
    }
}

/// The scale scenario's schedule: connection `i` of `conns` opens at `start + i / rate`.
pub fn open_at(start: Instant, i: u64, p: &Params) -> Instant {
    start + Duration::from_secs_f64(i as f64 / p.rate.max(1) as f64)
}

/// The scale scenario's schedule: connection `i` publishes its `round`-th message at
/// `start + round * interval + i * interval / conns` (the publishes are spread evenly).
pub fn publish_at(start: Instant, i: u64, round: u64, p: &Params) -> Instant {
    let interval = p.interval.max(1) as f64;
    start + Duration::from_secs_f64(round as f64 * interval + i as f64 * interval / p.conns as f64)
}

/// Publishes per connection in the scale scenario.
pub fn rounds(p: &Params) -> u64 {
    (p.secs / p.interval.max(1)).max(1)
}

/// True when this process has reached the scale scenario's thread cap: the bench stops
/// opening connections there rather than exhaust the machine's process ids.
pub fn at_thread_cap(p: &Params) -> bool {
    crate::threads_of("self").is_some_and(|t| t >= p.max_threads)
}

/// The note of a scale run that stopped opening connections, and why.
pub fn aborted(opened: u64, why: Option<String>) -> Option<String> {
    why.map(|why| format!("aborted at {opened} connections: {why}"))
}

/// The outcome of a scale run; `note` says why it stopped early or what failed first.
pub fn scale_outcome(
    base_rss_kib: u64,
    opened: u64,
    acked: u64,
    errors: u64,
    note: Option<String>,
    secs: f64,
) -> Outcome {
    Outcome {
        base_rss_kib,
        msgs: acked,
        secs,
        conns: opened,
        errors,
        note: note.unwrap_or_default(),
        ..Outcome::default()
    }
}
