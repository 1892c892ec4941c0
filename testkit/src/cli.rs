//! Command-line flags shared by the `pub` and `sub` examples of every
//! adapter, in the style of mosquitto_pub / mosquitto_sub. The options they
//! build are [`mqtt_adapter::Options`], which `mqtt_std::Options` and
//! `mqtt_smol::Options` are.
//!
//! ```
//! use mqtt_testkit::cli::Common;
//! let args: Vec<String> = ["-t", "a/b", "-q", "1", "-m", "hi"].map(String::from).into();
//! let mut common = Common::default();
//! let mut rest = Vec::new();
//! let mut i = 0;
//! while i < args.len() {
//!     if !common.take(&args, &mut i)? {
//!         rest.push(args[i].clone());
//!     }
//!     i += 1;
//! }
//! assert_eq!(common.topics, ["a/b"]);
//! assert_eq!(common.qos, Some(mqtt_sansio::QoS::AtLeastOnce));
//! assert_eq!(rest, ["-m", "hi"]);
//! # Ok::<(), String>(())
//! ```

use mqtt_adapter::Options;
use mqtt_sansio::{ProtocolVersion, QoS};
use mqtt_transport::TlsOptions;
use std::time::Duration;

/// Flags common to both tools (see [`COMMON_HELP`]).
#[allow(missing_docs)] // each field is the flag of the same name in `COMMON_HELP`
#[derive(Debug, Default)]
pub struct Common {
    pub host: Option<String>,
    pub port: Option<u16>,
    pub url: Option<String>,
    pub topics: Vec<String>,
    pub qos: Option<QoS>,
    pub client_id: Option<String>,
    pub version: Option<ProtocolVersion>,
    pub username: Option<String>,
    pub password: Option<String>,
    pub cafile: Option<String>,
    pub cert: Option<String>,
    pub key: Option<String>,
    pub tls_server_name: Option<String>,
    pub keepalive: Option<u64>,
    pub no_clean: bool,
    pub debug: bool,
}

/// Help text of the common flags.
pub const COMMON_HELP: &str = "  -h HOST          broker host (default: MQTT_URL, else 127.0.0.1:1883, else an embedded broker)
  -p PORT          broker port (default 1883, 8883 with --cafile)
  -L URL           broker URL: mqtt://, mqtts://, ws://, wss:// (overrides -h/-p)
  -t TOPIC         topic (sub: may repeat)
  -q QOS           0, 1 or 2
  -i ID            client id (default: generated)
  -V VERSION       31, 311 or 5 (default 311)
  -u USER, -P PASS credentials
  -k SECONDS       keep alive (default 60)
  -c               persistent session (clean session off)
  --cafile FILE    CA certificates (PEM): use TLS
  --cert FILE, --key FILE   client certificate and key (PEM) for mutual TLS
  --tls-server-name NAME    check the server certificate against NAME instead of the host
  -d               print connection events on stderr
  --help           this text";

impl Common {
    /// Consumes a common flag at `args[*i]` (and its value: `*i` then points
    /// at the value); `Ok(false)` when it is not one.
    pub fn take(&mut self, args: &[String], i: &mut usize) -> Result<bool, String> {
        let flag = args[*i].as_str();
        let mut value = || -> Result<String, String> {
            *i += 1;
            args.get(*i).cloned().ok_or(format!("{flag} needs a value"))
        };
        match flag {
            "-h" | "--host" => self.host = Some(value()?),
            "-p" | "--port" => self.port = Some(value()?.parse().map_err(|_| "bad port")?),
            "-L" | "--url" => self.url = Some(value()?),
            "-t" | "--topic" => self.topics.push(value()?),
            "-q" | "--qos" => {
                let v: u8 = value()?.parse().map_err(|_| "bad QoS")?;
                self.qos = Some(QoS::from_u8(v).ok_or("QoS must be 0, 1 or 2")?);
            }
            "-i" | "--id" => self.client_id = Some(value()?),
            "-V" | "--protocol-version" => {
                self.version = Some(match value()?.as_str() {
                    "31" | "mqttv31" => ProtocolVersion::V3_1,
                    "311" | "mqttv311" => ProtocolVersion::V3_1_1,
                    "5" | "mqttv5" => ProtocolVersion::V5,
                    v => return Err(format!("unknown protocol version {v}")),
                })
            }
            "-u" | "--username" => self.username = Some(value()?),
            "-P" | "--pw" => self.password = Some(value()?),
            "-k" | "--keepalive" => {
                self.keepalive = Some(value()?.parse().map_err(|_| "bad keep alive")?)
            }
            "-c" | "--disable-clean-session" => self.no_clean = true,
            "--cafile" => self.cafile = Some(value()?),
            "--cert" => self.cert = Some(value()?),
            "--key" => self.key = Some(value()?),
            "--tls-server-name" => self.tls_server_name = Some(value()?),
            "--insecure" => {
                return Err(
                    "--insecure is not offered: certificate verification is always on; \
                            use --cafile and --tls-server-name"
                        .into(),
                )
            }
            "-d" | "--debug" => self.debug = true,
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// The broker URL: `-L`, else `-h`/`-p`, else `MQTT_URL` / a local broker
    /// / the embedded one ([`example_broker_for`](crate::example_broker_for)).
    pub fn url(&self) -> Result<String, Box<dyn std::error::Error>> {
        if let Some(u) = &self.url {
            return Ok(u.clone());
        }
        let tls = self.cafile.is_some();
        if self.host.is_some() || self.port.is_some() {
            let host = self.host.as_deref().unwrap_or("127.0.0.1");
            let port = self.port.unwrap_or(if tls { 8883 } else { 1883 });
            let scheme = if tls { "mqtts" } else { "mqtt" };
            let host = if host.contains(':') {
                format!("[{host}]")
            } else {
                host.to_owned()
            };
            return Ok(format!("{scheme}://{host}:{port}"));
        }
        Ok(crate::example_broker_for(
            self.version.unwrap_or(ProtocolVersion::V3_1_1),
        )?)
    }

    /// Connection options from the flags.
    pub fn options(&self) -> Result<Options, Box<dyn std::error::Error>> {
        let mut o = Options::new();
        if let Some(id) = &self.client_id {
            o = o.client_id(id.clone());
        }
        if let Some(v) = self.version {
            o = o.protocol(v);
        }
        if let Some(u) = &self.username {
            o = o.username(u.clone());
        }
        if let Some(p) = &self.password {
            o = o.configure(|c| c.password = Some(p.clone().into()));
        }
        if let Some(k) = self.keepalive {
            o = o.keep_alive(Duration::from_secs(k));
        }
        if self.no_clean {
            o = o.clean_session(false);
        }
        o = self.tls(o)?;
        if self.debug {
            o = o
                .on_connect(|i| {
                    eprintln!(
                        "connected to {} ({:?}, session present: {})",
                        i.server, i.protocol, i.session_present
                    )
                })
                .on_connection_lost(|c| eprintln!("{c}"));
        }
        Ok(o)
    }

    fn tls(&self, o: Options) -> Result<Options, Box<dyn std::error::Error>> {
        let mut tls = TlsOptions::new();
        match &self.cafile {
            Some(ca) => tls = tls.ca_file(ca),
            None => tls = tls.system_roots(),
        }
        match (&self.cert, &self.key) {
            (Some(c), Some(k)) => tls = tls.client_cert_files(c, k),
            (None, None) => {}
            _ => return Err("--cert and --key go together".into()),
        }
        if let Some(n) = &self.tls_server_name {
            tls = tls.server_name(n.clone());
        }
        Ok(o.tls(tls))
    }
}
