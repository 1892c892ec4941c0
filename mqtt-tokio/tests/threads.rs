//! mqtt-tokio starts no OS thread per client: a client is two tasks on the
//! caller's tokio runtime (`mqtt_testkit::async_suite::threads`; this test
//! binary holds only this test, so the count is not disturbed).

use mqtt_tokio::{Client, Options, Tokio};

#[test]
fn fifty_clients_start_no_thread_of_their_own() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(
        mqtt_testkit::async_suite::threads::fifty_clients_start_no_thread_of_their_own::<Tokio, _, _>(
            |url| async move { Client::connect(&url, Options::new()).await.unwrap() },
        ),
    );
}
