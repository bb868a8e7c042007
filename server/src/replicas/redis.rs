//! The connection to Redis (`PORTAL_REDIS_URL`), shared by the session store and the sign-in
//! limiter. Commands time out rather than wait for a Redis that is gone, and the connections
//! come back by themselves when it returns.

use fred::prelude::{
    ClientLike, Config, ConnectionConfig, PerformanceConfig, Pool, ReconnectPolicy,
};
use std::time::Duration;

/// How long one Redis command may take before the request that needs it gets an error.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(2);
/// Connections per replica: Redis answers each command in microseconds, so a few suffice.
const POOL_SIZE: usize = 4;

/// Connects to `url` and checks that Redis answers. The pool's connections reconnect on their
/// own (every 100 ms at first, then every 2 s at most) for as long as the portal runs.
pub async fn connect(url: &str) -> Result<Pool, fred::error::Error> {
    let config = Config::from_url(url)?;
    let performance = PerformanceConfig {
        default_command_timeout: COMMAND_TIMEOUT,
        ..PerformanceConfig::default()
    };
    let connection = ConnectionConfig {
        connection_timeout: COMMAND_TIMEOUT,
        internal_command_timeout: COMMAND_TIMEOUT,
        ..ConnectionConfig::default()
    };
    let reconnect = ReconnectPolicy::new_exponential(0, 100, 2_000, 2);
    let pool = Pool::new(
        config,
        Some(performance),
        Some(connection),
        Some(reconnect),
        POOL_SIZE,
    )?;
    // The connection tasks run until the pool is dropped or told to quit.
    let _connections = pool.init().await?;
    ping(&pool).await?;
    Ok(pool)
}

/// Whether Redis answers (readiness).
pub async fn ping(pool: &Pool) -> Result<(), fred::error::Error> {
    pool.ping::<()>(None).await
}
