//! The production server: a multi-threaded runtime, the listener, limits on
//! slow and idle clients, and a graceful shutdown that lets in-flight
//! requests finish.
//!
//! HTTP/1 and HTTP/2 connections are served by hyper. Each one:
//! - has `BLOG_HEADER_READ_TIMEOUT` to send a request's headers,
//!   counted from the connection's opening or the first byte of a later
//!   request; a client that never finishes them is disconnected;
//! - is closed after `BLOG_KEEP_ALIVE_TIMEOUT` without a request;
//! - counts against `BLOG_MAX_CONNECTIONS`: at the cap, new
//!   connections wait in the listen queue until one closes.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::task::{Context as TaskContext, Poll};
use std::time::Duration;

use anyhow::Context;
use axum::body::Body;
use axum::extract::ConnectInfo;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio::time::{Instant, Sleep};

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
        crate::db::migrate_on_start(&state.db, &state.settings.database).await?;
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
        let settings = self.state.settings.clone();
        let app = app::build(self.state.clone());
        crate::app::auth::check_secret_key()?;
        crate::app::mailers::check()?;
        let limits = Limits {
            header_read: settings.header_read_timeout,
            keep_alive: settings.keep_alive_timeout,
        };
        let permits = Arc::new(Semaphore::new(settings.max_connections));
        let mut builder = auto::Builder::new(TokioExecutor::new());
        // CONNECT for HTTP/2 websockets, as axum::serve does.
        builder.http2().enable_connect_protocol();
        builder.http2().timer(TokioTimer::new());
        let graceful = GracefulShutdown::new();
        let mut shutdown = std::pin::pin!(shutdown);
        tracing::info!(%addr, "listening");
        loop {
            let permit = tokio::select! {
                permit = permits.clone().acquire_owned() => permit.expect("the semaphore is never closed"),
                () = &mut shutdown => break,
            };
            let (stream, remote) = tokio::select! {
                accepted = self.listener.accept() => match accepted {
                    Ok(accepted) => accepted,
                    Err(err) => {
                        accept_failed(err).await;
                        continue;
                    }
                },
                () = &mut shutdown => break,
            };
            let _ = stream.set_nodelay(true);
            let activity = Arc::new(Activity::default());
            let io = TokioIo::new(Guarded::new(stream, limits, activity.clone()));
            let service = connection_service(app.clone(), remote, activity);
            let conn = builder
                .serve_connection_with_upgrades(io, service)
                .into_owned();
            let conn = graceful.watch(conn);
            tokio::spawn(async move {
                if let Err(err) = conn.await {
                    tracing::debug!(%remote, error = %err, "connection ended");
                }
                drop(permit);
            });
        }
        // The listener stays open but stops accepting: connections still
        // queued on a shared socket go to the next process (`cargo mvc
        // serve`, socket activation) instead of being closed unanswered.
        tracing::info!("shutting down: finishing in-flight requests");
        self.state.start_draining();
        // Connections accepted just before get their request read, and
        // served, before idle connections are closed.
        tokio::time::sleep(ACCEPT_GRACE).await;
        let grace = self.shutdown_timeout;
        if tokio::time::timeout(grace, graceful.shutdown())
            .await
            .is_err()
        {
            tracing::warn!(
                ?grace,
                "shutdown timeout elapsed: dropping unfinished requests"
            );
        }
        drop(self.listener);
        self.state.close().await;
        drop(self.pid_file);
        tracing::info!("stopped");
        Ok(())
    }
}

/// How long a connection accepted just before shutdown has to send its
/// request before idle connections are closed.
const ACCEPT_GRACE: Duration = Duration::from_millis(250);

/// Waits after a failed `accept`: at once for errors of the one connection,
/// a second for the others (out of file descriptors) rather than spinning.
async fn accept_failed(err: io::Error) {
    use io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(
        err.kind(),
        ConnectionAborted | ConnectionRefused | ConnectionReset
    ) {
        return;
    }
    tracing::error!(error = %err, "could not accept a connection; retrying in a second");
    tokio::time::sleep(Duration::from_secs(1)).await;
}

/// The application as hyper calls it for one connection: each request
/// carries the client's address (`ConnectInfo<SocketAddr>`) and counts as
/// activity of the connection while it runs.
fn connection_service(
    app: impl tower::Service<
        axum::extract::Request,
        Response = axum::response::Response,
        Error = std::convert::Infallible,
        Future: Send,
    > + Clone
    + Send
    + 'static,
    remote: SocketAddr,
    activity: Arc<Activity>,
) -> impl hyper::service::Service<
    hyper::Request<hyper::body::Incoming>,
    Response = axum::response::Response,
    Error = std::convert::Infallible,
    Future: Send + 'static,
> + Clone
+ Send
+ 'static {
    hyper::service::service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
        let busy = Busy::start(activity.clone());
        let mut request = request.map(Body::new);
        request.extensions_mut().insert(ConnectInfo(remote));
        let response = tower::ServiceExt::oneshot(app.clone(), request);
        async move {
            let response = response.await;
            drop(busy);
            response
        }
    })
}

/// The timeouts of a connection without a request running.
#[derive(Debug, Clone, Copy)]
struct Limits {
    header_read: Duration,
    keep_alive: Duration,
}

/// What the requests of one connection are doing, for its timeouts.
#[derive(Debug, Default)]
struct Activity {
    /// Requests started so far.
    started: AtomicU64,
    /// Requests running now.
    running: AtomicUsize,
    /// The reader to wake when the last running request ends, so that its
    /// idle timer starts.
    reader: std::sync::Mutex<Option<std::task::Waker>>,
}

/// A running request of a connection.
struct Busy(Arc<Activity>);

impl Busy {
    fn start(activity: Arc<Activity>) -> Self {
        activity.started.fetch_add(1, Ordering::Relaxed);
        activity.running.fetch_add(1, Ordering::Relaxed);
        Self(activity)
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        if self.0.running.fetch_sub(1, Ordering::Relaxed) == 1 {
            let reader = self.0.reader.lock().map(|mut r| r.take());
            if let Ok(Some(reader)) = reader {
                reader.wake();
            }
        }
    }
}

/// Where a connection stands, seen from its reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Waiting for the rest of a request's headers, until the deadline.
    Head(Instant),
    /// No request running and none begun, until the deadline.
    Idle(Instant),
    /// A request is running: its own timeout applies.
    Busy,
}

/// The first bytes of every HTTP/2 connection.
const H2_PREFACE: &[u8] = b"PRI * HTTP/2.0";

/// A TCP stream that fails its reads with `TimedOut` once the phase's
/// deadline passes, which makes hyper close the connection.
struct Guarded {
    stream: tokio::net::TcpStream,
    limits: Limits,
    activity: Arc<Activity>,
    phase: Phase,
    /// Requests started as of the last read.
    started: u64,
    http2: bool,
    first_read: bool,
    timer: Pin<Box<Sleep>>,
}
impl Guarded {
    fn new(stream: tokio::net::TcpStream, limits: Limits, activity: Arc<Activity>) -> Self {
        let deadline = Instant::now() + limits.header_read;
        Self {
            stream,
            limits,
            activity,
            phase: Phase::Head(deadline),
            started: 0,
            http2: false,
            first_read: true,
            timer: Box::pin(tokio::time::sleep_until(deadline)),
        }
    }

    /// Moves to `next`, resetting the timer to its deadline.
    fn set_phase(&mut self, next: Phase) {
        if self.phase == next {
            return;
        }
        self.phase = next;
        if let Phase::Head(deadline) | Phase::Idle(deadline) = next {
            self.timer.as_mut().reset(deadline);
        }
    }
}

impl AsyncRead for Guarded {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        // What the requests did since the last read.
        let started = this.activity.started.load(Ordering::Relaxed);
        let running = this.activity.running.load(Ordering::Relaxed) > 0;
        let phase = if running {
            Phase::Busy
        } else if started != this.started || this.phase == Phase::Busy {
            Phase::Idle(Instant::now() + this.limits.keep_alive)
        } else {
            this.phase
        };
        this.started = started;
        this.set_phase(phase);
        let filled = buf.filled().len();
        match Pin::new(&mut this.stream).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                let read = &buf.filled()[filled..];
                if this.first_read && !read.is_empty() {
                    this.first_read = false;
                    this.http2 = read.starts_with(H2_PREFACE);
                    if this.http2 {
                        // HTTP/2 frames arrive whether or not a request is
                        // under way: only the idle limit applies.
                        this.set_phase(Phase::Idle(Instant::now() + this.limits.keep_alive));
                    }
                } else if !read.is_empty() && !this.http2 && matches!(this.phase, Phase::Idle(_)) {
                    this.set_phase(Phase::Head(Instant::now() + this.limits.header_read));
                }
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(err)) => Poll::Ready(Err(err)),
            Poll::Pending => {
                if this.phase == Phase::Busy {
                    if let Ok(mut reader) = this.activity.reader.lock() {
                        *reader = Some(cx.waker().clone());
                    }
                    // The request may have ended before the waker was left.
                    if this.activity.running.load(Ordering::Relaxed) == 0 {
                        cx.waker().wake_by_ref();
                    }
                } else if this.timer.as_mut().poll(cx).is_ready() {
                    let what = match this.phase {
                        Phase::Head(_) => "the request headers did not arrive in time",
                        _ => "the connection was idle too long",
                    };
                    return Poll::Ready(Err(io::Error::new(io::ErrorKind::TimedOut, what)));
                }
                Poll::Pending
            }
        }
    }
}

impl AsyncWrite for Guarded {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
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

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;

    #[tokio::test]
    async fn failed_accepts_pause_only_for_lack_of_resources() {
        let started = std::time::Instant::now();
        accept_failed(io::Error::from(io::ErrorKind::ConnectionAborted)).await;
        assert!(started.elapsed() < Duration::from_millis(500));
        accept_failed(io::Error::other("too many open files")).await;
        assert!(started.elapsed() >= Duration::from_secs(1));
    }

    #[tokio::test]
    async fn guarded_streams_write_through() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mut client = tokio::net::TcpStream::connect(addr).await.unwrap();
        let (server, _) = listener.accept().await.unwrap();
        let limits = Limits {
            header_read: Duration::from_secs(5),
            keep_alive: Duration::from_secs(5),
        };
        let mut guarded = Guarded::new(server, limits, Arc::default());
        assert_eq!(
            guarded.is_write_vectored(),
            guarded.stream.is_write_vectored()
        );
        guarded.write_all(b"one ").await.unwrap();
        let written = guarded
            .write_vectored(&[io::IoSlice::new(b"two")])
            .await
            .unwrap();
        assert_eq!(written, 3);
        guarded.flush().await.unwrap();
        guarded.shutdown().await.unwrap();
        let mut received = String::new();
        client.read_to_string(&mut received).await.unwrap();
        assert_eq!(received, "one two");
    }
}
