//! MQTT 5 property blocks, borrowed (v5 §2.2.2): the one validator of every
//! property rule, and the [`PropertiesRef`] view it produces.
//!
//! The owned decoder builds its [`Properties`] from a [`PropertiesRef`]
//! (`to_properties`), so the per-packet-type, duplicate and value rules live
//! here only.

use super::packet_ref::{validated_str, Owner};
use super::wire::{
    binary, fail, id, property_allowed, u16_, u32_, u8_, utf8, vbi, PResult, PropCtx,
};
use super::{DecodeError, Properties, PropertyValues};
use alloc::boxed::Box;
use core::fmt;

/// One MQTT 5 property, borrowed from the packet (v5 §2.2.2.2, Table 2-4).
///
/// Strings were validated (UTF-8, no U+0000) when the packet was decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PropertyRef<'a> {
    /// 0x01 Payload Format Indicator: 0 bytes, 1 UTF-8.
    PayloadFormatIndicator(u8),
    /// 0x02 Message Expiry Interval in seconds.
    MessageExpiryInterval(u32),
    /// 0x03 Content Type.
    ContentType(&'a str),
    /// 0x08 Response Topic (a topic name: no wildcards).
    ResponseTopic(&'a str),
    /// 0x09 Correlation Data.
    CorrelationData(&'a [u8]),
    /// 0x0B Subscription Identifier, 1..=268,435,455.
    SubscriptionIdentifier(u32),
    /// 0x11 Session Expiry Interval in seconds.
    SessionExpiryInterval(u32),
    /// 0x12 Assigned Client Identifier.
    AssignedClientIdentifier(&'a str),
    /// 0x13 Server Keep Alive in seconds.
    ServerKeepAlive(u16),
    /// 0x15 Authentication Method.
    AuthenticationMethod(&'a str),
    /// 0x16 Authentication Data.
    AuthenticationData(&'a [u8]),
    /// 0x17 Request Problem Information: 0 or 1.
    RequestProblemInformation(u8),
    /// 0x18 Will Delay Interval in seconds.
    WillDelayInterval(u32),
    /// 0x19 Request Response Information: 0 or 1.
    RequestResponseInformation(u8),
    /// 0x1A Response Information.
    ResponseInformation(&'a str),
    /// 0x1C Server Reference.
    ServerReference(&'a str),
    /// 0x1F Reason String.
    ReasonString(&'a str),
    /// 0x21 Receive Maximum: never 0.
    ReceiveMaximum(u16),
    /// 0x22 Topic Alias Maximum.
    TopicAliasMaximum(u16),
    /// 0x23 Topic Alias: never 0.
    TopicAlias(u16),
    /// 0x24 Maximum QoS: 0 or 1.
    MaximumQoS(u8),
    /// 0x25 Retain Available: 0 or 1.
    RetainAvailable(u8),
    /// 0x26 User Property: a key and a value.
    UserProperty(&'a str, &'a str),
    /// 0x27 Maximum Packet Size: never 0.
    MaximumPacketSize(u32),
    /// 0x28 Wildcard Subscription Available: 0 or 1.
    WildcardSubscriptionAvailable(u8),
    /// 0x29 Subscription Identifier Available: 0 or 1.
    SubscriptionIdentifierAvailable(u8),
    /// 0x2A Shared Subscription Available: 0 or 1.
    SharedSubscriptionAvailable(u8),
}

/// The property block of a packet, borrowed and validated: every property is
/// allowed in its packet, appears no more often than the spec allows, and
/// has a valid value. Iterating it cannot fail.
///
/// ```
/// use mqtt_sansio::codec::{decode_packet_ref, PacketRef, PropertyRef, ProtocolVersion};
/// // PUBACK 7, reason 0x10, Reason String "ok".
/// let frame = [0x40, 0x09, 0x00, 0x07, 0x10, 0x05, 0x1F, 0x00, 0x02, b'o', b'k'];
/// let Ok(PacketRef::PubAck(ack)) = decode_packet_ref(&frame, ProtocolVersion::V5) else { panic!() };
/// assert_eq!(ack.properties.reason_string(), Some("ok"));
/// assert_eq!(ack.properties.iter().collect::<Vec<_>>(), [PropertyRef::ReasonString("ok")]);
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct PropertiesRef<'a> {
    /// The block's content (without its length prefix), validated by
    /// [`validate_properties`]: the invariant [`PropertiesIter`] relies on.
    block: &'a [u8],
}

impl<'a> PropertiesRef<'a> {
    /// No properties (what every packet before MQTT 5 carries).
    pub const EMPTY: PropertiesRef<'static> = PropertiesRef { block: &[] };

    /// Whether the block holds no property.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.block.is_empty()
    }

    /// The block's bytes as received (without its length prefix).
    pub fn as_bytes(&self) -> &'a [u8] {
        self.block
    }

    /// The properties, in the order received.
    pub fn iter(&self) -> PropertiesIter<'a> {
        PropertiesIter { rest: self.block }
    }

    /// 0x23 Topic Alias, if present.
    pub fn topic_alias(&self) -> Option<u16> {
        self.iter().find_map(|p| match p {
            PropertyRef::TopicAlias(v) => Some(v),
            _ => None,
        })
    }

    /// 0x1F Reason String, if present.
    pub fn reason_string(&self) -> Option<&'a str> {
        self.iter().find_map(|p| match p {
            PropertyRef::ReasonString(v) => Some(v),
            _ => None,
        })
    }

    /// 0x26 User Properties, in order.
    pub fn user_properties(&self) -> impl Iterator<Item = (&'a str, &'a str)> {
        self.iter().filter_map(|p| match p {
            PropertyRef::UserProperty(k, v) => Some((k, v)),
            _ => None,
        })
    }

    /// 0x0B Subscription Identifiers, in order.
    pub fn subscription_identifiers(&self) -> impl Iterator<Item = u32> + 'a {
        self.iter().filter_map(|p| match p {
            PropertyRef::SubscriptionIdentifier(v) => Some(v),
            _ => None,
        })
    }

    /// The owned [`Properties`]; strings and binary data share `owner`'s frame.
    #[inline(always)]
    pub(crate) fn to_properties(self, owner: &Owner<'_>) -> Properties {
        // Most packets have none: answered inline, without a call.
        if self.is_empty() {
            return Properties::EMPTY;
        }
        self.to_properties_boxed(owner)
    }

    /// [`to_properties`](Self::to_properties) of a non-empty block.
    #[inline(never)]
    fn to_properties_boxed(self, owner: &Owner<'_>) -> Properties {
        let mut p = Box::new(PropertyValues::EMPTY);
        for prop in self.iter() {
            match prop {
                PropertyRef::PayloadFormatIndicator(v) => p.payload_format_indicator = Some(v),
                PropertyRef::MessageExpiryInterval(v) => p.message_expiry_interval = Some(v),
                PropertyRef::ContentType(s) => p.content_type = Some(owner.str(s)),
                PropertyRef::ResponseTopic(s) => p.response_topic = Some(owner.str(s)),
                PropertyRef::CorrelationData(b) => p.correlation_data = Some(owner.bytes(b)),
                PropertyRef::SubscriptionIdentifier(v) => p.subscription_identifiers.push(v),
                PropertyRef::SessionExpiryInterval(v) => p.session_expiry_interval = Some(v),
                PropertyRef::AssignedClientIdentifier(s) => {
                    p.assigned_client_identifier = Some(owner.str(s))
                }
                PropertyRef::ServerKeepAlive(v) => p.server_keep_alive = Some(v),
                PropertyRef::AuthenticationMethod(s) => {
                    p.authentication_method = Some(owner.str(s))
                }
                PropertyRef::AuthenticationData(b) => p.authentication_data = Some(owner.bytes(b)),
                PropertyRef::RequestProblemInformation(v) => {
                    p.request_problem_information = Some(v)
                }
                PropertyRef::WillDelayInterval(v) => p.will_delay_interval = Some(v),
                PropertyRef::RequestResponseInformation(v) => {
                    p.request_response_information = Some(v)
                }
                PropertyRef::ResponseInformation(s) => p.response_information = Some(owner.str(s)),
                PropertyRef::ServerReference(s) => p.server_reference = Some(owner.str(s)),
                PropertyRef::ReasonString(s) => p.reason_string = Some(owner.str(s)),
                PropertyRef::ReceiveMaximum(v) => p.receive_maximum = Some(v),
                PropertyRef::TopicAliasMaximum(v) => p.topic_alias_maximum = Some(v),
                PropertyRef::TopicAlias(v) => p.topic_alias = Some(v),
                PropertyRef::MaximumQoS(v) => p.maximum_qos = Some(v),
                PropertyRef::RetainAvailable(v) => p.retain_available = Some(v),
                PropertyRef::UserProperty(k, v) => {
                    p.user_properties.push((owner.str(k), owner.str(v)))
                }
                PropertyRef::MaximumPacketSize(v) => p.maximum_packet_size = Some(v),
                PropertyRef::WildcardSubscriptionAvailable(v) => {
                    p.wildcard_subscription_available = Some(v)
                }
                PropertyRef::SubscriptionIdentifierAvailable(v) => {
                    p.subscription_identifier_available = Some(v)
                }
                PropertyRef::SharedSubscriptionAvailable(v) => {
                    p.shared_subscription_available = Some(v)
                }
            }
        }
        Properties::from(p)
    }
}

impl fmt::Debug for PropertiesRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<'a> IntoIterator for PropertiesRef<'a> {
    type Item = PropertyRef<'a>;
    type IntoIter = PropertiesIter<'a>;
    fn into_iter(self) -> PropertiesIter<'a> {
        self.iter()
    }
}

/// Iterator over a [`PropertiesRef`], in the order received.
#[derive(Debug, Clone)]
pub struct PropertiesIter<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for PropertiesIter<'a> {
    type Item = PropertyRef<'a>;
    #[inline]
    fn next(&mut self) -> Option<PropertyRef<'a>> {
        let (&pid, after) = self.rest.split_first()?;
        // The block was validated at decode, so this parse succeeds; were it
        // to fail, iteration would just stop early.
        match read_property::<false>(after, pid) {
            Ok((rest, p)) => {
                self.rest = rest;
                Some(p)
            }
            Err(_) => {
                self.rest = &[];
                None
            }
        }
    }
}

/// A string property: validated when `CHECK` (decode), taken as validated
/// when not (iterating a block decode already checked).
#[inline(always)]
fn text<const CHECK: bool>(i: &[u8]) -> PResult<'_, &str> {
    if CHECK {
        utf8(i)
    } else {
        let (rest, b) = binary(i)?;
        Ok((rest, validated_str(b)))
    }
}

fn bad<'a, O>(pid: u8) -> PResult<'a, O> {
    fail(DecodeError::InvalidPropertyValue { id: pid })
}

/// Reads the value of property `pid` (a defined identifier), with the value
/// rules of v5 §3.x. The one place a property value is parsed.
#[inline]
fn read_property<const CHECK: bool>(i: &[u8], pid: u8) -> PResult<'_, PropertyRef<'_>> {
    use PropertyRef as P;
    match pid {
        id::PAYLOAD_FORMAT_INDICATOR
        | id::REQUEST_PROBLEM_INFORMATION
        | id::REQUEST_RESPONSE_INFORMATION
        | id::MAXIMUM_QOS
        | id::RETAIN_AVAILABLE
        | id::WILDCARD_SUBSCRIPTION_AVAILABLE
        | id::SUBSCRIPTION_IDENTIFIER_AVAILABLE
        | id::SHARED_SUBSCRIPTION_AVAILABLE => {
            let (rest, v) = u8_(i)?;
            // Every one-byte property is a 0/1 flag.
            if v > 1 {
                return bad(pid);
            }
            let p = match pid {
                id::PAYLOAD_FORMAT_INDICATOR => P::PayloadFormatIndicator(v),
                id::REQUEST_PROBLEM_INFORMATION => P::RequestProblemInformation(v),
                id::REQUEST_RESPONSE_INFORMATION => P::RequestResponseInformation(v),
                id::MAXIMUM_QOS => P::MaximumQoS(v),
                id::RETAIN_AVAILABLE => P::RetainAvailable(v),
                id::WILDCARD_SUBSCRIPTION_AVAILABLE => P::WildcardSubscriptionAvailable(v),
                id::SUBSCRIPTION_IDENTIFIER_AVAILABLE => P::SubscriptionIdentifierAvailable(v),
                _ => P::SharedSubscriptionAvailable(v),
            };
            Ok((rest, p))
        }
        id::MESSAGE_EXPIRY_INTERVAL
        | id::SESSION_EXPIRY_INTERVAL
        | id::WILL_DELAY_INTERVAL
        | id::MAXIMUM_PACKET_SIZE => {
            let (rest, v) = u32_(i)?;
            let p = match pid {
                id::MESSAGE_EXPIRY_INTERVAL => P::MessageExpiryInterval(v),
                id::SESSION_EXPIRY_INTERVAL => P::SessionExpiryInterval(v),
                id::WILL_DELAY_INTERVAL => P::WillDelayInterval(v),
                // [v5 §3.1.2.11.4] It is a Protocol Error for the value to be 0.
                _ if v == 0 => return bad(pid),
                _ => P::MaximumPacketSize(v),
            };
            Ok((rest, p))
        }
        id::SERVER_KEEP_ALIVE | id::RECEIVE_MAXIMUM | id::TOPIC_ALIAS_MAXIMUM | id::TOPIC_ALIAS => {
            let (rest, v) = u16_(i)?;
            // Receive Maximum 0 and Topic Alias 0 are Protocol Errors (v5 §3.1.2.11.3, §3.3.2.3.4).
            if v == 0 && matches!(pid, id::RECEIVE_MAXIMUM | id::TOPIC_ALIAS) {
                return bad(pid);
            }
            let p = match pid {
                id::SERVER_KEEP_ALIVE => P::ServerKeepAlive(v),
                id::RECEIVE_MAXIMUM => P::ReceiveMaximum(v),
                id::TOPIC_ALIAS_MAXIMUM => P::TopicAliasMaximum(v),
                _ => P::TopicAlias(v),
            };
            Ok((rest, p))
        }
        id::CONTENT_TYPE
        | id::RESPONSE_TOPIC
        | id::ASSIGNED_CLIENT_IDENTIFIER
        | id::AUTHENTICATION_METHOD
        | id::RESPONSE_INFORMATION
        | id::SERVER_REFERENCE
        | id::REASON_STRING => {
            let (rest, s) = text::<CHECK>(i)?;
            // A Response Topic is a topic name: no wildcards [MQTT-3.3.2-14].
            if CHECK && pid == id::RESPONSE_TOPIC && crate::topic::validate_topic_name(s).is_err() {
                return bad(pid);
            }
            let p = match pid {
                id::CONTENT_TYPE => P::ContentType(s),
                id::RESPONSE_TOPIC => P::ResponseTopic(s),
                id::ASSIGNED_CLIENT_IDENTIFIER => P::AssignedClientIdentifier(s),
                id::AUTHENTICATION_METHOD => P::AuthenticationMethod(s),
                id::RESPONSE_INFORMATION => P::ResponseInformation(s),
                id::SERVER_REFERENCE => P::ServerReference(s),
                _ => P::ReasonString(s),
            };
            Ok((rest, p))
        }
        id::CORRELATION_DATA | id::AUTHENTICATION_DATA => {
            let (rest, b) = binary(i)?;
            let p = if pid == id::CORRELATION_DATA {
                P::CorrelationData(b)
            } else {
                P::AuthenticationData(b)
            };
            Ok((rest, p))
        }
        id::SUBSCRIPTION_IDENTIFIER => {
            let (rest, v) = vbi(i)?;
            // 0 is a Protocol Error (v5 §3.3.2.3.8).
            if v == 0 {
                return bad(pid);
            }
            Ok((rest, P::SubscriptionIdentifier(v)))
        }
        id::USER_PROPERTY => {
            let (rest, k) = text::<CHECK>(i)?;
            let (rest, v) = text::<CHECK>(rest)?;
            Ok((rest, P::UserProperty(k, v)))
        }
        // Callers pass defined identifiers only (`property_allowed` said so).
        _ => fail(DecodeError::UnknownProperty { id: pid }),
    }
}

/// Validates a property block (its Variable Byte Integer length included)
/// of `ctx`: every rule of v5 §2.2.2 and of the packet's section, in the
/// order the bytes come. `i` must lie in the packet.
pub(crate) fn validate_properties(i: &[u8], ctx: PropCtx) -> PResult<'_, PropertiesRef<'_>> {
    let (rest, len) = vbi(i)?;
    if len == 0 {
        return Ok((rest, PropertiesRef::EMPTY));
    }
    // `u32` to `usize` is lossless on every target with a 32-bit or wider `usize`.
    let Some((block, rest)) = rest.split_at_checked(len as usize) else {
        return fail(DecodeError::FieldCrossesPacketEnd);
    };
    // One bit per identifier seen: every defined identifier is below 0x80.
    let mut seen: u128 = 0;
    let mut at = block;
    while let Some((&pid, after)) = at.split_first() {
        // Identifiers are Variable Byte Integers, but every defined one is below 0x80.
        match property_allowed(pid, ctx) {
            None => return fail(DecodeError::UnknownProperty { id: pid }),
            Some(false) => {
                return fail(DecodeError::PropertyNotAllowed {
                    id: pid,
                    packet_type: ctx.packet_type(),
                    in_will: matches!(ctx, PropCtx::Will),
                })
            }
            Some(true) => {}
        }
        let (next, _) = read_property::<true>(after, pid)?;
        // User Properties may repeat, and so may Subscription Identifiers in
        // PUBLISH; SUBSCRIBE carries at most one (v5 §3.8.2.1.2).
        let repeats = pid == id::USER_PROPERTY
            || (pid == id::SUBSCRIPTION_IDENTIFIER && ctx == PropCtx::Publish);
        let bit = 1u128 << (pid & 0x7F);
        if !repeats && seen & bit != 0 {
            return fail(DecodeError::DuplicateProperty { id: pid });
        }
        seen |= bit;
        at = next;
    }
    Ok((rest, PropertiesRef { block }))
}
