//! `mqtt_std::Client` (blocking), through its public API.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use mqtt_std::{Client, Options, Publish, PublishHandle, QoS};

use super::{payload, ready, received, round_trips, scale_outcome};
use crate::{chain, Outcome, Params, Scenario, WINDOW};

fn qos(q: u8) -> QoS {
    QoS::from_u8(q).expect("scenario QoS is 0, 1 or 2")
}

fn err(e: mqtt_std::Error) -> String {
    chain(&e)
}

fn connect(p: &Params, id: &str) -> Result<Client, mqtt_std::Error> {
    let url = format!("mqtt://127.0.0.1:{}", p.port);
    Client::connect(
        &url,
        Options::new().client_id(id).max_inflight(WINDOW as u16),
    )
}

pub fn run(sc: Scenario, p: &Params) -> Result<Outcome, String> {
    match sc {
        Scenario::Publish(q) => {
            let c = connect(p, "e2e-std-pub").map_err(err)?;
            let body = payload(p);
            let t = Instant::now();
            let mut window: VecDeque<PublishHandle> = VecDeque::with_capacity(WINDOW);
            for _ in 0..p.msgs {
                let h = c
                    .publish_with(Publish::new(crate::PUB_TOPIC, body.clone()).qos(qos(q)))
                    .map_err(err)?;
                if q > 0 {
                    if window.len() == WINDOW {
                        let oldest = window.pop_front().expect("the window is full");
                        oldest.wait().map_err(err)?;
                    }
                    window.push_back(h);
                }
            }
            for h in window {
                h.wait().map_err(err)?;
            }
            // QoS 0: disconnect lets the queued publishes go out first.
            c.disconnect().map_err(err)?;
            Ok(Outcome {
                msgs: p.msgs,
                secs: t.elapsed().as_secs_f64(),
                ..Outcome::default()
            })
        }
        Scenario::Subscribe(q) => {
            let c = connect(p, "e2e-std-sub").map_err(err)?;
            let mut sub = c
                .subscribe_stream([(crate::SUB_TOPIC, qos(q))])
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
                match sub.next_timeout(wait) {
                    Some(_m) => {
                        got += 1;
                        last = Some(Instant::now());
                    }
                    None => break,
                }
            }
            drop(sub);
            c.disconnect().map_err(err)?;
            Ok(received(got, ready_at, last, p.msgs))
        }
        Scenario::RoundTrip => {
            let c = connect(p, "e2e-std-rtt").map_err(err)?;
            let body = payload(p);
            let mut times = Vec::with_capacity(p.rtts as usize);
            let t = Instant::now();
            for _ in 0..p.rtts {
                let one = Instant::now();
                c.publish_with(Publish::new(crate::RTT_TOPIC, body.clone()).qos(QoS::AtLeastOnce))
                    .map_err(err)?
                    .wait()
                    .map_err(err)?;
                times.push(one.elapsed());
            }
            let total = t.elapsed();
            c.disconnect().map_err(err)?;
            Ok(round_trips(times, total))
        }
        Scenario::Scale => scale(p),
    }
}

/// Opens `p.conns` clients at `p.rate` per second from one thread, then publishes from
/// each at QoS 1 every `p.interval` seconds for `p.secs`, waiting for the acks at the end
/// of each round.
fn scale(p: &Params) -> Result<Outcome, String> {
    let base = crate::rss_kib();
    let body = payload(p);
    let start = Instant::now();
    let mut clients = Vec::with_capacity(p.conns as usize);
    let mut errors = 0;
    let mut stop = None;
    for i in 0..p.conns {
        if super::at_thread_cap(p) {
            stop = Some(format!("{} threads (cap)", p.max_threads));
            break;
        }
        sleep_until(super::open_at(start, i, p));
        match connect(p, &format!("e2e-std-scale-{i}")) {
            Ok(c) => clients.push(c),
            Err(e) => {
                errors += 1;
                stop = Some(err(e));
                break;
            }
        }
    }
    let n = clients.len() as u64;
    let run = Params {
        conns: n.max(1),
        ..p.clone()
    };
    let t = Instant::now();
    let mut acked = 0;
    for round in 0..super::rounds(p) {
        let mut pending = Vec::with_capacity(clients.len());
        for (i, c) in clients.iter().enumerate() {
            sleep_until(super::publish_at(t, i as u64, round, &run));
            match c
                .publish_with(Publish::new(crate::SCALE_TOPIC, body.clone()).qos(QoS::AtLeastOnce))
            {
                Ok(h) => pending.push(h),
                Err(_) => errors += 1,
            }
        }
        for h in pending {
            match h.wait_timeout(Duration::from_secs(30)) {
                Ok(_) => acked += 1,
                Err(_) => errors += 1,
            }
        }
    }
    let secs = t.elapsed().as_secs_f64();
    for c in &clients {
        let _ = c.disconnect_timeout(Duration::from_secs(1));
    }
    Ok(scale_outcome(
        base,
        n,
        acked,
        errors,
        super::aborted(n, stop),
        secs,
    ))
}

fn sleep_until(at: Instant) {
    let now = Instant::now();
    if at > now {
        std::thread::sleep(at - now);
    }
}
