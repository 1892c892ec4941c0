//! The getting-started guide (`src/guide.rs`, the `guide` module) shows the
//! examples' code, and only it: each of its Rust code blocks is an example
//! file (the lines of other steps hidden), checked here line by line.

use std::path::Path;

fn crate_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn guide_code_blocks_are_the_examples_code() {
    let shown_whole = &[
        "examples/hello_world.rs",
        "examples/blabbr.rs",
        "examples/weathr.rs",
    ];
    match mqtt_testkit::guide::check(crate_dir(), "src/guide.rs", shown_whole) {
        Ok(blocks) => assert!(blocks > 0, "the guide has no code block"),
        Err(e) => panic!("{e}"),
    }
}

/// The guide states the examples' data, which lives in the test kit; the
/// tables and lists it prints must be that data.
#[test]
fn guide_states_the_seed_data() {
    use mqtt_testkit::seed;
    let source = std::fs::read_to_string(crate_dir().join("src/guide.rs")).unwrap();
    let text: String = source
        .lines()
        .map(|l| l.trim_start().trim_start_matches("//!").trim_start())
        .collect::<Vec<_>>()
        .join(" ");
    let quoted = |items: &[&str]| {
        let q: Vec<String> = items.iter().map(|i| format!("\"{i}\"")).collect();
        format!("[{}]", q.join(", "))
    };
    let mut rows = vec![
        format!("`NAMES` is `{}`", quoted(&seed::BLABBR_NAMES)),
        format!("`MESSAGES` is `{}`", quoted(&seed::BLABBR_MESSAGES)),
    ];
    for (i, (topic, payload)) in seed::WEATHR_UPDATES.iter().enumerate() {
        rows.push(format!("| {} | `{topic}` | {payload} |", i + 1));
    }
    let mut total = 0;
    for (filter, updates) in seed::WEATHR_ROUTES {
        let n: Vec<String> = updates.iter().map(|u| u.to_string()).collect();
        rows.push(format!(
            "| `{filter}` | {} | {} |",
            n.join(", "),
            updates.len()
        ));
        total += updates.len();
    }
    assert_eq!(total, seed::WEATHR_DELIVERIES);
    rows.push(format!("({total} deliveries in all"));
    for row in rows {
        assert!(text.contains(&row), "the guide does not say: {row}");
    }
}
