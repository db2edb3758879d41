//! Following a run: every pod's log as it is written (retried pods too), why a pod is stuck,
//! and the run's verdict. I/O.
//!
//! Watches (not polling) the Job and its pods with kube-runtime's watcher, which re-watches
//! after dropped connections and re-lists after 410 Gone, with backoff. Each pod's log is
//! streamed with timestamps; when a stream breaks while the container still runs, it is opened
//! again from the last timestamp seen and the lines already printed are skipped, so no line is
//! lost or printed twice. A log that cannot be read to its end is reported by pod, never
//! dropped in silence. Ctrl-C is the caller's: dropping the future stops following, never
//! the run. No built-in timeout: a run that never ends is followed until Ctrl-C; once it has
//! ended, a pod's log that makes no progress for [`DRAIN_IDLE`] is given up on (and named).

use super::{Cluster, explain, retry};
use crate::error::Error;
use crate::run::{self, RunState};
use futures::{AsyncBufReadExt, StreamExt, TryStreamExt};
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, LogParams};
use kube::runtime::{WatchStreamExt, watcher};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::mpsc;

/// After the run has ended, how long the pods' logs may go without delivering a line (or
/// reopening) before etl stops waiting for them and says which are incomplete. Counted from
/// the last progress, not from the end of the run, so a log that is still catching up after
/// faults is read to its end however long it takes.
pub const DRAIN_IDLE: Duration = Duration::from_secs(20);

/// The first delay before reopening a broken log, and the most it grows to.
const REOPEN_FIRST: Duration = Duration::from_millis(200);
const REOPEN_MAX: Duration = Duration::from_secs(5);

/// How a followed run ended, and which pods' logs could not be read to the end.
#[derive(Debug)]
pub struct Outcome {
    pub state: RunState,
    /// Why it failed, or who cancelled it.
    pub reason: Option<String>,
    /// `(pod, why)` for each pod whose log is incomplete.
    pub incomplete: Vec<(String, String)>,
    /// The exit code of the newest pod whose container ended, when it did not succeed.
    pub exit_code: Option<i32>,
}

/// A pod, and whether its log was read to the end (else why not).
type PodLog = (String, Result<(), String>);

/// The exit code of a pod's container, once it has ended.
fn exit_code(pod: &Pod) -> Option<i32> {
    pod.status
        .as_ref()?
        .container_statuses
        .as_ref()?
        .iter()
        .find_map(|c| c.state.as_ref()?.terminated.as_ref().map(|t| t.exit_code))
}

/// Pods waiting for their log to be streamed, oldest first. A Job's pods (etl's run one at a
/// time) start one after another, so reading their logs in that order prints the lines in
/// the order they were written, even for a run that ended before following began.
#[derive(Default)]
struct LogQueue {
    waiting: std::collections::BTreeSet<(Option<jiff::Timestamp>, String)>,
    closed: bool,
}

/// What the follower reports, in order, to whoever prints.
#[derive(Debug)]
pub enum Update {
    /// A log line of a pod.
    Line { pod: String, line: String },
    /// Something about the run worth telling (a pod started, is stuck, was OOMKilled).
    Note(String),
    /// A pod's container started (or had already run): its log is coming.
    Started { pod: String, note: String },
    /// The run's state changed.
    State(RunState),
}

/// Why a pod is not making progress, if it is stuck: unschedulable, image pull failures, a
/// missing secret, OOMKilled. None when it is fine.
pub fn pod_problem(pod: &Pod) -> Option<String> {
    let status = pod.status.as_ref()?;
    for c in status.container_statuses.iter().flatten() {
        let state = c.state.as_ref();
        if let Some(w) = state.and_then(|s| s.waiting.as_ref()) {
            let reason = w.reason.as_deref().unwrap_or_default();
            if matches!(
                reason,
                "ImagePullBackOff"
                    | "ErrImagePull"
                    | "InvalidImageName"
                    | "CreateContainerConfigError"
                    | "CreateContainerError"
                    | "CrashLoopBackOff"
            ) {
                let hint = match reason {
                    "ImagePullBackOff" | "ErrImagePull" | "InvalidImageName" => {
                        " (is the image pushed? `etl push`)"
                    }
                    "CreateContainerConfigError" => {
                        " (a Secret or ConfigMap it needs is missing? `etl deploy` creates the Secrets)"
                    }
                    _ => "",
                };
                return Some(format!(
                    "{reason}: {}{hint}",
                    w.message.as_deref().unwrap_or("waiting")
                ));
            }
        }
        if let Some(t) = state.and_then(|s| s.terminated.as_ref())
            && t.reason.as_deref() == Some("OOMKilled")
        {
            return Some("OOMKilled: the job ran out of memory (raise resources.memory, e.g. --set resources.memory=2Gi)".into());
        }
    }
    for c in status.conditions.iter().flatten() {
        if c.type_ == "PodScheduled" && c.status == "False" {
            return Some(format!(
                "cannot be scheduled: {}",
                c.message
                    .as_deref()
                    .or(c.reason.as_deref())
                    .unwrap_or("no node fits")
            ));
        }
    }
    None
}

/// Whether the pod's container has started (so it has a log to stream).
fn started(pod: &Pod) -> bool {
    pod.status
        .as_ref()
        .and_then(|s| s.container_statuses.as_ref())
        .is_some_and(|cs| {
            cs.iter().any(|c| {
                c.state
                    .as_ref()
                    .is_some_and(|s| s.running.is_some() || s.terminated.is_some())
            })
        })
        || pod
            .status
            .as_ref()
            .and_then(|s| s.phase.as_deref())
            .is_some_and(|p| p == "Succeeded" || p == "Failed")
}

fn finished(pod: &Pod) -> bool {
    pod.status
        .as_ref()
        .and_then(|s| s.phase.as_deref())
        .is_some_and(|p| p == "Succeeded" || p == "Failed")
}

/// Splits `2026-11-23T10:00:00.123456789Z message` into its timestamp and text.
pub fn split_timestamp(line: &str) -> Option<(jiff::Timestamp, &str)> {
    let (ts, rest) = line.split_once(' ').unwrap_or((line, ""));
    Some((ts.parse().ok()?, rest))
}

/// Where a pod's log has got to: the newest timestamp printed and how many lines carried it,
/// so a reopened stream (which starts at a whole second) skips exactly what was printed.
#[derive(Default, Debug, Clone, PartialEq)]
pub struct LogCursor {
    last: Option<jiff::Timestamp>,
    at_last: usize,
}

impl LogCursor {
    /// Whether a line with this timestamp is new; records it if so. `seen_now` counts lines
    /// with the same timestamp already passed in this stream.
    pub fn admit(&mut self, ts: jiff::Timestamp, same_ts_in_stream: usize) -> bool {
        match self.last {
            Some(last) if ts < last => false,
            Some(last) if ts == last => {
                if same_ts_in_stream < self.at_last {
                    false
                } else {
                    self.at_last += 1;
                    true
                }
            }
            _ => {
                self.last = Some(ts);
                self.at_last = 1;
                true
            }
        }
    }

    /// The `sinceTime` to reopen from: the last timestamp, down to the second (the API's
    /// precision).
    pub fn since(&self) -> Option<jiff::Timestamp> {
        self.last
            .and_then(|t| jiff::Timestamp::from_second(t.as_second()).ok())
    }
}

/// Sends the new lines of one log stream; false when nobody listens any more. Ends when the
/// stream ends or breaks.
async fn pass_lines(
    stream: impl futures::AsyncBufRead + Unpin,
    cursor: &mut LogCursor,
    pod: &str,
    tx: &mpsc::Sender<Update>,
    progress: &AtomicU64,
) -> bool {
    let mut lines = stream.lines();
    let (mut same_ts, mut prev) = (0usize, None);
    while let Ok(Some(raw)) = lines.try_next().await {
        let Some((ts, text)) = split_timestamp(&raw) else {
            continue;
        };
        same_ts = if prev == Some(ts) { same_ts + 1 } else { 0 };
        prev = Some(ts);
        if !cursor.admit(ts, same_ts) {
            continue;
        }
        progress.fetch_add(1, Ordering::Relaxed);
        if tx
            .send(Update::Line {
                pod: pod.to_string(),
                line: text.to_string(),
            })
            .await
            .is_err()
        {
            return false;
        }
    }
    true
}

/// The next delay before reopening a log: doubling after each failure up to [`REOPEN_MAX`],
/// and back to [`REOPEN_FIRST`] once a reopen has succeeded, so one bad patch does not leave
/// the log lagging seconds behind for the rest of the run.
fn next_delay(delay: Duration, reopened: bool) -> Duration {
    if reopened {
        REOPEN_FIRST
    } else {
        (delay * 2).min(REOPEN_MAX)
    }
}

/// Streams one pod's log until its container has ended and the log is drained. Err says why
/// the log is incomplete (the final read failed); a pod deleted meanwhile (a cancel) just ends.
async fn stream_pod(
    pods: Api<Pod>,
    name: String,
    tx: mpsc::Sender<Update>,
    progress: Arc<AtomicU64>,
) -> Result<(), String> {
    let mut cursor = LogCursor::default();
    let mut delay = REOPEN_FIRST;
    loop {
        let params = LogParams {
            follow: true,
            timestamps: true,
            since_time: cursor.since(),
            ..LogParams::default()
        };
        let reopened = match pods.log_stream(&name, &params).await {
            Ok(stream) => {
                progress.fetch_add(1, Ordering::Relaxed);
                if !pass_lines(stream, &mut cursor, &name, &tx, &progress).await {
                    return Ok(());
                }
                true
            }
            Err(e) if super::status_code(&e) == Some(404) => return Ok(()),
            // 400: the container has not started yet; 5xx or a broken connection: try again.
            Err(_) => false,
        };
        delay = next_delay(delay, reopened);
        // The stream ended: either the container is done and its log drained, or the
        // connection broke. Only the pod can tell.
        match retry(|| pods.get_opt(&name)).await {
            Ok(Some(p)) if finished(&p) => {
                // One last read catches lines written between a break and the end.
                let params = LogParams {
                    timestamps: true,
                    since_time: cursor.since(),
                    ..LogParams::default()
                };
                return match retry(|| pods.log_stream(&name, &params)).await {
                    Ok(stream) => {
                        pass_lines(stream, &mut cursor, &name, &tx, &progress).await;
                        Ok(())
                    }
                    Err(e) if super::status_code(&e) == Some(404) => Ok(()),
                    Err(e) => Err(format!("reading its log failed: {}", short_error(&e))),
                };
            }
            Ok(None) => return Ok(()),
            _ => tokio::time::sleep(delay).await,
        }
    }
}

/// An API error in a few words: `500 InternalError`, or the connection's own error.
fn short_error(e: &kube::Error) -> String {
    match e {
        kube::Error::Api(s) => format!("{} {}: {}", s.code, s.reason, s.message),
        other => other.to_string(),
    }
}

/// Follows `run` until its Job is finished and every pod's log is drained. Reports lines and
/// notes on `tx`; returns the run's final state. `logs: false` waits without streaming logs.
pub async fn follow(
    cluster: &Cluster,
    run: &str,
    logs: bool,
    tx: mpsc::Sender<Update>,
) -> Result<Outcome, Error> {
    let jobs: Api<Job> = Api::namespaced(cluster.client.clone(), &cluster.namespace);
    let pods: Api<Pod> = Api::namespaced(cluster.client.clone(), &cluster.namespace);
    if retry(|| jobs.get_opt(run))
        .await
        .map_err(|e| explain(e, &format!("reading run {run}")))?
        .is_none()
    {
        return Err(Error::usage(
            format!("there is no run `{run}` in namespace {}", cluster.namespace),
            "`etl runs` lists the runs",
        ));
    }

    let job_events = watcher(
        jobs.clone(),
        watcher::Config::default().fields(&format!("metadata.name={run}")),
    )
    .default_backoff()
    .applied_objects()
    .map(|r| r.map(|j| Either::Job(Box::new(j))));
    let pod_events = watcher(
        pods.clone(),
        watcher::Config::default().labels(&format!("job-name={run}")),
    )
    .default_backoff()
    .applied_objects()
    .map(|r| r.map(|p| Either::Pod(Box::new(p))));
    let mut events = std::pin::pin!(futures::stream::select(job_events, pod_events));

    let mut streaming: HashSet<String> = HashSet::new();
    // One task streams the queued pods' logs, one after another, and reports per pod
    // whether its log was read to the end.
    let queue = Arc::new((
        std::sync::Mutex::new(LogQueue::default()),
        tokio::sync::Notify::new(),
    ));
    let results: Arc<std::sync::Mutex<Vec<PodLog>>> = Arc::default();
    let progress = Arc::new(AtomicU64::new(0));
    let mut worker = {
        let (queue, results, progress) = (queue.clone(), results.clone(), progress.clone());
        let (pods, tx) = (pods.clone(), tx.clone());
        tokio::spawn(async move {
            loop {
                let next = {
                    let mut q = queue.0.lock().unwrap_or_else(|e| e.into_inner());
                    match q.waiting.pop_first() {
                        Some((_, name)) => Some(name),
                        None if q.closed => return,
                        None => None,
                    }
                };
                match next {
                    Some(name) => {
                        let result =
                            stream_pod(pods.clone(), name.clone(), tx.clone(), progress.clone())
                                .await;
                        results
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .push((name, result));
                    }
                    None => queue.1.notified().await,
                }
            }
        })
    };
    let enqueue = |pod: &Pod| {
        let key = (
            pod.metadata.creation_timestamp.as_ref().map(|t| t.0),
            pod.metadata.name.clone().unwrap_or_default(),
        );
        queue
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .waiting
            .insert(key);
        queue.1.notify_one();
    };
    let mut newest_exit: Option<(Option<jiff::Timestamp>, i32)> = None;
    let mut told: HashMap<String, String> = HashMap::new();
    let mut verdict: Option<(RunState, Option<String>)> = None;
    let mut last_state = None;

    while verdict.is_none() {
        let Some(event) = events.next().await else {
            break;
        };
        // The watcher retries errors itself with backoff; an error here is informational.
        let Ok(event) = event else { continue };
        match event {
            Either::Job(job) => {
                let state = run::state(&job);
                if last_state != Some(state) {
                    last_state = Some(state);
                    let _ = tx.send(Update::State(state)).await;
                }
                if state.is_finished() {
                    verdict = Some((state, run::reason(&job)));
                }
            }
            Either::Pod(pod) => {
                let name = pod.metadata.name.clone().unwrap_or_default();
                if let Some(code) = exit_code(&pod) {
                    let created = pod.metadata.creation_timestamp.as_ref().map(|t| t.0);
                    if newest_exit.is_none_or(|(at, _)| created >= at) {
                        newest_exit = Some((created, code));
                    }
                }
                if let Some(problem) = pod_problem(&pod)
                    && told.get(&name) != Some(&problem)
                {
                    told.insert(name.clone(), problem.clone());
                    let _ = tx
                        .send(Update::Note(format!("pod {name}: {problem}")))
                        .await;
                }
                if logs && started(&pod) && streaming.insert(name.clone()) {
                    let retry = match streaming.len() {
                        1 => String::new(),
                        n => format!(" (retry {})", n - 1),
                    };
                    let note = format!("pod {name} started{retry}");
                    let _ = tx.send(Update::Started { pod: name, note }).await;
                    enqueue(&pod);
                }
            }
        }
    }
    // The Job's verdict can arrive before the watcher has shown us every pod (always so for a
    // run that ended before following began): list them once, so every pod's log is shown.
    if logs && verdict.is_some() {
        let lp = kube::api::ListParams::default().labels(&format!("job-name={run}"));
        if let Ok(list) = retry(|| pods.list(&lp)).await {
            for pod in list.items.iter().filter(|p| started(p)) {
                if let Some(code) = exit_code(pod) {
                    let created = pod.metadata.creation_timestamp.as_ref().map(|t| t.0);
                    if newest_exit.is_none_or(|(at, _)| created >= at) {
                        newest_exit = Some((created, code));
                    }
                }
                let name = pod.metadata.name.clone().unwrap_or_default();
                if streaming.insert(name.clone()) {
                    let note = format!("pod {name} started (retry {})", streaming.len() - 1);
                    let _ = tx.send(Update::Started { pod: name, note }).await;
                    enqueue(pod);
                }
            }
        }
    }
    queue.0.lock().unwrap_or_else(|e| e.into_inner()).closed = true;
    queue.1.notify_one();
    // The Job is done: let every log drain, for as long as the logs make progress (bounded,
    // in case a pod vanished without a word or its log cannot be read).
    let mut seen = progress.load(Ordering::Relaxed);
    let mut idle_since = tokio::time::Instant::now();
    loop {
        tokio::select! {
            // Done, or panicked: a panicked worker's pods are among those not done, below.
            _ = &mut worker => break,
            _ = tokio::time::sleep(Duration::from_millis(500)) => {
                let now = progress.load(Ordering::Relaxed);
                if now != seen {
                    (seen, idle_since) = (now, tokio::time::Instant::now());
                } else if idle_since.elapsed() >= DRAIN_IDLE {
                    worker.abort();
                    break;
                }
            }
        }
    }
    let mut incomplete = Vec::new();
    let mut done: HashSet<String> = HashSet::new();
    for (pod, result) in results.lock().unwrap_or_else(|e| e.into_inner()).drain(..) {
        done.insert(pod.clone());
        if let Err(why) = result {
            incomplete.push((pod, why));
        }
    }
    let mut unfinished: Vec<String> = streaming.difference(&done).cloned().collect();
    unfinished.sort();
    for pod in unfinished {
        if !incomplete.iter().any(|(p, _)| p == &pod) {
            incomplete.push((
                pod,
                format!(
                    "its log stopped coming for {} s after the run ended",
                    DRAIN_IDLE.as_secs()
                ),
            ));
        }
    }
    let (state, reason) = verdict.ok_or_else(|| {
        Error::environment(
            format!("lost track of run {run}"),
            Some(format!("`etl jobs follow {run}` tries again")),
        )
    })?;
    Ok(Outcome {
        state,
        reason,
        incomplete,
        exit_code: newest_exit.map(|(_, code)| code).filter(|c| *c != 0),
    })
}

enum Either {
    Job(Box<Job>),
    Pod(Box<Pod>),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(yaml: &str) -> Pod {
        serde_saphyr::from_str(yaml).unwrap()
    }

    #[test]
    fn stuck_pods_say_why() {
        let p = pod(
            "metadata: {name: p}\nstatus:\n  phase: Pending\n  containerStatuses:\n  - {name: job, image: x, imageID: '', ready: false, restartCount: 0, state: {waiting: {reason: ImagePullBackOff, message: 'Back-off pulling image \"x:1\"'}}}\n",
        );
        let m = pod_problem(&p).unwrap();
        assert!(
            m.starts_with("ImagePullBackOff: Back-off pulling image") && m.contains("etl push"),
            "{m}"
        );
        let p = pod(
            "metadata: {name: p}\nstatus:\n  phase: Pending\n  conditions:\n  - {type: PodScheduled, status: 'False', reason: Unschedulable, message: '0/3 nodes are available: 3 Insufficient memory.'}\n",
        );
        assert_eq!(
            pod_problem(&p).unwrap(),
            "cannot be scheduled: 0/3 nodes are available: 3 Insufficient memory."
        );
        let p = pod(
            "metadata: {name: p}\nstatus:\n  phase: Failed\n  containerStatuses:\n  - {name: job, image: x, imageID: '', ready: false, restartCount: 0, state: {terminated: {exitCode: 137, reason: OOMKilled}}}\n",
        );
        assert!(pod_problem(&p).unwrap().starts_with("OOMKilled"));
        let p = pod("metadata: {name: p}\nstatus: {phase: Running}\n");
        assert_eq!(pod_problem(&p), None);
    }

    #[test]
    fn a_reopened_log_skips_exactly_what_was_printed() {
        let t = |s: &str| s.parse::<jiff::Timestamp>().unwrap();
        let mut c = LogCursor::default();
        assert!(c.admit(t("2026-11-23T10:00:00.1Z"), 0));
        assert!(c.admit(t("2026-11-23T10:00:00.5Z"), 0));
        assert!(
            c.admit(t("2026-11-23T10:00:00.5Z"), 1),
            "two lines can share a timestamp"
        );
        assert_eq!(c.since(), Some(t("2026-11-23T10:00:00Z")));
        // Reopened from 10:00:00: the same three lines come again, then a new one.
        assert!(!c.admit(t("2026-11-23T10:00:00.1Z"), 0));
        assert!(!c.admit(t("2026-11-23T10:00:00.5Z"), 0));
        assert!(!c.admit(t("2026-11-23T10:00:00.5Z"), 1));
        assert!(
            c.admit(t("2026-11-23T10:00:00.5Z"), 2),
            "a third line at that instant is new"
        );
        assert!(c.admit(t("2026-11-23T10:00:01Z"), 0));
    }

    #[test]
    fn a_reopen_that_works_brings_the_delay_back_down() {
        let mut d = REOPEN_FIRST;
        for _ in 0..10 {
            d = next_delay(d, false);
        }
        assert_eq!(d, REOPEN_MAX, "failures back off, up to a bound");
        assert_eq!(next_delay(d, true), REOPEN_FIRST);
    }

    #[test]
    fn log_lines_carry_their_timestamp() {
        let (ts, text) = split_timestamp("2026-11-23T10:00:00.123456789Z hello world").unwrap();
        assert_eq!(ts, "2026-11-23T10:00:00.123456789Z".parse().unwrap());
        assert_eq!(text, "hello world");
        assert_eq!(split_timestamp("2026-11-23T10:00:00Z").unwrap().1, "");
        assert!(split_timestamp("no timestamp").is_none());
    }
}
