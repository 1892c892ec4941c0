//! `mqtt pub`: mosquitto_pub's flags, one message (or each line of stdin),
//! with every QoS 1/2 acknowledgement awaited before the tool exits.

use std::time::Duration;

use clap::{ArgGroup, Args};
use mqtt_tokio::{Client, Publish, QoS};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};

use crate::conn::{parse_qos, ConnArgs};
use crate::props::{PropertyArgs, Stage};
use crate::Failure;

/// `mqtt pub` flags.
#[derive(Args, Debug)]
#[command(
    disable_help_flag = true,
    group(ArgGroup::new("source").args(["message", "file", "stdin_line", "stdin_file", "null_message"])),
    after_long_help = concat!(
        "-D COMMAND IDENTIFIER VALUE (--property): an MQTT 5 property (needs -V mqttv5); for user-property ",
        "two values, the key and the value. Commands and identifiers: connect (maximum-packet-size, ",
        "receive-maximum, request-problem-information, request-response-information, session-expiry-interval, ",
        "topic-alias-maximum, user-property), publish (content-type, correlation-data, message-expiry-interval, ",
        "payload-format-indicator, response-topic, user-property), disconnect (session-expiry-interval, ",
        "user-property), will (content-type, correlation-data, message-expiry-interval, payload-format-indicator, ",
        "response-topic, user-property, will-delay-interval). May be repeated.\n\n",
        "Exit status: 0 when every message was published (and acknowledged at QoS 1 and 2), 1 on an error.\n\n",
        crate::left_out!()
    )
)]
pub struct PubArgs {
    #[command(flatten)]
    pub conn: ConnArgs,
    /// Topic to publish to.
    #[arg(short = 't', long = "topic")]
    pub topic: Option<String>,
    #[command(flatten)]
    pub source: Source,
    /// Read stdin and send each line as a message (the connection stays open until end of input).
    #[arg(short = 'l', long = "stdin-line")]
    pub stdin_line: bool,
    /// QoS of the message.
    #[arg(short = 'q', long = "qos", value_parser = parse_qos, default_value = "0")]
    pub qos: QoS,
    /// Retain the message (with -n: clear the retained message of the topic).
    #[arg(short = 'r', long = "retain")]
    pub retain: bool,
    /// Publish the message this many times.
    #[arg(long = "repeat", default_value_t = 1)]
    pub repeat: u32,
    /// Seconds (fractions allowed) to wait after each delivered message before the next with --repeat.
    #[arg(long = "repeat-delay", default_value_t = 0.0)]
    pub repeat_delay: f64,
}

/// Where one message's payload comes from: `-m`, `-f`, `-s`, `-n` (at most
/// one of them, with `-l` for `pub`).
#[derive(Args, Debug, Clone)]
pub struct Source {
    /// The message (payload).
    #[arg(short = 'm', long = "message", allow_hyphen_values = true)]
    pub message: Option<String>,
    /// Send this file's contents as the message.
    #[arg(short = 'f', long = "file")]
    pub file: Option<String>,
    /// Read stdin until its end and send it all as one message.
    #[arg(short = 's', long = "stdin-file")]
    pub stdin_file: bool,
    /// Send a zero-length message.
    #[arg(short = 'n', long = "null-message")]
    pub null_message: bool,
}

impl Source {
    /// The payload; `None` when no flag gave one.
    pub async fn read(&self) -> Result<Option<Vec<u8>>, Failure> {
        Ok(if let Some(m) = &self.message {
            Some(m.clone().into_bytes())
        } else if let Some(f) = &self.file {
            Some(std::fs::read(f).map_err(|e| Failure::Error(format!("cannot read -f {f}: {e}")))?)
        } else if self.null_message {
            Some(Vec::new())
        } else if self.stdin_file {
            let mut all = Vec::new();
            tokio::io::stdin()
                .read_to_end(&mut all)
                .await
                .map_err(|e| Failure::Error(format!("cannot read stdin: {e}")))?;
            Some(all)
        } else {
            None
        })
    }
}

/// Runs `mqtt pub`.
pub async fn run(args: PubArgs, props: PropertyArgs) -> Result<(), Failure> {
    let target = args.conn.target()?;
    let topic = args
        .topic
        .clone()
        .or_else(|| target.topic.clone())
        .ok_or_else(|| Failure::Usage("Both topic and message must be supplied.".into()))?;
    let one = args.source.read().await?;
    let one = if one.is_some() {
        one
    } else if args.stdin_line {
        None
    } else {
        return Err(Failure::Usage(
            "Both topic and message must be supplied.".into(),
        ));
    };
    if !(args.repeat_delay >= 0.0 && args.repeat_delay.is_finite()) {
        return Err(Failure::Usage(
            "--repeat-delay must be a number of seconds".into(),
        ));
    }
    let properties = props.properties(Stage::Publish).map_err(Failure::Usage)?;
    let disconnect = props
        .properties(Stage::Disconnect)
        .map_err(Failure::Usage)?;
    let options = args.conn.options("pub", &target, &props)?;
    let client = Client::connect(&target.url, options)
        .await
        .map_err(Failure::error)?;
    let message = |payload: Vec<u8>| {
        Publish::new(topic.as_str(), payload)
            .qos(args.qos)
            .retain(args.retain)
            .properties(properties.clone())
    };
    let result = async {
        match one {
            Some(payload) => {
                let delay = Duration::from_secs_f64(args.repeat_delay);
                for i in 0..args.repeat {
                    let handle = client
                        .publish_with(message(payload.clone()))
                        .await
                        .map_err(Failure::error)?;
                    if args.repeat_delay > 0.0
                        || i + 1 == args.repeat
                        || args.qos != QoS::AtMostOnce
                    {
                        check(handle.await.map_err(Failure::error)?)?;
                    }
                    if i + 1 < args.repeat && !delay.is_zero() {
                        tokio::time::sleep(delay).await;
                    }
                }
            }
            None => {
                let mut lines = BufReader::new(tokio::io::stdin()).split(b'\n');
                let mut pending = Vec::new();
                // As mosquitto_pub: the line without its '\n' (a '\r' stays).
                while let Some(line) = lines
                    .next_segment()
                    .await
                    .map_err(|e| Failure::Error(format!("cannot read stdin: {e}")))?
                {
                    pending.push(
                        client
                            .publish_with(message(line))
                            .await
                            .map_err(Failure::error)?,
                    );
                    if pending.len() >= 1024 {
                        for h in pending.drain(..) {
                            check(h.await.map_err(Failure::error)?)?;
                        }
                    }
                }
                for h in pending {
                    check(h.await.map_err(Failure::error)?)?;
                }
            }
        }
        Ok::<(), Failure>(())
    }
    .await;
    crate::conn::finish(&client, disconnect, result).await
}

fn check(ack: mqtt_tokio::PublishAck) -> Result<(), Failure> {
    if ack.reason.is_error() {
        return Err(Failure::Error(format!(
            "the broker refused the message: {:?}",
            ack.reason
        )));
    }
    Ok(())
}
