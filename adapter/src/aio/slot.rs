//! Waiting without channels: a [`Slot`] per publish that one waiter polls,
//! and the [`DriverWake`] that client calls use to wake the driver.
//!
//! Both follow quinn's rule: the waiter registers its waker *before* it
//! checks the state, under the same lock the producer takes, so no wake-up is
//! lost; producers take the stored waker, so repeated signals before the
//! waiter runs again wake it once.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

/// One result, set once by the driver, read by its handle.
#[derive(Debug)]
pub(crate) struct Slot<T> {
    state: Mutex<SlotState<T>>,
}

#[derive(Debug)]
struct SlotState<T> {
    result: Option<T>,
    waker: Option<Waker>,
}

impl<T: Clone> Slot<T> {
    pub(crate) fn new() -> Arc<Slot<T>> {
        Arc::new(Slot {
            state: Mutex::new(SlotState {
                result: None,
                waker: None,
            }),
        })
    }

    fn lock(&self) -> MutexGuard<'_, SlotState<T>> {
        // Held for a few instructions; no user code runs under it.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Sets the result (the first one wins) and wakes the waiter.
    pub(crate) fn complete(&self, result: T) {
        let waker = {
            let mut s = self.lock();
            if s.result.is_none() {
                s.result = Some(result);
            }
            s.waker.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }

    /// The result if set, without waiting (never waits for the client's lock).
    pub(crate) fn try_get(&self) -> Option<T> {
        self.lock().result.clone()
    }

    /// Ready with the result once set; registers `cx`'s waker otherwise.
    pub(crate) fn poll(&self, cx: &mut Context<'_>) -> Poll<T> {
        let mut s = self.lock();
        if let Some(r) = &s.result {
            return Poll::Ready(r.clone());
        }
        match &s.waker {
            Some(w) if w.will_wake(cx.waker()) => {}
            _ => s.waker = Some(cx.waker().clone()),
        }
        Poll::Pending
    }
}

/// The driver's side of a [`Slot`], kept by the driver until it completes
/// it. Dropped unanswered (the driver's task was dropped, for example at the
/// end of its runtime), it completes the slot with `closed`.
#[derive(Debug)]
pub(crate) struct Answer<T: Clone> {
    slot: Option<Arc<Slot<T>>>,
    closed: fn() -> T,
}

impl<T: Clone> Answer<T> {
    pub(crate) fn new(slot: &Arc<Slot<T>>, closed: fn() -> T) -> Answer<T> {
        Answer {
            slot: Some(slot.clone()),
            closed,
        }
    }

    pub(crate) fn send(mut self, result: T) {
        if let Some(s) = self.slot.take() {
            s.complete(result);
        }
    }
}

impl<T: Clone> Drop for Answer<T> {
    fn drop(&mut self) {
        if let Some(s) = self.slot.take() {
            s.complete((self.closed)());
        }
    }
}

/// How client calls wake the driver: a flag and the driver's waker.
#[derive(Debug, Default)]
pub(crate) struct DriverWake {
    woken: AtomicBool,
    waker: Mutex<Option<Waker>>,
}

impl DriverWake {
    /// There is new work for the driver. Cheap when a wake-up is already
    /// pending: one atomic swap.
    pub(crate) fn wake(&self) {
        if !self.woken.swap(true, Ordering::AcqRel) {
            let w = self.waker.lock().unwrap_or_else(|e| e.into_inner()).take();
            if let Some(w) = w {
                w.wake();
            }
        }
    }

    /// For the driver's poll: registers its waker, then reports (and clears)
    /// a wake-up that came since the last call.
    pub(crate) fn poll(&self, cx: &mut Context<'_>) -> Poll<()> {
        {
            let mut w = self.waker.lock().unwrap_or_else(|e| e.into_inner());
            match &*w {
                Some(old) if old.will_wake(cx.waker()) => {}
                _ => *w = Some(cx.waker().clone()),
            }
        }
        if self.woken.swap(false, Ordering::AcqRel) {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;
    use std::task::Wake;

    struct Count(AtomicUsize);
    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn counter() -> (Arc<Count>, Waker) {
        let c = Arc::new(Count(AtomicUsize::new(0)));
        (c.clone(), Waker::from(c))
    }

    #[test]
    fn a_slot_wakes_its_waiter_once_with_the_first_result() {
        let (count, waker) = counter();
        let mut cx = Context::from_waker(&waker);
        let slot = Slot::<u32>::new();
        assert!(slot.poll(&mut cx).is_pending());
        slot.complete(1);
        slot.complete(2);
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
        assert_eq!(slot.poll(&mut cx), Poll::Ready(1));
        assert_eq!(slot.try_get(), Some(1));
    }

    #[test]
    fn an_answer_dropped_unsent_completes_its_slot() {
        let slot = Slot::<u32>::new();
        drop(Answer::new(&slot, || 7));
        assert_eq!(slot.try_get(), Some(7));
        let slot = Slot::<u32>::new();
        Answer::new(&slot, || 7).send(3);
        assert_eq!(slot.try_get(), Some(3));
    }

    #[test]
    fn a_wake_before_the_driver_polls_is_not_lost_and_wakes_coalesce() {
        let (count, waker) = counter();
        let mut cx = Context::from_waker(&waker);
        let w = DriverWake::default();
        w.wake();
        assert!(
            w.poll(&mut cx).is_ready(),
            "the wake-up before the poll is kept"
        );
        assert!(w.poll(&mut cx).is_pending());
        w.wake();
        w.wake();
        assert_eq!(
            count.0.load(Ordering::SeqCst),
            1,
            "one wake for two signals"
        );
        assert!(w.poll(&mut cx).is_ready());
        assert!(w.poll(&mut cx).is_pending());
    }
}
