//! proptest strategies for every MQTT packet of every protocol version, valid
//! by construction (every value obeys the rules the codec enforces).
//!
//! Shared by the codec property tests, the client tests and the fuzz helpers:
//! include with `#[path = "support/strategies.rs"] mod strategies;` (adjust the
//! path). Needs the `proptest` and `bytes` crates.
#![allow(dead_code)]

use bytes::Bytes;
use mqtt_sansio::codec::{
    Auth, ByteStr, ConnAck, Connect, Disconnect, Packet, Properties, ProtocolVersion, PubResponse,
    Publish, QoS, ReasonCode, RetainHandling, SubAck, Subscribe, SubscribeFilter,
    SubscriptionOptions, UnsubAck, Unsubscribe, Will,
};
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use std::num::NonZeroU16;

/// Where a property set sits (MQTT 5 Table 2-4 columns).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ctx {
    Connect,
    Will,
    ConnAck,
    Publish,
    PubAck,
    PubRec,
    PubRel,
    PubComp,
    Subscribe,
    SubAck,
    Unsubscribe,
    UnsubAck,
    Disconnect,
    Auth,
}

pub fn version() -> impl Strategy<Value = ProtocolVersion> {
    prop_oneof![
        Just(ProtocolVersion::V3_1),
        Just(ProtocolVersion::V3_1_1),
        Just(ProtocolVersion::V5),
    ]
}

pub fn qos() -> impl Strategy<Value = QoS> {
    prop_oneof![
        Just(QoS::AtMostOnce),
        Just(QoS::AtLeastOnce),
        Just(QoS::ExactlyOnce)
    ]
}

pub fn packet_id() -> impl Strategy<Value = NonZeroU16> {
    (1u16..=u16::MAX).prop_map(|v| NonZeroU16::new(v).expect("range starts at 1"))
}

/// The longest UTF-8 string or binary field: a Two Byte Integer length.
pub const MAX_FIELD: usize = 65_535;

/// A field length in bytes: mostly short, sometimes anywhere up to the
/// 65,535-byte limit, sometimes at the limit or just under it.
fn long_len() -> impl Strategy<Value = usize> {
    prop_oneof![
        3 => 13usize..=MAX_FIELD,
        1 => (MAX_FIELD - 8)..=MAX_FIELD,
        1 => Just(MAX_FIELD),
    ]
}

/// `len` bytes of UTF-8 without U+0000, mixing one- to four-byte
/// characters (chosen by `seed`), padded with ASCII to exactly `len`.
/// `avoid` lists characters to leave out (wildcards in topic names).
/// Built by repeating a block of 64 characters: cheap at 64 KiB.
pub fn utf8_of_len(len: usize, seed: u64, avoid: &[char]) -> String {
    const CHARS: [char; 9] = ['a', 'Z', '7', '/', ' ', 'é', 'Ω', '€', '😀'];
    let mut x = seed | 1;
    let mut block = String::new();
    while block.chars().count() < 64 {
        // xorshift: cheap, and shrinks with `seed`.
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let c = CHARS[(x % CHARS.len() as u64) as usize];
        if !avoid.contains(&c) {
            block.push(c);
        }
    }
    let mut s = String::with_capacity(len);
    while s.len() + block.len() <= len {
        s.push_str(&block);
    }
    for c in block.chars() {
        if s.len() + c.len_utf8() > len {
            break;
        }
        s.push(c);
    }
    while s.len() < len {
        s.push('x');
    }
    s
}

/// `len` arbitrary-looking bytes from `seed`, built with block copies (a
/// megabyte payload must not cost a megabyte of proptest value trees).
pub fn bytes_of_len(len: usize, seed: u64) -> Bytes {
    let mut x = seed | 1;
    let block: Vec<u8> = (0..4096)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    let mut out = Vec::with_capacity(len);
    while out.len() < len {
        let n = (len - out.len()).min(block.len());
        out.extend_from_slice(&block[..n]);
    }
    Bytes::from(out)
}

/// A UTF-8 string without U+0000 (any other code point allowed), from
/// empty up to the 65,535-byte limit.
pub fn mqtt_string() -> impl Strategy<Value = ByteStr> {
    prop_oneof![
        10 => "[^\u{0}]{0,12}".prop_map(ByteStr::from),
        1 => (long_len(), any::<u64>()).prop_map(|(n, seed)| ByteStr::from(utf8_of_len(n, seed, &[]))),
    ]
}

/// Binary data, from empty up to the 65,535-byte limit.
pub fn binary() -> impl Strategy<Value = Bytes> {
    prop_oneof![
        10 => vec(any::<u8>(), 0..24).prop_map(Bytes::from),
        1 => (long_len(), any::<u64>()).prop_map(|(n, seed)| bytes_of_len(n, seed)),
    ]
}

/// A PUBLISH payload. Its size decides the Remaining Length's width, so
/// sizes are drawn around every width boundary (127/128, 16,383/16,384,
/// 2,097,151/2,097,152) and across each width, not only small ones.
pub fn payload() -> impl Strategy<Value = Bytes> {
    prop_oneof![
        24 => vec(any::<u8>(), 0..64).prop_map(Bytes::from),
        2 => (64usize..=400, any::<u64>()).prop_map(|(n, s)| bytes_of_len(n, s)),
        2 => (400usize..16_000, any::<u64>()).prop_map(|(n, s)| bytes_of_len(n, s)),
        2 => (16_000usize..=16_600, any::<u64>()).prop_map(|(n, s)| bytes_of_len(n, s)),
        // Three-byte lengths go up to 2 MiB; their code paths do not
        // change with the size, so the middle of the range is sampled thin.
        1 => (16_600usize..=300_000, any::<u64>()).prop_map(|(n, s)| bytes_of_len(n, s)),
        1 => (2_096_800usize..=2_097_400, any::<u64>()).prop_map(|(n, s)| bytes_of_len(n, s)),
    ]
}

fn level() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[a-z0-9_-]{0,6}",
        1 => "[^\u{0}+#/]{0,4}",
    ]
}

/// A valid topic name: non-empty, no wildcards, no U+0000, up to the
/// 65,535-byte limit.
pub fn topic_name() -> impl Strategy<Value = ByteStr> {
    let short =
        (vec(level(), 1..5), prop_oneof![Just(""), Just("$")]).prop_map(|(levels, prefix)| {
            let mut t = String::from(prefix);
            t.push_str(&levels.join("/"));
            if t.is_empty() {
                t.push('t');
            }
            ByteStr::from(t)
        });
    let long = (long_len(), any::<u64>())
        .prop_map(|(n, seed)| ByteStr::from(utf8_of_len(n, seed, &['+', '#'])));
    prop_oneof![12 => short, 1 => long]
}

/// A valid topic filter, possibly with wildcards.
pub fn plain_filter() -> impl Strategy<Value = String> {
    (
        vec(prop_oneof![3 => level(), 1 => Just("+".to_string())], 1..5),
        any::<bool>(),
    )
        .prop_map(|(levels, hash)| {
            let mut f = levels.join("/");
            if hash {
                if f.is_empty() {
                    f.push('#');
                } else {
                    f.push_str("/#");
                }
            }
            if f.is_empty() {
                f.push('+');
            }
            f
        })
}

/// A valid topic filter, shared (`$share/{group}/{filter}`) about one time in five.
pub fn topic_filter() -> impl Strategy<Value = ByteStr> {
    (plain_filter(), option::weighted(0.2, "[a-z0-9]{1,6}")).prop_map(|(f, group)| match group {
        Some(g) => ByteStr::from(format!("$share/{g}/{f}")),
        None => ByteStr::from(f),
    })
}

fn flag() -> impl Strategy<Value = Option<u8>> {
    option::of(0u8..=1)
}

fn user_properties() -> impl Strategy<Value = Vec<(ByteStr, ByteStr)>> {
    vec((mqtt_string(), mqtt_string()), 0..3)
}

/// Properties valid in `ctx`: every property that context may carry, each
/// present or not, with legal values.
pub fn properties(ctx: Ctx) -> BoxedStrategy<Properties> {
    use Ctx::*;
    let msg = matches!(ctx, Publish | Will);
    let connect = ctx == Connect;
    let connack = ctx == ConnAck;
    let reason_string = matches!(
        ctx,
        ConnAck | PubAck | PubRec | PubRel | PubComp | SubAck | UnsubAck | Disconnect | Auth
    );
    let sub_ids = match ctx {
        Publish => 0..4usize,
        Subscribe => 0..2usize,
        _ => 0..1usize,
    };
    let session_expiry = matches!(ctx, Connect | ConnAck | Disconnect);
    let auth = matches!(ctx, Connect | ConnAck | Auth);
    let server_ref = matches!(ctx, ConnAck | Disconnect);
    let limits = matches!(ctx, Connect | ConnAck);
    let alias = ctx == Publish;
    let will = ctx == Will;

    let message = (
        flag(),
        option::of(any::<u32>()),
        option::of(mqtt_string()),
        option::of(topic_name()),
        option::of(binary()),
        vec(1u32..=268_435_455, sub_ids),
    );
    let session = (
        option::of(any::<u32>()),
        option::of(mqtt_string()),
        option::of(any::<u16>()),
        option::of(mqtt_string()),
        option::of(binary()),
        flag(),
        option::of(any::<u32>()),
        flag(),
        option::of(mqtt_string()),
        option::of(mqtt_string()),
        option::of(mqtt_string()),
    );
    let caps = (
        option::of(1u16..),
        option::of(any::<u16>()),
        option::of(1u16..),
        flag(),
        flag(),
        user_properties(),
        option::of(1u32..),
        flag(),
        flag(),
        flag(),
    );
    (message, session, caps)
        .prop_map(move |(m, s, c)| {
            let mut p = Properties::default();
            if msg {
                p.payload_format_indicator = m.0;
                p.message_expiry_interval = m.1;
                p.content_type = m.2;
                p.response_topic = m.3;
                p.correlation_data = m.4;
            }
            if matches!(ctx, Publish | Subscribe) {
                p.subscription_identifiers = m.5;
            }
            if session_expiry {
                p.session_expiry_interval = s.0;
            }
            if connack {
                p.assigned_client_identifier = s.1;
                p.server_keep_alive = s.2;
                p.response_information = s.8;
                p.maximum_qos = c.3;
                p.retain_available = c.4;
                p.wildcard_subscription_available = c.7;
                p.subscription_identifier_available = c.8;
                p.shared_subscription_available = c.9;
            }
            if auth {
                p.authentication_method = s.3;
                p.authentication_data = s.4;
            }
            if connect {
                p.request_problem_information = s.5;
                p.request_response_information = s.7;
            }
            if will {
                p.will_delay_interval = s.6;
            }
            if server_ref {
                p.server_reference = s.9;
            }
            if reason_string {
                p.reason_string = s.10;
            }
            if limits {
                p.receive_maximum = c.0;
                p.topic_alias_maximum = c.1;
                p.maximum_packet_size = c.6;
            }
            if alias {
                p.topic_alias = c.2;
            }
            p.user_properties = c.5;
            p
        })
        .boxed()
}

/// Properties for `ctx` when `version` has them, else empty.
pub fn props_for(version: ProtocolVersion, ctx: Ctx) -> BoxedStrategy<Properties> {
    if version.is_v5() {
        properties(ctx)
    } else {
        Just(Properties::default()).boxed()
    }
}

fn codes(list: &'static [u8]) -> impl Strategy<Value = ReasonCode> {
    proptest::sample::select(list)
        .prop_map(|b| ReasonCode::from_u8(b).expect("listed codes are defined"))
}

/// MQTT 5 reason codes per packet type (v5 §2.4 Table 2-6).
pub const CONNACK_V5: &[u8] = &[
    0x00, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8A, 0x8C, 0x90, 0x95, 0x97,
    0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9F,
];
pub const PUBACK_V5: &[u8] = &[0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99];
pub const PUBREL_V5: &[u8] = &[0x00, 0x92];
pub const SUBACK_V5: &[u8] = &[
    0x00, 0x01, 0x02, 0x80, 0x83, 0x87, 0x8F, 0x91, 0x97, 0x9E, 0xA1, 0xA2,
];
pub const UNSUBACK_V5: &[u8] = &[0x00, 0x11, 0x80, 0x83, 0x87, 0x8F, 0x91];
pub const DISCONNECT_V5: &[u8] = &[
    0x00, 0x04, 0x80, 0x81, 0x82, 0x83, 0x87, 0x89, 0x8B, 0x8C, 0x8D, 0x8E, 0x8F, 0x90, 0x93, 0x94,
    0x95, 0x96, 0x97, 0x98, 0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9E, 0x9F, 0xA0, 0xA1, 0xA2,
];
pub const AUTH_V5: &[u8] = &[0x00, 0x18, 0x19];
/// MQTT 3.x CONNACK return codes 0..5 as their MQTT 5 equivalents.
pub const CONNACK_V3: &[u8] = &[0x00, 0x84, 0x85, 0x88, 0x86, 0x87];
/// MQTT 3.x SUBACK return codes.
pub const SUBACK_V3: &[u8] = &[0x00, 0x01, 0x02, 0x80];

pub fn will(version: ProtocolVersion) -> impl Strategy<Value = Will> {
    (
        topic_name(),
        binary(),
        qos(),
        any::<bool>(),
        props_for(version, Ctx::Will),
    )
        .prop_map(|(topic, payload, qos, retain, properties)| Will {
            topic,
            payload,
            qos,
            retain,
            properties,
        })
}

pub fn connect(version: ProtocolVersion) -> impl Strategy<Value = Connect> {
    (
        any::<bool>(),
        any::<u16>(),
        mqtt_string(),
        option::of(will(version)),
        option::of(mqtt_string()),
        option::of(binary()),
        props_for(version, Ctx::Connect),
    )
        .prop_map(
            move |(clean_start, keep_alive, client_id, will, username, password, properties)| {
                // Before MQTT 5 a password needs a user name [MQTT-3.1.2-22].
                let password = if version.is_v5() || username.is_some() {
                    password
                } else {
                    None
                };
                Connect {
                    protocol: version,
                    clean_start,
                    keep_alive,
                    client_id,
                    will,
                    username,
                    password,
                    properties,
                }
            },
        )
}

pub fn connack(version: ProtocolVersion) -> impl Strategy<Value = ConnAck> {
    let list = if version.is_v5() {
        CONNACK_V5
    } else {
        CONNACK_V3
    };
    (any::<bool>(), codes(list), props_for(version, Ctx::ConnAck)).prop_map(
        |(sp, code, properties)| ConnAck {
            // Session Present only with success [MQTT-3.2.2-4].
            session_present: sp && code == ReasonCode::Success,
            code,
            properties,
        },
    )
}

pub fn publish(version: ProtocolVersion) -> impl Strategy<Value = Publish> {
    (
        qos(),
        any::<bool>(),
        any::<bool>(),
        topic_name(),
        any::<bool>(),
        packet_id(),
        props_for(version, Ctx::Publish),
        payload(),
    )
        .prop_map(
            move |(qos, dup, retain, topic, empty_topic, id, properties, payload)| {
                let qos0 = qos == QoS::AtMostOnce;
                // MQTT 5 allows an empty topic when a Topic Alias stands in for it.
                let topic = if empty_topic && properties.topic_alias.is_some() {
                    ByteStr::new()
                } else {
                    topic
                };
                Publish {
                    dup: dup && !qos0,
                    qos,
                    retain,
                    topic,
                    packet_id: if qos0 { None } else { Some(id) },
                    properties,
                    payload,
                }
            },
        )
}

pub fn pub_response(version: ProtocolVersion, ctx: Ctx) -> impl Strategy<Value = PubResponse> {
    let list = match ctx {
        Ctx::PubRel | Ctx::PubComp => PUBREL_V5,
        _ => PUBACK_V5,
    };
    let reason = if version.is_v5() {
        codes(list).boxed()
    } else {
        Just(ReasonCode::Success).boxed()
    };
    (packet_id(), reason, props_for(version, ctx)).prop_map(|(packet_id, reason, properties)| {
        PubResponse {
            packet_id,
            reason,
            properties,
        }
    })
}

pub fn subscription_options(version: ProtocolVersion) -> BoxedStrategy<SubscriptionOptions> {
    if !version.is_v5() {
        return qos().prop_map(SubscriptionOptions::new).boxed();
    }
    (
        qos(),
        any::<bool>(),
        any::<bool>(),
        prop_oneof![
            Just(RetainHandling::SendAtSubscribe),
            Just(RetainHandling::SendIfNew),
            Just(RetainHandling::DoNotSend)
        ],
    )
        .prop_map(
            |(qos, no_local, retain_as_published, retain_handling)| SubscriptionOptions {
                qos,
                no_local,
                retain_as_published,
                retain_handling,
            },
        )
        .boxed()
}

pub fn subscribe(version: ProtocolVersion) -> impl Strategy<Value = Subscribe> {
    (
        packet_id(),
        vec((topic_filter(), subscription_options(version)), 1..5),
        props_for(version, Ctx::Subscribe),
    )
        .prop_map(|(packet_id, filters, properties)| Subscribe {
            packet_id,
            filters: filters
                .into_iter()
                .map(|(filter, mut options)| {
                    // No Local is a Protocol Error on a shared subscription [MQTT-3.8.3-4].
                    if filter.starts_with("$share/") {
                        options.no_local = false;
                    }
                    SubscribeFilter { filter, options }
                })
                .collect(),
            properties,
        })
}

pub fn suback(version: ProtocolVersion) -> impl Strategy<Value = SubAck> {
    let list = if version.is_v5() {
        SUBACK_V5
    } else {
        SUBACK_V3
    };
    (
        packet_id(),
        vec(codes(list), 1..6),
        props_for(version, Ctx::SubAck),
    )
        .prop_map(|(packet_id, codes, properties)| SubAck {
            packet_id,
            codes,
            properties,
        })
}

pub fn unsubscribe(version: ProtocolVersion) -> impl Strategy<Value = Unsubscribe> {
    (
        packet_id(),
        vec(topic_filter(), 1..5),
        props_for(version, Ctx::Unsubscribe),
    )
        .prop_map(|(packet_id, filters, properties)| Unsubscribe {
            packet_id,
            filters,
            properties,
        })
}

pub fn unsuback(version: ProtocolVersion) -> impl Strategy<Value = UnsubAck> {
    let codes = if version.is_v5() {
        vec(codes(UNSUBACK_V5), 1..6).boxed()
    } else {
        Just(Vec::new()).boxed()
    };
    (packet_id(), codes, props_for(version, Ctx::UnsubAck)).prop_map(
        |(packet_id, codes, properties)| UnsubAck {
            packet_id,
            codes,
            properties,
        },
    )
}

pub fn disconnect(version: ProtocolVersion) -> impl Strategy<Value = Disconnect> {
    let reason = if version.is_v5() {
        codes(DISCONNECT_V5).boxed()
    } else {
        Just(ReasonCode::Success).boxed()
    };
    (reason, props_for(version, Ctx::Disconnect))
        .prop_map(|(reason, properties)| Disconnect { reason, properties })
}

pub fn auth() -> impl Strategy<Value = Auth> {
    (codes(AUTH_V5), properties(Ctx::Auth))
        .prop_map(|(reason, properties)| Auth { reason, properties })
}

/// Any valid packet of `version` (AUTH only for MQTT 5).
pub fn packet(version: ProtocolVersion) -> BoxedStrategy<Packet> {
    let v = version;
    let common = prop_oneof![
        1 => connect(v).prop_map(|c| Packet::Connect(c.into())),
        1 => connack(v).prop_map(Packet::ConnAck),
        4 => publish(v).prop_map(Packet::Publish),
        1 => pub_response(v, Ctx::PubAck).prop_map(Packet::PubAck),
        1 => pub_response(v, Ctx::PubRec).prop_map(Packet::PubRec),
        1 => pub_response(v, Ctx::PubRel).prop_map(Packet::PubRel),
        1 => pub_response(v, Ctx::PubComp).prop_map(Packet::PubComp),
        1 => subscribe(v).prop_map(Packet::Subscribe),
        1 => suback(v).prop_map(Packet::SubAck),
        1 => unsubscribe(v).prop_map(Packet::Unsubscribe),
        1 => unsuback(v).prop_map(Packet::UnsubAck),
        1 => Just(Packet::PingReq),
        1 => Just(Packet::PingResp),
        1 => disconnect(v).prop_map(Packet::Disconnect),
    ];
    if version.is_v5() {
        prop_oneof![14 => common, 1 => auth().prop_map(Packet::Auth)].boxed()
    } else {
        common.boxed()
    }
}

/// A version and a valid packet of it.
pub fn versioned_packet() -> impl Strategy<Value = (ProtocolVersion, Packet)> {
    version().prop_flat_map(|v| packet(v).prop_map(move |p| (v, p)))
}

/// A version and a sequence of valid packets of it.
pub fn versioned_stream(max: usize) -> impl Strategy<Value = (ProtocolVersion, Vec<Packet>)> {
    version().prop_flat_map(move |v| vec(packet(v), 1..max).prop_map(move |ps| (v, ps)))
}
