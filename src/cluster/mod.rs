//! The cluster, through kube-rs: connecting as kubectl would, and turning API failures into
//! errors that say what to do. I/O.

pub mod apply;
pub mod backfill;
pub mod follow;
pub mod history;
pub mod jobs;
pub mod list;
pub mod logs;
pub mod scheduler;
pub mod workflow;

use crate::error::Error;
use crate::project::Project;
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};
use std::future::Future;
use std::sync::Mutex;
use std::time::Duration;

/// Who to tell about retries, and where the cluster is, for the messages of [`retry`] and
/// [`explain`]. Set once per process (a CLI talks to one cluster); kept here rather than
/// passed to every call so each API call site stays one line.
#[derive(Clone, Default)]
struct Reporting {
    term: Option<crate::term::Term>,
    server: Option<String>,
    context: Option<String>,
    /// Whether the one note about retrying has been printed (without -v only the first is).
    told: bool,
}

static REPORTING: Mutex<Reporting> = Mutex::new(Reporting {
    term: None,
    server: None,
    context: None,
    told: false,
});

fn reporting() -> std::sync::MutexGuard<'static, Reporting> {
    // A poisoned lock only means a panic elsewhere; the data is still usable.
    REPORTING.lock().unwrap_or_else(|e| e.into_inner())
}

/// Where retry notes go (stderr, hidden with -q, every attempt with -v).
pub fn report_to(term: crate::term::Term) {
    reporting().term = Some(term);
}

/// A connection, and where it points.
#[derive(Clone)]
pub struct Cluster {
    pub client: Client,
    pub context: String,
    pub namespace: String,
}

/// The etl project an object belongs to: its project label. The one answer to "is this object
/// ours?": etl never applies over, deletes or cancels an object another project (or nobody)
/// made.
pub fn project_of(labels: Option<&std::collections::BTreeMap<String, String>>) -> Option<&str> {
    labels?
        .get(&format!("{}/project", crate::run::names::PREFIX))
        .map(String::as_str)
}

/// Whether the object with `meta` belongs to `project` (see [`project_of`]).
pub fn is_ours(
    meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta,
    project: &str,
) -> bool {
    project_of(meta.labels.as_ref()) == Some(project)
}

/// The `--context` and `--namespace` flags.
#[derive(Clone, Debug, Default)]
pub struct Target {
    pub context: Option<String>,
    pub namespace: Option<String>,
}

/// Which kubeconfig context to use: `--context`, else the current one. A project that pins a
/// context refuses any other unless `--context` names it explicitly, so nobody deploys to the
/// wrong cluster because kubectl happened to point elsewhere.
pub fn choose_context(
    pinned: Option<&str>,
    flag: Option<&str>,
    current: Option<&str>,
) -> Result<Option<String>, Error> {
    match (pinned, flag, current) {
        (_, Some(f), _) => Ok(Some(f.to_string())),
        (Some(p), None, Some(c)) if p != c => Err(Error::usage(
            format!("etl.yaml pins the cluster context `{p}`, but the current context is `{c}`"),
            format!("pass --context {p} (or switch: kubectl config use-context {p})"),
        )),
        (Some(p), None, _) => Ok(Some(p.to_string())),
        (None, None, c) => Ok(c.map(str::to_string)),
    }
}

/// Connects with the user's kubeconfig exactly as kubectl reads it (`KUBECONFIG` with several
/// files, current context, exec credential plugins), or the in-cluster service account when
/// there is no kubeconfig.
pub async fn connect(project: &Project, target: &Target) -> Result<Cluster, Error> {
    connect_to(
        project.cluster.context.as_deref(),
        project.cluster.namespace.as_deref(),
        target,
    )
    .await
}

/// [`connect`] without a project: etl.yaml's pinned context and namespace given as values
/// (the in-cluster scheduler reads its project from the cluster, so it connects first).
pub async fn connect_to(
    pinned_context: Option<&str>,
    project_namespace: Option<&str>,
    target: &Target,
) -> Result<Cluster, Error> {
    let (config, context) = match Kubeconfig::read() {
        Ok(kubeconfig) => {
            let context = choose_context(
                pinned_context,
                target.context.as_deref(),
                kubeconfig.current_context.as_deref(),
            )?;
            if let Some(c) = &context
                && !kubeconfig.contexts.iter().any(|n| &n.name == c)
            {
                let names: Vec<&str> = kubeconfig
                    .contexts
                    .iter()
                    .map(|n| n.name.as_str())
                    .collect();
                let hint = match crate::project::suggest(c, names.iter().copied()) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!("the contexts are: {}", names.join(", ")),
                };
                return Err(Error::usage(
                    format!("there is no kubeconfig context `{c}`"),
                    hint,
                ));
            }
            let options = KubeConfigOptions {
                context: context.clone(),
                ..Default::default()
            };
            let config = Config::from_custom_kubeconfig(kubeconfig, &options)
                .await
                .map_err(|e| {
                    Error::environment(
                        format!("cannot use the kubeconfig: {e}"),
                        Some("check it with `kubectl config view`".into()),
                    )
                })?;
            (config, context.unwrap_or_else(|| "(current)".into()))
        }
        Err(read_err) => match Config::incluster() {
            Ok(config) => (config, "in-cluster".to_string()),
            Err(_) => {
                return Err(Error::environment(
                    format!("no cluster to talk to: {}", kubeconfig_problem(&read_err)),
                    Some("set KUBECONFIG or create ~/.kube/config (e.g. `gcloud container clusters get-credentials …`)".into()),
                ));
            }
        },
    };
    let namespace = target
        .namespace
        .clone()
        .or_else(|| project_namespace.map(str::to_string))
        .unwrap_or_else(|| config.default_namespace.clone());
    {
        let mut r = reporting();
        r.server = Some(
            config
                .cluster_url
                .to_string()
                .trim_end_matches('/')
                .to_string(),
        );
        r.context = Some(context.clone());
    }
    // kube's default is 30 s per connection attempt; a cluster that does not answer a
    // connection within 10 s is down for a CLI's purposes (kubectl gives up sooner too).
    let mut config = config;
    config.connect_timeout = Some(Duration::from_secs(10));
    let client = Client::try_from(config)
        .map_err(|e| Error::environment(format!("cannot create a Kubernetes client: {e}"), None))?;
    Ok(Cluster {
        client,
        context,
        namespace,
    })
}

/// Why the kubeconfig could not be read, naming the file once, in plain quotes (kube's own
/// message debug-prints the path inside quotes: `'"/home/ana/.kube/config"'`).
fn kubeconfig_problem(e: &kube::config::KubeconfigError) -> String {
    match e {
        kube::config::KubeconfigError::ReadConfig(io, path) => {
            format!("cannot read the kubeconfig `{}`: {io}", path.display())
        }
        other => other.to_string(),
    }
}

/// What went wrong talking to the cluster, in words a data engineer can act on. The kube-rs
/// error is kept as the source: `etl -v` prints the whole chain.
pub fn explain(e: kube::Error, doing: &str) -> Error {
    let (message, hint) = match &e {
        kube::Error::Api(s) if s.code == 403 => (
            format!("{doing}: forbidden: {}", s.message),
            Some("ask your cluster admin for a Role that allows it in this namespace".into()),
        ),
        kube::Error::Api(s) if s.code == 401 => (
            format!("{doing}: not logged in to the cluster: {}", s.message),
            Some("refresh your credentials (e.g. `gcloud auth login`) and try again".into()),
        ),
        kube::Error::Api(s) => (
            format!("{doing}: {} ({}, {})", s.message, s.reason, s.code),
            None,
        ),
        // The cluster answered, with something etl could not read: not a connection problem.
        kube::Error::SerdeError(se) => (
            format!("{doing}: the cluster's answer could not be read: {se}"),
            Some("an object may have been edited by hand into a shape Kubernetes would refuse; `kubectl get -o yaml` shows it".into()),
        ),
        _ => {
            let r = reporting();
            let at = match (&r.server, &r.context) {
                (Some(s), Some(c)) => format!(" at {s} (context {c})"),
                (Some(s), None) => format!(" at {s}"),
                _ => String::new(),
            };
            let why = if is_unreachable(&e) {
                root_cause(&e)
            } else {
                e.to_string()
            };
            (
                format!("{doing}: cannot reach the cluster{at}: {why}"),
                Some(
                    "is it up, and is this the right context? `kubectl cluster-info` checks".into(),
                ),
            )
        }
    };
    Error::Cluster {
        message,
        hint,
        source: Box::new(e),
    }
}

/// Whether the connection itself could not be made (refused, no route, no such host, no
/// answer to the connect): trying again a second later would not help, so etl says so at once.
pub fn is_unreachable(e: &kube::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = source {
        if let Some(io) = err.downcast_ref::<std::io::Error>()
            && matches!(
                io.kind(),
                std::io::ErrorKind::ConnectionRefused
                    | std::io::ErrorKind::HostUnreachable
                    | std::io::ErrorKind::NetworkUnreachable
                    | std::io::ErrorKind::AddrNotAvailable
            )
        {
            return true;
        }
        // hyper-util's client error for a failed connect (refused, DNS, connect timeout)
        // prints as `client error (Connect)`; its type is not one etl depends on.
        if err.to_string().starts_with("client error (Connect)") {
            return true;
        }
        source = err.source();
    }
    false
}

/// The innermost error's words (`Connection refused (os error 111)`), without the layers of
/// client wrapping around them.
fn root_cause(e: &kube::Error) -> String {
    let mut err: &(dyn std::error::Error + 'static) = e;
    while let Some(inner) = err.source() {
        err = inner;
    }
    err.to_string()
}

/// Whether an error is worth retrying: the server was busy or briefly broken, or an open
/// connection dropped. A connection that cannot be made at all is not (see
/// [`is_unreachable`]). kube-rs already retries 429/503/504 itself, honouring Retry-After.
pub fn is_transient(e: &kube::Error) -> bool {
    match e {
        kube::Error::Api(s) => matches!(s.code, 429 | 500 | 502 | 503 | 504),
        kube::Error::HyperError(_) | kube::Error::Service(_) => !is_unreachable(e),
        _ => false,
    }
}

pub fn status_code(e: &kube::Error) -> Option<u16> {
    match e {
        kube::Error::Api(s) => Some(s.code),
        _ => None,
    }
}

/// How many times [`retry`] tries again: 0.2 s doubling to 3.2 s, about 10 s in all. Brief,
/// so a broken cluster is reported rather than waited on in silence.
const RETRIES: u32 = 6;

/// Retries an idempotent call on transient errors with exponential backoff (about 10 s in
/// all), then gives up with the last error. An unreachable cluster fails at once. The first
/// retry is noted on stderr (every attempt with -v), so a slow answer is never silent.
pub async fn retry<T, F, Fut>(mut call: F) -> Result<T, kube::Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, kube::Error>>,
{
    let mut delay = Duration::from_millis(200);
    let mut attempts = 0;
    loop {
        match call().await {
            Err(e) if is_transient(&e) && attempts < RETRIES => {
                attempts += 1;
                note_retry(&e, attempts, delay);
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(5));
            }
            other => return other,
        }
    }
}

/// One line on stderr about a retry: the first one of the process, or every one with -v.
fn note_retry(e: &kube::Error, attempt: u32, delay: Duration) {
    let mut r = reporting();
    let Some(term) = r.term else { return };
    let what = match e {
        kube::Error::Api(s) => format!("the cluster answered {} {}", s.code, s.reason),
        other => format!("the connection broke ({})", root_cause(other)),
    };
    if term.verbose > 0 {
        term.note(format!(
            "{what}; trying again in {:.1}s (retry {attempt} of {RETRIES})",
            delay.as_secs_f64()
        ));
    } else if !r.told {
        r.told = true;
        term.note(format!("{what}; trying again (-v shows each attempt)"));
    }
}

/// A tokio runtime for one command: single-threaded, as a CLI needs.
pub fn runtime() -> Result<tokio::runtime::Runtime, Error> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::environment(format!("cannot start etl's runtime: {e}"), None))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api_error(code: u16, reason: &str, message: &str) -> kube::Error {
        kube::Error::Api(Box::new(kube::core::Status {
            code,
            reason: reason.into(),
            message: message.into(),
            ..kube::core::Status::failure(message, reason)
        }))
    }

    #[test]
    fn forbidden_says_which_verb_on_which_resource_and_exits_3() {
        let e = explain(
            api_error(
                403,
                "Forbidden",
                r#"jobs.batch is forbidden: User "ana@acme.com" cannot create resource "jobs" in API group "batch" in the namespace "etl""#,
            ),
            "creating run x",
        );
        assert_eq!(e.exit_code(), 3);
        let text = e.to_string();
        assert!(
            text.contains(
                r#"cannot create resource "jobs" in API group "batch" in the namespace "etl""#
            ),
            "{text}"
        );
        assert!(text.contains("ask your cluster admin"), "{text}");
    }

    #[test]
    fn transient_errors_are_retried_and_permanent_ones_are_not() {
        assert!(is_transient(&api_error(500, "InternalError", "boom")));
        assert!(is_transient(&api_error(
            429,
            "TooManyRequests",
            "slow down"
        )));
        assert!(!is_transient(&api_error(404, "NotFound", "gone")));
        assert!(!is_transient(&api_error(422, "Invalid", "bad")));
    }

    #[test]
    fn a_refused_connection_is_not_retried() {
        let refused = kube::Error::Service(Box::new(std::io::Error::from(
            std::io::ErrorKind::ConnectionRefused,
        )));
        assert!(is_unreachable(&refused));
        assert!(
            !is_transient(&refused),
            "retrying a closed port only delays the error"
        );
        let reset = kube::Error::Service(Box::new(std::io::Error::from(
            std::io::ErrorKind::ConnectionReset,
        )));
        assert!(
            is_transient(&reset),
            "a dropped connection is worth another try"
        );
    }

    #[test]
    fn an_unreadable_kubeconfig_is_named_once_in_plain_quotes() {
        let e = kube::config::KubeconfigError::ReadConfig(
            std::io::Error::from(std::io::ErrorKind::NotFound),
            "/home/ana/.kube/config".into(),
        );
        let text = kubeconfig_problem(&e);
        assert!(
            text.starts_with("cannot read the kubeconfig `/home/ana/.kube/config`: "),
            "{text}"
        );
        assert!(!text.contains('"'), "{text}");
    }

    #[test]
    fn a_pinned_context_refuses_another_unless_named() {
        assert_eq!(
            choose_context(Some("prod"), None, Some("prod"))
                .unwrap()
                .as_deref(),
            Some("prod")
        );
        let e = choose_context(Some("prod"), None, Some("staging"))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("pins the cluster context `prod`") && e.contains("--context prod"),
            "{e}"
        );
        assert_eq!(
            choose_context(Some("prod"), Some("staging"), Some("x"))
                .unwrap()
                .as_deref(),
            Some("staging")
        );
        assert_eq!(
            choose_context(None, None, Some("x")).unwrap().as_deref(),
            Some("x")
        );
        assert_eq!(
            choose_context(Some("prod"), None, None).unwrap().as_deref(),
            Some("prod")
        );
    }
}
