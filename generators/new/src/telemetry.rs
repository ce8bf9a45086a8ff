//! Logging: human-readable lines in development, JSON lines in production.
//! Lines are written by a background thread, so a slow terminal or log
//! collector never holds up a request.
<%- if p.otel %>
//! With `OTEL_EXPORTER_OTLP_ENDPOINT` set, spans are also exported over
//! OTLP (see [`crate::otel`]).
<%- endif %>

use std::io::IsTerminal;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{Layer, fmt};

use crate::config::LogFormat;

/// Keeps logging going: dropping it writes out the lines still queued<%- if p.otel %>
/// and sends the spans not exported yet<%- endif %>.
#[must_use = "dropping the guard stops the log writer"]
pub struct Guard {
    _writer: WorkerGuard,
<%- if p.otel %>
    traces: Option<opentelemetry_sdk::trace::SdkTracerProvider>,
<%- endif %>
}
<%- if p.otel %>

impl Drop for Guard {
    fn drop(&mut self) {
        if let Some(traces) = &self.traces {
            crate::otel::shut_down(traces);
        }
    }
}
<%- endif %>

/// Installs the global subscriber. Keep the guard until the program ends.
/// A second call (as in tests) keeps the first subscriber and returns
/// `None`.
pub fn init(filter: &str, format: LogFormat) -> Option<Guard> {
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info"));
    // Colours only for a person watching a terminal, never in files or pipes.
    let ansi = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    // Lines go to a logging thread, so a request never waits for the
    // terminal or the pipe. That thread buffers what is queued and writes it
    // at once when the queue is empty: one write call for many lines under
    // load, each line out as soon as nothing else is waiting.
    let (writer, guard) =
        tracing_appender::non_blocking(std::io::BufWriter::new(std::io::stdout()));
    let lines = match format {
        LogFormat::Pretty => fmt::layer().with_ansi(ansi).with_writer(writer).boxed(),
        // Each line carries the fields of the request it was written for
        // (request id, method, path, route) under "span".
        LogFormat::Json => fmt::layer()
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .with_writer(writer)
            .boxed(),
    };
<%- if p.otel %>
    let traces = crate::otel::from_endpoint(std::env::var(crate::otel::ENDPOINT_VAR).ok());
    let exporting = traces.as_ref().map(crate::otel::layer);
    let result = tracing_subscriber::registry()
        .with(lines)
        .with(exporting)
        .with(filter)
        .try_init();
    result.ok().map(|()| Guard {
        _writer: guard,
        traces,
    })
<%- else %>
    let result = tracing_subscriber::registry()
        .with(lines)
        .with(filter)
        .try_init();
    result.ok().map(|()| Guard { _writer: guard })
<%- endif %>
}

/// Held by tests that install the global subscriber or capture logs: tracing
/// may miss an event whose callsite it evaluates while another thread
/// installs the global subscriber.
#[cfg(test)]
pub static LOGGING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn init_twice_is_harmless() {
        let _logging = LOGGING.blocking_lock();
        let first = init("info", LogFormat::Json);
        let second = init("not a [valid filter", LogFormat::Pretty);
        assert!(first.is_none() || second.is_none());
        tracing::info!("logging works");
    }
}
