//! mqtt-std starts no OS thread per client: the connections run as tasks on
//! one process-wide executor (mqtt-std used to start four threads per client,
//! and a connector thread per connection attempt).

use mqtt_std::{Client, Options, QoS};
use mqtt_testkit::support::os_threads;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[test]
fn fifty_clients_with_handlers_start_no_thread_of_their_own() {
    let broker = mqtt_testkit::EmbeddedBroker::shared().expect("the embedded broker");
    let url = broker.mqtt311_url();
    let initial = os_threads();
    // One client first: what a process sets up once (the executor thread,
    // async-io's reactor thread, the resolver pool) is not per client.
    let first = Client::connect(&url, Options::new()).unwrap();
    let before = os_threads();
    let handled = Arc::new(AtomicUsize::new(0));
    let mut clients = Vec::new();
    for _ in 0..50 {
        let c = Client::connect(&url, Options::new()).unwrap();
        let h = handled.clone();
        c.subscribe([("threads/std", QoS::AtLeastOnce)], move |_| {
            h.fetch_add(1, Ordering::SeqCst);
        })
        .unwrap();
        clients.push(c);
    }
    let after = os_threads();
    eprintln!(
        "threads: {initial} before any client, {before} with one client, {after} with 51 connected"
    );
    assert!(
        after <= before + 2,
        "50 connected clients with handlers started {} threads",
        after - before
    );
    // Handlers run on the process's `blocking` pool: it grows with the
    // handler batches running at once, not with the clients.
    first.publish("threads/std", "x").unwrap().wait().unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while handled.load(Ordering::SeqCst) < 50 {
        assert!(Instant::now() < deadline, "every handler ran");
        std::thread::sleep(Duration::from_millis(5));
    }
    eprintln!("threads: {} after 50 handlers ran", os_threads());
    for c in clients {
        c.disconnect().unwrap();
    }
    first.disconnect().unwrap();
}
