//! This library's async client through its public API, on each runtime it runs on:
//! `mqtt_smol::Client` under smol and `mqtt_tokio::Client` under a tokio current-thread
//! runtime (the way the rumqttc-async column runs). The scenarios are written once,
//! generic over the runtime ([`Flavor`]); only blocking on a future and running many
//! local tasks differ.

use std::cell::Cell;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use futures_lite::{future, StreamExt};
use mqtt_adapter::aio::{sleep, sleep_until, Client, PublishHandle, Runtime};
use mqtt_smol::{Options, Publish, QoS};

/// A task of the scale scenario (it holds `Rc`s: one thread).
pub type Local<T> = Pin<Box<dyn Future<Output = T>>>;

/// What differs between runtimes.
pub trait Flavor {
    /// The client's runtime.
    type R: Runtime;
    /// For client ids.
    const NAME: &'static str;
    /// Runs `f` to completion on this thread.
    fn block_on<F: Future>(f: F) -> F::Output;
    /// Runs `tasks` concurrently on this thread; their outputs in order.
    fn run_local<T: 'static>(tasks: Vec<Local<T>>) -> Vec<T>;
    /// Spawns one of the client's tasks on the executor `block_on` runs.
    fn spawn(task: mqtt_adapter::aio::Task);
}

/// mqtt-smol's tasks run on this executor, driven by the benchmark's own thread (as
/// rumqttc-async and mqtt-tokio run on a current-thread runtime): no executor thread.
fn smol_ex() -> &'static smol::Executor<'static> {
    static EX: OnceLock<smol::Executor<'static>> = OnceLock::new();
    EX.get_or_init(smol::Executor::new)
}

/// mqtt-smol: smol's executors, async-io's reactor.
pub enum Smol {}

impl Flavor for Smol {
    type R = mqtt_smol::Smol;
    const NAME: &'static str = "smol";
    fn block_on<F: Future>(f: F) -> F::Output {
        smol::block_on(smol_ex().run(f))
    }
    fn spawn(task: mqtt_adapter::aio::Task) {
        smol_ex().spawn(task).detach();
    }
    fn run_local<T: 'static>(tasks: Vec<Local<T>>) -> Vec<T> {
        let ex = smol::LocalExecutor::new();
        let tasks: Vec<_> = tasks.into_iter().map(|t| ex.spawn(t)).collect();
        future::block_on(smol_ex().run(ex.run(async {
            let mut out = Vec::with_capacity(tasks.len());
            for t in tasks {
                out.push(t.await);
            }
            out
        })))
    }
}

/// mqtt-tokio: one current-thread tokio runtime for the whole process.
pub enum Tokio {}

fn tokio_rt() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a tokio runtime")
    })
}

impl Flavor for Tokio {
    type R = mqtt_tokio::Tokio;
    const NAME: &'static str = "tokio";
    fn block_on<F: Future>(f: F) -> F::Output {
        tokio_rt().block_on(f)
    }
    fn spawn(task: mqtt_adapter::aio::Task) {
        drop(tokio::spawn(task));
    }
    fn run_local<T: 'static>(tasks: Vec<Local<T>>) -> Vec<T> {
        let local = tokio::task::LocalSet::new();
        local.block_on(tokio_rt(), async {
            let handles: Vec<_> = tasks.into_iter().map(tokio::task::spawn_local).collect();
            let mut out = Vec::with_capacity(handles.len());
            for h in handles {
                out.push(h.await.expect("a scale task"));
            }
            out
        })
    }
}

use super::{payload, ready, received, round_trips, scale_outcome};
use crate::{chain, Outcome, Params, Scenario, WINDOW};

fn qos(q: u8) -> QoS {
    QoS::from_u8(q).expect("scenario QoS is 0, 1 or 2")
}

fn err(e: mqtt_smol::Error) -> String {
    chain(&e)
}

async fn connect<F: Flavor>(p: &Params, id: &str) -> Result<Client<F::R>, mqtt_smol::Error> {
    let url = format!("mqtt://127.0.0.1:{}", p.port);
    Client::<F::R>::connect_with(
        &url,
        Options::new().client_id(id).max_inflight(WINDOW as u16),
        F::spawn,
    )
    .await
}

pub fn run<F: Flavor>(sc: Scenario, p: &Params) -> Result<Outcome, String> {
    match sc {
        Scenario::Scale => scale::<F>(p),
        _ => F::block_on(run_async::<F>(sc, p)),
    }
}

async fn run_async<F: Flavor>(sc: Scenario, p: &Params) -> Result<Outcome, String> {
    let name = F::NAME;
    match sc {
        Scenario::Publish(q) => {
            let c = connect::<F>(p, &format!("e2e-{name}-pub"))
                .await
                .map_err(err)?;
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
            let c = connect::<F>(p, &format!("e2e-{name}-sub"))
                .await
                .map_err(err)?;
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
                    sleep::<F::R>(wait).await;
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
            let c = connect::<F>(p, &format!("e2e-{name}-rtt"))
                .await
                .map_err(err)?;
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

/// One task per connection on a single-threaded executor: it opens its client at its
/// turn, then publishes QoS 1 every `p.interval` seconds for `p.secs`, awaiting each
/// acknowledgement.
fn scale<F: Flavor>(p: &Params) -> Result<Outcome, String> {
    let base = crate::rss_kib();
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
        let name = F::NAME;
        let task: Local<Option<Client<F::R>>> = Box::pin(async move {
            sleep_until::<F::R>(super::open_at(start, i, &p)).await;
            if stopped.get() {
                return None;
            }
            if super::at_thread_cap(&p) {
                stopped.set(true);
                stop.set(Some(format!("{} threads (cap)", p.max_threads)));
                return None;
            }
            let c = match connect::<F>(&p, &format!("e2e-{name}-scale-{i}")).await {
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
                sleep_until::<F::R>(super::publish_at(publish_start, i, round, &p)).await;
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
        });
        tasks.push(task);
    }
    let clients: Vec<_> = F::run_local(tasks).into_iter().flatten().collect();
    let secs = publish_start.elapsed().as_secs_f64();
    F::block_on(async {
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
