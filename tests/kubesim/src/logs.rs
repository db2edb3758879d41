//! Container logs kept by the kubelet per pod uid: the current and previous container
//! runs, each line with its timestamp. In memory.

use jiff::Timestamp;
use std::collections::HashMap;
use std::sync::Mutex;
use tokio::sync::watch;

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
