//! The defaults the docs state are the defaults the code uses: the numbers
//! are read from the doc comments and compared with `Config::default()`.

use mqtt_adapter::Config;

/// The doc comments of a source file as one line of prose.
fn prose(source: &str) -> String {
    source
        .lines()
        .filter_map(|l| {
            let l = l.trim_start();
            l.strip_prefix("///").or_else(|| l.strip_prefix("//!"))
        })
        .map(str::trim)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The number right before `after` (`"20 publishes in flight"`), at each place it occurs.
fn numbers_before(text: &str, after: &str) -> Vec<u64> {
    text.match_indices(after)
        .map(|(i, _)| {
            let head = text[..i].trim_end();
            let digits: String = head
                .chars()
                .rev()
                .take_while(|c| c.is_ascii_digit() || *c == ',')
                .filter(char::is_ascii_digit)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            digits.parse().unwrap_or_else(|_| {
                panic!(
                    "no number before {after:?} in ...{}",
                    &head[head.len().saturating_sub(40)..]
                )
            })
        })
        .collect()
}

/// The number right after `before` (`"(default 20"`), at each place it occurs.
fn numbers_after(text: &str, before: &str) -> Vec<u64> {
    text.match_indices(before)
        .map(|(i, _)| {
            let tail = text[i + before.len()..].trim_start();
            let digits: String = tail
                .chars()
                .take_while(|c| c.is_ascii_digit() || *c == ',')
                .filter(char::is_ascii_digit)
                .collect();
            digits.parse().unwrap_or_else(|_| {
                panic!(
                    "no number after {before:?} in {}...",
                    &tail[..tail.len().min(40)]
                )
            })
        })
        .collect()
}

fn assert_all(found: Vec<u64>, expected: u64, place: &str) {
    assert!(
        !found.is_empty(),
        "{place}: the phrase is gone; update this test"
    );
    for n in found {
        assert_eq!(
            n, expected,
            "{place} documents {n}, the code uses {expected}"
        );
    }
}

#[test]
fn documented_max_inflight_is_the_default() {
    let code = u64::from(Config::default().max_inflight);
    let options = prose(include_str!("../src/options.rs"));
    assert_all(
        numbers_before(&options, "publishes in flight,"),
        code,
        "Options",
    );
    assert_all(
        numbers_after(&options, "publishes in flight at once (default"),
        code,
        "Options::max_inflight",
    );
    let std_front = prose(include_str!("../../mqtt-std/src/lib.rs"));
    assert_all(
        numbers_before(&std_front, "in flight,"),
        code,
        "mqtt-std's front page",
    );
    let config = prose(include_str!("../../mqtt-proto/src/client/config.rs"));
    let at = config
        .find("Outbound window: QoS 1 and 2 publishes in flight")
        .expect("Config::max_inflight's doc");
    // Its first "Default:" (the next ones belong to other fields).
    let doc = &config[at..];
    let end = doc.find("Default:").expect("a Default:") + "Default: 65535".len();
    assert_all(
        numbers_after(&doc[..end], "Default:"),
        code,
        "Config::max_inflight",
    );
}

#[test]
fn documented_max_queued_is_the_default() {
    let code = Config::default().max_queued as u64;
    let options = prose(include_str!("../src/options.rs"));
    assert_all(numbers_before(&options, "more queued"), code, "Options");
    let std_front = prose(include_str!("../../mqtt-std/src/lib.rs"));
    assert_all(
        numbers_before(&std_front, "queued,"),
        code,
        "mqtt-std's front page",
    );
}
