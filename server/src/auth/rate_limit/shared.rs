//! The sign-in limiter shared by every replica, in Redis: the same limits as [`super::local`],
//! counted by Lua scripts, so that checking and counting are one atomic step whichever replica
//! asks. Each counted key is a sorted set of attempts scored by Redis's own clock (replicas'
//! clocks may differ), and expires one window after its last attempt: memory stays bounded by
//! the attempts of one window, as in one process.

use super::{LimiterUnavailable, RateLimits, limited};
use fred::prelude::{KeysInterface, LuaInterface, Pool, Value};
use fred::types::{Expiration, SetOptions};
use std::net::IpAddr;

/// Checks the limits and, if they allow it, counts the attempt under every key.
/// KEYS: account [, pair, address]. ARGV: window ms, per account, per pair, per address, a
/// nonce. Returns the attempt's member, or nil when refused.
const RESERVE: &str = r"
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local window = tonumber(ARGV[1])
local function count(key)
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  return redis.call('ZCARD', key)
end
local failures = count(KEYS[1])
local per_account = tonumber(ARGV[2])
if failures >= per_account then
  local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
  local wait = math.min(2 ^ math.min(failures - per_account, 6), 60) * 1000
  if last[2] and now - tonumber(last[2]) < wait then
    return false
  end
end
if #KEYS == 3 then
  if count(KEYS[2]) >= tonumber(ARGV[3]) or count(KEYS[3]) >= tonumber(ARGV[4]) then
    return false
  end
end
local member = now .. ':' .. ARGV[5]
for _, key in ipairs(KEYS) do
  redis.call('ZADD', key, now, member)
  redis.call('PEXPIRE', key, window)
end
return member
";

/// A reserved attempt succeeded: it leaves the account and the address, and so do the
/// account's failures from this address (the pair's members).
/// KEYS: account [, pair, address]. ARGV: the attempt's member.
const SUCCEEDED: &str = r"
redis.call('ZREM', KEYS[1], ARGV[1])
if #KEYS == 3 then
  for _, member in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
    redis.call('ZREM', KEYS[1], member)
  end
  redis.call('DEL', KEYS[2])
  redis.call('ZREM', KEYS[3], ARGV[1])
end
return 1
";

/// A reserved attempt counts nowhere. KEYS: account [, pair, address]. ARGV: its member.
const GIVE_BACK: &str = r"
for _, key in ipairs(KEYS) do
  redis.call('ZREM', key, ARGV[1])
end
return 1
";

/// Counts sign-ins in Redis.
#[derive(Debug)]
pub struct SharedLimiter {
    limits: RateLimits,
    redis: Pool,
    /// Starts every key, e.g. `workmail-portal:`.
    prefix: String,
}

/// An attempt counted in Redis: its member in each sorted set.
#[derive(Debug)]
#[must_use = "a reserved attempt stays counted as failed unless it is given back"]
pub struct Reserved {
    member: String,
}

impl SharedLimiter {
    pub fn new(limits: RateLimits, redis: Pool, prefix: &str) -> Self {
        Self {
            limits,
            redis,
            prefix: prefix.to_owned(),
        }
    }

    /// The keys an attempt counts under: the account, and with an address, the pair and the
    /// address. Account names are lower-cased and at most 256 characters by then.
    fn keys(&self, account: &str, address: Option<IpAddr>) -> Vec<String> {
        let prefix = &self.prefix;
        let mut keys = vec![format!("{prefix}sign-in:account:{account}")];
        if let Some(ip) = address.map(limited) {
            keys.push(format!("{prefix}sign-in:pair:{ip}:{account}"));
            keys.push(format!("{prefix}sign-in:address:{ip}"));
        }
        keys
    }

    pub async fn reserve(
        &self,
        account: &str,
        address: Option<IpAddr>,
    ) -> Result<Option<Reserved>, LimiterUnavailable> {
        let limits = self.limits;
        let args = vec![
            millis(limits.window).to_string(),
            limits.per_account.to_string(),
            limits.per_account_address.to_string(),
            limits.per_address.to_string(),
            // Two attempts in the same millisecond are two members.
            format!("{:016x}", fastrand::u64(..)),
        ];
        let member: Option<String> = self
            .redis
            .eval(RESERVE, self.keys(account, address), args)
            .await
            .map_err(unavailable)?;
        Ok(member.map(|member| Reserved { member }))
    }

    pub async fn succeeded(&self, account: &str, address: Option<IpAddr>, attempt: Reserved) {
        self.forget(SUCCEEDED, account, address, attempt).await;
    }

    pub async fn give_back(&self, account: &str, address: Option<IpAddr>, attempt: Reserved) {
        self.forget(GIVE_BACK, account, address, attempt).await;
    }

    /// Runs a script that takes an attempt back. If Redis does not answer, the attempt stays
    /// counted (the safe side) and expires with its window.
    async fn forget(
        &self,
        script: &'static str,
        account: &str,
        address: Option<IpAddr>,
        attempt: Reserved,
    ) {
        let keys = self.keys(account, address);
        if let Err(error) = self
            .redis
            .eval::<Value, _, _, _>(script, keys, vec![attempt.member])
            .await
        {
            tracing::warn!(%error, "the sign-in limiter could not take back an attempt");
        }
    }

    pub async fn refusal_to_record(&self, account: &str, address: Option<IpAddr>) -> bool {
        let address = address.map_or_else(|| "-".to_owned(), |ip| limited(ip).to_string());
        let key = format!("{}sign-in:refusal:{address}:{account}", self.prefix);
        let window = i64::try_from(millis(self.limits.window)).unwrap_or(i64::MAX);
        let first: Result<Option<String>, _> = self
            .redis
            .set(
                key,
                "1",
                Some(Expiration::PX(window)),
                Some(SetOptions::NX),
                false,
            )
            .await;
        match first {
            // SET … NX answers OK when it set the key, nothing when the key was there.
            Ok(set) => set.is_some(),
            Err(error) => {
                tracing::warn!(%error, "cannot tell whether a refusal was recorded; recording it");
                true
            }
        }
    }
}

fn millis(duration: std::time::Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

fn unavailable(error: fred::error::Error) -> LimiterUnavailable {
    LimiterUnavailable(error.to_string())
}
