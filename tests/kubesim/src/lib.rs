//! kubesim: a Kubernetes API test server over HTTP on 127.0.0.1 that runs pods as local
//! processes. Test infrastructure for etl; see README.md.

pub mod admin;
pub mod apply;
pub mod body;
pub mod clock;
pub mod config;
pub mod controllers;
pub mod error;
pub mod logs;
pub mod meta;
pub mod protobuf;
pub mod registry;
pub mod resources;
pub mod scale;
pub mod schedule;
pub mod selector;
pub mod server;
pub mod state;
pub mod store;
pub mod table;
pub mod validate;

use config::Config;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use std::io::Write;
use std::sync::Arc;

/// A bound, configured server that has not started serving yet.
struct Prepared {
    listener: tokio::net::TcpListener,
    url: String,
    state: Arc<state::State>,
    kubelet: Arc<controllers::kubelet::Kubelet>,
}

/// Binds 127.0.0.1:port, writes the kubeconfig and starts the controllers.
async fn prepare(cfg: &Config) -> Result<Prepared, String> {
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
    let state = Arc::new(state::State::new(clock, addr.to_string(), verbose));
    let api = cfg
        .kubeconfig
        .clone()
        // Absolute, as pod processes start in another directory.
        .map(|k| std::path::absolute(&k).unwrap_or(k))
        .map(|kubeconfig| controllers::kubelet::ApiAccess {
            kubeconfig,
            url: url.clone(),
        });
    let kubelet = Arc::new(controllers::kubelet::Kubelet::new(workdir, api));
    tokio::spawn(controllers::run(state.clone(), kubelet.clone()));
    Ok(Prepared {
        listener,
        url,
        state,
        kubelet,
    })
}

/// Accepts connections until `stop` completes, then kills every pod process.
async fn serve(p: Prepared, stop: impl std::future::Future<Output = ()>) {
    let mut stop = std::pin::pin!(stop);
    loop {
        tokio::select! {
            accepted = p.listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let _ = stream.set_nodelay(true);
                let state = p.state.clone();
                tokio::spawn(async move {
                    let svc = service_fn(move |req| server::handle(state.clone(), req));
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), svc)
                        .await;
                });
            }
            _ = &mut stop => break,
        }
    }
    p.kubelet.kill_all().await;
}

/// The binary: serves until SIGTERM or SIGINT, then kills every pod process.
pub async fn run(cfg: Config) -> Result<(), String> {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .map_err(|e| e.to_string())?;
    let mut int = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())
        .map_err(|e| e.to_string())?;
    let p = prepare(&cfg).await?;
    let url = p.url.clone();
    println!("listening on {url}");
    std::io::stdout().flush().map_err(|e| e.to_string())?;
    eprintln!("kubesim: serving the Kubernetes API on {url}");
    serve(p, async {
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
    })
    .await;
    eprintln!("kubesim: stopped, pod processes killed");
    Ok(())
}

/// kubesim running inside the calling process, on its own thread and runtime: for tests
/// that would rather not locate the binary. Dropping it stops the server and kills every
/// pod process.
pub struct InProcess {
    /// `http://127.0.0.1:PORT`
    pub url: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl InProcess {
    /// Starts a server (`cfg.port` 0 picks a free port) and returns once it accepts requests.
    pub fn start(cfg: Config) -> Result<InProcess, String> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the runtime: {e}"))?;
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("kubesim".into())
            .spawn(move || {
                rt.block_on(async move {
                    match prepare(&cfg).await {
                        Ok(p) => {
                            let _ = ready_tx.send(Ok(p.url.clone()));
                            serve(p, async {
                                let _ = stop_rx.await;
                            })
                            .await;
                        }
                        Err(e) => {
                            let _ = ready_tx.send(Err(e));
                        }
                    }
                });
                rt.shutdown_timeout(std::time::Duration::from_millis(200));
            })
            .map_err(|e| format!("cannot start the kubesim thread: {e}"))?;
        let url = ready_rx
            .recv()
            .map_err(|_| "kubesim's thread ended before it was ready".to_string())??;
        Ok(InProcess {
            url,
            stop: Some(stop_tx),
            thread: Some(thread),
        })
    }
}

impl Drop for InProcess {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
