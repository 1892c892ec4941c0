//! The behaviour every adapter must show (`mqtt_testkit::conformance`), run
//! on mqtt-smol: each call blocks on its future; the client's tasks run on
//! smol's global executor.

use mqtt_testkit::async_suite::{AsyncClient, BlockOn};

struct Block;

impl BlockOn for Block {
    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        futures_lite::future::block_on(f)
    }
}

mqtt_testkit::conformance_tests!(AsyncClient<mqtt_smol::Smol, Block>);
