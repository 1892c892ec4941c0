//! The `pub` and `sub` examples run as programs: exit statuses and what they
//! print, like mosquitto_pub / mosquitto_sub. Each case runs the example's
//! `main` in a child process (this test binary again, running only
//! [`child`]), so the status is the one a shell sees.

mod support;

#[path = "../examples/pub.rs"]
mod pub_tool;

#[path = "../examples/sub.rs"]
mod sub_tool;

use std::process::{Command, Output};

const CHILD: &str = "MQTT_TOOL_CHILD";

/// Runs `tool` (`pub` or `sub`) with `args` as a program.
fn run_tool(tool: &str, args: &[&str]) -> Output {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args(["child", "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD, tool)
        .env("MQTT_TOOL_ARGC", args.len().to_string())
        .env_remove("MQTT_URL");
    for (i, a) in args.iter().enumerate() {
        cmd.env(format!("MQTT_TOOL_ARG{i}"), a);
    }
    cmd.output().unwrap()
}

/// The child's side of [`run_tool`]; does nothing in a normal test run.
#[test]
fn child() {
    let Ok(tool) = std::env::var(CHILD) else {
        return;
    };
    let argc: usize = std::env::var("MQTT_TOOL_ARGC").unwrap().parse().unwrap();
    let args = (0..argc)
        .map(|i| std::env::var(format!("MQTT_TOOL_ARG{i}")).unwrap())
        .collect();
    match tool.as_str() {
        "pub" => pub_tool::main_with(args),
        "sub" => sub_tool::main_with(args),
        other => panic!("no tool {other}"),
    }
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn pub_with_an_unreadable_cafile_and_no_broker_flag_fails_instead_of_going_plain() {
    // Before: connected in plain text to 127.0.0.1:1883 and exited 0.
    let o = run_tool(
        "pub",
        &["--cafile", "/nonexistent.pem", "-t", "t", "-m", "y"],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("pub: --cafile: cannot read /nonexistent.pem: "),
        "{}",
        stderr(&o)
    );
}

#[test]
fn pub_with_a_cafile_and_no_broker_flag_uses_tls_on_the_default_tls_port() {
    let pki = mqtt_testkit::TestPki::generate().unwrap();
    let ca = std::env::temp_dir().join(format!("mqtt-smol-tool-exits-{}.pem", std::process::id()));
    std::fs::write(&ca, pki.ca_cert_pem).unwrap();
    // Nothing serves TLS on 127.0.0.1:8883 here; a plain 1883 is never tried.
    let o = run_tool(
        "pub",
        &["--cafile", ca.to_str().unwrap(), "-t", "t", "-m", "y"],
    );
    let _ = std::fs::remove_file(&ca);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("pub: cannot connect to mqtts://127.0.0.1:8883: "),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_tls_flag_with_a_plain_url_is_refused() {
    let o = run_tool(
        "pub",
        &[
            "-L",
            "mqtt://127.0.0.1:1883",
            "--tls-server-name",
            "x",
            "-t",
            "t",
            "-m",
            "y",
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("mqtt://127.0.0.1:1883 is not a TLS URL"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn sub_that_times_out_prints_timed_out_and_exits_27() {
    let broker = support::brokers().remove(0);
    let topic = format!("{}quiet", support::prefix("tool-exits"));
    let o = run_tool("sub", &["-L", broker.url(), "-t", &topic, "-W", "1"]);
    assert_eq!(o.status.code(), Some(27), "{}", stderr(&o));
    assert_eq!(
        stderr(&o).lines().last(),
        Some("Timed out"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn sub_that_gets_its_count_exits_0() {
    let broker = support::brokers().remove(0);
    let topic = format!("{}retained", support::prefix("tool-exits"));
    let o = run_tool(
        "pub",
        &[
            "-L",
            broker.url(),
            "-t",
            &topic,
            "-m",
            "kept",
            "-r",
            "-q",
            "1",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = run_tool(
        "sub",
        &["-L", broker.url(), "-t", &topic, "-C", "1", "-W", "10"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("kept\n"));
    let o = run_tool(
        "pub",
        &["-L", broker.url(), "-t", &topic, "-n", "-r", "-q", "1"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}
