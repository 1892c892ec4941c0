//! The `pub` and `sub` examples of every adapter, run as programs: exit
//! statuses and what they print, like mosquitto_pub / mosquitto_sub. Each
//! adapter's `tests/tool_exits.rs` declares its examples as modules, a
//! `child` test that runs one of them, and expands
//! [`tool_exit_tests!`](crate::tool_exit_tests); each case then runs the
//! example's `main` in a child process (that test binary again, running only
//! `child`), so the status is the one a shell sees.

use std::process::{Command, Output};

/// The environment variable that makes the `child` test run a tool.
pub const CHILD: &str = "MQTT_TOOL_CHILD";

/// The adapter crate whose examples run.
#[derive(Debug, Clone, Copy)]
pub struct Tool {
    /// Its package name (for unique topics and file names).
    pub krate: &'static str,
}

impl Tool {
    /// Runs `tool` (`pub` or `sub`) with `args` as a program.
    pub fn run(&self, tool: &str, args: &[&str]) -> Output {
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
}

/// In the child: which tool to run and its arguments, or `None` in a normal
/// test run.
pub fn child_args() -> Option<(String, Vec<String>)> {
    let tool = std::env::var(CHILD).ok()?;
    let argc: usize = std::env::var("MQTT_TOOL_ARGC").unwrap().parse().unwrap();
    let args = (0..argc)
        .map(|i| std::env::var(format!("MQTT_TOOL_ARG{i}")).unwrap())
        .collect();
    Some((tool, args))
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A TLS flag is never dropped: an unreadable `--cafile` with no broker flag exits 1
/// (it used to connect in plain text to 127.0.0.1:1883 and exit 0).
pub fn pub_with_an_unreadable_cafile_and_no_broker_flag_fails_instead_of_going_plain(tool: Tool) {
    // Before: connected in plain text to 127.0.0.1:1883 and exited 0.
    let o = tool.run(
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

/// A TLS flag with no broker flag means `mqtts://127.0.0.1:8883`, never plain 1883.
pub fn pub_with_a_cafile_and_no_broker_flag_uses_tls_on_the_default_tls_port(tool: Tool) {
    let pki = crate::TestPki::generate().unwrap();
    let ca = std::env::temp_dir().join(format!(
        "{}-tool-exits-{}.pem",
        tool.krate,
        std::process::id()
    ));
    std::fs::write(&ca, pki.ca_cert_pem).unwrap();
    // Nothing serves TLS on 127.0.0.1:8883 here; a plain 1883 is never tried.
    let o = tool.run(
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

/// A TLS flag with a plain `mqtt://` URL is an error.
pub fn a_tls_flag_with_a_plain_url_is_refused(tool: Tool) {
    let o = tool.run(
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

/// `sub -W` with no message prints "Timed out" and exits 27, as mosquitto_sub does.
pub fn sub_that_times_out_prints_timed_out_and_exits_27(tool: Tool) {
    let broker = crate::support::brokers().remove(0);
    let topic = format!("{}quiet", crate::support::prefix(tool.krate, "tool-exits"));
    let o = tool.run("sub", &["-L", broker.url(), "-t", &topic, "-W", "1"]);
    assert_eq!(o.status.code(), Some(27), "{}", stderr(&o));
    assert_eq!(
        stderr(&o).lines().last(),
        Some("Timed out"),
        "{}",
        stderr(&o)
    );
}

/// `sub -C 1` that gets its retained message prints it and exits 0.
pub fn sub_that_gets_its_count_exits_0(tool: Tool) {
    let broker = crate::support::brokers().remove(0);
    let topic = format!(
        "{}retained",
        crate::support::prefix(tool.krate, "tool-exits")
    );
    let o = tool.run(
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
    let o = tool.run(
        "sub",
        &["-L", broker.url(), "-t", &topic, "-C", "1", "-W", "10"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("kept\n"));
    let o = tool.run(
        "pub",
        &["-L", broker.url(), "-t", &topic, "-n", "-r", "-q", "1"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

/// Expands one `#[test]` per case of [`tools`](crate::tools) for the adapter
/// package `$krate`.
#[macro_export]
macro_rules! tool_exit_tests {
    ($krate:literal) => {
        $crate::tool_exit_tests!(@each $krate;
            pub_with_an_unreadable_cafile_and_no_broker_flag_fails_instead_of_going_plain,
            pub_with_a_cafile_and_no_broker_flag_uses_tls_on_the_default_tls_port,
            a_tls_flag_with_a_plain_url_is_refused,
            sub_that_times_out_prints_timed_out_and_exits_27,
            sub_that_gets_its_count_exits_0,
        );
    };
    (@each $krate:literal; $($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                $crate::tools::$name($crate::tools::Tool { krate: $krate });
            }
        )*
    };
}
