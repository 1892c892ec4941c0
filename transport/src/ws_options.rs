//! WebSocket settings: plain data, there with or without the `websocket` feature.

/// WebSocket settings for `ws://` and `wss://`.
///
/// ```
/// let mut ws = mqtt_transport::WsOptions::default();
/// assert_eq!(ws.subprotocol, "mqtt");
/// ws.headers.push(("Authorization".into(), "Bearer t0ken".into()));
/// ```
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct WsOptions {
    /// The subprotocol requested in `Sec-WebSocket-Protocol` (`mqtt`, as MQTT 3.1.1 and 5.0
    /// require `[MQTT-6.0.0-3]`); the server must agree to it.
    pub subprotocol: String,
    /// Largest message accepted from the server (default 64 MiB; the
    /// `mqtt-std` / `mqtt-smol` clients lower it to their largest accepted
    /// MQTT packet, `Config::max_incoming_packet_size`).
    pub max_message_size: usize,
    /// Largest frame accepted from the server (default 16 MiB; lowered like
    /// `max_message_size`).
    pub max_frame_size: usize,
    /// Extra HTTP headers for the handshake request (for example authentication).
    pub headers: Vec<(String, String)>,
}

impl std::fmt::Debug for WsOptions {
    // Header values may carry credentials: names only.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WsOptions")
            .field("subprotocol", &self.subprotocol)
            .field("max_message_size", &self.max_message_size)
            .field("max_frame_size", &self.max_frame_size)
            .field(
                "headers",
                &self.headers.iter().map(|(n, _)| n).collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl Default for WsOptions {
    fn default() -> Self {
        WsOptions {
            subprotocol: "mqtt".to_owned(),
            max_message_size: 64 << 20,
            max_frame_size: 16 << 20,
            headers: Vec::new(),
        }
    }
}
