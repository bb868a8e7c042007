//! Sign-in rate limits: failed attempts are counted per account name and per client address
//! over a sliding window; over the limit, sign-in is refused without checking the password.
//! Time is passed in, so tests control it.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimits {
    /// Failed attempts allowed per account name within `window`.
    pub per_account: usize,
    /// Failed attempts allowed per client address within `window`.
    pub per_address: usize,
    pub window: Duration,
}

impl Default for RateLimits {
    fn default() -> Self {
        Self {
            per_account: 5,
            per_address: 20,
            window: Duration::from_secs(15 * 60),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Key {
    Account(String),
    Address(IpAddr),
}

/// Counts failed sign-ins.
#[derive(Debug, Default)]
pub struct SignInLimiter {
    limits: RateLimits,
    failures: Mutex<HashMap<Key, VecDeque<Instant>>>,
}

impl SignInLimiter {
    pub fn new(limits: RateLimits) -> Self {
        Self {
            limits,
            failures: Mutex::default(),
        }
    }

    fn count(&self, map: &mut HashMap<Key, VecDeque<Instant>>, key: &Key, now: Instant) -> usize {
        let window = self.limits.window;
        match map.get_mut(key) {
            Some(times) => {
                while times
                    .front()
                    .is_some_and(|t| now.saturating_duration_since(*t) >= window)
                {
                    times.pop_front();
                }
                times.len()
            }
            None => 0,
        }
    }

    /// Whether another attempt for `account` from `address` may be checked now.
    pub fn allows(&self, account: &str, address: Option<IpAddr>, now: Instant) -> bool {
        let Ok(mut map) = self.failures.lock() else {
            return false;
        };
        if self.count(&mut map, &Key::Account(account.to_owned()), now) >= self.limits.per_account {
            return false;
        }
        match address {
            Some(ip) => self.count(&mut map, &Key::Address(ip), now) < self.limits.per_address,
            None => true,
        }
    }

    /// Records a failed attempt.
    pub fn record_failure(&self, account: &str, address: Option<IpAddr>, now: Instant) {
        let Ok(mut map) = self.failures.lock() else {
            return;
        };
        if map.len() > 100_000 {
            // Keep memory bounded under a spray of names: forget windows that have ended.
            let window = self.limits.window;
            map.retain(|_, times| {
                times
                    .back()
                    .is_some_and(|t| now.saturating_duration_since(*t) < window)
            });
        }
        map.entry(Key::Account(account.to_owned()))
            .or_default()
            .push_back(now);
        if let Some(ip) = address {
            map.entry(Key::Address(ip)).or_default().push_back(now);
        }
    }

    /// A successful sign-in clears the account's failures (not the address's).
    pub fn record_success(&self, account: &str) {
        if let Ok(mut map) = self.failures.lock() {
            map.remove(&Key::Account(account.to_owned()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: RateLimits = RateLimits {
        per_account: 3,
        per_address: 5,
        window: Duration::from_secs(60),
    };

    fn ip(last: u8) -> Option<IpAddr> {
        Some(IpAddr::from([10, 0, 0, last]))
    }

    #[test]
    fn an_account_is_locked_after_its_limit_until_the_window_passes() {
        let limiter = SignInLimiter::new(LIMITS);
        let t0 = Instant::now();
        for i in 0..3 {
            assert!(limiter.allows("hr", ip(i), t0));
            limiter.record_failure("hr", ip(i), t0);
        }
        // From any address.
        assert!(!limiter.allows("hr", ip(9), t0));
        assert!(limiter.allows("admin", ip(9), t0));
        assert!(limiter.allows("hr", ip(9), t0 + Duration::from_secs(60)));
    }

    #[test]
    fn an_address_is_locked_after_its_limit_whatever_the_account() {
        let limiter = SignInLimiter::new(LIMITS);
        let t0 = Instant::now();
        for i in 0..5 {
            limiter.record_failure(&format!("user{i}"), ip(1), t0);
        }
        assert!(!limiter.allows("someone-new", ip(1), t0));
        assert!(limiter.allows("someone-new", ip(2), t0));
    }

    #[test]
    fn success_clears_the_account() {
        let limiter = SignInLimiter::new(LIMITS);
        let t0 = Instant::now();
        for _ in 0..2 {
            limiter.record_failure("hr", ip(1), t0);
        }
        limiter.record_success("hr");
        for _ in 0..2 {
            limiter.record_failure("hr", ip(2), t0);
        }
        assert!(limiter.allows("hr", ip(3), t0));
    }
}
