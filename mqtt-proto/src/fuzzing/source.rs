//! [`Source`]: structured values (valid packets of every type and version) from fuzz bytes.

use crate::codec::{
    Auth, ByteStr, ConnAck, Connect, Disconnect, Packet, PacketId, Properties, PubResponse,
    Publish, ReasonCode, RetainHandling, SubAck, Subscribe, SubscribeFilter, SubscriptionOptions,
    UnsubAck, Unsubscribe, Will,
};
use crate::{ProtocolVersion, QoS};
use alloc::string::String;
use alloc::vec::Vec;
use bytes::Bytes;

/// The three protocol versions, indexed by the version selector byte.
const VERSIONS: [ProtocolVersion; 3] = [
    ProtocolVersion::V3_1,
    ProtocolVersion::V3_1_1,
    ProtocolVersion::V5,
];

/// A reader of structured values from fuzz bytes; every read is total.
#[derive(Debug, Clone)]
pub struct Source<'a> {
    data: &'a [u8],
}

impl<'a> Source<'a> {
    /// Reads from `data`.
    pub fn new(data: &'a [u8]) -> Self {
        Source { data }
    }

    /// Whether every byte has been read.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// One byte, or 0 when exhausted.
    pub fn u8(&mut self) -> u8 {
        match self.data.split_first() {
            Some((b, rest)) => {
                self.data = rest;
                *b
            }
            None => 0,
        }
    }

    /// A big-endian `u16`.
    pub fn u16(&mut self) -> u16 {
        u16::from_be_bytes([self.u8(), self.u8()])
    }

    /// A big-endian `u32`.
    pub fn u32(&mut self) -> u32 {
        u32::from_be_bytes([self.u8(), self.u8(), self.u8(), self.u8()])
    }

    /// A flag.
    pub fn bool(&mut self) -> bool {
        self.u8() & 1 == 1
    }

    /// A value in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        let raw = if n <= 256 {
            self.u8() as usize
        } else {
            self.u32() as usize
        };
        raw % n
    }

    /// Up to `n` raw bytes (fewer when the input runs out).
    pub fn bytes(&mut self, n: usize) -> &'a [u8] {
        let n = n.min(self.data.len());
        let (head, rest) = self.data.split_at(n);
        self.data = rest;
        head
    }

    /// A protocol version.
    pub fn version(&mut self) -> ProtocolVersion {
        VERSIONS[self.below(VERSIONS.len())]
    }

    pub(crate) fn qos(&mut self) -> QoS {
        match self.below(3) {
            0 => QoS::AtMostOnce,
            1 => QoS::AtLeastOnce,
            _ => QoS::ExactlyOnce,
        }
    }

    pub(crate) fn packet_id(&mut self) -> PacketId {
        PacketId::new(self.u16()).unwrap_or(PacketId::MIN)
    }

    /// A character valid in an MQTT string (any scalar value but U+0000),
    /// mostly printable ASCII. `avoid` lists ASCII characters not to produce.
    pub(crate) fn char(&mut self, avoid: &[u8]) -> char {
        let c = if self.below(4) == 0 {
            char::from_u32(self.u32() % 0x11_0000).unwrap_or('\u{FFFD}')
        } else {
            (b' ' + self.below(95) as u8) as char
        };
        if c == '\0' || (c.is_ascii() && avoid.contains(&(c as u8))) {
            '_'
        } else {
            c
        }
    }

    pub(crate) fn text(&mut self, max_chars: usize, avoid: &[u8]) -> String {
        let n = self.below(max_chars + 1);
        let mut s = String::with_capacity(n);
        for _ in 0..n {
            s.push(self.char(avoid));
        }
        s
    }

    /// A UTF-8 string without U+0000.
    pub(crate) fn string(&mut self) -> ByteStr {
        ByteStr::from(self.text(24, &[]))
    }

    pub(crate) fn binary(&mut self) -> Bytes {
        let n = self.below(32);
        Bytes::copy_from_slice(self.bytes(n))
    }

    /// A valid, non-empty topic name (no wildcards).
    pub(crate) fn topic_name(&mut self) -> ByteStr {
        let levels = 1 + self.below(4);
        let mut t = String::new();
        for i in 0..levels {
            if i > 0 {
                t.push('/');
            }
            t.push_str(&self.text(8, b"/+#"));
        }
        if t.is_empty() {
            t.push('t');
        }
        ByteStr::from(t)
    }

    /// A valid topic filter; in MQTT 5 possibly a shared subscription.
    pub(crate) fn topic_filter(&mut self, v5: bool) -> ByteStr {
        let levels = 1 + self.below(4);
        let mut f = String::new();
        for i in 0..levels {
            if i > 0 {
                f.push('/');
            }
            match self.below(6) {
                0 => f.push('+'),
                1 if i + 1 == levels => f.push('#'),
                _ => f.push_str(&self.text(8, b"/+#")),
            }
        }
        if f.is_empty() || f == "$share" || f.starts_with("$share/") {
            f.insert(0, 'f');
        }
        if v5 && self.below(8) == 0 {
            let mut group = self.text(6, b"/+#");
            if group.is_empty() {
                group.push('g');
            }
            f = alloc::format!("$share/{group}/{f}");
        }
        ByteStr::from(f)
    }

    pub(crate) fn user_properties(&mut self, p: &mut Properties) {
        for _ in 0..self.below(3) {
            let k = self.string();
            let val = self.string();
            p.user_properties.push((k, val));
        }
    }

    fn opt_u32(&mut self) -> Option<u32> {
        self.bool().then(|| self.u32())
    }

    fn opt_nonzero_u16(&mut self) -> Option<u16> {
        self.bool().then(|| self.u16().max(1))
    }

    pub(crate) fn opt_flag(&mut self) -> Option<u8> {
        self.bool().then(|| self.u8() & 1)
    }

    pub(crate) fn opt_string(&mut self) -> Option<ByteStr> {
        self.bool().then(|| self.string())
    }

    pub(crate) fn opt_binary(&mut self) -> Option<Bytes> {
        self.bool().then(|| self.binary())
    }

    pub(crate) fn subscription_identifier(&mut self) -> u32 {
        1 + self.u32() % 268_435_455
    }

    /// The message properties of PUBLISH and of the will (v5 Table 2-4).
    pub(crate) fn message_properties(&mut self, p: &mut Properties) {
        p.payload_format_indicator = self.opt_flag();
        p.message_expiry_interval = self.opt_u32();
        p.content_type = self.opt_string();
        p.response_topic = self.bool().then(|| self.topic_name());
        p.correlation_data = self.opt_binary();
        self.user_properties(p);
    }

    pub(crate) fn reason_properties(&mut self, v5: bool) -> Properties {
        let mut p = Properties::default();
        if v5 {
            p.reason_string = self.opt_string();
            self.user_properties(&mut p);
        }
        p
    }

    pub(crate) fn pick_reason(&mut self, allowed: &[u8]) -> ReasonCode {
        let b = allowed[self.below(allowed.len())];
        ReasonCode::from_u8(b).expect("tables below list defined reason codes only")
    }

    /// A valid packet of any type for `v`.
    pub fn packet(&mut self, v: ProtocolVersion) -> Packet {
        let v5 = v.is_v5();
        let kinds = if v5 { 15 } else { 14 };
        match self.below(kinds) {
            0 => Packet::Connect(self.connect(v).into()),
            1 => Packet::ConnAck(self.connack(v)),
            2 => Packet::Publish(self.publish(v5)),
            3 => Packet::PubAck(self.pub_response(v5, PUBACK_PUBREC_CODES)),
            4 => Packet::PubRec(self.pub_response(v5, PUBACK_PUBREC_CODES)),
            5 => Packet::PubRel(self.pub_response(v5, PUBREL_PUBCOMP_CODES)),
            6 => Packet::PubComp(self.pub_response(v5, PUBREL_PUBCOMP_CODES)),
            7 => Packet::Subscribe(self.subscribe(v5)),
            8 => Packet::SubAck(self.suback(v)),
            9 => Packet::Unsubscribe(self.unsubscribe(v5)),
            10 => Packet::UnsubAck(self.unsuback(v5)),
            11 => Packet::PingReq,
            12 => Packet::PingResp,
            13 => Packet::Disconnect(self.disconnect(v5)),
            _ => Packet::Auth(self.auth()),
        }
    }

    pub(crate) fn connect(&mut self, v: ProtocolVersion) -> Connect {
        let v5 = v.is_v5();
        let client_id = if v == ProtocolVersion::V3_1 {
            // MQTT 3.1: 1 to 23 characters.
            let n = 1 + self.below(23);
            let id: String = (0..n)
                .map(|_| (b'0' + self.below(75) as u8) as char)
                .collect();
            ByteStr::from(id)
        } else {
            self.string()
        };
        // [MQTT-3.1.3-7]: an empty client id needs a clean session (3.1.1).
        let clean_start = self.bool() || client_id.is_empty();
        let will = self.bool().then(|| {
            let mut properties = Properties::default();
            if v5 {
                self.message_properties(&mut properties);
                properties.will_delay_interval = self.opt_u32();
            }
            Will {
                topic: self.topic_name(),
                payload: self.binary(),
                qos: self.qos(),
                retain: self.bool(),
                properties,
            }
        });
        let username = self.opt_string();
        // [MQTT-3.1.2-22]: before MQTT 5 a password needs a user name.
        let password = if v5 || username.is_some() {
            self.opt_binary()
        } else {
            None
        };
        let mut properties = Properties::default();
        if v5 {
            properties.session_expiry_interval = self.opt_u32();
            properties.receive_maximum = self.opt_nonzero_u16();
            properties.maximum_packet_size = self.bool().then(|| self.u32().max(1));
            properties.topic_alias_maximum = self.bool().then(|| self.u16());
            properties.request_response_information = self.opt_flag();
            properties.request_problem_information = self.opt_flag();
            properties.authentication_method = self.opt_string();
            if properties.authentication_method.is_some() {
                properties.authentication_data = self.opt_binary();
            }
            self.user_properties(&mut properties);
        }
        Connect {
            protocol: v,
            clean_start,
            keep_alive: self.u16(),
            client_id,
            will,
            username,
            password,
            properties,
        }
    }

    pub(crate) fn connack(&mut self, v: ProtocolVersion) -> ConnAck {
        let code = if v.is_v5() {
            self.pick_reason(CONNACK_CODES)
        } else {
            self.pick_reason(CONNACK_V3_CODES)
        };
        // [MQTT-3.2.2-4]: no session on a refusal; 3.1 has no Session Present flag.
        let session_present =
            code == ReasonCode::Success && v != ProtocolVersion::V3_1 && self.bool();
        let mut properties = Properties::default();
        if v.is_v5() {
            let p = &mut properties;
            p.session_expiry_interval = self.opt_u32();
            p.receive_maximum = self.opt_nonzero_u16();
            p.maximum_qos = self.opt_flag();
            p.retain_available = self.opt_flag();
            p.maximum_packet_size = self.bool().then(|| self.u32().max(1));
            p.assigned_client_identifier = self.opt_string();
            p.topic_alias_maximum = self.bool().then(|| self.u16());
            p.reason_string = self.opt_string();
            p.wildcard_subscription_available = self.opt_flag();
            p.subscription_identifier_available = self.opt_flag();
            p.shared_subscription_available = self.opt_flag();
            p.server_keep_alive = self.bool().then(|| self.u16());
            p.response_information = self.opt_string();
            p.server_reference = self.opt_string();
            p.authentication_method = self.opt_string();
            if p.authentication_method.is_some() {
                p.authentication_data = self.opt_binary();
            }
            self.user_properties(p);
        }
        ConnAck {
            session_present,
            code,
            properties,
        }
    }

    pub(crate) fn publish(&mut self, v5: bool) -> Publish {
        let qos = self.qos();
        let mut properties = Properties::default();
        let mut topic = self.topic_name();
        if v5 {
            self.message_properties(&mut properties);
            properties.topic_alias = self.opt_nonzero_u16();
            for _ in 0..self.below(3) {
                let id = self.subscription_identifier();
                properties.subscription_identifiers.push(id);
            }
            if properties.topic_alias.is_some() && self.bool() {
                topic = ByteStr::new();
            }
        }
        let n = self.below(64);
        Publish {
            dup: qos != QoS::AtMostOnce && self.bool(),
            qos,
            retain: self.bool(),
            topic,
            packet_id: (qos != QoS::AtMostOnce).then(|| self.packet_id()),
            properties,
            payload: Bytes::copy_from_slice(self.bytes(n)),
        }
    }

    pub(crate) fn pub_response(&mut self, v5: bool, codes: &[u8]) -> PubResponse {
        PubResponse {
            packet_id: self.packet_id(),
            reason: if v5 {
                self.pick_reason(codes)
            } else {
                ReasonCode::Success
            },
            properties: self.reason_properties(v5),
        }
    }

    pub(crate) fn subscribe(&mut self, v5: bool) -> Subscribe {
        let n = 1 + self.below(4);
        let mut filters = Vec::with_capacity(n);
        for _ in 0..n {
            let filter = self.topic_filter(v5);
            let mut options = SubscriptionOptions::new(self.qos());
            if v5 {
                // [MQTT-3.8.3-4]: No Local is a protocol error on a shared subscription.
                options.no_local = !filter.starts_with("$share/") && self.bool();
                options.retain_as_published = self.bool();
                options.retain_handling = match self.below(3) {
                    0 => RetainHandling::SendAtSubscribe,
                    1 => RetainHandling::SendIfNew,
                    _ => RetainHandling::DoNotSend,
                };
            }
            filters.push(SubscribeFilter { filter, options });
        }
        let mut properties = Properties::default();
        if v5 {
            if self.bool() {
                let id = self.subscription_identifier();
                properties.subscription_identifiers.push(id);
            }
            self.user_properties(&mut properties);
        }
        Subscribe {
            packet_id: self.packet_id(),
            filters,
            properties,
        }
    }

    pub(crate) fn suback(&mut self, v: ProtocolVersion) -> SubAck {
        let table = match v {
            ProtocolVersion::V5 => SUBACK_CODES,
            ProtocolVersion::V3_1_1 => SUBACK_V3_1_1_CODES,
            ProtocolVersion::V3_1 => SUBACK_V3_1_CODES,
        };
        let n = 1 + self.below(4);
        let codes = (0..n).map(|_| self.pick_reason(table)).collect();
        SubAck {
            packet_id: self.packet_id(),
            codes,
            properties: self.reason_properties(v.is_v5()),
        }
    }

    pub(crate) fn unsubscribe(&mut self, v5: bool) -> Unsubscribe {
        let n = 1 + self.below(4);
        let filters = (0..n).map(|_| self.topic_filter(v5)).collect();
        let mut properties = Properties::default();
        if v5 {
            self.user_properties(&mut properties);
        }
        Unsubscribe {
            packet_id: self.packet_id(),
            filters,
            properties,
        }
    }

    pub(crate) fn unsuback(&mut self, v5: bool) -> UnsubAck {
        let codes = if v5 {
            let n = 1 + self.below(4);
            (0..n).map(|_| self.pick_reason(UNSUBACK_CODES)).collect()
        } else {
            Vec::new()
        };
        UnsubAck {
            packet_id: self.packet_id(),
            codes,
            properties: self.reason_properties(v5),
        }
    }

    pub(crate) fn disconnect(&mut self, v5: bool) -> Disconnect {
        if !v5 {
            return Disconnect {
                reason: ReasonCode::Success,
                properties: Properties::default(),
            };
        }
        let mut properties = self.reason_properties(true);
        properties.session_expiry_interval = self.opt_u32();
        properties.server_reference = self.opt_string();
        Disconnect {
            reason: self.pick_reason(DISCONNECT_CODES),
            properties,
        }
    }

    pub(crate) fn auth(&mut self) -> Auth {
        let mut properties = self.reason_properties(true);
        properties.authentication_method = self.opt_string();
        if properties.authentication_method.is_some() {
            properties.authentication_data = self.opt_binary();
        }
        Auth {
            reason: self.pick_reason(AUTH_CODES),
            properties,
        }
    }
}

// MQTT 5 Table 2-6 (reason codes per packet), and the MQTT 3.x return codes
// mapped onto the MQTT 5 codes of the same meaning.
pub(crate) const CONNACK_CODES: &[u8] = &[
    0x00, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8A, 0x8C, 0x90, 0x95, 0x97,
    0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9F,
];
pub(crate) const CONNACK_V3_CODES: &[u8] = &[0x00, 0x84, 0x85, 0x88, 0x86, 0x87];
pub(crate) const PUBACK_PUBREC_CODES: &[u8] =
    &[0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99];
pub(crate) const PUBREL_PUBCOMP_CODES: &[u8] = &[0x00, 0x92];
pub(crate) const SUBACK_CODES: &[u8] = &[
    0x00, 0x01, 0x02, 0x80, 0x83, 0x87, 0x8F, 0x91, 0x97, 0x9E, 0xA1, 0xA2,
];
pub(crate) const SUBACK_V3_1_1_CODES: &[u8] = &[0x00, 0x01, 0x02, 0x80];
pub(crate) const SUBACK_V3_1_CODES: &[u8] = &[0x00, 0x01, 0x02];
pub(crate) const UNSUBACK_CODES: &[u8] = &[0x00, 0x11, 0x80, 0x83, 0x87, 0x8F, 0x91];
pub(crate) const DISCONNECT_CODES: &[u8] = &[
    0x00, 0x04, 0x80, 0x81, 0x82, 0x83, 0x87, 0x89, 0x8B, 0x8D, 0x8E, 0x8F, 0x90, 0x93, 0x94, 0x95,
    0x96, 0x97, 0x98, 0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9E, 0x9F, 0xA0, 0xA1, 0xA2,
];
pub(crate) const AUTH_CODES: &[u8] = &[0x00, 0x18, 0x19];
