//! Decoding of the few protobuf request bodies kubectl sends for typed objects
//! (`kubectl create namespace|secret|configmap|serviceaccount|role|rolebinding`) into
//! JSON. Pure.
//!
//! The body is `k8s\0` + a `runtime.Unknown` (1: typeMeta{1: apiVersion, 2: kind},
//! 2: raw) whose `raw` is the object message. Field numbers are those of
//! k8s.io/api's generated.proto.

use crate::validate::base64_encode;
use serde_json::{Map, Value, json};

/// One decoded field: number and value (varint or length-delimited bytes).
enum Field<'a> {
    Varint(u64),
    Bytes(&'a [u8]),
}

fn varint(b: &[u8], i: &mut usize) -> Option<u64> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let byte = *b.get(*i)?;
        *i += 1;
        v |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Some(v);
        }
    }
    None
}

fn fields(b: &[u8]) -> Option<Vec<(u64, Field<'_>)>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let key = varint(b, &mut i)?;
        let (num, wire) = (key >> 3, key & 7);
        let f = match wire {
            0 => Field::Varint(varint(b, &mut i)?),
            1 => {
                i += 8;
                continue;
            }
            2 => {
                let len = varint(b, &mut i)? as usize;
                let s = b.get(i..i + len)?;
                i += len;
                Field::Bytes(s)
            }
            5 => {
                i += 4;
                continue;
            }
            _ => return None,
        };
        out.push((num, f));
    }
    Some(out)
}

/// A non-empty string field (proto2 sends empty optional strings too; JSON omits them).
fn set(m: &mut Map<String, Value>, key: &str, f: &Field) -> Option<()> {
    let s = string(f)?;
    if !s.is_empty() {
        m.insert(key.into(), json!(s));
    }
    Some(())
}

fn string(f: &Field) -> Option<String> {
    match f {
        Field::Bytes(b) => String::from_utf8(b.to_vec()).ok(),
        Field::Varint(_) => None,
    }
}

/// A map entry (1: key, 2: value); `bytes_value` base64-encodes the value.
fn map_entry(f: &Field, bytes_value: bool) -> Option<(String, Value)> {
    let Field::Bytes(b) = f else { return None };
    let mut key = String::new();
    let mut value = Value::String(String::new());
    for (n, f) in fields(b)? {
        match (n, &f) {
            (1, _) => key = string(&f)?,
            (2, Field::Bytes(v)) if bytes_value => value = json!(base64_encode(v)),
            (2, _) => value = json!(string(&f)?),
            _ => {}
        }
    }
    Some((key, value))
}

fn object_meta(b: &[u8]) -> Option<Value> {
    let mut m = Map::new();
    let mut labels = Map::new();
    let mut annotations = Map::new();
    let mut finalizers = Vec::new();
    for (n, f) in fields(b)? {
        match n {
            1 => set(&mut m, "name", &f)?,
            2 => set(&mut m, "generateName", &f)?,
            3 => set(&mut m, "namespace", &f)?,
            6 => set(&mut m, "resourceVersion", &f)?,
            11 => {
                let (k, v) = map_entry(&f, false)?;
                labels.insert(k, v);
            }
            12 => {
                let (k, v) = map_entry(&f, false)?;
                annotations.insert(k, v);
            }
            14 => finalizers.push(json!(string(&f)?)),
            _ => {}
        }
    }
    if !labels.is_empty() {
        m.insert("labels".into(), Value::Object(labels));
    }
    if !annotations.is_empty() {
        m.insert("annotations".into(), Value::Object(annotations));
    }
    if !finalizers.is_empty() {
        m.insert("finalizers".into(), Value::Array(finalizers));
    }
    Some(Value::Object(m))
}

/// A message made of string fields only: (number, JSON name, repeated).
fn strings_message(f: &Field, names: &[(u64, &str, bool)]) -> Option<Value> {
    let Field::Bytes(b) = f else { return None };
    let mut m = Map::new();
    for (n, f) in fields(b)? {
        let Some((_, name, repeated)) = names.iter().find(|(k, _, _)| *k == n) else {
            continue;
        };
        let s = string(&f)?;
        if *repeated {
            match m.entry(name.to_string()).or_insert_with(|| json!([])) {
                Value::Array(a) => a.push(json!(s)),
                _ => return None,
            }
        } else if !s.is_empty() {
            m.insert(name.to_string(), json!(s));
        }
    }
    Some(Value::Object(m))
}

fn push(obj: &mut Value, key: &str, v: Value) {
    match obj[key].as_array_mut() {
        Some(a) => a.push(v),
        None => obj[key] = json!([v]),
    }
}

/// The JSON form of a protobuf-encoded Namespace, Secret, ConfigMap, ServiceAccount, Role or
/// RoleBinding; None for anything else or a malformed body.
pub fn decode(body: &[u8]) -> Option<Value> {
    let envelope = body.strip_prefix(b"k8s\0")?;
    let (mut api_version, mut kind, mut raw) = (String::new(), String::new(), &[][..]);
    for (n, f) in fields(envelope)? {
        match (n, f) {
            (1, Field::Bytes(tm)) => {
                for (tn, tf) in fields(tm)? {
                    match tn {
                        1 => api_version = string(&tf)?,
                        2 => kind = string(&tf)?,
                        _ => {}
                    }
                }
            }
            (2, Field::Bytes(r)) => raw = r,
            _ => {}
        }
    }
    let mut obj = json!({"apiVersion": api_version, "kind": kind});
    let mut data = Map::new();
    let mut binary = Map::new();
    let mut string_data = Map::new();
    for (n, f) in fields(raw)? {
        match (kind.as_str(), n) {
            (_, 1) => {
                let Field::Bytes(b) = f else { return None };
                obj["metadata"] = object_meta(b)?;
            }
            ("Secret", 2) => {
                let (k, v) = map_entry(&f, true)?;
                data.insert(k, v);
            }
            ("Secret", 3) => {
                let t = string(&f)?;
                if !t.is_empty() {
                    obj["type"] = json!(t);
                }
            }
            ("Secret", 4) => {
                let (k, v) = map_entry(&f, false)?;
                string_data.insert(k, v);
            }
            ("Secret", 5) | ("ConfigMap", 4) => {
                if let Field::Varint(v) = f {
                    obj["immutable"] = json!(v != 0);
                }
            }
            ("ConfigMap", 2) => {
                let (k, v) = map_entry(&f, false)?;
                data.insert(k, v);
            }
            ("ConfigMap", 3) => {
                let (k, v) = map_entry(&f, true)?;
                binary.insert(k, v);
            }
            ("Namespace", 2) => {
                let Field::Bytes(b) = f else { return None };
                let fins: Vec<Value> = fields(b)?
                    .iter()
                    .filter(|(n, _)| *n == 1)
                    .filter_map(|(_, f)| string(f).map(Value::String))
                    .collect();
                obj["spec"] = json!({"finalizers": fins});
            }
            ("ServiceAccount", 3) => {
                let r = strings_message(&f, &[(1, "name", false)])?;
                push(&mut obj, "imagePullSecrets", r);
            }
            ("ServiceAccount", 4) => {
                if let Field::Varint(v) = f {
                    obj["automountServiceAccountToken"] = json!(v != 0);
                }
            }
            ("Role", 2) => {
                let rule = strings_message(
                    &f,
                    &[
                        (1, "verbs", true),
                        (2, "apiGroups", true),
                        (3, "resources", true),
                        (4, "resourceNames", true),
                        (5, "nonResourceURLs", true),
                    ],
                )?;
                push(&mut obj, "rules", rule);
            }
            ("RoleBinding", 2) => {
                let subject = strings_message(
                    &f,
                    &[
                        (1, "kind", false),
                        (2, "apiGroup", false),
                        (3, "name", false),
                        (4, "namespace", false),
                    ],
                )?;
                push(&mut obj, "subjects", subject);
            }
            ("RoleBinding", 3) => {
                obj["roleRef"] = strings_message(
                    &f,
                    &[
                        (1, "apiGroup", false),
                        (2, "kind", false),
                        (3, "name", false),
                    ],
                )?;
            }
            _ => {}
        }
    }
    match kind.as_str() {
        "Secret" | "ConfigMap" | "Namespace" | "ServiceAccount" | "Role" | "RoleBinding" => {}
        _ => return None,
    }
    if !data.is_empty() {
        obj["data"] = Value::Object(data);
    }
    if !binary.is_empty() {
        obj["binaryData"] = Value::Object(binary);
    }
    if !string_data.is_empty() {
        obj["stringData"] = Value::Object(string_data);
    }
    Some(obj)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(n: u64, payload: &[u8]) -> Vec<u8> {
        let mut out = vec![((n << 3) | 2) as u8, payload.len() as u8];
        out.extend_from_slice(payload);
        out
    }

    fn entry(k: &str, v: &[u8]) -> Vec<u8> {
        [field(1, k.as_bytes()), field(2, v)].concat()
    }

    #[test]
    fn decodes_a_secret_like_kubectl_sends_it() {
        let meta = [
            field(1, b"creds"),
            field(2, b""),
            field(11, &entry("app", b"x")),
        ]
        .concat();
        let secret = [
            field(1, &meta),
            field(2, &entry("token", b"s3cret")),
            field(3, b"Opaque"),
        ]
        .concat();
        let type_meta = [field(1, b"v1"), field(2, b"Secret")].concat();
        let body = [b"k8s\0".to_vec(), field(1, &type_meta), field(2, &secret)].concat();
        let v = decode(&body).unwrap();
        assert_eq!(v["kind"], "Secret");
        assert_eq!(v["metadata"]["name"], "creds");
        assert_eq!(v["metadata"]["labels"]["app"], "x");
        assert!(v["metadata"].get("generateName").is_none());
        assert_eq!(v["data"]["token"], base64_encode(b"s3cret"));
        assert_eq!(v["type"], "Opaque");
    }

    #[test]
    fn decodes_a_role_binding() {
        let subject = [
            field(1, b"ServiceAccount"),
            field(2, b""),
            field(3, b"sa"),
            field(4, b"ns"),
        ]
        .concat();
        let role_ref = [
            field(1, b"rbac.authorization.k8s.io"),
            field(2, b"Role"),
            field(3, b"r"),
        ]
        .concat();
        let rb = [
            field(1, &field(1, b"rb")),
            field(2, &subject),
            field(3, &role_ref),
        ]
        .concat();
        let type_meta = [
            field(1, b"rbac.authorization.k8s.io/v1"),
            field(2, b"RoleBinding"),
        ]
        .concat();
        let body = [b"k8s\0".to_vec(), field(1, &type_meta), field(2, &rb)].concat();
        let v = decode(&body).unwrap();
        assert_eq!(
            v["subjects"],
            json!([{"kind": "ServiceAccount", "name": "sa", "namespace": "ns"}])
        );
        assert_eq!(
            v["roleRef"],
            json!({"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "r"})
        );
    }

    #[test]
    fn rejects_other_kinds_and_garbage() {
        let type_meta = [field(1, b"v1"), field(2, b"Pod")].concat();
        let body = [
            b"k8s\0".to_vec(),
            field(1, &type_meta),
            field(2, &field(1, &field(1, b"p"))),
        ]
        .concat();
        assert!(decode(&body).is_none());
        assert!(decode(b"k8s\0\xff\xff").is_none());
        assert!(decode(b"{}").is_none());
    }
}
