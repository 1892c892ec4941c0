//! End-to-end benchmark: MQTT clients against a private Mosquitto on loopback.
//!
//! ```sh
//! cargo run --release -p mqtt-benches --bin e2e -- --runs 3
//! ```
//!
//! The parent process starts its own Mosquitto on a free 127.0.0.1 port and runs
//! every (client, scenario) pair in a child process of its own: this same binary,
//! re-executed as `e2e --child <client> <scenario> ...`. The parent reads the
//! child's CPU time and peak RSS from `wait4`'s rusage, samples its `Threads:` in
//! `/proc/PID/status`, and prints one markdown table per scenario with the median
//! of `--runs` runs and ratios to rumqttc measured in the same invocation. See
//! `benches/README.md` ("End-to-end") for the scenarios and what each column means.

mod broker;
mod child;
mod clients;
mod parent;
mod raw;
mod report;

use std::fmt;

/// At most this many publishes are unacknowledged at once (QoS 1 and 2).
pub const WINDOW: usize = 100;
/// Topic of the publish scenarios (nobody subscribes to it).
pub const PUB_TOPIC: &str = "e2e/pub";
/// Topic of the subscribe scenarios (the reference publisher sends to it).
pub const SUB_TOPIC: &str = "e2e/sub";
/// Topic of the round-trip scenario.
pub const RTT_TOPIC: &str = "e2e/rtt";
/// Topic of the scale scenario.
pub const SCALE_TOPIC: &str = "e2e/scale";

/// A client under test; each one is a match arm in [`clients::run`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientKind {
    /// `mqtt_std::Client` (blocking).
    Std,
    /// `mqtt_smol::Client` under `smol`.
    Smol,
    /// `mqtt_tokio::Client` on a tokio current-thread runtime.
    Tokio,
    /// `rumqttc::AsyncClient` + `EventLoop` on a tokio current-thread runtime.
    RumqttcAsync,
    /// `rumqttc::Client` + `Connection` iterator on its own thread.
    RumqttcSync,
    /// A minimal hand-written client (std::net + the mqtt-sansio codec): the floor.
    Raw,
}

impl ClientKind {
    /// Every client, in table order.
    pub const ALL: [ClientKind; 6] = [
        ClientKind::Std,
        ClientKind::Smol,
        ClientKind::Tokio,
        ClientKind::RumqttcAsync,
        ClientKind::RumqttcSync,
        ClientKind::Raw,
    ];

    /// The name used on the command line and in the tables.
    pub fn name(self) -> &'static str {
        match self {
            ClientKind::Std => "mqtt-std",
            ClientKind::Smol => "mqtt-smol",
            ClientKind::Tokio => "mqtt-tokio",
            ClientKind::RumqttcAsync => "rumqttc-async",
            ClientKind::RumqttcSync => "rumqttc-sync",
            ClientKind::Raw => "raw",
        }
    }

    /// Parses a name of [`ClientKind::name`] (or its short form: `std`, `smol`, ...).
    pub fn parse(s: &str) -> Option<ClientKind> {
        ClientKind::ALL
            .into_iter()
            .find(|k| k.name() == s || k.name().trim_start_matches("mqtt-") == s)
    }
}

impl fmt::Display for ClientKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What a child does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scenario {
    /// Publish `msgs` messages at this QoS (0, 1 or 2), at most [`WINDOW`] unacknowledged.
    Publish(u8),
    /// Subscribe at this QoS while the reference publisher sends `msgs` at the same QoS.
    Subscribe(u8),
    /// `rtts` sequential QoS 1 publishes, each waiting for its PUBACK.
    RoundTrip,
    /// `conns` connections in one process, each publishing QoS 1 every `interval` for `secs`.
    Scale,
}

impl Scenario {
    /// Every scenario, in report order.
    pub const ALL: [Scenario; 7] = [
        Scenario::Publish(0),
        Scenario::Publish(1),
        Scenario::Publish(2),
        Scenario::Subscribe(0),
        Scenario::Subscribe(1),
        Scenario::RoundTrip,
        Scenario::Scale,
    ];

    /// The name used on the command line and in the tables.
    pub fn name(self) -> String {
        match self {
            Scenario::Publish(q) => format!("pub-qos{q}"),
            Scenario::Subscribe(q) => format!("sub-qos{q}"),
            Scenario::RoundTrip => "rtt-qos1".into(),
            Scenario::Scale => "scale".into(),
        }
    }

    /// Parses a name of [`Scenario::name`].
    pub fn parse(s: &str) -> Option<Scenario> {
        Scenario::ALL.into_iter().find(|sc| sc.name() == s)
    }
}

/// Sizes of a run, passed from the parent to every child on its command line.
#[derive(Clone, Debug)]
pub struct Params {
    /// Broker port on 127.0.0.1.
    pub port: u16,
    /// Messages of the publish and subscribe scenarios.
    pub msgs: u64,
    /// Payload size in bytes.
    pub payload: usize,
    /// Round trips of the round-trip scenario.
    pub rtts: u64,
    /// Connections of the scale scenario (for this client).
    pub conns: u64,
    /// Connections opened per second in the scale scenario.
    pub rate: u64,
    /// How long each scale connection publishes, in seconds.
    pub secs: u64,
    /// Seconds between two publishes of one scale connection.
    pub interval: u64,
    /// The scale scenario stops opening connections when the process has this many threads.
    pub max_threads: u64,
}

impl Params {
    /// The fields as command-line words, in [`Params::from_args`] order.
    pub fn to_args(&self) -> Vec<String> {
        [
            self.port as u64,
            self.msgs,
            self.payload as u64,
            self.rtts,
            self.conns,
            self.rate,
            self.secs,
            self.interval,
            self.max_threads,
        ]
        .iter()
        .map(|v| v.to_string())
        .collect()
    }

    /// Reads what [`Params::to_args`] wrote.
    pub fn from_args(args: &[String]) -> Option<Params> {
        let v: Vec<u64> = args.iter().map(|a| a.parse().ok()).collect::<Option<_>>()?;
        let [port, msgs, payload, rtts, conns, rate, secs, interval, max_threads] = v[..] else {
            return None;
        };
        Some(Params {
            port: u16::try_from(port).ok()?,
            msgs,
            payload: payload as usize,
            rtts,
            conns,
            rate,
            secs,
            interval,
            max_threads,
        })
    }
}

/// What a child reports on its last stdout line.
#[derive(Clone, Debug, Default)]
pub struct Outcome {
    /// Messages published and acknowledged (QoS 1/2), published (QoS 0), received
    /// (subscribe), round trips, or scale publishes acknowledged.
    pub msgs: u64,
    /// Seconds from the start of the measured work to its end.
    pub secs: f64,
    /// Median round trip in microseconds (round-trip scenario).
    pub p50_us: f64,
    /// 99th percentile round trip in microseconds (round-trip scenario).
    pub p99_us: f64,
    /// Connections that reached CONNACK (scale scenario).
    pub conns: u64,
    /// Failed connects and publishes (scale scenario).
    pub errors: u64,
    /// Resident set size before the first connection (scale scenario), KiB.
    pub base_rss_kib: u64,
    /// Free text: why a scale run stopped early, what failed.
    pub note: String,
}

impl Outcome {
    /// One line, `RESULT` then tab-separated `key=value` fields.
    pub fn to_line(&self) -> String {
        let note: String = self
            .note
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        format!(
            "RESULT\tmsgs={}\tsecs={}\tp50={}\tp99={}\tconns={}\terrors={}\tbase={}\tnote={}",
            self.msgs,
            self.secs,
            self.p50_us,
            self.p99_us,
            self.conns,
            self.errors,
            self.base_rss_kib,
            note
        )
    }

    /// Reads what [`Outcome::to_line`] wrote.
    pub fn from_line(line: &str) -> Option<Outcome> {
        let mut o = Outcome::default();
        let mut fields = line.split('\t');
        if fields.next()? != "RESULT" {
            return None;
        }
        for f in fields {
            let (k, v) = f.split_once('=')?;
            match k {
                "msgs" => o.msgs = v.parse().ok()?,
                "secs" => o.secs = v.parse().ok()?,
                "p50" => o.p50_us = v.parse().ok()?,
                "p99" => o.p99_us = v.parse().ok()?,
                "conns" => o.conns = v.parse().ok()?,
                "errors" => o.errors = v.parse().ok()?,
                "base" => o.base_rss_kib = v.parse().ok()?,
                "note" => o.note = v.to_string(),
                _ => {}
            }
        }
        Some(o)
    }
}

pub use mqtt_benches::raise_fd_limit;

pub use mqtt_benches::threads_of;

/// `VmRSS:` of this process, KiB.
pub fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

/// An error and its source chain, on one line.
pub fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let code = if args.first().map(String::as_str) == Some("--child") {
        child::main(&args[1..])
    } else {
        parent::main(&args)
    };
    std::process::exit(code);
}
