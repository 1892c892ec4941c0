//! Scaling out with shared subscriptions: consumer processes (`mqtt sub`) in
//! one share group on a private Mosquitto, a publisher (`mqtt pub -l`)
//! sending messages with unique payloads, one consumer killed mid-stream and
//! started again with its persistent session.
//!
//! CI runs 10,000 messages; the full run is
//! `SCALE_OUT_MESSAGES=100000 cargo test -p mqtt-sansio-cli --test scale_out -- --nocapture`.

mod support;

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::{text, unique, Running, Tool, OURS};

const CONSUMERS: usize = 4;

fn messages() -> usize {
    std::env::var("SCALE_OUT_MESSAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000)
}

#[test]
fn a_share_group_gets_every_message_once_and_a_killed_member_gets_its_share_back() {
    let mosquitto =
        mqtt_testkit::Mosquitto::start().expect("a private Mosquitto (queues unbounded)");
    let url = mosquitto.url();
    let port = url.rsplit_once(':').unwrap().1.to_owned();
    let broker = ("127.0.0.1".to_owned(), port.parse::<u16>().unwrap());
    for version in ["mqttv5", "mqttv311"] {
        share_group(&broker, version);
    }
}

fn share_group(broker: &(String, u16), version: &str) {
    let n = messages();
    let topic = unique("share");
    let probe = format!("{topic}-probe");
    let group = format!("$share/g/{topic}");
    let id = |k: usize| format!("share-{}-{version}-{k}", std::process::id());
    let start = |k: usize| {
        let s = Running::sub(
            Tool::Ours,
            broker,
            &[
                "-V",
                version,
                "-q",
                "1",
                "-c",
                "-i",
                &id(k),
                "-t",
                &group,
                "-t",
                &probe,
                "-F",
                "%t %p",
            ],
        );
        s.wait_for_output(1);
        s
    };
    // A retained probe on a topic of their own tells when each consumer is subscribed.
    support::run(
        Tool::Mosquitto,
        "pub",
        broker,
        &["-t", &probe, "-m", "ready", "-r", "-q", "1"],
        b"",
    );
    let mut consumers: Vec<Option<Running>> = (0..CONSUMERS).map(|k| Some(start(k))).collect();

    let mut publisher = Command::new(OURS)
        .args([
            "pub",
            "-h",
            &broker.0,
            "-p",
            &broker.1.to_string(),
            "-V",
            version,
            "-q",
            "1",
            "-t",
            &topic,
            "-l",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = publisher.stdin.take().unwrap();
    let kill_at = n * 2 / 5;
    let mut killed_output = String::new();
    for i in 0..n {
        writeln!(input, "m{i:07}").unwrap();
        if i == kill_at {
            // Mid-stream: the publisher is still sending what came before.
            input.flush().unwrap();
            killed_output = consumers[0].take().unwrap().kill_and_output();
        }
    }
    drop(input);
    let out = publisher.wait_with_output().unwrap();
    assert!(out.status.success(), "publisher: {}", text(&out.stderr));
    // Back with its persistent session: what Mosquitto kept for it arrives.
    consumers[0] = Some(start(0));

    let payloads = |out: &str| -> Vec<String> {
        out.lines()
            .filter_map(|l| l.strip_prefix(&format!("{topic} ")))
            .map(str::to_owned)
            .collect()
    };
    let end = Instant::now() + Duration::from_secs(60);
    let seen = |consumers: &Vec<Option<Running>>| -> usize {
        let mut all: HashSet<String> = payloads(&killed_output).into_iter().collect();
        for c in consumers.iter().flatten() {
            all.extend(payloads(&c.output()));
        }
        all.len()
    };
    while seen(&consumers) < n && Instant::now() < end {
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(300));

    // Who got what: consumer 0's two runs are one member (one session).
    let mut got: Vec<Vec<String>> = consumers
        .iter()
        .map(|c| payloads(&c.as_ref().unwrap().output()))
        .collect();
    let after_restart = got[0].len();
    got[0].extend(payloads(&killed_output));
    for c in consumers.into_iter().flatten() {
        c.kill();
    }
    let mut owner: HashMap<&str, HashSet<usize>> = HashMap::new();
    let mut copies = 0usize;
    for (k, list) in got.iter().enumerate() {
        for p in list {
            owner.entry(p.as_str()).or_default().insert(k);
            copies += 1;
        }
    }
    let spread: Vec<usize> = got.iter().map(Vec::len).collect();
    let duplicates = copies - owner.len();
    eprintln!(
        "{version}: {n} messages, {} delivered, spread over {CONSUMERS} consumers {spread:?} \
         (consumer 0: {} before the kill, {after_restart} after its restart), {duplicates} duplicates",
        owner.len(),
        spread[0] - after_restart,
    );
    let lost: Vec<String> = (0..n)
        .map(|i| format!("m{i:07}"))
        .filter(|p| !owner.contains_key(p.as_str()))
        .take(5)
        .collect();
    assert!(
        lost.is_empty(),
        "{version}: lost messages, for example {lost:?}"
    );
    let shared: Vec<_> = owner.iter().filter(|(_, o)| o.len() > 1).take(5).collect();
    assert!(
        shared.is_empty(),
        "{version}: messages that reached two members: {shared:?}"
    );
    for (k, count) in spread.iter().enumerate() {
        assert!(
            *count > n / (CONSUMERS * 4),
            "{version}: consumer {k} got {count} of {n}: {spread:?}"
        );
    }
    // Mosquitto kept assigning the dead member its share, queued in its
    // session, and delivered it on its return.
    assert!(
        after_restart > n / (CONSUMERS * 4),
        "{version}: consumer 0 got {after_restart} after its restart"
    );
    support::run(
        Tool::Mosquitto,
        "pub",
        broker,
        &["-t", &probe, "-n", "-r"],
        b"",
    );
}
