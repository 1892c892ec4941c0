//! Durable sessions against a real Mosquitto with persistence on: a client
//! process killed with SIGKILL at points drawn from a fixed seed, and started
//! again until its work is done, loses no message and repeats no QoS 2 one.
//!
//! The processes are this crate's `durable_publisher` and
//! `durable_subscriber` examples (built by `cargo test`). The runs in
//! `cargo test` are the issue's full ones (4,000 messages, 50 kills each);
//! `DURABLE_CRASH_MESSAGES`, `DURABLE_CRASH_KILLS` and `DURABLE_CRASH_SEED`
//! change them, for example:
//!
//! ```sh
//! DURABLE_CRASH_MESSAGES=20000 DURABLE_CRASH_KILLS=200 \
//!     cargo test -p mqtt-std --test durable_crash -- --nocapture
//! ```

use mqtt_std::{Client, Options, Publish, QoS};
use mqtt_testkit::{Mosquitto, RawSubscriber};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .map(|v| {
            v.parse()
                .unwrap_or_else(|_| panic!("{name} must be a number"))
        })
        .unwrap_or(default)
}

/// An example binary of this crate, beside the test binary's directory.
fn example(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    let dir = exe.parent().and_then(Path::parent).expect("target/debug");
    let path = dir.join("examples").join(name);
    assert!(path.exists(), "{} is built by cargo test", path.display());
    path
}

/// xorshift64: the kill points and the pause before each kill.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// `n` kill points in `1..count`, ascending (repeats allowed: a second kill
/// at the same point lands during the restart itself).
fn points(rng: &mut Rng, n: u64, count: u64) -> Vec<u64> {
    let mut p: Vec<u64> = (0..n).map(|_| 1 + rng.next() % (count - 1)).collect();
    p.sort_unstable();
    p
}

/// Kills `child` with SIGKILL; whether it was still running.
fn kill(child: &mut Child) -> bool {
    let alive = child.try_wait().expect("child status").is_none();
    let _ = child.kill();
    let _ = child.wait();
    alive
}

fn publisher(url: &str, store: &Path, count: u64) -> Child {
    Command::new(example("durable_publisher"))
        .args([
            url,
            &store.display().to_string(),
            &count.to_string(),
            "batched",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the publisher starts")
}

#[test]
fn a_publisher_killed_at_seeded_points_loses_no_message_and_repeats_no_qos2_message() {
    let count = env_or("DURABLE_CRASH_MESSAGES", 4_000);
    let kills = env_or("DURABLE_CRASH_KILLS", 50);
    let mut rng = Rng(env_or("DURABLE_CRASH_SEED", 0x5eed_0fd0_ab1e) | 1);
    let broker = Mosquitto::start_persistent().expect("a private Mosquitto");
    let url = broker.url();
    let counter = RawSubscriber::start(broker.addr(), "durable/#", count as usize);
    let store = tempfile::tempdir().expect("a store directory");
    let started = Instant::now();
    let mut killed = 0;
    for point in points(&mut rng, kills, count) {
        let mut child = publisher(&url, store.path(), count);
        while (counter.distinct() as u64) < point && child.try_wait().unwrap().is_none() {
            std::thread::sleep(Duration::from_micros(100));
        }
        // Somewhere within the next half millisecond: any phase of a flow.
        std::thread::sleep(Duration::from_micros(rng.next() % 500));
        killed += u64::from(kill(&mut child));
    }
    let mut last = publisher(&url, store.path(), count);
    let mut line = String::new();
    BufReader::new(last.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(last.wait().unwrap().success(), "the last run finishes");
    assert_eq!(line.trim(), format!("done {count}"));
    counter.wait_distinct(count as usize, Duration::from_secs(5));
    let counts = counter.counts();
    let lost: Vec<usize> = (0..counts.len()).filter(|&n| counts[n] == 0).collect();
    let qos2_twice: Vec<usize> = (1..counts.len())
        .step_by(2)
        .filter(|&n| counts[n] > 1)
        .collect();
    let qos1_twice = (0..counts.len())
        .step_by(2)
        .filter(|&n| counts[n] > 1)
        .count();
    eprintln!(
        "durable publisher: {count} messages, {killed} kills of a running process, {:.1} s: \
         {} lost, {} QoS 2 duplicates, {qos1_twice} QoS 1 messages delivered again (allowed)",
        started.elapsed().as_secs_f64(),
        lost.len(),
        qos2_twice.len()
    );
    assert!(lost.is_empty(), "lost: {lost:?}");
    assert!(
        qos2_twice.is_empty(),
        "QoS 2 messages delivered twice: {qos2_twice:?}"
    );
    assert!(
        killed * 10 >= kills * 9,
        "only {killed} of {kills} kills found the process running"
    );
}

fn lines(log: &Path) -> Vec<u64> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .map(|l| l.parse().expect("a number per line"))
        .collect()
}

fn subscriber(url: &str, store: &Path, log: &Path) -> Child {
    Command::new(example("durable_subscriber"))
        .args([
            url,
            &store.display().to_string(),
            &log.display().to_string(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the subscriber starts")
}

#[test]
#[ignore = "does not finish yet (the kill loop waits for a log that stops growing); not counted as passing, see issue 14"]
fn a_subscriber_killed_at_seeded_points_gets_every_qos2_message_and_none_twice_once_its_handler_returned(
) {
    let count = env_or("DURABLE_CRASH_MESSAGES", 4_000);
    let kills = env_or("DURABLE_CRASH_KILLS", 50);
    let mut rng = Rng(env_or("DURABLE_CRASH_SEED", 0x5eed_0fd0_ab1e) ^ 0x00ab_cdef | 1);
    let broker = Mosquitto::start_persistent().expect("a private Mosquitto");
    let url = broker.url();
    let dir = tempfile::tempdir().expect("a directory");
    let (store, log) = (dir.path().join("store"), dir.path().join("received.log"));

    // The first run makes the session (its subscription) at the broker.
    let mut child = subscriber(&url, &store, &log);
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line.trim(), "subscribed");

    // An ordinary client publishes every message at QoS 2 meanwhile.
    let publisher = std::thread::spawn({
        let url = url.clone();
        move || {
            let client = Client::connect(&url, Options::new().max_inflight(100)).unwrap();
            for n in 0..count {
                let mut payload = n.to_be_bytes().to_vec();
                payload.extend_from_slice(b" durable message");
                let _h = client
                    .publish_with(Publish::new("durable/sub", payload).qos(QoS::ExactlyOnce))
                    .unwrap();
            }
            client.disconnect().unwrap();
        }
    });

    let started = Instant::now();
    let mut killed = 0;
    // The message each kill found last handled: the one whose handler may
    // have returned before its acknowledgement reached the store.
    let mut last_before_kill = Vec::new();
    for point in points(&mut rng, kills, count) {
        while (lines(&log).len() as u64) < point && child.try_wait().unwrap().is_none() {
            std::thread::sleep(Duration::from_micros(200));
        }
        std::thread::sleep(Duration::from_micros(rng.next() % 500));
        killed += u64::from(kill(&mut child));
        last_before_kill.extend(lines(&log).last().copied());
        child = subscriber(&url, &store, &log);
    }
    publisher.join().expect("the publisher finishes");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let mut seen: Vec<u64> = lines(&log);
        seen.sort_unstable();
        seen.dedup();
        if seen.len() as u64 >= count || Instant::now() > deadline {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    // Nothing more arrives late.
    std::thread::sleep(Duration::from_millis(300));
    kill(&mut child);

    let mut counts = vec![0u32; count as usize];
    for n in lines(&log) {
        counts[n as usize] += 1;
    }
    let lost: Vec<usize> = (0..counts.len()).filter(|&n| counts[n] == 0).collect();
    let twice: Vec<u64> = (0..count).filter(|&n| counts[n as usize] > 1).collect();
    let explained = twice
        .iter()
        .filter(|n| counts[**n as usize] == 2 && last_before_kill.contains(n))
        .count();
    eprintln!(
        "durable subscriber: {count} QoS 2 messages, {killed} kills of a running process, {:.1} s: \
         {} lost, {} delivered twice ({explained} of them the message a kill found just handled)",
        started.elapsed().as_secs_f64(),
        lost.len(),
        twice.len()
    );
    assert!(lost.is_empty(), "lost: {lost:?}");
    assert_eq!(
        explained,
        twice.len(),
        "QoS 2 messages delivered again after their handler returned: {twice:?} (last handled at each kill: {last_before_kill:?})"
    );
    assert!(
        killed * 10 >= kills * 9,
        "only {killed} of {kills} kills found the process running"
    );
}
