//! Frame splitting: is a whole packet at the front of a buffer?
//!
//! This looks only at the fixed header (one type byte and a 1..=4 byte
//! Remaining Length), so asking again after more bytes arrive costs no more
//! than re-reading those few bytes.

use super::DecodeError;

/// The largest Remaining Length the four-byte encoding can carry (§1.5.5 / §2.2.3).
pub const MAX_REMAINING_LENGTH: usize = 268_435_455;

/// Whether a whole packet is at the front of a buffer; see [`check_frame`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameStatus {
    /// A whole packet of `len` bytes (fixed header included) is at the front.
    Complete {
        /// Total size of the packet in bytes.
        len: usize,
    },
    /// The packet is not complete: at least `needed` more bytes must arrive.
    Incomplete {
        /// A lower bound on the bytes still missing (exact once the fixed header is complete).
        needed: usize,
    },
}

/// A parsed fixed header.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FixedHeader {
    /// The first byte: packet type (high nibble) and flags (low nibble).
    pub(crate) byte1: u8,
    /// The Remaining Length.
    pub(crate) remaining: usize,
    /// Bytes taken by the Remaining Length field (1..=4).
    pub(crate) len_bytes: usize,
    /// Whether the Remaining Length used the minimum number of bytes.
    pub(crate) minimal: bool,
}

impl FixedHeader {
    /// Size of the fixed header.
    #[inline]
    pub(crate) fn header_len(&self) -> usize {
        1 + self.len_bytes
    }
}

/// Result of reading a fixed header from a possibly partial buffer.
pub(crate) enum HeaderRead {
    Done(FixedHeader),
    /// At least this many more bytes are needed to finish the fixed header.
    Short(usize),
}

/// Reads the fixed header at the front of `buf`.
#[inline]
pub(crate) fn read_fixed_header(buf: &[u8]) -> Result<HeaderRead, DecodeError> {
    // Fast path: the Remaining Length fits in one byte (packets under 128 bytes of body).
    if let [byte1, len0, ..] = *buf {
        if len0 & 0x80 == 0 {
            return Ok(HeaderRead::Done(FixedHeader {
                byte1,
                remaining: len0 as usize,
                len_bytes: 1,
                minimal: true,
            }));
        }
    }
    let Some((&byte1, rest)) = buf.split_first() else {
        return Ok(HeaderRead::Short(2));
    };
    let mut value: usize = 0;
    for i in 0..4 {
        let Some(&b) = rest.get(i) else {
            return Ok(HeaderRead::Short(1));
        };
        value |= ((b & 0x7F) as usize) << (7 * i);
        if b & 0x80 == 0 {
            // A multi-byte encoding whose last byte is 0 could have been shorter.
            let minimal = i == 0 || b != 0;
            return Ok(HeaderRead::Done(FixedHeader {
                byte1,
                remaining: value,
                len_bytes: i + 1,
                minimal,
            }));
        }
    }
    Err(DecodeError::RemainingLengthTooLong)
}

/// The whole packet's length (fixed header included) for header `h`, refused
/// from the header alone when it exceeds `max_packet_size`.
#[inline(always)]
pub(crate) fn packet_len(h: &FixedHeader, max_packet_size: usize) -> Result<usize, DecodeError> {
    let len = h.header_len() + h.remaining;
    if len > max_packet_size {
        return Err(DecodeError::PacketTooLarge {
            size: len,
            max: max_packet_size,
        });
    }
    Ok(len)
}

/// Looks at the front of `buf`: is a whole packet there?
///
/// Enforces `max_packet_size` (total bytes, fixed header included) from the
/// fixed header alone, before any of the body needs to be buffered, and
/// rejects a Remaining Length longer than four bytes. Consumes nothing and
/// looks at no more than the first five bytes.
///
/// ```
/// use mqtt_sansio::codec::{check_frame, FrameStatus};
/// // PINGREQ is two bytes.
/// assert_eq!(check_frame(&[0xC0, 0x00], 1024), Ok(FrameStatus::Complete { len: 2 }));
/// // A PUBLISH announcing 10 bytes of body, of which 3 arrived.
/// assert_eq!(check_frame(&[0x30, 10, 0, 1, b'a'], 1024), Ok(FrameStatus::Incomplete { needed: 7 }));
/// ```
#[inline]
pub fn check_frame(buf: &[u8], max_packet_size: usize) -> Result<FrameStatus, DecodeError> {
    match read_fixed_header(buf)? {
        HeaderRead::Short(needed) => Ok(FrameStatus::Incomplete { needed }),
        HeaderRead::Done(h) => {
            let len = packet_len(&h, max_packet_size)?;
            if buf.len() >= len {
                Ok(FrameStatus::Complete { len })
            } else {
                Ok(FrameStatus::Incomplete {
                    needed: len - buf.len(),
                })
            }
        }
    }
}
