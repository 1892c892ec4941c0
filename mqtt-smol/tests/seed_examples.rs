//! The three programs of Machine Head's getting-started guide, with the exact
//! deliveries `shared/reference/seed-examples.md` lists, on every broker under
//! test (`mqtt_testkit::seed_example_tests!` runs each example's `run`).

#[path = "../examples/hello_world.rs"]
mod hello_world;

#[path = "../examples/blabbr.rs"]
mod blabbr;

#[path = "../examples/weathr.rs"]
mod weathr;

mqtt_testkit::seed_example_tests!(run = |f| smol::block_on(f));
