//! Writing a packet into capacity reserved for it, without a capacity check
//! and a length update per field.
//!
//! `BufMut` on a `BytesMut` checks the capacity and stores the new length at
//! every `put_*`, and copies every slice through a `memcpy` call; on a small
//! PUBLISH that is as much work as the rest of the encoding. A [`Cursor`]
//! writes into the spare capacity instead (one bounds check per field, the
//! length kept in a register), copies short slices with a few fixed-size
//! moves, and the length is committed once at the end.

use bytes::BytesMut;
use core::mem::MaybeUninit;

/// A write position in a buffer's spare capacity. Its methods are the only
/// way to advance it, and each one initializes every byte it advances over:
/// the first [`Cursor::written`] bytes are always initialized.
pub(super) struct Cursor<'a> {
    buf: &'a mut [MaybeUninit<u8>],
    at: usize,
}

/// Reserves `total` bytes in `out`, lets `f` write the packet through a
/// [`Cursor`], and appends what it wrote. A cursor that runs past `total`
/// bytes panics (a bug: `total` comes from the same plan as the writes).
#[inline(always)]
pub(super) fn write_reserved(out: &mut BytesMut, total: usize, f: impl FnOnce(&mut Cursor<'_>)) {
    out.reserve(total);
    let len = out.len();
    let mut c = Cursor {
        buf: out.spare_capacity_mut(),
        at: 0,
    };
    f(&mut c);
    let n = c.written();
    debug_assert_eq!(n, total);
    // SAFETY: `n <= spare capacity` (the cursor's writes are bounds-checked
    // slices of it), and the first `n` bytes of the spare capacity are
    // initialized: a cursor advances only over bytes it has written (see
    // `Cursor`). So `len + n` bytes are initialized and within capacity.
    #[allow(unsafe_code)]
    unsafe {
        out.set_len(len + n);
    }
}

impl Cursor<'_> {
    /// Bytes written so far.
    #[inline(always)]
    pub(super) fn written(&self) -> usize {
        self.at
    }

    /// Writes one byte.
    #[inline(always)]
    pub(super) fn u8(&mut self, b: u8) {
        self.array([b]);
    }

    /// Writes a Two Byte Integer.
    #[inline(always)]
    pub(super) fn u16(&mut self, v: u16) {
        self.array(v.to_be_bytes());
    }

    /// Writes `N` bytes (one store for small `N`).
    #[inline(always)]
    pub(super) fn array<const N: usize>(&mut self, b: [u8; N]) {
        copy(&mut self.buf[self.at..self.at + N], &b);
        self.at += N;
    }

    /// Writes a Variable Byte Integer (`v` <= 268,435,455).
    #[inline(always)]
    pub(super) fn vbi(&mut self, mut v: usize) {
        loop {
            let mut b = (v & 0x7F) as u8;
            v >>= 7;
            if v > 0 {
                b |= 0x80;
            }
            self.u8(b);
            if v == 0 {
                break;
            }
        }
    }

    /// Writes `src`. Slices of 8 to 32 bytes (a topic, a small payload) are
    /// copied with two overlapping fixed-size moves instead of a call.
    #[inline(always)]
    pub(super) fn slice(&mut self, src: &[u8]) {
        let n = src.len();
        let dst = &mut self.buf[self.at..self.at + n];
        if (16..=32).contains(&n) {
            // The first and the last sixteen bytes cover all `n`.
            copy(&mut dst[..16], &src[..16]);
            copy(&mut dst[n - 16..], &src[n - 16..]);
        } else if (8..16).contains(&n) {
            copy(&mut dst[..8], &src[..8]);
            copy(&mut dst[n - 8..], &src[n - 8..]);
        } else if n <= COPY_CHUNK {
            copy(dst, src);
        } else {
            for (d, s) in dst.chunks_mut(COPY_CHUNK).zip(src.chunks(COPY_CHUNK)) {
                copy(d, s);
            }
        }
        self.at += n;
    }
}

/// Large slices (a PUBLISH payload) are copied in pieces of this size.
///
/// glibc's `memcpy` copies from 2 to 8 KiB up (by CPU) with `rep movsb`,
/// whose speed depends on where source and destination sit relative to each
/// other: on the AMD EPYC machines here, copying 64 KiB took 18.7 µs when
/// the destination was 1 or 5 bytes past the source's alignment, 1.9 µs at
/// 4 KiB + 37 bytes (4K aliasing) and 1.14–1.25 µs otherwise. A payload's
/// place in the output is the header's length past the caller's buffer
/// start, which no one chooses. Pieces of 2 KiB take `memcpy`'s vector loop,
/// which does not care: 1.13–1.14 µs for every offset measured (benchmark
/// group `encode_publish_qos0_64KiB_offset1` shows it against the peers).
pub(super) const COPY_CHUNK: usize = 2048;

/// Appends `src` to `out` in [`COPY_CHUNK`] pieces (see there why), for
/// the writers that append rather than use a [`Cursor`]. The caller has
/// reserved the packet's room already: nothing is reserved again here.
#[inline]
pub(super) fn extend_large(out: &mut BytesMut, src: &[u8]) {
    for piece in src.chunks(COPY_CHUNK) {
        out.extend_from_slice(piece);
    }
}

/// Copies `src` into `dst`, of the same length (checked).
///
/// A plain `memcpy`: the element-wise safe loops over `MaybeUninit` were
/// compiled byte by byte here, the fixed-size ones included.
#[inline(always)]
fn copy(dst: &mut [MaybeUninit<u8>], src: &[u8]) {
    assert_eq!(dst.len(), src.len());
    // SAFETY: both are valid for `src.len()` bytes (asserted above), and a
    // `&mut` and a `&` slice cannot overlap; `u8` and `MaybeUninit<u8>`
    // have the same layout.
    #[allow(unsafe_code)]
    unsafe {
        core::ptr::copy_nonoverlapping(src.as_ptr(), dst.as_mut_ptr().cast::<u8>(), src.len());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::{String, ToString};
    use alloc::vec::Vec;

    #[test]
    fn every_slice_length_is_written_whole_after_what_was_there() {
        // Every short length, and lengths around the piece size of large copies.
        let large = [2047, 2048, 2049, 4095, 4096, 4097, 65_536 + 3];
        for n in (0..=80usize).chain(large) {
            let src: Vec<u8> = (0..n).map(|i| (i * 7 + i / 251) as u8 ^ 0x5A).collect();
            let mut out = BytesMut::from(&b"head"[..]);
            write_reserved(&mut out, 3 + n + 2 + 3, |c| {
                c.u8(0xEE);
                c.u16(0x1234);
                c.slice(&src);
                c.array([1, 2]);
                c.vbi(16_384);
            });
            let mut want = Vec::from(&b"head\xEE\x12\x34"[..]);
            want.extend_from_slice(&src);
            want.extend_from_slice(&[1, 2, 0x80, 0x80, 0x01]);
            assert_eq!(&out[..], &want[..], "{n}");
        }
    }

    #[test]
    fn large_appends_are_written_whole_after_what_was_there() {
        for n in [0, 1, 2047, 2048, 2049, 6145, 65_536 + 37] {
            let src: Vec<u8> = (0..n).map(|i| (i * 13 + i / 509) as u8).collect();
            let mut out = BytesMut::from(&b"head"[..]);
            extend_large(&mut out, &src);
            assert_eq!(&out[..4], b"head");
            assert_eq!(&out[4..], &src[..], "{n}");
        }
    }

    #[test]
    #[should_panic(expected = "out of range for slice")]
    fn writing_past_the_reservation_panics_rather_than_overrun() {
        // `expected`: the cursor's own bounds check must be what panics,
        // not the `debug_assert` after `f` (absent in release builds).
        let mut out = BytesMut::new();
        write_reserved(&mut out, 2, |c| {
            let room = c.buf.len();
            for _ in 0..=room {
                c.u8(0);
            }
        });
    }

    /// Runs `write` on a cursor over `room` bytes that sit in front of
    /// guard bytes, and returns the panic message and the guard bytes.
    fn overrun(room: usize, write: impl FnOnce(&mut Cursor<'_>)) -> (String, Vec<u8>) {
        extern crate std;
        use std::panic::{catch_unwind, AssertUnwindSafe};
        let mut backing = alloc::vec![MaybeUninit::new(0xA5u8); room + 64];
        let (buf, guard) = backing.split_at_mut(room);
        let result = catch_unwind(AssertUnwindSafe(|| write(&mut Cursor { buf, at: 0 })));
        let message = match result {
            Ok(()) => String::from("no panic"),
            Err(e) => e
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default(),
        };
        // SAFETY: every byte of `backing` was initialized above, and the
        // cursor only ever writes initialized bytes.
        #[allow(unsafe_code)]
        let guard = guard.iter().map(|b| unsafe { b.assume_init() }).collect();
        (message, guard)
    }

    #[test]
    fn every_writer_checks_its_bounds_before_writing_a_byte_past_the_room() {
        let long: Vec<u8> = (0..5000u32).map(|i| i as u8).collect();
        type Write = fn(&mut Cursor<'_>, &[u8]);
        // (name, bytes it writes, the write)
        let writers: [(&str, usize, Write); 9] = [
            ("u8", 1, |c, _| c.u8(1)),
            ("u16", 2, |c, _| c.u16(0x0102)),
            ("array", 4, |c, _| c.array([1, 2, 3, 4])),
            ("vbi", 3, |c, _| c.vbi(16_384)),
            ("slice 5", 5, |c, s| c.slice(&s[..5])),
            ("slice 12", 12, |c, s| c.slice(&s[..12])),
            ("slice 20", 20, |c, s| c.slice(&s[..20])),
            ("slice 100", 100, |c, s| c.slice(&s[..100])),
            ("slice 5000", 5000, |c, s| c.slice(&s[..5000])),
        ];
        for (name, n, write) in writers {
            // One byte short, after one byte already written.
            let (message, guard) = overrun(n, |c| {
                c.u8(0);
                write(c, &long);
            });
            assert!(
                message.contains("out of range for slice"),
                "{name}: {message}"
            );
            assert!(
                guard.iter().all(|&b| b == 0xA5),
                "{name} wrote past its room"
            );
            // With exactly enough room the same write succeeds.
            let (message, _) = overrun(n + 1, |c| {
                c.u8(0);
                write(c, &long);
                assert_eq!(c.written(), n + 1);
            });
            assert_eq!(message, "no panic", "{name}");
        }
    }
}
