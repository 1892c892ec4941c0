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

/// How `Client::connect` waits for the first CONNACK, decided once for every
/// adapter by [`FirstConnect::verdict`].
#[derive(Debug, Clone, Copy)]
pub struct FirstConnect {
    /// Servers in the fail-over list.
    pub servers: usize,
    /// A reconnect policy is set: failed attempts are retried under it.
    pub retry: bool,
    /// With `retry`: give up once this passes (checked between attempts).
    pub deadline: Option<std::time::Instant>,
}

impl FirstConnect {
    /// For a client of `servers` servers configured with `config` (its
    /// reconnect policy), bounded by `Options::initial_connect_timeout`
    /// from now.
    pub fn new(
        config: &mqtt_sansio::client::Config,
        servers: usize,
        initial_connect_timeout: Option<std::time::Duration>,
    ) -> FirstConnect {
        FirstConnect {
            servers,
            retry: !matches!(
                config.reconnect,
                mqtt_sansio::client::ReconnectPolicy::Disabled
            ),
            deadline: initial_connect_timeout
                .and_then(|t| std::time::Instant::now().checked_add(t)),
        }
    }

    /// `None` while `connect` should keep waiting; else its result. The error
    /// never claims a reconnect (`will_reconnect` is cleared): the client is
    /// stopped when `connect` fails.
    pub fn verdict(
        &self,
        link: &Link,
        failed_attempts: usize,
        now: std::time::Instant,
    ) -> Option<Result<(), Error>> {
        match link {
            Link::Connected => Some(Ok(())),
            Link::Closed => Some(Err(Error::Closed)),
            Link::Connecting => None,
            Link::Down(lost) => {
                let give_up = !lost.will_reconnect
                    || if self.retry {
                        self.deadline.is_some_and(|d| now >= d)
                    } else {
                        failed_attempts >= self.servers
                    };
                give_up.then(|| {
                    let mut lost = lost.clone();
                    lost.will_reconnect = false;
                    Err(Error::Connection(Box::new(lost)))
                })
            }
        }
    }
}
