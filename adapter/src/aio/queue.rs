//! The dispatcher's hook for this runtime: the queue behind each message
//! stream ([`Messages`](crate::Messages), [`Subscription`](crate::Subscription)).
//!
//! The dispatcher is a task on an executor, so pushing must never wait. A
//! stream's queue is therefore unbounded, and the bound is the client's
//! [`Flow`]: every message in a stream counts as queued until the stream's
//! reader takes it (or drops the stream), and the driver stops reading the
//! socket while too many messages wait anywhere. Nothing is dropped; TCP
//! pushes back on the broker.
//!
//! One writer (the dispatcher, through the stream's handler) and one reader
//! (the stream): a `VecDeque` under a lock, and the reader's waker. The
//! deque keeps its room from one message to the next, so a message in
//! transit costs no allocation (a channel of linked blocks allocated and
//! zeroed a block every few dozen messages), and a push wakes the reader
//! only when it waits.

use super::flow::Flow;
use crate::dispatch::{hold_for_stream, taken_from_stream};
use crate::Message;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

/// Room a drained queue keeps; a burst's extra room is given back.
const KEEP: usize = 256;

/// The sending side of one stream, fed by the dispatcher. Dropping it ends
/// the stream once its reader took what is buffered.
pub(crate) struct Queue {
    shared: Arc<Shared>,
}

/// The receiving side: counts every message it hands out (or drops) as
/// taken.
#[derive(Debug)]
pub(crate) struct Reader {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    state: Mutex<State>,
    flow: Arc<Flow>,
}

#[derive(Debug, Default)]
struct State {
    items: VecDeque<Message>,
    /// The reader waits for a message or the end.
    waker: Option<Waker>,
    /// No more messages will come (closed, or the sending side dropped).
    closed: bool,
    /// The reader is gone: pushes are refused.
    reader_gone: bool,
}

impl Shared {
    /// The state, locked. Nothing runs user code under this lock (wakers are
    /// woken after it is released), so it cannot be poisoned but by a bug of
    /// ours, and the state is whole even then.
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn close(&self) {
        let waker = {
            let mut s = self.lock();
            s.closed = true;
            s.waker.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }
}

/// A stream's queue: both ends.
pub(crate) fn queue(flow: &Arc<Flow>) -> (Queue, Reader) {
    let shared = Arc::new(Shared {
        state: Mutex::new(State::default()),
        flow: flow.clone(),
    });
    (
        Queue {
            shared: shared.clone(),
        },
        Reader { shared },
    )
}

impl crate::dispatch::Sink for Queue {
    /// Appends `m` without waiting; `false` when its reader is gone.
    fn push(&self, m: Message) -> bool {
        // Counted (and its acknowledgement held) before it can be taken, so
        // neither count goes below zero.
        let flow = &self.shared.flow;
        flow.queued();
        hold_for_stream(&m);
        let mut s = self.shared.lock();
        if s.reader_gone || s.closed {
            drop(s);
            flow.dequeued(1);
            // Nobody will take it from here: this stream does not hold it.
            taken_from_stream(&m);
            return false;
        }
        s.items.push_back(m);
        let waker = s.waker.take();
        drop(s);
        if let Some(w) = waker {
            w.wake();
        }
        true
    }

    /// The stream ends once its reader took what is buffered.
    fn close(&self) {
        self.shared.close();
    }
}

impl Drop for Queue {
    fn drop(&mut self) {
        self.shared.close();
    }
}

impl Reader {
    /// Takes the next buffered message, counting it as taken.
    fn take(&self, s: &mut State) -> Option<Message> {
        let m = s.items.pop_front()?;
        if s.items.is_empty() && s.items.capacity() > KEEP {
            s.items.shrink_to(KEEP);
        }
        Some(m)
    }

    fn taken(&self, m: &Message) {
        self.shared.flow.dequeued(1);
        taken_from_stream(m);
    }

    /// The next message if one is buffered, without waiting.
    pub(crate) fn try_next(&mut self) -> Option<Message> {
        let m = self.take(&mut self.shared.lock());
        if let Some(m) = &m {
            self.taken(m);
        }
        m
    }

    pub(crate) fn poll_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<Message>> {
        let mut s = self.shared.lock();
        if let Some(m) = self.take(&mut s) {
            drop(s);
            self.taken(&m);
            return Poll::Ready(Some(m));
        }
        if s.closed {
            return Poll::Ready(None);
        }
        match &mut s.waker {
            Some(w) if w.will_wake(cx.waker()) => {}
            w => *w = Some(cx.waker().clone()),
        }
        Poll::Pending
    }
}

impl Drop for Reader {
    fn drop(&mut self) {
        // No push succeeds after this: what is left is taken here.
        // Discarded by the application: acknowledged, so they do not hold the
        // broker's in-flight window until the next connection.
        let left = {
            let mut s = self.shared.lock();
            s.reader_gone = true;
            s.waker = None;
            std::mem::take(&mut s.items)
        };
        for m in &left {
            self.taken(m);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dispatch::Sink;
    use bytes::Bytes;
    use mqtt_sansio::codec::{ByteStr, Properties, Publish, QoS};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::Wake;

    fn message(n: u8) -> Message {
        Message::from_publish(
            Publish {
                dup: false,
                qos: QoS::AtMostOnce,
                retain: false,
                topic: ByteStr::from_static("t"),
                packet_id: None,
                properties: Properties::default(),
                payload: Bytes::from(vec![n]),
            },
            None,
        )
    }

    struct Count(AtomicUsize);
    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn waker() -> (Arc<Count>, Waker) {
        let c = Arc::new(Count(AtomicUsize::new(0)));
        (c.clone(), Waker::from(c))
    }

    #[test]
    fn messages_come_out_in_order_and_a_waiting_reader_is_woken_once_per_wait() {
        let flow = Arc::new(Flow::new(100));
        let (tx, mut rx) = queue(&flow);
        let (count, w) = waker();
        let mut cx = Context::from_waker(&w);
        assert!(rx.poll_next(&mut cx).is_pending());
        assert!(tx.push(message(1)));
        assert!(tx.push(message(2)));
        // Woken by the first push only: the second found no waiter.
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
        let Poll::Ready(Some(m)) = rx.poll_next(&mut cx) else {
            panic!("a message was buffered")
        };
        assert_eq!(m.payload(), &[1][..]);
        assert_eq!(rx.try_next().map(|m| m.payload()[0]), Some(2));
        assert!(rx.try_next().is_none());
        assert!(flow.may_read());
    }

    #[test]
    fn the_stream_ends_after_the_buffered_messages_once_the_sender_is_dropped() {
        let flow = Arc::new(Flow::new(100));
        let (tx, mut rx) = queue(&flow);
        let (count, w) = waker();
        let mut cx = Context::from_waker(&w);
        assert!(tx.push(message(1)));
        drop(tx);
        assert!(matches!(rx.poll_next(&mut cx), Poll::Ready(Some(_))));
        assert!(matches!(rx.poll_next(&mut cx), Poll::Ready(None)));

        // A reader waiting when the sender goes is woken to see the end.
        let (tx, mut rx) = queue(&flow);
        assert!(rx.poll_next(&mut cx).is_pending());
        tx.close();
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
        assert!(matches!(rx.poll_next(&mut cx), Poll::Ready(None)));
        assert!(!tx.push(message(3)), "a closed queue takes nothing");
    }

    #[test]
    fn a_dropped_reader_refuses_pushes_and_gives_back_what_it_held() {
        let flow = Arc::new(Flow::new(2));
        let (tx, rx) = queue(&flow);
        assert!(tx.push(message(1)));
        assert!(tx.push(message(2)));
        assert!(!flow.may_read(), "two messages wait: the bound is reached");
        drop(rx);
        assert!(flow.may_read(), "the unread messages count as taken");
        assert!(!tx.push(message(3)));
        assert!(flow.may_read(), "a refused push is not counted");
    }

    #[test]
    fn a_drained_queue_gives_back_the_room_of_a_burst() {
        let flow = Arc::new(Flow::new(100_000));
        let (tx, mut rx) = queue(&flow);
        for i in 0..10_000u32 {
            assert!(tx.push(message(i as u8)));
        }
        while rx.try_next().is_some() {}
        assert!(rx.shared.lock().items.capacity() <= KEEP);
    }
}
