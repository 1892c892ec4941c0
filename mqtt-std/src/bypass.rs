//! Waiting for the broker without deadlocking the reader.

use crate::flow::Flow;

/// Lifts the incoming bound while alive (see [`Flow`]): the thread holding it
/// waits for an answer from the broker that may sit behind unread messages.
pub(crate) struct Bypass<'a>(&'a Flow);

impl<'a> Bypass<'a> {
    pub(crate) fn new(flow: &'a Flow) -> Bypass<'a> {
        flow.set_bypass(true);
        Bypass(flow)
    }
}

impl Drop for Bypass<'_> {
    fn drop(&mut self) {
        self.0.set_bypass(false);
    }
}
