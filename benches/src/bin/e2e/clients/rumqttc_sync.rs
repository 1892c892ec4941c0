//! rumqttc 0.25's blocking `Client` + `Connection`, used as its documentation shows: the
//! calling thread publishes, another thread iterates the connection. Completion is
//! counted from incoming PUBACK / PUBCOMP events; `set_inflight(100)` bounds the window.

use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use rumqttc::{Client, Connection, Event, MqttOptions, Outgoing, Packet, QoS};

use super::{payload, ready, received, round_trips};
use crate::{Outcome, Params, Scenario, WINDOW};

fn qos(q: u8) -> QoS {
    match q {
        0 => QoS::AtMostOnce,
        1 => QoS::AtLeastOnce,
        _ => QoS::ExactlyOnce,
    }
}

fn new(p: &Params, id: &str) -> (Client, Connection) {
    let mut o = MqttOptions::new(id, "127.0.0.1", p.port);
    o.set_inflight(WINDOW as u16);
    o.set_keep_alive(Duration::from_secs(60));
    Client::new(o, 10)
}

/// What the connection thread reports to the caller.
enum Note {
    Connected,
    Acked,
    Failed(String),
}

/// Iterates `conn` on its own thread, reporting CONNACK and completed publishes
/// (PUBACK for `q == 1`, PUBCOMP for `q == 2`), until the DISCONNECT is written.
fn drive(mut conn: Connection, q: u8, tx: mpsc::Sender<Note>) -> thread::JoinHandle<()> {
    thread::spawn(move || {
        for ev in conn.iter() {
            let note = match ev {
                Ok(Event::Incoming(Packet::ConnAck(_))) => Note::Connected,
                Ok(Event::Incoming(Packet::PubAck(_))) if q == 1 => Note::Acked,
                Ok(Event::Incoming(Packet::PubComp(_))) if q == 2 => Note::Acked,
                Ok(Event::Outgoing(Outgoing::Disconnect)) => return,
                Ok(_) => continue,
                Err(e) => {
                    let _ = tx.send(Note::Failed(format!("connection: {e}")));
                    return;
                }
            };
            if tx.send(note).is_err() {
                return;
            }
        }
    })
}

/// Waits for the next note, which must be `want`.
fn expect(rx: &mpsc::Receiver<Note>, want: fn(&Note) -> bool, what: &str) -> Result<(), String> {
    match rx.recv_timeout(Duration::from_secs(30)) {
        Ok(n) if want(&n) => Ok(()),
        Ok(Note::Failed(e)) => Err(e),
        Ok(_) => Err(format!("unexpected event while waiting for {what}")),
        Err(_) => Err(format!("no {what} within 30 s")),
    }
}

fn finish(client: &Client, conn: thread::JoinHandle<()>) {
    let _ = client.disconnect();
    let _ = conn.join();
}

pub fn run(sc: Scenario, p: &Params) -> Result<Outcome, String> {
    match sc {
        Scenario::Publish(q) => {
            let (client, conn) = new(p, "e2e-rumqttc-sync-pub");
            let (tx, rx) = mpsc::channel();
            let conn = drive(conn, q, tx);
            expect(&rx, |n| matches!(n, Note::Connected), "CONNACK")?;
            let body = payload(p);
            let t = Instant::now();
            for _ in 0..p.msgs {
                // The blocking client takes `Into<Vec<u8>>`: one copy per publish.
                client
                    .publish(crate::PUB_TOPIC, qos(q), false, body.to_vec())
                    .map_err(|e| format!("publish: {e}"))?;
            }
            if q > 0 {
                for _ in 0..p.msgs {
                    expect(&rx, |n| matches!(n, Note::Acked), "acknowledgement")?;
                }
            }
            finish(&client, conn);
            Ok(Outcome {
                msgs: p.msgs,
                secs: t.elapsed().as_secs_f64(),
                ..Outcome::default()
            })
        }
        Scenario::Subscribe(q) => {
            let (client, mut conn) = new(p, "e2e-rumqttc-sync-sub");
            client
                .subscribe(crate::SUB_TOPIC, qos(q))
                .map_err(|e| format!("subscribe: {e}"))?;
            // The subscriber iterates the connection on the calling thread.
            loop {
                match conn.recv_timeout(Duration::from_secs(30)) {
                    Ok(Ok(Event::Incoming(Packet::SubAck(_)))) => break,
                    Ok(Ok(_)) => {}
                    Ok(Err(e)) => return Err(format!("connection: {e}")),
                    Err(_) => return Err("no SUBACK within 30 s".into()),
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
                match conn.recv_timeout(wait) {
                    Ok(Ok(Event::Incoming(Packet::Publish(_)))) => {
                        got += 1;
                        last = Some(Instant::now());
                    }
                    Ok(Ok(_)) => {}
                    Ok(Err(e)) => return Err(format!("connection: {e}")),
                    Err(_) => break,
                }
            }
            let _ = client.disconnect();
            let deadline = Instant::now() + Duration::from_secs(5);
            while Instant::now() < deadline {
                match conn.recv_timeout(Duration::from_secs(1)) {
                    Ok(Ok(Event::Outgoing(Outgoing::Disconnect))) | Ok(Err(_)) | Err(_) => break,
                    Ok(Ok(_)) => {}
                }
            }
            Ok(received(got, ready_at, last, p.msgs))
        }
        Scenario::RoundTrip => {
            let (client, conn) = new(p, "e2e-rumqttc-sync-rtt");
            let (tx, rx) = mpsc::channel();
            let conn = drive(conn, 1, tx);
            expect(&rx, |n| matches!(n, Note::Connected), "CONNACK")?;
            let body = payload(p);
            let mut times = Vec::with_capacity(p.rtts as usize);
            let t = Instant::now();
            for _ in 0..p.rtts {
                let one = Instant::now();
                client
                    .publish(crate::RTT_TOPIC, QoS::AtLeastOnce, false, body.to_vec())
                    .map_err(|e| format!("publish: {e}"))?;
                expect(&rx, |n| matches!(n, Note::Acked), "PUBACK")?;
                times.push(one.elapsed());
            }
            let total = t.elapsed();
            finish(&client, conn);
            Ok(round_trips(times, total))
        }
        Scenario::Scale => Err("n/a (not asked)".into()),
    }
}
