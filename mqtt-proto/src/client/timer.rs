//! The core's timers: a small fixed table indexed by [`Timer`].

use crate::time::Instant;

/// Every deadline the core can wait for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Timer {
    /// From asking for a transport to a successful CONNACK: connect timeout.
    Connect = 0,
    /// Send PINGREQ: one keep-alive period after the last packet sent or received.
    KeepAlive = 1,
    /// PINGREQ sent, waiting for PINGRESP: the link is dead when it fires.
    PingResp = 2,
    /// Open the transport again (reconnect backoff).
    Reconnect = 3,
}

const COUNT: usize = 4;

/// Deadlines by timer; `None` means not armed.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TimerTable<I> {
    at: [Option<I>; COUNT],
}

impl<I: Instant> TimerTable<I> {
    pub(crate) fn new() -> Self {
        TimerTable { at: [None; COUNT] }
    }
    pub(crate) fn set(&mut self, t: Timer, at: I) {
        self.at[t as usize] = Some(at);
    }
    pub(crate) fn stop(&mut self, t: Timer) {
        self.at[t as usize] = None;
    }
    pub(crate) fn stop_all(&mut self) {
        self.at = [None; COUNT];
    }
    /// Whether `t` is armed and due at `now`.
    pub(crate) fn expired(&self, t: Timer, now: I) -> bool {
        matches!(self.at[t as usize], Some(at) if at <= now)
    }
    /// When `t` fires, if armed.
    pub(crate) fn at(&self, t: Timer) -> Option<I> {
        self.at[t as usize]
    }
    /// The earliest armed deadline.
    pub(crate) fn next(&self) -> Option<I> {
        self.at.iter().flatten().min().copied()
    }
}
