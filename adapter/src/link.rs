//! Where a client's connection stands, as its driver last saw it, and what
//! that means for a caller waiting on the broker.

use crate::{ConnectionLost, Error, Topic};
use mqtt_sansio::codec::{SubscribeFilter, SubscriptionOptions};
use mqtt_sansio::QoS;

/// Where the connection stands, as the adapter's driver last saw it.
#[derive(Debug, Clone)]
pub enum Link {
    /// Opening the transport or waiting for CONNACK.
    Connecting,
    /// CONNACK accepted.
    Connected,
    /// Lost; a reconnect may be scheduled (see [`ConnectionLost::will_reconnect`]).
    Down(ConnectionLost),
    /// Disconnected for good.
    Closed,
}

impl Link {
    /// The error for a caller waiting for the broker when this link can no
    /// longer deliver what it waits for (closed, or lost with no reconnect
    /// scheduled); `None` while an answer may still come.
    ///
    /// ```
    /// use mqtt_adapter::{Error, Link};
    /// assert!(matches!(Link::Closed.terminal(), Some(Error::Closed)));
    /// assert!(Link::Connecting.terminal().is_none());
    /// ```
    pub fn terminal(&self) -> Option<Error> {
        match self {
            Link::Closed => Some(Error::Closed),
            Link::Down(c) if !c.will_reconnect => Some(Error::Connection(Box::new(c.clone()))),
            _ => None,
        }
    }
}

/// `subscribe`'s `(filter, QoS)` pairs as the core's subscription filters
/// (default options otherwise).
///
/// ```
/// use mqtt_adapter::{subscribe_filters, QoS};
/// let f = subscribe_filters([("a/#", QoS::AtLeastOnce)]);
/// assert_eq!(&*f[0].filter, "a/#");
/// ```
pub fn subscribe_filters<I, T>(filters: I) -> Vec<SubscribeFilter>
where
    I: IntoIterator<Item = (T, QoS)>,
    T: Into<Topic>,
{
    filters
        .into_iter()
        .map(|(f, qos)| SubscribeFilter {
            filter: f.into().0,
            options: SubscriptionOptions::new(qos),
        })
        .collect()
}
