//! mqtt-smol starts no OS thread per client: a client is two tasks on an
//! executor (it used to start two threads each, and a process holding
//! ~8,190 clients aborted when the kernel refused more).

use futures_lite::future::block_on;
use mqtt_smol::{Client, Options, QoS};
use std::sync::Arc;

fn threads() -> usize {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("Threads:"))
        .expect("a Threads line")
        .trim()
        .parse()
        .expect("a number")
}

#[test]
fn fifty_clients_start_no_thread_of_their_own() {
    let broker = mqtt_testkit::EmbeddedBroker::shared().expect("the embedded broker");
    let url = broker.mqtt311_url();
    let ex = Arc::new(smol::Executor::new());
    let spawner = ex.clone();
    let spawn = move |t| spawner.spawn(t).detach();
    block_on(ex.run(async {
        // One client first: whatever a process sets up once (async-io's
        // reactor thread, the resolver pool) is not per client.
        let first = Client::connect_with(&url, Options::new(), spawn.clone())
            .await
            .unwrap();
        let before = threads();
        let mut clients = Vec::new();
        for _ in 0..50 {
            clients.push(
                Client::connect_with(&url, Options::new(), spawn.clone())
                    .await
                    .unwrap(),
            );
        }
        let handled = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        for c in &clients {
            let h = handled.clone();
            c.subscribe([("threads/one", QoS::AtLeastOnce)], move |_| {
                h.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            })
            .await
            .unwrap();
        }
        let after = threads();
        assert!(
            after <= before + 2,
            "50 connected clients started {} threads",
            after - before
        );
        // Handlers run on the process's `blocking` pool: it grows with the
        // handler batches running at once, not with the clients.
        first
            .publish("threads/one", "x")
            .await
            .unwrap()
            .await
            .unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while handled.load(std::sync::atomic::Ordering::SeqCst) < 50 {
            assert!(std::time::Instant::now() < deadline, "every handler ran");
            async_io::Timer::after(std::time::Duration::from_millis(5)).await;
        }
        eprintln!(
            "threads: {before} with one client, {after} with 51 connected, {} after 50 handlers ran",
            threads()
        );
        for c in clients {
            c.disconnect().await.unwrap();
        }
        first.disconnect().await.unwrap();
    }));
}
