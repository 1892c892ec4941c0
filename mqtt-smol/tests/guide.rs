//! The getting-started guide (`src/guide.rs`, the `guide` module) shows the
//! examples' code, and only it: each of its Rust code blocks is an example
//! file (the lines of other steps hidden), checked here line by line.

use std::path::Path;

fn crate_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn guide_code_blocks_are_the_examples_code() {
    // The guide shows only the lines that differ from mqtt-tokio's examples.
    let shown_whole = &[];
    match mqtt_testkit::guide::check(crate_dir(), "src/guide.rs", shown_whole) {
        Ok(blocks) => assert!(blocks > 0, "the guide has no code block"),
        Err(e) => panic!("{e}"),
    }
}

/// The guide says the smol examples are the tokio ones but for the runtime
/// glue: with `smol` read as `tokio`, they differ only in the order of their
/// `use` lines and in `main`.
#[test]
fn examples_differ_from_tokio_only_in_runtime_glue() {
    // `use` lines sorted; `main` (from its `#[allow(dead_code)]`) left out.
    fn program(text: &str) -> (Vec<String>, Vec<String>) {
        let lines: Vec<&str> = text
            .lines()
            .take_while(|l| !l.starts_with("#[allow(dead_code)]"))
            .collect();
        let mut uses: Vec<String> = lines
            .iter()
            .filter(|l| l.starts_with("use "))
            .map(|l| l.to_string())
            .collect();
        uses.sort();
        let rest = lines
            .iter()
            .filter(|l| !l.starts_with("use "))
            .map(|l| l.to_string())
            .collect();
        (uses, rest)
    }
    let tokio_dir = crate_dir().join("../mqtt-tokio/examples");
    for name in ["hello_world.rs", "blabbr.rs", "weathr.rs"] {
        let smol = std::fs::read_to_string(crate_dir().join("examples").join(name)).unwrap();
        let tokio = std::fs::read_to_string(tokio_dir.join(name)).unwrap();
        let as_tokio = smol
            .replace("mqtt_smol", "mqtt_tokio")
            .replace("mqtt-smol", "mqtt-tokio")
            .replace("Smol", "Tokio");
        assert_eq!(program(&as_tokio), program(&tokio), "{name}");
    }
}
