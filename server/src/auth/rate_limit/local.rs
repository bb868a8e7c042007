//! The sign-in limiter of one process, in memory: for a single replica (the default). Time is
//! passed in, so tests control it.

use super::{RateLimits, backoff, limited};
use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Key {
    Account(String),
    Address(IpAddr),
    Pair(String, IpAddr),
}

/// Counts failed sign-ins.
#[derive(Debug, Default)]
pub struct LocalLimiter {
    limits: RateLimits,
    failures: Mutex<HashMap<Key, VecDeque<Instant>>>,
    /// When a refusal of (account, address) was last put in the audit log: one record per
    /// window, however many refusals, so refused attempts cannot flood the log.
    refusals_recorded: Mutex<HashMap<(String, Option<IpAddr>), Instant>>,
    /// When ended windows were last forgotten.
    pruned_at: Mutex<Option<Instant>>,
}

impl LocalLimiter {
    pub fn new(limits: RateLimits) -> Self {
        Self {
            limits,
            ..Self::default()
        }
    }

    /// Whether a refusal of `account` from `address` should be recorded: the first in each
    /// window is, the rest are not.
    pub fn refusal_to_record(&self, account: &str, address: Option<IpAddr>, now: Instant) -> bool {
        let address = address.map(limited);
        self.prune_if_due(now);
        let Ok(mut recorded) = self.refusals_recorded.lock() else {
            return true;
        };
        let key = (account.to_owned(), address);
        let due = recorded
            .get(&key)
            .is_none_or(|at| now.saturating_duration_since(*at) >= self.limits.window);
        if due {
            recorded.insert(key, now);
        }
        due
    }

    /// Forgets every window that has ended, at most once a minute: memory stays bounded by
    /// the attempts of one window, whatever their names.
    fn prune_if_due(&self, now: Instant) {
        let Ok(mut pruned_at) = self.pruned_at.lock() else {
            return;
        };
        if pruned_at.is_some_and(|at| now.saturating_duration_since(at) < Duration::from_secs(60)) {
            return;
        }
        *pruned_at = Some(now);
        let window = self.limits.window;
        let live = |at: &Instant| now.saturating_duration_since(*at) < window;
        if let Ok(mut failures) = self.failures.lock() {
            failures.retain(|_, times| times.back().is_some_and(live));
        }
        if let Ok(mut recorded) = self.refusals_recorded.lock() {
            recorded.retain(|_, at| live(at));
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

    /// Counts an attempt for `account` from `address` as failed until it succeeds, if the
    /// limits allow another one now; `None` (refuse without checking the password) if not.
    /// Checking and counting happen under one lock, so concurrent attempts cannot all pass.
    pub fn reserve(
        &self,
        account: &str,
        address: Option<IpAddr>,
        now: Instant,
    ) -> Option<Reserved> {
        let address = address.map(limited);
        self.prune_if_due(now);
        let Ok(mut map) = self.failures.lock() else {
            return None;
        };
        let account_key = Key::Account(account.to_owned());
        let failures = self.count(&mut map, &account_key, now);
        if failures >= self.limits.per_account {
            let last = map
                .get(&account_key)
                .and_then(|times| times.back().copied());
            let wait = backoff(failures - self.limits.per_account);
            if last.is_some_and(|last| now.saturating_duration_since(last) < wait) {
                return None;
            }
        }
        if let Some(ip) = address {
            let pair = Key::Pair(account.to_owned(), ip);
            if self.count(&mut map, &pair, now) >= self.limits.per_account_address
                || self.count(&mut map, &Key::Address(ip), now) >= self.limits.per_address
            {
                return None;
            }
        }
        Self::push_failure(&mut map, account, address, now);
        Some(Reserved { at: now })
    }

    /// A reserved attempt succeeded: it no longer counts, and this address's failures for the
    /// account are cleared. The account's failures from other addresses stay: a successful
    /// sign-in must not hand a guesser elsewhere a fresh set of attempts.
    pub fn succeeded(&self, account: &str, address: Option<IpAddr>, reservation: Reserved) {
        let address = address.map(limited);
        let Ok(mut map) = self.failures.lock() else {
            return;
        };
        let account_key = Key::Account(account.to_owned());
        forget(&mut map, &account_key, reservation.at);
        if let Some(ip) = address {
            // This address's failures for the account were the person's own mistakes.
            for at in map
                .remove(&Key::Pair(account.to_owned(), ip))
                .unwrap_or_default()
            {
                forget(&mut map, &account_key, at);
            }
            forget(&mut map, &Key::Address(ip), reservation.at);
        }
    }

    /// A reserved attempt was not checked after all (the portal was too busy): it counts
    /// neither against the account nor against the address.
    pub fn give_back(&self, account: &str, address: Option<IpAddr>, reservation: Reserved) {
        let address = address.map(limited);
        let Ok(mut map) = self.failures.lock() else {
            return;
        };
        forget(&mut map, &Key::Account(account.to_owned()), reservation.at);
        if let Some(ip) = address {
            forget(&mut map, &Key::Pair(account.to_owned(), ip), reservation.at);
            forget(&mut map, &Key::Address(ip), reservation.at);
        }
    }

    /// Records a failed attempt.
    #[cfg(test)]
    fn record_failure(&self, account: &str, address: Option<IpAddr>, now: Instant) {
        let address = address.map(limited);
        let Ok(mut map) = self.failures.lock() else {
            return;
        };
        Self::push_failure(&mut map, account, address, now);
    }

    fn push_failure(
        map: &mut HashMap<Key, VecDeque<Instant>>,
        account: &str,
        address: Option<IpAddr>,
        now: Instant,
    ) {
        map.entry(Key::Account(account.to_owned()))
            .or_default()
            .push_back(now);
        if let Some(ip) = address {
            map.entry(Key::Pair(account.to_owned(), ip))
                .or_default()
                .push_back(now);
            map.entry(Key::Address(ip)).or_default().push_back(now);
        }
    }
}

/// Removes one attempt made at `at` from `key`'s window.
fn forget(map: &mut HashMap<Key, VecDeque<Instant>>, key: &Key, at: Instant) {
    if let Some(times) = map.get_mut(key)
        && let Some(index) = times.iter().rposition(|t| *t == at)
    {
        times.remove(index);
    }
}

/// An attempt counted before its password is checked; see [`LocalLimiter::reserve`].
#[derive(Debug)]
#[must_use = "a reserved attempt stays counted as failed unless it is given back"]
pub struct Reserved {
    at: Instant,
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: RateLimits = RateLimits {
        per_account: 3,
        per_account_address: 3,
        per_address: 5,
        window: Duration::from_secs(60),
    };

    fn ip(last: u8) -> Option<IpAddr> {
        Some(IpAddr::from([10, 0, 0, last]))
    }

    /// Past its limit an account is slowed down, not locked: from another address it may try
    /// again after a wait that doubles with each failure, up to a minute; one address is
    /// locked out of it for the window.
    #[test]
    fn an_account_past_its_limit_is_slowed_down_and_one_address_locked_out() {
        let limits = RateLimits {
            window: Duration::from_secs(3600),
            ..LIMITS
        };
        let limiter = LocalLimiter::new(limits);
        let t0 = Instant::now();
        for i in 0..3 {
            let _failed = limiter.reserve("admin", ip(i), t0).expect("allowed");
        }
        let mut at = t0;
        for (failure, wait) in [1, 2, 4, 8, 16, 32, 60, 60].into_iter().enumerate() {
            let attacker = ip(100 + u8::try_from(failure).unwrap_or(0));
            let just_before = at + Duration::from_secs(wait) - Duration::from_millis(1);
            assert!(
                limiter.reserve("admin", attacker, just_before).is_none(),
                "{failure}"
            );
            at += Duration::from_secs(wait);
            let _failed = limiter
                .reserve("admin", attacker, at)
                .expect("allowed after the wait");
        }
        // One address that failed three times is refused for the rest of the window.
        for _ in 0..2 {
            let _failed = limiter.reserve("hr", ip(50), t0).expect("allowed");
        }
        let _failed = limiter.reserve("hr", ip(50), t0).expect("third");
        assert!(
            limiter
                .reserve("hr", ip(50), t0 + Duration::from_secs(600))
                .is_none()
        );
    }

    #[test]
    fn an_account_past_its_limit_is_refused_at_once_from_any_address() {
        let limiter = LocalLimiter::new(LIMITS);
        let t0 = Instant::now();
        for i in 0..3 {
            let _failed = limiter.reserve("hr", ip(i), t0).expect("allowed");
        }
        // From any address.
        assert!(limiter.reserve("hr", ip(9), t0).is_none());
        assert!(limiter.reserve("admin", ip(9), t0).is_some());
        assert!(
            limiter
                .reserve("hr", ip(9), t0 + Duration::from_secs(60))
                .is_some()
        );
    }

    #[test]
    fn an_address_is_locked_after_its_limit_whatever_the_account() {
        let limiter = LocalLimiter::new(LIMITS);
        let t0 = Instant::now();
        for i in 0..5 {
            limiter.record_failure(&format!("user{i}"), ip(1), t0);
        }
        assert!(limiter.reserve("someone-new", ip(1), t0).is_none());
        assert!(limiter.reserve("someone-new", ip(2), t0).is_some());
    }

    #[test]
    fn success_clears_its_address_but_not_the_failures_from_elsewhere() {
        let limiter = LocalLimiter::new(LIMITS);
        let t0 = Instant::now();
        // A guesser elsewhere fails twice; the person mistypes once, then signs in.
        for _ in 0..2 {
            limiter.record_failure("hr", ip(2), t0);
        }
        limiter.record_failure("hr", ip(1), t0);
        // At the limit, the account waits a second.
        let t1 = t0 + Duration::from_secs(2);
        let signed_in = limiter.reserve("hr", ip(1), t1).expect("allowed");
        limiter.succeeded("hr", ip(1), signed_in);
        // The person's mistake is forgotten, the guesser's failures are not: one more makes
        // three, the account's limit.
        let _failed = limiter.reserve("hr", ip(4), t1).expect("allowed");
        assert!(limiter.reserve("hr", ip(5), t1).is_none());
    }

    #[test]
    fn an_ipv6_address_counts_by_its_64() {
        let limiter = LocalLimiter::new(LIMITS);
        let t0 = Instant::now();
        let v6 = |last: u16| Some(IpAddr::from([0x2001, 0xdb8, 0, 1, 0, 0, 0, last]));
        for i in 0..5 {
            let _failed = limiter
                .reserve(&format!("user{i}"), v6(i), t0)
                .expect("allowed");
        }
        assert!(limiter.reserve("someone", v6(99), t0).is_none(), "same /64");
        let other = Some(IpAddr::from([0x2001, 0xdb8, 0, 2, 0, 0, 0, 1]));
        assert!(limiter.reserve("someone", other, t0).is_some());
    }

    #[test]
    fn an_attempt_counts_before_its_check_and_success_gives_it_back() {
        let limiter = LocalLimiter::new(LIMITS);
        let t0 = Instant::now();
        // Three attempts under way at once: a fourth is refused before any is checked.
        let pending: Vec<Reserved> = (0..3)
            .map(|_| limiter.reserve("hr", ip(1), t0).expect("allowed"))
            .collect();
        assert!(limiter.reserve("hr", ip(1), t0).is_none());
        // One of them succeeds: the account is clear, and the address counts only the two
        // that failed.
        let mut pending = pending.into_iter();
        if let Some(first) = pending.next() {
            limiter.succeeded("hr", ip(1), first);
        }
        drop(pending);
        for i in 0..3 {
            let _failed = limiter
                .reserve(&format!("other{i}"), ip(1), t0)
                .expect("allowed");
        }
        // 2 + 3 = 5 failures from the address: its limit.
        assert!(limiter.reserve("someone", ip(1), t0).is_none());
    }

    #[test]
    fn one_refusal_per_window_is_recorded_and_ended_windows_are_forgotten() {
        let limiter = LocalLimiter::new(LIMITS);
        let t0 = Instant::now();
        assert!(limiter.refusal_to_record("hr", ip(1), t0));
        for s in 1..60 {
            assert!(!limiter.refusal_to_record("hr", ip(1), t0 + Duration::from_secs(s) / 2));
        }
        assert!(
            limiter.refusal_to_record("hr", ip(2), t0),
            "another address"
        );
        assert!(limiter.refusal_to_record("hr", ip(1), t0 + LIMITS.window));
        // A spray of names leaves nothing behind once its window has passed.
        for i in 0..1_000 {
            let _failed = limiter.reserve(&format!("name{i}"), None, t0);
        }
        let later = t0 + LIMITS.window + Duration::from_secs(120);
        let _failed = limiter.reserve("someone", None, later);
        assert_eq!(limiter.failures.lock().map(|f| f.len()).unwrap_or(0), 1);
    }

    #[test]
    fn an_attempt_given_back_counts_nowhere() {
        let limiter = LocalLimiter::new(LIMITS);
        let t0 = Instant::now();
        for _ in 0..10 {
            let unchecked = limiter.reserve("hr", ip(1), t0).expect("allowed");
            limiter.give_back("hr", ip(1), unchecked);
        }
        let _failed = limiter
            .reserve("hr", ip(1), t0)
            .expect("nothing was counted");
    }
}
