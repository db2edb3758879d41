//! Accessors for object metadata held as JSON, time formatting and name suffixes. Pure,
//! except `random_suffix` which draws from a process-wide generator.

use jiff::Timestamp;
use serde_json::{Map, Value, json};
use std::sync::atomic::{AtomicU64, Ordering};

pub fn str_at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    at(v, path)?.as_str()
}

pub fn at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a Value> {
    let mut cur = v;
    for p in path {
        cur = cur.get(p)?;
    }
    Some(cur)
}

pub fn i64_at(v: &Value, path: &[&str]) -> Option<i64> {
    at(v, path)?.as_i64()
}

pub fn name(v: &Value) -> &str {
    str_at(v, &["metadata", "name"]).unwrap_or("")
}

pub fn namespace(v: &Value) -> &str {
    str_at(v, &["metadata", "namespace"]).unwrap_or("")
}

pub fn uid(v: &Value) -> &str {
    str_at(v, &["metadata", "uid"]).unwrap_or("")
}

pub fn labels(v: &Value) -> Option<&Map<String, Value>> {
    at(v, &["metadata", "labels"])?.as_object()
}

pub fn is_deleting(v: &Value) -> bool {
    at(v, &["metadata", "deletionTimestamp"]).is_some_and(|t| !t.is_null())
}

pub fn finalizers(v: &Value) -> Vec<String> {
    at(v, &["metadata", "finalizers"])
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|f| f.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

pub fn owner_uids(v: &Value) -> Vec<String> {
    at(v, &["metadata", "ownerReferences"])
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|o| o.get("uid").and_then(Value::as_str).map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// The uid of the owner reference with `controller: true`.
pub fn controller_uid(v: &Value) -> Option<&str> {
    at(v, &["metadata", "ownerReferences"])?
        .as_array()?
        .iter()
        .find(|o| o.get("controller").and_then(Value::as_bool) == Some(true))?
        .get("uid")?
        .as_str()
}

/// `metadata` as a mutable map, created if missing.
pub fn meta_mut(v: &mut Value) -> &mut Map<String, Value> {
    if !v.get("metadata").is_some_and(Value::is_object) {
        v["metadata"] = json!({});
    }
    v["metadata"]
        .as_object_mut()
        .expect("metadata is an object")
}

/// Sets `v[path] = value`, creating objects on the way.
pub fn set_at(v: &mut Value, path: &[&str], value: Value) {
    let mut cur = v;
    for p in &path[..path.len() - 1] {
        if !cur.get(*p).is_some_and(Value::is_object) {
            cur[*p] = json!({});
        }
        cur = &mut cur[*p];
    }
    cur[path[path.len() - 1]] = value;
}

/// Kubernetes' second-precision RFC 3339 form, as in `creationTimestamp`.
pub fn rfc3339(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Nanosecond RFC 3339, as in log timestamps.
pub fn rfc3339_nano(t: Timestamp) -> String {
    // jiff prints the shortest exact fraction, like Go's RFC3339Nano.
    t.to_string()
}

pub fn parse_time(s: &str) -> Option<Timestamp> {
    s.parse().ok()
}

pub fn time_at(v: &Value, path: &[&str]) -> Option<Timestamp> {
    parse_time(str_at(v, path)?)
}

static SEED: AtomicU64 = AtomicU64::new(0);

/// A pseudo-random u64 (splitmix64 over a counter seeded from the clock and pid).
pub fn random_u64() -> u64 {
    let mut s = SEED.load(Ordering::Relaxed);
    if s == 0 {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1);
        s = t ^ ((std::process::id() as u64) << 32) | 1;
        SEED.store(s, Ordering::Relaxed);
    }
    let mut z = SEED
        .fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed)
        .wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Five characters from the alphabet Kubernetes uses for `generateName` suffixes.
pub fn random_suffix() -> String {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let mut r = random_u64();
    (0..5)
        .map(|_| {
            let c = ALPHABET[(r % ALPHABET.len() as u64) as usize] as char;
            r /= ALPHABET.len() as u64;
            c
        })
        .collect()
}

/// A random RFC 4122 version-4 UUID string.
pub fn new_uid() -> String {
    let a = random_u64();
    let b = random_u64();
    let b = (b & 0x3fff_ffff_ffff_ffff) | 0x8000_0000_0000_0000;
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0x0fff,
        b >> 48,
        b & 0xffff_ffff_ffff
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uid_has_uuid_shape() {
        let u = new_uid();
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        assert_ne!(new_uid(), u);
    }

    #[test]
    fn suffix_is_five_allowed_chars() {
        let s = random_suffix();
        assert_eq!(s.len(), 5);
        assert!(s.chars().all(|c| "bcdfghjklmnpqrstvwxz2456789".contains(c)));
    }

    #[test]
    fn times_format_like_kubernetes() {
        let t: Timestamp = "2024-03-01T10:20:30.5Z".parse().unwrap();
        assert_eq!(rfc3339(t), "2024-03-01T10:20:30Z");
        assert_eq!(rfc3339_nano(t), "2024-03-01T10:20:30.5Z");
    }
}
