//! The borrowed packet model: [`PacketRef`] and its parts, views of one
//! frame that [`decode_ref`](super::decode_ref) validated in full.
//!
//! Nothing here allocates or touches a reference count: strings are `&str`,
//! binary data and payloads `&[u8]`, and lists (filters, reason codes,
//! properties) validated byte regions read by infallible iterators. The
//! fields that hold such regions are private, so a value of these types can
//! only come from the decoder — the invariant the iterators rely on.

use super::props_ref::PropertiesRef;
use super::{
    Auth, ByteStr, ConnAck, Connect, Disconnect, Packet, PacketId, PacketType, ProtocolVersion,
    PubResponse, Publish, QoS, ReasonCode, RetainHandling, SubAck, Subscribe, SubscribeFilter,
    SubscriptionOptions, UnsubAck, Unsubscribe, Will,
};
use alloc::vec::Vec;
use bytes::Bytes;
use core::fmt;

/// Bytes the decoder validated as UTF-8, as `&str`.
#[inline(always)]
pub(crate) fn validated_str(b: &[u8]) -> &str {
    debug_assert!(core::str::from_utf8(b).is_ok());
    // SAFETY: only called on bytes inside a region the decoder validated as
    // UTF-8 strings (topics, filters, string properties), reached through a
    // type whose fields only the decoder can set.
    #[allow(unsafe_code)]
    unsafe {
        core::str::from_utf8_unchecked(b)
    }
}

/// A frame no field lies inside: an [`Owner`] of it copies every field.
static NO_FRAME: Bytes = Bytes::new();

/// Builds owned values from borrowed ones: zero-copy slices of `frame` when
/// they lie inside it, copies otherwise.
pub(crate) struct Owner<'f> {
    frame: &'f Bytes,
}

impl<'f> Owner<'f> {
    pub(crate) fn new(frame: &'f Bytes) -> Self {
        Owner { frame }
    }

    #[inline(always)]
    pub(crate) fn bytes(&self, sub: &[u8]) -> Bytes {
        let at = (sub.as_ptr() as usize).wrapping_sub(self.frame.as_ptr() as usize);
        if at <= self.frame.len() && sub.len() <= self.frame.len() - at {
            super::bytestr::share(self.frame, sub)
        } else {
            Bytes::copy_from_slice(sub)
        }
    }

    #[inline(always)]
    pub(crate) fn str(&self, s: &str) -> ByteStr {
        let at = (s.as_ptr() as usize).wrapping_sub(self.frame.as_ptr() as usize);
        if at <= self.frame.len() && s.len() <= self.frame.len() - at {
            ByteStr::slice_of(self.frame, s)
        } else {
            ByteStr::from(alloc::string::String::from(s))
        }
    }
}

/// Any MQTT control packet, borrowed from the frame it was decoded from.
///
/// Decoded by [`decode_ref`](super::decode_ref) or
/// [`decode_packet_ref`](super::decode_packet_ref) with exactly the rules of
/// the owned decoder; [`to_packet`](PacketRef::to_packet) gives the owned
/// [`Packet`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PacketRef<'a> {
    /// CONNECT (client to server).
    Connect(ConnectRef<'a>),
    /// CONNACK (server to client).
    ConnAck(ConnAckRef<'a>),
    /// PUBLISH (both directions).
    Publish(PublishRef<'a>),
    /// PUBACK: QoS 1 acknowledgement.
    PubAck(PubResponseRef<'a>),
    /// PUBREC: QoS 2, part 1.
    PubRec(PubResponseRef<'a>),
    /// PUBREL: QoS 2, part 2.
    PubRel(PubResponseRef<'a>),
    /// PUBCOMP: QoS 2, part 3.
    PubComp(PubResponseRef<'a>),
    /// SUBSCRIBE (client to server).
    Subscribe(SubscribeRef<'a>),
    /// SUBACK (server to client).
    SubAck(SubAckRef<'a>),
    /// UNSUBSCRIBE (client to server).
    Unsubscribe(UnsubscribeRef<'a>),
    /// UNSUBACK (server to client).
    UnsubAck(UnsubAckRef<'a>),
    /// PINGREQ.
    PingReq,
    /// PINGRESP.
    PingResp,
    /// DISCONNECT (both directions in MQTT 5).
    Disconnect(DisconnectRef<'a>),
    /// AUTH (MQTT 5 only).
    Auth(AuthRef<'a>),
}

/// CONNECT, borrowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectRef<'a> {
    /// Protocol version (name and level).
    pub protocol: ProtocolVersion,
    /// Clean Session (3.x) / Clean Start (5.0).
    pub clean_start: bool,
    /// Keep alive in seconds; 0 disables it.
    pub keep_alive: u16,
    /// Client identifier; may be empty.
    pub client_id: &'a str,
    /// The will message, if any.
    pub will: Option<WillRef<'a>>,
    /// User name.
    pub username: Option<&'a str>,
    /// Password (binary data).
    pub password: Option<&'a [u8]>,
    /// CONNECT properties (MQTT 5).
    pub properties: PropertiesRef<'a>,
}

/// The will of CONNECT, borrowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WillRef<'a> {
    /// Topic name the will is published to.
    pub topic: &'a str,
    /// Will payload.
    pub payload: &'a [u8],
    /// Will QoS.
    pub qos: QoS,
    /// Will retain flag.
    pub retain: bool,
    /// Will properties (MQTT 5).
    pub properties: PropertiesRef<'a>,
}

/// CONNACK, borrowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnAckRef<'a> {
    /// Session Present flag.
    pub session_present: bool,
    /// Return code (3.x, mapped to the v5 code of the same meaning) or reason code (5.0).
    pub code: ReasonCode,
    /// CONNACK properties (MQTT 5).
    pub properties: PropertiesRef<'a>,
}

/// PUBLISH, borrowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PublishRef<'a> {
    /// DUP flag.
    pub dup: bool,
    /// QoS.
    pub qos: QoS,
    /// RETAIN flag.
    pub retain: bool,
    /// Topic name; may be empty in MQTT 5 when a Topic Alias is set.
    pub topic: &'a str,
    /// Packet identifier; present exactly when QoS > 0.
    pub packet_id: Option<PacketId>,
    /// PUBLISH properties (MQTT 5).
    pub properties: PropertiesRef<'a>,
    /// Application payload.
    pub payload: &'a [u8],
}

/// PUBACK, PUBREC, PUBREL and PUBCOMP, borrowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PubResponseRef<'a> {
    /// Packet identifier of the publish being acknowledged.
    pub packet_id: PacketId,
    /// Reason code (always [`ReasonCode::Success`] before MQTT 5).
    pub reason: ReasonCode,
    /// Properties (MQTT 5).
    pub properties: PropertiesRef<'a>,
}

/// SUBSCRIBE, borrowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SubscribeRef<'a> {
    /// Packet identifier.
    pub packet_id: PacketId,
    /// Filters with their options; at least one.
    pub filters: SubscribeFilters<'a>,
    /// SUBSCRIBE properties (MQTT 5).
    pub properties: PropertiesRef<'a>,
}

/// SUBACK, borrowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SubAckRef<'a> {
    /// Packet identifier.
    pub packet_id: PacketId,
    /// One code per filter: granted QoS (0x00..0x02) or a failure (0x80+).
    pub codes: ReasonCodes<'a>,
    /// SUBACK properties (MQTT 5).
    pub properties: PropertiesRef<'a>,
}

/// UNSUBSCRIBE, borrowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnsubscribeRef<'a> {
    /// Packet identifier.
    pub packet_id: PacketId,
    /// Filters; at least one.
    pub filters: TopicFilters<'a>,
    /// UNSUBSCRIBE properties (MQTT 5).
    pub properties: PropertiesRef<'a>,
}

/// UNSUBACK, borrowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnsubAckRef<'a> {
    /// Packet identifier.
    pub packet_id: PacketId,
    /// One reason code per filter (MQTT 5); empty before MQTT 5.
    pub codes: ReasonCodes<'a>,
    /// UNSUBACK properties (MQTT 5).
    pub properties: PropertiesRef<'a>,
}

/// DISCONNECT, borrowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DisconnectRef<'a> {
    /// Reason code (MQTT 5); [`ReasonCode::Success`] before.
    pub reason: ReasonCode,
    /// DISCONNECT properties (MQTT 5).
    pub properties: PropertiesRef<'a>,
}

/// AUTH (MQTT 5), borrowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthRef<'a> {
    /// Reason code: Success, Continue authentication or Re-authenticate.
    pub reason: ReasonCode,
    /// AUTH properties.
    pub properties: PropertiesRef<'a>,
}

/// One topic filter of SUBSCRIBE with its options, borrowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SubscribeFilterRef<'a> {
    /// Topic filter.
    pub filter: &'a str,
    /// Subscription options.
    pub options: SubscriptionOptions,
}

/// The subscription options of an options byte whose reserved bits, QoS and
/// Retain Handling are valid; `None` otherwise (the caller reports which rule).
#[inline]
pub(crate) fn options_of(o: u8) -> Option<SubscriptionOptions> {
    let qos = QoS::from_u8(o & 0b11)?;
    let retain_handling = match (o >> 4) & 0b11 {
        0 => RetainHandling::SendAtSubscribe,
        1 => RetainHandling::SendIfNew,
        2 => RetainHandling::DoNotSend,
        _ => return None,
    };
    Some(SubscriptionOptions {
        qos,
        no_local: o & 0b100 != 0,
        retain_as_published: o & 0b1000 != 0,
        retain_handling,
    })
}

/// The filters of a SUBSCRIBE: a validated region of (filter, options)
/// entries, iterated in order.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct SubscribeFilters<'a> {
    /// Entries `len(u16) filter options(u8)`, validated by the decoder.
    pub(crate) bytes: &'a [u8],
    /// How many entries `bytes` holds.
    pub(crate) count: usize,
}

impl<'a> SubscribeFilters<'a> {
    /// How many filters there are.
    pub fn len(&self) -> usize {
        self.count
    }
    /// Whether there are none (never, for a decoded SUBSCRIBE).
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }
    /// The filters, in order.
    pub fn iter(&self) -> SubscribeFiltersIter<'a> {
        SubscribeFiltersIter {
            rest: self.bytes,
            left: self.count,
        }
    }
}

impl fmt::Debug for SubscribeFilters<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<'a> IntoIterator for SubscribeFilters<'a> {
    type Item = SubscribeFilterRef<'a>;
    type IntoIter = SubscribeFiltersIter<'a>;
    fn into_iter(self) -> SubscribeFiltersIter<'a> {
        self.iter()
    }
}

/// Iterator over [`SubscribeFilters`].
#[derive(Debug, Clone)]
pub struct SubscribeFiltersIter<'a> {
    rest: &'a [u8],
    left: usize,
}

impl<'a> Iterator for SubscribeFiltersIter<'a> {
    type Item = SubscribeFilterRef<'a>;
    #[inline]
    fn next(&mut self) -> Option<SubscribeFilterRef<'a>> {
        // The region was validated at decode: each step below succeeds.
        let (f, rest) = split_string(self.rest)?;
        let (&o, rest) = rest.split_first()?;
        let options = options_of(o)?;
        self.rest = rest;
        self.left = self.left.saturating_sub(1);
        Some(SubscribeFilterRef {
            filter: validated_str(f),
            options,
        })
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl ExactSizeIterator for SubscribeFiltersIter<'_> {}

/// A vector of exactly `n` values from `next`, allocated once.
///
/// The list types count their entries at decode, so the length is known:
/// extending from a range (an exact-size source the standard library trusts)
/// writes each value without a per-element capacity check, which the list
/// iterators themselves cannot promise. The callers' `unwrap_or` defaults
/// are never taken: a validated region holds exactly `count` entries.
#[inline(always)]
fn exact_vec<T>(n: usize, mut next: impl FnMut() -> T) -> Vec<T> {
    let mut v = Vec::with_capacity(n);
    v.extend((0..n).map(|_| next()));
    v
}

/// A length-prefixed field at the front of `b`, and what follows it.
#[inline]
fn split_string(b: &[u8]) -> Option<(&[u8], &[u8])> {
    let (len, rest) = b.split_first_chunk::<2>()?;
    rest.split_at_checked(usize::from(u16::from_be_bytes(*len)))
}

/// The topic filters of an UNSUBSCRIBE: a validated region of strings.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct TopicFilters<'a> {
    /// Length-prefixed filters, validated by the decoder.
    pub(crate) bytes: &'a [u8],
    /// How many filters `bytes` holds.
    pub(crate) count: usize,
}

impl<'a> TopicFilters<'a> {
    /// How many filters there are.
    pub fn len(&self) -> usize {
        self.count
    }
    /// Whether there are none (never, for a decoded UNSUBSCRIBE).
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }
    /// The filters, in order.
    pub fn iter(&self) -> TopicFiltersIter<'a> {
        TopicFiltersIter {
            rest: self.bytes,
            left: self.count,
        }
    }
}

impl fmt::Debug for TopicFilters<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<'a> IntoIterator for TopicFilters<'a> {
    type Item = &'a str;
    type IntoIter = TopicFiltersIter<'a>;
    fn into_iter(self) -> TopicFiltersIter<'a> {
        self.iter()
    }
}

/// Iterator over [`TopicFilters`].
#[derive(Debug, Clone)]
pub struct TopicFiltersIter<'a> {
    rest: &'a [u8],
    left: usize,
}

impl<'a> Iterator for TopicFiltersIter<'a> {
    type Item = &'a str;
    #[inline]
    fn next(&mut self) -> Option<&'a str> {
        let (f, rest) = split_string(self.rest)?;
        self.rest = rest;
        self.left = self.left.saturating_sub(1);
        Some(validated_str(f))
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl ExactSizeIterator for TopicFiltersIter<'_> {}

/// The reason codes of a SUBACK or UNSUBACK: validated bytes, one per code.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct ReasonCodes<'a> {
    /// One defined, allowed reason code per byte, checked by the decoder.
    pub(crate) bytes: &'a [u8],
}

impl<'a> ReasonCodes<'a> {
    /// How many codes there are.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }
    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }
    /// The codes' bytes as received.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.bytes
    }
    /// The codes, in order.
    pub fn iter(&self) -> ReasonCodesIter<'a> {
        ReasonCodesIter {
            bytes: self.bytes.iter(),
        }
    }
}

impl fmt::Debug for ReasonCodes<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<'a> IntoIterator for ReasonCodes<'a> {
    type Item = ReasonCode;
    type IntoIter = ReasonCodesIter<'a>;
    fn into_iter(self) -> ReasonCodesIter<'a> {
        self.iter()
    }
}

/// Iterator over [`ReasonCodes`].
#[derive(Debug, Clone)]
pub struct ReasonCodesIter<'a> {
    bytes: core::slice::Iter<'a, u8>,
}

impl Iterator for ReasonCodesIter<'_> {
    type Item = ReasonCode;
    #[inline]
    fn next(&mut self) -> Option<ReasonCode> {
        // Every byte is a defined code (checked at decode); a byte that were
        // not would only end the iteration.
        ReasonCode::from_u8(*self.bytes.next()?)
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.bytes.size_hint()
    }
}

impl ExactSizeIterator for ReasonCodesIter<'_> {}

impl<'a> PacketRef<'a> {
    /// The control packet type of this packet.
    pub const fn packet_type(&self) -> PacketType {
        match self {
            PacketRef::Connect(_) => PacketType::Connect,
            PacketRef::ConnAck(_) => PacketType::ConnAck,
            PacketRef::Publish(_) => PacketType::Publish,
            PacketRef::PubAck(_) => PacketType::PubAck,
            PacketRef::PubRec(_) => PacketType::PubRec,
            PacketRef::PubRel(_) => PacketType::PubRel,
            PacketRef::PubComp(_) => PacketType::PubComp,
            PacketRef::Subscribe(_) => PacketType::Subscribe,
            PacketRef::SubAck(_) => PacketType::SubAck,
            PacketRef::Unsubscribe(_) => PacketType::Unsubscribe,
            PacketRef::UnsubAck(_) => PacketType::UnsubAck,
            PacketRef::PingReq => PacketType::PingReq,
            PacketRef::PingResp => PacketType::PingResp,
            PacketRef::Disconnect(_) => PacketType::Disconnect,
            PacketRef::Auth(_) => PacketType::Auth,
        }
    }

    /// The owned [`Packet`], keeping nothing borrowed.
    ///
    /// Pass the [`Bytes`] the packet was decoded from: every string, binary
    /// field and payload then becomes a zero-copy slice of it (one reference
    /// count each). A field that does not lie inside `frame` is copied.
    ///
    /// ```
    /// use bytes::Bytes;
    /// use mqtt_sansio::codec::{decode_packet, decode_packet_ref, ProtocolVersion};
    /// let frame = Bytes::from_static(&[0x30, 0x07, 0x00, 0x03, b'a', b'/', b'b', b'h', b'i']);
    /// let v = ProtocolVersion::V3_1_1;
    /// let borrowed = decode_packet_ref(&frame, v).unwrap();
    /// assert_eq!(borrowed.to_packet(&frame), decode_packet(frame.clone(), v).unwrap());
    /// ```
    pub fn to_packet(self, frame: &Bytes) -> Packet {
        self.owned_with(&Owner::new(frame))
    }

    /// The owned [`Packet`], every field copied: for a frame that is not a
    /// [`Bytes`] (the client's receive buffer, decoded in place). The usual
    /// acknowledgement has no field to copy, so this allocates nothing.
    #[inline]
    pub(crate) fn owned_copy(&self) -> Packet {
        // The acknowledgements of the publish flows, inline: nothing to copy
        // unless they carry properties.
        let response = |r: &PubResponseRef<'_>| PubResponse {
            packet_id: r.packet_id,
            reason: r.reason,
            properties: r.properties.to_properties(&Owner::new(&NO_FRAME)),
        };
        match self {
            PacketRef::PubAck(r) => Packet::PubAck(response(r)),
            PacketRef::PubRec(r) => Packet::PubRec(response(r)),
            PacketRef::PubRel(r) => Packet::PubRel(response(r)),
            PacketRef::PubComp(r) => Packet::PubComp(response(r)),
            PacketRef::PingResp => Packet::PingResp,
            _ => self.owned_with(&Owner::new(&NO_FRAME)),
        }
    }

    /// The owned [`Packet`], each field a slice of `o`'s frame (or a copy).
    ///
    /// By reference: the decoder converts the `PacketRef` where its result
    /// left it instead of copying the (large) value into the call.
    pub(crate) fn owned_with(&self, o: &Owner<'_>) -> Packet {
        let response = |r: PubResponseRef<'_>| PubResponse {
            packet_id: r.packet_id,
            reason: r.reason,
            properties: r.properties.to_properties(o),
        };
        match *self {
            PacketRef::Connect(c) => Packet::Connect(alloc::boxed::Box::new(Connect {
                protocol: c.protocol,
                clean_start: c.clean_start,
                keep_alive: c.keep_alive,
                client_id: o.str(c.client_id),
                will: c.will.map(|w| Will {
                    topic: o.str(w.topic),
                    payload: o.bytes(w.payload),
                    qos: w.qos,
                    retain: w.retain,
                    properties: w.properties.to_properties(o),
                }),
                username: c.username.map(|u| o.str(u)),
                password: c.password.map(|p| o.bytes(p)),
                properties: c.properties.to_properties(o),
            })),
            PacketRef::ConnAck(c) => Packet::ConnAck(ConnAck {
                session_present: c.session_present,
                code: c.code,
                properties: c.properties.to_properties(o),
            }),
            PacketRef::Publish(p) => Packet::Publish(Publish {
                dup: p.dup,
                qos: p.qos,
                retain: p.retain,
                topic: o.str(p.topic),
                packet_id: p.packet_id,
                properties: p.properties.to_properties(o),
                payload: o.bytes(p.payload),
            }),
            PacketRef::PubAck(r) => Packet::PubAck(response(r)),
            PacketRef::PubRec(r) => Packet::PubRec(response(r)),
            PacketRef::PubRel(r) => Packet::PubRel(response(r)),
            PacketRef::PubComp(r) => Packet::PubComp(response(r)),
            PacketRef::Subscribe(s) => {
                let mut it = s.filters.iter();
                let filters = exact_vec(s.filters.len(), || {
                    let f = it.next().unwrap_or(SubscribeFilterRef {
                        filter: "",
                        options: SubscriptionOptions::new(QoS::AtMostOnce),
                    });
                    SubscribeFilter {
                        filter: o.str(f.filter),
                        options: f.options,
                    }
                });
                Packet::Subscribe(Subscribe {
                    packet_id: s.packet_id,
                    filters,
                    properties: s.properties.to_properties(o),
                })
            }
            PacketRef::SubAck(s) => Packet::SubAck(SubAck {
                packet_id: s.packet_id,
                codes: s.codes.iter().collect(),
                properties: s.properties.to_properties(o),
            }),
            PacketRef::Unsubscribe(u) => {
                let mut it = u.filters.iter();
                let filters = exact_vec(u.filters.len(), || o.str(it.next().unwrap_or("")));
                Packet::Unsubscribe(Unsubscribe {
                    packet_id: u.packet_id,
                    filters,
                    properties: u.properties.to_properties(o),
                })
            }
            PacketRef::UnsubAck(u) => Packet::UnsubAck(UnsubAck {
                packet_id: u.packet_id,
                codes: u.codes.iter().collect(),
                properties: u.properties.to_properties(o),
            }),
            PacketRef::PingReq => Packet::PingReq,
            PacketRef::PingResp => Packet::PingResp,
            PacketRef::Disconnect(d) => Packet::Disconnect(Disconnect {
                reason: d.reason,
                properties: d.properties.to_properties(o),
            }),
            PacketRef::Auth(a) => Packet::Auth(Auth {
                reason: a.reason,
                properties: a.properties.to_properties(o),
            }),
        }
    }
}
