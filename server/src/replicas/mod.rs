//! What several replicas of the portal share beyond the portal database: Redis (sessions and
//! the sign-in limiter), and the notice of each save, so that every replica's directory index
//! shows it at once.

pub mod redis;
pub mod save_notices;
