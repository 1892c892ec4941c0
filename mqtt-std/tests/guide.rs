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
    if let Err(e) = mqtt_testkit::guide::check_seed_data(crate_dir(), "src/guide.rs") {
        panic!("{e}");
    }
}
