use super::backfill::{self, Progress};
use super::calendar::{self, Cell, Target};
use super::plan::{ByTarget, ByWindow, Only, Standing, select};
use super::store;
use super::*;
use crate::window::rfc3339;

fn tz(name: &str) -> TimeZone {
    TimeZone::get(name).unwrap()
}

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

/// Midnight of `date` in `zone`, as an instant.
fn midnight(date: &str, zone: &str) -> Timestamp {
    date.parse::<jiff::civil::Date>()
        .unwrap()
        .to_zoned(tz(zone))
        .unwrap()
        .start_of_day()
        .unwrap()
        .timestamp()
}

fn days(from: &str, to: &str, zone: &str) -> Vec<Window> {
    windows(
        Period::Day,
        &tz(zone),
        midnight(from, zone),
        midnight(to, zone),
    )
    .unwrap()
}

fn record(name: &str, w: &Window, attempt: u32, state: State) -> Record {
    Record {
        run: crate::render::names::run_name(name, w, attempt),
        kind: Kind::Job,
        name: name.into(),
        workflow_run: None,
        window_start: rfc3339(&w.start),
        window_end: rfc3339(&w.end),
        state,
        attempt,
        trigger: "cron".into(),
        started_by: Some("cron".into()),
        cancelled_by: None,
        started: Some(w.end.timestamp()),
        finished: Some(w.end.timestamp() + jiff::SignedDuration::from_secs(61)),
        exit_code: Some(0),
        backfill: None,
    }
}

#[test]
fn days_across_daylight_saving_changes_are_23_and_25_hours() {
    let ws = days("2026-03-28", "2026-03-31", "Europe/Paris");
    let hours: Vec<i64> = ws.iter().map(|w| w.length().as_hours()).collect();
    assert_eq!(hours, vec![24, 23, 24]);
    let ws = days("2026-10-24", "2026-10-27", "Europe/Paris");
    let hours: Vec<i64> = ws.iter().map(|w| w.length().as_hours()).collect();
    assert_eq!(hours, vec![24, 25, 24]);
}

#[test]
fn a_range_that_starts_mid_period_starts_at_the_period() {
    // Weeks run Monday to Monday: a range from a Wednesday starts on that week's Monday.
    let ws = windows(
        Period::Week,
        &TimeZone::UTC,
        ts("2026-11-04T00:00:00Z"),
        ts("2026-11-20T00:00:00Z"),
    )
    .unwrap();
    let starts: Vec<String> = ws.iter().map(|w| rfc3339(&w.start)).collect();
    assert_eq!(
        starts,
        [
            "2026-11-02T00:00:00+00:00",
            "2026-11-09T00:00:00+00:00",
            "2026-11-16T00:00:00+00:00"
        ]
    );
    let months = windows(
        Period::Month,
        &tz("America/New_York"),
        midnight("2026-01-15", "America/New_York"),
        midnight("2026-04-01", "America/New_York"),
    )
    .unwrap();
    assert_eq!(months.len(), 3);
    assert_eq!(rfc3339(&months[2].end), "2026-04-01T00:00:00-04:00");
}

#[test]
fn hours_across_fall_back_are_25_windows_in_a_day() {
    let zone = "America/New_York";
    let ws = windows(
        Period::Hour,
        &tz(zone),
        midnight("2026-11-01", zone),
        midnight("2026-11-02", zone),
    )
    .unwrap();
    assert_eq!(ws.len(), 25);
    assert!(ws.iter().all(|w| w.length().as_hours() == 1));
}

#[test]
fn a_day_without_a_midnight_starts_at_one() {
    // Havana springs forward at midnight on 2026-03-08.
    let ws = days("2026-03-07", "2026-03-10", "America/Havana");
    let starts: Vec<String> = ws
        .iter()
        .map(|w| w.start.strftime("%d %H:%M").to_string())
        .collect();
    assert_eq!(starts, ["07 00:00", "08 01:00", "09 00:00"]);
}

proptest::proptest! {
    /// Windows are consecutive, each exactly one period (the one before its end), and
    /// together they cover the range.
    #[test]
    fn windows_are_whole_consecutive_periods(
        start in 1_700_000_000i64..1_900_000_000,
        len in 1i64..(90 * 86_400),
        p in 0usize..4,
        z in 0usize..4,
    ) {
        let period = [Period::Hour, Period::Day, Period::Week, Period::Month][p];
        // (Lord Howe's half-hour DST shift makes an hour that starts at 02:30: not covered.)
        let zone = ["UTC", "Europe/Paris", "America/New_York", "Asia/Kolkata"][z];
        let (a, b) = (Timestamp::from_second(start).unwrap(), Timestamp::from_second(start + len).unwrap());
        let ws = windows(period, &tz(zone), a, b).unwrap();
        proptest::prop_assert!(ws[0].start.timestamp() <= a);
        proptest::prop_assert!(ws.last().unwrap().end.timestamp() >= b);
        for pair in ws.windows(2) {
            proptest::prop_assert_eq!(&pair[0].end, &pair[1].start);
        }
        for w in &ws {
            let inside = w.end.checked_add(jiff::SignedDuration::from_secs(1)).unwrap();
            proptest::prop_assert_eq!(&period.preceding(&inside).unwrap(), w);
        }
    }
}

#[test]
fn a_record_is_compact_and_reads_back() {
    let w = &days("2026-11-22", "2026-11-23", "America/Los_Angeles")[0];
    let r = record("daily-averages", w, 1, State::Completed);
    let (key, value) = store::entry(&r);
    assert_eq!(key, "daily-averages-20261122-1d-a1");
    assert!(value.len() < 260, "{} bytes: {value}", value.len());
    assert!(!value.contains("null"), "{value}");
    assert_eq!(serde_json::from_str::<Record>(&value).unwrap(), r);
}

#[test]
fn states_map_to_one_vocabulary() {
    use crate::run::RunState::*;
    assert_eq!(State::of_run(Succeeded), State::Completed);
    assert_eq!(State::of_run(Failed), State::Failed);
    assert_eq!(State::of_run(Cancelled), State::Cancelled);
    assert_eq!(State::of_run(Interrupted), State::Cancelled);
    assert_eq!(State::of_run(Pending), State::Running);
    assert_eq!(State::of_word("Succeeded"), State::Completed);
    assert_eq!(State::of_word("LOST"), State::Cancelled);
    assert_eq!(State::of_word("UPSTREAM_FAILED"), State::Cancelled);
    assert_eq!(State::of_word("FAILED"), State::Failed);
}

#[test]
fn a_jobs_record_comes_from_its_summary() {
    let job: Job = serde_saphyr::from_str(
        r#"
metadata:
  name: ingest-20261122-1d-a2
  labels: {etl.dev/job: ingest, etl.dev/attempt: "2", etl.dev/trigger: backfill}
  annotations:
    etl.dev/window-start: "2026-11-22T00:00:00+00:00"
    etl.dev/window-end: "2026-11-23T00:00:00+00:00"
    etl.dev/started-by: ana
    etl.dev/cancelled-by: bo
spec: {template: {}}
status: {startTime: "2026-11-23T10:00:00Z"}
"#,
    )
    .unwrap();
    let r = Record::from_job(&job).unwrap();
    assert_eq!(r.kind, Kind::Job);
    assert_eq!(r.state, State::Cancelled);
    assert_eq!(r.attempt, 2);
    assert_eq!(r.trigger, "backfill");
    assert_eq!(r.cancelled_by.as_deref(), Some("bo"));
    assert_eq!(r.started, Some(ts("2026-11-23T10:00:00Z")));
}

#[test]
fn local_runs_become_records_with_their_attempt() {
    let local = LocalRun {
        run: "j-20261122-1d-a3".into(),
        job: "j".into(),
        window_start: "2026-11-22T00:00:00+00:00".into(),
        window_end: "2026-11-23T00:00:00+00:00".into(),
        trigger: "local".into(),
        started_by: "ana".into(),
        started_at: ts("2026-11-23T10:00:00Z"),
        state: "Failed".into(),
        exit_code: Some(2),
        duration_seconds: Some(1.5),
        pid: None,
        mode: "process".into(),
    };
    let r = Record::from_local(&local);
    assert_eq!(
        (r.attempt, r.state, r.exit_code),
        (3, State::Failed, Some(2))
    );
    assert_eq!(r.finished, Some(ts("2026-11-23T10:00:01.5Z")));
    assert_eq!(attempt_of("wf-20261122-1d-a1-task-r2"), 2);
    assert_eq!(attempt_of("wf-20261122-1d-a1-task"), 1);
}

#[test]
fn merging_keeps_one_record_per_run_the_finished_one() {
    let w = &days("2026-11-22", "2026-11-23", "UTC")[0];
    let running = record("j", w, 1, State::Running);
    let done = record("j", w, 1, State::Completed);
    let merged = merge([done.clone(), running.clone()]);
    assert_eq!(merged, vec![done.clone()]);
    let merged = merge([running, done.clone()]);
    assert_eq!(merged, vec![done]);
}

#[test]
fn merging_orders_by_window_then_name_and_the_later_of_equals_wins() {
    let ws = days("2026-11-20", "2026-11-23", "UTC");
    let first = record("j", &ws[1], 1, State::Completed);
    let again = Record {
        started_by: Some("ana".into()),
        ..first.clone()
    };
    let other = record("a", &ws[1], 1, State::Failed);
    let older = record("z", &ws[0], 1, State::Completed);
    let newer = record("b", &ws[2], 1, State::Running);
    let merged = merge([
        newer.clone(),
        first,
        other.clone(),
        again.clone(),
        older.clone(),
    ]);
    assert_eq!(merged, vec![older, other, again, newer]);
}

#[test]
fn history_config_maps_are_per_name_and_year_and_writing_twice_is_one_key() {
    let w = &days("2026-11-22", "2026-11-23", "America/Los_Angeles")[0];
    let r = record("daily-averages", w, 1, State::Completed);
    assert_eq!(
        store::config_map_name_of("air-quality", &r),
        "air-quality-history-daily-averages-2026"
    );
    let hour = windows(
        Period::Hour,
        &TimeZone::UTC,
        ts("2026-11-22T05:00:00Z"),
        ts("2026-11-22T06:00:00Z"),
    )
    .unwrap();
    let h = record("hourly", &hour[0], 1, State::Completed);
    assert_eq!(
        store::config_map_name_of("air-quality", &h),
        "air-quality-history-hourly-202611"
    );
    let mut cm = store::config_map("air-quality", "ns", &r);
    let patch = store::add_patch("air-quality", &r);
    // Applying the patch to the object that already has the record changes nothing.
    let data = cm.data.as_mut().unwrap();
    for (k, v) in patch["data"].as_object().unwrap() {
        data.insert(k.clone(), v.as_str().unwrap().to_string());
    }
    assert_eq!(data.len(), 1);
    assert_eq!(store::records_of(&cm), vec![r]);
    let labels = cm.metadata.labels.unwrap();
    assert_eq!(labels["etl.dev/kind"], "history");
    assert_eq!(labels["etl.dev/history-of"], "daily-averages");
}

#[test]
fn a_year_of_daily_records_for_20_jobs_stays_small() {
    let ws = days("2026-01-01", "2027-01-01", "America/Los_Angeles");
    let mut biggest = 0;
    let mut total = 0;
    for j in 0..20 {
        let name = format!("job-number-{j:02}");
        let mut cm = store::config_map(
            "air-quality",
            "ns",
            &record(&name, &ws[0], 1, State::Completed),
        );
        let data = cm.data.as_mut().unwrap();
        for w in &ws {
            let (k, v) = store::entry(&record(&name, w, 1, State::Completed));
            data.insert(k, v);
        }
        let bytes = serde_json::to_vec(&cm).unwrap().len();
        biggest = biggest.max(bytes);
        total += bytes;
    }
    let per_run = total / (20 * ws.len());
    // Well under 1 KB a run, as the issue asks (~310 bytes: the key, the escaped JSON).
    assert!(per_run < 400, "{per_run} bytes a run");
    // etcd's limit is ~1.5 MiB a value; a ConfigMap's data at most 1 MiB.
    assert!(biggest < 150_000, "{biggest} bytes in one ConfigMap");
}

#[test]
fn selection_against_history() {
    let ws = days("2026-11-01", "2026-11-07", "UTC");
    let records = vec![
        record("j", &ws[0], 1, State::Completed),
        record("j", &ws[1], 1, State::Failed),
        record("j", &ws[2], 1, State::Completed),
        record("j", &ws[2], 2, State::Cancelled),
        record("j", &ws[3], 1, State::Running),
        // Another job's and a task's records do not count.
        record("other", &ws[4], 1, State::Completed),
        Record {
            kind: Kind::Task,
            ..record("j", &ws[4], 1, State::Completed)
        },
    ];
    let index = ByWindow::new(&records, Kind::Job, "j");
    let picked = |only| {
        select(ws.clone(), &index, only)
            .selected()
            .map(|p| (p.window.start.day(), p.attempt))
            .collect::<Vec<_>>()
    };
    // Missing: never completed (day 2 failed, days 5 and 6 never ran); day 4 runs: left alone.
    assert_eq!(picked(Only::Missing), vec![(2, 2), (5, 1), (6, 1)]);
    // Failed: the last attempt failed or was cancelled.
    assert_eq!(picked(Only::Failed), vec![(2, 2), (3, 3)]);
    assert_eq!(
        picked(Only::All),
        vec![(1, 2), (2, 2), (3, 3), (5, 1), (6, 1)]
    );
    let plan = select(ws.clone(), &index, Only::Missing);
    assert_eq!(
        plan.windows[2].standing,
        Standing::Failed {
            ever_completed: true
        }
    );
    assert_eq!(
        plan.summary(3),
        "6 windows: 1 completed (skipped), 2 failed (1 to run again), 2 missing, \
         1 running (left alone) → 3 runs, 3 at a time"
    );
}

#[test]
fn the_summary_reads_as_the_issue_says() {
    let ws = days("2026-10-01", "2026-11-01", "UTC");
    let mut records = Vec::new();
    for (i, w) in ws.iter().enumerate() {
        match i {
            0..25 => records.push(record("j", w, 1, State::Completed)),
            25..29 => records.push(record("j", w, 1, State::Failed)),
            _ => {}
        }
    }
    let plan = select(ws, &ByWindow::new(&records, Kind::Job, "j"), Only::Missing);
    assert_eq!(
        plan.summary(3),
        "31 windows: 25 completed (skipped), 4 failed, 2 missing → 6 runs, 3 at a time"
    );
}

#[test]
fn planning_ten_years_of_days_is_fast() {
    let ws = days("2016-01-01", "2026-01-01", "Europe/Paris");
    assert_eq!(ws.len(), 3653);
    let records: Vec<Record> = ws
        .iter()
        .step_by(2)
        .map(|w| record("j", w, 1, State::Completed))
        .collect();
    let plan = select(
        days("2016-01-01", "2026-01-01", "Europe/Paris"),
        &ByWindow::new(&records, Kind::Job, "j"),
        Only::Missing,
    );
    // Every other day ran: the others are the plan (the time it takes is `cargo bench`'s).
    assert_eq!(plan.selected().count(), 3653 / 2);
    assert!(plan.selected().all(|p| p.standing == Standing::Missing));
}

fn window(start: &str, end: &str) -> Window {
    Window {
        start: ts(start).to_zoned(TimeZone::UTC),
        end: ts(end).to_zoned(TimeZone::UTC),
    }
}

#[test]
fn a_window_no_run_had_exactly_is_read_from_the_runs_covering_it() {
    let ws = days("2026-11-01", "2026-11-15", "UTC");
    // Days 1–7 completed one by one; days 8–9 failed; day 10 runs; 11–14 never ran.
    let mut records: Vec<Record> = ws[..7]
        .iter()
        .map(|w| record("j", w, 1, State::Completed))
        .collect();
    records.push(record("j", &ws[7], 1, State::Failed));
    records.push(record("j", &ws[8], 1, State::Failed));
    records.push(record("j", &ws[9], 1, State::Running));
    let index = ByWindow::new(&records, Kind::Job, "j");
    let week = |s: &str, e: &str| index.standing(&window(s, e));
    assert_eq!(
        week("2026-11-01T00:00:00Z", "2026-11-08T00:00:00Z"),
        Standing::Completed
    );
    // Partly completed and partly failed: it needs a run, as failed.
    assert_eq!(
        week("2026-11-05T00:00:00Z", "2026-11-10T00:00:00Z"),
        Standing::Failed {
            ever_completed: false
        }
    );
    assert_eq!(
        week("2026-11-09T00:00:00Z", "2026-11-12T00:00:00Z"),
        Standing::Running
    );
    assert_eq!(
        week("2026-11-11T00:00:00Z", "2026-11-15T00:00:00Z"),
        Standing::Missing
    );
    // Half a day inside a completed day is completed; the hour touching a missing day is not.
    assert_eq!(
        week("2026-11-03T06:00:00Z", "2026-11-03T18:00:00Z"),
        Standing::Completed
    );
    assert_eq!(
        week("2026-11-07T23:00:00Z", "2026-11-08T01:00:00Z"),
        Standing::Failed {
            ever_completed: false
        }
    );

    // The other way round: a week-long run covers each of its days in the calendar.
    let weekly = vec![record(
        "j",
        &window("2026-11-02T00:00:00Z", "2026-11-09T00:00:00Z"),
        1,
        State::Completed,
    )];
    let rows = calendar::rows(
        &[target("j", &TimeZone::UTC, None)],
        &ByTarget::of(&weekly),
        ts("2026-11-01T00:00:00Z"),
        ts("2026-11-10T00:00:00Z"),
        ts("2026-11-20T00:00:00Z"),
    )
    .unwrap();
    let cells: Vec<Cell> = rows[0].windows.iter().map(|c| c.state).collect();
    use Cell::*;
    assert_eq!(
        cells,
        [NoRun, Done, Done, Done, Done, Done, Done, Done, NoRun]
    );
}

#[test]
fn a_list_page_reads_straight_into_records() {
    let ws = days("2026-11-01", "2026-11-03", "UTC");
    let a = record("j", &ws[0], 1, State::Completed);
    let b = record("j", &ws[1], 2, State::Failed);
    let cm = store::config_map("p", "default", &a);
    let mut cm2 = store::config_map("p", "default", &b);
    // A value that is not a record (edited by hand) is left out, never fatal.
    cm2.data
        .as_mut()
        .unwrap()
        .insert("junk".into(), "{not a record".into());
    let empty = k8s_openapi::api::core::v1::ConfigMap::default();
    let text = serde_json::json!({
        "kind": "ConfigMapList", "apiVersion": "v1",
        "metadata": {"resourceVersion": "7", "continue": "next"},
        "items": [cm, cm2, empty],
    })
    .to_string();
    let page: store::Page = serde_json::from_str(&text).unwrap();
    assert_eq!(page.metadata.continue_.as_deref(), Some("next"));
    assert_eq!(page.records().collect::<Vec<_>>(), vec![a, b]);
}

fn target<'a>(name: &'a str, zone: &'a TimeZone, schedule: Option<&'a str>) -> Target<'a> {
    Target {
        name,
        kind: Kind::Job,
        period: Period::Day,
        tz: zone,
        timezone: zone.iana_name().unwrap_or("UTC"),
        schedule,
    }
}

#[test]
fn a_due_window_of_a_scheduled_job_with_no_run_is_missing() {
    let paris = tz("Europe/Paris");
    let ws = days("2026-10-20", "2026-10-28", "Europe/Paris");
    let records = vec![
        record("j", &ws[0], 1, State::Completed),
        record("j", &ws[1], 1, State::Failed),
        record("j", &ws[3], 1, State::Running),
    ];
    // 01:30 in Paris on the 27th: the run for the 26th fires at 02:00, so it is not due yet.
    let now = ts("2026-10-27T00:30:00Z");
    let rows = calendar::rows(
        &[
            target("j", &paris, Some("0 2 * * *")),
            target("k", &paris, None),
        ],
        &ByTarget::of(&records),
        midnight("2026-10-20", "Europe/Paris"),
        midnight("2026-10-28", "Europe/Paris"),
        now,
    )
    .unwrap();
    let cells: Vec<Cell> = rows[0].windows.iter().map(|c| c.state).collect();
    use Cell::*;
    assert_eq!(
        cells,
        [
            Done, Failed, Missing, Running, Missing, Missing, NotDue, NotDue
        ]
    );
    let cells: Vec<Cell> = rows[1].windows.iter().map(|c| c.state).collect();
    assert_eq!(
        cells,
        [NoRun, NoRun, NoRun, NoRun, NoRun, NoRun, NoRun, NotDue]
    );
    let text = calendar::render(&rows, false);
    insta::assert_snapshot!(text);
}

#[test]
fn backfill_objects_read_back_and_start_oldest_first_up_to_parallel() {
    let ws = days("2026-11-01", "2026-11-06", "UTC");
    let spec = backfill::Spec::new(Kind::Job, "j", &ws, 2, Only::Missing);
    let range = Window::new(ws[0].start.clone(), ws[4].end.clone()).unwrap();
    let name = backfill::name("j", &range, Only::Missing, None);
    assert_eq!(name, "j-backfill-20261101-20261106-missing");
    // Another --step is another backfill; the same one is found again.
    assert_eq!(
        backfill::name("j", &range, Only::Missing, Some("1W")),
        "j-backfill-20261101-20261106-missing-1w"
    );
    let cm = backfill::config_map("p", "ns", &name, &spec, "ana", ts("2026-11-23T10:00:00Z"));
    let b = backfill::read(&cm).unwrap();
    assert_eq!(b.spec, spec);
    assert_eq!(b.started_by.as_deref(), Some("ana"));
    assert_eq!(b.spec.windows[0][0], "2026-11-01T00:00:00+00:00");
    use Progress::*;
    let p = [Completed, Running, Waiting, Waiting, Waiting];
    assert_eq!(backfill::to_start(&spec, &p, false, false), vec![2]);
    assert!(backfill::to_start(&spec, &p, true, false).is_empty());
    assert!(backfill::to_start(&spec, &p, false, true).is_empty());
    assert_eq!(backfill::outcome(&p, false), None);
    assert_eq!(
        backfill::outcome(&[Completed, Failed], false),
        Some("FAILED")
    );
    assert_eq!(
        backfill::outcome(&[Completed, Waiting], true),
        Some("CANCELLED")
    );
    assert_eq!(
        backfill::outcome(&[Completed, Completed], false),
        Some("COMPLETED")
    );
    assert_eq!(
        backfill::progress_line(&p),
        "1/5 done, 0 failed, 1 running, 3 waiting"
    );
}

proptest::proptest! {
    /// Whatever the runs' progress, starting what `to_start` says never makes more than
    /// `parallel` unfinished, and never starts a window twice.
    #[test]
    fn a_backfill_never_runs_more_than_parallel(
        parallel in 1u32..5,
        states in proptest::collection::vec(0u8..4, 1..40),
    ) {
        let ws = days("2026-01-01", "2026-03-01", "UTC");
        let spec = backfill::Spec::new(Kind::Job, "j", &ws[..states.len()], parallel, Only::All);
        let mut p: Vec<Progress> = states.iter().map(|s| match s {
            0 => Progress::Waiting, 1 => Progress::Running, 2 => Progress::Completed, _ => Progress::Failed,
        }).collect();
        let running_before = p.iter().filter(|x| **x == Progress::Running).count();
        let start = backfill::to_start(&spec, &p, false, false);
        for &i in &start {
            proptest::prop_assert_eq!(p[i], Progress::Waiting);
            p[i] = Progress::Running;
        }
        let running = p.iter().filter(|x| **x == Progress::Running).count();
        proptest::prop_assert!(running <= (parallel as usize).max(running_before));
    }
}
