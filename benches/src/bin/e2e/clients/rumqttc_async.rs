//! rumqttc 0.25's `AsyncClient` + `EventLoop` on a tokio current-thread runtime, used as
//! its documentation shows: one task publishes, another polls the event loop. rumqttc 0.25
//! has no per-publish acknowledgement handle, so completion is counted from the event
//! loop's incoming PUBACK / PUBCOMP; its own in-flight limit (`set_inflight(100)`) keeps
//! at most 100 publishes unacknowledged.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rumqttc::{AsyncClient, Event, EventLoop, MqttOptions, Outgoing, Packet, QoS};
use tokio::sync::Notify;

use super::{payload, ready, received, round_trips, scale_outcome};
use crate::{Outcome, Params, Scenario, WINDOW};

fn qos(q: u8) -> QoS {
    match q {
        0 => QoS::AtMostOnce,
        1 => QoS::AtLeastOnce,
        _ => QoS::ExactlyOnce,
    }
}

fn options(p: &Params, id: &str) -> MqttOptions {
    let mut o = MqttOptions::new(id, "127.0.0.1", p.port);
    o.set_inflight(WINDOW as u16);
    o.set_keep_alive(Duration::from_secs(60));
    o
}

/// Polls until CONNACK.
async fn connected(el: &mut EventLoop) -> Result<(), String> {
    loop {
        match el.poll().await {
            Ok(Event::Incoming(Packet::ConnAck(_))) => return Ok(()),
            Ok(_) => {}
            Err(e) => return Err(format!("connect: {e}")),
        }
    }
}

/// Polls until the DISCONNECT has been written (or the connection ended).
async fn disconnected(client: &AsyncClient, el: &mut EventLoop) {
    if client.disconnect().await.is_err() {
        return;
    }
    while let Ok(ev) = el.poll().await {
        if matches!(ev, Event::Outgoing(Outgoing::Disconnect)) {
            return;
        }
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("tokio runtime: {e}"))
}

pub fn run(sc: Scenario, p: &Params) -> Result<Outcome, String> {
    let rt = runtime()?;
    rt.block_on(async {
        match sc {
            Scenario::Publish(q) => publish(p, q).await,
            Scenario::Subscribe(q) => subscribe(p, q).await,
            Scenario::RoundTrip => rtt(p).await,
            Scenario::Scale => scale(p).await,
        }
    })
}

async fn publish(p: &Params, q: u8) -> Result<Outcome, String> {
    let (client, mut el) = AsyncClient::new(options(p, "e2e-rumqttc-async-pub"), 10);
    connected(&mut el).await?;
    let body = payload(p);
    let t = Instant::now();
    let n = p.msgs;
    let publisher = {
        let client = client.clone();
        tokio::spawn(async move {
            for _ in 0..n {
                client
                    .publish_bytes(crate::PUB_TOPIC, qos(q), false, body.clone())
                    .await
                    .map_err(|e| format!("publish: {e}"))?;
            }
            if q == 0 {
                client
                    .disconnect()
                    .await
                    .map_err(|e| format!("disconnect: {e}"))?;
            }
            Ok::<(), String>(())
        })
    };
    let mut done = 0u64;
    loop {
        match el.poll().await.map_err(|e| format!("event loop: {e}"))? {
            Event::Incoming(Packet::PubAck(_)) if q == 1 => done += 1,
            Event::Incoming(Packet::PubComp(_)) if q == 2 => done += 1,
            Event::Outgoing(Outgoing::Disconnect) if q == 0 => break,
            _ => {}
        }
        if q > 0 && done == n {
            break;
        }
    }
    publisher
        .await
        .map_err(|e| format!("publisher task: {e}"))??;
    if q > 0 {
        disconnected(&client, &mut el).await;
    }
    Ok(Outcome {
        msgs: n,
        secs: t.elapsed().as_secs_f64(),
        ..Outcome::default()
    })
}

async fn subscribe(p: &Params, q: u8) -> Result<Outcome, String> {
    let (client, mut el) = AsyncClient::new(options(p, "e2e-rumqttc-async-sub"), 10);
    connected(&mut el).await?;
    client
        .subscribe(crate::SUB_TOPIC, qos(q))
        .await
        .map_err(|e| format!("subscribe: {e}"))?;
    loop {
        match el.poll().await.map_err(|e| format!("event loop: {e}"))? {
            Event::Incoming(Packet::SubAck(_)) => break,
            _ => continue,
        }
    }
    ready();
    let ready_at = Instant::now();
    let (mut got, mut last) = (0, None);
    while got < p.msgs {
        let wait = if got == 0 {
            super::FIRST_WAIT
        } else {
            super::silence(q)
        };
        match tokio::time::timeout(wait, el.poll()).await {
            Ok(Ok(Event::Incoming(Packet::Publish(_)))) => {
                got += 1;
                last = Some(Instant::now());
            }
            Ok(Ok(_)) => {}
            Ok(Err(e)) => return Err(format!("event loop: {e}")),
            Err(_) => break,
        }
    }
    disconnected(&client, &mut el).await;
    Ok(received(got, ready_at, last, p.msgs))
}

async fn rtt(p: &Params) -> Result<Outcome, String> {
    let (client, mut el) = AsyncClient::new(options(p, "e2e-rumqttc-async-rtt"), 10);
    connected(&mut el).await?;
    let body = payload(p);
    let acked = Arc::new(Notify::new());
    let n = p.rtts;
    let publisher = {
        let (client, acked) = (client.clone(), acked.clone());
        tokio::spawn(async move {
            let mut times = Vec::with_capacity(n as usize);
            for _ in 0..n {
                let one = Instant::now();
                client
                    .publish_bytes(crate::RTT_TOPIC, QoS::AtLeastOnce, false, body.clone())
                    .await
                    .map_err(|e| format!("publish: {e}"))?;
                acked.notified().await;
                times.push(one.elapsed());
            }
            Ok::<_, String>(times)
        })
    };
    let t = Instant::now();
    let mut done = 0;
    while done < n {
        if let Event::Incoming(Packet::PubAck(_)) =
            el.poll().await.map_err(|e| format!("event loop: {e}"))?
        {
            done += 1;
            acked.notify_one();
        }
    }
    let times = publisher
        .await
        .map_err(|e| format!("publisher task: {e}"))??;
    let total = t.elapsed();
    disconnected(&client, &mut el).await;
    Ok(round_trips(times, total))
}

/// One task per connection (plus one polling its event loop) on the current-thread
/// runtime: it opens at its turn, then publishes QoS 1 every `p.interval` seconds for
/// `p.secs`, waiting for each PUBACK.
async fn scale(p: &Params) -> Result<Outcome, String> {
    let base = crate::rss_kib();
    let body = payload(p);
    let opened = Arc::new(AtomicU64::new(0));
    let acked = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let first_error: Arc<std::sync::Mutex<Option<String>>> = Default::default();
    let start = Instant::now();
    let publish_start = super::open_at(start, p.conns, p) + Duration::from_secs(1);
    let mut tasks = Vec::with_capacity(p.conns as usize);
    for i in 0..p.conns {
        let (p, body) = (p.clone(), body.clone());
        let (opened, acked, errors) = (opened.clone(), acked.clone(), errors.clone());
        let first_error = first_error.clone();
        tasks.push(tokio::spawn(async move {
            let fail = |what: String| {
                errors.fetch_add(1, Ordering::Relaxed);
                first_error
                    .lock()
                    .expect("not poisoned")
                    .get_or_insert(what);
            };
            tokio::time::sleep_until(super::open_at(start, i, &p).into()).await;
            let (client, mut el) =
                AsyncClient::new(options(&p, &format!("e2e-rumqttc-scale-{i}")), 10);
            if let Err(e) = connected(&mut el).await {
                fail(format!("connection {i}: {e}"));
                return;
            }
            opened.fetch_add(1, Ordering::Relaxed);
            let ack = Arc::new(Notify::new());
            let poller = {
                let ack = ack.clone();
                tokio::spawn(async move {
                    loop {
                        match el.poll().await {
                            Ok(Event::Incoming(Packet::PubAck(_))) => ack.notify_one(),
                            Ok(Event::Outgoing(Outgoing::Disconnect)) => return Ok(()),
                            Ok(_) => {}
                            Err(e) => return Err(e.to_string()),
                        }
                    }
                })
            };
            for round in 0..super::rounds(&p) {
                tokio::time::sleep_until(super::publish_at(publish_start, i, round, &p).into())
                    .await;
                let r = client
                    .publish_bytes(crate::SCALE_TOPIC, QoS::AtLeastOnce, false, body.clone())
                    .await;
                if let Err(e) = r {
                    fail(format!("publish: {e}"));
                    continue;
                }
                match tokio::time::timeout(Duration::from_secs(30), ack.notified()).await {
                    Ok(()) => {
                        acked.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(_) => fail("no PUBACK within 30 s".into()),
                }
            }
            let _ = client.disconnect().await;
            match tokio::time::timeout(Duration::from_secs(5), poller).await {
                Ok(Ok(Ok(()))) => {}
                Ok(Ok(Err(e))) => fail(format!("event loop: {e}")),
                _ => fail("event loop did not end after DISCONNECT".into()),
            }
        }));
    }
    for t in tasks {
        t.await.map_err(|e| format!("connection task: {e}"))?;
    }
    let secs = publish_start.elapsed().as_secs_f64();
    let note = first_error.lock().expect("not poisoned").take();
    Ok(scale_outcome(
        base,
        opened.load(Ordering::Relaxed),
        acked.load(Ordering::Relaxed),
        errors.load(Ordering::Relaxed),
        note,
        secs,
    ))
}
