//! The floor: [`crate::raw::Raw`], a hand-written client with no state machine or threads.

use std::time::Instant;

use super::{payload, ready, received, round_trips};
use crate::raw::Raw;
use crate::{Outcome, Params, Scenario, WINDOW};

pub fn run(sc: Scenario, p: &Params) -> Result<Outcome, String> {
    match sc {
        Scenario::Publish(q) => {
            let mut c = Raw::connect(p.port, "e2e-raw-pub")?;
            let t = Instant::now();
            c.publish(crate::PUB_TOPIC, payload(p), q, p.msgs, WINDOW)?;
            if q > 0 {
                c.disconnect()?;
            }
            Ok(Outcome {
                msgs: p.msgs,
                secs: t.elapsed().as_secs_f64(),
                ..Outcome::default()
            })
        }
        Scenario::Subscribe(q) => {
            let mut c = Raw::connect(p.port, "e2e-raw-sub")?;
            c.subscribe(crate::SUB_TOPIC, q)?;
            ready();
            let ready_at = Instant::now();
            let (got, last) = c.receive(p.msgs, super::FIRST_WAIT, super::silence(q))?;
            c.disconnect()?;
            Ok(received(got, ready_at, last, p.msgs))
        }
        Scenario::RoundTrip => {
            let mut c = Raw::connect(p.port, "e2e-raw-rtt")?;
            let t = Instant::now();
            let times = c.round_trips(crate::RTT_TOPIC, payload(p), p.rtts)?;
            let total = t.elapsed();
            c.disconnect()?;
            Ok(round_trips(times, total))
        }
        Scenario::Scale => Err("n/a (not asked)".into()),
    }
}
