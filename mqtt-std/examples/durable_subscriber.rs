//! A subscriber that may be killed at any moment: QoS 2 messages reach its
//! handler once, across restarts.
//!
//! ```sh
//! cargo run -p mqtt-std --example durable_subscriber -- mqtt://127.0.0.1:1883 /tmp/durable-sub received.log
//! ```
//!
//! Arguments (all optional): broker URL, store directory, log file, client
//! id. Subscribes to `durable/#` at QoS 2 with a persistent session and
//! appends the number each message starts with (8 bytes, big-endian, as
//! `durable_publisher` sends them) to the log, one line each, from its
//! handler. Runs until killed. The broker keeps what arrives meanwhile; after
//! a restart the client resumes its session from the store: a message the
//! broker sends again (DUP) after the handler returned is answered, not
//! delivered again.

use mqtt_std::{Client, Options, Persistence, QoS};
use std::io::Write;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize, default: &str| args.get(i).cloned().unwrap_or_else(|| default.to_owned());
    let url = arg(0, "mqtt://127.0.0.1:1883");
    let dir = arg(1, "durable-subscriber-store");
    let log_path = arg(2, "durable-subscriber.log");
    let id = arg(3, "durable-subscriber");

    let mut log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log_path)?;
    let options = Options::new()
        .client_id(id)
        .clean_session(false)
        .persistence(Persistence::new(dir))
        // Declared before connecting: messages the broker kept for this
        // session find their handler from the first packet.
        .handler("durable/#", QoS::ExactlyOnce, move |m| {
            if let Some(n) = m.payload().get(..8) {
                let n = u64::from_be_bytes(n.try_into().expect("8 bytes"));
                // One write per line: a kill cannot leave half a line.
                let _ = log.write_all(format!("{n}\n").as_bytes());
            }
        });
    let _client = Client::connect(&url, options)?;
    println!("subscribed");
    loop {
        std::thread::park();
    }
}
