//! The write path every writer shares, the API server's handlers and the controllers
//! alike: type and namespace checks, defaults, validation and managed fields before an
//! object reaches the store. Pure apart from the store it is given.

use crate::apply;
use crate::error::{ApiError, ApiResult};
use crate::meta;
use crate::resources::Resource;
use crate::store::Store;
use crate::validate;
use serde_json::{Value, json};

pub fn check_type(res: &Resource, obj: &Value) -> ApiResult<()> {
    if let Some(av) = obj["apiVersion"].as_str()
        && av != res.api_version()
    {
        return Err(ApiError::bad_request(format!(
            "the API version in the data ({av}) does not match the expected API version ({})",
            res.api_version()
        )));
    }
    if let Some(k) = obj["kind"].as_str()
        && k != res.kind
    {
        return Err(ApiError::bad_request(format!(
            "the kind in the data ({k}) does not match the expected kind ({})",
            res.kind
        )));
    }
    if !obj.is_object() {
        return Err(ApiError::bad_request("the request body is not an object"));
    }
    Ok(())
}

pub fn check_namespace(res: &Resource, obj: &mut Value, ns: &str) -> ApiResult<()> {
    if !res.namespaced {
        return Ok(());
    }
    match meta::str_at(obj, &["metadata", "namespace"]) {
        Some(n) if !n.is_empty() && n != ns => Err(ApiError::bad_request(
            "the namespace of the provided object does not match the namespace sent on the request",
        )),
        _ => {
            meta::meta_mut(obj).insert("namespace".into(), json!(ns));
            Ok(())
        }
    }
}

/// Create: type checks, defaults, validation, managed fields, then the store.
pub fn create(
    store: &mut Store,
    res: &'static Resource,
    ns: &str,
    mut obj: Value,
    manager: &str,
    dry_run: bool,
) -> ApiResult<Value> {
    check_type(res, &obj)?;
    check_namespace(res, &mut obj, ns)?;
    validate::default_object(res, &mut obj, true);
    validate::validate(res, &obj)?;
    let now = meta::rfc3339(store.clock.now());
    if let Some(m) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
        m.remove("managedFields");
    }
    obj["apiVersion"] = json!(res.api_version());
    apply::record_update(None, &mut obj, manager, &now);
    store.create(res, obj, dry_run)
}
