//! A UTF-8 string that is a zero-copy slice of a [`Bytes`] buffer.

use bytes::Bytes;
use core::fmt;
use core::ops::Deref;

/// The part of `buf` that `sub` borrows, as a `Bytes` sharing `buf`.
///
/// What `Bytes::slice_ref` does, without its general-case branches (an empty
/// subset, range bounds) and inlined: one clone, two cursor moves. Panics if
/// `sub` does not lie inside `buf`; the decoder only passes sub-slices of the
/// frame.
#[inline(always)]
pub(crate) fn share(buf: &Bytes, sub: &[u8]) -> Bytes {
    let at = (sub.as_ptr() as usize).wrapping_sub(buf.as_ptr() as usize);
    // The invariant: `sub` lies inside `buf` (callers pass sub-slices of it).
    assert!(at <= buf.len() && sub.len() <= buf.len() - at);
    let mut b = buf.clone();
    bytes::Buf::advance(&mut b, at);
    b.truncate(sub.len());
    b
}

/// An immutable UTF-8 string backed by [`Bytes`], validated once at construction.
///
/// Decoded topics and strings are `ByteStr`s that share the receive buffer:
/// cloning one is a reference-count increment, never a copy.
///
/// ```
/// use mqtt_sansio::codec::ByteStr;
/// let s = ByteStr::from_static("sensors/temp");
/// assert_eq!(&*s, "sensors/temp");
/// assert_eq!(s.len(), 12);
///
/// // From any &str (copied) or String (moved).
/// let line = String::from("unit=celsius");
/// let (name, value) = line.split_once('=').unwrap();
/// let pair: (ByteStr, ByteStr) = (name.into(), value.to_owned().into());
/// assert_eq!(pair.0, "unit");
/// ```
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ByteStr(Bytes);

impl ByteStr {
    /// An empty string.
    pub const fn new() -> Self {
        ByteStr(Bytes::new())
    }

    /// A string from a `&'static str`, without copying.
    pub const fn from_static(s: &'static str) -> Self {
        ByteStr(Bytes::from_static(s.as_bytes()))
    }

    /// Validates `bytes` as UTF-8 and wraps it without copying.
    ///
    /// This checks only UTF-8 well-formedness; the MQTT rules on top of it
    /// (no U+0000 `[MQTT-1.5.4-2]`) are checked by the codec.
    pub fn from_utf8(bytes: Bytes) -> Result<Self, core::str::Utf8Error> {
        core::str::from_utf8(&bytes)?;
        Ok(ByteStr(bytes))
    }

    /// The part of `buf` that `s` borrows, as a `ByteStr` sharing `buf`.
    ///
    /// `s` being a `&str` proves the bytes are UTF-8. Panics if `s` does not
    /// lie inside `buf`; the decoder only passes sub-slices of the frame.
    #[inline(always)]
    pub(crate) fn slice_of(buf: &Bytes, s: &str) -> Self {
        ByteStr(share(buf, s.as_bytes()))
    }

    /// The string.
    pub fn as_str(&self) -> &str {
        // SAFETY: every constructor validated the bytes as UTF-8 and they are immutable.
        #[allow(unsafe_code)]
        unsafe {
            core::str::from_utf8_unchecked(&self.0)
        }
    }

    /// The underlying bytes (a cheap clone of the shared buffer).
    pub fn as_bytes(&self) -> &Bytes {
        &self.0
    }

    /// Unwraps the underlying bytes.
    pub fn into_bytes(self) -> Bytes {
        self.0
    }
}

impl Deref for ByteStr {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for ByteStr {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl core::borrow::Borrow<str> for ByteStr {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

/// Copies the string: any `&str`, borrowed for any lifetime. For a literal
/// on a hot path, [`ByteStr::from_static`] shares it without copying.
impl From<&str> for ByteStr {
    fn from(s: &str) -> Self {
        ByteStr(Bytes::copy_from_slice(s.as_bytes()))
    }
}

impl From<alloc::string::String> for ByteStr {
    fn from(s: alloc::string::String) -> Self {
        ByteStr(Bytes::from(s.into_bytes()))
    }
}

impl From<&alloc::string::String> for ByteStr {
    fn from(s: &alloc::string::String) -> Self {
        ByteStr(Bytes::copy_from_slice(s.as_bytes()))
    }
}

impl PartialEq<str> for ByteStr {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for ByteStr {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl fmt::Debug for ByteStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for ByteStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.as_str(), f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;

    #[test]
    fn from_utf8_keeps_valid_bytes_and_refuses_invalid_ones() {
        let s = ByteStr::from_utf8(Bytes::from_static("grüße".as_bytes())).unwrap();
        assert_eq!(s.as_str(), "grüße");
        // A lone continuation byte, and a truncated two-byte sequence.
        assert!(ByteStr::from_utf8(Bytes::from_static(b"a\x80b")).is_err());
        assert!(ByteStr::from_utf8(Bytes::from_static(b"\xc3")).is_err());
    }

    #[test]
    fn into_bytes_and_as_ref_give_the_same_text() {
        let s = ByteStr::from_static("a/b");
        let r: &str = s.as_ref();
        assert_eq!(r, "a/b");
        assert_eq!(s.clone().into_bytes(), Bytes::from_static(b"a/b"));
        assert_eq!(s.as_bytes(), &Bytes::from_static(b"a/b"));
    }

    #[test]
    fn compares_with_str_both_ways_round() {
        let s = ByteStr::from("topic");
        assert!(s == *"topic");
        assert!(s != *"topi");
        assert!(s == "topic");
        assert!(s != "other");
    }

    #[test]
    fn debug_and_display_show_the_text() {
        let s = ByteStr::from("say \"hi\"");
        assert_eq!(format!("{s:?}"), "\"say \\\"hi\\\"\"");
        assert_eq!(format!("{s}"), "say \"hi\"");
    }
}
