//! The `pub` and `sub` examples run as programs: the cases every adapter's
//! tools must pass are in `mqtt_testkit::tools`; this file gives them this
//! crate's examples.

#[path = "../examples/pub.rs"]
mod pub_tool;

#[path = "../examples/sub.rs"]
mod sub_tool;

/// The child's side of `Tool::run`; does nothing in a normal test run.
#[test]
fn child() {
    let Some((tool, args)) = mqtt_testkit::tools::child_args() else {
        return;
    };
    let rt = tokio::runtime::Runtime::new().expect("a tokio runtime");
    match tool.as_str() {
        "pub" => rt.block_on(pub_tool::main_with(args)),
        "sub" => rt.block_on(sub_tool::main_with(args)),
        other => panic!("no tool {other}"),
    }
}

mqtt_testkit::tool_exit_tests!("mqtt-tokio");
