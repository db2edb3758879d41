//! Label selectors (equality and set-based) and field selectors, parsed from query strings
//! and matched against objects. Pure.

use crate::error::ApiError;
use crate::meta;
use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
enum Req {
    Eq(String, String),
    NotEq(String, String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    NotExists(String),
}

/// A parsed label selector; the empty selector matches everything.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LabelSelector(Vec<Req>);

/// Splits at commas that are not inside parentheses.
fn split_top(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut depth = 0;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

fn parse_set(key: &str, rest: &str, raw: &str) -> Result<Vec<String>, ApiError> {
    let rest = rest.trim();
    let inner = rest
        .strip_prefix('(')
        .and_then(|r| r.strip_suffix(')'))
        .ok_or_else(|| bad_selector(raw, &format!("expected a value set after {key}")))?;
    Ok(inner
        .split(',')
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
        .collect())
}

fn bad_selector(raw: &str, why: &str) -> ApiError {
    ApiError::bad_request(format!(
        "unable to parse requirement: invalid label selector {raw:?}: {why}"
    ))
}

impl LabelSelector {
    pub fn parse(raw: &str) -> Result<Self, ApiError> {
        let mut reqs = Vec::new();
        for part in split_top(raw) {
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            let req = if let Some(k) = part.strip_prefix('!') {
                Req::NotExists(k.trim().to_string())
            } else if let Some((k, v)) = part.split_once("!=") {
                Req::NotEq(k.trim().to_string(), v.trim().to_string())
            } else if let Some((k, v)) = part.split_once("==") {
                Req::Eq(k.trim().to_string(), v.trim().to_string())
            } else if let Some((k, v)) = part.split_once('=') {
                Req::Eq(k.trim().to_string(), v.trim().to_string())
            } else if let Some((k, rest)) = split_word(part, " notin ") {
                Req::NotIn(k.to_string(), parse_set(k, rest, raw)?)
            } else if let Some((k, rest)) = split_word(part, " in ") {
                Req::In(k.to_string(), parse_set(k, rest, raw)?)
            } else if part.contains(['(', ')', ' ', '<', '>']) {
                return Err(bad_selector(raw, "unknown operator"));
            } else {
                Req::Exists(part.to_string())
            };
            reqs.push(req);
        }
        Ok(LabelSelector(reqs))
    }

    /// The selector of a `metav1.LabelSelector` object (matchLabels + matchExpressions).
    pub fn from_object(sel: &Value) -> Self {
        let mut reqs = Vec::new();
        if let Some(m) = sel.get("matchLabels").and_then(Value::as_object) {
            for (k, v) in m {
                reqs.push(Req::Eq(k.clone(), v.as_str().unwrap_or("").to_string()));
            }
        }
        if let Some(exprs) = sel.get("matchExpressions").and_then(Value::as_array) {
            for e in exprs {
                let key = e
                    .get("key")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string();
                let values: Vec<String> = e
                    .get("values")
                    .and_then(Value::as_array)
                    .map(|a| {
                        a.iter()
                            .filter_map(|v| v.as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default();
                match e.get("operator").and_then(Value::as_str) {
                    Some("In") => reqs.push(Req::In(key, values)),
                    Some("NotIn") => reqs.push(Req::NotIn(key, values)),
                    Some("Exists") => reqs.push(Req::Exists(key)),
                    Some("DoesNotExist") => reqs.push(Req::NotExists(key)),
                    _ => {}
                }
            }
        }
        LabelSelector(reqs)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The query-string form, requirements sorted by key as `metav1.FormatLabelSelector`
    /// prints them (`app=x,tier in (a,b)`); empty for the empty selector.
    pub fn to_query(&self) -> String {
        let mut reqs: Vec<(&str, String)> = self
            .0
            .iter()
            .map(|r| match r {
                Req::Eq(k, v) => (k.as_str(), format!("{k}={v}")),
                Req::NotEq(k, v) => (k.as_str(), format!("{k}!={v}")),
                Req::In(k, vs) => (k.as_str(), format!("{k} in ({})", vs.join(","))),
                Req::NotIn(k, vs) => (k.as_str(), format!("{k} notin ({})", vs.join(","))),
                Req::Exists(k) => (k.as_str(), k.clone()),
                Req::NotExists(k) => (k.as_str(), format!("!{k}")),
            })
            .collect();
        reqs.sort_by(|a, b| a.0.cmp(b.0));
        reqs.into_iter()
            .map(|(_, s)| s)
            .collect::<Vec<_>>()
            .join(",")
    }

    pub fn matches_labels(&self, labels: Option<&serde_json::Map<String, Value>>) -> bool {
        let get = |k: &str| labels.and_then(|l| l.get(k)).and_then(Value::as_str);
        self.0.iter().all(|r| match r {
            Req::Eq(k, v) => get(k) == Some(v.as_str()),
            Req::NotEq(k, v) => get(k) != Some(v.as_str()),
            Req::In(k, vs) => get(k).is_some_and(|x| vs.iter().any(|v| v == x)),
            Req::NotIn(k, vs) => !get(k).is_some_and(|x| vs.iter().any(|v| v == x)),
            Req::Exists(k) => get(k).is_some(),
            Req::NotExists(k) => get(k).is_none(),
        })
    }

    pub fn matches(&self, obj: &Value) -> bool {
        self.matches_labels(meta::labels(obj))
    }
}

fn split_word<'a>(s: &'a str, word: &str) -> Option<(&'a str, &'a str)> {
    let i = s.find(word)?;
    Some((s[..i].trim(), &s[i + word.len()..]))
}

/// A parsed field selector: `path=value` / `path!=value` terms over dotted JSON paths
/// (`metadata.name`, `metadata.namespace`, `status.phase`, `involvedObject.name`, ...).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FieldSelector(Vec<(Vec<String>, String, bool)>);

impl FieldSelector {
    pub fn parse(raw: &str) -> Result<Self, ApiError> {
        let mut terms = Vec::new();
        for part in raw.split(',') {
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            let (k, v, eq) = if let Some((k, v)) = part.split_once("!=") {
                (k, v, false)
            } else if let Some((k, v)) = part.split_once("==") {
                (k, v, true)
            } else if let Some((k, v)) = part.split_once('=') {
                (k, v, true)
            } else {
                return Err(ApiError::bad_request(format!(
                    "invalid field selector: {raw:?}: invalid selector: '{part}'; can't understand '{part}'"
                )));
            };
            let path = k.trim().split('.').map(str::to_string).collect();
            terms.push((path, v.trim().to_string(), eq));
        }
        Ok(FieldSelector(terms))
    }

    /// The object name an `metadata.name=x` term pins, if any.
    pub fn name(&self) -> Option<&str> {
        self.0
            .iter()
            .find(|(p, _, eq)| *eq && p.len() == 2 && p[0] == "metadata" && p[1] == "name")
            .map(|(_, v, _)| v.as_str())
    }

    pub fn matches(&self, obj: &Value) -> bool {
        self.0.iter().all(|(path, want, eq)| {
            let refs: Vec<&str> = path.iter().map(String::as_str).collect();
            let got = match meta::at(obj, &refs) {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Null) | None => String::new(),
                Some(other) => other.to_string(),
            };
            (got == *want) == *eq
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(labels: Value) -> Value {
        json!({"metadata": {"name": "a", "namespace": "ns", "labels": labels}, "status": {"phase": "Running"}})
    }

    #[test]
    fn equality_and_set_based() {
        let o = obj(json!({"app": "x", "tier": "db"}));
        let m = |s: &str| LabelSelector::parse(s).unwrap().matches(&o);
        assert!(m("app=x"));
        assert!(m("app==x,tier"));
        assert!(!m("app!=x"));
        assert!(m("app in (x, y),tier notin (web)"));
        assert!(!m("app in (y)"));
        assert!(m("!missing"));
        assert!(!m("!app"));
        assert!(m(""));
        assert!(m("missing notin (a)"));
        assert!(!m("missing in (a)"));
    }

    #[test]
    fn rejects_garbage() {
        assert!(LabelSelector::parse("app in x").is_err());
        assert!(FieldSelector::parse("metadata.name").is_err());
    }

    #[test]
    fn field_selectors() {
        let o = obj(json!({}));
        let m = |s: &str| FieldSelector::parse(s).unwrap().matches(&o);
        assert!(m("metadata.name=a"));
        assert!(m("metadata.namespace=ns,status.phase!=Failed"));
        assert!(!m("status.phase=Succeeded"));
        assert_eq!(
            FieldSelector::parse("metadata.name=a").unwrap().name(),
            Some("a")
        );
    }

    #[test]
    fn object_selector() {
        let sel = LabelSelector::from_object(&json!({
            "matchLabels": {"app": "x"},
            "matchExpressions": [{"key": "tier", "operator": "In", "values": ["db"]}]
        }));
        assert!(sel.matches(&obj(json!({"app": "x", "tier": "db"}))));
        assert!(!sel.matches(&obj(json!({"app": "x"}))));
    }
}
