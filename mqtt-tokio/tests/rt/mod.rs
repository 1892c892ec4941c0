//! The tokio runtime the integration tests block on: one multi-thread
//! runtime for the whole test binary, so the client's tasks (spawned on it by
//! `Client::connect`) outlive every call that started them.

use std::future::Future;
use std::sync::OnceLock;
use tokio::runtime::Runtime;

/// The test binary's runtime (I/O and time enabled, two workers).
pub fn rt() -> &'static Runtime {
    static RT: OnceLock<Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a tokio runtime")
    })
}

/// Runs `f` to completion on [`rt`], from a thread outside the runtime.
#[allow(dead_code)] // Not every test binary blocks on a test body.
pub fn block_on<F: Future>(f: F) -> F::Output {
    rt().block_on(f)
}
