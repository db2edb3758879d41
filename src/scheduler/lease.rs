//! One leader among scheduler replicas: a `coordination.k8s.io/v1` Lease named after the
//! project. The holder renews it every third of its duration; another replica takes it over
//! only once it has not been renewed for a whole duration. A replica acts only while its own
//! last renewal is recent enough (`Leadership::is_leader`), so a leader cut off from the API
//! server stops acting before anyone else can start. I/O.

use crate::cluster::Cluster;
use crate::cluster::scheduler as cs;
use jiff::Timestamp;
use k8s_openapi::api::coordination::v1::{Lease, LeaseSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, ObjectMeta};
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Annotation on the Lease: the holder's etl version, for `etl scheduler status`.
pub fn version_annotation() -> String {
    format!("{}/version", crate::run::names::PREFIX)
}

/// Annotation on the Lease: since when the scheduler has fired workflow `wf`'s schedule. Fire
/// times before it are never run, so deploying a workflow does not run its past.
pub fn since_annotation(wf: &str) -> String {
    format!("{}/schedule-since.{wf}", crate::run::names::PREFIX)
}

pub struct Leadership {
    pub name: String,
    pub identity: String,
    pub duration: Duration,
    /// Until when this replica may act, by its own monotonic clock.
    until: Mutex<Option<Instant>>,
    /// The Lease's annotations as last read (the schedules' "since" times).
    annotations: Mutex<BTreeMap<String, String>>,
}

impl Leadership {
    pub fn new(name: String, identity: String, duration: Duration) -> Leadership {
        Leadership {
            name,
            identity,
            duration,
            until: Mutex::new(None),
            annotations: Mutex::new(BTreeMap::new()),
        }
    }

    pub fn is_leader(&self) -> bool {
        self.until
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_some_and(|u| Instant::now() < u)
    }

    fn set_until(&self, until: Option<Instant>) {
        *self.until.lock().unwrap_or_else(|e| e.into_inner()) = until;
    }

    pub fn annotation(&self, key: &str) -> Option<String> {
        self.annotations
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(key)
            .cloned()
    }

    fn keep_annotations(&self, lease: &Lease) {
        *self.annotations.lock().unwrap_or_else(|e| e.into_inner()) =
            lease.metadata.annotations.clone().unwrap_or_default();
    }

    /// One round: take the Lease if it is free or expired, renew it if it is ours. Returns
    /// whether this replica leads now. Every write carries the resourceVersion it read, so two
    /// replicas racing for an expired Lease cannot both win (one gets 409).
    pub async fn step(&self, cluster: &Cluster) -> Result<bool, kube::Error> {
        let started = Instant::now();
        let now = Timestamp::now();
        let secs = self.duration.as_secs().max(1) as i32;
        let result = match cs::lease_once(cluster, &self.name).await? {
            None => {
                let lease = Lease {
                    metadata: ObjectMeta {
                        name: Some(self.name.clone()),
                        namespace: Some(cluster.namespace.clone()),
                        annotations: Some(BTreeMap::from([(
                            version_annotation(),
                            env!("CARGO_PKG_VERSION").to_string(),
                        )])),
                        ..ObjectMeta::default()
                    },
                    spec: Some(LeaseSpec {
                        holder_identity: Some(self.identity.clone()),
                        lease_duration_seconds: Some(secs),
                        acquire_time: Some(MicroTime(now)),
                        renew_time: Some(MicroTime(now)),
                        lease_transitions: Some(0),
                        ..LeaseSpec::default()
                    }),
                };
                cs::create_lease(cluster, &lease).await?
            }
            Some(mut lease) => {
                self.keep_annotations(&lease);
                let spec = lease.spec.get_or_insert_with(LeaseSpec::default);
                let holder = spec.holder_identity.clone().unwrap_or_default();
                let held_for =
                    Duration::from_secs(spec.lease_duration_seconds.unwrap_or(secs).max(1) as u64);
                let expired = holder.is_empty()
                    || spec.renew_time.as_ref().is_none_or(|r| {
                        r.0 + jiff::SignedDuration::try_from(held_for).unwrap_or_default() < now
                    });
                if holder == self.identity || expired {
                    if holder != self.identity {
                        spec.holder_identity = Some(self.identity.clone());
                        spec.acquire_time = Some(MicroTime(now));
                        spec.lease_transitions = Some(spec.lease_transitions.unwrap_or(0) + 1);
                    }
                    spec.renew_time = Some(MicroTime(now));
                    spec.lease_duration_seconds = Some(secs);
                    lease
                        .metadata
                        .annotations
                        .get_or_insert_with(BTreeMap::new)
                        .insert(version_annotation(), env!("CARGO_PKG_VERSION").to_string());
                    cs::replace_lease(cluster, &self.name, &lease).await?
                } else {
                    None
                }
            }
        };
        match result {
            Some(lease) => {
                self.keep_annotations(&lease);
                // Act only until a little before anyone else could consider the Lease expired,
                // counted from before the request was sent.
                self.set_until(Some(started + self.duration.mul_f64(0.75)));
                Ok(true)
            }
            // Lost a race (409), or someone else holds it. A 409 on our own renewal (another
            // write to the Lease came between our read and write) changes nothing: `until`
            // still runs out on its own if renewals keep failing.
            None => Ok(self.is_leader() && self.held_by_us(cluster).await),
        }
    }

    async fn held_by_us(&self, cluster: &Cluster) -> bool {
        matches!(cs::lease_once(cluster, &self.name).await, Ok(Some(l)) if l.spec.as_ref().and_then(|s| s.holder_identity.as_deref()) == Some(self.identity.as_str()))
    }

    /// Records since when workflow `wf`'s schedule is fired, if not recorded yet. Returns the
    /// recorded time.
    pub async fn since(
        &self,
        cluster: &Cluster,
        wf: &str,
        now: Timestamp,
    ) -> Result<Timestamp, kube::Error> {
        let key = since_annotation(wf);
        if let Some(t) = self.annotation(&key).and_then(|t| t.parse().ok()) {
            return Ok(t);
        }
        let lease = cs::annotate_lease(cluster, &self.name, &key, &now.to_string()).await?;
        self.keep_annotations(&lease);
        Ok(now)
    }

    /// Gives the Lease up (on SIGTERM), so another replica takes over at once rather than
    /// after the Lease expires.
    pub async fn release(&self, cluster: &Cluster) {
        self.set_until(None);
        let Ok(Some(mut lease)) = cs::lease_once(cluster, &self.name).await else {
            return;
        };
        let Some(spec) = lease.spec.as_mut() else {
            return;
        };
        if spec.holder_identity.as_deref() != Some(&self.identity) {
            return;
        }
        spec.holder_identity = None;
        spec.renew_time = None;
        let _ = cs::replace_lease(cluster, &self.name, &lease).await;
    }
}
