//! Container logs kept by the kubelet per pod uid: the current and previous container
//! runs, each line with its timestamp, in memory; and `pods/NAME/log`, which serves them
//! (streaming while followed).

use crate::body::Body;
use crate::error::{ApiError, ApiResult};
use crate::meta;
use bytes::Bytes;
use http::{HeaderValue, Response, header};
use jiff::Timestamp;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, watch};

#[derive(Debug, Clone)]
pub struct LogLine {
    pub time: Timestamp,
    pub text: String,
}

#[derive(Debug, Default, Clone)]
pub struct ContainerLog {
    pub lines: Vec<LogLine>,
    pub done: bool,
}

struct PodLogs {
    current: ContainerLog,
    previous: Option<ContainerLog>,
    tx: watch::Sender<u64>,
}

#[derive(Default)]
pub struct Logs {
    pods: Mutex<HashMap<String, PodLogs>>,
}

impl Logs {
    /// A new container run: the current log becomes the previous one.
    pub fn start_container(&self, uid: &str) {
        let mut pods = self.pods.lock().expect("logs lock");
        match pods.get_mut(uid) {
            Some(p) => {
                p.previous = Some(std::mem::take(&mut p.current));
                p.tx.send_modify(|n| *n += 1);
            }
            None => {
                let (tx, _) = watch::channel(0);
                pods.insert(
                    uid.to_string(),
                    PodLogs {
                        current: ContainerLog::default(),
                        previous: None,
                        tx,
                    },
                );
            }
        }
    }

    pub fn append(&self, uid: &str, time: Timestamp, text: String) {
        let mut pods = self.pods.lock().expect("logs lock");
        if let Some(p) = pods.get_mut(uid) {
            p.current.lines.push(LogLine { time, text });
            p.tx.send_modify(|n| *n += 1);
        }
    }

    pub fn finish(&self, uid: &str) {
        let mut pods = self.pods.lock().expect("logs lock");
        if let Some(p) = pods.get_mut(uid) {
            p.current.done = true;
            p.tx.send_modify(|n| *n += 1);
        }
    }

    pub fn remove(&self, uid: &str) {
        self.pods.lock().expect("logs lock").remove(uid);
    }

    pub fn uids(&self) -> Vec<String> {
        self.pods
            .lock()
            .expect("logs lock")
            .keys()
            .cloned()
            .collect()
    }

    pub fn has(&self, uid: &str) -> bool {
        self.pods.lock().expect("logs lock").contains_key(uid)
    }

    pub fn subscribe(&self, uid: &str) -> Option<watch::Receiver<u64>> {
        Some(
            self.pods
                .lock()
                .expect("logs lock")
                .get(uid)?
                .tx
                .subscribe(),
        )
    }

    /// Lines from index `from` of the current (or previous) run and whether it ended.
    pub fn read(&self, uid: &str, previous: bool, from: usize) -> Option<(Vec<LogLine>, bool)> {
        let pods = self.pods.lock().expect("logs lock");
        let p = pods.get(uid)?;
        let log = if previous {
            p.previous.as_ref()?
        } else {
            &p.current
        };
        Some((log.lines.get(from..).unwrap_or_default().to_vec(), log.done))
    }
}

fn format_line(l: &LogLine, timestamps: bool) -> String {
    if timestamps {
        format!("{} {}\n", meta::rfc3339_nano(l.time), l.text)
    } else {
        format!("{}\n", l.text)
    }
}

type Query = HashMap<String, String>;

/// GET pods/NAME/log of `pod`: follow, tailLines, sinceTime, sinceSeconds, timestamps,
/// previous, container, limitBytes. `now` is the simulated clock's.
pub fn serve_log(
    logs: Arc<Logs>,
    pod: &Value,
    now: Timestamp,
    q: &Query,
) -> ApiResult<Response<Body>> {
    let name = meta::name(pod);
    let cname = pod["spec"]["containers"][0]["name"]
        .as_str()
        .unwrap_or("")
        .to_string();
    if let Some(c) = q.get("container").filter(|c| !c.is_empty())
        && *c != cname
    {
        return Err(ApiError::bad_request(format!(
            "container {c} is not valid for pod {name}"
        )));
    }
    let uid = meta::uid(pod).to_string();
    let previous = q.get("previous").is_some_and(|v| v == "true");
    let timestamps = q.get("timestamps").is_some_and(|v| v == "true");
    let follow = q.get("follow").is_some_and(|v| v == "true");
    let tail: Option<usize> = q.get("tailLines").and_then(|v| v.parse().ok());
    let limit: Option<usize> = q.get("limitBytes").and_then(|v| v.parse().ok());
    let since: Option<Timestamp> = match (q.get("sinceTime"), q.get("sinceSeconds")) {
        (Some(t), _) => Some(
            meta::parse_time(t)
                .ok_or_else(|| ApiError::bad_request(format!("invalid sinceTime {t:?}")))?,
        ),
        (None, Some(s)) => {
            let s: i64 = s
                .parse()
                .map_err(|_| ApiError::bad_request("invalid sinceSeconds"))?;
            now.checked_sub(jiff::SignedDuration::from_secs(s)).ok()
        }
        _ => None,
    };
    let Some((lines, done)) = logs.read(&uid, previous, 0) else {
        if previous {
            return Err(ApiError::bad_request(format!(
                "previous terminated container \"{cname}\" in pod \"{name}\" not found"
            )));
        }
        let reason = pod["status"]["containerStatuses"][0]["state"]["waiting"]["reason"]
            .as_str()
            .unwrap_or("ContainerCreating");
        return Err(ApiError::bad_request(format!(
            "container \"{cname}\" in pod \"{name}\" is waiting to start: {reason}"
        )));
    };
    let total = lines.len();
    let mut selected: Vec<&crate::logs::LogLine> = lines
        .iter()
        .filter(|l| since.is_none_or(|s| l.time >= s))
        .collect();
    if let Some(t) = tail {
        let skip = selected.len().saturating_sub(t);
        selected.drain(..skip);
    }
    let mut text: String = selected
        .iter()
        .map(|l| format_line(l, timestamps))
        .collect();
    if !follow || done || previous {
        if let Some(l) = limit {
            text.truncate(l);
        }
        let mut r = Response::new(Body::Full(Some(Bytes::from(text))));
        r.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
        return Ok(r);
    }
    let Some(mut changes) = logs.subscribe(&uid) else {
        return Err(ApiError::not_found("pods", name));
    };
    let (tx, rx) = mpsc::channel::<Bytes>(64);
    tokio::spawn(async move {
        let mut sent = text.len();
        if !text.is_empty() && tx.send(Bytes::from(text)).await.is_err() {
            return;
        }
        let mut idx = total;
        loop {
            let Some((more, done)) = logs.read(&uid, false, idx) else {
                return;
            };
            idx += more.len();
            let chunk: String = more.iter().map(|l| format_line(l, timestamps)).collect();
            if !chunk.is_empty() {
                sent += chunk.len();
                if tx.send(Bytes::from(chunk)).await.is_err() {
                    return;
                }
            }
            if done || limit.is_some_and(|l| sent >= l) {
                return;
            }
            tokio::select! {
                r = changes.changed() => if r.is_err() { return },
                _ = tx.closed() => return,
                _ = tokio::time::sleep(Duration::from_secs(1)) => {
                    // The pod may be gone without a final log event.
                    if !logs.has(&uid) { return }
                }
            }
        }
    });
    let mut r = Response::new(Body::Stream(rx));
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
    Ok(r)
}
