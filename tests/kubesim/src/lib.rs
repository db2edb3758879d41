//! kubesim: a Kubernetes API test server over HTTP on 127.0.0.1 that runs pods as local
//! processes. Test infrastructure for etl; see README.md.

pub mod admin;
pub mod apply;
pub mod clock;
pub mod config;
pub mod controllers;
pub mod error;
pub mod logs;
pub mod meta;
pub mod protobuf;
pub mod resources;
pub mod selector;
pub mod server;
pub mod store;
pub mod table;
pub mod validate;

use config::Config;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use std::io::Write;
use std::sync::Arc;

/// Serves until SIGTERM or SIGINT, then kills every pod process.
pub async fn run(cfg: Config) -> Result<(), String> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", cfg.port))
        .await
        .map_err(|e| format!("cannot listen on 127.0.0.1:{}: {e}", cfg.port))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let url = format!("http://{addr}");
    if let Some(path) = &cfg.kubeconfig {
        std::fs::write(path, config::kubeconfig(&url))
            .map_err(|e| format!("cannot write kubeconfig {}: {e}", path.display()))?;
    }
    let workdir = match &cfg.workdir {
        Some(d) => d.clone(),
        None => std::env::current_dir().map_err(|e| e.to_string())?,
    };
    let clock = Arc::new(clock::Clock::starting_at(cfg.start_time));
    let verbose = cfg.verbose || std::env::var_os("KUBESIM_VERBOSE").is_some_and(|v| v == "1");
    let state = Arc::new(server::State::new(clock, addr.to_string(), verbose));
    let kubelet = Arc::new(controllers::kubelet::Kubelet::new(workdir));
    tokio::spawn(controllers::run(state.clone(), kubelet.clone()));

    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .map_err(|e| e.to_string())?;
    let mut int = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())
        .map_err(|e| e.to_string())?;
    println!("listening on {url}");
    std::io::stdout().flush().map_err(|e| e.to_string())?;
    eprintln!("kubesim: serving the Kubernetes API on {url}");
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let _ = stream.set_nodelay(true);
                let state = state.clone();
                tokio::spawn(async move {
                    let svc = service_fn(move |req| server::handle(state.clone(), req));
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), svc)
                        .await;
                });
            }
            _ = term.recv() => break,
            _ = int.recv() => break,
        }
    }
    eprintln!("kubesim: stopping, killing pod processes");
    kubelet.kill_all().await;
    Ok(())
}
