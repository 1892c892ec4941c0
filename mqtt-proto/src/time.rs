//! Time, as supplied by the caller.
//!
//! The core never reads a clock. Every input that can start or fire a timer
//! takes `now`, a value of a type implementing [`Instant`]. Under the `std`
//! feature `std::time::Instant` implements it; on any target,
//! [`core::time::Duration`] does too, read as "time since an origin the caller
//! chose" (for example milliseconds since boot on a microcontroller).

use core::fmt::Debug;
use core::time::Duration;

/// A monotonic point in time chosen by the caller.
///
/// Implementations must be monotonic: a later `now` passed to the core must
/// never compare less than an earlier one.
pub trait Instant: Copy + Ord + Debug {
    /// `self + d`, or `None` when that cannot be represented.
    fn checked_add(self, d: Duration) -> Option<Self>;
    /// The time elapsed from `earlier` to `self`, or zero if `earlier` is later.
    fn saturating_duration_since(self, earlier: Self) -> Duration;
    /// `self + d`, saturating at the largest representable instant.
    ///
    /// Deadlines computed from huge keep-alive or backoff values saturate
    /// rather than overflow, so a far deadline simply never fires.
    fn saturating_add(self, d: Duration) -> Self {
        match self.checked_add(d) {
            Some(t) => t,
            None => {
                // Halve until it fits: at worst 64 steps, and only for absurd inputs.
                let mut step = d / 2;
                let mut t = self;
                while step > Duration::ZERO {
                    if let Some(n) = t.checked_add(step) {
                        t = n;
                    } else {
                        step /= 2;
                    }
                }
                t
            }
        }
    }
}

impl Instant for Duration {
    fn checked_add(self, d: Duration) -> Option<Self> {
        Duration::checked_add(self, d)
    }
    fn saturating_duration_since(self, earlier: Self) -> Duration {
        self.saturating_sub(earlier)
    }
}

#[cfg(feature = "std")]
impl Instant for std::time::Instant {
    fn checked_add(self, d: Duration) -> Option<Self> {
        std::time::Instant::checked_add(&self, d)
    }
    fn saturating_duration_since(self, earlier: Self) -> Duration {
        std::time::Instant::saturating_duration_since(&self, earlier)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duration_saturates_instead_of_overflowing() {
        let t = Duration::MAX - Duration::from_secs(1);
        let s = t.saturating_add(Duration::from_secs(10));
        assert!(s >= t);
        assert_eq!(
            Duration::from_secs(1).saturating_duration_since(Duration::from_secs(5)),
            Duration::ZERO
        );
    }
}
