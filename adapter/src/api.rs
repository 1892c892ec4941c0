//! Every type a user of an adapter names, in one list: each runtime crate
//! re-exports this module whole (`pub use mqtt_adapter::api::*;`), so the
//! adapters cannot drift apart in what they offer.

pub use crate::aio::{Messages, PublishHandle, Subscription, DEFAULT_DISCONNECT_TIMEOUT};
/// Durable sessions ([`Options::persistence`]).
pub use crate::store::{FileStore, Persistence, Store, SyncPolicy};
/// Options, messages, answers and errors (shared by every adapter).
pub use crate::{
    ConnectInfo, ConnectionLost, Delivery, Error, Message, Options, Publish, PublishAck, SubAck,
    Topic,
};
pub use mqtt_sansio::client::{StoreKey, StoreOp};

/// Payload buffers: received payloads are [`bytes::Bytes`].
pub use bytes::Bytes;
/// The core's errors, which [`Error`]'s variants carry.
pub use mqtt_sansio::client::{
    AckError, ConfigError, DisconnectError, PublishError, RestoreError, SnapshotError,
    SubscribeError,
};
pub use mqtt_sansio::client::{
    AckToken, AuthFailure, Authenticator, Config, ConnectionError, DisconnectOptions,
    ProtocolViolation, PublishFailure, PublishId, ReauthError, ReconnectPolicy, SessionLostPolicy,
};
pub use mqtt_sansio::codec::{
    ByteStr, Properties, ReasonCode, RetainHandling, SubscribeFilter, SubscriptionOptions, Will,
};
/// What the types above carry: a malformed packet and its type (in
/// [`ProtocolViolation`]), an unencodable one (in the publish, subscribe and
/// configuration errors), an invalid topic, a packet identifier.
pub use mqtt_sansio::codec::{DecodeError, EncodeError, PacketId, PacketType};
pub use mqtt_sansio::topic::TopicError;
pub use mqtt_sansio::{ProtocolVersion, QoS};
pub use mqtt_transport::{Scheme, TransportError, TransportOptions, UrlError, WsOptions};
#[cfg(feature = "tls")]
pub use mqtt_transport::{TlsConfigError, TlsOptions};
