//! `-D command identifier value`: MQTT 5 properties, as mosquitto_pub and
//! mosquitto_sub take them. The flag takes three values (four for
//! `user-property`: a key and a value), which no argument parser expresses,
//! so the `-D` groups are taken out of the command line before it is parsed.

use std::collections::HashSet;

use mqtt_tokio::{ByteStr, Config, Properties};

/// Where a property goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// CONNECT.
    Connect,
    /// Each PUBLISH.
    Publish,
    /// SUBSCRIBE.
    Subscribe,
    /// UNSUBSCRIBE (`-U`).
    Unsubscribe,
    /// DISCONNECT.
    Disconnect,
    /// The will message.
    Will,
}

impl Stage {
    fn parse(s: &str) -> Option<Stage> {
        Some(match s {
            "connect" => Stage::Connect,
            "publish" => Stage::Publish,
            "subscribe" => Stage::Subscribe,
            "unsubscribe" => Stage::Unsubscribe,
            "disconnect" => Stage::Disconnect,
            "will" => Stage::Will,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            Stage::Connect => "connect",
            Stage::Publish => "publish",
            Stage::Subscribe => "subscribe",
            Stage::Unsubscribe => "unsubscribe",
            Stage::Disconnect => "disconnect",
            Stage::Will => "will",
        }
    }

    /// The properties mosquitto's tools accept for this stage.
    fn allows(self, name: &str) -> bool {
        let list: &[&str] = match self {
            Stage::Connect => &[
                "maximum-packet-size",
                "receive-maximum",
                "request-problem-information",
                "request-response-information",
                "session-expiry-interval",
                "topic-alias-maximum",
                "user-property",
            ],
            Stage::Publish => &[
                "content-type",
                "correlation-data",
                "message-expiry-interval",
                "payload-format-indicator",
                "response-topic",
                "topic-alias",
                "user-property",
            ],
            Stage::Subscribe => &["subscription-identifier", "user-property"],
            Stage::Unsubscribe => &["user-property"],
            Stage::Disconnect => &["session-expiry-interval", "user-property"],
            Stage::Will => &[
                "content-type",
                "correlation-data",
                "message-expiry-interval",
                "payload-format-indicator",
                "response-topic",
                "user-property",
                "will-delay-interval",
            ],
        };
        list.contains(&name)
    }
}

/// One `-D` group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Property {
    /// Where it goes.
    pub stage: Stage,
    /// Its mosquitto name (`content-type`, ...).
    pub name: String,
    /// Its value (for `user-property`, the key).
    pub value: String,
    /// For `user-property`, the value.
    pub value2: Option<String>,
}

/// Every `-D` of the command line.
#[derive(Debug, Clone, Default)]
pub struct PropertyArgs(pub Vec<Property>);

/// Takes the `-D` / `--property` groups out of `args`; what is left is for
/// the argument parser. A `-D` that is the value of another flag (`-m -D`)
/// stays where it is.
pub fn extract(
    command: &clap::Command,
    args: Vec<String>,
) -> Result<(Vec<String>, PropertyArgs), String> {
    let sub = args
        .get(1)
        .and_then(|name| command.find_subcommand(name.as_str()));
    let Some(sub) = sub else {
        return Ok((args, PropertyArgs::default()));
    };
    let mut takes_value = HashSet::new();
    for arg in sub.get_arguments() {
        if arg.get_action().takes_values() {
            if let Some(s) = arg.get_short() {
                takes_value.insert(format!("-{s}"));
            }
            if let Some(l) = arg.get_long() {
                takes_value.insert(format!("--{l}"));
            }
        }
    }
    let mut kept = Vec::with_capacity(args.len());
    let mut props = Vec::new();
    let mut it = args.into_iter();
    kept.extend(it.by_ref().take(2));
    while let Some(a) = it.next() {
        if a == "-D" || a == "--property" {
            let mut next = |what: &str| {
                it.next().ok_or_else(|| {
                    format!("-D needs a command, an identifier and a value ({what} is missing)")
                })
            };
            let stage_name = next("the command")?;
            let stage = Stage::parse(&stage_name).ok_or_else(|| {
                format!("invalid property command \"{stage_name}\" in -D (connect, publish, subscribe, unsubscribe, disconnect or will)")
            })?;
            let name = next("the identifier")?;
            if !KNOWN.contains(&name.as_str()) {
                return Err(format!("invalid property identifier \"{name}\" in -D"));
            }
            if !stage.allows(&name) {
                return Err(format!(
                    "{name} property not allowed for {} in --property argument",
                    stage.name()
                ));
            }
            let value = next("the value")?;
            let value2 = if name == "user-property" {
                Some(next("the user property's value")?)
            } else {
                None
            };
            props.push(Property {
                stage,
                name,
                value,
                value2,
            });
        } else {
            let skip = takes_value.contains(&a);
            kept.push(a);
            if skip {
                if let Some(v) = it.next() {
                    kept.push(v);
                }
            }
        }
    }
    Ok((kept, PropertyArgs(props)))
}

const KNOWN: &[&str] = &[
    "authentication-data",
    "authentication-method",
    "content-type",
    "correlation-data",
    "maximum-packet-size",
    "message-expiry-interval",
    "payload-format-indicator",
    "receive-maximum",
    "request-problem-information",
    "request-response-information",
    "response-topic",
    "session-expiry-interval",
    "subscription-identifier",
    "topic-alias",
    "topic-alias-maximum",
    "user-property",
    "will-delay-interval",
];

fn number<T: std::str::FromStr>(p: &Property, what: &str) -> Result<T, String> {
    p.value.parse().map_err(|_| {
        format!(
            "invalid {} value \"{}\" for -D {} ({what})",
            p.name,
            p.value,
            p.stage.name()
        )
    })
}

impl PropertyArgs {
    /// Whether any property was given.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn of(&self, stage: Stage) -> impl Iterator<Item = &Property> {
        self.0.iter().filter(move |p| p.stage == stage)
    }

    /// Whether this stage has properties.
    pub fn has(&self, stage: Stage) -> bool {
        self.of(stage).next().is_some()
    }

    /// Applies the `connect` properties to the client configuration.
    pub fn apply_connect(&self, c: &mut Config) -> Result<(), String> {
        for p in self.of(Stage::Connect) {
            match p.name.as_str() {
                "maximum-packet-size" => c.max_incoming_packet_size = number(p, "1 to 4294967295")?,
                "receive-maximum" => c.receive_maximum = number(p, "1 to 65535")?,
                "request-problem-information" => {
                    c.request_problem_information = Some(number::<u8>(p, "0 or 1")? != 0)
                }
                "request-response-information" => {
                    c.request_response_information = number::<u8>(p, "0 or 1")? != 0
                }
                "session-expiry-interval" => c.session_expiry_interval = number(p, "seconds")?,
                "topic-alias-maximum" => c.topic_alias_maximum = number(p, "0 to 65535")?,
                "user-property" => c.user_properties.push(user(p)),
                other => return Err(format!("-D connect {other} is not supported")),
            }
        }
        Ok(())
    }

    /// The properties of a stage that carries message-like properties
    /// (`publish`, `will`) or only user properties and identifiers
    /// (`subscribe`, `unsubscribe`, `disconnect`).
    pub fn properties(&self, stage: Stage) -> Result<Properties, String> {
        let mut v = Properties::default();
        for p in self.of(stage) {
            match p.name.as_str() {
                "content-type" => v.content_type = Some(ByteStr::from(p.value.clone())),
                "correlation-data" => {
                    v.correlation_data = Some(bytes::Bytes::from(p.value.clone().into_bytes()))
                }
                "message-expiry-interval" => v.message_expiry_interval = Some(number(p, "seconds")?),
                "payload-format-indicator" => {
                    v.payload_format_indicator = Some(number(p, "0 or 1")?)
                }
                "response-topic" => v.response_topic = Some(ByteStr::from(p.value.clone())),
                "user-property" => v.user_properties.push(user(p)),
                "subscription-identifier" => {
                    let id: u32 = number(p, "1 to 268435455")?;
                    if id == 0 || id > 268_435_455 {
                        return Err(format!("subscription-identifier {id} is out of range (1 to 268435455)"));
                    }
                    v.subscription_identifiers.push(id)
                }
                "session-expiry-interval" => v.session_expiry_interval = Some(number(p, "seconds")?),
                "will-delay-interval" => v.will_delay_interval = Some(number(p, "seconds")?),
                "topic-alias" => {
                    return Err("-D publish topic-alias is not supported: this client assigns topic aliases itself when the broker allows them".into())
                }
                other => return Err(format!("-D {} {other} is not supported", p.stage.name())),
            }
        }
        Ok(v)
    }
}

fn user(p: &Property) -> (ByteStr, ByteStr) {
    (
        ByteStr::from(p.value.clone()),
        ByteStr::from(p.value2.clone().unwrap_or_default()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    fn args(s: &str) -> Vec<String> {
        s.split(' ').map(String::from).collect()
    }

    #[test]
    fn groups_of_three_and_four_are_taken_out_and_values_of_other_flags_stay() {
        let (kept, props) = extract(
            &crate::Cli::command(),
            args("mqtt pub -t a -D publish user-property k v -m -D -D publish content-type text -q 1"),
        )
        .unwrap();
        assert_eq!(kept, args("mqtt pub -t a -m -D -q 1"));
        assert_eq!(props.0.len(), 2);
        assert_eq!(props.0[0].value2.as_deref(), Some("v"));
        assert_eq!(props.0[1].name, "content-type");
        assert_eq!(props.0[1].value, "text");
    }

    #[test]
    fn a_property_of_the_wrong_stage_or_unknown_is_refused() {
        let e = extract(
            &crate::Cli::command(),
            args("mqtt pub -D publish subscription-identifier 1"),
        )
        .unwrap_err();
        assert!(e.contains("not allowed for publish"), "{e}");
        let e = extract(&crate::Cli::command(), args("mqtt pub -D publish nope 1")).unwrap_err();
        assert!(e.contains("invalid property identifier"), "{e}");
        let e = extract(&crate::Cli::command(), args("mqtt pub -D publish")).unwrap_err();
        assert!(e.contains("missing"), "{e}");
    }

    #[test]
    fn values_are_parsed_into_properties() {
        let (_, props) = extract(
            &crate::Cli::command(),
            args("mqtt sub -D subscribe subscription-identifier 7 -D connect receive-maximum 5"),
        )
        .unwrap();
        let p = props.properties(Stage::Subscribe).unwrap();
        assert_eq!(p.subscription_identifiers, vec![7]);
        let mut c = Config::default();
        props.apply_connect(&mut c).unwrap();
        assert_eq!(c.receive_maximum, 5);
        let (_, bad) = extract(
            &crate::Cli::command(),
            args("mqtt sub -D connect receive-maximum many"),
        )
        .unwrap();
        assert!(bad.apply_connect(&mut c).is_err());
    }
}
