//! mqtt-smol starts no OS thread per client: a client is two tasks on an
//! executor (it used to start two threads each, and a process holding
//! ~8,190 clients aborted when the kernel refused more). The check is
//! `mqtt_testkit::async_suite::threads`; here the tasks run on a
//! `smol::Executor` of the test's own, through `connect_with`.

use futures_lite::future::block_on;
use mqtt_smol::{Client, Options, Smol};
use std::sync::Arc;

#[test]
fn fifty_clients_start_no_thread_of_their_own() {
    let ex = Arc::new(smol::Executor::new());
    let spawner = ex.clone();
    let spawn = move |t| spawner.spawn(t).detach();
    block_on(
        ex.run(
            mqtt_testkit::async_suite::threads::fifty_clients_start_no_thread_of_their_own::<
                Smol,
                _,
                _,
            >(|url| {
                let spawn = spawn.clone();
                async move {
                    Client::connect_with(&url, Options::new(), spawn)
                        .await
                        .unwrap()
                }
            }),
        ),
    );
}
