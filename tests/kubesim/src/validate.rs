//! Validation (422 Invalid with field causes, like the real apiserver) and defaulting of
//! the objects kubesim serves. Pure.

use crate::error::{ApiError, Cause};
use crate::meta;
use crate::resources::Resource;
use crate::selector::LabelSelector;
use serde_json::{Value, json};

const SUBDOMAIN_MSG: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_MSG: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const LABEL_VALUE_MSG: &str = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

pub fn is_dns_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

pub fn is_dns_subdomain(s: &str) -> bool {
    s.len() <= 253 && s.split('.').all(is_dns_label)
}

fn is_label_value(s: &str) -> bool {
    s.is_empty()
        || (s.len() <= 63
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
            && s.as_bytes()[0].is_ascii_alphanumeric()
            && s.as_bytes()[s.len() - 1].is_ascii_alphanumeric())
}

fn is_qualified_name(s: &str) -> bool {
    let (prefix, name) = match s.split_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, s),
    };
    prefix.is_none_or(is_dns_subdomain) && !name.is_empty() && is_label_value(name)
}

fn invalid(field: &str, value: &str, why: &str) -> Cause {
    Cause {
        reason: "FieldValueInvalid",
        field: field.to_string(),
        message: format!("Invalid value: {value:?}: {why}"),
    }
}

fn required(field: &str, detail: &str) -> Cause {
    Cause {
        reason: "FieldValueRequired",
        field: field.to_string(),
        message: if detail.is_empty() {
            "Required value".to_string()
        } else {
            format!("Required value: {detail}")
        },
    }
}

fn unsupported(field: &str, value: &str, supported: &[&str]) -> Cause {
    let s: Vec<String> = supported.iter().map(|v| format!("{v:?}")).collect();
    Cause {
        reason: "FieldValueNotSupported",
        field: field.to_string(),
        message: format!(
            "Unsupported value: {value:?}: supported values: {}",
            s.join(", ")
        ),
    }
}

/// Validates a whole object about to be stored (create or update).
pub fn validate(res: &Resource, obj: &Value) -> Result<(), ApiError> {
    let mut causes = Vec::new();
    let name = meta::name(obj);
    let generate = meta::str_at(obj, &["metadata", "generateName"]).unwrap_or("");
    if name.is_empty() && generate.is_empty() {
        causes.push(required(
            "metadata.name",
            "name or generateName is required",
        ));
    } else if !name.is_empty() {
        let ok = if res.name == "namespaces" {
            is_dns_label(name)
        } else {
            is_dns_subdomain(name)
        };
        if !ok {
            let msg = if res.name == "namespaces" {
                LABEL_MSG
            } else {
                SUBDOMAIN_MSG
            };
            causes.push(invalid("metadata.name", name, msg));
        }
    }
    if let Some(labels) = meta::labels(obj) {
        for (k, v) in labels {
            if !is_qualified_name(k) {
                causes.push(invalid("metadata.labels", k, "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"));
            }
            match v.as_str() {
                Some(s) if is_label_value(s) => {}
                _ => causes.push(invalid(
                    &format!("metadata.labels[{k:?}]"),
                    v.as_str().unwrap_or(""),
                    LABEL_VALUE_MSG,
                )),
            }
        }
    }
    match res.name {
        "pods" => validate_pod_spec(&obj["spec"], "spec", &mut causes),
        "jobs" => {
            if name.len() > 63 {
                causes.push(invalid(
                    "metadata.name",
                    name,
                    "must be no more than 63 characters",
                ));
            }
            validate_job_spec(&obj["spec"], "spec", &mut causes);
        }
        "cronjobs" => {
            if name.len() > 52 {
                causes.push(invalid(
                    "metadata.name",
                    name,
                    "must be no more than 52 characters",
                ));
            }
            validate_cronjob_spec(&obj["spec"], &mut causes);
        }
        "services" => validate_service_spec(&obj["spec"], &mut causes),
        "deployments" => validate_deployment_spec(&obj["spec"], &mut causes),
        "roles" => {
            for (i, r) in obj["rules"].as_array().into_iter().flatten().enumerate() {
                if r["verbs"].as_array().is_none_or(Vec::is_empty) {
                    causes.push(required(
                        &format!("rules[{i}].verbs"),
                        "verbs must contain at least one value",
                    ));
                }
            }
        }
        "rolebindings" => {
            let r = &obj["roleRef"];
            match r["kind"].as_str() {
                Some("Role" | "ClusterRole") => {}
                Some(k) => causes.push(unsupported("roleRef.kind", k, &["Role", "ClusterRole"])),
                None => causes.push(required("roleRef.kind", "")),
            }
            if r["name"].as_str().unwrap_or("").is_empty() {
                causes.push(required("roleRef.name", ""));
            }
            if let Some(g) = r["apiGroup"].as_str()
                && g != "rbac.authorization.k8s.io"
            {
                causes.push(unsupported(
                    "roleRef.apiGroup",
                    g,
                    &["rbac.authorization.k8s.io"],
                ));
            }
        }
        _ => {}
    }
    if causes.is_empty() {
        Ok(())
    } else {
        Err(ApiError::invalid(&res.kind_group(), name, causes))
    }
}

fn validate_pod_spec(spec: &Value, at: &str, causes: &mut Vec<Cause>) {
    let containers = spec["containers"].as_array().cloned().unwrap_or_default();
    if containers.is_empty() {
        causes.push(required(&format!("{at}.containers"), ""));
    }
    let mut seen = Vec::new();
    for (i, c) in containers.iter().enumerate() {
        let cname = c["name"].as_str().unwrap_or("");
        if cname.is_empty() {
            causes.push(required(&format!("{at}.containers[{i}].name"), ""));
        } else if !is_dns_label(cname) {
            causes.push(invalid(
                &format!("{at}.containers[{i}].name"),
                cname,
                LABEL_MSG,
            ));
        } else if seen.contains(&cname) {
            causes.push(Cause {
                reason: "FieldValueDuplicate",
                field: format!("{at}.containers[{i}].name"),
                message: format!("Duplicate value: {cname:?}"),
            });
        }
        seen.push(cname);
        if c["image"].as_str().unwrap_or("").is_empty() {
            causes.push(required(&format!("{at}.containers[{i}].image"), ""));
        }
    }
    if let Some(rp) = spec["restartPolicy"].as_str()
        && !matches!(rp, "Always" | "OnFailure" | "Never")
    {
        causes.push(unsupported(
            &format!("{at}.restartPolicy"),
            rp,
            &["Always", "OnFailure", "Never"],
        ));
    }
}

fn validate_job_spec(spec: &Value, at: &str, causes: &mut Vec<Cause>) {
    let tpl = format!("{at}.template.spec");
    validate_pod_spec(&spec["template"]["spec"], &tpl, causes);
    match spec["template"]["spec"]["restartPolicy"].as_str() {
        Some("OnFailure" | "Never") => {}
        Some(other) => causes.push(unsupported(
            &format!("{tpl}.restartPolicy"),
            other,
            &["OnFailure", "Never"],
        )),
        None => causes.push(required(
            &format!("{tpl}.restartPolicy"),
            "valid values: \"OnFailure\", \"Never\"",
        )),
    }
    for f in [
        "parallelism",
        "completions",
        "backoffLimit",
        "activeDeadlineSeconds",
        "ttlSecondsAfterFinished",
    ] {
        if let Some(n) = spec[f].as_i64()
            && (n < 0 || (f == "activeDeadlineSeconds" && n == 0))
        {
            causes.push(invalid(
                &format!("{at}.{f}"),
                &n.to_string(),
                if f == "activeDeadlineSeconds" {
                    "must be greater than 0"
                } else {
                    "must be greater than or equal to 0"
                },
            ));
        }
    }
    match spec["completionMode"].as_str() {
        None | Some("NonIndexed") => {}
        Some("Indexed") => {
            if spec["completions"].as_i64().is_none() {
                causes.push(required(
                    &format!("{at}.completions"),
                    "when completion mode is Indexed",
                ));
            }
        }
        Some(other) => causes.push(unsupported(
            &format!("{at}.completionMode"),
            other,
            &["NonIndexed", "Indexed"],
        )),
    }
}

/// Go's `%#v` of a label map, as the real server quotes it in messages.
fn go_map(m: &Value) -> String {
    let entries: Vec<String> = m
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| format!("{k:?}:{:?}", v.as_str().unwrap_or("")))
        .collect();
    format!("map[string]string{{{}}}", entries.join(", "))
}

fn validate_deployment_spec(spec: &Value, causes: &mut Vec<Cause>) {
    if let Some(n) = spec["replicas"].as_i64()
        && n < 0
    {
        causes.push(invalid(
            "spec.replicas",
            &n.to_string(),
            "must be greater than or equal to 0",
        ));
    }
    let sel = &spec["selector"];
    let labels = &spec["template"]["metadata"]["labels"];
    let no_terms = sel["matchLabels"].as_object().is_none_or(|m| m.is_empty())
        && sel["matchExpressions"].as_array().is_none_or(Vec::is_empty);
    let mismatch = || Cause {
        reason: "FieldValueInvalid",
        field: "spec.template.metadata.labels".into(),
        message: format!(
            "Invalid value: {}: `selector` does not match template `labels`",
            go_map(labels)
        ),
    };
    if !sel.is_object() {
        // No selector selects nothing, so the template does not match either (both causes,
        // as the real server reports them).
        causes.push(required("spec.selector", ""));
        causes.push(mismatch());
    } else if no_terms {
        causes.push(Cause {
            reason: "FieldValueInvalid",
            field: "spec.selector".into(),
            message: "Invalid value: \"{}\": empty selector is invalid for deployment".into(),
        });
    } else if !LabelSelector::from_object(sel).matches_labels(labels.as_object()) {
        causes.push(mismatch());
    }
    let tpl = &spec["template"]["spec"];
    validate_pod_spec(tpl, "spec.template.spec", causes);
    if let Some(rp) = tpl["restartPolicy"].as_str()
        && rp != "Always"
    {
        causes.push(unsupported(
            "spec.template.spec.restartPolicy",
            rp,
            &["Always"],
        ));
    }
    if let Some(t) = spec["strategy"]["type"].as_str() {
        if !matches!(t, "Recreate" | "RollingUpdate") {
            causes.push(unsupported(
                "spec.strategy.type",
                t,
                &["Recreate", "RollingUpdate"],
            ));
        } else if t == "Recreate" && !spec["strategy"]["rollingUpdate"].is_null() {
            causes.push(Cause {
                reason: "FieldValueForbidden",
                field: "spec.strategy.rollingUpdate".into(),
                message: "Forbidden: may not be specified when strategy `type` is 'Recreate'"
                    .into(),
            });
        }
    }
}

/// Rejects a changed Deployment selector (immutable in apps/v1).
pub fn validate_deployment_update(old: &Value, new: &Value) -> Result<(), ApiError> {
    if old["spec"]["selector"] == new["spec"]["selector"] {
        return Ok(());
    }
    Err(ApiError::invalid(
        "Deployment.apps",
        meta::name(new),
        vec![Cause {
            reason: "FieldValueInvalid",
            field: "spec.selector".into(),
            message: format!(
                "Invalid value: {}: field is immutable",
                serde_json::to_string(&new["spec"]["selector"]).unwrap_or_default()
            ),
        }],
    ))
}

fn validate_service_spec(spec: &Value, causes: &mut Vec<Cause>) {
    let ty = spec["type"].as_str().unwrap_or("ClusterIP");
    if !matches!(
        ty,
        "ClusterIP" | "NodePort" | "LoadBalancer" | "ExternalName"
    ) {
        causes.push(unsupported(
            "spec.type",
            ty,
            &["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"],
        ));
    }
    let ports = spec["ports"].as_array().cloned().unwrap_or_default();
    if ports.is_empty() && ty != "ExternalName" && spec["clusterIP"] != "None" {
        causes.push(required("spec.ports", ""));
    }
    for (i, p) in ports.iter().enumerate() {
        match p["port"].as_i64() {
            Some(n) if (1..=65535).contains(&n) => {}
            Some(n) => causes.push(invalid(
                &format!("spec.ports[{i}].port"),
                &n.to_string(),
                "must be between 1 and 65535, inclusive",
            )),
            None => causes.push(required(&format!("spec.ports[{i}].port"), "")),
        }
        if ports.len() > 1 && p["name"].as_str().unwrap_or("").is_empty() {
            causes.push(required(&format!("spec.ports[{i}].name"), ""));
        }
        if let Some(proto) = p["protocol"].as_str()
            && !matches!(proto, "TCP" | "UDP" | "SCTP")
        {
            causes.push(unsupported(
                &format!("spec.ports[{i}].protocol"),
                proto,
                &["SCTP", "TCP", "UDP"],
            ));
        }
    }
}

fn validate_cronjob_spec(spec: &Value, causes: &mut Vec<Cause>) {
    match spec["schedule"].as_str() {
        None | Some("") => causes.push(required("spec.schedule", "")),
        Some(s) => {
            if let Err(e) = crate::schedule::parse_schedule(s) {
                causes.push(invalid("spec.schedule", s, &e));
            }
        }
    }
    if let Some(tz) = spec["timeZone"].as_str()
        && jiff::tz::TimeZone::get(tz).is_err()
    {
        causes.push(invalid(
            "spec.timeZone",
            tz,
            &format!("unknown time zone {tz}"),
        ));
    }
    if let Some(p) = spec["concurrencyPolicy"].as_str()
        && !matches!(p, "Allow" | "Forbid" | "Replace")
    {
        causes.push(unsupported(
            "spec.concurrencyPolicy",
            p,
            &["Allow", "Forbid", "Replace"],
        ));
    }
    validate_job_spec(
        &spec["jobTemplate"]["spec"],
        "spec.jobTemplate.spec",
        causes,
    );
}

/// Rejects a changed `roleRef`: the real server makes a binding's role immutable (delete and
/// recreate the binding instead).
pub fn validate_rolebinding_update(old: &Value, new: &Value) -> Result<(), ApiError> {
    if old["roleRef"] == new["roleRef"] {
        return Ok(());
    }
    Err(ApiError::invalid(
        "RoleBinding.rbac.authorization.k8s.io",
        meta::name(new),
        vec![Cause {
            reason: "FieldValueInvalid",
            field: "roleRef".into(),
            message: format!(
                "Invalid value: {}: cannot change roleRef",
                serde_json::to_string(&new["roleRef"]).unwrap_or_default()
            ),
        }],
    ))
}

/// Rejects changes to the immutable parts of a Job spec.
pub fn validate_job_update(old: &Value, new: &Value) -> Result<(), ApiError> {
    let mut causes = Vec::new();
    for f in ["selector", "template", "completionMode"] {
        if old["spec"][f] != new["spec"][f] {
            causes.push(Cause {
                reason: "FieldValueInvalid",
                field: format!("spec.{f}"),
                message: format!(
                    "Invalid value: {}: field is immutable",
                    serde_json::to_string(&new["spec"][f]).unwrap_or_default()
                ),
            });
        }
    }
    if causes.is_empty() {
        Ok(())
    } else {
        Err(ApiError::invalid("Job.batch", meta::name(new), causes))
    }
}

fn default_if_missing(v: &mut Value, key: &str, value: Value) {
    if v.get(key).is_none_or(Value::is_null) {
        v[key] = value;
    }
}

pub fn default_pod_spec(spec: &mut Value) {
    if !spec.is_object() {
        return;
    }
    default_if_missing(spec, "restartPolicy", json!("Always"));
    default_if_missing(spec, "terminationGracePeriodSeconds", json!(30));
    default_if_missing(spec, "dnsPolicy", json!("ClusterFirst"));
    default_if_missing(spec, "schedulerName", json!("default-scheduler"));
    default_if_missing(spec, "securityContext", json!({}));
    if let Some(cs) = spec["containers"].as_array_mut() {
        for c in cs {
            if !c.is_object() {
                continue;
            }
            let image = c["image"].as_str().unwrap_or("").to_string();
            let last = image.rsplit('/').next().unwrap_or("");
            let policy = if !last.contains(':') || image.ends_with(":latest") {
                "Always"
            } else {
                "IfNotPresent"
            };
            default_if_missing(c, "imagePullPolicy", json!(policy));
            default_if_missing(c, "terminationMessagePath", json!("/dev/termination-log"));
            default_if_missing(c, "terminationMessagePolicy", json!("File"));
            default_if_missing(c, "resources", json!({}));
        }
    }
}

fn default_job_spec(spec: &mut Value) {
    if !spec.is_object() {
        return;
    }
    if spec["completions"].is_null() && spec["parallelism"].is_null() {
        spec["completions"] = json!(1);
    }
    default_if_missing(spec, "parallelism", json!(1));
    default_if_missing(spec, "backoffLimit", json!(6));
    default_if_missing(spec, "completionMode", json!("NonIndexed"));
    default_if_missing(spec, "suspend", json!(false));
    default_if_missing(spec, "podReplacementPolicy", json!("TerminatingOrFailed"));
    if spec["template"].is_object() {
        default_pod_spec(&mut spec["template"]["spec"]);
    }
}

/// Defaults applied on create (and, for specs, on update) as the real server does.
pub fn default_object(res: &Resource, obj: &mut Value, creating: bool) {
    match res.name {
        "pods" => {
            default_pod_spec(&mut obj["spec"]);
            if creating && obj["spec"].is_object() {
                // The ServiceAccount admission plugin's default; `serviceAccount` is the
                // deprecated alias the real server keeps equal to it.
                default_if_missing(&mut obj["spec"], "serviceAccountName", json!("default"));
                let sa = obj["spec"]["serviceAccountName"].clone();
                default_if_missing(&mut obj["spec"], "serviceAccount", sa);
            }
            if creating {
                obj["status"] = json!({"phase": "Pending", "qosClass": "BestEffort"});
            }
        }
        "jobs" => {
            default_job_spec(&mut obj["spec"]);
            if creating {
                obj["status"] = json!({});
            }
        }
        "cronjobs" => {
            let spec = &mut obj["spec"];
            if spec.is_object() {
                default_if_missing(spec, "concurrencyPolicy", json!("Allow"));
                default_if_missing(spec, "suspend", json!(false));
                default_if_missing(spec, "successfulJobsHistoryLimit", json!(3));
                default_if_missing(spec, "failedJobsHistoryLimit", json!(1));
                if spec["jobTemplate"]["spec"].is_object() {
                    let js = &mut spec["jobTemplate"]["spec"];
                    default_if_missing(js, "backoffLimit", json!(6));
                    default_if_missing(js, "completionMode", json!("NonIndexed"));
                    default_if_missing(js, "suspend", json!(false));
                    if js["template"].is_object() {
                        default_pod_spec(&mut js["template"]["spec"]);
                    }
                }
            }
            if creating {
                obj["status"] = json!({});
            }
        }
        "deployments" => {
            let spec = &mut obj["spec"];
            if spec.is_object() {
                default_if_missing(spec, "replicas", json!(1));
                default_if_missing(spec, "revisionHistoryLimit", json!(10));
                default_if_missing(spec, "progressDeadlineSeconds", json!(600));
                default_if_missing(spec, "strategy", json!({"type": "RollingUpdate"}));
                default_if_missing(&mut spec["strategy"], "type", json!("RollingUpdate"));
                if spec["strategy"]["type"] == "RollingUpdate" {
                    default_if_missing(
                        &mut spec["strategy"],
                        "rollingUpdate",
                        json!({"maxSurge": "25%", "maxUnavailable": "25%"}),
                    );
                }
                if spec["template"].is_object() {
                    default_pod_spec(&mut spec["template"]["spec"]);
                }
            }
            if creating {
                obj["status"] = json!({});
            }
        }
        "services" => {
            let spec = &mut obj["spec"];
            if spec.is_object() {
                default_if_missing(spec, "type", json!("ClusterIP"));
                default_if_missing(spec, "sessionAffinity", json!("None"));
                if spec["type"] != "ExternalName" {
                    default_if_missing(spec, "ipFamilies", json!(["IPv4"]));
                    default_if_missing(spec, "ipFamilyPolicy", json!("SingleStack"));
                    default_if_missing(spec, "internalTrafficPolicy", json!("Cluster"));
                }
                if let Some(ports) = spec["ports"].as_array_mut() {
                    for p in ports.iter_mut().filter(|p| p.is_object()) {
                        default_if_missing(p, "protocol", json!("TCP"));
                        let port = p["port"].clone();
                        default_if_missing(p, "targetPort", port);
                    }
                }
            }
            if creating {
                obj["status"] = json!({"loadBalancer": {}});
            }
        }
        "rolebindings" if obj["roleRef"].is_object() => {
            default_if_missing(
                &mut obj["roleRef"],
                "apiGroup",
                json!("rbac.authorization.k8s.io"),
            );
        }
        "secrets" => {
            default_if_missing(obj, "type", json!("Opaque"));
            if let Some(sd) = obj
                .as_object_mut()
                .and_then(|o| o.remove("stringData"))
                .and_then(|v| v.as_object().cloned())
            {
                for (k, v) in sd {
                    let enc = base64_encode(v.as_str().unwrap_or("").as_bytes());
                    meta::set_at(obj, &["data", &k], json!(enc));
                }
            }
        }
        "namespaces" => {
            if creating {
                obj["spec"] = json!({"finalizers": ["kubernetes"]});
                obj["status"] = json!({"phase": "Active"});
            }
            let name = meta::name(obj).to_string();
            meta::set_at(
                obj,
                &["metadata", "labels", "kubernetes.io/metadata.name"],
                json!(name),
            );
        }
        _ => {}
    }
}

/// The selector and template labels the real server gives a Job once its uid is known.
pub fn default_job_selector(obj: &mut Value) {
    if obj["spec"]["manualSelector"].as_bool() == Some(true) || !obj["spec"].is_object() {
        return;
    }
    let uid = meta::uid(obj).to_string();
    let name = meta::name(obj).to_string();
    obj["spec"]["selector"] = json!({"matchLabels": {"batch.kubernetes.io/controller-uid": uid}});
    if !obj["spec"]["template"].is_object() {
        return;
    }
    for (k, v) in [
        ("batch.kubernetes.io/controller-uid", &uid),
        ("batch.kubernetes.io/job-name", &name),
        ("controller-uid", &uid),
        ("job-name", &name),
    ] {
        meta::set_at(
            &mut obj["spec"]["template"],
            &["metadata", "labels", k],
            json!(v),
        );
    }
}

const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

pub fn base64_encode(data: &[u8]) -> String {
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(B64[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

pub fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut buf = 0u32;
    let mut bits = 0;
    for c in s.bytes().filter(|c| !c.is_ascii_whitespace() && *c != b'=') {
        let v = B64.iter().position(|b| *b == c)? as u32;
        buf = (buf << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buf >> bits) as u8);
            buf &= (1 << bits) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::{JOB, NAMESPACE};

    #[test]
    fn base64_round_trip() {
        for s in ["", "a", "ab", "abc", "hello world!"] {
            assert_eq!(
                base64_decode(&base64_encode(s.as_bytes())).unwrap(),
                s.as_bytes()
            );
        }
        assert_eq!(base64_encode(b"hi"), "aGk=");
    }

    #[test]
    fn names() {
        assert!(is_dns_subdomain("a.b-c"));
        assert!(!is_dns_subdomain("A"));
        assert!(!is_dns_label("a.b"));
        assert!(is_qualified_name("batch.kubernetes.io/job-name"));
        assert!(!is_label_value("-x"));
    }

    #[test]
    fn job_without_containers_or_restart_policy_is_invalid() {
        let job = json!({"metadata": {"name": "Bad_Name"}, "spec": {"template": {"spec": {"containers": []}}}});
        let e = validate(&JOB, &job).unwrap_err();
        assert_eq!((e.code, e.reason), (422, "Invalid"));
        let fields: Vec<String> = e.details.unwrap()["causes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["field"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(
            fields,
            [
                "metadata.name",
                "spec.template.spec.containers",
                "spec.template.spec.restartPolicy"
            ]
        );
        let ok = json!({"metadata": {"name": "x"}, "spec": {"template": {"spec": {"restartPolicy": "Never", "containers": [{"name": "m", "image": "busybox"}]}}}});
        validate(&JOB, &ok).unwrap();
        let long = json!({"metadata": {"name": "a".repeat(64)}, "spec": ok["spec"].clone()});
        assert!(validate(&JOB, &long).unwrap_err().message.contains("63"));
        assert!(validate(&NAMESPACE, &json!({"metadata": {"name": "a.b"}})).is_err());
    }

    #[test]
    fn job_defaults_and_selector() {
        let mut job = json!({"metadata": {"name": "x", "uid": "u1"}, "spec": {"template": {"spec": {"restartPolicy": "Never", "containers": [{"name": "m", "image": "busybox:1"}]}}}});
        default_object(&JOB, &mut job, true);
        default_job_selector(&mut job);
        assert_eq!(job["spec"]["completions"], 1);
        assert_eq!(job["spec"]["backoffLimit"], 6);
        assert_eq!(
            job["spec"]["template"]["metadata"]["labels"]["job-name"],
            "x"
        );
        assert_eq!(
            job["spec"]["selector"]["matchLabels"]["batch.kubernetes.io/controller-uid"],
            "u1"
        );
        assert_eq!(
            job["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"],
            "IfNotPresent"
        );
    }
}
