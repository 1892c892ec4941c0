//! The dispatcher's hook for this runtime: the queue behind each message
//! stream ([`Messages`](crate::Messages), [`Subscription`](crate::Subscription)).
//!
//! The dispatcher is a task on an executor, so pushing must never wait. A
//! stream's queue is therefore unbounded, and the bound is the client's
//! [`Flow`]: every message in a stream counts as queued until the stream's
//! reader takes it (or drops the stream), and the driver stops reading the
//! socket while too many messages wait anywhere. Nothing is dropped; TCP
//! pushes back on the broker.

use super::flow::Flow;
use crate::dispatch::{hold_for_stream, taken_from_stream};
use crate::Message;
use async_channel::{Receiver, Sender};
use futures_core::Stream;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

/// The sending side of one stream, fed by the dispatcher.
pub(crate) struct Queue {
    tx: Sender<Message>,
    flow: Arc<Flow>,
}

/// The receiving side: counts every message it hands out (or drops) as
/// taken.
#[derive(Debug)]
pub(crate) struct Reader {
    rx: Pin<Box<Receiver<Message>>>,
    flow: Arc<Flow>,
}

/// A stream's queue: both ends.
pub(crate) fn queue(flow: &Arc<Flow>) -> (Queue, Reader) {
    let (tx, rx) = async_channel::unbounded();
    (
        Queue {
            tx,
            flow: flow.clone(),
        },
        Reader {
            rx: Box::pin(rx),
            flow: flow.clone(),
        },
    )
}

impl crate::dispatch::Sink for Queue {
    /// Appends `m` without waiting; `false` when its reader is gone.
    fn push(&self, m: Message) -> bool {
        // Counted (and its acknowledgement held) before it can be taken, so
        // neither count goes below zero.
        self.flow.queued();
        hold_for_stream(&m);
        match self.tx.try_send(m) {
            Ok(()) => true,
            Err(e) => {
                self.flow.dequeued(1);
                // Nobody will take it from here: this stream does not hold it.
                taken_from_stream(&e.into_inner());
                false
            }
        }
    }

    /// The stream ends once its reader took what is buffered.
    fn close(&self) {
        self.tx.close();
    }
}

impl Reader {
    /// The next message if one is buffered, without waiting.
    pub(crate) fn try_next(&mut self) -> Option<Message> {
        let m = self.rx.try_recv().ok();
        if let Some(m) = &m {
            self.flow.dequeued(1);
            taken_from_stream(m);
        }
        m
    }

    pub(crate) fn poll_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<Message>> {
        let r = self.rx.as_mut().poll_next(cx);
        if let Poll::Ready(Some(m)) = &r {
            self.flow.dequeued(1);
            taken_from_stream(m);
        }
        r
    }
}

impl Drop for Reader {
    fn drop(&mut self) {
        // No push succeeds after `close`: what is left is taken here.
        // Discarded by the application: acknowledged, so they do not hold the
        // broker's in-flight window until the next connection.
        self.rx.close();
        while let Ok(m) = self.rx.try_recv() {
            self.flow.dequeued(1);
            taken_from_stream(&m);
        }
    }
}
