//! Running `mqtt` and mosquitto's tools side by side against one Mosquitto.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const OURS: &str = env!("CARGO_BIN_EXE_mqtt");

/// The Mosquitto under test (`MQTT_TEST_BROKERS` names it; missing, the
/// test says SKIPPED, or fails in CI), as host and port; `None`: skip.
pub fn mosquitto(test: &str) -> Option<(String, u16)> {
    let found = mqtt_testkit::brokers_for_test(test, mqtt_testkit::BrokerKind::Mosquitto)
        .expect("brokers under test");
    let broker = found.into_iter().next()?;
    let url = broker.url().to_string();
    let rest = url.split_once("://").expect("a URL").1;
    let (host, port) = rest.rsplit_once(':').expect("host:port");
    if !tool_exists("mosquitto_sub") || !tool_exists("mosquitto_pub") {
        let line = format!(
            "SKIPPED: {test} needs mosquitto_pub and mosquitto_sub (Debian's mosquitto-clients)"
        );
        if std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true")) {
            panic!("{line} (CI=true: a missing tool fails the test in CI)");
        }
        eprintln!("{line}");
        return None;
    }
    Some((host.to_owned(), port.parse().expect("a port")))
}

fn tool_exists(name: &str) -> bool {
    Command::new(name)
        .arg("--help")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

/// A topic no other test uses.
pub fn unique(test: &str) -> String {
    static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    format!(
        "parity/{test}/{}-{}",
        std::process::id(),
        N.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    )
}

/// Which tool: ours (`mqtt pub` / `mqtt sub`) or mosquitto's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    Ours,
    Mosquitto,
}

impl Tool {
    pub fn command(self, verb: &str) -> Command {
        match self {
            Tool::Ours => {
                let mut c = Command::new(OURS);
                c.arg(verb);
                c
            }
            Tool::Mosquitto => Command::new(format!("mosquitto_{verb}")),
        }
    }
}

/// Runs `tool verb args` on `host:port` to its end (at most 20 s), with `stdin`.
pub fn run(tool: Tool, verb: &str, broker: &(String, u16), args: &[&str], stdin: &[u8]) -> Output {
    let mut c = tool.command(verb);
    c.args(["-h", &broker.0, "-p", &broker.1.to_string()])
        .args(args);
    c.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().expect("the tool starts");
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin).unwrap();
    drop(input);
    wait(child, Duration::from_secs(20))
}

fn wait(mut child: Child, limit: Duration) -> Output {
    let end = Instant::now() + limit;
    loop {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        if Instant::now() > end {
            child.kill().unwrap();
            let out = child.wait_with_output().unwrap();
            panic!(
                "the tool did not finish in {limit:?}; stdout {:?}, stderr {:?}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// A subscriber process whose output is collected as it comes.
pub struct Running {
    child: Option<Child>,
    out: Arc<Mutex<Vec<u8>>>,
    err: Arc<Mutex<Vec<u8>>>,
}

impl Running {
    /// Starts `tool sub args` on the broker.
    pub fn sub(tool: Tool, broker: &(String, u16), args: &[&str]) -> Running {
        let mut c = tool.command("sub");
        c.args(["-h", &broker.0, "-p", &broker.1.to_string()])
            .args(args);
        c.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = c.spawn().expect("the tool starts");
        let out = Arc::new(Mutex::new(Vec::new()));
        let err = Arc::new(Mutex::new(Vec::new()));
        for (mut pipe, buf) in [
            (
                Box::new(child.stdout.take().unwrap()) as Box<dyn Read + Send>,
                out.clone(),
            ),
            (Box::new(child.stderr.take().unwrap()), err.clone()),
        ] {
            std::thread::spawn(move || {
                let mut chunk = [0u8; 4096];
                while let Ok(n) = pipe.read(&mut chunk) {
                    if n == 0 {
                        break;
                    }
                    buf.lock().unwrap().extend_from_slice(&chunk[..n]);
                }
            });
        }
        Running {
            child: Some(child),
            out,
            err,
        }
    }

    /// Waits until the output holds at least `n` bytes (the retained probe
    /// printed: the subscription is in place).
    pub fn wait_for_output(&self, n: usize) {
        let end = Instant::now() + Duration::from_secs(10);
        while self.out.lock().unwrap().len() < n {
            assert!(
                Instant::now() < end,
                "no output from the subscriber; stderr: {:?}",
                String::from_utf8_lossy(&self.err.lock().unwrap())
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// Waits until the output holds `n` newlines (`n == 0`: any byte), or 5 s
    /// have passed (a format that prints nothing for some messages).
    pub fn wait_for_lines_or_bytes(&self, n: usize) {
        let end = Instant::now() + Duration::from_secs(5);
        while Instant::now() < end {
            let out = self.out.lock().unwrap();
            let done = if n == 0 {
                !out.is_empty()
            } else {
                out.iter().filter(|&&b| b == b'\n').count() >= n
            };
            drop(out);
            if done {
                return;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// Waits until the output holds `text` (at most 10 s; the caller's
    /// comparison then says what is missing).
    pub fn wait_for_text(&self, text_: &str) {
        let end = Instant::now() + Duration::from_secs(10);
        while !self.output().contains(text_) && Instant::now() < end {
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// What it printed so far.
    pub fn output(&self) -> String {
        text(&self.out.lock().unwrap())
    }

    /// Whether the process has ended.
    pub fn exited(&self) -> bool {
        // try_wait needs &mut; a zero-byte check of the pipe is not enough, so ask /proc.
        let pid = self.child.as_ref().unwrap().id();
        match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
            Ok(stat) => stat
                .rsplit_once(')')
                .is_some_and(|(_, r)| r.trim_start().starts_with('Z')),
            Err(_) => true,
        }
    }

    /// Waits for the end of the process: its status code, stdout and stderr.
    pub fn finish(mut self) -> (Option<i32>, Vec<u8>, String) {
        let child = self.child.take().unwrap();
        let out = wait(child, Duration::from_secs(20));
        // The reader threads may still be copying the last bytes.
        std::thread::sleep(Duration::from_millis(50));
        let stdout = self.out.lock().unwrap().clone();
        let stderr = String::from_utf8_lossy(&self.err.lock().unwrap()).into_owned();
        (out.status.code(), stdout, stderr)
    }

    /// Kills the process (SIGKILL) and gives everything it wrote to stdout
    /// before it died.
    pub fn kill_and_output(mut self) -> String {
        let mut child = self.child.take().unwrap();
        child.kill().unwrap();
        let _ = child.wait();
        // The pipe is closed now; the reader thread copies what is left.
        std::thread::sleep(Duration::from_millis(200));
        self.output()
    }

    /// Kills the process (SIGKILL): no DISCONNECT, so the broker sends the will.
    pub fn kill(mut self) {
        let mut child = self.child.take().unwrap();
        child.kill().unwrap();
        let _ = child.wait();
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// Publishes with mosquitto_pub (the reference publisher); panics if it fails.
pub fn reference_pub(broker: &(String, u16), args: &[&str]) {
    let out = run(Tool::Mosquitto, "pub", broker, args, b"");
    assert!(
        out.status.success(),
        "mosquitto_pub {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Starts `tool sub` on `topic` (plus `args`) and waits until it printed a
/// retained probe (payload `1`, valid JSON for `%J`, on `{topic}-probe`, which the subscriber also
/// subscribes to), so that what is published next reaches it: the probe is
/// each subscriber's first message. The probe is cleared when the returned
/// guard drops (after the subscribers are gone, so they never see the clear).
pub fn ready_subscribers(
    broker: &(String, u16),
    topic: &str,
    tools: &[Tool],
    args: &[&str],
) -> (Vec<Running>, Probe) {
    let probe = format!("{topic}-probe");
    reference_pub(broker, &["-t", &probe, "-m", "1", "-r", "-q", "1"]);
    let guard = Probe {
        broker: broker.clone(),
        topic: probe.clone(),
    };
    let subs: Vec<Running> = tools
        .iter()
        .map(|&t| {
            let mut a = vec!["-t", topic, "-t", &probe];
            a.extend_from_slice(args);
            Running::sub(t, broker, &a)
        })
        .collect();
    for s in &subs {
        s.wait_for_output(1);
    }
    (subs, guard)
}

/// Clears the retained probe of [`ready_subscribers`] on drop.
pub struct Probe {
    broker: (String, u16),
    topic: String,
}

impl Drop for Probe {
    fn drop(&mut self) {
        let _ = run(
            Tool::Mosquitto,
            "pub",
            &self.broker,
            &["-t", &self.topic, "-n", "-r", "-q", "1"],
            b"",
        );
    }
}

/// Text of bytes, for assertions.
pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}
