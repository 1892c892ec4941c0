//! A publisher that may be killed at any moment: its session is on disk.
//!
//! ```sh
//! cargo run -p mqtt-std --example durable_publisher -- mqtt://127.0.0.1:1883 /tmp/durable 4000
//! ```
//!
//! Arguments (all optional): broker URL, store directory, message count,
//! sync policy (`always`, `batched` — the default — or `never`), client id.
//! Publishes that many numbered messages (an 8-byte big-endian number, then
//! text) to `durable/test`, QoS 1 and QoS 2 alternating. Kill it (`kill -9`)
//! and run it again: it goes on from where it stopped — every message whose
//! `publish` returned is in the store, and the client's publish ids continue
//! across restarts, so the next id says how many were handed over. No
//! message is lost and none at QoS 2 arrives twice. Prints `done N` when the
//! broker has acknowledged every message.

use mqtt_std::{Client, Options, Persistence, Publish, QoS, SyncPolicy};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize, default: &str| args.get(i).cloned().unwrap_or_else(|| default.to_owned());
    let url = arg(0, "mqtt://127.0.0.1:1883");
    let dir = arg(1, "durable-publisher-store");
    let count: u64 = arg(2, "4000").parse()?;
    let sync = match arg(3, "batched").as_str() {
        "always" => SyncPolicy::Always,
        "batched" => SyncPolicy::Batched,
        "never" => SyncPolicy::Never,
        other => return Err(format!("unknown sync policy {other:?}").into()),
    };
    let id = arg(4, "durable-publisher");

    let options = Options::new()
        .client_id(id)
        .clean_session(false)
        .persistence(Persistence::new(dir).sync(sync));
    let client = Client::connect(&url, options)?;
    // Publish ids start at 1 and continue across restarts: message `n` gets id `n + 1`.
    let first = client.next_publish_id().0 - 1;
    for n in first..count {
        let qos = if n % 2 == 0 {
            QoS::AtLeastOnce
        } else {
            QoS::ExactlyOnce
        };
        let mut payload = n.to_be_bytes().to_vec();
        payload.extend_from_slice(b" durable message");
        // In the store when this returns; the broker's acknowledgement comes later.
        let _handle = client.publish_with(Publish::new("durable/test", payload).qos(qos))?;
    }
    // Waits for every acknowledgement, those of messages restored from the
    // store included.
    client.disconnect()?;
    println!("done {count}");
    Ok(())
}
