//! MQTT 5 properties (§2.2.2), as one typed struct.
//!
//! Every packet carries a `Properties`; before MQTT 5 it is always empty. The
//! decoder rejects a property that the packet type may not carry, and a
//! property that appears twice where the spec allows it once; the encoder
//! refuses the same.
//!
//! Why a box: the values of all 27 properties take about 400 bytes, and most
//! packets carry none. Held inline, they made every packet (and every move of
//! one) that large, which dominated decoding a small PUBLISH. `Properties` is
//! one pointer, `None` when empty, and derefs to the [`PropertyValues`]; only
//! a packet that has properties pays for the allocation.

use super::ByteStr;
use alloc::boxed::Box;
use alloc::vec::Vec;
use bytes::Bytes;
use core::fmt;
use core::ops::{Deref, DerefMut};

/// The MQTT 5 properties of a packet: one pointer, no allocation while empty.
///
/// Read and write the properties as fields, through `Deref`/`DerefMut` to
/// [`PropertyValues`]; the first write to an empty `Properties` allocates.
///
/// ```
/// use mqtt_sansio::codec::Properties;
/// let mut p = Properties::default();
/// assert!(p.is_empty());
/// assert_eq!(p.message_expiry_interval, None);
/// p.message_expiry_interval = Some(60);
/// p.user_properties.push(("unit".into(), "celsius".into()));
/// assert!(!p.is_empty());
/// ```
#[derive(Clone, Default)]
pub struct Properties(Option<Box<PropertyValues>>);

/// What an empty [`Properties`] derefs to.
static EMPTY_VALUES: PropertyValues = PropertyValues::EMPTY;

impl Properties {
    /// No properties at all (no allocation).
    pub const EMPTY: Properties = Properties(None);

    /// Whether no property is set.
    #[inline]
    pub fn is_empty(&self) -> bool {
        match &self.0 {
            None => true,
            Some(v) => v.is_empty(),
        }
    }

    /// The values, moved out (all empty if none were set).
    pub fn into_values(self) -> PropertyValues {
        match self.0 {
            None => PropertyValues::EMPTY,
            Some(v) => *v,
        }
    }
}

impl From<PropertyValues> for Properties {
    fn from(v: PropertyValues) -> Self {
        Properties(Some(Box::new(v)))
    }
}

impl From<Box<PropertyValues>> for Properties {
    fn from(v: Box<PropertyValues>) -> Self {
        Properties(Some(v))
    }
}

impl Deref for Properties {
    type Target = PropertyValues;
    #[inline]
    fn deref(&self) -> &PropertyValues {
        match &self.0 {
            Some(v) => v,
            None => &EMPTY_VALUES,
        }
    }
}

impl DerefMut for Properties {
    #[inline]
    fn deref_mut(&mut self) -> &mut PropertyValues {
        self.0
            .get_or_insert_with(|| Box::new(PropertyValues::EMPTY))
    }
}

impl PartialEq for Properties {
    fn eq(&self, other: &Properties) -> bool {
        **self == **other
    }
}

impl Eq for Properties {}

impl fmt::Debug for Properties {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            f.write_str("Properties {}")
        } else {
            fmt::Debug::fmt(&**self, f)
        }
    }
}

/// The values of the MQTT 5 properties (what [`Properties`] derefs to).
/// Absent properties are `None` / empty.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PropertyValues {
    /// 0x01 Payload Format Indicator (PUBLISH, will): 0 bytes, 1 UTF-8.
    pub payload_format_indicator: Option<u8>,
    /// 0x02 Message Expiry Interval in seconds (PUBLISH, will).
    pub message_expiry_interval: Option<u32>,
    /// 0x03 Content Type (PUBLISH, will).
    pub content_type: Option<ByteStr>,
    /// 0x08 Response Topic (PUBLISH, will).
    pub response_topic: Option<ByteStr>,
    /// 0x09 Correlation Data (PUBLISH, will).
    pub correlation_data: Option<Bytes>,
    /// 0x0B Subscription Identifier(s): one in SUBSCRIBE, any number in PUBLISH
    /// (server to client). Values 1..=268,435,455.
    pub subscription_identifiers: Vec<u32>,
    /// 0x11 Session Expiry Interval in seconds (CONNECT, CONNACK, DISCONNECT).
    pub session_expiry_interval: Option<u32>,
    /// 0x12 Assigned Client Identifier (CONNACK).
    pub assigned_client_identifier: Option<ByteStr>,
    /// 0x13 Server Keep Alive in seconds (CONNACK).
    pub server_keep_alive: Option<u16>,
    /// 0x15 Authentication Method (CONNECT, CONNACK, AUTH).
    pub authentication_method: Option<ByteStr>,
    /// 0x16 Authentication Data (CONNECT, CONNACK, AUTH).
    pub authentication_data: Option<Bytes>,
    /// 0x17 Request Problem Information (CONNECT): 0 or 1.
    pub request_problem_information: Option<u8>,
    /// 0x18 Will Delay Interval in seconds (will).
    pub will_delay_interval: Option<u32>,
    /// 0x19 Request Response Information (CONNECT): 0 or 1.
    pub request_response_information: Option<u8>,
    /// 0x1A Response Information (CONNACK).
    pub response_information: Option<ByteStr>,
    /// 0x1C Server Reference (CONNACK, DISCONNECT).
    pub server_reference: Option<ByteStr>,
    /// 0x1F Reason String (CONNACK, PUBACK.., SUBACK, UNSUBACK, DISCONNECT, AUTH).
    pub reason_string: Option<ByteStr>,
    /// 0x21 Receive Maximum (CONNECT, CONNACK): never 0.
    pub receive_maximum: Option<u16>,
    /// 0x22 Topic Alias Maximum (CONNECT, CONNACK).
    pub topic_alias_maximum: Option<u16>,
    /// 0x23 Topic Alias (PUBLISH): never 0.
    pub topic_alias: Option<u16>,
    /// 0x24 Maximum QoS (CONNACK): 0 or 1.
    pub maximum_qos: Option<u8>,
    /// 0x25 Retain Available (CONNACK): 0 or 1.
    pub retain_available: Option<u8>,
    /// 0x26 User Property pairs, in order; may repeat (all packets with properties).
    pub user_properties: Vec<(ByteStr, ByteStr)>,
    /// 0x27 Maximum Packet Size (CONNECT, CONNACK): never 0.
    pub maximum_packet_size: Option<u32>,
    /// 0x28 Wildcard Subscription Available (CONNACK): 0 or 1.
    pub wildcard_subscription_available: Option<u8>,
    /// 0x29 Subscription Identifier Available (CONNACK): 0 or 1.
    pub subscription_identifier_available: Option<u8>,
    /// 0x2A Shared Subscription Available (CONNACK): 0 or 1.
    pub shared_subscription_available: Option<u8>,
}

impl PropertyValues {
    /// No properties at all.
    pub const EMPTY: PropertyValues = PropertyValues {
        payload_format_indicator: None,
        message_expiry_interval: None,
        content_type: None,
        response_topic: None,
        correlation_data: None,
        subscription_identifiers: Vec::new(),
        session_expiry_interval: None,
        assigned_client_identifier: None,
        server_keep_alive: None,
        authentication_method: None,
        authentication_data: None,
        request_problem_information: None,
        will_delay_interval: None,
        request_response_information: None,
        response_information: None,
        server_reference: None,
        reason_string: None,
        receive_maximum: None,
        topic_alias_maximum: None,
        topic_alias: None,
        maximum_qos: None,
        retain_available: None,
        user_properties: Vec::new(),
        maximum_packet_size: None,
        wildcard_subscription_available: None,
        subscription_identifier_available: None,
        shared_subscription_available: None,
    };

    /// Whether no property is set.
    #[inline(never)]
    pub fn is_empty(&self) -> bool {
        *self == PropertyValues::EMPTY
    }
}
