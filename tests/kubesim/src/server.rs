//! The HTTP front: routing of Kubernetes REST paths, the verbs, watches, pod logs, the
//! `/kubesim/` admin endpoints, metrics and injected faults. I/O.

use crate::admin::{ErrorFault, Faults};
use crate::apply;
use crate::body::Body;
use crate::error::{ApiError, ApiResult};
use crate::meta;
use crate::registry;
use crate::resources::{self, Resource};
use crate::selector::{FieldSelector, LabelSelector};
use crate::state::State;
use crate::store::{DeleteOptions, EventType, Propagation, delete_status};
use crate::table;
use crate::validate;
use bytes::Bytes;
use http::{HeaderValue, Method, Request, Response, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

type Resp = Response<Body>;

fn respond(code: u16, content_type: &str, body: Bytes) -> Resp {
    let mut r = Response::new(Body::Full(Some(body)));
    *r.status_mut() = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(content_type).unwrap_or(HeaderValue::from_static("application/json")),
    );
    r
}

fn json_resp(code: u16, v: &Value) -> Resp {
    respond(
        code,
        "application/json",
        Bytes::from(serde_json::to_vec(v).unwrap_or_default()),
    )
}

pub fn error_resp(e: &ApiError) -> Resp {
    let mut r = json_resp(e.code, &e.to_status());
    if let Some(s) = e.retry_after {
        r.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(s));
    }
    r
}

type Query = HashMap<String, String>;

fn parse_query(q: Option<&str>) -> Query {
    q.map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default()
}

fn truthy(q: &Query, k: &str) -> bool {
    q.get(k).is_some_and(|v| v == "true" || v == "1")
}

/// What a REST path names.
#[derive(Debug)]
enum Target {
    Collection {
        res: &'static Resource,
        ns: Option<String>,
    },
    Object {
        res: &'static Resource,
        ns: String,
        name: String,
        sub: Option<String>,
    },
}

impl Target {
    fn res(&self) -> &'static Resource {
        match self {
            Target::Collection { res, .. } | Target::Object { res, .. } => res,
        }
    }
}

/// The target of `namespaces/NS/RESOURCE[/NAME[/SUB]]`, once RESOURCE is known to be namespaced.
fn in_namespace(res: &'static Resource, ns: &str, tail: &[&str]) -> Option<Target> {
    let object = |name: &str, sub: Option<&str>| Target::Object {
        res,
        ns: ns.to_string(),
        name: name.to_string(),
        sub: sub.map(str::to_string),
    };
    match tail {
        [] => Some(Target::Collection {
            res,
            ns: Some(ns.to_string()),
        }),
        [name] => Some(object(name, None)),
        [name, sub] => Some(object(name, Some(sub))),
        _ => None,
    }
}

enum Route {
    Discovery(Value),
    Api(Target),
    NotFound,
}

fn route(path: &str, addr: &str) -> Route {
    let segs: Vec<&str> = path
        .trim_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    let (group, version, rest) = match segs.as_slice() {
        ["version"] => return Route::Discovery(resources::version_doc()),
        ["openapi", "v3"] => return Route::Discovery(resources::openapi_v3_index()),
        ["openapi", "v3", "api", v] => {
            return resources::openapi_v3(v).map_or(Route::NotFound, Route::Discovery);
        }
        ["openapi", "v3", "apis", g, v] => {
            return resources::openapi_v3(&format!("{g}/{v}"))
                .map_or(Route::NotFound, Route::Discovery);
        }
        ["api"] => return Route::Discovery(resources::core_versions(addr)),
        ["apis"] => return Route::Discovery(resources::group_list()),
        ["apis", g] => {
            return resources::group(g).map_or(Route::NotFound, Route::Discovery);
        }
        ["api", v, rest @ ..] => ("", *v, rest),
        ["apis", g, v, rest @ ..] => (*g, *v, rest),
        _ => return Route::NotFound,
    };
    if rest.is_empty() {
        let gv = if group.is_empty() {
            version.to_string()
        } else {
            format!("{group}/{version}")
        };
        return resources::resource_list(&gv).map_or(Route::NotFound, Route::Discovery);
    }
    let find = |name: &str| resources::find(group, version, name);
    let target = match rest {
        ["namespaces", ns, r, tail @ ..]
            if group.is_empty()
                && find("namespaces").is_some()
                && find(r).is_some_and(|x| x.namespaced) =>
        {
            in_namespace(find(r).expect("checked"), ns, tail)
        }
        ["namespaces", ns, r, tail @ ..] if !group.is_empty() => find(r)
            .filter(|x| x.namespaced)
            .and_then(|res| in_namespace(res, ns, tail)),
        [r] => find(r).map(|res| Target::Collection { res, ns: None }),
        [r, name] => find(r).filter(|x| !x.namespaced).map(|res| Target::Object {
            res,
            ns: String::new(),
            name: name.to_string(),
            sub: None,
        }),
        [r, name, sub] => find(r).filter(|x| !x.namespaced).map(|res| Target::Object {
            res,
            ns: String::new(),
            name: name.to_string(),
            sub: Some(sub.to_string()),
        }),
        _ => None,
    };
    match target {
        Some(Target::Object {
            sub: Some(ref s),
            res,
            ..
        }) if !res.subresources.contains(&s.as_str()) => Route::NotFound,
        Some(t) => Route::Api(t),
        None => Route::NotFound,
    }
}

/// The Kubernetes verb of a request, for metrics.
fn verb(method: &Method, target: &Target, q: &Query) -> &'static str {
    match (method.as_str(), target) {
        ("GET", Target::Collection { .. }) if truthy(q, "watch") => "watch",
        ("GET", Target::Collection { .. }) => "list",
        ("GET", Target::Object { .. }) => "get",
        ("POST", _) => "create",
        ("PUT", _) => "update",
        ("PATCH", _) => "patch",
        ("DELETE", Target::Collection { .. }) => "deletecollection",
        ("DELETE", Target::Object { .. }) => "delete",
        _ => "unknown",
    }
}

fn resource_label(target: &Target) -> String {
    match target {
        Target::Object {
            res, sub: Some(s), ..
        } => format!("{}/{}", res.name, s),
        t => t.res().name.to_string(),
    }
}

fn accepts_only_protobuf(req: &Request<hyper::body::Incoming>) -> bool {
    let Some(a) = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    a.contains("protobuf") && !a.contains("json") && !a.contains("*/*")
}

fn wants_table(req: &Request<hyper::body::Incoming>) -> bool {
    req.headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| {
            a.split(',')
                .next()
                .is_some_and(|first| first.contains("as=Table"))
        })
}

/// Entry point for one HTTP request.
/// Err closes the connection without an answer (the lose-response fault).
pub async fn handle(
    state: Arc<State>,
    req: Request<hyper::body::Incoming>,
) -> Result<Resp, std::io::Error> {
    let path = req.uri().path().to_string();
    let q = parse_query(req.uri().query());
    if let Some(admin) = path.strip_prefix("/kubesim/") {
        return Ok(handle_admin(&state, req.method(), admin, &q));
    }
    let cbor_body = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.contains("cbor"));
    if accepts_only_protobuf(&req) || cbor_body {
        return Ok(error_resp(&ApiError::unsupported_media_type(
            "kubesim answers in JSON only (and does not read CBOR); accept application/json",
        )));
    }
    if matches!(path.as_str(), "/healthz" | "/livez" | "/readyz") {
        return Ok(respond(200, "text/plain", Bytes::from_static(b"ok")));
    }
    let route = route(&path, &state.addr);
    {
        let label = match &route {
            Route::Api(t) => (verb(req.method(), t, &q), resource_label(t)),
            Route::Discovery(_) => ("get", "discovery".to_string()),
            Route::NotFound => ("get", "notfound".to_string()),
        };
        state
            .metrics
            .lock()
            .expect("metrics lock")
            .count(label.0, &label.1);
    }
    let (latency, fault, lost) = {
        let mut f = state.faults.lock().expect("faults lock");
        let coin = (meta::random_u64() % 1_000_000) as f64 / 1_000_000.0;
        let target = req
            .uri()
            .path_and_query()
            .map_or(path.as_str(), |p| p.as_str());
        let error = f.take_error(target, coin);
        let lost = if error.is_none() {
            f.take_lost_response(req.method().as_str(), target)
        } else {
            None
        };
        (f.latency_ms, error, lost)
    };
    if latency > 0 {
        tokio::time::sleep(Duration::from_millis(latency)).await;
    }
    if let Some(e) = fault {
        return Ok(error_resp(&e));
    }
    let method = req.method().clone();
    let uri = req.uri().clone();
    let resp = match route {
        Route::Discovery(v) => json_resp(200, &v),
        Route::NotFound => match path.as_str() {
            p if p.starts_with("/openapi") => error_resp(&ApiError::not_found("openapi", p)),
            _ => error_resp(&ApiError::new(
                404,
                "NotFound",
                "the server could not find the requested resource",
            )),
        },
        Route::Api(target) => match api(&state, req, target, q).await {
            Ok(r) => r,
            Err(e) => error_resp(&e),
        },
    };
    if let Some(delay) = lost {
        tokio::time::sleep(Duration::from_millis(delay)).await;
        if state.verbose {
            eprintln!("kubesim: {method} {uri} -> answer lost (fault)");
        }
        return Err(std::io::Error::other("answer lost (injected by kubesim)"));
    }
    if state.verbose {
        eprintln!("kubesim: {method} {uri} -> {}", resp.status().as_u16());
    }
    Ok(resp)
}

async fn read_body(req: Request<hyper::body::Incoming>) -> ApiResult<(Bytes, String)> {
    let ct = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/json")
        .to_string();
    let body = req
        .into_body()
        .collect()
        .await
        .map_err(|e| ApiError::bad_request(format!("reading the request body: {e}")))?
        .to_bytes();
    Ok((body, ct))
}

/// The request body as JSON; protobuf Namespaces, Secrets and ConfigMaps are converted.
fn parse_body(body: &[u8], content_type: &str) -> ApiResult<Value> {
    if content_type.contains("protobuf") {
        return crate::protobuf::decode(body).ok_or_else(|| {
            ApiError::unsupported_media_type(
                "kubesim decodes protobuf only for Namespace, Secret, ConfigMap, ServiceAccount, Role and RoleBinding; send application/json",
            )
        });
    }
    parse_json(body)
}

fn parse_json(body: &[u8]) -> ApiResult<Value> {
    serde_json::from_slice(body).map_err(|e| {
        ApiError::bad_request(format!(
            "the object provided is unrecognized (must be valid JSON): {e}"
        ))
    })
}

fn parse_yaml_or_json(body: &[u8]) -> ApiResult<Value> {
    if let Ok(v) = serde_json::from_slice(body) {
        return Ok(v);
    }
    let s = std::str::from_utf8(body).map_err(|e| ApiError::bad_request(e.to_string()))?;
    serde_saphyr::from_str::<Value>(s)
        .map_err(|e| ApiError::bad_request(format!("error decoding YAML: {e}")))
}

fn field_manager(q: &Query, user_agent: &str, default_suffix: &str) -> String {
    if let Some(m) = q.get("fieldManager").filter(|m| !m.is_empty()) {
        return m.clone();
    }
    let base = user_agent.split('/').next().unwrap_or("unknown");
    let base = if base.is_empty() { "unknown" } else { base };
    if default_suffix.is_empty() {
        base.to_string()
    } else {
        format!("{base}-{default_suffix}")
    }
}

fn dry_run(q: &Query) -> bool {
    q.get("dryRun").is_some_and(|v| v == "All")
}

async fn api(
    state: &Arc<State>,
    req: Request<hyper::body::Incoming>,
    target: Target,
    q: Query,
) -> ApiResult<Resp> {
    let method = req.method().clone();
    let table = wants_table(&req);
    let ua = req
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    match (method.as_str(), target) {
        ("GET", Target::Collection { res, ns }) => {
            if truthy(&q, "watch") {
                watch(state, res, ns, &q, table)
            } else {
                list(state, res, ns.as_deref(), &q, table)
            }
        }
        ("GET", Target::Object { res, ns, name, sub }) if sub.as_deref() == Some("scale") => {
            let obj = state.store().get(res, &ns, &name)?;
            Ok(json_resp(200, &crate::scale::to_scale(&obj)))
        }
        ("PUT" | "PATCH", Target::Object { res, ns, name, sub })
            if sub.as_deref() == Some("scale") =>
        {
            let (body, ct) = read_body(req).await?;
            let cur = state.store().get(res, &ns, &name)?;
            let scale = if method == Method::PUT {
                parse_json(&body)?
            } else {
                let current = crate::scale::to_scale(&cur);
                let doc = parse_json(&body)?;
                match ct.split(';').next().unwrap_or("").trim() {
                    "application/merge-patch+json" => apply::merge_patch(&current, &doc),
                    "application/strategic-merge-patch+json" => {
                        apply::strategic_merge_patch(&current, &doc)
                    }
                    "application/json-patch+json" => apply::json_patch(&current, &doc)?,
                    other => {
                        return Err(ApiError::unsupported_media_type(format!(
                            "kubesim patches a scale subresource with merge, strategic merge or JSON patches only (got {other})"
                        )));
                    }
                }
            };
            let new = crate::scale::apply_scale(&cur, &scale, &res.qualified())?;
            let suffix = if method == Method::PUT {
                "update"
            } else {
                "patch"
            };
            let manager = field_manager(&q, &ua, suffix);
            let out = store_update(state, res, &cur, new, None, Some(&manager), dry_run(&q))?;
            Ok(json_resp(200, &crate::scale::to_scale(&out)))
        }
        ("GET", Target::Object { res, ns, name, sub }) => {
            if sub.as_deref() == Some("log") {
                let pod = state.store().get(res, &ns, &name)?;
                return crate::logs::serve_log(state.logs.clone(), &pod, state.clock.now(), &q);
            }
            let obj = state.store().get(res, &ns, &name)?;
            if table {
                let rv = state.store().rv();
                return Ok(json_resp(
                    200,
                    &table::render(
                        res,
                        &[&obj],
                        rv,
                        q.get("includeObject").is_some_and(|v| v == "Object"),
                        state.clock.now(),
                    ),
                ));
            }
            Ok(json_resp(200, &obj))
        }
        ("POST", Target::Collection { res, ns }) => {
            let (body, ct) = read_body(req).await?;
            let obj = parse_body(&body, &ct)?;
            let manager = field_manager(&q, &ua, "");
            let created = registry::create(
                &mut state.store(),
                res,
                ns.as_deref().unwrap_or(""),
                obj,
                &manager,
                dry_run(&q),
            )?;
            Ok(json_resp(201, &created))
        }
        ("PUT", Target::Object { res, ns, name, sub }) => {
            let (body, ct) = read_body(req).await?;
            let obj = parse_body(&body, &ct)?;
            let manager = field_manager(&q, &ua, "update");
            let out = update(
                state,
                res,
                &ns,
                &name,
                sub.as_deref(),
                obj,
                &manager,
                dry_run(&q),
            )?;
            Ok(json_resp(200, &out))
        }
        ("PATCH", Target::Object { res, ns, name, sub }) => {
            let (body, ct) = read_body(req).await?;
            let (code, out) = patch(state, res, &ns, &name, sub.as_deref(), &body, &ct, &q, &ua)?;
            Ok(json_resp(code, &out))
        }
        (
            "DELETE",
            Target::Object {
                res,
                ns,
                name,
                sub: None,
            },
        ) => {
            let (body, _) = read_body(req).await?;
            let opts = delete_options(&q, &body)?;
            let warn = res.name == "jobs" && opts.propagation.is_none();
            let d = state.store().delete(res, &ns, &name, &opts)?;
            let body = if d.gone && matches!(res.name, "configmaps" | "secrets" | "events") {
                delete_status(res, &d.obj)
            } else {
                d.obj
            };
            let mut r = json_resp(200, &body);
            if warn {
                r.headers_mut().insert(
                    "Warning",
                    HeaderValue::from_static("299 - \"child pods are preserved by default when jobs are deleted; set propagationPolicy=Background to remove them or set propagationPolicy=Orphan to suppress this warning\""),
                );
            }
            Ok(r)
        }
        ("DELETE", Target::Collection { res, ns }) => {
            let (body, _) = read_body(req).await?;
            let opts = delete_options(&q, &body)?;
            let labels = LabelSelector::parse(q.get("labelSelector").map_or("", String::as_str))?;
            let fields = FieldSelector::parse(q.get("fieldSelector").map_or("", String::as_str))?;
            let mut store = state.store();
            let objs = store.list(res, ns.as_deref());
            let mut items = Vec::new();
            for o in objs
                .iter()
                .filter(|o| labels.matches(o) && fields.matches(o))
            {
                let d = store.delete(res, meta::namespace(o), meta::name(o), &opts)?;
                items.push(d.obj);
            }
            let rv = store.rv();
            Ok(json_resp(
                200,
                &json!({"kind": format!("{}List", res.kind), "apiVersion": res.api_version(), "metadata": {"resourceVersion": rv.to_string()}, "items": items}),
            ))
        }
        (m, t) => Err(ApiError::method_not_allowed(format!(
            "the server does not allow this method on the requested resource ({m} {})",
            resource_label(&t)
        ))),
    }
}

/// The stored object with `new` written to it the way PUT on `sub` does: the main resource
/// keeps the stored status, `/status` changes only the status.
fn merge_subresource(res: &Resource, cur: &Value, mut new: Value, sub: Option<&str>) -> Value {
    match sub {
        Some("status") => {
            let mut out = cur.clone();
            out["status"] = new["status"].take();
            if let Some(rv) = new["metadata"]["resourceVersion"].as_str() {
                meta::meta_mut(&mut out).insert("resourceVersion".into(), json!(rv));
            }
            out
        }
        _ => {
            if res.has_status() {
                match cur.get("status") {
                    Some(s) => new["status"] = s.clone(),
                    None => {
                        if let Some(o) = new.as_object_mut() {
                            o.remove("status");
                        }
                    }
                }
            }
            new
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn store_update(
    state: &State,
    res: &'static Resource,
    cur: &Value,
    mut new: Value,
    sub: Option<&str>,
    manager: Option<&str>,
    dry_run: bool,
) -> ApiResult<Value> {
    let name = meta::name(cur);
    if let Some(rv) = meta::str_at(&new, &["metadata", "resourceVersion"])
        && !rv.is_empty()
        && Some(rv) != meta::str_at(cur, &["metadata", "resourceVersion"])
    {
        return Err(ApiError::stale(&res.qualified(), name));
    }
    registry::check_type(res, &new)?;
    meta::meta_mut(&mut new).insert("name".into(), json!(name));
    meta::meta_mut(&mut new).insert("namespace".into(), json!(meta::namespace(cur)));
    validate::default_object(res, &mut new, false);
    validate::validate(res, &new)?;
    if res.name == "jobs" && sub.is_none() {
        validate::validate_job_update(cur, &new)?;
    }
    if res.name == "rolebindings" {
        validate::validate_rolebinding_update(cur, &new)?;
    }
    if res.name == "deployments" && sub.is_none() {
        validate::validate_deployment_update(cur, &new)?;
    }
    if let Some(m) = manager {
        let now = meta::rfc3339(state.clock.now());
        if let Some(mf) = cur["metadata"].get("managedFields") {
            meta::meta_mut(&mut new).insert("managedFields".into(), mf.clone());
        }
        apply::record_update(Some(cur), &mut new, m, &now);
    }
    state.store().update(res, new, dry_run)
}

#[allow(clippy::too_many_arguments)]
fn update(
    state: &State,
    res: &'static Resource,
    ns: &str,
    name: &str,
    sub: Option<&str>,
    obj: Value,
    manager: &str,
    dry_run: bool,
) -> ApiResult<Value> {
    if let Some(n) = meta::str_at(&obj, &["metadata", "name"])
        && n != name
    {
        return Err(ApiError::bad_request(format!(
            "the name of the object ({n}) does not match the name on the URL ({name})"
        )));
    }
    let cur = state.store().get(res, ns, name)?;
    let new = merge_subresource(res, &cur, obj, sub);
    store_update(state, res, &cur, new, sub, Some(manager), dry_run)
}

#[allow(clippy::too_many_arguments)]
fn patch(
    state: &State,
    res: &'static Resource,
    ns: &str,
    name: &str,
    sub: Option<&str>,
    body: &[u8],
    ct: &str,
    q: &Query,
    ua: &str,
) -> ApiResult<(u16, Value)> {
    let ct = ct.split(';').next().unwrap_or("").trim();
    let dry = dry_run(q);
    if ct == "application/apply-patch+yaml" {
        let manager = q
            .get("fieldManager")
            .filter(|m| !m.is_empty())
            .ok_or_else(|| {
                ApiError::bad_request(
                    "PATCH, application/apply-patch+yaml requests must specify fieldManager",
                )
            })?;
        let force = truthy(q, "force");
        let applied = parse_yaml_or_json(body)?;
        registry::check_type(res, &applied)?;
        if applied["apiVersion"].is_null() || applied["kind"].is_null() {
            return Err(ApiError::bad_request(
                "apiVersion and kind must be set in an apply configuration",
            ));
        }
        if let Some(n) = meta::str_at(&applied, &["metadata", "name"])
            && n != name
        {
            return Err(ApiError::bad_request(format!(
                "the name of the object ({n}) does not match the name on the URL ({name})"
            )));
        }
        let now = meta::rfc3339(state.clock.now());
        let cur = state.store().try_get(res, ns, name);
        let Some(cur) = cur else {
            let mut obj = apply::server_side_apply(
                None,
                &applied,
                manager,
                force,
                &now,
                &res.qualified(),
                name,
            )?;
            meta::meta_mut(&mut obj).insert("name".into(), json!(name));
            registry::check_namespace(res, &mut obj, ns)?;
            validate::default_object(res, &mut obj, true);
            validate::validate(res, &obj)?;
            let created = state.store().create(res, obj, dry)?;
            return Ok((201, created));
        };
        let merged = apply::server_side_apply(
            Some(&cur),
            &applied,
            manager,
            force,
            &now,
            &res.qualified(),
            name,
        )?;
        let mut new = merge_subresource(res, &cur, merged, sub);
        meta::meta_mut(&mut new).insert(
            "resourceVersion".into(),
            cur["metadata"]["resourceVersion"].clone(),
        );
        let out = store_update(state, res, &cur, new, sub, None, dry)?;
        return Ok((200, out));
    }
    let patch_doc = parse_json(body)?;
    let cur = state.store().get(res, ns, name)?;
    let patched = match ct {
        "application/merge-patch+json" => apply::merge_patch(&cur, &patch_doc),
        "application/strategic-merge-patch+json" => apply::strategic_merge_patch(&cur, &patch_doc),
        "application/json-patch+json" => apply::json_patch(&cur, &patch_doc)?,
        other => {
            return Err(ApiError::unsupported_media_type(format!(
                "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json (got {other})"
            )));
        }
    };
    let new = merge_subresource(res, &cur, patched, sub);
    let manager = field_manager(q, ua, "patch");
    let out = store_update(state, res, &cur, new, sub, Some(&manager), dry)?;
    Ok((200, out))
}

fn delete_options(q: &Query, body: &[u8]) -> ApiResult<DeleteOptions> {
    let mut opts = DeleteOptions::default();
    let b: Value = if body.iter().all(u8::is_ascii_whitespace) {
        json!({})
    } else {
        parse_json(body)?
    };
    let policy = q
        .get("propagationPolicy")
        .cloned()
        .or_else(|| b["propagationPolicy"].as_str().map(str::to_string));
    opts.propagation = match policy.as_deref() {
        Some("Foreground") => Some(Propagation::Foreground),
        Some("Background") => Some(Propagation::Background),
        Some("Orphan") => Some(Propagation::Orphan),
        Some(other) => {
            return Err(ApiError::invalid(
                "DeleteOptions",
                "",
                vec![crate::error::Cause {
                    reason: "FieldValueNotSupported",
                    field: "propagationPolicy".into(),
                    message: format!(
                        "Unsupported value: {other:?}: supported values: \"Foreground\", \"Background\", \"Orphan\", \"nil\""
                    ),
                }],
            ));
        }
        None => None,
    };
    let orphan = q
        .get("orphanDependents")
        .map(|v| v == "true")
        .or_else(|| b["orphanDependents"].as_bool());
    if opts.propagation.is_none() {
        opts.propagation = orphan.map(|o| {
            if o {
                Propagation::Orphan
            } else {
                Propagation::Background
            }
        });
    }
    opts.grace_seconds = q
        .get("gracePeriodSeconds")
        .and_then(|v| v.parse().ok())
        .or_else(|| b["gracePeriodSeconds"].as_i64());
    opts.precondition_uid = b["preconditions"]["uid"].as_str().map(str::to_string);
    opts.precondition_rv = b["preconditions"]["resourceVersion"]
        .as_str()
        .map(str::to_string);
    opts.dry_run = dry_run(q)
        || b["dryRun"]
            .as_array()
            .is_some_and(|a| a.iter().any(|v| v == "All"));
    Ok(opts)
}

fn hex(s: &str) -> String {
    s.bytes().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<String> {
    let bytes: Option<Vec<u8>> = (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect();
    String::from_utf8(bytes?).ok()
}

fn list(
    state: &State,
    res: &'static Resource,
    ns: Option<&str>,
    q: &Query,
    table: bool,
) -> ApiResult<Resp> {
    let labels = LabelSelector::parse(q.get("labelSelector").map_or("", String::as_str))?;
    let fields = FieldSelector::parse(q.get("fieldSelector").map_or("", String::as_str))?;
    let limit: usize = q
        .get("limit")
        .and_then(|l| l.parse().ok())
        .filter(|l| *l > 0)
        .unwrap_or(usize::MAX);
    let store = state.store();
    let rv_param = q.get("resourceVersion").map(String::as_str).unwrap_or("");
    if q.get("resourceVersionMatch").is_some_and(|m| m == "Exact")
        && let Ok(n) = rv_param.parse::<u64>()
        && n < store.compacted()
    {
        return Err(ApiError::gone(format!(
            "too old resource version: {n} ({})",
            store.compacted()
        )));
    }
    // Continue tokens: hex("<rv>/<namespace>/<name>") of the last item served.
    let mut after: Option<(String, String)> = None;
    let mut list_rv = store.rv();
    if let Some(c) = q.get("continue").filter(|c| !c.is_empty()) {
        let decoded = unhex(c).ok_or_else(|| ApiError::bad_request("invalid continue token"))?;
        let mut parts = decoded.splitn(3, '/');
        let rv: u64 = parts
            .next()
            .and_then(|r| r.parse().ok())
            .ok_or_else(|| ApiError::bad_request("invalid continue token"))?;
        if rv < store.compacted() {
            return Err(ApiError::gone(
                "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.",
            ));
        }
        list_rv = rv;
        after = Some((
            parts.next().unwrap_or("").to_string(),
            parts.next().unwrap_or("").to_string(),
        ));
    }
    let all = store.list(res, ns);
    drop(store);
    let matching: Vec<&Arc<Value>> = all
        .iter()
        .filter(|o| {
            after
                .as_ref()
                .is_none_or(|(n, m)| (meta::namespace(o), meta::name(o)) > (n.as_str(), m.as_str()))
        })
        .filter(|o| labels.matches(o) && fields.matches(o))
        .collect();
    let page: Vec<&Value> = matching.iter().take(limit).map(|o| o.as_ref()).collect();
    let mut md = json!({"resourceVersion": list_rv.to_string()});
    if matching.len() > page.len()
        && let Some(last) = page.last()
    {
        md["continue"] = json!(hex(&format!(
            "{list_rv}/{}/{}",
            meta::namespace(last),
            meta::name(last)
        )));
        md["remainingItemCount"] = json!(matching.len() - page.len());
    }
    if table {
        let mut t = table::render(
            res,
            &page,
            list_rv,
            q.get("includeObject").is_some_and(|v| v == "Object"),
            state.clock.now(),
        );
        t["metadata"] = md;
        return Ok(json_resp(200, &t));
    }
    let out = json!({
        "kind": format!("{}List", res.kind),
        "apiVersion": res.api_version(),
        "metadata": md,
        "items": page,
    });
    Ok(json_resp(200, &out))
}

struct WatchFilter {
    res: &'static Resource,
    ns: Option<String>,
    labels: LabelSelector,
    fields: FieldSelector,
}

impl WatchFilter {
    fn matches(&self, o: &Value) -> bool {
        self.ns.as_deref().is_none_or(|n| meta::namespace(o) == n)
            && self.labels.matches(o)
            && self.fields.matches(o)
    }
}

fn watch(
    state: &Arc<State>,
    res: &'static Resource,
    ns: Option<String>,
    q: &Query,
    table: bool,
) -> ApiResult<Resp> {
    let filter = WatchFilter {
        res,
        ns,
        labels: LabelSelector::parse(q.get("labelSelector").map_or("", String::as_str))?,
        fields: FieldSelector::parse(q.get("fieldSelector").map_or("", String::as_str))?,
    };
    let bookmarks = truthy(q, "allowWatchBookmarks");
    let send_initial = truthy(q, "sendInitialEvents");
    let timeout = q
        .get("timeoutSeconds")
        .and_then(|t| t.parse::<u64>().ok())
        .unwrap_or(1800);
    let full_object = q.get("includeObject").is_some_and(|v| v == "Object");
    let rv_param = q.get("resourceVersion").cloned().unwrap_or_default();
    let (tx, rx) = mpsc::channel::<Bytes>(256);
    let state = state.clone();
    let mut changed = state.store().subscribe();
    let mut dropped = state.drop_watches.subscribe();
    tokio::spawn(async move {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(timeout);
        // One watch line; `cached` is the object's JSON when the store already has it.
        let encode = |ty: &str, obj: &Value, cached: Option<Bytes>, state: &State| -> Bytes {
            let object = if table {
                Bytes::from(
                    serde_json::to_vec(&table::render(
                        filter.res,
                        &[obj],
                        0,
                        full_object,
                        state.clock.now(),
                    ))
                    .unwrap_or_default(),
                )
            } else {
                cached.unwrap_or_else(|| Bytes::from(serde_json::to_vec(obj).unwrap_or_default()))
            };
            let mut line = Vec::with_capacity(object.len() + 32);
            line.extend_from_slice(b"{\"type\":\"");
            line.extend_from_slice(ty.as_bytes());
            line.extend_from_slice(b"\",\"object\":");
            line.extend_from_slice(&object);
            line.extend_from_slice(b"}\n");
            Bytes::from(line)
        };
        let send = |b: Bytes, tx: mpsc::Sender<Bytes>, state: Arc<State>| async move {
            state
                .watch_events_sent
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            tx.send(b).await.is_ok()
        };
        let mut last: u64;
        let initial: Vec<Arc<Value>>;
        {
            let store = state.store();
            match rv_param.as_str() {
                "" | "0" => {
                    last = store.rv();
                    initial = store.list(filter.res, filter.ns.as_deref());
                }
                n => {
                    last = n.parse().unwrap_or(0);
                    initial = if send_initial {
                        store.list(filter.res, filter.ns.as_deref())
                    } else {
                        Vec::new()
                    };
                    if send_initial {
                        last = store.rv();
                    }
                }
            }
        }
        for o in initial.iter().filter(|o| filter.matches(o)) {
            if !send(encode("ADDED", o, None, &state), tx.clone(), state.clone()).await {
                return;
            }
        }
        if send_initial && bookmarks {
            let bm = json!({"kind": filter.res.kind, "apiVersion": filter.res.api_version(), "metadata": {"resourceVersion": last.to_string(), "annotations": {"k8s.io/initial-events-end": "true"}}});
            if !send(
                encode("BOOKMARK", &bm, None, &state),
                tx.clone(),
                state.clone(),
            )
            .await
            {
                return;
            }
        }
        let mut bookmark_tick = tokio::time::interval(Duration::from_secs(5));
        bookmark_tick.tick().await;
        loop {
            let events = state.store().events_after(last);
            let events = match events {
                Ok(e) => e,
                Err(e) => {
                    let _ = send(
                        encode("ERROR", &e.to_status(), None, &state),
                        tx.clone(),
                        state.clone(),
                    )
                    .await;
                    return;
                }
            };
            // Everything that happened since the last wake goes out as one chunk.
            let mut batch: Vec<u8> = Vec::new();
            let mut count = 0;
            for ev in events {
                last = ev.rv;
                if !std::ptr::eq(ev.res, filter.res) {
                    continue;
                }
                let now_match = filter.matches(&ev.obj);
                let was_match = ev.prev.as_ref().is_some_and(|p| filter.matches(p));
                let ty = match ev.kind {
                    EventType::Added if now_match => "ADDED",
                    EventType::Modified if now_match && was_match => "MODIFIED",
                    EventType::Modified if now_match => "ADDED",
                    EventType::Modified if was_match => "DELETED",
                    EventType::Deleted if was_match || now_match => "DELETED",
                    _ => continue,
                };
                batch.extend_from_slice(&encode(ty, &ev.obj, Some(ev.obj_json()), &state));
                count += 1;
                if batch.len() > 256 * 1024 {
                    state
                        .watch_events_sent
                        .fetch_add(count, std::sync::atomic::Ordering::Relaxed);
                    count = 0;
                    if tx
                        .send(Bytes::from(std::mem::take(&mut batch)))
                        .await
                        .is_err()
                    {
                        return;
                    }
                }
            }
            if count > 0 {
                state
                    .watch_events_sent
                    .fetch_add(count, std::sync::atomic::Ordering::Relaxed);
                if tx.send(Bytes::from(batch)).await.is_err() {
                    return;
                }
            }
            tokio::select! {
                biased;
                _ = dropped.changed() => return,
                _ = tokio::time::sleep_until(deadline) => return,
                r = changed.changed() => if r.is_err() { return },
                _ = bookmark_tick.tick(), if bookmarks => {
                    let bm = json!({"kind": filter.res.kind, "apiVersion": filter.res.api_version(), "metadata": {"resourceVersion": last.to_string()}});
                    if !send(encode("BOOKMARK", &bm, None, &state), tx.clone(), state.clone()).await {
                        return;
                    }
                }
                _ = tx.closed() => return,
            }
        }
    });
    let mut r = Response::new(Body::Stream(rx));
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Ok(r)
}

fn handle_admin(state: &State, method: &Method, path: &str, q: &Query) -> Resp {
    let num = |k: &str| q.get(k).and_then(|v| v.parse::<f64>().ok());
    match (method.as_str(), path.trim_end_matches('/')) {
        ("GET", "metrics") => json_resp(
            200,
            &state
                .metrics
                .lock()
                .expect("metrics lock")
                .to_json(&state.watch_events_sent),
        ),
        ("POST", "metrics/reset") => {
            state
                .metrics
                .lock()
                .expect("metrics lock")
                .reset(&state.watch_events_sent);
            json_resp(200, &json!({"reset": true}))
        }
        ("GET", "clock") => json_resp(200, &json!({"now": meta::rfc3339_nano(state.clock.now())})),
        ("POST", "clock/advance") => {
            let Some(secs) = num("seconds").filter(|s| *s >= 0.0) else {
                return json_resp(400, &json!({"error": "seconds=N (N >= 0) is required"}));
            };
            let now = state
                .clock
                .advance(jiff::SignedDuration::from_secs_f64(secs));
            json_resp(200, &json!({"now": meta::rfc3339_nano(now)}))
        }
        ("POST", "faults/drop-watches") => {
            state.drop_watches.send_modify(|n| *n += 1);
            json_resp(200, &json!({"dropped": true}))
        }
        ("POST", "faults/compact") => {
            let mut store = state.store();
            store.compact();
            json_resp(200, &json!({"compacted": store.rv().to_string()}))
        }
        ("POST", "faults/latency") => {
            let ms = num("ms").unwrap_or(0.0).max(0.0) as u64;
            state.faults.lock().expect("faults lock").latency_ms = ms;
            json_resp(200, &json!({"latency_ms": ms}))
        }
        ("POST", "faults/errors") => {
            let code = num("code").unwrap_or(500.0) as u16;
            if !(400..=599).contains(&code) {
                return json_resp(
                    400,
                    &json!({"error": "code must be an HTTP error code (e.g. 500, 429)"}),
                );
            }
            let share = num("share").unwrap_or(1.0).clamp(0.0, 1.0);
            let remaining = match num("count") {
                Some(c) => Some(c.max(0.0) as u64),
                None if q.contains_key("share") => None,
                None => Some(1),
            };
            let fault = ErrorFault {
                remaining,
                code,
                retry_after: num("retry_after").unwrap_or(1.0).max(0.0) as u64,
                share,
                path_contains: q.get("path_contains").cloned(),
            };
            let doc = json!({"count": remaining, "code": code, "retry_after": fault.retry_after, "share": share, "path_contains": fault.path_contains});
            state.faults.lock().expect("faults lock").error = Some(fault);
            json_resp(200, &doc)
        }
        ("POST", "faults/lose-response") => {
            let fault = crate::admin::LoseResponse {
                remaining: num("count").unwrap_or(1.0).max(1.0) as u64,
                method: q.get("method").cloned(),
                path_contains: q.get("path_contains").cloned(),
                delay_ms: num("delay_ms").unwrap_or(0.0).max(0.0) as u64,
            };
            let doc = json!({"count": fault.remaining, "method": fault.method, "path_contains": fault.path_contains, "delay_ms": fault.delay_ms});
            state.faults.lock().expect("faults lock").lose_response = Some(fault);
            json_resp(200, &doc)
        }
        ("POST", "faults/reset") => {
            *state.faults.lock().expect("faults lock") = Faults::default();
            json_resp(200, &json!({"reset": true}))
        }
        _ => json_resp(
            404,
            &json!({"error": format!("no admin endpoint {method} /kubesim/{path}")}),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(path: &str) -> String {
        match route(path, "x") {
            Route::Api(t) => format!("{t:?}"),
            Route::Discovery(_) => "discovery".into(),
            Route::NotFound => "notfound".into(),
        }
    }

    #[test]
    fn routes() {
        assert_eq!(target("/api/v1"), "discovery");
        assert!(
            target("/api/v1/namespaces")
                .contains("Collection { res: Resource { name: \"namespaces\"")
        );
        assert!(
            target("/api/v1/namespaces/default")
                .contains("Object { res: Resource { name: \"namespaces\"")
        );
        let t = target("/api/v1/namespaces/default/pods/p/log");
        assert!(
            t.contains("\"pods\"") && t.contains("sub: Some(\"log\")"),
            "{t}"
        );
        let t = target("/apis/batch/v1/namespaces/ns/jobs/j/status");
        assert!(t.contains("\"jobs\"") && t.contains("ns: \"ns\""), "{t}");
        assert!(target("/apis/batch/v1/jobs").contains("ns: None"));
        assert_eq!(target("/api/v1/namespaces/default/pods/p/exec"), "notfound");
        assert!(target("/apis/apps/v1/deployments").contains("\"deployments\""));
        assert_eq!(target("/apis/apps/v1/replicasets"), "notfound");
    }

    #[test]
    fn continue_tokens_round_trip() {
        assert_eq!(unhex(&hex("12/ns/a.b")).as_deref(), Some("12/ns/a.b"));
    }
}
