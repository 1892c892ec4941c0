//! `mqtt_smol::Client` under smol, through its public API.

use std::cell::Cell;
use std::collections::VecDeque;
use std::rc::Rc;
use std::time::{Duration, Instant};

use futures_lite::{future, StreamExt};
use mqtt_smol::{Client, Options, Publish, PublishHandle, QoS};

use super::{payload, ready, received, round_trips, scale_outcome};
use crate::{chain, Outcome, Params, Scenario, WINDOW};

fn qos(q: u8) -> QoS {
    QoS::from_u8(q).expect("scenario QoS is 0, 1 or 2")
}

fn err(e: mqtt_smol::Error) -> String {
    chain(&e)
}

async fn connect(p: &Params, id: &str) -> Result<Client, mqtt_smol::Error> {
    let url = format!("mqtt://127.0.0.1:{}", p.port);
    Client::connect(
        &url,
        Options::new().client_id(id).max_inflight(WINDOW as u16),
    )
    .await
}

pub fn run(sc: Scenario, p: &Params) -> Result<Outcome, String> {
    match sc {
        Scenario::Scale => scale(p),
        _ => smol::block_on(run_async(sc, p)),
    }
}

async fn run_async(sc: Scenario, p: &Params) -> Result<Outcome, String> {
    match sc {
        Scenario::Publish(q) => {
            let c = connect(p, "e2e-smol-pub").await.map_err(err)?;
            let body = payload(p);
            let t = Instant::now();
            let mut window: VecDeque<PublishHandle> = VecDeque::with_capacity(WINDOW);
            for _ in 0..p.msgs {
                let h = c
                    .publish_with(Publish::new(crate::PUB_TOPIC, body.clone()).qos(qos(q)))
                    .await
                    .map_err(err)?;
                if q > 0 {
                    if window.len() == WINDOW {
                        let oldest = window.pop_front().expect("the window is full");
                        oldest.await.map_err(err)?;
                    }
                    window.push_back(h);
                }
            }
            for h in window {
                h.await.map_err(err)?;
            }
            c.disconnect().await.map_err(err)?;
            Ok(Outcome {
                msgs: p.msgs,
                secs: t.elapsed().as_secs_f64(),
                ..Outcome::default()
            })
        }
        Scenario::Subscribe(q) => {
            let c = connect(p, "e2e-smol-sub").await.map_err(err)?;
            let mut sub = c
                .subscribe_stream([(crate::SUB_TOPIC, qos(q))])
                .await
                .map_err(err)?;
            ready();
            let ready_at = Instant::now();
            let (mut got, mut last) = (0, None);
            while got < p.msgs {
                let wait = if got == 0 {
                    super::FIRST_WAIT
                } else {
                    super::silence(q)
                };
                let timeout = async {
                    async_io::Timer::after(wait).await;
                    None
                };
                match future::or(sub.next(), timeout).await {
                    Some(_m) => {
                        got += 1;
                        last = Some(Instant::now());
                    }
                    None => break,
                }
            }
            drop(sub);
            c.disconnect().await.map_err(err)?;
            Ok(received(got, ready_at, last, p.msgs))
        }
        Scenario::RoundTrip => {
            let c = connect(p, "e2e-smol-rtt").await.map_err(err)?;
            let body = payload(p);
            let mut times = Vec::with_capacity(p.rtts as usize);
            let t = Instant::now();
            for _ in 0..p.rtts {
                let one = Instant::now();
                c.publish_with(Publish::new(crate::RTT_TOPIC, body.clone()).qos(QoS::AtLeastOnce))
                    .await
                    .map_err(err)?
                    .await
                    .map_err(err)?;
                times.push(one.elapsed());
            }
            let total = t.elapsed();
            c.disconnect().await.map_err(err)?;
            Ok(round_trips(times, total))
        }
        Scenario::Scale => unreachable!("run() handles the scale scenario"),
    }
}

/// One task per connection on a single-threaded smol executor: it opens its client at
/// its turn, then publishes QoS 1 every `p.interval` seconds for `p.secs`, awaiting each
/// acknowledgement.
fn scale(p: &Params) -> Result<Outcome, String> {
    let base = crate::rss_kib();
    let ex = smol::LocalExecutor::new();
    let body = payload(p);
    let opened = Rc::new(Cell::new(0u64));
    let acked = Rc::new(Cell::new(0u64));
    let errors = Rc::new(Cell::new(0u64));
    let stop: Rc<Cell<Option<String>>> = Rc::new(Cell::new(None));
    let stopped = Rc::new(Cell::new(false));
    let start = Instant::now();
    // Publishing starts once every connection had its turn to open.
    let publish_start = super::open_at(start, p.conns, p) + Duration::from_secs(1);
    let mut tasks = Vec::with_capacity(p.conns as usize);
    for i in 0..p.conns {
        let (p, body) = (p.clone(), body.clone());
        let (opened, acked, errors) = (opened.clone(), acked.clone(), errors.clone());
        let (stop, stopped) = (stop.clone(), stopped.clone());
        tasks.push(ex.spawn(async move {
            async_io::Timer::at(super::open_at(start, i, &p)).await;
            if stopped.get() {
                return None;
            }
            if super::at_thread_cap(&p) {
                stopped.set(true);
                stop.set(Some(format!("{} threads (cap)", p.max_threads)));
                return None;
            }
            let c = match connect(&p, &format!("e2e-smol-scale-{i}")).await {
                Ok(c) => c,
                Err(e) => {
                    errors.set(errors.get() + 1);
                    if !stopped.replace(true) {
                        stop.set(Some(err(e)));
                    }
                    return None;
                }
            };
            opened.set(opened.get() + 1);
            for round in 0..super::rounds(&p) {
                async_io::Timer::at(super::publish_at(publish_start, i, round, &p)).await;
                let r = c
                    .publish_with(
                        Publish::new(crate::SCALE_TOPIC, body.clone()).qos(QoS::AtLeastOnce),
                    )
                    .await;
                match r {
                    Ok(h) => match h.await {
                        Ok(_) => acked.set(acked.get() + 1),
                        Err(_) => errors.set(errors.get() + 1),
                    },
                    Err(_) => errors.set(errors.get() + 1),
                }
            }
            Some(c)
        }));
    }
    let clients = future::block_on(ex.run(async {
        let mut clients = Vec::new();
        for t in tasks {
            clients.extend(t.await);
        }
        clients
    }));
    let secs = publish_start.elapsed().as_secs_f64();
    future::block_on(async {
        for c in &clients {
            let _ = c.disconnect_timeout(Duration::from_secs(1)).await;
        }
    });
    Ok(scale_outcome(
        base,
        opened.get(),
        acked.get(),
        errors.get(),
        super::aborted(opened.get(), stop.take()),
        secs,
    ))
}
