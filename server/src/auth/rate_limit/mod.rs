//! Sign-in rate limits: failed attempts are counted per account name, per client address and
//! per (account, address) over a sliding window; over a limit, sign-in is refused without
//! checking the password.
//!
//! - One address may try one account `per_account_address` times a window, and all accounts
//!   `per_address` times.
//! - One account, from all addresses together, may fail `per_account` times a window; after
//!   that it is not locked (anyone could lock the admin out with a few tries) but slowed down:
//!   each further attempt waits twice as long after the last failure as the one before, from a
//!   second up to a minute. Guessing from many addresses gets about one guess a minute.
//!
//! An attempt is counted *before* its password is checked ([`SignInLimiter::reserve`]), and
//! given back if it succeeds: the check is slow (argon2), so counting afterwards would let N
//! concurrent guesses all be checked before the first failure was counted.
//!
//! The counts live in this process ([`local`]), or in Redis when it is configured
//! ([`shared`]), so that N replicas allow what one does, not N times as much.

pub mod local;
pub mod shared;

use local::LocalLimiter;
use shared::SharedLimiter;
use std::net::IpAddr;
use std::time::{Duration, Instant};

/// The limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimits {
    /// Failed attempts per account name within `window` before its attempts are slowed down.
    pub per_account: usize,
    /// Failed attempts allowed per (account, client address) within `window`.
    pub per_account_address: usize,
    /// Failed attempts allowed per client address within `window`.
    pub per_address: usize,
    pub window: Duration,
}

impl Default for RateLimits {
    fn default() -> Self {
        Self {
            per_account: 5,
            per_account_address: 5,
            per_address: 20,
            window: Duration::from_secs(15 * 60),
        }
    }
}

/// How long an account past its limit waits after its last failure: 1 s after the first
/// failure past the limit, doubling, at most a minute.
fn backoff(past_limit: usize) -> Duration {
    let doublings = u32::try_from(past_limit).unwrap_or(u32::MAX).min(6);
    Duration::from_secs(1 << doublings).min(Duration::from_secs(60))
}

/// The address a limit counts: an IPv6 address by its /64, which one holder usually has whole
/// (counting single addresses would give them endless budgets).
fn limited(address: IpAddr) -> IpAddr {
    match address.to_canonical() {
        IpAddr::V6(v6) => IpAddr::V6((u128::from(v6) & (u128::MAX << 64)).into()),
        v4 => v4,
    }
}

/// The limiter cannot count (Redis does not answer): sign-in is refused rather than let
/// attempts through uncounted.
#[derive(Debug, thiserror::Error)]
#[error("the sign-in limiter cannot reach Redis: {0}")]
pub struct LimiterUnavailable(pub String);

/// Counts failed sign-ins, in this process or in Redis.
#[derive(Debug)]
pub enum SignInLimiter {
    Local(LocalLimiter),
    Shared(SharedLimiter),
}

/// An attempt counted before its password is checked; see [`SignInLimiter::reserve`].
#[derive(Debug)]
#[must_use = "a reserved attempt stays counted as failed unless it is given back"]
pub enum Reservation {
    Local(local::Reserved),
    Shared(shared::Reserved),
}

impl SignInLimiter {
    /// Counts an attempt for `account` from `address` as failed until it succeeds, if the
    /// limits allow another one now; `None` (refuse without checking the password) if not.
    pub async fn reserve(
        &self,
        account: &str,
        address: Option<IpAddr>,
    ) -> Result<Option<Reservation>, LimiterUnavailable> {
        Ok(match self {
            SignInLimiter::Local(limiter) => limiter
                .reserve(account, address, Instant::now())
                .map(Reservation::Local),
            SignInLimiter::Shared(limiter) => limiter
                .reserve(account, address)
                .await?
                .map(Reservation::Shared),
        })
    }

    /// A reserved attempt succeeded: it no longer counts, and this address's failures for the
    /// account are cleared. The account's failures from other addresses stay: a successful
    /// sign-in must not hand a guesser elsewhere a fresh set of attempts.
    pub async fn succeeded(&self, account: &str, address: Option<IpAddr>, attempt: Reservation) {
        match (self, attempt) {
            (SignInLimiter::Local(limiter), Reservation::Local(attempt)) => {
                limiter.succeeded(account, address, attempt);
            }
            (SignInLimiter::Shared(limiter), Reservation::Shared(attempt)) => {
                limiter.succeeded(account, address, attempt).await;
            }
            _ => {}
        }
    }

    /// A reserved attempt was not checked after all (the portal was too busy): it counts
    /// neither against the account nor against the address.
    pub async fn give_back(&self, account: &str, address: Option<IpAddr>, attempt: Reservation) {
        match (self, attempt) {
            (SignInLimiter::Local(limiter), Reservation::Local(attempt)) => {
                limiter.give_back(account, address, attempt);
            }
            (SignInLimiter::Shared(limiter), Reservation::Shared(attempt)) => {
                limiter.give_back(account, address, attempt).await;
            }
            _ => {}
        }
    }

    /// Whether a refusal of `account` from `address` should be recorded: the first in each
    /// window is, the rest are not (refused attempts cannot flood the audit log). When Redis
    /// does not answer, it is recorded.
    pub async fn refusal_to_record(&self, account: &str, address: Option<IpAddr>) -> bool {
        match self {
            SignInLimiter::Local(limiter) => {
                limiter.refusal_to_record(account, address, Instant::now())
            }
            SignInLimiter::Shared(limiter) => limiter.refusal_to_record(account, address).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_doubles_from_a_second_to_a_minute() {
        let waits: Vec<u64> = (0..9).map(|past| backoff(past).as_secs()).collect();
        assert_eq!(waits, [1, 2, 4, 8, 16, 32, 60, 60, 60]);
        assert_eq!(backoff(usize::MAX), Duration::from_secs(60));
    }

    #[test]
    fn an_ipv6_address_counts_by_its_64_and_a_mapped_ipv4_as_itself() {
        let v6: IpAddr = "2001:db8:0:1:aa:bb:cc:dd".parse().expect("address");
        assert_eq!(limited(v6).to_string(), "2001:db8:0:1::");
        let mapped: IpAddr = "::ffff:10.0.0.1".parse().expect("address");
        assert_eq!(limited(mapped).to_string(), "10.0.0.1");
    }
}
