//! What each core [`Event`] means to an adapter, decided once for both.
//!
//! An adapter's driver drains the core's events and hands each to
//! [`translate`]; what comes back says what to do in adapter terms (which
//! callback item to dispatch, which waiter to complete with what). The
//! adapter keeps only how it does that with its own primitives (condition
//! variables, channels).

use crate::dispatch::Item;
use crate::{ConnectInfo, ConnectionLost, Error, PublishAck, Server, SubAck};
use mqtt_sansio::client::{Event, PublishId, RequestId, Subscriptions};
use mqtt_sansio::codec::Properties;
use mqtt_transport::TransportError;
use std::io;
use std::sync::Arc;

/// An event of the core, in adapter terms; see [`translate`].
#[derive(Debug)]
pub enum Routed {
    /// The broker accepted the connection: the link is up; dispatch
    /// [`Item::Connected`].
    Connected(ConnectInfo),
    /// The connection ended (a reconnect may be scheduled).
    Lost(ConnectionLost),
    /// A message for the handlers ([`Item::Message`]).
    Message(Item),
    /// A publish finished: complete its waiter (and report the delivery).
    Publish(PublishId, Result<PublishAck, Error>),
    /// A subscribe or unsubscribe was answered.
    Request(RequestId, SubAck),
    /// An MQTT 5 re-authentication finished successfully: dispatch
    /// [`Item::Reauthenticated`] with the properties of the broker's final AUTH.
    Reauthenticated(Properties),
    /// Disconnected for good.
    Closed,
    /// Nothing for the adapter to do (session loss is reported per publish).
    Nothing,
}

/// Translates one core event. `servers` is the adapter's server list (for
/// the URL of [`ConnectInfo`]); `io` and `transport` hold the socket or
/// TLS/WebSocket error that ended the transport, if any, taken into
/// [`ConnectionLost`] when the core reports the loss.
pub fn translate(
    ev: Event,
    servers: &[Server],
    subscriptions: &Subscriptions,
    io: &mut Option<Arc<io::Error>>,
    transport: &mut Option<TransportError>,
) -> Routed {
    match ev {
        Event::Connected {
            session_present,
            reconnect,
            server,
            protocol,
            properties,
        } => Routed::Connected(ConnectInfo {
            reconnect,
            session_present,
            server: servers
                .get(server)
                .map(|s| s.url().to_owned())
                .unwrap_or_default(),
            protocol,
            properties,
        }),
        Event::ConnectionLost {
            cause,
            will_reconnect,
        } => Routed::Lost(ConnectionLost {
            cause,
            io: io.take(),
            transport: transport.take(),
            will_reconnect,
        }),
        Event::Message { publish, ack } => {
            Routed::Message(Item::message(subscriptions, publish, ack))
        }
        Event::PublishComplete {
            id,
            reason,
            properties,
            ..
        } => {
            let result = if reason.is_error() {
                Err(Error::Rejected {
                    reason,
                    properties: Box::new(properties),
                })
            } else {
                Ok(PublishAck { reason, properties })
            };
            Routed::Publish(id, result)
        }
        Event::PublishFailed { id, error } => Routed::Publish(id, Err(Error::PublishFailed(error))),
        Event::SubscribeComplete {
            id,
            codes,
            properties,
            ..
        }
        | Event::UnsubscribeComplete {
            id,
            codes,
            properties,
            ..
        } => Routed::Request(id, SubAck { codes, properties }),
        Event::Reauthenticated { properties } => Routed::Reauthenticated(properties),
        Event::Closed => Routed::Closed,
        _ => Routed::Nothing,
    }
}
