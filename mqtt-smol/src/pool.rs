//! The threads where blocking work runs: handlers and callbacks, and
//! host-name lookups (`to_socket_addrs` blocks).
//!
//! One pool per process, shared by every client. A thread starts when a job
//! finds no idle thread (up to [`MAX_THREADS`]) and ends after
//! [`IDLE`] without work, so a process whose handlers return quickly keeps
//! one or two threads, and none once its clients are gone. The same policy
//! as the `blocking` crate's, in the hundred lines this crate needs of it.

use std::collections::VecDeque;
use std::future::Future;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

/// Threads at most: jobs beyond wait in the queue.
pub(crate) const MAX_THREADS: usize = 500;
/// How long a thread without work stays.
pub(crate) const IDLE: Duration = Duration::from_millis(500);

type Job = Box<dyn FnOnce() + Send>;

struct State {
    jobs: VecDeque<Job>,
    /// Threads waiting for a job.
    idle: usize,
    /// Threads running.
    threads: usize,
}

static STATE: Mutex<State> = Mutex::new(State {
    jobs: VecDeque::new(),
    idle: 0,
    threads: 0,
});
static MORE: Condvar = Condvar::new();

/// Nothing panics while the lock is held (jobs run outside it); a poisoned
/// lock still holds a consistent state.
fn state() -> MutexGuard<'static, State> {
    STATE.lock().unwrap_or_else(|e| e.into_inner())
}

/// Queues `job`: an idle thread takes it, or a new one starts.
fn execute(job: Job) {
    let mut s = state();
    s.jobs.push_back(job);
    if s.idle >= s.jobs.len() {
        MORE.notify_one();
        return;
    }
    if s.threads >= MAX_THREADS {
        return;
    }
    s.threads += 1;
    drop(s);
    // The name says "pool thread" to mqtt-std, whose blocking calls behave
    // differently there (see its `handlers_returned`).
    let started = std::thread::Builder::new()
        .name("blocking".into())
        .spawn(worker);
    if started.is_err() {
        // The system refused a thread. With none running, nothing would
        // take the job: run what is queued here rather than never.
        let mut s = state();
        s.threads -= 1;
        if s.threads == 0 {
            let jobs: Vec<Job> = s.jobs.drain(..).collect();
            drop(s);
            for job in jobs {
                job();
            }
        }
    }
}

fn worker() {
    let mut s = state();
    loop {
        if let Some(job) = s.jobs.pop_front() {
            drop(s);
            // Each job catches its own panic (see `unblock`).
            job();
            s = state();
            continue;
        }
        s.idle += 1;
        let (guard, wait) = MORE
            .wait_timeout(s, IDLE)
            .unwrap_or_else(|e| e.into_inner());
        s = guard;
        s.idle -= 1;
        if wait.timed_out() && s.jobs.is_empty() {
            s.threads -= 1;
            return;
        }
    }
}

/// Where the result of an [`unblock`] job waits for its future.
struct Slot<T> {
    result: Option<std::thread::Result<T>>,
    waker: Option<Waker>,
}

/// Runs `f` on the pool; the future resolves to its result (and panics
/// with its panic, as `blocking::unblock` does).
pub(crate) fn unblock<T, F>(f: F) -> Unblock<T>
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    let slot = Arc::new(Mutex::new(Slot {
        result: None,
        waker: None,
    }));
    let theirs = slot.clone();
    execute(Box::new(move || {
        let result = catch_unwind(AssertUnwindSafe(f));
        let waker = {
            let mut s = theirs.lock().unwrap_or_else(|e| e.into_inner());
            s.result = Some(result);
            s.waker.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }));
    Unblock(slot)
}

/// The result of a job on the pool.
pub(crate) struct Unblock<T>(Arc<Mutex<Slot<T>>>);

impl<T> Future for Unblock<T> {
    type Output = T;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let mut s = self.0.lock().unwrap_or_else(|e| e.into_inner());
        match s.result.take() {
            Some(Ok(v)) => Poll::Ready(v),
            Some(Err(panic)) => {
                drop(s);
                resume_unwind(panic)
            }
            None => {
                s.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Instant;

    #[test]
    fn jobs_run_off_the_caller_and_give_their_result() {
        let caller = std::thread::current().id();
        let (id, name, v) = futures_lite::future::block_on(unblock(|| {
            let me = std::thread::current();
            (me.id(), me.name().map(str::to_owned), 6 * 7)
        }));
        assert_ne!(id, caller);
        assert_eq!(
            name.as_deref(),
            Some("blocking"),
            "mqtt-std recognises the pool by name"
        );
        assert_eq!(v, 42);
    }

    #[test]
    fn a_blocked_job_does_not_hold_up_the_others() {
        // The first job waits for the second: the second needs a thread of its own.
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let first = unblock(move || rx.recv_timeout(Duration::from_secs(10)).is_ok());
        let second = unblock(move || tx.send(()).is_ok());
        assert!(futures_lite::future::block_on(second));
        assert!(futures_lite::future::block_on(first));
    }

    #[test]
    fn many_jobs_all_run_and_idle_threads_end() {
        let done = Arc::new(AtomicUsize::new(0));
        let jobs: Vec<_> = (0..200)
            .map(|_| {
                let done = done.clone();
                unblock(move || {
                    std::thread::sleep(Duration::from_millis(1));
                    done.fetch_add(1, Ordering::Relaxed);
                })
            })
            .collect();
        for j in jobs {
            futures_lite::future::block_on(j);
        }
        assert_eq!(done.load(Ordering::Relaxed), 200);
        // Other tests share the pool: wait until it is empty or give up.
        let end = Instant::now() + IDLE * 20;
        while state().threads > 0 && Instant::now() < end {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert_eq!(
            state().threads,
            0,
            "threads without work end after {IDLE:?}"
        );
    }

    #[test]
    fn a_panic_in_a_job_reaches_its_future_and_the_pool_goes_on() {
        let r = std::panic::catch_unwind(|| {
            futures_lite::future::block_on(unblock(|| -> u8 { panic!("in the job") }))
        });
        assert!(r.is_err());
        assert_eq!(futures_lite::future::block_on(unblock(|| 1)), 1);
    }
}
