//! The production server: a multi-threaded runtime, the listener, and a
//! graceful shutdown that lets in-flight requests finish.

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use axum::ServiceExt;
use axum::extract::Request;
use tokio::net::{TcpListener, TcpStream};

use crate::app::{self, AppState};
use crate::config::Settings;

/// Builds the runtime with the configured worker count and serves until
/// SIGTERM or SIGINT.
pub fn run(settings: Settings) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(settings.workers)
        .enable_all()
        .build()
        .context("could not start the async runtime")?;
    runtime.block_on(async {
        let server = Server::bind(settings).await?;
        server.run_until(shutdown_signal()).await
    })
}

/// A bound, not yet serving, application.
#[derive(Debug)]
pub struct Server {
    listener: TcpListener,
    state: AppState,
    shutdown_timeout: Duration,
    pid_file: Option<PidFile>,
}

impl Server {
    /// Binds the address (port 0 picks a free port) and builds the state.
    /// A socket handed over by a supervisor (`cargo mvc serve`, systemd
    /// socket activation) is used instead of binding.
    pub async fn bind(settings: Settings) -> anyhow::Result<Self> {
        let listener = match inherited_listener()? {
            Some(listener) => listener,
            None => TcpListener::bind(settings.bind)
                .await
                .with_context(|| format!("could not listen on {}", settings.bind))?,
        };
        let pid_file = settings.pid_file.clone().map(PidFile::create).transpose()?;
        let shutdown_timeout = settings.shutdown_timeout;
        let state = AppState::new(settings).await?;
<%- if p.database %>
        crate::db::migrate_on_start(&state.db, &state.settings.database).await?;
<%- endif %>
        Ok(Self {
            listener,
            state,
            shutdown_timeout,
            pid_file,
        })
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    /// Serves until `shutdown` completes, then stops accepting and waits up
    /// to the shutdown timeout for in-flight requests.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let addr = self.local_addr();
        let app = ServiceExt::<Request>::into_make_service(app::build(self.state.clone()));
        let (stopping_tx, mut stopping_rx) = tokio::sync::watch::channel(false);
        let listener = Draining {
            inner: self.listener,
            stopping: stopping_rx.clone(),
        };
        let signal = async move {
            shutdown.await;
            tracing::info!("shutting down: finishing in-flight requests");
            let _ = stopping_tx.send(true);
            // Connections accepted just before get their request read, and
            // served, before idle connections are closed.
            tokio::time::sleep(ACCEPT_GRACE).await;
        };
        tracing::info!(%addr, "listening");
        let serve = axum::serve(listener, app).with_graceful_shutdown(signal);
        let mut serve = std::pin::pin!(std::future::IntoFuture::into_future(serve));
        let grace = self.shutdown_timeout;
        tokio::select! {
            result = &mut serve => result.context("server error")?,
            () = async {
                let _ = stopping_rx.wait_for(|stopping| *stopping).await;
                tokio::time::sleep(grace).await;
            } => {
                tracing::warn!(?grace, "shutdown timeout elapsed: dropping unfinished requests");
            }
        }
        self.state.close().await;
        drop(self.pid_file);
        tracing::info!("stopped");
        Ok(())
    }
}

/// How long a connection accepted just before shutdown has to send its
/// request before idle connections are closed.
const ACCEPT_GRACE: Duration = Duration::from_millis(250);

/// The listener, which stops handing out connections as soon as the server
/// starts shutting down. Connections still queued on a shared socket go to
/// the next process (`cargo mvc serve`, socket activation) instead of being
/// accepted here and closed unanswered.
struct Draining {
    inner: TcpListener,
    stopping: tokio::sync::watch::Receiver<bool>,
}

impl axum::serve::Listener for Draining {
    type Io = TcpStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (TcpStream, SocketAddr) {
        tokio::select! {
            conn = axum::serve::Listener::accept(&mut self.inner) => return conn,
            // Only the fact is kept: the borrow of the value ends here.
            stopping = self.stopping.wait_for(|stopping| *stopping) => drop(stopping),
        }
        std::future::pending().await
    }

    fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.inner.local_addr()
    }
}

/// The listening socket passed as `LISTEN_FDS`, if any.
fn inherited_listener() -> anyhow::Result<Option<TcpListener>> {
    let mut fds = listenfd::ListenFd::from_env();
    let Some(std_listener) = fds
        .take_tcp_listener(0)
        .context("LISTEN_FDS names a socket that is not a TCP listener")?
    else {
        return Ok(None);
    };
    std_listener.set_nonblocking(true)?;
    Ok(Some(TcpListener::from_std(std_listener)?))
}

/// Completes on SIGTERM (what Kubernetes and Docker send) or Ctrl-C.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut sig) => {
                sig.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}

/// A file holding the process id, removed when the server stops.
#[derive(Debug)]
struct PidFile(PathBuf);

impl PidFile {
    fn create(path: PathBuf) -> anyhow::Result<Self> {
        std::fs::write(&path, format!("{}\n", std::process::id()))
            .with_context(|| format!("could not write pid file {}", path.display()))?;
        Ok(Self(path))
    }
}

impl Drop for PidFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}
