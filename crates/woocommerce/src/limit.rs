//! The per-store request limiter: governor's token bucket, made adaptive.
//!
//! Every request of one adapter (one store) waits here first. When the host
//! answers 429 or 503, [`Limiter::slow_down`] halves the rate (down to one
//! request every 8 s) and, when the answer said `Retry-After`, holds every
//! request until then. After a run of successes the rate climbs back,
//! doubling, to the configured one.

use crate::config::{RateLimit, WaitMode};
use governor::{DefaultDirectRateLimiter, Jitter, Quota, RateLimiter};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Successes in a row before the rate is raised again.
const RECOVER_AFTER: u32 = 20;
/// The slowest rate: one request per this period.
const SLOWEST: Duration = Duration::from_secs(8);

/// An adaptive rate limiter for one store.
#[derive(Debug)]
pub struct Limiter {
    state: Mutex<State>,
    successes: AtomicU32,
    wait: WaitMode,
    configured: Duration,
    burst: NonZeroU32,
}

#[derive(Debug)]
struct State {
    bucket: Arc<DefaultDirectRateLimiter>,
    period: Duration,
    hold_until: Option<Instant>,
}

fn bucket(period: Duration, burst: NonZeroU32) -> Arc<DefaultDirectRateLimiter> {
    let quota = Quota::with_period(period)
        .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
        .allow_burst(burst);
    Arc::new(RateLimiter::direct(quota))
}

impl Limiter {
    /// A limiter for `limit`, waiting as `wait` says.
    pub fn new(limit: RateLimit, wait: WaitMode) -> Self {
        let per_second = limit.per_second.max(1);
        let burst = NonZeroU32::new(limit.burst.max(1)).unwrap_or(NonZeroU32::MIN);
        let period = Duration::from_secs(1) / per_second;
        Limiter {
            state: Mutex::new(State {
                bucket: bucket(period, burst),
                period,
                hold_until: None,
            }),
            successes: AtomicU32::new(0),
            wait,
            configured: period,
            burst,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Waits until one more request may be sent.
    pub async fn ready(&self) {
        let (hold, bucket) = {
            let s = self.lock();
            (s.hold_until, s.bucket.clone())
        };
        if let Some(until) = hold {
            let now = Instant::now();
            if until > now {
                self.sleep(until - now).await;
            }
        }
        bucket
            .until_ready_with_jitter(Jitter::up_to(Duration::from_millis(20)))
            .await;
    }

    /// Sleeps `d` (or records it, in [`WaitMode::Recorded`]).
    pub async fn sleep(&self, d: Duration) {
        match &self.wait {
            WaitMode::Real => tokio::time::sleep(d).await,
            WaitMode::Recorded(log) => log.lock().unwrap_or_else(|p| p.into_inner()).push(d),
        }
    }

    /// The host pushed back (429/503): halve the rate and hold all requests
    /// for `retry_after` when given. Returns the new period between requests.
    pub fn slow_down(&self, retry_after: Option<Duration>) -> Duration {
        self.successes.store(0, Ordering::Relaxed);
        let mut s = self.lock();
        let period = (s.period * 2).min(SLOWEST);
        if period != s.period {
            s.period = period;
            s.bucket = bucket(period, NonZeroU32::MIN);
        }
        if let (Some(d), WaitMode::Real) = (retry_after, &self.wait) {
            let until = Instant::now() + d;
            s.hold_until = Some(s.hold_until.map_or(until, |h| h.max(until)));
        }
        s.period
    }

    /// A request succeeded: after enough in a row, raise the rate again.
    pub fn success(&self) {
        let n = self.successes.fetch_add(1, Ordering::Relaxed) + 1;
        if n < RECOVER_AFTER {
            return;
        }
        self.successes.store(0, Ordering::Relaxed);
        let mut s = self.lock();
        if s.period > self.configured {
            let period = (s.period / 2).max(self.configured);
            s.period = period;
            let burst = if period == self.configured {
                self.burst
            } else {
                NonZeroU32::MIN
            };
            s.bucket = bucket(period, burst);
        }
    }

    /// How waits are done.
    pub fn wait_mode(&self) -> &WaitMode {
        &self.wait
    }

    /// The current period between requests.
    pub fn period(&self) -> Duration {
        self.lock().period
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slows_down_on_pushback_and_recovers() {
        let l = Limiter::new(
            RateLimit {
                per_second: 4,
                burst: 4,
            },
            WaitMode::Real,
        );
        assert_eq!(l.period(), Duration::from_millis(250));
        assert_eq!(l.slow_down(None), Duration::from_millis(500));
        assert_eq!(
            l.slow_down(Some(Duration::from_secs(1))),
            Duration::from_secs(1)
        );
        for _ in 0..RECOVER_AFTER {
            l.success();
        }
        assert_eq!(l.period(), Duration::from_millis(500));
        for _ in 0..RECOVER_AFTER * 3 {
            l.success();
        }
        assert_eq!(
            l.period(),
            Duration::from_millis(250),
            "never faster than configured"
        );
        for _ in 0..10 {
            l.slow_down(None);
        }
        assert_eq!(l.period(), SLOWEST);
    }
}
