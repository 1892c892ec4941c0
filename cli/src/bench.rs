//! `mqtt bench pub|sub|conn`: many connections in one process (tasks on one
//! thread), opened at a given pace, publishing at a given rate or
//! subscribing; a progress line every second and a summary with latency
//! percentiles at the end.
//!
//! Latency: `pub` at QoS 1/2 measures publish → PUBACK/PUBCOMP; `sub`
//! measures publish → delivery for payloads sent by `mqtt bench pub` (they
//! start with a 12-byte header: `mqb1` and the send time in nanoseconds
//! since the Unix epoch), so a `sub` and a `pub` run side by side give the
//! end-to-end latency.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use clap::{Args, ValueEnum};
use futures_lite::StreamExt;
use mqtt_tokio::{Client, Options, ProtocolVersion, Publish, QoS};

use crate::conn::{parse_qos, parse_version};
use crate::Failure;

/// What each connection does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Mode {
    /// Publish every -I milliseconds.
    Pub,
    /// Subscribe to -t and count what arrives.
    Sub,
    /// Only connect and stay connected.
    Conn,
}

/// `mqtt bench` flags (named after emqtt-bench's where they do not clash).
#[derive(Args, Debug, Clone)]
#[command(disable_help_flag = true)]
pub struct BenchArgs {
    /// pub, sub or conn.
    #[arg(value_enum)]
    pub mode: Mode,
    /// Broker host.
    #[arg(short = 'h', long = "host", default_value = "localhost")]
    pub host: String,
    /// Broker port.
    #[arg(short = 'p', long = "port", default_value_t = 1883)]
    pub port: u16,
    /// Broker URL (mqtt://, mqtts://, ws://, wss://); overrides -h / -p.
    #[arg(long = "url")]
    pub url: Option<String>,
    /// MQTT version: mqttv5, mqttv311, mqttv31.
    #[arg(short = 'V', long = "protocol-version", value_parser = parse_version, default_value = "mqttv311")]
    pub version: ProtocolVersion,
    /// User name.
    #[arg(short = 'u', long = "username")]
    pub username: Option<String>,
    /// Password.
    #[arg(short = 'P', long = "password")]
    pub password: Option<String>,
    /// Number of connections.
    #[arg(short = 'c', long = "count", default_value_t = 200)]
    pub count: usize,
    /// Milliseconds between two connection starts (0: all at once).
    #[arg(short = 'i', long = "interval", default_value_t = 1)]
    pub interval: u64,
    /// pub: milliseconds between two publishes of one connection (0: back to back, as fast as
    /// the in-flight window allows).
    #[arg(short = 'I', long = "interval-of-msg", default_value_t = 1000)]
    pub msg_interval: u64,
    /// QoS 1/2 messages of one connection awaiting their acknowledgement at most.
    #[arg(long = "inflight", default_value_t = 100)]
    pub inflight: u16,
    /// Topic (pub) or filter (sub); %i is the connection number, %c the client id.
    #[arg(short = 't', long = "topic", default_value = "bench/%i")]
    pub topic: String,
    /// QoS of the publishes or subscriptions.
    #[arg(short = 'q', long = "qos", value_parser = parse_qos, default_value = "0")]
    pub qos: QoS,
    /// pub: payload size in bytes (at least 12 carries the send time for latency).
    #[arg(short = 's', long = "size", default_value_t = 256)]
    pub size: usize,
    /// First connection number.
    #[arg(short = 'n', long = "start-number", default_value_t = 0)]
    pub start: usize,
    /// pub: messages per connection; once each has sent its limit and had it acknowledged,
    /// the run ends (0: no limit, run for --duration).
    #[arg(long = "limit", default_value_t = 0)]
    pub limit: u64,
    /// Seconds to run once every connection was started.
    #[arg(long = "duration", default_value_t = 10)]
    pub duration: u64,
    /// Keep alive in seconds.
    #[arg(short = 'k', long = "keepalive", default_value_t = 300)]
    pub keepalive: u16,
    /// Client id prefix (each id is the prefix and the connection number).
    #[arg(long = "prefix", default_value = "mqtt-bench")]
    pub prefix: String,
    /// Write the summary as JSON to this file too.
    #[arg(long = "json", value_name = "FILE")]
    pub json: Option<String>,
    /// Print help.
    #[arg(long = "help", action = clap::ArgAction::Help)]
    pub help: Option<bool>,
}

/// Counters shared by every connection.
#[derive(Default)]
struct Stats {
    connected: AtomicU64,
    sent: AtomicU64,
    received: AtomicU64,
    inflight: AtomicU64,
    errors: AtomicU64,
    /// pub connections that published their --limit and had it acknowledged.
    finished: AtomicU64,
    window: Mutex<Histogram>,
    total: Mutex<Histogram>,
    first_error: Mutex<Option<String>>,
}

impl Stats {
    fn latency(&self, micros: u64) {
        lock(&self.window).record(micros);
        lock(&self.total).record(micros);
    }

    fn error(&self, e: impl std::fmt::Display) {
        self.errors.fetch_add(1, Ordering::Relaxed);
        let mut first = lock(&self.first_error);
        if first.is_none() {
            *first = Some(e.to_string());
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Log-linear histogram of microseconds: 64 sub-buckets per power of two
/// (values within 1.6 % of each other share a bucket), as HdrHistogram does.
#[derive(Clone)]
pub struct Histogram {
    counts: Vec<u64>,
    n: u64,
    max: u64,
    sum: u128,
}

impl Default for Histogram {
    fn default() -> Histogram {
        Histogram {
            counts: vec![0; 128 + 57 * 64],
            n: 0,
            max: 0,
            sum: 0,
        }
    }
}

impl Histogram {
    fn index(v: u64) -> usize {
        if v < 128 {
            return v as usize;
        }
        let msb = 63 - v.leading_zeros() as u64;
        let shift = msb - 6;
        let top = v >> shift;
        (128 + (shift - 1) * 64 + (top - 64)) as usize
    }

    /// The highest value of bucket `i`.
    fn high(i: usize) -> u64 {
        if i < 128 {
            return i as u64;
        }
        let shift = (i as u64 - 128) / 64 + 1;
        let top = (i as u64 - 128) % 64 + 64;
        ((u128::from(top + 1) << shift) - 1).min(u128::from(u64::MAX)) as u64
    }

    /// Counts one value.
    pub fn record(&mut self, v: u64) {
        self.counts[Self::index(v)] += 1;
        self.n += 1;
        self.max = self.max.max(v);
        self.sum += u128::from(v);
    }

    /// The value at quantile `q` (0..=1): the highest value of its bucket, at
    /// most the largest value recorded.
    pub fn quantile(&self, q: f64) -> u64 {
        if self.n == 0 {
            return 0;
        }
        let rank = ((q * self.n as f64).ceil() as u64).clamp(1, self.n);
        let mut seen = 0;
        for (i, c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= rank {
                return Self::high(i).min(self.max);
            }
        }
        self.max
    }

    fn mean(&self) -> f64 {
        if self.n == 0 {
            0.0
        } else {
            self.sum as f64 / self.n as f64
        }
    }
}

fn fmt_us(us: u64) -> String {
    if us >= 10_000 {
        format!("{:.1}ms", us as f64 / 1000.0)
    } else if us >= 1000 {
        format!("{:.2}ms", us as f64 / 1000.0)
    } else {
        format!("{us}µs")
    }
}

fn now_nanos() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
}

const MAGIC: &[u8; 4] = b"mqb1";

/// Raises the open-file limit to its hard maximum (10,000 connections need
/// 10,000 descriptors; the usual soft limit is 1,024).
fn raise_fd_limit() {
    use rustix::process::{getrlimit, setrlimit, Resource};
    let mut limit = getrlimit(Resource::Nofile);
    if limit.current < limit.maximum {
        limit.current = limit.maximum;
        let _ = setrlimit(Resource::Nofile, limit);
    }
}

/// Runs `mqtt bench`.
pub async fn run(args: BenchArgs) -> Result<(), Failure> {
    if args.count == 0 {
        return Err(Failure::Usage("-c must be at least 1".into()));
    }
    if args.mode == Mode::Pub
        && args.msg_interval == 0
        && args.qos == QoS::AtMostOnce
        && args.limit == 0
    {
        return Err(Failure::Usage(
            "-I 0 at QoS 0 needs --limit: nothing would slow it down".into(),
        ));
    }
    raise_fd_limit();
    let url = match &args.url {
        Some(u) => u.clone(),
        None if args.host.contains(':') => format!("mqtt://[{}]:{}", args.host, args.port),
        None => format!("mqtt://{}:{}", args.host, args.port),
    };
    let stats = Arc::new(Stats::default());
    let stop = Arc::new(tokio::sync::Notify::new());
    let stopping = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let started = Instant::now();
    let cpu_start = cpu_time();

    let reporter = {
        let stats = stats.clone();
        let count = args.count;
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(1));
            tick.tick().await;
            let (mut last_sent, mut last_recv) = (0, 0);
            loop {
                tick.tick().await;
                let sent = stats.sent.load(Ordering::Relaxed);
                let recv = stats.received.load(Ordering::Relaxed);
                let w = std::mem::take(&mut *lock(&stats.window));
                eprintln!(
                    "{:>4}s connected {}/{} sent {}/s received {}/s in flight {} errors {} latency p50 {} p99 {}",
                    started.elapsed().as_secs(),
                    stats.connected.load(Ordering::Relaxed),
                    count,
                    sent - last_sent,
                    recv - last_recv,
                    stats.inflight.load(Ordering::Relaxed),
                    stats.errors.load(Ordering::Relaxed),
                    fmt_us(w.quantile(0.5)),
                    fmt_us(w.quantile(0.99)),
                );
                last_sent = sent;
                last_recv = recv;
            }
        })
    };

    let mut tasks = Vec::with_capacity(args.count);
    for n in args.start..args.start + args.count {
        let args = args.clone();
        let stats = stats.clone();
        let stop = stop.clone();
        let stopping = stopping.clone();
        let url = url.clone();
        let interval = args.interval;
        tasks.push(tokio::spawn(async move {
            connection(n, &args, &url, &stats, &stop, &stopping).await
        }));
        if interval > 0 {
            tokio::time::sleep(Duration::from_millis(interval)).await;
        }
    }
    let all_started = started.elapsed();
    // Until --duration has passed, or every pub connection has sent its --limit.
    let end = tokio::time::sleep(Duration::from_secs(args.duration));
    tokio::pin!(end);
    loop {
        tokio::select! {
            _ = &mut end => break,
            _ = tokio::time::sleep(Duration::from_millis(20)) => {
                let all_done = stats.finished.load(Ordering::Relaxed) + stats.errors.load(Ordering::Relaxed) >= args.count as u64;
                if args.mode == Mode::Pub && args.limit > 0 && all_done {
                    break;
                }
            }
        }
    }
    stopping.store(true, Ordering::Relaxed);
    stop.notify_waiters();
    let held = stats.connected.load(Ordering::Relaxed);
    for t in tasks {
        let _ = t.await;
    }
    reporter.abort();
    let elapsed = started.elapsed();
    let cpu = cpu_time().saturating_sub(cpu_start);
    summary(&args, &stats, held, elapsed, all_started, cpu)
}

async fn connection(
    n: usize,
    args: &BenchArgs,
    url: &str,
    stats: &Stats,
    stop: &tokio::sync::Notify,
    stopping: &std::sync::atomic::AtomicBool,
) {
    let id = format!("{}{n}", args.prefix);
    let topic = args.topic.replace("%i", &n.to_string()).replace("%c", &id);
    let mut options = Options::new()
        .client_id(id)
        .protocol(args.version)
        .keep_alive(Duration::from_secs(args.keepalive.into()))
        .max_inflight(args.inflight.max(1));
    if let Some(u) = &args.username {
        options = options.username(u.clone());
    }
    if let Some(p) = &args.password {
        let p = p.clone();
        options = options.configure(|c| c.password = Some(p.into_bytes().into()));
    }
    let client = match Client::connect(url, options).await {
        Ok(c) => c,
        Err(e) => return stats.error(format!("connect: {e}")),
    };
    stats.connected.fetch_add(1, Ordering::Relaxed);
    let stopped = stop.notified();
    tokio::pin!(stopped);
    stopped.as_mut().enable();
    if stopping.load(Ordering::Relaxed) {
        return finish(client, stats).await;
    }
    match args.mode {
        Mode::Conn => stopped.await,
        Mode::Sub => {
            let mut s = match client.subscribe_stream([(topic.as_str(), args.qos)]).await {
                Ok(s) => s,
                Err(e) => return stats.error(format!("subscribe: {e}")),
            };
            if s.ack().granted().iter().any(Option::is_none) {
                stats.error("subscribe: refused by the broker");
            }
            loop {
                tokio::select! {
                    _ = &mut stopped => break,
                    m = s.next() => {
                        let Some(m) = m else { break };
                        stats.received.fetch_add(1, Ordering::Relaxed);
                        let p = m.payload();
                        if p.len() >= 12 && &p[..4] == MAGIC {
                            let sent = u64::from_be_bytes(p[4..12].try_into().unwrap_or([0; 8]));
                            stats.latency(now_nanos().saturating_sub(sent) / 1000);
                        }
                    }
                }
            }
        }
        Mode::Pub => {
            // Spread the connections' publishes over the interval; -I 0:
            // back to back, as fast as the in-flight window lets them go.
            let period = Duration::from_millis(args.msg_interval.max(1));
            let mut tick = tokio::time::interval_at(
                tokio::time::Instant::now() + period.mul_f64((n % 1000) as f64 / 1000.0),
                period,
            );
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            let flood = args.msg_interval == 0;
            let mut sent = 0u64;
            let mut waiting = tokio::task::JoinSet::new();
            let done = |r: Result<
                (Result<mqtt_tokio::PublishAck, mqtt_tokio::Error>, Instant),
                tokio::task::JoinError,
            >| {
                stats.inflight.fetch_sub(1, Ordering::Relaxed);
                match r {
                    Ok((Ok(_), at)) => stats.latency(at.elapsed().as_micros() as u64),
                    Ok((Err(e), _)) => stats.error(format!("publish: {e}")),
                    Err(e) => stats.error(format!("publish: {e}")),
                }
            };
            loop {
                let more = args.limit == 0 || sent < args.limit;
                if !more && waiting.is_empty() {
                    break;
                }
                tokio::select! {
                    biased;
                    _ = &mut stopped => break,
                    Some(r) = waiting.join_next(), if !waiting.is_empty() => done(r),
                    _ = tick.tick(), if more && !flood => {
                        if publish_one(&client, args, &topic, stats, &mut waiting).await {
                            sent += 1;
                        }
                    }
                    _ = std::future::ready(()), if more && flood && (args.qos == QoS::AtMostOnce || waiting.len() < usize::from(args.inflight.max(1))) => {
                        if publish_one(&client, args, &topic, stats, &mut waiting).await {
                            sent += 1;
                        }
                    }
                }
            }
            while let Some(r) = waiting.join_next().await {
                done(r);
            }
            stats.finished.fetch_add(1, Ordering::Relaxed);
        }
    }
    finish(client, stats).await
}

type Waiting = tokio::task::JoinSet<(Result<mqtt_tokio::PublishAck, mqtt_tokio::Error>, Instant)>;

/// Publishes one message; `true` when the client took it.
async fn publish_one(
    client: &Client,
    args: &BenchArgs,
    topic: &str,
    stats: &Stats,
    waiting: &mut Waiting,
) -> bool {
    let mut payload = vec![b'x'; args.size];
    if args.size >= 12 {
        payload[..4].copy_from_slice(MAGIC);
        payload[4..12].copy_from_slice(&now_nanos().to_be_bytes());
    }
    let at = Instant::now();
    match client
        .publish_with(Publish::new(topic, payload).qos(args.qos))
        .await
    {
        Ok(handle) => {
            stats.sent.fetch_add(1, Ordering::Relaxed);
            if args.qos != QoS::AtMostOnce {
                stats.inflight.fetch_add(1, Ordering::Relaxed);
                waiting.spawn(async move { (handle.await, at) });
            }
            true
        }
        Err(e) => {
            stats.error(format!("publish: {e}"));
            false
        }
    }
}

async fn finish(client: Client, stats: &Stats) {
    if let Err(e) = client.disconnect().await {
        stats.error(format!("disconnect: {e}"));
    }
}

/// User + system CPU time of this process (Linux: `/proc/self/stat`, in
/// clock ticks of 10 ms; zero elsewhere).
fn cpu_time() -> Duration {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return Duration::ZERO;
    };
    // Fields after the command name (which is in parentheses): state is
    // field 3, utime 14 and stime 15.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<u64> = rest
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|x| x.parse().ok())
        .collect();
    Duration::from_millis(f.iter().sum::<u64>() * 10)
}

/// Peak resident set size in KiB (Linux: `VmHWM`; zero elsewhere).
fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

fn summary(
    args: &BenchArgs,
    stats: &Stats,
    held: u64,
    elapsed: Duration,
    all_started: Duration,
    cpu: Duration,
) -> Result<(), Failure> {
    let total = lock(&stats.total).clone();
    let sent = stats.sent.load(Ordering::Relaxed);
    let received = stats.received.load(Ordering::Relaxed);
    let errors = stats.errors.load(Ordering::Relaxed);
    let connected = stats.connected.load(Ordering::Relaxed);
    let secs = elapsed.as_secs_f64();
    let messages = sent.max(received);
    let cpu_per_msg = if messages > 0 {
        cpu.as_secs_f64() * 1e6 / messages as f64
    } else {
        0.0
    };
    let rss = peak_rss_kib();
    let quantiles = [0.5, 0.9, 0.99, 0.999, 1.0];
    println!("mqtt bench {:?}: {} connections ({} connected, {} held at the end), all started in {:.2} s, ran {:.1} s", args.mode, args.count, connected, held, all_started.as_secs_f64(), secs);
    println!("  sent      {sent} ({:.0}/s)", sent as f64 / secs);
    println!("  received  {received} ({:.0}/s)", received as f64 / secs);
    println!("  errors    {errors}");
    if let Some(e) = lock(&stats.first_error).as_ref() {
        println!("  first error: {e}");
    }
    println!(
        "  CPU       {:.2} s ({:.1} µs per message), peak RSS {:.1} MiB ({:.1} KiB per connection), 1 thread",
        cpu.as_secs_f64(),
        cpu_per_msg,
        rss as f64 / 1024.0,
        rss as f64 / args.count as f64
    );
    if total.n > 0 {
        println!(
            "  latency ({} samples, {}): mean {}",
            total.n,
            if args.mode == Mode::Pub {
                "publish to acknowledgement"
            } else {
                "publish to delivery"
            },
            fmt_us(total.mean() as u64)
        );
        for q in quantiles {
            println!(
                "    p{:<6} {}",
                format!("{}", q * 100.0),
                fmt_us(total.quantile(q))
            );
        }
    }
    if let Some(path) = &args.json {
        let mut j = format!(
            "{{\"mode\":\"{:?}\",\"connections\":{},\"connected\":{},\"held\":{},\"seconds\":{:.3},\"sent\":{},\"received\":{},\"errors\":{},\"cpu_seconds\":{:.3},\"cpu_us_per_message\":{:.2},\"peak_rss_kib\":{},\"latency_us\":{{\"samples\":{},\"mean\":{:.1}",
            args.mode, args.count, connected, held, secs, sent, received, errors, cpu.as_secs_f64(), cpu_per_msg, rss, total.n, total.mean()
        );
        for q in quantiles {
            j.push_str(&format!(",\"p{}\":{}", q * 100.0, total.quantile(q)));
        }
        j.push_str("}}\n");
        std::fs::write(path, j)
            .map_err(|e| Failure::Error(format!("cannot write --json {path}: {e}")))?;
    }
    if connected < args.count as u64 {
        return Err(Failure::Error(format!(
            "{} of {} connections failed",
            args.count as u64 - connected,
            args.count
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_buckets_hold_their_values_within_two_percent() {
        for v in [0u64, 1, 127, 128, 129, 1000, 65_535, 1 << 40, u64::MAX] {
            let i = Histogram::index(v);
            assert!(Histogram::high(i) >= v, "{v}");
            if i > 0 {
                assert!(Histogram::high(i - 1) < v, "{v}");
            }
            assert!(
                (Histogram::high(i) - v) as f64 <= v as f64 / 60.0 + 1.0,
                "{v}"
            );
        }
    }

    #[test]
    fn quantiles_come_from_the_recorded_values() {
        let mut h = Histogram::default();
        for v in 1..=1000 {
            h.record(v);
        }
        assert_eq!(h.quantile(0.0), 1);
        let p50 = h.quantile(0.5);
        assert!((500..=508).contains(&p50), "{p50}");
        assert_eq!(h.quantile(1.0), 1000);
        assert_eq!(Histogram::default().quantile(0.5), 0);
    }
}
