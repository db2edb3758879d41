//! The scheduler's `/metrics`, in the Prometheus text format.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct StateLabel {
    pub state: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ActionLabel {
    pub action: String,
}

pub struct Metrics {
    registry: Registry,
    /// Workflow runs by state, as of the last pass.
    pub runs: Family<StateLabel, Gauge>,
    /// Seconds from the last `after` task's completion to its dependant's start.
    pub dispatch: Histogram,
    pub api_errors: Counter,
    pub leader: Gauge,
    /// Passes over the runs made while leading.
    pub passes: Counter,
    /// Writes this replica made, by action: a follower's stay at zero.
    pub writes: Family<ActionLabel, Counter>,
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("etl_scheduler");
        let runs = Family::<StateLabel, Gauge>::default();
        let dispatch = Histogram::new([0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0]);
        let api_errors = Counter::default();
        let leader = Gauge::default();
        let passes = Counter::default();
        let writes = Family::<ActionLabel, Counter>::default();
        registry.register("workflow_runs", "Workflow runs by state", runs.clone());
        registry.register(
            "dispatch_latency_seconds",
            "From a task's last upstream completing to the task being started",
            dispatch.clone(),
        );
        registry.register(
            "api_errors",
            "Failed Kubernetes API calls",
            api_errors.clone(),
        );
        registry.register(
            "leader",
            "1 while this replica holds the Lease",
            leader.clone(),
        );
        registry.register(
            "passes",
            "Passes over the workflow runs while leading",
            passes.clone(),
        );
        registry.register(
            "writes",
            "Kubernetes writes made, by action",
            writes.clone(),
        );
        Metrics {
            registry,
            runs,
            dispatch,
            api_errors,
            leader,
            passes,
            writes,
        }
    }

    pub fn wrote(&self, action: &str) {
        self.writes
            .get_or_create(&ActionLabel {
                action: action.into(),
            })
            .inc();
    }

    pub fn text(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}
