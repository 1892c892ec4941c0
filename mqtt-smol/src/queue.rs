//! The dispatcher's hook for this runtime: a bounded `async-channel` behind
//! each message stream ([`Messages`](crate::Messages),
//! [`Subscription`](crate::Subscription)).

use crate::Message;
use async_channel::{Sender, TrySendError};

/// The sending side of one stream, fed by the dispatcher thread.
pub(crate) struct Queue(pub(crate) Sender<Message>);

impl mqtt_adapter::dispatch::Sink for Queue {
    /// Sends `m`, blocking the dispatcher thread while the stream is full
    /// (that is the backpressure). `false` when its reader is gone.
    fn push(&self, m: Message) -> bool {
        match self.0.try_send(m) {
            Ok(()) => true,
            Err(TrySendError::Full(m)) => self.0.send_blocking(m).is_ok(),
            Err(TrySendError::Closed(_)) => false,
        }
    }

    /// The stream ends once its reader took what is buffered.
    fn close(&self) {
        self.0.close();
    }
}
