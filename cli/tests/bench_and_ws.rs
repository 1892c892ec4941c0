//! `mqtt` over WebSockets (the embedded broker's listener: mosquitto's tools
//! have no `ws://`), and `mqtt bench` end to end on a real Mosquitto.

mod support;

use std::process::{Command, Stdio};
use std::time::Duration;

use support::{mosquitto, text, unique, OURS};

#[test]
fn pub_and_sub_work_over_websockets() {
    let broker = mqtt_testkit::EmbeddedBroker::shared().expect("the embedded broker");
    let url = broker.ws_url();
    let topic = unique("ws");
    let mut sub = Command::new(OURS)
        .args(["sub", "-L", &url, "-t", &topic, "-C", "1", "-v", "-W", "20"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Publish until the subscriber has it (it may not be subscribed yet).
    for _ in 0..100 {
        let out = Command::new(OURS)
            .args(["pub", "-L", &url, "-t", &topic, "-m", "over ws", "-q", "1"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", text(&out.stderr));
        if sub.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let out = sub.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), format!("{topic} over ws\n"));
}

/// One line of the summary, by its first word.
fn field(summary: &str, name: &str) -> u64 {
    let line = summary
        .lines()
        .find(|l| l.trim_start().starts_with(name))
        .unwrap_or_else(|| panic!("no {name} line in {summary}"));
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[test]
fn bench_pub_and_sub_count_messages_and_latency_with_no_errors() {
    let Some((host, port)) = mosquitto("bench") else {
        return;
    };
    let port = port.to_string();
    let base = unique("bench");
    let filter = format!("{base}/#");
    let json = std::env::temp_dir().join(format!("mqtt-bench-{}.json", std::process::id()));
    let sub = Command::new(OURS)
        .args([
            "bench",
            "sub",
            "-h",
            &host,
            "-p",
            &port,
            "-c",
            "4",
            "-t",
            &filter,
            "-q",
            "1",
            "--duration",
            "5",
            "--prefix",
            &format!("{base}-s"),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    let topic = format!("{base}/%i");
    let publ = Command::new(OURS)
        .args([
            "bench",
            "pub",
            "-h",
            &host,
            "-p",
            &port,
            "-c",
            "50",
            "-i",
            "2",
            "-I",
            "100",
            "-q",
            "1",
            "-s",
            "64",
            "-t",
            &topic,
            "--duration",
            "2",
            "--prefix",
            &format!("{base}-p"),
            "--json",
            json.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let summary = text(&publ.stdout);
    assert!(publ.status.success(), "{summary}{}", text(&publ.stderr));
    let sent = field(&summary, "sent");
    assert_eq!(field(&summary, "errors"), 0, "{summary}");
    // 50 connections × 10 messages a second × about 2 s.
    assert!((500..=1600).contains(&sent), "{summary}");
    assert!(
        summary.contains("latency (") && summary.contains("p99"),
        "{summary}"
    );
    let report = std::fs::read_to_string(&json).unwrap();
    assert!(report.contains(&format!("\"sent\":{sent}")), "{report}");
    let _ = std::fs::remove_file(json);

    let out = sub.wait_with_output().unwrap();
    let summary = text(&out.stdout);
    assert!(out.status.success(), "{summary}{}", text(&out.stderr));
    // Every subscriber gets every message.
    assert_eq!(field(&summary, "received"), 4 * sent, "{summary}");
    assert_eq!(field(&summary, "errors"), 0, "{summary}");
    assert!(summary.contains("publish to delivery"), "{summary}");
    // The progress line, once a second.
    assert!(
        text(&out.stderr).contains("connected 4/4"),
        "{}",
        text(&out.stderr)
    );
}
