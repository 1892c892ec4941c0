//! Word-at-a-time byte scans for the validation on the hot paths (topic
//! names, strings, topic filters).
//!
//! Strings on the wire are nearly always short ASCII, so a whole string is
//! tested eight bytes at a time for "anything unusual" (a non-ASCII byte,
//! U+0000, a wildcard) with a handful of integer operations per word and one
//! branch per string; only a hit falls back to the exact, per-byte rules.

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

/// High bit set in (at least) the bytes of `v` that are zero; exact as a
/// yes/no answer (a borrow may also mark bytes above a zero byte).
#[inline(always)]
const fn zero_bytes(v: u64) -> u64 {
    v.wrapping_sub(LO) & !v & HI
}

/// Non-ASCII or NUL bytes: a string that passes is valid UTF-8 without U+0000.
#[inline(always)]
pub(crate) const fn text_mark(v: u64) -> u64 {
    (v & HI) | zero_bytes(v)
}

/// `+` or `#` in an ASCII word: `b ^ b'+'` is 0 for `+` and 0x08 for `#`
/// (0x23), so masking bit 3 off leaves 0 for exactly those two.
#[inline(always)]
pub(crate) const fn wildcard_mark(v: u64) -> u64 {
    zero_bytes((v ^ (LO * b'+' as u64)) & ((LO * 0xF7) & !HI))
}

/// What a topic name may not contain: non-ASCII (checked exactly elsewhere),
/// NUL, `+`, `#`.
#[inline(always)]
pub(crate) const fn name_mark(v: u64) -> u64 {
    text_mark(v) | wildcard_mark(v)
}

/// Exactly the `+` and `#` bytes of a word whose bytes are all ASCII (high
/// bit set in each such byte, no false positives: with the high bits clear,
/// adding 0x7F to a byte cannot carry into the next).
#[inline(always)]
pub(crate) const fn ascii_wildcards(v: u64) -> u64 {
    let w = (v ^ (LO * b'+' as u64)) & ((LO * 0xF7) & !HI);
    !(w.wrapping_add(LO * 0x7F) | w) & HI
}

/// The eight bytes of `b` at `at` (in bounds: callers pass `at + 8 <= b.len()`).
#[inline(always)]
pub(crate) fn word_at(b: &[u8], at: usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(w)
}

/// The four bytes of `b` at `at` (in bounds: callers pass `at + 4 <= b.len()`).
#[inline(always)]
fn half_at(b: &[u8], at: usize) -> u64 {
    let mut w = [0u8; 4];
    w.copy_from_slice(&b[at..at + 4]);
    u64::from(u32::from_le_bytes(w))
}

/// Whether any byte of `b` is `bad`, sixteen bytes at a time for inputs of
/// sixteen bytes or more (written so that the compiler turns each block into
/// a few vector compares: `bad` must be branch-free, using `|` not `||`), and
/// through [`scan`]'s words with `mark` (the same rule on words) below that.
///
/// Blocks are taken in pairs whose flags are OR-ed lane by lane before the
/// one test: a topic of 16 to 32 bytes (the usual size) is two overlapping
/// blocks, no loop, one branch.
#[inline(always)]
pub(crate) fn any_byte(b: &[u8], bad: impl Fn(u8) -> bool, mark: impl Fn(u64) -> u64) -> bool {
    let n = b.len();
    if n < 16 {
        return scan(b, mark) != 0;
    }
    let pair = |x: &[u8; 16], y: &[u8; 16]| pair_any(x, y, &bad);
    // The last sixteen bytes (in bounds: `n >= 16`), which may overlap bytes
    // seen in other blocks, harmlessly.
    let Ok(last) = <&[u8; 16]>::try_from(&b[n - 16..]) else {
        return true;
    };
    let Ok(first) = <&[u8; 16]>::try_from(&b[..16]) else {
        return true;
    };
    if n <= 32 {
        // The usual topic: the first and the last sixteen bytes cover it.
        return pair(first, last);
    }
    let mut hit = false;
    let mut at = 0;
    // Pairs of whole blocks before the last one...
    while at + 32 < n {
        if let (Ok(x), Ok(y)) = (
            <&[u8; 16]>::try_from(&b[at..at + 16]),
            <&[u8; 16]>::try_from(&b[at + 16..at + 32]),
        ) {
            hit |= pair(x, y);
        }
        at += 32;
    }
    // ...then the block at `at` (if not past the last) with the last one.
    let Ok(x) = <&[u8; 16]>::try_from(&b[at.min(n - 16)..at.min(n - 16) + 16]) else {
        return true;
    };
    hit | pair(x, last)
}

/// Whether any byte of `x` or `y` is `bad`: a constant trip count and no
/// early exit, so that it compiles to vector compares and one mask test.
#[inline(always)]
fn pair_any(x: &[u8; 16], y: &[u8; 16], bad: &impl Fn(u8) -> bool) -> bool {
    let mut acc = false;
    for i in 0..16 {
        acc |= bad(x[i]) | bad(y[i]);
    }
    acc
}

/// U+0000 bytes (see [`zero_bytes`]): what a UTF-8 string field may not hold.
#[inline(always)]
pub(crate) const fn nul_mark(v: u64) -> u64 {
    zero_bytes(v)
}

/// A NUL byte (see [`nul_mark`]).
#[inline(always)]
pub(crate) fn nul_byte(x: u8) -> bool {
    x == 0
}

/// A byte that is non-ASCII, NUL, `+` or `#` (see [`name_mark`]).
#[inline(always)]
pub(crate) fn name_byte(x: u8) -> bool {
    (x >= 0x80) | (x == 0) | (x == b'+') | (x == b'#')
}

/// A byte that is non-ASCII or NUL (see [`text_mark`]).
#[inline(always)]
pub(crate) fn text_byte(x: u8) -> bool {
    (x >= 0x80) | (x == 0)
}

/// The OR of `mark` over words that together cover every byte of `b` (some
/// bytes twice; short inputs padded with `a`, which no mark flags). Zero
/// means no byte of `b` was marked.
#[inline(always)]
pub(crate) fn scan(b: &[u8], mark: impl Fn(u64) -> u64) -> u64 {
    let n = b.len();
    if n >= 8 {
        let mut acc = 0;
        let mut at = 0;
        while at + 8 <= n {
            acc |= mark(word_at(b, at));
            at += 8;
        }
        if at < n {
            // The tail as the last eight bytes, overlapping bytes already seen.
            acc |= mark(word_at(b, n - 8));
        }
        acc
    } else if n >= 4 {
        mark(half_at(b, 0) | (half_at(b, n - 4) << 32))
    } else if n > 0 {
        // b[0], b[n / 2], b[n - 1] cover every byte of a 1..=3 byte input.
        let pad = (LO * u64::from(b'a')) & !0xFF_FFFF;
        mark(pad | u64::from(b[0]) | u64::from(b[n / 2]) << 8 | u64::from(b[n - 1]) << 16)
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;
    use alloc::vec::Vec;

    fn marked(b: &[u8], mark: impl Fn(u64) -> u64) -> bool {
        let words = scan(b, &mark) != 0;
        // The block scan agrees with the word scan on the same rule.
        let plus_among_letters = ((LO * u64::from(b'a')) & !0xFF) | u64::from(b'+');
        let by_block = if mark(plus_among_letters) != 0 {
            any_byte(b, name_byte, &mark)
        } else {
            any_byte(b, text_byte, &mark)
        };
        assert_eq!(words, by_block, "{b:?}");
        words
    }

    #[test]
    fn every_forbidden_byte_is_found_at_every_offset_and_length() {
        // Up to 100: one word, two words, a block pair, and several pairs.
        for len in 1..=100 {
            for at in 0..len {
                for bad in [0u8, b'+', b'#', 0x80, 0xC3, 0xFF] {
                    let mut b = vec![b'x'; len];
                    b[at] = bad;
                    assert!(marked(&b, name_mark), "len {len} at {at} byte {bad:#x}");
                    let text = bad == 0 || bad >= 0x80;
                    assert_eq!(
                        marked(&b, text_mark),
                        text,
                        "len {len} at {at} byte {bad:#x}"
                    );
                }
            }
        }
    }

    #[test]
    fn plain_ascii_is_not_marked_at_any_length() {
        let all: Vec<u8> = (1u8..0x80).filter(|&c| c != b'+' && c != b'#').collect();
        for len in 0..=all.len() {
            for start in 0..all.len() - len {
                assert!(!marked(&all[start..start + len], name_mark));
            }
        }
        assert!(!marked(b"+#", text_mark));
    }

    #[test]
    fn ascii_wildcards_marks_exactly_the_wildcard_bytes() {
        let mut b = *b"a+b#c/+#";
        for c in 1..0x80u8 {
            b[0] = c;
            let m = ascii_wildcards(word_at(&b, 0));
            let expect: u64 = b
                .iter()
                .enumerate()
                .filter(|(_, &x)| x == b'+' || x == b'#')
                .map(|(i, _)| 0x80u64 << (8 * i))
                .sum();
            assert_eq!(m, expect, "first byte {c:#x}");
        }
    }

    #[test]
    fn marks_agree_with_the_per_byte_rules_for_every_byte_value() {
        for c in 0..=255u8 {
            let b = [c];
            assert_eq!(marked(&b, text_mark), c == 0 || c >= 0x80, "{c:#x}");
            assert_eq!(
                marked(&b, name_mark),
                c == 0 || c >= 0x80 || c == b'+' || c == b'#',
                "{c:#x}"
            );
            assert_eq!(scan(&b, nul_mark) != 0, c == 0, "{c:#x}");
            let mut long = [b'x'; 40];
            long[39] = c;
            assert_eq!(any_byte(&long, nul_byte, nul_mark), c == 0, "{c:#x}");
        }
    }
}
