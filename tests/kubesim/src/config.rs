//! Command-line arguments. Pure: parsing only, no file or network access.

use jiff::Timestamp;
use std::path::PathBuf;

pub const USAGE: &str = "\
kubesim: a Kubernetes API test server that runs pods as local processes

Usage: kubesim [--port N] [--kubeconfig PATH] [--workdir DIR] [--start-time RFC3339]

  --port N              port on 127.0.0.1 to listen on (0: any free port; default 0)
  --kubeconfig PATH     write a kubeconfig pointing at this server to PATH; pod
                        processes get KUBECONFIG pointing at it (PATH.<namespace>
                        outside `default`)
  --workdir DIR         directory pod processes start in (default: the current one)
  --start-time TIME     simulated clock start, RFC 3339 (default: now)
  -v, --verbose         log every API request to stderr (also: KUBESIM_VERBOSE=1)

Prints `listening on http://127.0.0.1:PORT` on stdout when ready; logs go to stderr.
";

#[derive(Debug, Default, PartialEq)]
pub struct Config {
    pub port: u16,
    pub kubeconfig: Option<PathBuf>,
    pub workdir: Option<PathBuf>,
    pub start_time: Option<Timestamp>,
    pub verbose: bool,
}

#[derive(Debug, PartialEq)]
pub enum Parsed {
    Run(Config),
    Help,
}

pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Parsed, String> {
    let mut cfg = Config::default();
    let mut it = args.into_iter();
    while let Some(arg) = it.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        if flag == "--help" || flag == "-h" {
            return Ok(Parsed::Help);
        }
        if flag == "--verbose" || flag == "-v" {
            cfg.verbose = true;
            continue;
        }
        let mut value = || {
            inline
                .clone()
                .or_else(|| it.next())
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        match flag.as_str() {
            "--port" => {
                let v = value()?;
                cfg.port = v
                    .parse()
                    .map_err(|_| format!("--port: not a port number: {v}"))?;
            }
            "--kubeconfig" => cfg.kubeconfig = Some(PathBuf::from(value()?)),
            "--workdir" => cfg.workdir = Some(PathBuf::from(value()?)),
            "--start-time" => {
                let v = value()?;
                cfg.start_time = Some(v.parse().map_err(|e| format!("--start-time: {v}: {e}"))?);
            }
            other => return Err(format!("unknown argument {other}\n\n{USAGE}")),
        }
    }
    Ok(Parsed::Run(cfg))
}

/// The kubeconfig for a server at `server` (context and cluster `kubesim`, no auth).
pub fn kubeconfig(server: &str) -> String {
    kubeconfig_in(server, "default")
}

/// The kubeconfig for a server at `server` with `namespace` as the context's namespace.
pub fn kubeconfig_in(server: &str, namespace: &str) -> String {
    format!(
        "apiVersion: v1
kind: Config
clusters:
- name: kubesim
  cluster:
    server: {server}
contexts:
- name: kubesim
  context:
    cluster: kubesim
    namespace: {namespace}
    user: kubesim
current-context: kubesim
users:
- name: kubesim
  user: {{}}
preferences: {{}}
"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(args: &[&str]) -> Result<Parsed, String> {
        parse(args.iter().map(|s| s.to_string()))
    }

    #[test]
    fn parses_flags() {
        let Parsed::Run(c) = p(&[
            "--port",
            "0",
            "--kubeconfig=/tmp/k",
            "--start-time",
            "2025-01-01T00:00:00Z",
        ])
        .unwrap() else {
            panic!("expected run")
        };
        assert_eq!(c.port, 0);
        assert_eq!(c.kubeconfig, Some(PathBuf::from("/tmp/k")));
        assert!(c.start_time.is_some());
        assert_eq!(p(&["--help"]).unwrap(), Parsed::Help);
        assert!(p(&["--port"]).is_err());
        assert!(p(&["--bogus"]).is_err());
        let Parsed::Run(c) = p(&["-v"]).unwrap() else {
            panic!("expected run")
        };
        assert!(c.verbose);
    }
}
