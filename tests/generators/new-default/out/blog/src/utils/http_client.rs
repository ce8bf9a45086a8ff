//! The shared HTTP client for calling other services: one connection pool,
//! timeouts from the settings, JSON helpers. Dropping the last clone closes
//! its pooled connections.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::config::HttpClientSettings;

/// Sent with every request, so other services can tell who calls them.
const USER_AGENT: &str = concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"));

/// A cheap-to-clone handle to the pooled client.
#[derive(Debug, Clone)]
pub struct HttpClient {
    client: reqwest::Client,
}

impl HttpClient {
    pub fn new(settings: &HttpClientSettings) -> anyhow::Result<Self> {
        crate::install_tls_provider();
        let client = reqwest::Client::builder()
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout)
            .user_agent(USER_AGENT)
            .build()?;
        Ok(Self { client })
    }

    /// The underlying client, for requests the helpers do not cover.
    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// A request to `url` that carries the `x-request-id` of the request
    /// being served, so the other service's logs can be matched with ours.
    pub fn request(&self, method: reqwest::Method, url: &str) -> reqwest::RequestBuilder {
        let mut headers = reqwest::header::HeaderMap::new();
        if let Some(id) = crate::app::middleware::current_request_id() {
            headers.insert(crate::app::middleware::X_REQUEST_ID, id);
        }
        self.client.request(method, url).headers(headers)
    }

    /// `GET url`, expecting a success status and a JSON body.
    pub async fn get_json<T: DeserializeOwned>(&self, url: &str) -> reqwest::Result<T> {
        self.request(reqwest::Method::GET, url)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await
    }

    /// `POST url` with a JSON body, expecting a success status and a JSON body.
    pub async fn post_json<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        url: &str,
        body: &B,
    ) -> reqwest::Result<T> {
        self.request(reqwest::Method::POST, url)
            .json(body)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await
    }
}
