//! Rough end-to-end throughput through a broker: one client publishes N
//! messages, another receives them; prints messages per second.
//!
//! ```sh
//! cargo run --release -p mqtt-std --example throughput -- -n 100000 -q 0 -s 64
//! cargo run --release -p mqtt-std --example throughput -- -L mqtt://127.0.0.1:1883 -n 20000 -q 1
//! cargo run --release -p mqtt-std --example throughput -- -n 10000 -q 2 -w 20
//! ```
//!
//! A wall-clock measurement on a shared machine: indicative only (the
//! criterion benches in `benches/` are the reference).

use mqtt_std::{Client, Options, Publish, QoS};
use std::sync::mpsc;
use std::time::{Duration, Instant};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (mut url, mut n, mut qos, mut size) = (None, 10_000usize, QoS::AtMostOnce, 64usize);
    let mut window = None;
    let mut i = 0;
    while i < args.len() {
        let v = args.get(i + 1).cloned().unwrap_or_default();
        match args[i].as_str() {
            "-L" => url = Some(v),
            "-n" => n = v.parse()?,
            "-q" => qos = QoS::from_u8(v.parse()?).ok_or("QoS must be 0, 1 or 2")?,
            "-s" => size = v.parse()?,
            "-w" => window = Some(v.parse()?),
            f => {
                return Err(format!(
                    "unknown flag {f}; flags: -L URL -n COUNT -q QOS -s BYTES -w WINDOW"
                )
                .into())
            }
        }
        i += 2;
    }
    let url = match url {
        Some(u) => u,
        None => mqtt_testkit::example_broker()?,
    };
    let topic = format!("throughput/{}", std::process::id());
    let receiver = Client::connect(&url, Options::new())?;
    let (tx, rx) = mpsc::channel();
    let mut seen = 0usize;
    receiver.subscribe([(topic.as_str(), qos)], move |_| {
        seen += 1;
        if seen == n {
            let _ = tx.send(Instant::now());
        }
    })?;
    // Mosquitto 2.0 drops QoS 2 publishes beyond its 20 in flight: use `-w 20` there.
    let mut options = Options::new();
    if let Some(w) = window {
        options = options.max_inflight(w);
    }
    let sender = Client::connect(&url, options)?;
    let payload = mqtt_std::Bytes::from(vec![b'x'; size]);
    let start = Instant::now();
    let mut last = None;
    for _ in 0..n {
        last = Some(sender.publish_with(Publish::new(topic.as_str(), payload.clone()).qos(qos))?);
    }
    if let Some(h) = last {
        h.wait()?;
    }
    let sent = start.elapsed();
    let done = rx.recv_timeout(Duration::from_secs(120))?;
    let total = done.duration_since(start);
    println!(
        "{n} messages of {size} bytes at QoS {} via {url}: published in {:.3} s, all received in {:.3} s: {:.0} msg/s",
        qos as u8,
        sent.as_secs_f64(),
        total.as_secs_f64(),
        n as f64 / total.as_secs_f64()
    );
    sender.disconnect()?;
    receiver.disconnect()?;
    Ok(())
}
