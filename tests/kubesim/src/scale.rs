//! The `autoscaling/v1` Scale view of a Deployment's replicas (`deployments/NAME/scale`),
//! which `kubectl scale` reads and patches. Pure.

use crate::error::{ApiError, ApiResult, Cause};
use crate::meta;
use crate::selector::LabelSelector;
use serde_json::{Value, json};

/// The Scale of `obj`: its identity, `spec.replicas`, and the observed replicas and selector.
pub fn to_scale(obj: &Value) -> Value {
    let md = &obj["metadata"];
    json!({
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {
            "name": md["name"],
            "namespace": md["namespace"],
            "uid": md["uid"],
            "resourceVersion": md["resourceVersion"],
            "creationTimestamp": md["creationTimestamp"],
        },
        "spec": {"replicas": obj["spec"]["replicas"].as_i64().unwrap_or(1)},
        "status": {
            "replicas": obj["status"]["replicas"].as_i64().unwrap_or(0),
            "selector": LabelSelector::from_object(&obj["spec"]["selector"]).to_query(),
        },
    })
}

/// `obj` with the replicas a written Scale asks for. A Scale carrying a resourceVersion
/// other than the object's is a conflict, as for any update.
pub fn apply_scale(obj: &Value, scale: &Value, qualified: &str) -> ApiResult<Value> {
    let name = meta::name(obj);
    if let Some(rv) = meta::str_at(scale, &["metadata", "resourceVersion"])
        && !rv.is_empty()
        && Some(rv) != meta::str_at(obj, &["metadata", "resourceVersion"])
    {
        return Err(ApiError::stale(qualified, name));
    }
    let replicas = match scale["spec"]["replicas"].as_i64() {
        Some(n) if n >= 0 => n,
        other => {
            let shown =
                other.map_or_else(|| scale["spec"]["replicas"].to_string(), |n| n.to_string());
            return Err(ApiError::invalid(
                "Scale.autoscaling",
                name,
                vec![Cause {
                    reason: "FieldValueInvalid",
                    field: "spec.replicas".into(),
                    message: format!("Invalid value: {shown}: must be greater than or equal to 0"),
                }],
            ));
        }
    };
    let mut out = obj.clone();
    out["spec"]["replicas"] = json!(replicas);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_round_trip() {
        let d = json!({"metadata": {"name": "d", "namespace": "n", "resourceVersion": "7"},
            "spec": {"replicas": 2, "selector": {"matchLabels": {"tier": "a", "app": "x"}}},
            "status": {"replicas": 2}});
        let s = to_scale(&d);
        assert_eq!(s["spec"]["replicas"], 2);
        assert_eq!(s["status"]["selector"], "app=x,tier=a");
        let up = apply_scale(&d, &json!({"spec": {"replicas": 5}}), "deployments.apps").unwrap();
        assert_eq!(up["spec"]["replicas"], 5);
        let stale = json!({"metadata": {"resourceVersion": "6"}, "spec": {"replicas": 5}});
        assert_eq!(
            apply_scale(&d, &stale, "deployments.apps")
                .unwrap_err()
                .code,
            409
        );
        let bad = json!({"spec": {"replicas": -1}});
        assert_eq!(
            apply_scale(&d, &bad, "deployments.apps").unwrap_err().code,
            422
        );
    }
}
