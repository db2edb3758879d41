use super::*;
use proptest::prelude::*;

fn dag(spec: &[(&str, &[&str])]) -> Result<Dag, DagError> {
    dag_retries(spec, 0)
}

fn dag_retries(spec: &[(&str, &[&str])], retries: u32) -> Result<Dag, DagError> {
    let owned: Vec<(String, Vec<String>)> = spec
        .iter()
        .map(|(n, a)| (n.to_string(), a.iter().map(|s| s.to_string()).collect()))
        .collect();
    Dag::new(
        owned
            .iter()
            .map(|(n, a)| (n.as_str(), a.as_slice(), retries)),
    )
}

/// The example: ingest → calibrate → two averages → report.
fn nightly() -> Dag {
    dag(&[
        ("ingest", &[]),
        ("calibrate", &["ingest"]),
        ("averages-no2", &["calibrate"]),
        ("averages-pm25", &["calibrate"]),
        ("report", &["averages-no2", "averages-pm25"]),
    ])
    .unwrap()
}

fn names(d: &Dag, ids: &[TaskId]) -> Vec<String> {
    ids.iter().map(|&i| d.node(i).name.clone()).collect()
}

fn obs(states: &[TaskState]) -> Vec<Observed> {
    states
        .iter()
        .map(|&state| Observed {
            state,
            attempts: u32::from(!matches!(state, TaskState::Blocked | TaskState::Scheduled)),
        })
        .collect()
}

use TaskState::*;

#[test]
fn a_cycle_is_named_in_run_order() {
    let e = dag(&[("ingest", &["calibrate"]), ("calibrate", &["ingest"])]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "the tasks depend on each other in a cycle: ingest -> calibrate -> ingest"
    );
    let e = dag(&[("a", &[]), ("b", &["a", "d"]), ("c", &["b"]), ("d", &["c"])]).unwrap_err();
    assert_eq!(
        e,
        DagError::Cycle(vec!["b".into(), "c".into(), "d".into(), "b".into()])
    );
}

#[test]
fn unknown_self_and_empty_are_refused() {
    assert_eq!(
        dag(&[("a", &["a"])]).unwrap_err(),
        DagError::SelfDependency { task: "a".into() }
    );
    assert_eq!(
        dag(&[("a", &["ingset"])]).unwrap_err(),
        DagError::UnknownAfter {
            task: "a".into(),
            after: "ingset".into()
        }
    );
    assert_eq!(dag(&[]).unwrap_err(), DagError::Empty);
}

#[test]
fn order_puts_every_task_after_its_dependencies_and_keeps_declaration_order() {
    let d = dag(&[
        ("report", &["b", "a"]),
        ("b", &["a"]),
        ("a", &[]),
        ("z", &[]),
    ])
    .unwrap();
    assert_eq!(names(&d, d.order()), ["a", "b", "report", "z"]);
    assert_eq!(d.levels(), vec![2, 1, 0, 0]);
    assert_eq!(names(&d, &d.descendants(2)), ["b", "report"]);
}

#[test]
fn a_fresh_run_starts_the_roots_and_nothing_else() {
    let d = nightly();
    let p = plan(&d, &fresh(&d), Limits::default(), false);
    assert_eq!(names(&d, &p.start), ["ingest"]);
    assert!(p.finished.is_none());
}

#[test]
fn a_completed_task_unblocks_all_its_dependants_up_to_max_parallel() {
    let d = nightly();
    let o = obs(&[Completed, Completed, Blocked, Blocked, Blocked]);
    let p = plan(&d, &o, Limits::default(), false);
    assert_eq!(names(&d, &p.start), ["averages-no2", "averages-pm25"]);

    let one = Limits {
        max_parallel: Some(1),
    };
    let p = plan(&d, &o, one, false);
    assert_eq!(names(&d, &p.start), ["averages-no2"]);
    assert_eq!(names(&d, &p.schedule), ["averages-pm25"]);

    // Once the slot is taken, the scheduled task waits; it is not scheduled twice.
    let o = obs(&[Completed, Completed, Running, Scheduled, Blocked]);
    let p = plan(&d, &o, one, false);
    assert!(p.start.is_empty() && p.schedule.is_empty());
    assert!(p.finished.is_none());
}

#[test]
fn a_failure_marks_only_its_descendants_and_the_run_fails_at_the_end() {
    let d = dag(&[
        ("a", &[]),
        ("b", &["a"]),
        ("c", &["b"]),
        ("side", &[]),
        ("after-side", &["side"]),
    ])
    .unwrap();
    let o = obs(&[Failed, Blocked, Blocked, Running, Blocked]);
    let p = plan(&d, &o, Limits::default(), false);
    assert_eq!(names(&d, &p.upstream_failed), ["b", "c"]);
    assert!(p.start.is_empty());
    assert!(p.finished.is_none(), "the independent branch goes on");

    let o = obs(&[Failed, UpstreamFailed, UpstreamFailed, Completed, Blocked]);
    let p = plan(&d, &o, Limits::default(), false);
    assert_eq!(names(&d, &p.start), ["after-side"]);

    let o = obs(&[Failed, UpstreamFailed, UpstreamFailed, Completed, Completed]);
    let p = plan(&d, &o, Limits::default(), false);
    assert_eq!(p.finished, Some(RunOutcome::Failed));
}

#[test]
fn a_failed_task_with_retries_left_is_started_again_and_holds_its_dependants() {
    let d = dag_retries(&[("a", &[]), ("b", &["a"])], 2).unwrap();
    let failed_once = vec![
        Observed {
            state: Failed,
            attempts: 1,
        },
        Observed::NEW,
    ];
    let p = plan(&d, &failed_once, Limits::default(), false);
    assert_eq!(names(&d, &p.start), ["a"]);
    assert!(p.upstream_failed.is_empty());

    let failed_for_good = vec![
        Observed {
            state: Failed,
            attempts: 3,
        },
        Observed::NEW,
    ];
    let p = plan(&d, &failed_for_good, Limits::default(), false);
    assert!(p.start.is_empty());
    assert_eq!(names(&d, &p.upstream_failed), ["b"]);
    assert_eq!(p.finished, Some(RunOutcome::Failed));
}

#[test]
fn cancelling_stops_what_runs_and_cancels_what_waits() {
    let d = nightly();
    let o = obs(&[Completed, Running, Blocked, Blocked, Blocked]);
    let p = plan(&d, &o, Limits::default(), true);
    assert_eq!(names(&d, &p.stop), ["calibrate"]);
    assert_eq!(
        names(&d, &p.cancel),
        ["averages-no2", "averages-pm25", "report"]
    );
    assert!(p.start.is_empty() && p.finished.is_none());

    let o = obs(&[Completed, Cancelled, Cancelled, Cancelled, Cancelled]);
    let p = plan(&d, &o, Limits::default(), true);
    assert_eq!(p.finished, Some(RunOutcome::Cancelled));
}

#[test]
fn all_completed_finishes_the_run() {
    let d = nightly();
    let p = plan(&d, &obs(&[Completed; 5]), Limits::default(), false);
    assert_eq!(p.finished, Some(RunOutcome::Completed));
    assert!(p.start.is_empty());
}

#[test]
fn retry_failed_keeps_completed_tasks_and_restarts_the_rest() {
    let d = nightly();
    let before = obs(&[Completed, Completed, Failed, Completed, UpstreamFailed]);
    let again = retry_failed(&before);
    let p = plan(&d, &again, Limits::default(), false);
    assert_eq!(names(&d, &p.start), ["averages-no2"]);
    assert_eq!(again[4], Observed::NEW);
    assert_eq!(again[3], before[3]);
}

#[test]
fn every_state_combination_of_a_two_task_chain_gets_a_sane_plan() {
    let d = dag_retries(&[("a", &[]), ("b", &["a"])], 1).unwrap();
    for a in TaskState::ALL {
        for b in TaskState::ALL {
            for attempts in 0..=2 {
                let o = [
                    Observed { state: a, attempts },
                    Observed {
                        state: b,
                        attempts: 0,
                    },
                ];
                let p = plan(&d, &o, Limits::default(), false);
                // b never starts unless a completed.
                if p.start.contains(&1) {
                    assert_eq!(a, Completed, "{o:?} -> {p:?}");
                }
                // Nothing final is started, except a failed task with a retry left.
                for &id in &p.start {
                    let s = o[id].state;
                    assert!(
                        !s.is_final() || (s == Failed && o[id].attempts <= 1),
                        "{o:?} -> {p:?}"
                    );
                    assert_ne!(s, Running, "{o:?} -> {p:?}");
                }
                // A finished plan leaves nothing running or waiting.
                if p.finished.is_some() {
                    assert!(p.start.is_empty() && p.schedule.is_empty(), "{o:?}");
                    assert!(
                        o.iter().all(|x| !matches!(x.state, Running)),
                        "{o:?} -> {p:?}"
                    );
                }
            }
        }
    }
}

#[test]
fn text_and_dot_drawings() {
    let d = nightly();
    let notes = vec![
        String::new(),
        String::new(),
        "job daily-averages".into(),
        "job daily-averages".into(),
        "job sensor-report".into(),
    ];
    let text = levels_text(&d, &notes);
    assert_eq!(
        text,
        "\
level 1  ingest
level 2  calibrate      <- ingest
level 3  averages-no2   <- calibrate                    job daily-averages
         averages-pm25  <- calibrate                    job daily-averages
level 4  report         <- averages-no2, averages-pm25  job sensor-report
"
    );
    let g = dot("nightly", &d, &notes);
    assert!(g.starts_with("digraph \"nightly\" {"));
    assert!(g.contains("\"calibrate\" -> \"averages-no2\";"));
    assert!(g.contains("\"averages-pm25\" -> \"report\";"));
}

/// A random DAG: task i may run after any task before it, so it is acyclic by construction.
fn arb_dag() -> impl Strategy<Value = (Vec<Vec<usize>>, u32)> {
    (1usize..12, 0u32..3).prop_flat_map(|(n, retries)| {
        let deps: Vec<_> = (0..n)
            .map(|i| proptest::collection::vec(0..i.max(1), 0..=i.min(3)))
            .collect();
        (deps, Just(retries))
    })
}

proptest! {
    /// Drive random DAGs to the end with random completions and failures, applying each plan
    /// as an executor would: no task ever starts before all its `after` tasks completed, the
    /// parallel limit holds, the run always finishes, and a task is upstream-failed exactly
    /// when something it depends on failed for good.
    #[test]
    fn plans_respect_dependencies_and_limits_in_any_interleaving(
        (deps, retries) in arb_dag(),
        max_parallel in proptest::option::of(1usize..4),
        choices in proptest::collection::vec((any::<usize>(), any::<bool>()), 200),
    ) {
        let n = deps.len();
        let names: Vec<String> = (0..n).map(|i| format!("t{i}")).collect();
        let afters: Vec<Vec<String>> = deps
            .iter()
            .enumerate()
            .map(|(i, d)| d.iter().filter(|&&x| x < i).map(|x| names[*x].clone()).collect())
            .collect();
        let d = Dag::new((0..n).map(|i| (names[i].as_str(), afters[i].as_slice(), retries))).unwrap();
        let limits = Limits { max_parallel };
        let mut o = fresh(&d);
        let mut choices = choices.into_iter();
        let mut finished = None;
        for _ in 0..1000 {
            let p = plan(&d, &o, limits, false);
            for &id in &p.upstream_failed {
                o[id].state = UpstreamFailed;
            }
            for &id in &p.schedule {
                o[id].state = Scheduled;
            }
            for &id in &p.start {
                for &a in &d.node(id).after {
                    prop_assert_eq!(o[a].state, Completed);
                }
                o[id].state = Running;
                o[id].attempts += 1;
            }
            let running: Vec<usize> = (0..n).filter(|&i| o[i].state == Running).collect();
            if let Some(m) = max_parallel {
                prop_assert!(running.len() <= m);
            }
            if let Some(f) = p.finished {
                prop_assert!(running.is_empty());
                finished = Some(f);
                break;
            }
            // One running task ends, chosen by the test case.
            prop_assert!(!running.is_empty(), "nothing runs, nothing finished: {:?}", o);
            let (pick, ok) = choices.next().unwrap_or((0, true));
            let id = running[pick % running.len()];
            o[id].state = if ok { Completed } else { Failed };
        }
        let finished = finished.expect("the run finishes");
        let failed_for_good: Vec<usize> = (0..n).filter(|&i| o[i].state == Failed).collect();
        for i in 0..n {
            let below_failure = failed_for_good.iter().any(|&f| d.descendants(f).contains(&i));
            prop_assert_eq!(o[i].state == UpstreamFailed, below_failure, "task {}: {:?}", i, o);
        }
        prop_assert_eq!(finished == RunOutcome::Completed, o.iter().all(|x| x.state == Completed));
    }
}

#[test]
fn a_long_chain_starts_at_its_head_and_has_one_level_per_task() {
    let owned: Vec<(String, Vec<String>)> = (0..1000)
        .map(|i| {
            (
                format!("t{i}"),
                if i == 0 {
                    vec![]
                } else {
                    vec![format!("t{}", i - 1)]
                },
            )
        })
        .collect();
    let d = Dag::new(owned.iter().map(|(n, a)| (n.as_str(), a.as_slice(), 0))).unwrap();
    let p = plan(&d, &fresh(&d), Limits::default(), false);
    assert_eq!(p.start, vec![0]);
    assert_eq!(d.levels()[999], 999);
}
