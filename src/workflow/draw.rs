//! The DAG as text: levels with arrows for a terminal, and Graphviz `dot`. Pure.

use super::Dag;
use std::fmt::Write;

/// One line per task, grouped by level (tasks of one level can run at once), each with the
/// tasks it runs after and a note (`notes[i]` for task i, may be empty):
///
/// ```text
/// level 1  ingest
/// level 2  calibrate      <- ingest
/// level 3  averages-no2   <- calibrate   job daily-averages
///          averages-pm25  <- calibrate   job daily-averages
/// ```
pub fn levels_text(dag: &Dag, notes: &[String]) -> String {
    let levels = dag.levels();
    let depth = levels.iter().copied().max().unwrap_or(0);
    let name_width = dag.nodes().iter().map(|n| n.name.len()).max().unwrap_or(0);
    let afters: Vec<String> = dag
        .nodes()
        .iter()
        .map(|n| {
            n.after
                .iter()
                .map(|&a| dag.node(a).name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        })
        .collect();
    let after_width = afters.iter().map(String::len).max().unwrap_or(0);
    let label_width = format!("level {}", depth + 1).len();
    let mut out = String::new();
    for level in 0..=depth {
        let mut first = true;
        for &id in dag.order() {
            if levels[id] != level {
                continue;
            }
            let label = if first {
                format!("level {}", level + 1)
            } else {
                String::new()
            };
            first = false;
            let name = &dag.node(id).name;
            let mut line = format!("{label:label_width$}  {name:name_width$}");
            if after_width > 0 {
                let arrow = if afters[id].is_empty() { "  " } else { "<-" };
                let _ = write!(line, "  {arrow} {:after_width$}", afters[id]);
            }
            if let Some(note) = notes.get(id).filter(|n| !n.is_empty()) {
                let _ = write!(line, "  {note}");
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
    }
    out
}

/// The DAG in Graphviz's language: `etl workflows show WF --dot | dot -Tsvg > wf.svg`.
pub fn dot(name: &str, dag: &Dag, notes: &[String]) -> String {
    let q = |s: &str| format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""));
    let mut out = format!(
        "digraph {} {{\n  rankdir=LR;\n  node [shape=box];\n",
        q(name)
    );
    for (id, node) in dag.nodes().iter().enumerate() {
        match notes.get(id).filter(|n| !n.is_empty()) {
            Some(note) => {
                let _ = writeln!(
                    out,
                    "  {} [label={}];",
                    q(&node.name),
                    q(&format!("{}\n{note}", node.name))
                );
            }
            None => {
                let _ = writeln!(out, "  {};", q(&node.name));
            }
        }
    }
    for &id in dag.order() {
        for &a in &dag.node(id).after {
            let _ = writeln!(
                out,
                "  {} -> {};",
                q(&dag.node(a).name),
                q(&dag.node(id).name)
            );
        }
    }
    out.push_str("}\n");
    out
}
