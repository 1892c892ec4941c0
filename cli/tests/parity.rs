//! `mqtt pub` / `mqtt sub` against mosquitto_pub / mosquitto_sub 2.0: the
//! same task with each, on the same Mosquitto, compared output for output
//! and exit code for exit code; one test per flag family.

mod support;

use std::time::{Duration, Instant};

use support::{mosquitto, ready_subscribers, reference_pub, run, text, unique, Running, Tool};

const BOTH: [Tool; 2] = [Tool::Mosquitto, Tool::Ours];

/// What a subscriber on `{base}/#` printed for each publisher's subtopic.
fn lines_for(out: &str, topic: &str) -> Vec<String> {
    out.lines()
        .filter_map(|l| l.strip_prefix(&format!("{topic} ")))
        .map(str::to_owned)
        .collect()
}

#[test]
fn payload_sources_retain_qos_and_repeat_publish_the_same_messages() {
    let Some(broker) = mosquitto("payload_sources") else {
        return;
    };
    let base = unique("sources");
    let file = std::env::temp_dir().join(format!("mqtt-parity-{}.bin", std::process::id()));
    std::fs::write(&file, (0u8..=255).collect::<Vec<u8>>()).unwrap();
    let file = file.to_str().unwrap().to_owned();
    let filter = format!("{base}/#");
    let (subs, _probe) = ready_subscribers(
        &broker,
        &base,
        &[Tool::Mosquitto],
        &["-t", &filter, "-q", "2", "-F", "%t %r %q %l %x"],
    );
    let cases: Vec<(Vec<&str>, &[u8])> = vec![
        (vec!["-m", "hello world"], b""),
        (vec!["-m", "-dash", "-q", "1"], b""),
        (vec!["-f", &file, "-q", "2"], b""),
        (vec!["-n"], b""),
        (vec!["-s", "-q", "1"], b"line1\nline2\n"),
        (vec!["-l", "-q", "1"], b"a\n\nb\r\nc"),
        (vec!["--repeat", "3", "-m", "again", "-q", "1"], b""),
        (
            vec![
                "--repeat",
                "2",
                "--repeat-delay",
                "0.05",
                "-m",
                "slow",
                "-q",
                "1",
            ],
            b"",
        ),
        (vec!["-r", "-m", "kept", "-q", "1"], b""),
    ];
    for tool in BOTH {
        let topic = format!("{base}/{tool:?}");
        for (args, stdin) in &cases {
            let mut a = vec!["-t", topic.as_str()];
            a.extend_from_slice(args);
            let out = run(tool, "pub", &broker, &a, stdin);
            assert!(
                out.status.success(),
                "{tool:?} pub {a:?}: {}",
                text(&out.stderr)
            );
        }
    }
    reference_pub(
        &broker,
        &["-t", &format!("{base}/end"), "-m", "end", "-q", "1"],
    );
    let sub = subs.into_iter().next().unwrap();
    let end = Instant::now() + Duration::from_secs(10);
    loop {
        let out = sub.output();
        if out.contains(&format!("{base}/end ")) || Instant::now() > end {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = sub.output();
    sub.kill();
    let mut theirs = lines_for(&out, &format!("{base}/Mosquitto"));
    let mut ours = lines_for(&out, &format!("{base}/Ours"));
    assert!(theirs.len() >= 14, "mosquitto_pub's messages: {theirs:#?}");
    // The same messages, flags and QoS; not the same order: each case is a
    // process of its own, and the broker may deliver a QoS 2 message of one
    // publisher after the QoS 1 messages of the next (seen in CI).
    theirs.sort();
    ours.sort();
    assert_eq!(ours, theirs, "whole output:\n{out}");
    for tool in BOTH {
        reference_pub(&broker, &["-t", &format!("{base}/{tool:?}"), "-n", "-r"]);
    }
}

#[test]
fn output_formats_print_the_same_bytes() {
    let Some(broker) = mosquitto("output_formats") else {
        return;
    };
    let formats: &[&[&str]] = &[
        &[],
        &["-v"],
        &["-N", "-v"],
        &[
            "-F",
            "%t|%p|%q|%r|%l|%x|%X|%5t|%-8l|%08l|%.3t|%-6.2t|%%|\\t|\\\\|@@|%C|%R|%F|%P|%D|%S|end",
        ],
        &["-F", "%j"],
        &["-F", "%J"],
        &["--pretty", "-F", "%j"],
    ];
    for format in formats {
        let base = unique("formats");
        let mut args = vec![
            "-V",
            "5",
            "-q",
            "1",
            "-D",
            "subscribe",
            "subscription-identifier",
            "9",
        ];
        args.extend_from_slice(format);
        let (subs, _probe) = ready_subscribers(&broker, &base, &BOTH, &args);
        reference_pub(
            &broker,
            &[
                "-t",
                &base,
                "-m",
                "{\"a\": [1, 2.5], \"b\": \"x y\"}",
                "-q",
                "1",
            ],
        );
        reference_pub(
            &broker,
            &[
                "-t",
                &base,
                "-m",
                "with \"props\"",
                "-q",
                "1",
                "-V",
                "5",
                "-D",
                "publish",
                "content-type",
                "text/plain",
                "-D",
                "publish",
                "response-topic",
                "re/ply",
                "-D",
                "publish",
                "correlation-data",
                "c0rr",
                "-D",
                "publish",
                "payload-format-indicator",
                "1",
                "-D",
                "publish",
                "user-property",
                "k1",
                "v1",
                "-D",
                "publish",
                "user-property",
                "k2",
                "v2",
            ],
        );
        reference_pub(&broker, &["-t", &base, "-n"]);
        // The last one, which every format prints visibly (and is JSON for %J).
        reference_pub(&broker, &["-t", &base, "-m", "\"END\"", "-q", "1"]);
        let mut outs = Vec::new();
        for s in subs {
            s.wait_for_text("END");
            let out = s.output();
            s.kill();
            outs.push(strip_timestamps(&out));
        }
        assert_eq!(outs[1], outs[0], "format {format:?}");
        let lines = outs[0].lines().count();
        assert!(
            format.contains(&"-N") || lines >= 3,
            "format {format:?}: the probe and the messages: {}",
            outs[0]
        );
        assert!(!outs[0].is_empty(), "format {format:?}");
    }
}

/// `"tst":"..."` of %j varies with the clock.
fn strip_timestamps(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find("\"tst\":") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 6..];
        let after = after.trim_start_matches('\t');
        let close = after[1..].find('"').map(|j| j + 2).unwrap_or(after.len());
        rest = &after[close..];
    }
    out.push_str(rest);
    out
}

#[test]
fn retained_handling_flags_behave_alike() {
    let Some(broker) = mosquitto("retained_handling") else {
        return;
    };
    for tool in BOTH {
        let base = unique("retained");
        let all = format!("{base}/#");
        let set = || {
            for (t, m) in [("a", "1"), ("b", "2"), ("c", "3")] {
                reference_pub(
                    &broker,
                    &["-t", &format!("{base}/{t}"), "-m", m, "-r", "-q", "1"],
                );
            }
        };
        let retained_now = || {
            let out = run(
                Tool::Mosquitto,
                "sub",
                &broker,
                &["-t", &all, "-v", "-W", "1"],
                b"",
            );
            let mut lines: Vec<String> = text(&out.stdout).lines().map(str::to_owned).collect();
            lines.sort();
            lines
        };
        set();
        // --retained-only: the retained ones, then out at the first live one.
        let s = Running::sub(tool, &broker, &["-t", &all, "-v", "--retained-only"]);
        s.wait_for_lines_or_bytes(3);
        reference_pub(
            &broker,
            &["-t", &format!("{base}/live"), "-m", "now", "-q", "1"],
        );
        let (code, out, err) = s.finish();
        let mut lines: Vec<String> = text(&out).lines().map(str::to_owned).collect();
        lines.sort();
        assert_eq!(code, Some(0), "{tool:?}: {err}");
        assert_eq!(
            lines,
            [
                format!("{base}/a 1"),
                format!("{base}/b 2"),
                format!("{base}/c 3")
            ],
            "{tool:?}"
        );

        // -R: retained ones are not printed; -C 1 ends at the first live one.
        let s = Running::sub(tool, &broker, &["-t", &all, "-v", "-R", "-C", "1"]);
        let end = Instant::now() + Duration::from_secs(10);
        while !s.exited() && Instant::now() < end {
            reference_pub(&broker, &["-t", &format!("{base}/live"), "-m", "fresh"]);
            std::thread::sleep(Duration::from_millis(100));
        }
        let (code, out, _) = s.finish();
        assert_eq!(
            (code, text(&out)),
            (Some(0), format!("{base}/live fresh\n")),
            "{tool:?}"
        );

        // --remove-retained with -T: clears what it prints, keeps what -T filters out.
        let s = Running::sub(
            tool,
            &broker,
            &[
                "-t",
                &all,
                "-v",
                "--remove-retained",
                "-T",
                &format!("{base}/b"),
            ],
        );
        s.wait_for_lines_or_bytes(2);
        std::thread::sleep(Duration::from_millis(300));
        s.kill();
        assert_eq!(retained_now(), [format!("{base}/b 2")], "{tool:?}");
        reference_pub(&broker, &["-t", &format!("{base}/b"), "-n", "-r"]);
    }
}

#[test]
fn exit_codes_and_usage_errors_match() {
    let Some(broker) = mosquitto("exit_codes") else {
        return;
    };
    let base = unique("exit");
    let cases: &[(&str, &[&str])] = &[
        ("sub", &["-t", &base, "-W", "1"]),
        ("sub", &["-t", &base, "-E"]),
        ("sub", &[]),
        ("sub", &["-U", &base]),
        ("sub", &["-t", &base, "-c"]),
        ("sub", &["-t", &base, "-q", "3"]),
        ("sub", &["-t", &base, "-i", "a", "-I", "b"]),
        ("pub", &["-t", &base]),
        ("pub", &["-m", "x"]),
        ("pub", &["-t", &base, "-m", "x", "-q", "3"]),
        ("pub", &["-t", &base, "-m", "x", "-V", "mqttv4"]),
        (
            "pub",
            &[
                "-t", &base, "-m", "x", "-V", "5", "-D", "publish", "bogus", "1",
            ],
        ),
        (
            "pub",
            &[
                "-t",
                &base,
                "-m",
                "x",
                "-V",
                "5",
                "-D",
                "publish",
                "subscription-identifier",
                "1",
            ],
        ),
        ("pub", &["-t", &base, "-m", "x", "-f", "/nonexistent/file"]),
        (
            "pub",
            &["-t", &base, "-m", "x", "--cafile", "/nonexistent/ca.pem"],
        ),
        ("pub", &["-t", &base, "-m", "x", "-q", "1"]),
    ];
    for (verb, args) in cases {
        let theirs = run(Tool::Mosquitto, verb, &broker, args, b"");
        let ours = run(Tool::Ours, verb, &broker, args, b"");
        assert_eq!(
            ours.status.code(),
            theirs.status.code(),
            "{verb} {args:?}: ours said {:?}, theirs {:?}",
            text(&ours.stderr),
            text(&theirs.stderr)
        );
        if theirs.status.code() == Some(27) {
            assert_eq!(
                text(&ours.stderr),
                text(&theirs.stderr),
                "the timeout message"
            );
        }
    }
    // A broker that is not there.
    let closed = (broker.0.clone(), 1);
    for tool in BOTH {
        let out = run(tool, "pub", &closed, &["-t", "x", "-m", "x"], b"");
        assert_eq!(out.status.code(), Some(1), "{tool:?}");
        assert!(
            text(&out.stderr).contains("refused"),
            "{tool:?}: {}",
            text(&out.stderr)
        );
        let quiet = run(
            tool,
            "pub",
            &closed,
            &["-t", "x", "-m", "x", "--quiet"],
            b"",
        );
        assert_eq!(
            (quiet.status.code(), text(&quiet.stderr)),
            (Some(1), String::new()),
            "{tool:?}"
        );
    }
}

#[test]
fn properties_and_wills_arrive_alike() {
    let Some(broker) = mosquitto("properties_wills") else {
        return;
    };
    let base = unique("props");
    let all = format!("{base}/#");
    let (subs, _probe) = ready_subscribers(
        &broker,
        &base,
        &[Tool::Mosquitto],
        &[
            "-t",
            &all,
            "-V",
            "5",
            "-F",
            "%t|%p|%C|%R|%D|%F|%P|%r|%q",
            "-q",
            "1",
        ],
    );
    for tool in BOTH {
        let out = run(
            tool,
            "pub",
            &broker,
            &[
                "-t",
                &format!("{base}/{tool:?}"),
                "-m",
                "p",
                "-q",
                "1",
                "-V",
                "5",
                "-D",
                "publish",
                "content-type",
                "ct",
                "-D",
                "publish",
                "response-topic",
                "rt",
                "-D",
                "publish",
                "correlation-data",
                "cd",
                "-D",
                "publish",
                "payload-format-indicator",
                "1",
                "-D",
                "publish",
                "user-property",
                "a",
                "b",
                "-D",
                "connect",
                "user-property",
                "c",
                "d",
                "-D",
                "connect",
                "receive-maximum",
                "10",
                "-D",
                "disconnect",
                "session-expiry-interval",
                "0",
            ],
            b"",
        );
        assert!(out.status.success(), "{tool:?}: {}", text(&out.stderr));
    }
    // Wills: a subscriber killed without DISCONNECT.
    for tool in BOTH {
        let idle = format!("{base}-idle-{tool:?}");
        let will = format!("{base}/will/{tool:?}");
        let with_will = |extra: &[&'static str]| {
            let mut a = vec![
                "-t",
                idle.as_str(),
                "-V",
                "5",
                "-q",
                "1",
                "--will-topic",
                will.as_str(),
                "--will-payload",
                "gone",
                "--will-qos",
                "1",
                "-D",
                "will",
                "content-type",
                "wct",
                "-D",
                "will",
                "user-property",
                "w",
                "x",
            ];
            a.extend_from_slice(extra);
            Running::sub(tool, &broker, &a)
        };
        // -E: exits once subscribed, with DISCONNECT: no will.
        let (code, _, err) = with_will(&["-E"]).finish();
        assert_eq!(code, Some(0), "{tool:?}: {err}");
        let s = with_will(&[]);
        let end = Instant::now() + Duration::from_secs(10);
        while s.output().is_empty() && Instant::now() < end {
            reference_pub(
                &broker,
                &["-t", &format!("{base}-idle-{tool:?}"), "-m", "ready"],
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        assert!(!s.output().is_empty(), "{tool:?} never subscribed");
        s.kill();
    }
    let sub = subs.into_iter().next().unwrap();
    // The broker publishes each will once it sees the connection gone.
    for tool in BOTH {
        sub.wait_for_text(&format!("{base}/will/{tool:?}|"));
    }
    let out = sub.output();
    sub.kill();
    let strip = |tool: &str| -> Vec<String> {
        out.lines()
            .filter_map(|l| {
                let (topic, rest) = l.split_once('|')?;
                let kind = topic
                    .strip_prefix(&format!("{base}/"))?
                    .replace(tool, "TOOL");
                Some(format!("{kind}|{rest}"))
            })
            .filter(|l| l.contains("TOOL"))
            .collect()
    };
    let theirs = strip("Mosquitto");
    assert_eq!(theirs.len(), 2, "the message and the will: {out}");
    assert_eq!(strip("Ours"), theirs, "{out}");
}

#[test]
fn persistent_sessions_and_unsubscribe_behave_alike() {
    let Some(broker) = mosquitto("sessions") else {
        return;
    };
    for version in ["mqttv311", "mqttv5"] {
        let mut results = Vec::new();
        for tool in BOTH {
            let topic = unique("session");
            let id = format!("parity-{}-{tool:?}-{version}", std::process::id());
            let sub = |args: &[&str]| {
                let mut a = vec![
                    "-t",
                    topic.as_str(),
                    "-c",
                    "-i",
                    id.as_str(),
                    "-q",
                    "1",
                    "-V",
                    version,
                ];
                a.extend_from_slice(args);
                let out = run(tool, "sub", &broker, &a, b"");
                (out.status.code(), text(&out.stdout))
            };
            let mut r = vec![sub(&["-E"])];
            reference_pub(&broker, &["-t", &topic, "-m", "queued", "-q", "1"]);
            r.push(sub(&["-C", "1", "-v"]));
            r.push(sub(&["-U", &topic, "-E"]));
            // -U ran after the -t subscription: the session has none now.
            reference_pub(&broker, &["-t", &topic, "-m", "missed", "-q", "1"]);
            let out = run(
                tool,
                "sub",
                &broker,
                &[
                    "-t",
                    &format!("{topic}/other"),
                    "-c",
                    "-i",
                    &id,
                    "-q",
                    "1",
                    "-V",
                    version,
                    "-W",
                    "1",
                    "-v",
                ],
                b"",
            );
            r.push((out.status.code(), text(&out.stdout)));
            // Clean the session up.
            let _ = run(
                Tool::Mosquitto,
                "sub",
                &broker,
                &["-t", &topic, "-i", &id, "-E"],
                b"",
            );
            results.push(
                r.into_iter()
                    .map(|(c, o)| (c, o.replace(&topic, "TOPIC")))
                    .collect::<Vec<_>>(),
            );
        }
        assert_eq!(results[1], results[0], "{version}");
        assert_eq!(
            results[0][1],
            (Some(0), "TOPIC queued\n".to_owned()),
            "{version}"
        );
    }
}

#[test]
fn tls_flags_are_used_never_ignored() {
    let Some(_) = mosquitto("tls_flags") else {
        return;
    };
    let tls = mqtt_testkit::MosquittoTls::start().expect("a private Mosquitto with TLS");
    let broker = ("127.0.0.1".to_owned(), tls.addr().port());
    let ca = tls.ca_cert_path().to_str().unwrap().to_owned();
    let topic = unique("tls");
    for tool in BOTH {
        let ok = run(
            tool,
            "pub",
            &broker,
            &["--cafile", &ca, "-t", &topic, "-m", "x", "-q", "1"],
            b"",
        );
        assert!(ok.status.success(), "{tool:?}: {}", text(&ok.stderr));
        let v12 = run(
            tool,
            "pub",
            &broker,
            &[
                "--cafile",
                &ca,
                "--tls-version",
                "tlsv1.2",
                "-t",
                &topic,
                "-m",
                "x",
            ],
            b"",
        );
        assert!(v12.status.success(), "{tool:?}: {}", text(&v12.stderr));
    }
    let capath = tls
        .ca_cert_path()
        .parent()
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let dir = std::env::temp_dir().join(format!("mqtt-parity-capath-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(&ca, dir.join("ca.pem")).unwrap();
    let ok = run(
        Tool::Ours,
        "pub",
        &broker,
        &["--capath", dir.to_str().unwrap(), "-t", &topic, "-m", "x"],
        b"",
    );
    assert!(ok.status.success(), "--capath: {}", text(&ok.stderr));
    let _ = capath;
    // Without the CA: refused, even with --insecure (which only skips the host name).
    let out = run(
        Tool::Ours,
        "pub",
        &broker,
        &["--tls-use-os-certs", "--insecure", "-t", &topic, "-m", "x"],
        b"",
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("Warning: --insecure"),
        "{}",
        text(&out.stderr)
    );
    assert!(
        text(&out.stderr).to_lowercase().contains("certificate"),
        "{}",
        text(&out.stderr)
    );
    let out = run(
        Tool::Ours,
        "pub",
        &broker,
        &["--cafile", &ca, "--insecure", "-t", &topic, "-m", "x"],
        b"",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    // A TLS flag with a plain URL, or a file that is not a certificate: errors.
    let out = run(
        Tool::Ours,
        "pub",
        &broker,
        &[
            "-L",
            &format!("mqtt://127.0.0.1:{}", broker.1),
            "--cafile",
            &ca,
            "-t",
            &topic,
            "-m",
            "x",
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(1));
    let not_pem = dir.join("empty.pem");
    std::fs::write(&not_pem, "not a certificate").unwrap();
    let out = run(
        Tool::Ours,
        "pub",
        &broker,
        &[
            "--cafile",
            not_pem.to_str().unwrap(),
            "-t",
            &topic,
            "-m",
            "x",
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("no certificate"),
        "{}",
        text(&out.stderr)
    );
    // Mutual TLS.
    let m = ("127.0.0.1".to_owned(), tls.mtls_addr().port());
    let cert = tls.client_cert_path().to_str().unwrap();
    let key = tls.client_key_path().to_str().unwrap();
    for tool in BOTH {
        let out = run(
            tool,
            "pub",
            &m,
            &[
                "--cafile", &ca, "--cert", cert, "--key", key, "-t", &topic, "-m", "x", "-q", "1",
            ],
            b"",
        );
        assert!(out.status.success(), "{tool:?}: {}", text(&out.stderr));
        let out = run(
            tool,
            "pub",
            &m,
            &["--cafile", &ca, "-t", &topic, "-m", "x", "-q", "1"],
            b"",
        );
        assert!(
            !out.status.success(),
            "{tool:?}: mutual TLS without a certificate"
        );
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn request_response_works_alike() {
    let Some(broker) = mosquitto("request_response") else {
        return;
    };
    let mut outputs = Vec::new();
    for version in ["mqttv5", "mqttv311"] {
        for tool in BOTH {
            let base = unique("rr");
            let request = format!("{base}/request");
            let response = format!("{base}/response");
            // The responder prints the request's Response Topic (MQTT 5) and payload.
            let (responders, _probe) = ready_subscribers(
                &broker,
                &request,
                &[Tool::Mosquitto],
                &["-V", "5", "-F", "%R|%p", "-C", "2"],
            );
            let responder = responders.into_iter().next().unwrap();
            let mut c = tool.command("rr");
            c.args([
                "-h",
                &broker.0,
                "-p",
                &broker.1.to_string(),
                "-t",
                &request,
                "-e",
                &response,
                "-m",
                "ping",
                "-v",
                "-V",
                version,
                "-W",
                "10",
            ]);
            c.stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped());
            let requester = c.spawn().unwrap();
            responder.wait_for_lines_or_bytes(2);
            reference_pub(&broker, &["-t", &response, "-m", "pong"]);
            let out = requester.wait_with_output().unwrap();
            let (_, seen, _) = responder.finish();
            outputs.push((
                version,
                out.status.code(),
                text(&out.stdout).replace(&base, "BASE"),
                text(&seen).replace(&base, "BASE"),
            ));
        }
    }
    assert_eq!(outputs[1], outputs[0], "MQTT 5");
    assert_eq!(outputs[3], outputs[2], "MQTT 3.1.1");
    assert_eq!(outputs[0].2, "BASE/response pong\n");
    assert_eq!(
        outputs[0].3, "|1\nBASE/response|ping\n",
        "the probe, then the request with its Response Topic"
    );
    // No response: -W.
    for tool in BOTH {
        let base = unique("rr-none");
        let out = run(
            tool,
            "rr",
            &broker,
            &[
                "-t",
                &base,
                "-e",
                &format!("{base}/r"),
                "-m",
                "x",
                "-W",
                "1",
            ],
            b"",
        );
        assert_eq!(
            (out.status.code(), text(&out.stderr)),
            (Some(27), "Timed out\n".to_owned()),
            "{tool:?}"
        );
    }
}
