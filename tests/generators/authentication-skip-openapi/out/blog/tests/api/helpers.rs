//! Starting the application on port 0 and calling it.

use std::net::SocketAddr;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use blog::config::Settings;
use blog::server::Server;

/// A running application and a client to call it.
pub struct TestApp {
    pub addr: SocketAddr,
    pub client: reqwest::Client,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<anyhow::Result<()>>,
}

/// Settings for tests: defaults, on a free loopback port.
pub fn test_settings() -> Settings {
    Settings {
        bind: "127.0.0.1:0".parse().unwrap(),
        database: blog::db::DatabaseSettings::for_tests(),
        ..Settings::default()
    }
}

/// A client for calling the application, with the
/// application's TLS provider installed (reqwest needs one).
pub fn client() -> reqwest::Client {
    blog::install_tls_provider();
    reqwest::Client::new()
}

/// Starts the application with default settings.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(test_settings()).await
}

/// Starts the application with `settings` (its `bind` should use port 0).
pub async fn spawn_app_with(settings: Settings) -> TestApp {
    let server = Server::bind(settings).await.expect("the server binds");
    let addr = server.local_addr();
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(server.run_until(async {
        let _ = stopped.await;
    }));
    TestApp {
        addr,
        client: client(),
        stop: Some(stop),
        task,
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("the request is sent")
    }

    /// Triggers a graceful shutdown and waits for the server to finish.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let task = &mut self.task;
        task.await.expect("the server task does not panic")
    }
}
