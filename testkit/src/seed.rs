//! The seed's three getting-started programs (Machine Head's guide, see
//! `shared/reference/seed-examples.md`) as data: what each publishes and the
//! exact deliveries it must produce, with checkers the examples' integration
//! tests of every adapter share.

/// hello_world: the topic (after the test's prefix) and its one message.
pub const HELLO_TOPIC: &str = "hello";
/// hello_world: the payload, received exactly once.
pub const HELLO_PAYLOAD: &str = "Hello, world";

/// blabbr: the four consumers, each on its own connection.
pub const BLABBR_NAMES: [&str; 4] = ["joe", "aaron", "bob", "dee"];
/// blabbr: the two scores published, which every consumer gets in this order.
pub const BLABBR_MESSAGES: [&str; 2] = ["BOS 101, NYK 89", "ORL 85, ALT 88"];

/// weathr: the ten updates `(topic, payload)`, in publish order; publisher A
/// sends the first five, publisher B the last five.
pub const WEATHR_UPDATES: [(&str, &str); 10] = [
    ("americas/north/us/ca/sandiego", "San Diego update"),
    ("americas/north/us/ca/berkeley", "Berkeley update"),
    ("americas/north/us/ca/sanfrancisco", "SF update"),
    ("americas/north/us/ny/newyork", "NYC update"),
    ("americas/south/brazil/saopaolo", "São Paolo update"),
    ("asia/southeast/hk/hongkong", "Hong Kong update"),
    ("asia/southeast/japan/kyoto", "Kyoto update"),
    ("asia/southeast/prc/shanghai", "Shanghai update"),
    ("europe/italy/rome", "Rome update"),
    ("europe/france/paris", "Paris update"),
];

/// weathr: the eight subscribers' filters (one connection each) and the
/// updates (1-based numbers into [`WEATHR_UPDATES`]) each must receive.
pub const WEATHR_ROUTES: [(&str, &[usize]); 8] = [
    ("americas/north/#", &[1, 2, 3, 4]),
    ("americas/south/#", &[5]),
    ("americas/north/us/ca/+", &[1, 2, 3]),
    ("europe/italy/rome", &[9]),
    ("asia/southeast/hk/+", &[6]),
    ("asia/southeast/#", &[6, 7, 8]),
    ("europe/#", &[9, 10]),
    ("+/southeast/+/+", &[6, 7, 8]),
];

/// weathr: the eight filters, in subscriber order.
pub const WEATHR_FILTERS: [&str; 8] = {
    let mut f = [""; 8];
    let mut i = 0;
    while i < 8 {
        f[i] = WEATHR_ROUTES[i].0;
        i += 1;
    }
    f
};

/// weathr: deliveries in all, over the eight subscribers.
pub const WEATHR_DELIVERIES: usize = 18;

/// Checks blabbr's deliveries `(consumer, payload)`: each consumer got both
/// scores once, in publish order, and nothing else arrived.
///
/// ```
/// use mqtt_testkit::seed::{check_blabbr, BLABBR_MESSAGES, BLABBR_NAMES};
/// let mut got = Vec::new();
/// for m in BLABBR_MESSAGES {
///     for n in BLABBR_NAMES {
///         got.push((n.to_string(), m.to_string()));
///     }
/// }
/// assert_eq!(check_blabbr(&got), Ok(()));
/// got.pop();
/// assert!(check_blabbr(&got).is_err());
/// ```
pub fn check_blabbr(got: &[(String, String)]) -> Result<(), String> {
    let expected = BLABBR_NAMES.len() * BLABBR_MESSAGES.len();
    if got.len() != expected {
        return Err(format!("{expected} deliveries expected, got {got:?}"));
    }
    for name in BLABBR_NAMES {
        let mine: Vec<&str> = got
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, m)| m.as_str())
            .collect();
        if mine != BLABBR_MESSAGES {
            return Err(format!(
                "consumer {name}: expected {BLABBR_MESSAGES:?} in order, got {mine:?}"
            ));
        }
    }
    Ok(())
}

/// Checks weathr's deliveries `(filter, topic, payload)` (the test's prefix
/// removed): 18 in all, each filter got exactly its updates, and each
/// publisher's updates arrived in its publish order (the order between the
/// two publishers is free).
///
/// ```
/// use mqtt_testkit::seed::{check_weathr, WEATHR_ROUTES, WEATHR_UPDATES};
/// let mut got = Vec::new();
/// for (filter, numbers) in WEATHR_ROUTES {
///     for n in numbers {
///         let (t, p) = WEATHR_UPDATES[n - 1];
///         got.push((filter.to_string(), t.to_string(), p.to_string()));
///     }
/// }
/// assert_eq!(check_weathr(&got), Ok(()));
/// got[0].1 = "europe/france/paris".into();
/// assert!(check_weathr(&got).is_err());
/// ```
pub fn check_weathr(got: &[(String, String, String)]) -> Result<(), String> {
    if got.len() != WEATHR_DELIVERIES {
        return Err(format!(
            "{WEATHR_DELIVERIES} deliveries expected, got {}: {got:?}",
            got.len()
        ));
    }
    for (filter, expected) in WEATHR_ROUTES {
        let mut order = Vec::new();
        for (_, topic, payload) in got.iter().filter(|(f, _, _)| f == filter) {
            let i = WEATHR_UPDATES
                .iter()
                .position(|(t, p)| t == topic && p == payload)
                .ok_or_else(|| format!("{filter}: unknown delivery {topic} {payload:?}"))?;
            order.push(i + 1);
        }
        for publisher in [1..=5, 6..=10] {
            let mine: Vec<usize> = order
                .iter()
                .copied()
                .filter(|n| publisher.contains(n))
                .collect();
            if !mine.windows(2).all(|w| w[0] < w[1]) {
                return Err(format!("{filter}: out of publish order: {mine:?}"));
            }
        }
        order.sort_unstable();
        if order != expected {
            return Err(format!(
                "{filter}: expected updates {expected:?}, got {order:?}"
            ));
        }
    }
    Ok(())
}

/// How long an example waits for each delivery it expects.
pub const EXAMPLE_WAIT: std::time::Duration = std::time::Duration::from_secs(10);
/// How long an example keeps listening for deliveries that should not come.
pub const EXAMPLE_LINGER: std::time::Duration = std::time::Duration::from_millis(300);

/// What an example received on `rx`: the `n` deliveries it expects (each
/// within [`EXAMPLE_WAIT`] of the one before, else an error), then any extra
/// one that arrives within [`EXAMPLE_LINGER`] (the checkers count them), on
/// runtime `R`'s timer.
pub async fn deliveries<R: mqtt_adapter::aio::Runtime, T>(
    rx: &async_channel::Receiver<T>,
    n: usize,
) -> Result<Vec<T>, String> {
    use crate::async_suite::within;
    let mut got = Vec::with_capacity(n);
    while got.len() < n {
        match within::<R, _>(EXAMPLE_WAIT, rx.recv()).await {
            Some(Ok(d)) => got.push(d),
            _ => {
                return Err(format!(
                    "{} of {n} deliveries within {EXAMPLE_WAIT:?} each",
                    got.len()
                ))
            }
        }
    }
    while let Some(Ok(extra)) = within::<R, _>(EXAMPLE_LINGER, rx.recv()).await {
        got.push(extra);
    }
    Ok(got)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all() -> Vec<(String, String, String)> {
        let mut got = Vec::new();
        for (filter, numbers) in WEATHR_ROUTES {
            for n in numbers {
                let (t, p) = WEATHR_UPDATES[n - 1];
                got.push((filter.to_owned(), t.to_owned(), p.to_owned()));
            }
        }
        got
    }

    #[test]
    fn the_routes_add_up_to_eighteen_deliveries() {
        assert_eq!(all().len(), WEATHR_DELIVERIES);
        assert_eq!(check_weathr(&all()), Ok(()));
    }

    #[test]
    fn the_routes_are_what_the_topic_rules_decide() {
        for (filter, numbers) in WEATHR_ROUTES {
            let matched: Vec<usize> = WEATHR_UPDATES
                .iter()
                .enumerate()
                .filter(|(_, (t, _))| mqtt_sansio::topic::matches(filter, t))
                .map(|(i, _)| i + 1)
                .collect();
            assert_eq!(matched, numbers, "{filter}");
        }
    }

    #[test]
    fn a_duplicate_weathr_delivery_is_reported() {
        let mut got = all();
        got[1] = got[0].clone();
        assert!(check_weathr(&got).is_err());
    }

    #[test]
    fn one_publishers_updates_out_of_order_are_reported() {
        let mut got = all();
        // americas/north/# got 1, 2, 3, 4 from publisher A: swap two.
        got.swap(0, 1);
        assert!(check_weathr(&got).unwrap_err().contains("order"));
    }

    #[test]
    fn blabbr_scores_out_of_order_are_reported() {
        let mut got = Vec::new();
        for m in BLABBR_MESSAGES.iter().rev() {
            for n in BLABBR_NAMES {
                got.push((n.to_owned(), (*m).to_owned()));
            }
        }
        assert!(check_blabbr(&got).is_err());
    }
}
