//! The connection flags `pub` and `sub` share, as mosquitto's tools have
//! them, and how they become a server URL and client options.

use std::time::Duration;

use clap::Args;
use mqtt_tokio::{ByteStr, Options, ProtocolVersion, QoS, Will};

use crate::props::{PropertyArgs, Stage};
use crate::tls::TlsArgs;
use crate::Failure;

/// Flags of mosquitto's tools that `mqtt` leaves out, with why (the end
/// of `--help`).
#[macro_export]
macro_rules! left_out {
    () => {
        "Left out on purpose (each is refused with its reason if given):
  -A (bind address), --unix (Unix socket), --proxy (SOCKS5), -S (DNS SRV lookup): the library
      connects over TCP, TLS or WebSockets to a host and port;
  --psk, --psk-identity: rustls has no TLS-PSK; --ciphers, --tls-engine, --keyform,
      --tls-engine-kpass-sha1: OpenSSL settings with no rustls counterpart;
  %A in -F: the client resolves topic aliases into topics before handing messages over.
Deliberate differences: -D properties without -V 5 are an error (mosquitto ignores them); TLS
flags never fall back to plain TCP; --insecure checks the CA chain and prints a warning."
    };
}

/// The flags every tool takes to reach the broker.
#[derive(Args, Debug, Clone)]
pub struct ConnArgs {
    /// Broker host.
    #[arg(short = 'h', long = "host", default_value = "localhost")]
    pub host: String,
    /// Broker port (default 1883, 8883 with TLS).
    #[arg(short = 'p', long = "port")]
    pub port: Option<u16>,
    /// mqtt(s)://[user[:password]@]host[:port]/topic, or ws(s)://[user[:password]@]host[:port]/path
    /// (MQTT over WebSockets; then -t gives the topic).
    #[arg(short = 'L', long = "url", value_name = "URL")]
    pub url: Option<String>,
    /// Client id (default: the tool's name and the process id).
    #[arg(short = 'i', long = "id")]
    pub id: Option<String>,
    /// Client id: this prefix followed by the process id.
    #[arg(short = 'I', long = "id-prefix")]
    pub id_prefix: Option<String>,
    /// Keep alive in seconds.
    #[arg(short = 'k', long = "keepalive", default_value_t = 60)]
    pub keepalive: u16,
    /// MQTT version: mqttv5 (or 5), mqttv311 (or 311), mqttv31 (or 31); default mqttv311
    /// (mqttv5 for rr).
    #[arg(short = 'V', long = "protocol-version", value_parser = parse_version)]
    pub version: Option<ProtocolVersion>,
    /// User name.
    #[arg(short = 'u', long = "username")]
    pub username: Option<String>,
    /// Password.
    #[arg(short = 'P', long = "pw")]
    pub password: Option<String>,
    /// Persistent session: clean session off (needs -i or -I).
    #[arg(short = 'c', long = "disable-clean-session")]
    pub no_clean: bool,
    /// MQTT 5 session expiry in seconds; -1 or 4294967295: never (default: never with -c, else 0).
    #[arg(short = 'x', long = "session-expiry-interval", value_parser = parse_expiry, allow_hyphen_values = true)]
    pub session_expiry: Option<u32>,
    /// Will topic: the broker publishes the will there if the connection is lost.
    #[arg(long = "will-topic")]
    pub will_topic: Option<String>,
    /// Will payload (default empty).
    #[arg(long = "will-payload")]
    pub will_payload: Option<String>,
    /// Will QoS.
    #[arg(long = "will-qos", value_parser = parse_qos, default_value = "0")]
    pub will_qos: QoS,
    /// Retain the will.
    #[arg(long = "will-retain")]
    pub will_retain: bool,
    #[command(flatten)]
    pub tls: TlsArgs,
    /// Print every packet and connection event on stderr.
    #[arg(short = 'd', long = "debug")]
    pub debug: bool,
    /// Print no error messages.
    #[arg(long)]
    pub quiet: bool,
    /// Nagle's algorithm off: always the case here; accepted for compatibility.
    #[arg(long)]
    pub nodelay: bool,
    /// Print help.
    #[arg(long = "help", action = clap::ArgAction::Help)]
    pub help: Option<bool>,

    #[arg(short = 'A', hide = true)]
    pub bind_address: Option<String>,
    #[arg(long = "unix", hide = true)]
    pub unix: Option<String>,
    #[arg(long = "proxy", hide = true)]
    pub proxy: Option<String>,
    #[arg(short = 'S', hide = true)]
    pub srv: bool,
    #[arg(long = "psk", hide = true)]
    pub psk: Option<String>,
    #[arg(long = "psk-identity", hide = true)]
    pub psk_identity: Option<String>,
    #[arg(long = "ciphers", hide = true)]
    pub ciphers: Option<String>,
    #[arg(long = "tls-engine", hide = true)]
    pub tls_engine: Option<String>,
    #[arg(long = "keyform", hide = true)]
    pub keyform: Option<String>,
    #[arg(long = "tls-engine-kpass-sha1", hide = true)]
    pub tls_engine_kpass: Option<String>,
}

/// `-V`.
pub fn parse_version(s: &str) -> Result<ProtocolVersion, String> {
    Ok(match s {
        "mqttv5" | "5" => ProtocolVersion::V5,
        "mqttv311" | "311" => ProtocolVersion::V3_1_1,
        "mqttv31" | "31" => ProtocolVersion::V3_1,
        _ => {
            return Err(format!(
                "invalid protocol version \"{s}\" (mqttv5, mqttv311 or mqttv31)"
            ))
        }
    })
}

/// `-q`, `--will-qos`.
pub fn parse_qos(s: &str) -> Result<QoS, String> {
    s.parse::<u8>()
        .ok()
        .and_then(QoS::from_u8)
        .ok_or_else(|| format!("invalid QoS \"{s}\" (0, 1 or 2)"))
}

/// `-x`: seconds, or -1 / ∞ for never.
fn parse_expiry(s: &str) -> Result<u32, String> {
    match s {
        "-1" | "∞" => Ok(u32::MAX),
        _ => s.parse::<u32>().map_err(|_| {
            format!("invalid session expiry interval \"{s}\" (0 to 4294967295, or -1)")
        }),
    }
}

/// Where to connect, from the flags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The URL for `Client::connect` (no credentials in it).
    pub url: String,
    /// Credentials found in `-L`.
    pub username: Option<String>,
    /// Password found in `-L`.
    pub password: Option<String>,
    /// The topic in the path of an `mqtt(s)://` `-L`.
    pub topic: Option<String>,
}

impl ConnArgs {
    /// Refuses the flags that are left out, each with its reason.
    pub fn check_left_out(&self) -> Result<(), Failure> {
        let why =
            |flag: &str, why: &str| Err(Failure::Usage(format!("{flag} is not supported: {why}")));
        if self.bind_address.is_some() {
            return why(
                "-A",
                "the connection is opened by the library, without a chosen local address",
            );
        }
        if self.unix.is_some() {
            return why("--unix", "the library connects over TCP, TLS or WebSockets");
        }
        if self.proxy.is_some() {
            return why("--proxy", "there is no SOCKS5 client in the library");
        }
        if self.srv {
            return why("-S", "there is no DNS SRV lookup; give -h and -p");
        }
        if self.psk.is_some() || self.psk_identity.is_some() {
            return why("--psk", "rustls has no TLS-PSK");
        }
        if self.ciphers.is_some()
            || self.tls_engine.is_some()
            || self.keyform.is_some()
            || self.tls_engine_kpass.is_some()
        {
            return why(
                "--ciphers / --tls-engine / --keyform",
                "these are OpenSSL settings; rustls uses its safe defaults",
            );
        }
        Ok(())
    }

    /// The broker URL and what `-L` carried.
    pub fn target(&self) -> Result<Target, Failure> {
        let tls = self.tls.wants_tls();
        let Some(url) = &self.url else {
            let scheme = if tls { "mqtts" } else { "mqtt" };
            let port = self.port.unwrap_or(if tls { 8883 } else { 1883 });
            let host = if self.host.contains(':') {
                format!("[{}]", self.host)
            } else {
                self.host.clone()
            };
            return Ok(Target {
                url: format!("{scheme}://{host}:{port}"),
                username: None,
                password: None,
                topic: None,
            });
        };
        let bad = |why: &str| Failure::Usage(format!("invalid URL for -L: {why}"));
        let (scheme, rest) = url
            .split_once("://")
            .ok_or_else(|| bad("no scheme (mqtt://, mqtts://, ws:// or wss://)"))?;
        let scheme = scheme.to_ascii_lowercase();
        let websocket = match scheme.as_str() {
            "mqtt" | "mqtts" => false,
            "ws" | "wss" => true,
            other => {
                return Err(bad(&format!(
                    "unsupported scheme {other}:// (mqtt, mqtts, ws or wss)"
                )))
            }
        };
        if tls && !matches!(scheme.as_str(), "mqtts" | "wss") {
            return Err(Failure::Usage(format!(
                "TLS flags given, but {scheme}:// is not a TLS URL (use mqtts:// or wss://)"
            )));
        }
        let split = rest.find('/').unwrap_or(rest.len());
        let (authority, path) = rest.split_at(split);
        let (userinfo, hostport) = match authority.rsplit_once('@') {
            Some((u, h)) => (Some(u), h),
            None => (None, authority),
        };
        let (username, password) = match userinfo {
            None => (None, None),
            Some(u) => match u.split_once(':') {
                Some((user, pass)) => (Some(user.to_owned()), Some(pass.to_owned())),
                None => (Some(u.to_owned()), None),
            },
        };
        if hostport.is_empty() {
            return Err(bad("no host"));
        }
        let (url, topic) = if websocket {
            (format!("{scheme}://{hostport}{path}"), None)
        } else {
            let topic = path.strip_prefix('/').filter(|t| !t.is_empty());
            (format!("{scheme}://{hostport}"), topic.map(str::to_owned))
        };
        Ok(Target {
            url,
            username,
            password,
            topic,
        })
    }

    /// The MQTT version: `-V`, else 3.1.1 (5 for `rr`, as mosquitto_rr).
    pub fn protocol(&self, tool: &str) -> ProtocolVersion {
        self.version.unwrap_or(if tool == "rr" {
            ProtocolVersion::V5
        } else {
            ProtocolVersion::V3_1_1
        })
    }

    /// The client options the flags describe, for `tool` (`pub` / `sub`,
    /// the default client id's prefix).
    pub fn options(
        &self,
        tool: &str,
        target: &Target,
        props: &PropertyArgs,
    ) -> Result<Options, Failure> {
        self.check_left_out()?;
        let version = self.protocol(tool);
        let v5 = version == ProtocolVersion::V5;
        if !props.is_empty() && !v5 {
            return Err(Failure::Usage(
                "-D properties need MQTT 5 (-V mqttv5); they would be dropped otherwise".into(),
            ));
        }
        if self.session_expiry.is_some() && !v5 {
            return Err(Failure::Usage(
                "-x (session expiry interval) needs MQTT 5 (-V mqttv5)".into(),
            ));
        }
        let id = match (&self.id, &self.id_prefix) {
            (Some(_), Some(_)) => {
                return Err(Failure::Usage("-i and -I cannot be used together".into()))
            }
            (Some(id), None) => id.clone(),
            (None, Some(prefix)) => format!("{prefix}{}", std::process::id()),
            (None, None) => {
                if self.no_clean {
                    return Err(Failure::Usage(
                        "You must provide a client id if you are using the -c option".into(),
                    ));
                }
                format!("mqtt-{tool}-{}", std::process::id())
            }
        };
        let mut o = Options::new()
            .client_id(id)
            .protocol(version)
            .keep_alive(Duration::from_secs(self.keepalive.into()))
            .clean_session(!self.no_clean);
        let username = self.username.clone().or_else(|| target.username.clone());
        let password = self.password.clone().or_else(|| target.password.clone());
        if let Some(u) = username {
            o = o.username(u);
        }
        if let Some(p) = password {
            o = o.configure(|c| c.password = Some(p.into_bytes().into()));
        }
        let expiry = self
            .session_expiry
            .unwrap_or(if self.no_clean && v5 { u32::MAX } else { 0 });
        let mut connect_error = None;
        o = o.configure(|c| {
            c.session_expiry_interval = expiry;
            connect_error = props.apply_connect(c).err();
        });
        if let Some(e) = connect_error {
            return Err(Failure::Usage(e));
        }
        if let Some(topic) = &self.will_topic {
            let properties = props.properties(Stage::Will).map_err(Failure::Usage)?;
            o = o.will_message(Will {
                topic: ByteStr::from(topic.clone()),
                payload: self
                    .will_payload
                    .clone()
                    .unwrap_or_default()
                    .into_bytes()
                    .into(),
                qos: self.will_qos,
                retain: self.will_retain,
                properties,
            });
        } else if self.will_payload.is_some() || self.will_retain || props.has(Stage::Will) {
            return Err(Failure::Usage(
                "will options given without --will-topic".into(),
            ));
        }
        let tls_url = target.url.starts_with("mqtts://") || target.url.starts_with("wss://");
        if tls_url {
            o = o.tls(self.tls.options(self.quiet).map_err(Failure::Error)?);
        }
        if self.debug {
            crate::logger::install();
        }
        Ok(o)
    }
}

/// Disconnects `client` (with the `disconnect` properties of `-D`) after the
/// tool's work ended with `result`; the work's error comes first.
pub async fn finish(
    client: &mqtt_tokio::Client,
    disconnect: mqtt_tokio::Properties,
    result: Result<(), Failure>,
) -> Result<(), Failure> {
    let options = mqtt_tokio::DisconnectOptions {
        properties: disconnect,
        ..mqtt_tokio::DisconnectOptions::default()
    };
    let closed = client
        .disconnect_with(mqtt_tokio::DEFAULT_DISCONNECT_TIMEOUT, options)
        .await;
    result?;
    closed.map_err(Failure::error)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    #[command(disable_help_flag = true)]
    struct T {
        #[command(flatten)]
        c: ConnArgs,
    }

    fn conn(args: &[&str]) -> ConnArgs {
        let mut v = vec!["t"];
        v.extend_from_slice(args);
        T::try_parse_from(v).unwrap().c
    }

    #[test]
    fn host_and_port_make_a_url_and_tls_flags_switch_to_mqtts_on_8883() {
        assert_eq!(conn(&[]).target().unwrap().url, "mqtt://localhost:1883");
        assert_eq!(
            conn(&["-h", "::1", "-p", "1999"]).target().unwrap().url,
            "mqtt://[::1]:1999"
        );
        assert_eq!(
            conn(&["--cafile", "ca.pem"]).target().unwrap().url,
            "mqtts://localhost:8883"
        );
    }

    #[test]
    fn an_mqtt_url_carries_credentials_and_the_topic_a_websocket_url_its_path() {
        let t = conn(&["-L", "mqtt://me:secret@127.0.0.1:1884/a/b"])
            .target()
            .unwrap();
        assert_eq!(t.url, "mqtt://127.0.0.1:1884");
        assert_eq!(t.username.as_deref(), Some("me"));
        assert_eq!(t.password.as_deref(), Some("secret"));
        assert_eq!(t.topic.as_deref(), Some("a/b"));
        let t = conn(&["-L", "ws://127.0.0.1:15675/ws"]).target().unwrap();
        assert_eq!((t.url.as_str(), t.topic), ("ws://127.0.0.1:15675/ws", None));
    }

    #[test]
    fn a_tls_flag_with_a_plain_url_is_refused() {
        assert!(conn(&["-L", "mqtt://127.0.0.1", "--cafile", "x"])
            .target()
            .is_err());
    }

    #[test]
    fn session_expiry_and_client_id_rules() {
        let p = PropertyArgs::default();
        let t = conn(&[]).target().unwrap();
        assert!(conn(&["-c"]).options("sub", &t, &p).is_err());
        assert!(conn(&["-i", "a", "-I", "b"])
            .options("sub", &t, &p)
            .is_err());
        assert!(conn(&["-x", "10"]).options("sub", &t, &p).is_err());
        let o = conn(&["-c", "-i", "a", "-V", "5"])
            .options("sub", &t, &p)
            .unwrap();
        assert_eq!(o.config().session_expiry_interval, u32::MAX);
        let o = conn(&["-V", "5", "-x", "-1"])
            .options("sub", &t, &p)
            .unwrap();
        assert_eq!(o.config().session_expiry_interval, u32::MAX);
        let o = conn(&["-I", "pre-"]).options("sub", &t, &p).unwrap();
        assert_eq!(o.config().client_id, format!("pre-{}", std::process::id()));
    }

    #[test]
    fn left_out_flags_are_refused_with_their_reason() {
        let e = conn(&["--psk", "00"]).check_left_out().unwrap_err();
        assert!(matches!(e, Failure::Usage(m) if m.contains("TLS-PSK")));
    }
}
