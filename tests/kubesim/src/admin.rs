//! Request counters and injected faults, driven by the `/kubesim/` admin endpoints.

use crate::error::ApiError;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Debug, Default)]
pub struct Metrics {
    requests: BTreeMap<String, u64>,
    total: u64,
}

impl Metrics {
    pub fn count(&mut self, verb: &str, resource: &str) {
        *self
            .requests
            .entry(format!("{verb} {resource}"))
            .or_default() += 1;
        self.total += 1;
    }

    pub fn to_json(&self, watch_events_sent: &AtomicU64) -> Value {
        json!({
            "requests": self.requests,
            "total_requests": self.total,
            "watch_events_sent": watch_events_sent.load(Ordering::Relaxed),
        })
    }

    pub fn reset(&mut self, watch_events_sent: &AtomicU64) {
        self.requests.clear();
        self.total = 0;
        watch_events_sent.store(0, Ordering::Relaxed);
    }
}

/// Answer matching API requests with an error instead of serving them.
#[derive(Debug, Clone)]
pub struct ErrorFault {
    /// How many more requests fail; None: until reset.
    pub remaining: Option<u64>,
    pub code: u16,
    pub retry_after: u64,
    /// Fraction of matching requests that fail (1.0: all).
    pub share: f64,
    pub path_contains: Option<String>,
}

/// Serve matching API requests (the change is made) but never answer them: after `delay_ms`
/// the connection is closed without a response, as when a connection resets after the server
/// acted. A client cannot tell whether its request took effect.
#[derive(Debug, Clone)]
pub struct LoseResponse {
    /// How many more requests lose their answer.
    pub remaining: u64,
    /// Only requests with this method (`POST`), if set.
    pub method: Option<String>,
    pub path_contains: Option<String>,
    pub delay_ms: u64,
}

#[derive(Debug, Default)]
pub struct Faults {
    pub error: Option<ErrorFault>,
    pub latency_ms: u64,
    pub lose_response: Option<LoseResponse>,
}

impl Faults {
    /// Whether this request's answer is to be lost, and after how long (consumes one).
    pub fn take_lost_response(&mut self, method: &str, path: &str) -> Option<u64> {
        let f = self.lose_response.as_mut()?;
        if f.method
            .as_deref()
            .is_some_and(|m| !m.eq_ignore_ascii_case(method))
            || f.path_contains
                .as_deref()
                .is_some_and(|p| !path.contains(p))
        {
            return None;
        }
        f.remaining = f.remaining.saturating_sub(1);
        let delay = f.delay_ms;
        if f.remaining == 0 {
            self.lose_response = None;
        }
        Some(delay)
    }

    /// The error this request gets, if a fault applies to it (consumes one of `count`).
    pub fn take_error(&mut self, path: &str, coin: f64) -> Option<ApiError> {
        let f = self.error.as_mut()?;
        if f.path_contains
            .as_deref()
            .is_some_and(|p| !path.contains(p))
        {
            return None;
        }
        if coin >= f.share {
            return None;
        }
        if let Some(n) = f.remaining.as_mut() {
            if *n == 0 {
                self.error = None;
                return None;
            }
            *n -= 1;
        }
        let (code, retry_after) = (f.code, f.retry_after);
        if f.remaining == Some(0) {
            self.error = None;
        }
        Some(match code {
            429 => ApiError::too_many_requests(retry_after),
            503 => {
                let mut e = ApiError::new(
                    503,
                    "ServiceUnavailable",
                    "the server is currently unable to handle the request (injected by kubesim)",
                );
                e.retry_after = Some(retry_after);
                e
            }
            c => ApiError::new(
                c,
                "InternalError",
                "an error on the server (\"injected by kubesim\") has prevented the request from succeeding",
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_fault_counts_down_and_filters_paths() {
        let mut f = Faults {
            error: Some(ErrorFault {
                remaining: Some(2),
                code: 429,
                retry_after: 3,
                share: 1.0,
                path_contains: Some("/jobs".into()),
            }),
            latency_ms: 0,
            lose_response: None,
        };
        assert!(f.take_error("/api/v1/pods", 0.0).is_none());
        let e = f
            .take_error("/apis/batch/v1/namespaces/default/jobs", 0.0)
            .unwrap();
        assert_eq!((e.code, e.retry_after), (429, Some(3)));
        assert!(f.take_error("/jobs", 0.0).is_some());
        assert!(f.take_error("/jobs", 0.0).is_none());
        assert!(f.error.is_none());
    }

    #[test]
    fn share_lets_some_requests_through() {
        let mut f = Faults {
            error: Some(ErrorFault {
                remaining: None,
                code: 500,
                retry_after: 0,
                share: 0.3,
                path_contains: None,
            }),
            latency_ms: 0,
            lose_response: None,
        };
        assert!(f.take_error("/x", 0.1).is_some());
        assert!(f.take_error("/x", 0.5).is_none());
    }

    #[test]
    fn a_lost_response_matches_method_and_path_and_counts_down() {
        let mut f = Faults {
            lose_response: Some(LoseResponse {
                remaining: 1,
                method: Some("POST".into()),
                path_contains: Some("/jobs".into()),
                delay_ms: 7,
            }),
            ..Faults::default()
        };
        assert_eq!(
            f.take_lost_response("GET", "/apis/batch/v1/namespaces/d/jobs"),
            None
        );
        assert_eq!(
            f.take_lost_response("POST", "/api/v1/namespaces/d/pods"),
            None
        );
        assert_eq!(
            f.take_lost_response("POST", "/apis/batch/v1/namespaces/d/jobs"),
            Some(7)
        );
        assert_eq!(
            f.take_lost_response("POST", "/apis/batch/v1/namespaces/d/jobs"),
            None
        );
    }
}
