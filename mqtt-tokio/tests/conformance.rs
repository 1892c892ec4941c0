//! The behaviour every adapter must show (`mqtt_testkit::conformance`), run
//! on mqtt-tokio: each call blocks on its future on the test binary's tokio
//! runtime, where the client's tasks live.

mod rt;

use mqtt_testkit::async_suite::{AsyncClient, BlockOn};

struct Block;

impl BlockOn for Block {
    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        rt::block_on(f)
    }
}

mqtt_testkit::conformance_tests!(AsyncClient<mqtt_tokio::Tokio, Block>);
