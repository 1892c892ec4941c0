//! How long the `try_` calls take while many clients in one process fail
//! over to a second broker: the scenario in which a `try_` call once waited
//! 1.2 s (issue 9).
//!
//! ```sh
//! cargo run --release -p mqtt-benches --bin failover -- std 1500
//! ```
//!
//! Starts two private Mosquittos on free loopback ports, connects `clients`
//! clients of one adapter (`std`, `smol` or `tokio`) to the first with the
//! second as their fail-over server, and loops over them on one thread for
//! `secs` seconds: each turn takes the client's last publish handle's
//! `try_result` and, once it resolved, makes a QoS 1 `try_publish`. At
//! `kill_at` seconds the first broker is killed, and every client moves to
//! the second. Prints the slowest `try_publish` and `try_result`, their
//! 99.9th percentiles, and the longest time one turn of the loop took,
//! beside the same figures for timing nothing at all (the worst time the
//! loop's thread was preempted, which every sample can include).

#[path = "e2e/broker.rs"]
#[allow(dead_code)] // `Broker::version` is for the e2e report only.
mod broker;

use mqtt_adapter::api::{Error, Options, Publish, PublishAck, QoS, ReconnectPolicy};
use std::time::{Duration, Instant};

/// Mosquitto's in-flight window towards each client (`broker.rs`).
const WINDOW: usize = 100;

/// One adapter's client as this loop calls it.
trait Fleet {
    type Client;
    type Handle;
    fn connect(&self, url: &str, options: Options) -> Result<Self::Client, Error>;
    fn try_publish(c: &Self::Client, p: Publish) -> Result<Self::Handle, Error>;
    fn try_result(h: &mut Self::Handle) -> Option<Result<PublishAck, Error>>;
    fn abort(&self, c: Self::Client);
    fn is_connected(c: &Self::Client) -> bool;
}

struct Std;
impl Fleet for Std {
    type Client = mqtt_std::Client;
    type Handle = mqtt_std::PublishHandle;
    fn connect(&self, url: &str, options: Options) -> Result<Self::Client, Error> {
        mqtt_std::Client::connect(url, options)
    }
    fn try_publish(c: &Self::Client, p: Publish) -> Result<Self::Handle, Error> {
        c.try_publish_with(p)
    }
    fn try_result(h: &mut Self::Handle) -> Option<Result<PublishAck, Error>> {
        h.try_result()
    }
    fn abort(&self, c: Self::Client) {
        let _ = c.disconnect_timeout(Duration::ZERO);
    }
    fn is_connected(c: &Self::Client) -> bool {
        c.is_connected()
    }
}

struct Smol;
impl Fleet for Smol {
    type Client = mqtt_smol::Client;
    type Handle = mqtt_smol::PublishHandle;
    fn connect(&self, url: &str, options: Options) -> Result<Self::Client, Error> {
        smol::block_on(mqtt_smol::Client::connect(url, options))
    }
    fn try_publish(c: &Self::Client, p: Publish) -> Result<Self::Handle, Error> {
        c.try_publish_with(p)
    }
    fn try_result(h: &mut Self::Handle) -> Option<Result<PublishAck, Error>> {
        h.try_result()
    }
    fn abort(&self, c: Self::Client) {
        smol::block_on(c.abort());
    }
    fn is_connected(c: &Self::Client) -> bool {
        c.is_connected()
    }
}

struct Tokio(tokio::runtime::Runtime);
impl Fleet for Tokio {
    type Client = mqtt_tokio::Client;
    type Handle = mqtt_tokio::PublishHandle;
    fn connect(&self, url: &str, options: Options) -> Result<Self::Client, Error> {
        self.0.block_on(mqtt_tokio::Client::connect(url, options))
    }
    fn try_publish(c: &Self::Client, p: Publish) -> Result<Self::Handle, Error> {
        c.try_publish_with(p)
    }
    fn try_result(h: &mut Self::Handle) -> Option<Result<PublishAck, Error>> {
        h.try_result()
    }
    fn abort(&self, c: Self::Client) {
        self.0.block_on(c.abort());
    }
    fn is_connected(c: &Self::Client) -> bool {
        c.is_connected()
    }
}

/// Durations of one kind of call, in nanoseconds.
#[derive(Default)]
struct Samples(Vec<u64>);

impl Samples {
    fn time<T>(&mut self, f: impl FnOnce() -> T) -> T {
        let t = Instant::now();
        let r = f();
        self.0.push(t.elapsed().as_nanos() as u64);
        r
    }
    fn report(&mut self, what: &str) {
        self.0.sort_unstable();
        let n = self.0.len();
        let at = |q: f64| {
            self.0
                .get(((n as f64 * q) as usize).min(n.saturating_sub(1)))
        };
        let us = |v: Option<&u64>| v.map_or(f64::NAN, |v| *v as f64 / 1000.0);
        println!(
            "{what:12} calls {n:9}  p50 {:8.1} µs  p99.9 {:8.1} µs  max {:10.1} µs",
            us(at(0.5)),
            us(at(0.999)),
            us(self.0.last()),
        );
    }
}

fn run<F: Fleet>(fleet: F, clients: usize, secs: u64, kill_at: u64) {
    let mut first = broker::Broker::start().expect("the first Mosquitto");
    let second = broker::Broker::start().expect("the second Mosquitto");
    let (a, b) = (
        format!("mqtt://127.0.0.1:{}", first.port),
        format!("mqtt://127.0.0.1:{}", second.port),
    );
    let started = Instant::now();
    let mut fleet_clients = Vec::with_capacity(clients);
    for i in 0..clients {
        let options = Options::new()
            .client_id(format!("failover-{}-{i}", std::process::id()))
            .server(b.clone())
            .reconnect(ReconnectPolicy::backoff(
                Duration::from_millis(50),
                Duration::from_secs(1),
            ));
        fleet_clients.push(fleet.connect(&a, options).expect("connect"));
    }
    println!(
        "{clients} clients connected in {:.1} s; threads {}",
        started.elapsed().as_secs_f64(),
        mqtt_benches::threads_of("self").map_or("?".into(), |t| t.to_string())
    );

    let mut handles: Vec<Option<F::Handle>> = (0..clients).map(|_| None).collect();
    let (mut publish, mut result) = (Samples::default(), Samples::default());
    // The same clock reads around nothing: how long this thread was off its
    // core (preempted) at worst, which every other sample includes too.
    let mut control = Samples::default();
    let (mut accepted, mut completed, mut failed, mut refused) = (0u64, 0u64, 0u64, 0u64);
    let mut longest_turn = Duration::ZERO;
    let begin = Instant::now();
    let mut killed = false;
    let mut turn_start = Instant::now();
    'outer: loop {
        for (i, c) in fleet_clients.iter().enumerate() {
            let now = Instant::now();
            longest_turn = longest_turn.max(now - turn_start);
            turn_start = now;
            let elapsed = now - begin;
            if !killed && elapsed >= Duration::from_secs(kill_at) {
                let pid = first.pid();
                // SAFETY: sends a signal to our own child process.
                unsafe { libc::kill(pid as i32, libc::SIGKILL) };
                let _ = first.alive();
                killed = true;
                println!("killed the first broker at {:.1} s", elapsed.as_secs_f64());
            }
            if elapsed >= Duration::from_secs(secs) {
                break 'outer;
            }
            control.time(|| std::hint::black_box(i));
            if let Some(h) = handles[i].as_mut() {
                match result.time(|| F::try_result(h)) {
                    None => continue,
                    Some(Ok(_)) => completed += 1,
                    Some(Err(_)) => failed += 1,
                }
            }
            let p = Publish::new("failover/t", "x").qos(QoS::AtLeastOnce);
            match publish.time(|| F::try_publish(c, p)) {
                Ok(h) => {
                    accepted += 1;
                    handles[i] = Some(h);
                }
                Err(_) => {
                    refused += 1;
                    handles[i] = None;
                }
            }
        }
    }
    println!(
        "publishes accepted {accepted}, completed {completed}, failed {failed}, refused at once {refused}"
    );
    publish.report("try_publish");
    result.report("try_result");
    control.report("nothing");
    let connected = fleet_clients.iter().filter(|c| F::is_connected(c)).count();
    println!("connected at the end (to the second broker): {connected} of {clients}");
    println!(
        "longest loop step {:.1} ms (one client's try_result + try_publish)",
        longest_turn.as_secs_f64() * 1000.0
    );
    for c in fleet_clients {
        fleet.abort(c);
    }
    drop(second);
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize, default: u64| {
        args.get(i)
            .map(|a| a.parse().expect("a number"))
            .unwrap_or(default)
    };
    let (clients, secs, kill_at) = (arg(1, 1500) as usize, arg(2, 12), arg(3, 4));
    mqtt_benches::raise_fd_limit();
    match args.first().map(String::as_str).unwrap_or("std") {
        "std" => run(Std, clients, secs, kill_at),
        "smol" => run(Smol, clients, secs, kill_at),
        "tokio" => {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .expect("a tokio runtime");
            run(Tokio(rt), clients, secs, kill_at)
        }
        other => {
            eprintln!("usage: failover <std|smol|tokio> [clients] [secs] [kill_at]; not {other:?}");
            std::process::exit(2);
        }
    }
}
