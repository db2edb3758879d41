//! The calendar `etl history` draws: one row per job or workflow, one cell per window of its
//! period in its time zone, each window in one state — done, failed, running, missing (a due
//! window of a scheduled job with no run: what an audit looks for), no run (a window of a job
//! without a schedule that nobody ran) or not due yet. Pure: records, "now" and the range are
//! arguments.

use super::plan::{ByTarget, ByWindow, Standing};
use super::{Kind, windows};
use crate::window::{Period, Window, WindowError, rfc3339};
use foldhash::{HashMap, HashMapExt};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde::Serialize;

/// One window's state in the calendar.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Cell {
    Done,
    /// The last attempt failed or was cancelled.
    Failed,
    Running,
    /// Due (the schedule fired for it) and no run.
    Missing,
    /// No run, and no schedule that would have made one.
    NoRun,
    /// The window has not ended, or its scheduled time has not come.
    NotDue,
}

impl Cell {
    const ALL: [Cell; 6] = [
        Cell::Done,
        Cell::Failed,
        Cell::Running,
        Cell::Missing,
        Cell::NoRun,
        Cell::NotDue,
    ];

    pub fn symbol(self) -> char {
        match self {
            Cell::Done => '#',
            Cell::Failed => 'x',
            Cell::Running => '>',
            Cell::Missing => '!',
            Cell::NoRun => '.',
            Cell::NotDue => ' ',
        }
    }

    pub fn word(self) -> &'static str {
        match self {
            Cell::Done => "done",
            Cell::Failed => "failed",
            Cell::Running => "running",
            Cell::Missing => "missing",
            Cell::NoRun => "no run",
            Cell::NotDue => "not due yet",
        }
    }

    /// The ANSI colour of the cell on a terminal.
    fn color(self) -> &'static str {
        match self {
            Cell::Done => "\x1b[32m",
            Cell::Failed => "\x1b[31m",
            Cell::Running => "\x1b[33m",
            Cell::Missing => "\x1b[1;35m",
            Cell::NoRun => "\x1b[2m",
            Cell::NotDue => "",
        }
    }
}

/// A job or workflow as the calendar needs it.
#[derive(Clone, Debug)]
pub struct Target<'a> {
    pub name: &'a str,
    pub kind: Kind,
    pub period: Period,
    pub tz: &'a TimeZone,
    pub timezone: &'a str,
    pub schedule: Option<&'a str>,
}

/// One row: a target's windows over the range, each with its state and its last run.
#[derive(Clone, Debug, Serialize)]
pub struct Row {
    pub name: String,
    pub kind: Kind,
    pub window: Period,
    pub timezone: String,
    pub schedule: Option<String>,
    pub windows: Vec<CellOf>,
}

#[derive(Clone, Debug)]
pub struct CellOf {
    pub window: Window,
    pub state: Cell,
    /// The window's last run.
    pub run: Option<String>,
}

/// `{start, end, state, run}`, the window as RFC 3339: written only for `-o json`, so the
/// calendar's text never formats 36,500 timestamps it does not show.
impl Serialize for CellOf {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("CellOf", 4)?;
        st.serialize_field("start", &rfc3339(&self.window.start))?;
        st.serialize_field("end", &rfc3339(&self.window.end))?;
        st.serialize_field("state", &self.state)?;
        st.serialize_field("run", &self.run)?;
        st.end()
    }
}

/// The rows of `targets` over `[start, end)`, against the history's index, at `now`. Task
/// records do not fill a job's row: a task runs its job with the workflow's overrides, so it
/// is the workflow's window that it completes. A window no run had exactly is read from the
/// runs that cover it (a job backfilled a week per run shows each day done).
pub fn rows(
    targets: &[Target],
    index: &ByTarget,
    start: Timestamp,
    end: Timestamp,
    now: Timestamp,
) -> Result<Vec<Row>, WindowError> {
    let none = ByWindow::default();
    let mut out = Vec::with_capacity(targets.len());
    for t in targets {
        let index = index.get(t.kind, t.name).unwrap_or(&none);
        let ws = windows(t.period, t.tz, start, end)?;
        let due = due_count(&ws, t, now);
        let cells = ws
            .into_iter()
            .enumerate()
            .map(|(i, w)| {
                let state = match index.standing(&w) {
                    Standing::Completed => Cell::Done,
                    Standing::Failed { .. } => Cell::Failed,
                    Standing::Running => Cell::Running,
                    Standing::Missing if i >= due => Cell::NotDue,
                    Standing::Missing if t.schedule.is_some() => Cell::Missing,
                    Standing::Missing => Cell::NoRun,
                };
                CellOf {
                    run: index.get(&w).map(|l| l.run.clone()),
                    window: w,
                    state,
                }
            })
            .collect();
        out.push(Row {
            name: t.name.to_string(),
            kind: t.kind,
            window: t.period,
            timezone: t.timezone.to_string(),
            schedule: t.schedule.map(str::to_string),
            windows: cells,
        });
    }
    Ok(out)
}

/// How many of `ws` (oldest first) are due at `now`: a window is due once it has ended and,
/// for a scheduled target, once the schedule has fired for it (its first fire after the
/// window's end). Due windows are a prefix, found by bisection: a few cron look-ups per row,
/// not one per window.
fn due_count(ws: &[Window], t: &Target, now: Timestamp) -> usize {
    // Parsed once per row, not once per look-up.
    let cron: Option<Option<croner::Cron>> = t.schedule.map(|s| s.parse().ok());
    let is_due = |w: &Window| {
        if w.end.timestamp() > now {
            return false;
        }
        match &cron {
            None => true,
            Some(cron) => {
                let just_before = w.end.timestamp() - jiff::SignedDuration::from_secs(1);
                cron.as_ref()
                    .and_then(|c| crate::run::schedule::next_of(c, t.tz, just_before))
                    .is_some_and(|fire| fire.timestamp() <= now)
            }
        }
    };
    ws.partition_point(is_due)
}

/// Totals of one row or of all: "31 windows: 25 done, 4 failed, 2 missing".
pub fn totals<'a>(cells: impl IntoIterator<Item = &'a CellOf>) -> String {
    let mut counts: HashMap<Cell, usize> = HashMap::new();
    let mut n = 0;
    for c in cells {
        *counts.entry(c.state).or_default() += 1;
        n += 1;
    }
    let parts: Vec<String> = Cell::ALL
        .iter()
        .filter_map(|c| counts.get(c).map(|k| format!("{k} {}", c.word())))
        .collect();
    format!(
        "{n} window{}: {}",
        if n == 1 { "" } else { "s" },
        if parts.is_empty() {
            "none".into()
        } else {
            parts.join(", ")
        }
    )
}

/// The legend line.
pub fn legend(color: bool) -> String {
    let parts: Vec<String> = Cell::ALL
        .iter()
        .map(|c| {
            let sym = if *c == Cell::NotDue {
                "(blank)".to_string()
            } else {
                paint(*c, color)
            };
            format!("{sym} {}", c.word())
        })
        .collect();
    parts.join("  ")
}

fn paint(c: Cell, color: bool) -> String {
    if color && !c.color().is_empty() {
        format!("{}{}\x1b[0m", c.color(), c.symbol())
    } else {
        c.symbol().to_string()
    }
}

/// Which line of its row a window is drawn on, and its column there: a line per day for
/// hourly windows, per month for daily ones, per year for weeks and months. Columns follow
/// the calendar (the 1st of a month is column 0), so lines compare at a glance.
fn line_of(w: &Window, period: Period) -> (String, usize) {
    let s = &w.start;
    match period {
        Period::Hour => {
            let day_start = s
                .start_of_day()
                .map(|d| d.timestamp())
                .unwrap_or(s.timestamp());
            let col = s.timestamp().duration_since(day_start).as_hours().max(0) as usize;
            (s.strftime("%Y-%m-%d").to_string(), col)
        }
        Period::Day => (
            s.strftime("%Y-%m").to_string(),
            usize::from(s.day().unsigned_abs()) - 1,
        ),
        Period::Week => {
            let first = s.date().first_of_year();
            let col = first.until(s.date()).map_or(0, |d| d.get_days() / 7) as usize;
            (s.strftime("%Y").to_string(), col)
        }
        Period::Month => (
            s.strftime("%Y").to_string(),
            usize::from(s.month().unsigned_abs()) - 1,
        ),
    }
}

/// The column numbers above a row's lines: days of the month, hours of the day, weeks of the
/// year, months of the year.
fn ruler(period: Period) -> String {
    let marks: &[(usize, &str)] = match period {
        Period::Hour => &[(0, "0h"), (6, "6"), (12, "12"), (18, "18")],
        Period::Day => &[(0, "1"), (9, "10"), (19, "20"), (29, "30")],
        Period::Week => &[
            (0, "w1"),
            (9, "10"),
            (19, "20"),
            (29, "30"),
            (39, "40"),
            (49, "50"),
        ],
        Period::Month => &[(0, "JFMAMJJASOND")],
    };
    let mut line = String::new();
    for (col, text) in marks {
        while line.len() < *col {
            line.push(' ');
        }
        line.push_str(text);
    }
    line
}

/// The calendar as text: the legend, then each row — a heading, a line per day, month or
/// year of cells, the row's totals — then the totals of all rows.
pub fn render(rows: &[Row], color: bool) -> String {
    let mut out = String::new();
    out.push_str(&legend(color));
    out.push('\n');
    for row in rows {
        out.push('\n');
        let mut head = format!(
            "{}  {}, {} windows, {}",
            row.name,
            row.kind.as_str(),
            row.window.as_str(),
            row.timezone
        );
        match &row.schedule {
            Some(s) => head.push_str(&format!(", schedule {s}")),
            None => head.push_str(", no schedule"),
        }
        out.push_str(&head);
        out.push('\n');
        let mut lines: Vec<(String, Vec<Cell>)> = Vec::new();
        for c in &row.windows {
            let (label, col) = line_of(&c.window, row.window);
            if lines.last().is_none_or(|(l, _)| *l != label) {
                lines.push((label, Vec::new()));
            }
            let cells = &mut lines.last_mut().expect("just pushed").1;
            // Pad to the window's column (a range that starts mid-month); a window in a
            // column already taken (a 25-hour day's repeated hour) goes next.
            while cells.len() < col {
                cells.push(Cell::NotDue);
            }
            cells.push(c.state);
        }
        out.push_str(format!("  {:<10}  {}", "", ruler(row.window)).trim_end());
        out.push('\n');
        for (label, cells) in lines {
            let drawn: String = cells.iter().map(|c| paint(*c, color)).collect();
            out.push_str(format!("  {label:<10}  {drawn}").trim_end());
            out.push('\n');
        }
        out.push_str(&format!("  {}\n", totals(&row.windows)));
    }
    if rows.len() > 1 {
        out.push_str(&format!(
            "\ntotal: {}\n",
            totals(rows.iter().flat_map(|r| &r.windows))
        ));
    }
    out
}
