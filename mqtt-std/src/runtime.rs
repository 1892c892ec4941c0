//! The process-wide executor that runs every client's connection tasks.
//!
//! One thread, started by the first [`Client::connect`](crate::Client::connect)
//! and kept for the life of the process, runs `async_io::block_on` over a
//! run queue of tasks: it polls the connections' tasks (the driver and the
//! dispatcher of each client) and, while none is ready, waits in async-io's
//! reactor itself, so socket readiness and timers wake it without a hand-off.
//! A waker puts its task back on the queue (once) and wakes that thread.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Wake, Waker};

/// A connection's task, as `mqtt_smol::Client::connect_with` hands it over.
pub(crate) type Task = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

/// Tasks polled in a row before the reactor gets a look at the sockets.
const BUDGET: usize = 64;

/// The run queue and the executor thread's waker.
pub(crate) struct Executor {
    ready: Mutex<VecDeque<Arc<Job>>>,
    /// Set while the executor thread waits with an empty queue.
    sleeping: Mutex<Option<Waker>>,
}

/// One spawned task.
struct Job {
    /// `None` once the task finished.
    future: Mutex<Option<Task>>,
    /// On the run queue (a wake while queued adds nothing).
    queued: AtomicBool,
    executor: &'static Executor,
}

/// Nothing panics under these locks (a task's poll runs under its own, and
/// a panic there ends that task only: see `run`); a poisoned one still holds
/// a consistent value.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Wake for Job {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if !self.queued.swap(true, Ordering::AcqRel) {
            self.executor.push(self.clone());
        }
    }
}

impl Executor {
    fn push(&self, job: Arc<Job>) {
        lock(&self.ready).push_back(job);
        if let Some(w) = lock(&self.sleeping).take() {
            w.wake();
        }
    }

    /// Polls ready tasks forever; `Pending` while none is ready (and after
    /// each [`BUDGET`] of polls, so that `block_on` reads the reactor).
    fn run(&'static self) -> impl Future<Output = ()> {
        std::future::poll_fn(move |cx| {
            for _ in 0..BUDGET {
                let next = lock(&self.ready).pop_front();
                let Some(job) = next else {
                    // Asleep first, then look again: a push between the two
                    // finds the waker and wakes us.
                    *lock(&self.sleeping) = Some(cx.waker().clone());
                    if lock(&self.ready).is_empty() {
                        return Poll::Pending;
                    }
                    continue;
                };
                job.queued.store(false, Ordering::Release);
                let waker = Waker::from(job.clone());
                let mut slot = lock(&job.future);
                if let Some(task) = slot.as_mut() {
                    let done = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        task.as_mut()
                            .poll(&mut Context::from_waker(&waker))
                            .is_ready()
                    }));
                    // A task that panicked is over (the panic hook reported it).
                    if done.unwrap_or(true) {
                        *slot = None;
                    }
                }
            }
            cx.waker().wake_by_ref();
            Poll::Pending
        })
    }

    /// Spawns a connection's task, detached: it ends by itself once its
    /// client is disconnected or every handle is dropped.
    pub(crate) fn spawn(&'static self, task: Task) {
        let job = Arc::new(Job {
            future: Mutex::new(Some(task)),
            queued: AtomicBool::new(true),
            executor: self,
        });
        self.push(job);
    }
}

/// Set once its thread runs; never unset (the thread lives as long as the process).
static EXECUTOR: Mutex<Option<&'static Executor>> = Mutex::new(None);

/// The process-wide executor, starting its thread on first use. Fails only
/// when the system refuses that one thread.
pub(crate) fn executor() -> std::io::Result<&'static Executor> {
    let mut slot = lock(&EXECUTOR);
    if let Some(ex) = *slot {
        return Ok(ex);
    }
    // Leaked on purpose: it lives as long as the process, like its thread.
    let ex: &'static Executor = Box::leak(Box::new(Executor {
        ready: Mutex::new(VecDeque::new()),
        sleeping: Mutex::new(None),
    }));
    std::thread::Builder::new()
        .name("mqtt-std".into())
        .spawn(move || async_io::block_on(ex.run()))?;
    *slot = Some(ex);
    Ok(ex)
}

/// Spawns a connection's task on `ex`, detached.
pub(crate) fn spawn(ex: &'static Executor, task: Task) {
    ex.spawn(task);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;
    use std::time::{Duration, Instant};

    fn wait_until(what: &str, f: impl Fn() -> bool) {
        let end = Instant::now() + Duration::from_secs(10);
        while !f() {
            assert!(Instant::now() < end, "{what}");
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    #[test]
    fn spawned_tasks_run_on_the_executor_thread_and_timers_wake_them() {
        let ex = executor().unwrap();
        let done = Arc::new(AtomicUsize::new(0));
        for i in 0..100u64 {
            let done = done.clone();
            spawn(
                ex,
                Box::pin(async move {
                    assert_eq!(std::thread::current().name(), Some("mqtt-std"));
                    async_io::Timer::after(Duration::from_millis(i % 7)).await;
                    done.fetch_add(1, Ordering::Relaxed);
                }),
            );
        }
        wait_until("100 tasks done", || done.load(Ordering::Relaxed) == 100);
    }

    #[test]
    fn tasks_woken_from_other_threads_run_again_and_a_panic_ends_only_its_task() {
        let ex = executor().unwrap();
        let (tx, rx) = async_channel::unbounded::<u32>();
        let sum = Arc::new(AtomicUsize::new(0));
        let s = sum.clone();
        spawn(
            ex,
            Box::pin(async move {
                while let Ok(v) = rx.recv().await {
                    s.fetch_add(v as usize, Ordering::Relaxed);
                }
            }),
        );
        spawn(ex, Box::pin(async { panic!("a task that panics") }));
        for v in 1..=1000 {
            tx.send_blocking(v).unwrap();
        }
        wait_until("every value received", || {
            sum.load(Ordering::Relaxed) == 1000 * 1001 / 2
        });
    }

    #[test]
    fn a_task_that_keeps_waking_itself_does_not_starve_the_others() {
        let ex = executor().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let s = stop.clone();
        spawn(
            ex,
            Box::pin(std::future::poll_fn(move |cx| {
                if s.load(Ordering::Relaxed) {
                    return Poll::Ready(());
                }
                cx.waker().wake_by_ref();
                Poll::Pending
            })),
        );
        let ran = Arc::new(AtomicBool::new(false));
        let r = ran.clone();
        spawn(
            ex,
            Box::pin(async move {
                async_io::Timer::after(Duration::from_millis(5)).await;
                r.store(true, Ordering::Relaxed);
            }),
        );
        wait_until("the timer task ran beside the busy one", || {
            ran.load(Ordering::Relaxed)
        });
        stop.store(true, Ordering::Relaxed);
    }
}
