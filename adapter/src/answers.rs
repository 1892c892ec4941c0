//! What the broker answers and what callbacks receive: [`PublishAck`],
//! [`SubAck`], [`ConnectInfo`], [`Delivery`].

use crate::Error;
use mqtt_sansio::client::PublishId;
use mqtt_sansio::codec::{Properties, ReasonCode};
use mqtt_sansio::{ProtocolVersion, QoS};

/// The broker's acknowledgement of a publish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishAck {
    /// The MQTT 5 reason code (Success, or No matching subscribers); always
    /// Success for QoS 0 and before MQTT 5.
    pub reason: ReasonCode,
    /// Properties of the PUBACK / PUBCOMP (reason string, user properties).
    pub properties: Properties,
}

/// The broker's answer to a subscribe or unsubscribe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubAck {
    /// One code per filter, in order: for SUBACK the granted QoS (`Success`
    /// = QoS 0, `GrantedQoS1`, `GrantedQoS2`) or a failure (0x80 and above);
    /// for UNSUBACK the MQTT 5 reason codes (empty before MQTT 5).
    pub codes: Vec<ReasonCode>,
    /// Properties of the answer (MQTT 5).
    pub properties: Properties,
}

impl SubAck {
    /// The granted QoS per filter, `None` where the broker refused it.
    ///
    /// ```
    /// use mqtt_adapter::SubAck;
    /// use mqtt_sansio::codec::{Properties, ReasonCode};
    /// use mqtt_sansio::QoS;
    /// let ack = SubAck { codes: vec![ReasonCode::GrantedQoS1, ReasonCode::UnspecifiedError], properties: Properties::default() };
    /// assert_eq!(ack.granted(), [Some(QoS::AtLeastOnce), None]);
    /// ```
    pub fn granted(&self) -> Vec<Option<QoS>> {
        self.codes
            .iter()
            .map(|c| match c {
                ReasonCode::Success => Some(QoS::AtMostOnce),
                ReasonCode::GrantedQoS1 => Some(QoS::AtLeastOnce),
                ReasonCode::GrantedQoS2 => Some(QoS::ExactlyOnce),
                _ => None,
            })
            .collect()
    }
}

/// What [`Options::on_connect`](crate::Options::on_connect) receives.
#[derive(Debug, Clone, PartialEq)]
pub struct ConnectInfo {
    /// Whether this is a reconnect (not the first connection of this client).
    pub reconnect: bool,
    /// Whether the broker kept the session (Session Present).
    pub session_present: bool,
    /// The server URL connected to.
    pub server: String,
    /// The protocol version in use (3.1 after a fall-back from 3.1.1).
    pub protocol: ProtocolVersion,
    /// CONNACK properties (MQTT 5): assigned client id, limits, ...
    pub properties: Properties,
}

/// How a publish ended, for [`Options::on_delivery_complete`](crate::Options::on_delivery_complete).
#[derive(Debug, Clone)]
pub struct Delivery {
    /// The id of the publish (`PublishHandle::id`).
    pub id: PublishId,
    /// Its result.
    pub result: Result<PublishAck, Error>,
}
