//! The parent: the broker, the child processes, their resource counts, the tables.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::broker::Broker;
use crate::report::{self, Measured};
use crate::{clients, raw, ClientKind, Outcome, Params, Scenario};

const USAGE: &str = "\
usage: e2e [--runs N] [--scenario LIST] [--clients LIST] [--quick]
           [--msgs N] [--rtts N] [--payload BYTES]
           [--scale-conns N] [--scale-std-conns N] [--scale-rate N/s]
           [--scale-secs S] [--scale-interval S] [--max-threads N]

  --runs N            runs of every throughput scenario; the tables give the median (3)
  --scenario LIST     comma-separated: pub-qos0,pub-qos1,pub-qos2,sub-qos0,sub-qos1,rtt-qos1,scale
                      (default: all)
  --clients LIST      comma-separated: std,smol,tokio,rumqttc-async,rumqttc-sync,raw (default: all)
  --quick             small sizes for a try-out: 20,000 messages, 2,000 round trips,
                      scale 200 connections (100 for std) for 20 s, 1 run
  --msgs N            messages of the publish and subscribe scenarios (200000)
  --rtts N            sequential QoS 1 round trips (10000)
  --payload BYTES     payload size (100)
  --scale-conns N     connections of mqtt-smol, mqtt-tokio and rumqttc-async (10000)
  --scale-std-conns N connections of mqtt-std (2000)
  --scale-rate N      connections opened per second (500)
  --scale-secs S      how long every connection publishes (60)
  --scale-interval S  seconds between two publishes of one connection (10)
  --max-threads N     a scale child stops opening connections at this many threads (12000)
";

struct Args {
    runs: usize,
    scenarios: Vec<Scenario>,
    clients: Vec<ClientKind>,
    params: Params,
    std_conns: u64,
}

fn parse(args: &[String]) -> Result<Args, String> {
    let mut a = Args {
        runs: 3,
        scenarios: Scenario::ALL.to_vec(),
        clients: ClientKind::ALL.to_vec(),
        params: Params {
            port: 0,
            msgs: 200_000,
            payload: 100,
            rtts: 10_000,
            conns: 10_000,
            rate: 500,
            secs: 60,
            interval: 10,
            max_threads: 12_000,
        },
        std_conns: 2_000,
    };
    // `--quick` first, so that explicit sizes override it wherever they are.
    if args.iter().any(|x| x == "--quick") {
        a.runs = 1;
        a.params.msgs = 20_000;
        a.params.rtts = 2_000;
        a.params.conns = 200;
        a.params.rate = 200;
        a.params.secs = 20;
        a.std_conns = 100;
    }
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        if flag == "--quick" {
            continue;
        }
        if flag == "-h" || flag == "--help" {
            return Err(String::new());
        }
        let v = it.next().ok_or(format!("{flag} needs a value"))?;
        let num = || {
            v.parse::<u64>()
                .map_err(|_| format!("{flag}: not a number: {v}"))
        };
        match flag.as_str() {
            "--runs" => a.runs = num()?.max(1) as usize,
            "--msgs" => a.params.msgs = num()?,
            "--rtts" => a.params.rtts = num()?,
            "--payload" => a.params.payload = num()? as usize,
            "--scale-conns" => a.params.conns = num()?,
            "--scale-std-conns" => a.std_conns = num()?,
            "--scale-rate" => a.params.rate = num()?,
            "--scale-secs" => a.params.secs = num()?,
            "--scale-interval" => a.params.interval = num()?,
            "--max-threads" => a.params.max_threads = num()?,
            "--scenario" | "--scenarios" => {
                a.scenarios = v
                    .split(',')
                    .map(|s| Scenario::parse(s).ok_or(format!("unknown scenario {s}")))
                    .collect::<Result<_, _>>()?
            }
            "--clients" => {
                a.clients = v
                    .split(',')
                    .map(|s| ClientKind::parse(s).ok_or(format!("unknown client {s}")))
                    .collect::<Result<_, _>>()?
            }
            _ => return Err(format!("unknown flag {flag}")),
        }
    }
    Ok(a)
}

pub fn main(args: &[String]) -> i32 {
    let mut a = match parse(args) {
        Ok(a) => a,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("e2e: {e}");
            }
            eprint!("{USAGE}");
            return 2;
        }
    };
    let fds = crate::raise_fd_limit();
    let mut broker = match Broker::start() {
        Ok(b) => b,
        Err(e) => {
            eprintln!("e2e: cannot start Mosquitto: {e}");
            return 1;
        }
    };
    a.params.port = broker.port;
    let load_before = loadavg();
    let started = Instant::now();
    eprintln!(
        "e2e: {} on 127.0.0.1:{} (pid {}), fd limit {fds}",
        Broker::version(),
        broker.port,
        broker.pid()
    );
    let mut results: Vec<(Scenario, ClientKind, Vec<Measured>)> = Vec::new();
    for sc in &a.scenarios {
        for k in &a.clients {
            results.push((*sc, *k, Vec::new()));
        }
    }
    // Runs are interleaved (run 1 of everything, then run 2, ...), so a change in the
    // machine's load spreads over every client instead of landing on one.
    for run in 0..a.runs {
        for (sc, kind, ms) in results.iter_mut() {
            let (sc, kind) = (*sc, *kind);
            if sc == Scenario::Scale && run > 0 {
                continue; // one run: it takes minutes
            }
            if let Err(why) = clients::supports(kind, sc) {
                if run == 0 {
                    ms.push(Measured::na(why));
                }
                continue;
            }
            if !broker.alive() {
                eprintln!("e2e: Mosquitto died; restarting it");
                match Broker::start() {
                    Ok(b) => broker = b,
                    Err(e) => {
                        eprintln!("e2e: cannot restart Mosquitto: {e}");
                        return 1;
                    }
                }
                a.params.port = broker.port;
            }
            let mut p = a.params.clone();
            if sc == Scenario::Scale && kind == ClientKind::Std {
                p.conns = a.std_conns;
            }
            eprint!(
                "e2e: run {}/{} {} {} ... ",
                run + 1,
                a.runs,
                sc.name(),
                kind
            );
            let m = measure(kind, sc, &p);
            eprintln!("{}", m.summary());
            ms.push(m);
        }
    }
    let load_after = loadavg();
    print!(
        "{}",
        report::render(
            &results,
            &a.params,
            a.std_conns,
            a.runs,
            &report::Context {
                mosquitto: Broker::version(),
                load_before,
                load_after,
                wall: started.elapsed(),
                command: std::env::args().collect::<Vec<_>>().join(" "),
            },
        )
    );
    0
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

/// Runs one child and collects what it reports and what the kernel counted.
fn measure(kind: ClientKind, sc: Scenario, p: &Params) -> Measured {
    let exe = match std::env::current_exe() {
        Ok(e) => e,
        Err(e) => return Measured::failed(format!("current_exe: {e}")),
    };
    // `E2E_CHILD_WRAP="valgrind --tool=callgrind"` runs every child under that
    // command, to profile a client in its real scenario (its numbers then measure
    // the wrapper too: for profiles only).
    let wrap: Vec<String> = std::env::var("E2E_CHILD_WRAP")
        .map(|w| w.split_whitespace().map(String::from).collect())
        .unwrap_or_default();
    let mut cmd = match wrap.split_first() {
        Some((program, args)) => {
            let mut c = Command::new(program);
            c.args(args).arg(exe);
            c
        }
        None => Command::new(exe),
    };
    cmd.arg("--child")
        .arg(kind.name())
        .arg(sc.name())
        .args(p.to_args())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => return Measured::failed(format!("spawning the child: {e}")),
    };
    let pid = child.id() as libc::pid_t;
    let stdout = child.stdout.take().expect("stdout is piped");

    // A sampler thread records the child's highest thread count, and kills it when it
    // runs past its time limit (the load is bounded in time as well as in count).
    let done = Arc::new(AtomicBool::new(false));
    let max_threads = Arc::new(AtomicU64::new(0));
    let limit = time_limit(sc, p);
    let sampler = {
        let (done, max_threads) = (done.clone(), max_threads.clone());
        std::thread::spawn(move || {
            let t = Instant::now();
            while !done.load(Ordering::Relaxed) {
                if let Some(n) = crate::threads_of(&pid.to_string()) {
                    max_threads.fetch_max(n, Ordering::Relaxed);
                }
                if t.elapsed() > limit {
                    // SAFETY: kill(2) on our own child's pid, which stays reserved for us
                    // until we reap it with wait4 below.
                    unsafe { libc::kill(pid, libc::SIGKILL) };
                    return true;
                }
                std::thread::sleep(Duration::from_millis(10));
            }
            false
        })
    };

    let mut outcome = None;
    let mut publisher_error = None;
    for line in BufReader::new(stdout).lines() {
        let Ok(line) = line else { break };
        if line == "READY" {
            if let Scenario::Subscribe(q) = sc {
                if let Err(e) = reference_publisher(p, q) {
                    publisher_error = Some(e);
                }
            }
        } else if let Some(o) = Outcome::from_line(&line) {
            outcome = Some(o);
        }
    }

    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value for wait4 to overwrite.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: wait4 writes into the two locals; `pid` is our unreaped child.
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut ru) };
    done.store(true, Ordering::Relaxed);
    let killed = sampler.join().unwrap_or(false);
    if r != pid {
        return Measured::failed(format!("wait4: {}", std::io::Error::last_os_error()));
    }
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    let mut m = Measured {
        outcome: outcome.unwrap_or_default(),
        cpu_s: tv(ru.ru_utime) + tv(ru.ru_stime),
        max_rss_kib: ru.ru_maxrss as u64,
        threads: max_threads.load(Ordering::Relaxed),
        ok: libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        na: None,
    };
    if killed {
        m.ok = false;
        m.outcome.note = format!("killed after {} s (time limit)", limit.as_secs());
    } else if !m.ok && m.outcome.note.is_empty() {
        m.outcome.note = format!("child exited with status {status:#x}");
    }
    if let Some(e) = publisher_error {
        m.ok = false;
        m.outcome.note = format!("reference publisher: {e}");
    }
    m
}

/// Generous: at 2,000 messages/s plus connection setup.
fn time_limit(sc: Scenario, p: &Params) -> Duration {
    let s = match sc {
        Scenario::Scale => p.conns / p.rate.max(1) + p.secs + 120,
        Scenario::RoundTrip => p.rtts / 500 + 60,
        _ => p.msgs / 2_000 + 90,
    };
    Duration::from_secs(s)
}

/// The same publisher for every subscriber: [`raw::Raw`], sending `p.msgs` messages at QoS
/// `q` (at most [`crate::WINDOW`] unacknowledged) from this process.
fn reference_publisher(p: &Params, q: u8) -> Result<(), String> {
    let mut c = raw::Raw::connect(p.port, "e2e-reference-publisher")?;
    c.publish(
        crate::SUB_TOPIC,
        clients::payload(p),
        q,
        p.msgs,
        crate::WINDOW,
    )?;
    if q > 0 {
        c.disconnect()?;
    }
    Ok(())
}
