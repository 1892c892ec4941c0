//! The end-to-end benchmark's binary runs every scenario and client at a tiny size (a few
//! seconds): a private Mosquitto starts, every child reports, every table is printed.
//! It checks that the bench works, not how fast anything is.

use std::process::Command;

#[test]
fn e2e_tiny_run_reports_every_scenario_without_failures() {
    let out = Command::new(env!("CARGO_BIN_EXE_e2e"))
        .args([
            "--quick",
            "--msgs",
            "2000",
            "--rtts",
            "200",
            "--scale-conns",
            "20",
            "--scale-std-conns",
            "10",
            "--scale-rate",
            "100",
            "--scale-secs",
            "1",
            "--scale-interval",
            "1",
        ])
        .output()
        .expect("the e2e binary runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "e2e failed:\n{stderr}\n{stdout}");
    for title in [
        "### Publish 2,000 × 100 B at QoS 0",
        "### Publish 2,000 × 100 B at QoS 1",
        "### Publish 2,000 × 100 B at QoS 2",
        "### Subscribe at QoS 0",
        "### Subscribe at QoS 1",
        "### 200 sequential QoS 1 round trips",
        "### Scale: 20 connections",
    ] {
        assert!(stdout.contains(title), "no table {title:?} in:\n{stdout}");
    }
    assert!(
        !stdout.contains("failed") && !stdout.contains("FAILED"),
        "a client failed:\n{stderr}\n{stdout}"
    );
    // 5 clients (not mqtt-tokio) in 5 throughput tables and the round-trip table.
    assert!(
        stdout.matches("| 1/1 |").count() >= 6 * 5,
        "every run should succeed:\n{stdout}"
    );
    // Scale rows: client | connections | publishes acked | errors | ...
    let scale = &stdout[stdout.find("### Scale").expect("scale table")..];
    for row in scale
        .lines()
        .filter(|l| l.starts_with("| mqtt-s") || l.starts_with("| rumqttc-async"))
    {
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        assert_eq!(cells[4], "0", "scale errors: {row}");
    }
}
