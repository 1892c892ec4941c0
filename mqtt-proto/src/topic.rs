//! Topic names and topic filters: validation and matching (MQTT §4.7),
//! including the `$` rule and shared subscriptions `$share/{group}/{filter}` (§4.8.2).
//!
//! ```
//! use mqtt_sansio::topic::{matches, validate_topic_filter, validate_topic_name};
//! assert!(validate_topic_name("sensors/building-1/temp").is_ok());
//! assert!(validate_topic_filter("sensors/+/temp").is_ok());
//! assert!(matches("sensors/#", "sensors"));           // '#' matches the parent level too
//! assert!(matches("$share/g/sensors/+", "sensors/a")); // a shared filter matches as its filter
//! assert!(!matches("#", "$SYS/uptime"));                // leading wildcards skip '$' topics
//! ```

/// The longest topic name or filter: a UTF-8 string's 16-bit length prefix `[MQTT-4.7.3-3]`.
pub const MAX_TOPIC_LEN: usize = 65_535;

/// The prefix of a shared subscription's topic filter (MQTT 5 §4.8.2).
pub const SHARED_PREFIX: &str = "$share/";

/// Why a topic name or topic filter is not valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TopicError {
    /// Topic names and filters are at least one character long `[MQTT-4.7.3-1]`.
    Empty,
    /// Longer than 65,535 bytes `[MQTT-4.7.3-3]`.
    TooLong {
        /// Its length in bytes.
        len: usize,
    },
    /// Contains U+0000 `[MQTT-4.7.3-2]`.
    NullCharacter,
    /// A topic name contains `+` or `#`: wildcards are for filters only `[MQTT-4.7.1-1]`.
    WildcardInTopicName,
    /// `#` is not alone in the last level of a filter `[MQTT-4.7.1-2]`.
    MultiLevelWildcardNotLast,
    /// `+` does not occupy a whole level of a filter `[MQTT-4.7.1-3]`.
    SingleLevelWildcardNotWholeLevel,
    /// `$share/` is not followed by a non-empty ShareName `[MQTT-4.8.2-1]`.
    SharedSubscriptionEmptyGroup,
    /// The ShareName contains `+` or `#` `[MQTT-4.8.2-2]`.
    SharedSubscriptionInvalidGroup,
    /// The ShareName is not followed by `/` and a non-empty topic filter `[MQTT-4.8.2-2]`.
    SharedSubscriptionMissingFilter,
}

impl core::fmt::Display for TopicError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let s = match self {
            TopicError::Empty => "topic is empty",
            TopicError::TooLong { .. } => "topic is longer than 65535 bytes",
            TopicError::NullCharacter => "topic contains U+0000",
            TopicError::WildcardInTopicName => "topic name contains a wildcard",
            TopicError::MultiLevelWildcardNotLast => "'#' is not alone in the last level",
            TopicError::SingleLevelWildcardNotWholeLevel => "'+' does not occupy a whole level",
            TopicError::SharedSubscriptionEmptyGroup => "shared subscription without a ShareName",
            TopicError::SharedSubscriptionInvalidGroup => "ShareName contains '+' or '#'",
            TopicError::SharedSubscriptionMissingFilter => "shared subscription without a filter",
        };
        f.write_str(s)
    }
}

#[cfg(feature = "std")]
impl std::error::Error for TopicError {}

#[inline]
fn check_common(s: &str) -> Result<(), TopicError> {
    if s.is_empty() {
        return Err(TopicError::Empty);
    }
    if s.len() > MAX_TOPIC_LEN {
        return Err(TopicError::TooLong { len: s.len() });
    }
    Ok(())
}

/// Checks a topic name (the topic of a PUBLISH or a will): non-empty, at most
/// 65,535 bytes, no U+0000 and no wildcard characters.
///
/// ```
/// use mqtt_sansio::topic::{validate_topic_name, TopicError};
/// assert_eq!(validate_topic_name("a/+/b"), Err(TopicError::WildcardInTopicName));
/// assert_eq!(validate_topic_name(""), Err(TopicError::Empty));
/// ```
#[inline]
pub fn validate_topic_name(topic: &str) -> Result<(), TopicError> {
    check_topic_name(topic.as_bytes())
}

/// [`validate_topic_name`] on the bytes of a `&str`, always inlined: the
/// encoder runs it on every PUBLISH it writes.
#[inline(always)]
pub(crate) fn check_topic_name(b: &[u8]) -> Result<(), TopicError> {
    if b.is_empty() {
        return Err(TopicError::Empty);
    }
    if b.len() > MAX_TOPIC_LEN {
        return Err(TopicError::TooLong { len: b.len() });
    }
    if has_forbidden_name_byte(b) {
        return name_error(b);
    }
    Ok(())
}

/// The exact answer once the quick scan has flagged a byte: a non-ASCII byte
/// alone is fine (the `&str` is UTF-8), U+0000 or a wildcard is not.
#[cold]
#[inline(never)]
fn name_error(b: &[u8]) -> Result<(), TopicError> {
    for &c in b {
        match c {
            0 => return Err(TopicError::NullCharacter),
            b'+' | b'#' => return Err(TopicError::WildcardInTopicName),
            _ => {}
        }
    }
    Ok(())
}

/// Whether `b` may hold U+0000, `+` or `#` (or a non-ASCII byte, which the
/// caller's exact pass then clears): sixteen bytes at a time, since this runs
/// on every PUBLISH sent.
#[inline(always)]
fn has_forbidden_name_byte(b: &[u8]) -> bool {
    use crate::codec::scan::{any_byte, name_byte, name_mark};
    any_byte(b, name_byte, name_mark)
}

/// Checks a topic filter: non-empty, at most 65,535 bytes, no U+0000, `#`
/// only as the whole last level, `+` only as a whole level, and a
/// `$share/{group}/{filter}` filter with a valid group and filter.
///
/// ```
/// use mqtt_sansio::topic::{validate_topic_filter, TopicError};
/// assert!(validate_topic_filter("sport/tennis/#").is_ok());
/// assert_eq!(validate_topic_filter("sport/tennis#"), Err(TopicError::MultiLevelWildcardNotLast));
/// assert_eq!(validate_topic_filter("sport+"), Err(TopicError::SingleLevelWildcardNotWholeLevel));
/// assert_eq!(validate_topic_filter("$share//x"), Err(TopicError::SharedSubscriptionEmptyGroup));
/// ```
pub fn validate_topic_filter(filter: &str) -> Result<(), TopicError> {
    check_topic_filter(filter)
}

/// [`validate_topic_filter`], always inlined: the encoder runs it on every
/// filter of every SUBSCRIBE and UNSUBSCRIBE, where the call and its frame
/// cost about as much as the quick check itself.
#[inline(always)]
pub(crate) fn check_topic_filter(filter: &str) -> Result<(), TopicError> {
    check_common(filter)?;
    if plainly_valid_filter(filter.as_bytes()) {
        return Ok(());
    }
    check_filter_exact(filter)
}

/// The filter rules of [`validate_topic_filter`] after the common checks, byte by byte.
#[inline(never)]
fn check_filter_exact(filter: &str) -> Result<(), TopicError> {
    let inner = match filter.strip_prefix(SHARED_PREFIX) {
        None => filter,
        Some(rest) => {
            let (group, inner) = match rest.split_once('/') {
                Some(parts) => parts,
                None if rest.is_empty() => return Err(TopicError::SharedSubscriptionEmptyGroup),
                None => return Err(TopicError::SharedSubscriptionMissingFilter),
            };
            if group.is_empty() {
                return Err(TopicError::SharedSubscriptionEmptyGroup);
            }
            if group.bytes().any(|b| b == b'+' || b == b'#') {
                return Err(TopicError::SharedSubscriptionInvalidGroup);
            }
            if group.contains('\0') {
                return Err(TopicError::NullCharacter);
            }
            if inner.is_empty() {
                return Err(TopicError::SharedSubscriptionMissingFilter);
            }
            inner
        }
    };
    check_filter_levels(inner.as_bytes())
}

/// A quick "valid" for the usual filter: at least eight bytes, ASCII, no
/// U+0000, not a shared subscription, and every wildcard found (eight bytes
/// at a time) occupying a whole level, `#` only the last. `false` means
/// "apply the exact rules", which also pick the error to report.
#[inline(always)]
pub(crate) fn plainly_valid_filter(b: &[u8]) -> bool {
    use crate::codec::scan::{ascii_wildcards, text_mark, word_at};
    let n = b.len();
    if n < 8 || b.starts_with(SHARED_PREFIX.as_bytes()) {
        return false;
    }
    let mut at = 0;
    loop {
        // The last word overlaps the one before it; a wildcard seen twice is
        // checked twice, harmlessly.
        let start = at.min(n - 8);
        let v = word_at(b, start);
        if text_mark(v) != 0 {
            return false;
        }
        let mut wild = ascii_wildcards(v);
        while wild != 0 {
            let i = start + (wild.trailing_zeros() / 8) as usize;
            wild &= wild - 1;
            let level_start = i == 0 || b[i - 1] == b'/';
            let last = i + 1 == n;
            let ok = match b[i] {
                b'#' => level_start && last,
                _ => level_start && (last || b[i + 1] == b'/'),
            };
            if !ok {
                return false;
            }
        }
        at += 8;
        if at >= n {
            return true;
        }
    }
}

/// One pass over a (non-shared part of a) filter: U+0000, and `#` / `+`
/// each occupying a whole level, `#` only the last.
#[inline]
fn check_filter_levels(b: &[u8]) -> Result<(), TopicError> {
    let last = b.len().wrapping_sub(1);
    for (i, &c) in b.iter().enumerate() {
        match c {
            0 => return Err(TopicError::NullCharacter),
            b'#' if i != last || (i > 0 && b[i - 1] != b'/') => {
                return Err(TopicError::MultiLevelWildcardNotLast);
            }
            b'+' if (i > 0 && b[i - 1] != b'/') || (i != last && b[i + 1] != b'/') => {
                return Err(TopicError::SingleLevelWildcardNotWholeLevel);
            }
            _ => {}
        }
    }
    Ok(())
}

/// Splits a shared subscription filter `$share/{group}/{filter}` into its
/// ShareName and topic filter; `None` for any other filter (or one without a
/// non-empty group and filter).
///
/// ```
/// use mqtt_sansio::topic::shared_subscription;
/// assert_eq!(shared_subscription("$share/workers/jobs/#"), Some(("workers", "jobs/#")));
/// assert_eq!(shared_subscription("jobs/#"), None);
/// ```
pub fn shared_subscription(filter: &str) -> Option<(&str, &str)> {
    let rest = filter.strip_prefix(SHARED_PREFIX)?;
    let (group, inner) = rest.split_once('/')?;
    if group.is_empty() || inner.is_empty() {
        return None;
    }
    Some((group, inner))
}

/// Whether `topic` (a topic name) matches `filter` (a topic filter), by the
/// rules of §4.7:
///
/// - `+` matches exactly one level (which may be empty);
/// - `#` matches any number of levels, including the parent level itself
///   (`sport/#` matches `sport`);
/// - a topic starting with `$` is not matched by a filter whose first level
///   is a wildcard `[MQTT-4.7.2-1]`;
/// - a shared subscription `$share/{group}/{filter}` matches as `{filter}`.
///
/// Both arguments are assumed valid (see [`validate_topic_name`] and
/// [`validate_topic_filter`]); invalid input gives an unspecified answer but
/// never panics.
///
/// ```
/// use mqtt_sansio::topic::matches;
/// assert!(matches("sport/tennis/+", "sport/tennis/player1"));
/// assert!(!matches("sport/tennis/+", "sport/tennis/player1/ranking"));
/// assert!(matches("+/+", "/finance"));
/// assert!(!matches("+/monitor/Clients", "$SYS/monitor/Clients"));
/// assert!(matches("$SYS/#", "$SYS/monitor/Clients"));
/// ```
pub fn matches(filter: &str, topic: &str) -> bool {
    let filter = match shared_subscription(filter) {
        Some((_, inner)) => inner,
        None => filter,
    };
    // Without wildcards, level-by-level equality is string equality: one
    // compare instead of splitting both (the common exact filter).
    if !filter.bytes().any(|b| b == b'+' || b == b'#') {
        return filter == topic;
    }
    if topic.starts_with('$') && (filter.starts_with('+') || filter.starts_with('#')) {
        return false;
    }
    let mut f = filter.split('/');
    let mut t = topic.split('/');
    loop {
        match (f.next(), t.next()) {
            (Some("#"), _) => return true,
            (Some("+"), Some(_)) => {}
            (Some(a), Some(b)) if a == b => {}
            (None, None) => return true,
            _ => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_quick_filter_check_accepts_only_what_the_exact_rules_accept() {
        // Every string of length 8 and 9 (one word, and a word plus an
        // overlapping tail) over an alphabet that exercises each rule
        // (levels, both wildcards, NUL, non-ASCII) at every position.
        let alphabet = [b'a', b'/', b'+', b'#', 0, 0xC3];
        let mut accepted = 0;
        for len in 8..=9usize {
            let mut idx = alloc::vec![0usize; len];
            'all: loop {
                let b: alloc::vec::Vec<u8> = idx.iter().map(|&i| alphabet[i]).collect();
                if plainly_valid_filter(&b) {
                    accepted += 1;
                    let s = core::str::from_utf8(&b).expect("the quick check accepts ASCII only");
                    assert_eq!(check_filter_exact(s), Ok(()), "{s:?}");
                }
                for d in idx.iter_mut() {
                    *d += 1;
                    if *d < alphabet.len() {
                        continue 'all;
                    }
                    *d = 0;
                }
                break;
            }
        }
        // The quick path is not vacuous: it takes most valid filters.
        assert!(accepted > 1000, "{accepted}");
        assert!(plainly_valid_filter(b"sensors/+/floor-3/temp"));
        assert!(plainly_valid_filter(b"sensors/building-1/#"));
        assert!(!plainly_valid_filter(b"$share/g/sensors/#"));
        assert!(!plainly_valid_filter(b"$share/+/sensors/#"));
    }

    #[test]
    fn hash_alone_matches_every_non_dollar_topic() {
        assert!(matches("#", "a"));
        assert!(matches("#", "a/b/c"));
        assert!(matches("#", "/"));
        assert!(!matches("#", "$SYS"));
    }
}
