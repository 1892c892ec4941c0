//! Topic names, topic filters and matching (MQTT §4.7, shared subscriptions §4.8.2).

use mqtt_sansio::topic::{
    matches, shared_subscription, validate_topic_filter, validate_topic_name, TopicError,
};
use proptest::prelude::*;

// ------------------------------------------------------------ validation

#[test]
fn topic_names_must_not_be_empty() {
    // [MQTT-4.7.3-1]
    assert_eq!(validate_topic_name(""), Err(TopicError::Empty));
    assert_eq!(validate_topic_filter(""), Err(TopicError::Empty));
}

#[test]
fn topic_names_and_filters_are_at_most_65535_bytes() {
    // [MQTT-4.7.3-3]
    let ok = "a".repeat(65_535);
    assert_eq!(validate_topic_name(&ok), Ok(()));
    assert_eq!(validate_topic_filter(&ok), Ok(()));
    let long = "a".repeat(65_536);
    assert_eq!(
        validate_topic_name(&long),
        Err(TopicError::TooLong { len: 65_536 })
    );
    assert_eq!(
        validate_topic_filter(&long),
        Err(TopicError::TooLong { len: 65_536 })
    );
}

#[test]
fn topic_names_and_filters_must_not_contain_the_null_character() {
    // [MQTT-4.7.3-2]
    assert_eq!(validate_topic_name("a\0b"), Err(TopicError::NullCharacter));
    assert_eq!(
        validate_topic_filter("a/\0"),
        Err(TopicError::NullCharacter)
    );
    assert_eq!(
        validate_topic_filter("$share/g\0/t"),
        Err(TopicError::NullCharacter)
    );
}

#[test]
fn wildcards_are_not_allowed_in_topic_names() {
    // [MQTT-4.7.1-1]
    for t in ["+", "#", "a/+", "a/#", "a+b"] {
        assert_eq!(
            validate_topic_name(t),
            Err(TopicError::WildcardInTopicName),
            "{t}"
        );
    }
}

#[test]
fn a_forbidden_character_is_found_at_every_position_of_names_of_every_length() {
    // The scan works eight bytes at a time: cover every offset in and across words.
    for len in 1..=40 {
        for at in 0..len {
            for (c, e) in [
                ('+', TopicError::WildcardInTopicName),
                ('#', TopicError::WildcardInTopicName),
                ('\0', TopicError::NullCharacter),
            ] {
                let mut t: Vec<char> = "abcdefghij".chars().cycle().take(len).collect();
                t[at] = c;
                let t: String = t.into_iter().collect();
                assert_eq!(validate_topic_name(&t), Err(e), "{t:?}");
            }
        }
        let clean: String = "é/xyz".chars().cycle().take(len).collect();
        assert_eq!(validate_topic_name(&clean), Ok(()), "{clean:?}");
    }
}

#[test]
fn topic_names_may_have_empty_levels_spaces_and_a_leading_dollar() {
    for t in ["/", "a//b", "/finance", "a b/c", "$SYS/broker", "é/ü"] {
        assert_eq!(validate_topic_name(t), Ok(()), "{t}");
    }
}

#[test]
fn multi_level_wildcard_must_be_the_whole_last_level() {
    // [MQTT-4.7.1-2]
    for f in ["#", "sport/#", "/#", "sport/tennis/#"] {
        assert_eq!(validate_topic_filter(f), Ok(()), "{f}");
    }
    for f in [
        "sport/tennis#",
        "sport/tennis/#/ranking",
        "#/",
        "a/##",
        "#a",
    ] {
        assert_eq!(
            validate_topic_filter(f),
            Err(TopicError::MultiLevelWildcardNotLast),
            "{f}"
        );
    }
}

#[test]
fn single_level_wildcard_must_be_a_whole_level() {
    // [MQTT-4.7.1-3]
    for f in ["+", "+/tennis/#", "sport/+/player1", "/+", "+/+", "a/+/"] {
        assert_eq!(validate_topic_filter(f), Ok(()), "{f}");
    }
    for f in ["sport+", "+a", "a/b+/c", "++"] {
        assert_eq!(
            validate_topic_filter(f),
            Err(TopicError::SingleLevelWildcardNotWholeLevel),
            "{f}"
        );
    }
}

#[test]
fn shared_subscription_needs_a_group_and_a_filter() {
    // [MQTT-4.8.2-1] [MQTT-4.8.2-2]
    assert_eq!(validate_topic_filter("$share/g/a/+"), Ok(()));
    assert_eq!(validate_topic_filter("$share/g/#"), Ok(()));
    assert_eq!(
        validate_topic_filter("$share/"),
        Err(TopicError::SharedSubscriptionEmptyGroup)
    );
    assert_eq!(
        validate_topic_filter("$share//t"),
        Err(TopicError::SharedSubscriptionEmptyGroup)
    );
    assert_eq!(
        validate_topic_filter("$share/g"),
        Err(TopicError::SharedSubscriptionMissingFilter)
    );
    assert_eq!(
        validate_topic_filter("$share/g/"),
        Err(TopicError::SharedSubscriptionMissingFilter)
    );
    assert_eq!(
        validate_topic_filter("$share/g+/t"),
        Err(TopicError::SharedSubscriptionInvalidGroup)
    );
    assert_eq!(
        validate_topic_filter("$share/#/t"),
        Err(TopicError::SharedSubscriptionInvalidGroup)
    );
    // The filter part obeys the filter rules.
    assert_eq!(
        validate_topic_filter("$share/g/a#"),
        Err(TopicError::MultiLevelWildcardNotLast)
    );
}

#[test]
fn a_filter_merely_starting_with_share_is_not_shared() {
    assert_eq!(validate_topic_filter("$share"), Ok(()));
    assert_eq!(validate_topic_filter("$shared/g/t"), Ok(()));
    assert_eq!(shared_subscription("$share"), None);
    assert_eq!(shared_subscription("$shared/g/t"), None);
}

#[test]
fn shared_subscription_splits_group_and_filter() {
    assert_eq!(
        shared_subscription("$share/consumers/sport/#"),
        Some(("consumers", "sport/#"))
    );
    assert_eq!(shared_subscription("$share/g/t"), Some(("g", "t")));
    assert_eq!(shared_subscription("$share//t"), None);
    assert_eq!(shared_subscription("$share/g"), None);
    assert_eq!(shared_subscription("sport/#"), None);
}

// -------------------------------------------------------------- matching

#[test]
fn multi_level_wildcard_matches_the_parent_and_every_descendant() {
    // §4.7.1.2: "sport/tennis/player1/#" matches "sport/tennis/player1" too.
    let f = "sport/tennis/player1/#";
    assert!(matches(f, "sport/tennis/player1"));
    assert!(matches(f, "sport/tennis/player1/ranking"));
    assert!(matches(f, "sport/tennis/player1/score/wimbledon"));
    assert!(!matches(f, "sport/tennis/player2"));
    assert!(matches("sport/#", "sport"));
    assert!(matches("#", "sport/tennis"));
}

#[test]
fn single_level_wildcard_matches_exactly_one_level() {
    // §4.7.1.3
    assert!(matches("sport/tennis/+", "sport/tennis/player1"));
    assert!(matches("sport/tennis/+", "sport/tennis/player2"));
    assert!(!matches("sport/tennis/+", "sport/tennis/player1/ranking"));
    assert!(!matches("sport/+", "sport"));
    assert!(matches("sport/+", "sport/"));
    assert!(matches("+/+", "/finance"));
    assert!(matches("/+", "/finance"));
    assert!(!matches("+", "/finance"));
}

#[test]
fn exact_filters_match_only_the_same_topic() {
    assert!(matches("a/b", "a/b"));
    assert!(!matches("a/b", "a/b/c"));
    assert!(!matches("a/b/c", "a/b"));
    assert!(!matches("a/b", "A/b"));
    assert!(!matches("a/b", "a/b/"));
}

#[test]
fn leading_wildcards_do_not_match_dollar_topics() {
    // [MQTT-4.7.2-1]
    assert!(!matches("#", "$SYS/monitor/Clients"));
    assert!(!matches("+/monitor/Clients", "$SYS/monitor/Clients"));
    assert!(matches("$SYS/#", "$SYS/monitor/Clients"));
    assert!(matches("$SYS/monitor/+", "$SYS/monitor/Clients"));
    assert!(!matches("#", "$"));
}

#[test]
fn shared_filters_match_as_their_inner_filter() {
    assert!(matches("$share/g/sport/#", "sport/tennis"));
    assert!(!matches("$share/g/sport/#", "news"));
    assert!(!matches("$share/g/#", "$SYS/x"));
}

#[test]
fn weathr_routing_from_the_seed_guide() {
    let topics = [
        "americas/north/us/ca/sandiego",
        "americas/north/us/ca/berkeley",
        "americas/north/us/ca/sanfrancisco",
        "americas/north/us/ny/newyork",
        "americas/south/brazil/saopaolo",
        "asia/southeast/hk/hongkong",
        "asia/southeast/japan/kyoto",
        "asia/southeast/prc/shanghai",
        "europe/italy/rome",
        "europe/france/paris",
    ];
    let expected: [(&str, &[usize]); 8] = [
        ("americas/north/#", &[1, 2, 3, 4]),
        ("americas/south/#", &[5]),
        ("americas/north/us/ca/+", &[1, 2, 3]),
        ("europe/italy/rome", &[9]),
        ("asia/southeast/hk/+", &[6]),
        ("asia/southeast/#", &[6, 7, 8]),
        ("europe/#", &[9, 10]),
        ("+/southeast/+/+", &[6, 7, 8]),
    ];
    let mut total = 0;
    for (filter, want) in expected {
        let got: Vec<usize> = topics
            .iter()
            .enumerate()
            .filter(|(_, t)| matches(filter, t))
            .map(|(i, _)| i + 1)
            .collect();
        assert_eq!(got, want, "{filter}");
        total += got.len();
    }
    assert_eq!(total, 18);
    assert!(matches("americas/south/#", "americas/south"));
}

#[test]
fn every_topic_error_says_what_is_wrong_in_its_own_words() {
    // The messages adapters show to users: one per rule, none empty.
    let errors = [
        TopicError::Empty,
        TopicError::TooLong { len: 65_536 },
        TopicError::NullCharacter,
        TopicError::WildcardInTopicName,
        TopicError::MultiLevelWildcardNotLast,
        TopicError::SingleLevelWildcardNotWholeLevel,
        TopicError::SharedSubscriptionEmptyGroup,
        TopicError::SharedSubscriptionInvalidGroup,
        TopicError::SharedSubscriptionMissingFilter,
    ];
    let texts: std::collections::BTreeSet<String> = errors.iter().map(|e| e.to_string()).collect();
    assert_eq!(texts.len(), errors.len(), "{texts:?}");
    assert!(texts.iter().all(|t| !t.is_empty()));
    assert_eq!(
        TopicError::WildcardInTopicName.to_string(),
        "topic name contains a wildcard"
    );
}

// ---------------------------------------------------------- properties

/// An independent matcher: recursion over levels, straight from §4.7.
fn reference(filter: &[&str], topic: &[&str]) -> bool {
    match (filter.split_first(), topic.split_first()) {
        (Some((&"#", _)), _) => true,
        (Some((&"+", f)), Some((_, t))) => reference(f, t),
        (Some((a, f)), Some((b, t))) => a == b && reference(f, t),
        (None, None) => true,
        _ => false,
    }
}

fn level() -> impl Strategy<Value = String> {
    prop_oneof!["[ab]{0,2}", Just("$".to_string())]
}

fn filter() -> impl Strategy<Value = String> {
    (
        proptest::collection::vec(prop_oneof![3 => level(), 1 => Just("+".to_string())], 1..5),
        any::<bool>(),
    )
        .prop_map(|(levels, hash)| {
            let mut f = levels.join("/");
            if hash {
                f.push_str(if f.is_empty() { "#" } else { "/#" });
            }
            f
        })
}

fn topic() -> impl Strategy<Value = String> {
    proptest::collection::vec(level(), 1..5).prop_map(|l| l.join("/"))
}

proptest! {
    #[test]
    fn matches_agrees_with_a_level_by_level_reference(f in filter(), t in topic()) {
        prop_assume!(validate_topic_filter(&f).is_ok() && validate_topic_name(&t).is_ok());
        let fl: Vec<&str> = f.split('/').collect();
        let tl: Vec<&str> = t.split('/').collect();
        let dollar_rule = t.starts_with('$') && (fl[0] == "+" || fl[0] == "#");
        prop_assert_eq!(matches(&f, &t), !dollar_rule && reference(&fl, &tl));
    }

    #[test]
    fn a_valid_topic_name_is_a_filter_matching_itself(t in topic()) {
        prop_assume!(validate_topic_name(&t).is_ok());
        prop_assert_eq!(validate_topic_filter(&t), Ok(()));
        prop_assert!(matches(&t, &t));
    }

    #[test]
    fn a_shared_filter_matches_exactly_what_its_inner_filter_matches(f in filter(), t in topic()) {
        prop_assume!(validate_topic_filter(&f).is_ok());
        let shared = format!("$share/grp/{f}");
        prop_assert_eq!(matches(&shared, &t), matches(&f, &t));
    }

    #[test]
    fn validation_and_matching_never_panic(f in "\\PC{0,12}", t in "\\PC{0,12}") {
        let _ = validate_topic_filter(&f);
        let _ = validate_topic_name(&t);
        let _ = matches(&f, &t);
        let _ = shared_subscription(&f);
    }
}
