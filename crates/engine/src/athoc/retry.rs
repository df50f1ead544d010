//! Pure retry arithmetic: exponential backoff with jitter, and reading
//! `Retry-After`. No clock reads and no randomness here: the caller passes
//! `now` and the jitter draw.

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::RetryPolicy;

/// The longest `Retry-After` this client honours within one cycle. A server
/// asking for more gets a [`super::AthocError::Throttled`] instead, so a
/// cycle never hangs for minutes; the next cycle tries again.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(120);

/// The pause before retry number `retry` (1 = the first retry).
///
/// `base_delay · 2^(retry-1)`, capped at `max_delay`, then "equal jitter":
/// half of it fixed, half scaled by `jitter` (a draw in `[0, 1)`), so many
/// clients retrying together spread out but never retry immediately.
pub(crate) fn backoff_delay(policy: &RetryPolicy, retry: u32, jitter: f64) -> Duration {
    let exponent = retry.saturating_sub(1).min(30);
    let full = policy
        .base_delay
        .checked_mul(1u32 << exponent)
        .unwrap_or(policy.max_delay)
        .min(policy.max_delay);
    let jitter = if jitter.is_finite() {
        jitter.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let half = full / 2;
    half + half.mul_f64(jitter)
}

/// Reads a `Retry-After` header value: delay-seconds (`"30"`) or an HTTP
/// date (`"Wed, 21 Oct 2015 07:28:00 GMT"`, relative to `now`). `None` when
/// it is neither.
pub(crate) fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = DateTime::parse_from_rfc2822(value)
        .ok()?
        .with_timezone(&Utc);
    Some((at - now).to_std().unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use rstest::rstest;

    fn policy() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(2),
        }
    }

    #[rstest]
    #[case::first_no_jitter(1, 0.0, 100)]
    #[case::first_full_jitter(1, 0.999_999, 199)]
    #[case::second(2, 0.0, 200)]
    #[case::third_half_jitter(3, 0.5, 600)]
    #[case::capped(10, 0.0, 1000)]
    #[case::huge_retry_number(u32::MAX, 1.0, 2000)]
    #[case::nan_jitter(1, f64::NAN, 100)]
    fn backoff(#[case] retry: u32, #[case] jitter: f64, #[case] millis: u128) {
        assert_eq!(backoff_delay(&policy(), retry, jitter).as_millis(), millis);
    }

    #[rstest]
    #[case::seconds("1", Some(1))]
    #[case::spaces(" 30 ", Some(30))]
    #[case::date_ahead("Wed, 22 Oct 2025 07:00:10 GMT", Some(10))]
    #[case::date_past("Wed, 22 Oct 2025 06:59:00 GMT", Some(0))]
    #[case::negative("-5", None)]
    #[case::garbage("soon", None)]
    #[case::empty("", None)]
    fn retry_after(#[case] value: &str, #[case] seconds: Option<u64>) {
        let now = Utc.with_ymd_and_hms(2025, 10, 22, 7, 0, 0).single();
        let now = now.unwrap_or_default();
        assert_eq!(
            parse_retry_after(value, now),
            seconds.map(Duration::from_secs)
        );
    }
}
