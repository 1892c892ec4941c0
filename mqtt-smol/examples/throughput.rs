//! Measures end-to-end throughput through a real broker: one client
//! subscribes, another publishes N messages of a given QoS and size; the
//! subscriber counts them. Prints messages per second for the whole run
//! (publish, broker routing, delivery). A measurement tool, not a test.
//!
//! ```sh
//! cargo run --release -p mqtt-smol --example throughput -- [N] [QOS] [SIZE]
//! ```

use futures_lite::StreamExt;
use mqtt_smol::{Client, Options, Publish, QoS};
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().map_or(Ok(10_000), |a| a.parse())?;
    let qos = match args.next().as_deref() {
        None | Some("1") => QoS::AtLeastOnce,
        Some("0") => QoS::AtMostOnce,
        Some("2") => QoS::ExactlyOnce,
        Some(q) => return Err(format!("QoS {q} is not 0, 1 or 2").into()),
    };
    let size: usize = args.next().map_or(Ok(64), |a| a.parse())?;
    let url = mqtt_testkit::example_broker()?;
    smol::block_on(async {
        let topic = format!("mqtt-smol-throughput/{}", std::process::id());
        let sub = Client::connect(&url, Options::new().incoming_buffer(4096)).await?;
        let mut messages = sub.subscribe_stream([(topic.as_str(), qos)]).await?;
        // 20 in flight: Mosquitto's default window. Beyond it, Mosquitto 2.0.11
        // acknowledges but drops QoS 2 messages from an MQTT 3.1.1 client.
        let publisher = Client::connect(&url, Options::new().max_inflight(20)).await?;
        let payload = bytes::Bytes::from(vec![b'x'; size]);

        let start = Instant::now();
        let receiver = smol::spawn(async move {
            let mut got = 0;
            while got < n {
                if messages.next().await.is_none() {
                    break;
                }
                got += 1;
            }
            (got, Instant::now())
        });
        let mut last = None;
        for _ in 0..n {
            last = Some(
                publisher
                    .publish_with(Publish::new(topic.as_str(), payload.clone()).qos(qos))
                    .await?,
            );
        }
        if let Some(h) = last {
            h.await?;
        }
        let published = start.elapsed();
        let (got, done) = receiver.await;
        let total = done - start;
        println!(
            "{url}: {n} x {size} B at {qos:?}: published in {:.3} s ({:.0} msg/s), \
             {got} received in {:.3} s ({:.0} msg/s end to end)",
            published.as_secs_f64(),
            n as f64 / published.as_secs_f64(),
            total.as_secs_f64(),
            got as f64 / total.as_secs_f64()
        );
        publisher.disconnect().await?;
        sub.disconnect().await?;
        Ok(())
    })
}
