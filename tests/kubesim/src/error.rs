//! Kubernetes `Status` errors: what the API answers when a request fails. Pure.

use serde_json::{Value, json};

/// One failure cause of an `Invalid` (422) answer, as in `details.causes`.
#[derive(Debug, Clone)]
pub struct Cause {
    pub reason: &'static str,
    pub field: String,
    pub message: String,
}

/// A failed API request, rendered as a `metav1.Status` with the real reason and code.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub code: u16,
    pub reason: &'static str,
    pub message: String,
    /// `details` of the Status (name, group, kind, causes, retryAfterSeconds).
    pub details: Option<Box<Value>>,
    /// Seconds for the `Retry-After` header (429 and some 5xx).
    pub retry_after: Option<u64>,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(code: u16, reason: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            code,
            reason,
            message: message.into(),
            details: None,
            retry_after: None,
        }
    }

    /// `jobs.batch "x" not found`
    pub fn not_found(qualified: &str, name: &str) -> Self {
        let (res, group) = split_qualified(qualified);
        let mut e = Self::new(404, "NotFound", format!("{qualified} \"{name}\" not found"));
        e.details = Some(Box::new(json!({"name": name, "group": group, "kind": res})));
        e
    }

    pub fn already_exists(qualified: &str, name: &str) -> Self {
        let (res, group) = split_qualified(qualified);
        let mut e = Self::new(
            409,
            "AlreadyExists",
            format!("{qualified} \"{name}\" already exists"),
        );
        e.details = Some(Box::new(json!({"name": name, "group": group, "kind": res})));
        e
    }

    /// The optimistic-concurrency conflict of a stale resourceVersion.
    pub fn conflict(qualified: &str, name: &str, why: &str) -> Self {
        let (res, group) = split_qualified(qualified);
        let mut e = Self::new(
            409,
            "Conflict",
            format!("Operation cannot be fulfilled on {qualified} \"{name}\": {why}"),
        );
        e.details = Some(Box::new(json!({"name": name, "group": group, "kind": res})));
        e
    }

    pub fn stale(qualified: &str, name: &str) -> Self {
        Self::conflict(
            qualified,
            name,
            "the object has been modified; please apply your changes to the latest version and try again",
        )
    }

    /// 422 Invalid: `Job.batch "x" is invalid: field: message, ...`
    pub fn invalid(kind_group: &str, name: &str, causes: Vec<Cause>) -> Self {
        let (kind, group) = split_qualified(kind_group);
        let summary = if causes.len() == 1 {
            format!("{}: {}", causes[0].field, causes[0].message)
        } else {
            let parts: Vec<String> = causes
                .iter()
                .map(|c| format!("{}: {}", c.field, c.message))
                .collect();
            format!("[{}]", parts.join(", "))
        };
        let mut e = Self::new(
            422,
            "Invalid",
            format!("{kind_group} \"{name}\" is invalid: {summary}"),
        );
        let causes: Vec<Value> = causes
            .iter()
            .map(|c| json!({"reason": c.reason, "message": c.message, "field": c.field}))
            .collect();
        e.details = Some(Box::new(
            json!({"name": name, "group": group, "kind": kind, "causes": causes}),
        ));
        e
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(400, "BadRequest", message)
    }

    pub fn gone(message: impl Into<String>) -> Self {
        Self::new(410, "Expired", message)
    }

    pub fn method_not_allowed(message: impl Into<String>) -> Self {
        Self::new(405, "MethodNotAllowed", message)
    }

    pub fn too_many_requests(retry_after: u64) -> Self {
        let mut e = Self::new(
            429,
            "TooManyRequests",
            "the server has received too many requests and has asked us to try again later",
        );
        e.details = Some(Box::new(json!({"retryAfterSeconds": retry_after})));
        e.retry_after = Some(retry_after);
        e
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(500, "InternalError", message)
    }

    pub fn unsupported_media_type(message: impl Into<String>) -> Self {
        Self::new(415, "UnsupportedMediaType", message)
    }

    /// The `metav1.Status` body.
    pub fn to_status(&self) -> Value {
        let mut s = json!({
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        });
        if let Some(d) = &self.details {
            s["details"] = (**d).clone();
        }
        s
    }
}

/// "jobs.batch" -> ("jobs", "batch"); "pods" -> ("pods", "").
fn split_qualified(q: &str) -> (&str, &str) {
    match q.split_once('.') {
        Some((a, b)) => (a, b),
        None => (q, ""),
    }
}

/// The `Status` of a successful delete-without-object and similar.
pub fn success_status(details: Value) -> Value {
    json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "details": details})
}
