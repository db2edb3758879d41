//! The "kubelet": binds pods to the one node, runs each pod's first container as a local
//! process (command + args, env resolved, cwd = --workdir), captures its output as the
//! pod's log, reports phases and container states, restarts per restartPolicy and kills
//! the process when the pod is deleted. I/O.

use super::{record_event, write_status};
use crate::meta;
use crate::resources::{CONFIGMAP, POD, SECRET};
use crate::state::State;
use crate::store::{DeleteOptions, Store};
use crate::validate::base64_decode;
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::sync::{mpsc, watch};

const COMPONENT: &str = "kubelet";
/// Images whose reference contains this cannot be "pulled": their pods stay Pending in
/// ImagePullBackOff, so tests can exercise that path.
pub const MISSING_IMAGE: &str = "kubesim-missing";
pub const NODE: &str = "kubesim-node";
/// The longest a deleted pod's process gets between SIGTERM and SIGKILL.
const MAX_GRACE: Duration = Duration::from_secs(3);

/// Where pods find the API server: kubesim's `--kubeconfig` and its URL.
pub struct ApiAccess {
    pub kubeconfig: PathBuf,
    pub url: String,
}

pub struct Kubelet {
    workdir: PathBuf,
    api: Option<ApiAccess>,
    /// Namespaces whose kubeconfig (`<kubeconfig>.<namespace>`) is written.
    kubeconfigs: Mutex<HashSet<String>>,
    /// Pods with a running task: uid -> stop signal.
    running: Mutex<HashMap<String, watch::Sender<bool>>>,
    /// Process group ids of live containers, killed on shutdown.
    children: Mutex<HashSet<i32>>,
    /// Last config error reported per pod uid (to emit one event per distinct error).
    config_errors: Mutex<HashMap<String, String>>,
}

impl Kubelet {
    pub fn new(workdir: PathBuf, api: Option<ApiAccess>) -> Self {
        Kubelet {
            workdir,
            api,
            kubeconfigs: Mutex::new(HashSet::new()),
            running: Mutex::new(HashMap::new()),
            children: Mutex::new(HashSet::new()),
            config_errors: Mutex::new(HashMap::new()),
        }
    }

    /// Kills every container process group (on shutdown).
    pub async fn kill_all(&self) {
        let pgids: Vec<i32> = self
            .children
            .lock()
            .expect("children lock")
            .iter()
            .copied()
            .collect();
        for pg in &pgids {
            signal_group(*pg, libc::SIGTERM);
        }
        if !pgids.is_empty() {
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        for pg in &pgids {
            signal_group(*pg, libc::SIGKILL);
        }
    }

    pub fn sync(self: &Arc<Self>, state: &Arc<State>) {
        let pods = state.store().list(&POD, None);
        let live: HashSet<String> = pods.iter().map(|p| meta::uid(p).to_string()).collect();
        {
            let mut running = self.running.lock().expect("running lock");
            running.retain(|uid, stop| {
                if !live.contains(uid) {
                    let _ = stop.send(true);
                }
                !stop.is_closed()
            });
        }
        for uid in state.logs.uids() {
            if !live.contains(&uid)
                && !self
                    .running
                    .lock()
                    .expect("running lock")
                    .contains_key(&uid)
            {
                state.logs.remove(&uid);
            }
        }
        self.config_errors
            .lock()
            .expect("lock")
            .retain(|u, _| live.contains(u));
        for pod in &pods {
            let uid = meta::uid(pod).to_string();
            let phase = meta::str_at(pod, &["status", "phase"]).unwrap_or("Pending");
            if meta::is_deleting(pod) {
                let running = self
                    .running
                    .lock()
                    .expect("running lock")
                    .get(&uid)
                    .cloned();
                match running {
                    Some(stop) => {
                        let _ = stop.send(true);
                    }
                    None => finish_deletion(state, pod),
                }
                continue;
            }
            if meta::str_at(pod, &["spec", "nodeName"]).is_none() {
                bind(state, pod);
                continue;
            }
            if phase != "Pending"
                || self
                    .running
                    .lock()
                    .expect("running lock")
                    .contains_key(&uid)
            {
                continue;
            }
            let image = pod["spec"]["containers"][0]["image"].as_str().unwrap_or("");
            if image.contains(MISSING_IMAGE) {
                let msg = format!("Back-off pulling image \"{image}\"");
                let pull = format!(
                    "Failed to pull image \"{image}\": rpc error: code = NotFound desc = failed to pull and unpack image \"{image}\": not found"
                );
                self.waiting(state, pod, "ImagePullBackOff", &msg, &pull);
                continue;
            }
            let env = resolve_env(&state.store(), pod);
            match env {
                Err(msg) => {
                    let event = format!("Error: {msg}");
                    self.waiting(state, pod, "CreateContainerConfigError", &msg, &event)
                }
                Ok(env) => {
                    let (tx, rx) = watch::channel(false);
                    self.running
                        .lock()
                        .expect("running lock")
                        .insert(uid.clone(), tx);
                    let me = self.clone();
                    let state = state.clone();
                    let pod = (**pod).clone();
                    tokio::spawn(async move {
                        me.run_pod(&state, pod, env, rx).await;
                        me.running.lock().expect("running lock").remove(&uid);
                    });
                }
            }
        }
    }

    /// `KUBECONFIG` for a pod's process, so that it reaches kubesim as a real pod reaches its
    /// API server, with its own namespace as the default one (as in-cluster config has it):
    /// kubesim's `--kubeconfig` itself for `default`, `<kubeconfig>.<namespace>` (written
    /// on first use) for other namespaces. Nothing without `--kubeconfig`. The pod's own
    /// `env` comes later and wins.
    fn kubeconfig_env(&self, pod: &Value) -> Vec<(String, String)> {
        let Some(api) = &self.api else {
            return Vec::new();
        };
        let ns = meta::namespace(pod);
        if ns == "default" {
            return vec![("KUBECONFIG".into(), api.kubeconfig.display().to_string())];
        }
        let mut path = api.kubeconfig.clone().into_os_string();
        path.push(format!(".{ns}"));
        let path = PathBuf::from(path);
        let mut written = self.kubeconfigs.lock().expect("kubeconfigs lock");
        if !written.contains(ns) {
            // Written aside and renamed, so a process never reads half a file.
            let tmp = path.with_extension("kubesim-tmp");
            let text = crate::config::kubeconfig_in(&api.url, ns);
            match std::fs::write(&tmp, text).and_then(|()| std::fs::rename(&tmp, &path)) {
                Ok(()) => {
                    written.insert(ns.to_string());
                }
                Err(e) => eprintln!("kubesim: cannot write {}: {e}", path.display()),
            }
        }
        vec![("KUBECONFIG".into(), path.display().to_string())]
    }

    /// Keeps a pod Pending with its container waiting for `reason`; one Warning event
    /// `Failed` per distinct message.
    fn waiting(&self, state: &State, pod: &Value, reason: &str, msg: &str, event: &str) {
        let uid = meta::uid(pod).to_string();
        let mut status = pod["status"].clone();
        let cname = pod["spec"]["containers"][0]["name"].as_str().unwrap_or("");
        status["containerStatuses"] = json!([{
            "name": cname,
            "image": pod["spec"]["containers"][0]["image"],
            "imageID": "",
            "ready": false,
            "started": false,
            "restartCount": 0,
            "state": {"waiting": {"reason": reason, "message": msg}},
        }]);
        write_status(state, &POD, pod, status);
        let mut errs = self.config_errors.lock().expect("lock");
        if errs.get(&uid).map(String::as_str) != Some(msg) {
            errs.insert(uid, msg.to_string());
            record_event(
                &mut state.store(),
                &POD,
                pod,
                "Warning",
                "Failed",
                event,
                COMPONENT,
            );
        }
    }

    async fn run_pod(
        &self,
        state: &Arc<State>,
        pod: Value,
        env: Vec<(String, String)>,
        mut stop: watch::Receiver<bool>,
    ) {
        let uid = meta::uid(&pod).to_string();
        let c = pod["spec"]["containers"][0].clone();
        let cname = c["name"].as_str().unwrap_or("").to_string();
        let policy = pod["spec"]["restartPolicy"]
            .as_str()
            .unwrap_or("Always")
            .to_string();
        let grace = Duration::from_secs(
            pod["spec"]["terminationGracePeriodSeconds"]
                .as_u64()
                .unwrap_or(30),
        )
        .min(MAX_GRACE);
        let argv: Vec<String> = c["command"]
            .as_array()
            .into_iter()
            .flatten()
            .chain(c["args"].as_array().into_iter().flatten())
            .filter_map(|v| v.as_str().map(|s| expand(s, &env)))
            .collect();
        let cwd = c["workingDir"]
            .as_str()
            .map(PathBuf::from)
            .filter(|p| p.is_dir())
            .unwrap_or_else(|| self.workdir.clone());
        let started_pod = meta::rfc3339(state.clock.now());
        let mut run = Run {
            state,
            pod: &pod,
            cname: &cname,
            c: &c,
            started_pod: &started_pod,
            restarts: 0,
            last_state: json!({}),
        };
        loop {
            state.logs.start_container(&uid);
            let started = meta::rfc3339(state.clock.now());
            let spawned = if argv.is_empty() {
                Err("kubesim cannot run an image's entrypoint: the container has no command or args".to_string())
            } else {
                let mut cmd = tokio::process::Command::new(&argv[0]);
                cmd.args(&argv[1..])
                    .env_clear()
                    .envs(base_env(&pod))
                    .envs(self.kubeconfig_env(&pod))
                    .envs(env.iter().map(|(k, v)| (k, v)))
                    .current_dir(&cwd)
                    .stdin(Stdio::null())
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .process_group(0);
                cmd.spawn().map_err(|e| {
                    format!("failed to create containerd task: failed to create shim task: OCI runtime create failed: exec: {:?}: {e}", argv[0])
                })
            };
            let mut child = match spawned {
                Ok(ch) => ch,
                Err(msg) => {
                    state.logs.finish(&uid);
                    let term = json!({"exitCode": 128, "reason": "StartError", "message": msg, "startedAt": "1970-01-01T00:00:00Z", "finishedAt": meta::rfc3339(state.clock.now())});
                    record_event(
                        &mut state.store(),
                        &POD,
                        &pod,
                        "Warning",
                        "Failed",
                        &format!("Error: {msg}"),
                        COMPONENT,
                    );
                    if !self
                        .end_run(&mut run, term, policy != "Never", 0, &mut stop)
                        .await
                    {
                        return;
                    }
                    continue;
                }
            };
            let pid = child.id().map(|p| p as i32).unwrap_or(0);
            self.children.lock().expect("children lock").insert(pid);
            run.report(
                "Running",
                json!({"running": {"startedAt": started}}),
                true,
                pid,
            );
            {
                let mut s = state.store();
                let image = c["image"].as_str().unwrap_or("");
                record_event(
                    &mut s,
                    &POD,
                    &pod,
                    "Normal",
                    "Pulled",
                    &format!("Container image \"{image}\" already present on machine"),
                    COMPONENT,
                );
                record_event(
                    &mut s,
                    &POD,
                    &pod,
                    "Normal",
                    "Created",
                    &format!("Created container: {cname}"),
                    COMPONENT,
                );
                record_event(
                    &mut s,
                    &POD,
                    &pod,
                    "Normal",
                    "Started",
                    &format!("Started container {cname}"),
                    COMPONENT,
                );
            }
            let (done_tx, mut done_rx) = mpsc::channel::<()>(2);
            if let Some(out) = child.stdout.take() {
                pump(out, uid.clone(), state.clone(), done_tx.clone());
            }
            if let Some(err) = child.stderr.take() {
                pump(err, uid.clone(), state.clone(), done_tx.clone());
            }
            drop(done_tx);
            let mut killed = false;
            let exit = tokio::select! {
                s = child.wait() => s.ok(),
                _ = async { let _ = stop.wait_for(|s| *s).await; } => {
                    killed = true;
                    signal_group(pid, libc::SIGTERM);
                    match tokio::time::timeout(grace, child.wait()).await {
                        Ok(s) => s.ok(),
                        Err(_) => {
                            signal_group(pid, libc::SIGKILL);
                            child.wait().await.ok()
                        }
                    }
                }
            };
            // A container ends with its main process: stop whatever it left running (which
            // also closes the pipes those processes inherited).
            signal_group(pid, libc::SIGKILL);
            // Processes that left the group may keep the pipes open: do not wait forever.
            let _ = tokio::time::timeout(Duration::from_secs(1), async {
                while done_rx.recv().await.is_some() {}
            })
            .await;
            self.children.lock().expect("children lock").remove(&pid);
            state.logs.finish(&uid);
            let code = exit
                .map(|s| {
                    use std::os::unix::process::ExitStatusExt;
                    s.code().unwrap_or_else(|| 128 + s.signal().unwrap_or(9))
                })
                .unwrap_or(137);
            let mut term = json!({
                "exitCode": code,
                "reason": exit_reason(code),
                "startedAt": started,
                "finishedAt": meta::rfc3339(state.clock.now()),
                "containerID": format!("kubesim://{pid}"),
            });
            if killed {
                // kubesim's own SIGKILL after the grace period is not an OOM kill.
                if code != 0 {
                    term["reason"] = json!("Error");
                }
                record_event(
                    &mut state.store(),
                    &POD,
                    &pod,
                    "Normal",
                    "Killing",
                    &format!("Stopping container {cname}"),
                    COMPONENT,
                );
                run.report(
                    terminal_phase(&term),
                    json!({"terminated": term}),
                    false,
                    pid,
                );
                finish_deletion(state, &pod);
                return;
            }
            let restart = !(policy == "Never" || (policy == "OnFailure" && code == 0));
            if !self.end_run(&mut run, term, restart, pid, &mut stop).await {
                return;
            }
        }
    }

    /// A container run ended with `term`: without `restart`, the pod's final status;
    /// otherwise a back-off before the next run. True when the container is to run again;
    /// false when the pod is done (finished, or deleted during the back-off, which this
    /// completes).
    async fn end_run(
        &self,
        run: &mut Run<'_>,
        term: Value,
        restart: bool,
        pid: i32,
        stop: &mut watch::Receiver<bool>,
    ) -> bool {
        if !restart {
            run.report(
                terminal_phase(&term),
                json!({"terminated": term}),
                false,
                pid,
            );
            return false;
        }
        run.restarts += 1;
        run.last_state = json!({"terminated": term});
        if self.back_off(run, stop).await {
            finish_deletion(run.state, run.pod);
            return false;
        }
        true
    }

    /// CrashLoopBackOff between restarts (0.5s·2^n, capped at 5s); true if the pod was
    /// deleted meanwhile.
    async fn back_off(&self, run: &Run<'_>, stop: &mut watch::Receiver<bool>) -> bool {
        let delay = Duration::from_millis(500 * 2u64.pow((run.restarts - 1).clamp(0, 3) as u32))
            .min(Duration::from_secs(5));
        let waiting = json!({"waiting": {"reason": "CrashLoopBackOff", "message": format!("back-off {}ms restarting failed container={} pod={}", delay.as_millis(), run.cname, meta::name(run.pod))}});
        run.report("Running", waiting, false, 0);
        record_event(
            &mut run.state.store(),
            &POD,
            run.pod,
            "Warning",
            "BackOff",
            "Back-off restarting failed container",
            COMPONENT,
        );
        tokio::select! {
            _ = tokio::time::sleep(delay) => false,
            _ = async { let _ = stop.wait_for(|s| *s).await; } => true,
        }
    }
}

/// One pod's container across its runs: what every status write about it needs.
struct Run<'a> {
    state: &'a State,
    pod: &'a Value,
    cname: &'a str,
    c: &'a Value,
    started_pod: &'a str,
    restarts: i64,
    /// The previous run's `terminated` state (`lastState`).
    last_state: Value,
}

impl Run<'_> {
    /// Writes the pod's status: `phase`, the container in `cstate`, `ready` or not.
    fn report(&self, phase: &str, cstate: Value, ready: bool, pid: i32) {
        set_pod_status(
            self.state,
            self.pod,
            phase,
            self.cname,
            self.c,
            cstate,
            self.last_state.clone(),
            self.restarts,
            ready,
            self.started_pod,
            pid,
        );
    }
}

/// The phase of a pod whose container will not run again.
fn terminal_phase(term: &Value) -> &'static str {
    if term["exitCode"] == 0 {
        "Succeeded"
    } else {
        "Failed"
    }
}

/// Copies a child's output into the pod log, one line at a time.
fn pump(
    r: impl AsyncRead + Unpin + Send + 'static,
    uid: String,
    state: Arc<State>,
    done: mpsc::Sender<()>,
) {
    tokio::spawn(async move {
        let mut lines = BufReader::new(r).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            state.logs.append(&uid, state.clock.now(), line);
        }
        drop(done);
    });
}

/// The terminated reason of an exit code that kubesim did not cause: a SIGKILL from
/// elsewhere is reported as the kernel's OOM killer would be, so `kill -9 $$` in a test
/// script simulates running out of memory.
fn exit_reason(code: i32) -> &'static str {
    match code {
        0 => "Completed",
        137 => "OOMKilled",
        _ => "Error",
    }
}

fn signal_group(pgid: i32, sig: i32) {
    if pgid > 0 {
        // SAFETY: kill(2) with a negative pid signals the process group; no memory is touched.
        unsafe {
            libc::kill(-pgid, sig);
        }
    }
}

/// The labels of the one node pods run on (what `nodeSelector` is matched against).
pub fn node_labels() -> serde_json::Map<String, Value> {
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    };
    [
        ("kubernetes.io/hostname", NODE),
        ("kubernetes.io/os", "linux"),
        ("kubernetes.io/arch", arch),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), json!(v)))
    .collect()
}

/// Schedules a pod on the node, or leaves it Pending as Unschedulable when its
/// `nodeSelector` does not match the node's labels.
fn bind(state: &State, pod: &Value) {
    let mut store = state.store();
    let Ok(cur) = store.get(&POD, meta::namespace(pod), meta::name(pod)) else {
        return;
    };
    let node = node_labels();
    let fits = pod["spec"]["nodeSelector"]
        .as_object()
        .is_none_or(|sel| sel.iter().all(|(k, v)| node.get(k) == Some(v)));
    if !fits {
        let already = cur["status"]["conditions"].as_array().is_some_and(|cs| {
            cs.iter()
                .any(|c| c["type"] == "PodScheduled" && c["reason"] == "Unschedulable")
        });
        if already {
            return;
        }
        let msg = "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.";
        let mut new = (*cur).clone();
        new["status"]["conditions"] = json!([{"type": "PodScheduled", "status": "False", "lastProbeTime": null,
            "lastTransitionTime": meta::rfc3339(store.clock.now()), "reason": "Unschedulable", "message": msg}]);
        if store.update(&POD, new, false).is_ok() {
            record_event(
                &mut store,
                &POD,
                pod,
                "Warning",
                "FailedScheduling",
                msg,
                "default-scheduler",
            );
        }
        return;
    }
    let mut new = (*cur).clone();
    new["spec"]["nodeName"] = json!(NODE);
    let now = meta::rfc3339(store.clock.now());
    new["status"]["conditions"] = json!([{"type": "PodScheduled", "status": "True", "lastProbeTime": null, "lastTransitionTime": now}]);
    if store.update(&POD, new, false).is_ok() {
        let msg = format!(
            "Successfully assigned {}/{} to {NODE}",
            meta::namespace(pod),
            meta::name(pod)
        );
        record_event(
            &mut store,
            &POD,
            pod,
            "Normal",
            "Scheduled",
            &msg,
            "default-scheduler",
        );
    }
}

/// Removes a deleted pod once its container is gone (the kubelet's final delete).
fn finish_deletion(state: &State, pod: &Value) {
    let opts = DeleteOptions {
        grace_seconds: Some(0),
        precondition_uid: Some(meta::uid(pod).to_string()),
        ..Default::default()
    };
    let mut store = state.store();
    if store
        .try_get(&POD, meta::namespace(pod), meta::name(pod))
        .is_some_and(|p| meta::is_deleting(&p))
    {
        let _ = store.delete(&POD, meta::namespace(pod), meta::name(pod), &opts);
    }
}

#[allow(clippy::too_many_arguments)]
fn set_pod_status(
    state: &State,
    pod: &Value,
    phase: &str,
    cname: &str,
    c: &Value,
    cstate: Value,
    last: Value,
    restarts: i64,
    ready: bool,
    started_pod: &str,
    pid: i32,
) {
    let mut store = state.store();
    let Ok(cur) = store.get(&POD, meta::namespace(pod), meta::name(pod)) else {
        return;
    };
    if meta::uid(&cur) != meta::uid(pod) {
        return;
    }
    let now = meta::rfc3339(store.clock.now());
    let mut new = (*cur).clone();
    let running = cstate.get("running").is_some();
    let cond = |ty: &str, ok: bool| json!({"type": ty, "status": if ok {"True"} else {"False"}, "lastProbeTime": null, "lastTransitionTime": now});
    let mut status = json!({
        "phase": phase,
        "conditions": [
            cond("PodReadyToStartContainers", true),
            cond("Initialized", true),
            cond("Ready", ready),
            cond("ContainersReady", ready),
            cond("PodScheduled", true),
        ],
        "hostIP": "127.0.0.1",
        "hostIPs": [{"ip": "127.0.0.1"}],
        "podIP": "127.0.0.1",
        "podIPs": [{"ip": "127.0.0.1"}],
        "startTime": started_pod,
        "qosClass": "BestEffort",
        "containerStatuses": [{
            "name": cname,
            "image": c["image"],
            "imageID": format!("kubesim://{}", c["image"].as_str().unwrap_or("")),
            "ready": ready,
            "started": running,
            "restartCount": restarts,
            "state": cstate,
            "lastState": last,
        }],
    });
    if pid > 0 {
        // The process id, so tests can check the process itself.
        status["containerStatuses"][0]["containerID"] = json!(format!("kubesim://{pid}"));
    }
    new["status"] = status;
    let _ = store.update(&POD, new, false);
}

/// The environment every container gets: what a process needs to run on this machine
/// (PATH, HOME, ...) plus the pod's HOSTNAME. The rest of kubesim's environment is not
/// passed on, as a real container does not see the node's.
fn base_env(pod: &Value) -> Vec<(String, String)> {
    let mut env: Vec<(String, String)> = [
        "PATH", "HOME", "USER", "LOGNAME", "SHELL", "TMPDIR", "LANG", "LC_ALL", "TZ",
    ]
    .iter()
    .filter_map(|k| std::env::var(k).ok().map(|v| (k.to_string(), v)))
    .collect();
    let host = pod["spec"]["hostname"].as_str().unwrap_or(meta::name(pod));
    env.push(("HOSTNAME".into(), host.to_string()));
    env
}

/// `$(VAR)` references to earlier variables, as Kubernetes expands them; `$$` escapes.
fn expand(s: &str, env: &[(String, String)]) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(a) = after.strip_prefix('$') {
            out.push('$');
            rest = a;
        } else if let Some(inner) = after.strip_prefix('(')
            && let Some(end) = inner.find(')')
        {
            let name = &inner[..end];
            match env.iter().rev().find(|(k, _)| k == name) {
                Some((_, v)) => out.push_str(v),
                None => out.push_str(&format!("$({name})")),
            }
            rest = &inner[end + 1..];
        } else {
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

fn field_ref(pod: &Value, path: &str) -> Result<String, String> {
    let bracket = |prefix: &str| -> Option<String> {
        let inner = path.strip_prefix(prefix)?.strip_suffix("']")?;
        Some(inner.to_string())
    };
    let v = if let Some(k) = bracket("metadata.labels['") {
        pod["metadata"]["labels"][&k]
            .as_str()
            .unwrap_or("")
            .to_string()
    } else if let Some(k) = bracket("metadata.annotations['") {
        pod["metadata"]["annotations"][&k]
            .as_str()
            .unwrap_or("")
            .to_string()
    } else {
        match path {
            "metadata.name" => meta::name(pod).to_string(),
            "metadata.namespace" => meta::namespace(pod).to_string(),
            "metadata.uid" => meta::uid(pod).to_string(),
            "spec.nodeName" => NODE.to_string(),
            "spec.serviceAccountName" => pod["spec"]["serviceAccountName"]
                .as_str()
                .unwrap_or("default")
                .to_string(),
            "status.podIP" | "status.hostIP" => "127.0.0.1".to_string(),
            other => return Err(format!("unsupported fieldRef fieldPath {other:?}")),
        }
    };
    Ok(v)
}

fn data_value(
    store: &Store,
    secret: bool,
    ns: &str,
    name: &str,
    key: &str,
) -> Result<Option<String>, String> {
    let (res, kind) = if secret {
        (&SECRET, "Secret")
    } else {
        (&CONFIGMAP, "ConfigMap")
    };
    let Some(obj) = store.try_get(res, ns, name) else {
        return Err(format!("{} \"{name}\" not found", kind.to_lowercase()));
    };
    let v = if secret {
        obj["data"][key]
            .as_str()
            .and_then(base64_decode)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
    } else {
        obj["data"][key].as_str().map(str::to_string)
    };
    match v {
        Some(v) => Ok(Some(v)),
        None => Err(format!("couldn't find key {key} in {kind} {ns}/{name}")),
    }
}

/// The container's environment, or the CreateContainerConfigError message.
pub fn resolve_env(store: &Store, pod: &Value) -> Result<Vec<(String, String)>, String> {
    let ns = meta::namespace(pod);
    let c = &pod["spec"]["containers"][0];
    let mut env: Vec<(String, String)> = Vec::new();
    for from in c["envFrom"].as_array().into_iter().flatten() {
        let prefix = from["prefix"].as_str().unwrap_or("");
        let (r, secret) = if from["secretRef"].is_object() {
            (&from["secretRef"], true)
        } else {
            (&from["configMapRef"], false)
        };
        let name = r["name"].as_str().unwrap_or("");
        let optional = r["optional"].as_bool() == Some(true);
        let res = if secret { &SECRET } else { &CONFIGMAP };
        match store.try_get(res, ns, name) {
            Some(obj) => {
                for (k, v) in obj["data"].as_object().into_iter().flatten() {
                    let s = v.as_str().unwrap_or("");
                    let val = if secret {
                        base64_decode(s)
                            .map(|b| String::from_utf8_lossy(&b).into_owned())
                            .unwrap_or_default()
                    } else {
                        s.to_string()
                    };
                    env.push((format!("{prefix}{k}"), val));
                }
            }
            None if optional => {}
            None => {
                return Err(format!(
                    "{} \"{name}\" not found",
                    if secret { "secret" } else { "configmap" }
                ));
            }
        }
    }
    for e in c["env"].as_array().into_iter().flatten() {
        let name = e["name"].as_str().unwrap_or("").to_string();
        let vf = &e["valueFrom"];
        let value = if let Some(v) = e["value"].as_str() {
            Some(expand(v, &env))
        } else if vf["secretKeyRef"].is_object() || vf["configMapKeyRef"].is_object() {
            let secret = vf["secretKeyRef"].is_object();
            let r = if secret {
                &vf["secretKeyRef"]
            } else {
                &vf["configMapKeyRef"]
            };
            let got = data_value(
                store,
                secret,
                ns,
                r["name"].as_str().unwrap_or(""),
                r["key"].as_str().unwrap_or(""),
            );
            match got {
                Ok(v) => v,
                Err(_) if r["optional"].as_bool() == Some(true) => None,
                Err(e) => return Err(e),
            }
        } else if let Some(p) = vf["fieldRef"]["fieldPath"].as_str() {
            Some(field_ref(pod, p)?)
        } else {
            Some(String::new())
        };
        if let Some(v) = value {
            env.push((name, v));
        }
    }
    Ok(env)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expands_variable_references() {
        let env = vec![("A".to_string(), "1".to_string())];
        assert_eq!(expand("x$(A)y", &env), "x1y");
        assert_eq!(expand("$(B)", &env), "$(B)");
        assert_eq!(expand("$$(A) $5", &env), "$(A) $5");
        // Shell arithmetic and command substitution are not variable references.
        let shell = "echo $((1 + $(A))) $(date +%s) ${X#0} $1";
        assert_eq!(
            expand(shell, &env),
            "echo $((1 + $(A))) $(date +%s) ${X#0} $1"
        );
    }

    #[test]
    fn field_refs() {
        let pod = json!({"metadata": {"name": "p", "namespace": "n", "labels": {"app": "x"}, "annotations": {"a/b": "c"}}});
        assert_eq!(field_ref(&pod, "metadata.name").unwrap(), "p");
        assert_eq!(field_ref(&pod, "metadata.labels['app']").unwrap(), "x");
        assert_eq!(field_ref(&pod, "metadata.annotations['a/b']").unwrap(), "c");
        assert!(field_ref(&pod, "status.phase").is_err());
    }
}
