//! The `pub` and `sub` examples, used like mosquitto_pub / mosquitto_sub.

mod support;

#[path = "../examples/pub.rs"]
mod pub_tool;

#[path = "../examples/sub.rs"]
mod sub_tool;

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[test]
fn pub_retained_then_sub_prints_it_with_the_topic() {
    for broker in support::brokers() {
        let topic = format!("{}tool", support::prefix("tools"));
        let url = broker.url();
        pub_tool::run(args(&[
            "-L",
            url,
            "-t",
            &topic,
            "-m",
            "hello tools",
            "-q",
            "1",
            "-r",
        ]))
        .unwrap_or_else(|e| panic!("{}: pub: {}", broker.name, mqtt_testkit::cli::chain(&*e)));
        let mut out = Vec::new();
        sub_tool::run(
            args(&["-L", url, "-t", &topic, "-v", "-C", "1", "-W", "10"]),
            &mut out,
        )
        .unwrap_or_else(|e| panic!("{}: sub: {}", broker.name, mqtt_testkit::cli::chain(&*e)));
        assert_eq!(
            String::from_utf8(out).unwrap(),
            format!("{topic} hello tools\n"),
            "{}",
            broker.name
        );
        // Clear the retained message.
        pub_tool::run(args(&["-L", url, "-t", &topic, "-n", "-r", "-q", "1"])).unwrap();
    }
}

#[test]
fn pub_without_a_message_is_a_usage_error() {
    let broker = support::brokers().remove(0);
    let err = pub_tool::run(args(&["-L", broker.url(), "-t", "a"])).unwrap_err();
    assert!(err.to_string().contains("nothing to publish"), "{err}");
}

#[test]
fn unknown_protocol_version_flag_is_refused() {
    let err = pub_tool::run(args(&["-V", "4", "-t", "a", "-m", "b"])).unwrap_err();
    assert!(
        err.to_string().contains("unknown protocol version"),
        "{err}"
    );
}

#[test]
fn sub_with_mqtt5_flag_speaks_mqtt5() {
    for broker in support::brokers() {
        let Some(url) = broker.caps.url(mqtt_std::ProtocolVersion::V5) else {
            // RabbitMQ 3.10 has no MQTT 5 (its refusal is checked in tests/delivery.rs).
            assert!(
                support::is_rabbitmq(&broker),
                "{} should speak MQTT 5",
                broker.name
            );
            continue;
        };
        let topic = format!("{}v5tool", support::prefix("tools5"));
        pub_tool::run(args(&[
            "-L", url, "-V", "5", "-t", &topic, "-m", "five", "-r", "-q", "1",
        ]))
        .unwrap();
        let mut out = Vec::new();
        sub_tool::run(
            args(&["-L", url, "-V", "5", "-t", &topic, "-C", "1", "-W", "10"]),
            &mut out,
        )
        .unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "five\n", "{}", broker.name);
        pub_tool::run(args(&[
            "-L", url, "-V", "5", "-t", &topic, "-n", "-r", "-q", "1",
        ]))
        .unwrap();
    }
}
