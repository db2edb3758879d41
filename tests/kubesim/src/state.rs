//! What the HTTP front and the controllers share: the store, the clock, pod logs, metrics,
//! injected faults and the signal that closes watches. No I/O of its own.

use crate::admin::{Faults, Metrics};
use crate::clock::Clock;
use crate::logs::Logs;
use crate::store::Store;
use std::sync::{Arc, Mutex};
use tokio::sync::watch;

/// Everything the server and the controllers share.
pub struct State {
    pub store: Mutex<Store>,
    pub clock: Arc<Clock>,
    /// Shared with followed log streams.
    pub logs: Arc<Logs>,
    pub metrics: Mutex<Metrics>,
    /// Counted outside the metrics lock: watches send many events.
    pub watch_events_sent: std::sync::atomic::AtomicU64,
    pub faults: Mutex<Faults>,
    /// Bumped to close every open watch.
    pub drop_watches: watch::Sender<u64>,
    pub addr: String,
    /// Log every API request to stderr.
    pub verbose: bool,
}

impl State {
    pub fn new(clock: Arc<Clock>, addr: String, verbose: bool) -> Self {
        State {
            store: Mutex::new(Store::new(clock.clone())),
            clock,
            logs: Arc::default(),
            metrics: Mutex::new(Metrics::default()),
            watch_events_sent: Default::default(),
            faults: Mutex::new(Faults::default()),
            drop_watches: watch::channel(0).0,
            addr,
            verbose,
        }
    }

    pub fn store(&self) -> std::sync::MutexGuard<'_, Store> {
        self.store.lock().expect("store lock")
    }
}
