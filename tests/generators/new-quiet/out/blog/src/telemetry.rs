//! Logging: human-readable lines in development, JSON lines in production.
//! Lines are written by a background thread, so a slow terminal or log
//! collector never holds up a request.

use std::cell::RefCell;
use std::fmt::Write as _;
use std::io::{IsTerminal, Write as _};
use std::time::{SystemTime, UNIX_EPOCH};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Subscriber};
use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{Layer, fmt};

use crate::config::LogFormat;

/// Keeps logging going: dropping it writes out the lines still queued.
#[must_use = "dropping the guard stops the log writer"]
pub struct Guard {
    _writer: WorkerGuard,
}

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
        LogFormat::Json => JsonLines::new(writer).boxed(),
    };
    let result = tracing_subscriber::registry()
        .with(lines)
        .with(filter)
        .try_init();
    result.ok().map(|()| Guard { _writer: guard })
}

/// Log lines as JSON, one object per line:
///
/// ```json
/// {"timestamp":"2026-01-31T12:00:00.000001Z","level":"INFO","message":"request",
///  "status":200,"latency_ms":0.4,"target":"app::middleware",
///  "span":{"name":"request","request_id":"…","method":"GET","path":"/api/posts/1","route":"/api/posts/{id}"}}
/// ```
///
/// The event's fields are at the top level; `span` holds the name of the
/// span the line was written in and the fields of it and of every span
/// around it (the request's id, method, path and route for anything logged
/// while serving a request; an inner span's field hides an outer one of the
/// same name).
///
/// Written here rather than with tracing-subscriber's JSON format, which
/// serializes a span's fields into a JSON map when the span is made and
/// parses them back for every line: measured with callgrind on a scaffold's
/// `GET /api/posts/{id}` through the whole application, that format took
/// 37,000 of the 119,000 instructions a request cost (the router and the
/// query alone cost 54,000); these lines take a tenth of it.
#[derive(Debug)]
pub struct JsonLines<W> {
    writer: W,
}

impl<W> JsonLines<W>
where
    W: for<'w> MakeWriter<'w> + 'static,
{
    /// Lines written to `writer`, one `write_all` each.
    pub fn new(writer: W) -> Self {
        Self { writer }
    }
}

/// A span's fields, as `,"name":value` JSON members, with where each starts
/// and ends.
#[derive(Debug)]
struct SpanFields {
    json: String,
    members: Vec<(&'static str, usize, usize)>,
}

impl<S, W> Layer<S> for JsonLines<W>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    W: for<'w> MakeWriter<'w> + 'static,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        // Room for the usual fields, so that recording them seldom grows it.
        let count = attrs.fields().len();
        let mut fields = SpanFields {
            json: String::with_capacity(32 * count),
            members: Vec::with_capacity(count),
        };
        attrs.record(&mut fields);
        span.extensions_mut().insert(fields);
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let mut extensions = span.extensions_mut();
        if let Some(fields) = extensions.get_mut::<SpanFields>() {
            values.record(fields);
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        thread_local! {
            static LINE: RefCell<String> = const { RefCell::new(String::new()) };
        }
        LINE.with_borrow_mut(|line| {
            line.clear();
            let metadata = event.metadata();
            line.push_str("{\"timestamp\":\"");
            timestamp(line, SystemTime::now());
            line.push_str("\",\"level\":\"");
            line.push_str(metadata.level().as_str());
            line.push('"');
            event.record(&mut Members(line));
            line.push_str(",\"target\":");
            string(line, metadata.target());
            if let Some(scope) = ctx.event_scope(event) {
                let mut written: Vec<&'static str> = Vec::new();
                for (i, span) in scope.enumerate() {
                    if i == 0 {
                        line.push_str(",\"span\":{\"name\":");
                        string(line, span.name());
                    }
                    let extensions = span.extensions();
                    let fields = extensions.get::<SpanFields>();
                    // Newest first: a field recorded again shows its last
                    // value.
                    for (name, member) in fields.into_iter().flat_map(SpanFields::members).rev() {
                        if name != "name" && !written.contains(&name) {
                            written.push(name);
                            line.push_str(member);
                        }
                    }
                }
                line.push('}');
            }
            line.push_str("}\n");
            let _ = self
                .writer
                .make_writer_for(metadata)
                .write_all(line.as_bytes());
        });
    }
}

impl SpanFields {
    /// Each member's field name and JSON text, oldest first.
    fn members(&self) -> impl DoubleEndedIterator<Item = (&'static str, &str)> {
        self.members
            .iter()
            .map(|&(name, start, end)| (name, &self.json[start..end]))
    }

    /// Appends `field` as one member, written by `record`.
    fn add(&mut self, field: &Field, record: impl FnOnce(&mut Members<'_>)) {
        let start = self.json.len();
        record(&mut Members(&mut self.json));
        self.members.push((field.name(), start, self.json.len()));
    }
}

impl Visit for SpanFields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.add(field, |m| m.record_debug(field, value));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.add(field, |m| m.record_str(field, value));
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.add(field, |m| m.record_i64(field, value));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.add(field, |m| m.record_u64(field, value));
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        self.add(field, |m| m.record_f64(field, value));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.add(field, |m| m.record_bool(field, value));
    }
}

/// Appends each field as a `,"name":value` JSON member.
struct Members<'a>(&'a mut String);

impl Members<'_> {
    fn name(&mut self, field: &Field) {
        self.0.push(',');
        string(self.0, field.name());
        self.0.push(':');
    }
}

impl Visit for Members<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.name(field);
        self.0.push('"');
        let _ = write!(Escaped(self.0), "{value:?}");
        self.0.push('"');
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.name(field);
        string(self.0, value);
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.name(field);
        let _ = write!(self.0, "{value}");
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.name(field);
        let _ = write!(self.0, "{value}");
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        self.name(field);
        if value.is_finite() {
            let _ = write!(self.0, "{value}");
        } else {
            // JSON has no infinities and no NaN.
            self.0.push_str("null");
        }
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.name(field);
        self.0.push_str(if value { "true" } else { "false" });
    }
}

/// `value` as a JSON string.
fn string(out: &mut String, value: &str) {
    out.push('"');
    escape(out, value);
    out.push('"');
}

/// `value` escaped for the inside of a JSON string.
fn escape(out: &mut String, value: &str) {
    let mut plain = 0;
    for (at, byte) in value.bytes().enumerate() {
        let escaped = match byte {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0..=0x1f => "",
            _ => continue,
        };
        out.push_str(&value[plain..at]);
        if escaped.is_empty() {
            let _ = write!(out, "\\u{byte:04x}");
        } else {
            out.push_str(escaped);
        }
        plain = at + 1;
    }
    out.push_str(&value[plain..]);
}

/// A `fmt::Write` that escapes what it is given for a JSON string.
struct Escaped<'a>(&'a mut String);

impl std::fmt::Write for Escaped<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        escape(self.0, s);
        Ok(())
    }
}

/// `time` in RFC 3339, UTC, to the microsecond: `2026-01-31T12:00:00.000001Z`.
fn timestamp(out: &mut String, time: SystemTime) {
    let since = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs();
    let (days, of_day) = (secs / 86_400, secs % 86_400);
    // Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm,
    // for the proleptic Gregorian calendar).
    let z = days + 719_468;
    let era = z / 146_097;
    let day_of_era = z % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    // Digit by digit: `write!` with padding costs several times as much,
    // and this runs for every line.
    for (value, width, then) in [
        (year, 4, '-'),
        (month, 2, '-'),
        (day, 2, 'T'),
        (of_day / 3600, 2, ':'),
        (of_day / 60 % 60, 2, ':'),
        (of_day % 60, 2, '.'),
        (u64::from(since.subsec_micros()), 6, 'Z'),
    ] {
        for place in (0..width).rev() {
            let digit = value / 10_u64.pow(place) % 10;
            out.push(char::from(b'0' + digit as u8));
        }
        out.push(then);
    }
}

/// Log lines kept in memory by tests, as [`JsonLines`] writes them.
#[cfg(test)]
#[derive(Clone, Default)]
pub struct CapturedLines(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

#[cfg(test)]
impl std::io::Write for CapturedLines {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
impl CapturedLines {
    /// A subscriber that writes every line, debug and above, here.
    pub fn subscriber(&self) -> impl Subscriber + Send + Sync + 'static {
        let writer = self.clone();
        tracing_subscriber::registry()
            .with(JsonLines::new(move || writer.clone()))
            .with(tracing_subscriber::filter::LevelFilter::DEBUG)
    }

    /// The lines written so far, each as JSON.
    pub fn lines(&self) -> Vec<serde_json::Value> {
        self.clone().flush().unwrap();
        let text = String::from_utf8(self.0.lock().unwrap().clone()).unwrap();
        assert!(text.is_empty() || text.ends_with('\n'), "{text}");
        text.lines()
            .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
            .collect()
    }
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

    /// The lines `log` writes through [`JsonLines`], as JSON.
    fn json_lines(log: impl FnOnce()) -> Vec<serde_json::Value> {
        let capture = CapturedLines::default();
        {
            // As in the middleware's tests: decisions cached by another
            // test's thread are made again with this subscriber in place.
            let _logging = LOGGING.blocking_lock();
            let _silent = tracing::Dispatch::new(tracing::subscriber::NoSubscriber::new());
            let _default = tracing::subscriber::set_default(capture.subscriber());
            tracing::callsite::rebuild_interest_cache();
            log();
        }
        capture.lines()
    }

    #[test]
    fn json_lines_hold_every_kind_of_field_and_the_spans_around_them() {
        let lines = json_lines(|| {
            tracing::info!("outside any span");
            let outer = tracing::info_span!("request", request_id = "r-1", shared = "outer");
            let _outer = outer.enter();
            let inner = tracing::info_span!(
                "charge",
                shared = "inner",
                name = "hidden",
                total = tracing::field::Empty,
                attempt = -1_i64,
                share = 0.25,
                retried = false,
                mode = ?Some("card")
            );
            let _inner = inner.enter();
            inner.record("total", 11_u64);
            inner.record("total", 12_u64);
            tracing::warn!(
                count = -3_i64,
                size = 7_u64,
                ratio = 0.5,
                unknown = f64::NAN,
                done = true,
                text = "disk \"full\"\n\tretry",
                control = "bell\u{7}\r\\",
                "charging"
            );
        });
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert_eq!(lines[0]["message"], "outside any span");
        assert_eq!(lines[0]["level"], "INFO");
        assert!(lines[0].get("span").is_none(), "{}", lines[0]);
        let line = &lines[1];
        assert_eq!(line["level"], "WARN");
        assert_eq!(line["message"], "charging");
        assert_eq!(line["target"], module_path!());
        assert_eq!(line["count"], -3);
        assert_eq!(line["size"], 7);
        assert_eq!(line["ratio"], 0.5);
        assert_eq!(line["unknown"], serde_json::Value::Null);
        assert_eq!(line["done"], true);
        assert_eq!(line["text"], "disk \"full\"\n\tretry");
        assert_eq!(line["control"], "bell\u{7}\r\\");
        assert_eq!(
            line["span"],
            serde_json::json!({
                "name": "charge",
                "shared": "inner",
                "total": 12,
                "attempt": -1,
                "share": 0.25,
                "retried": false,
                "mode": "Some(\"card\")",
                "request_id": "r-1",
            })
        );
        let stamp = line["timestamp"].as_str().unwrap();
        assert_eq!(stamp.len(), "2026-01-31T12:00:00.000001Z".len(), "{stamp}");
    }

    #[test]
    fn timestamps_are_rfc_3339_in_utc() {
        let at = |secs: u64, micros: u64| {
            let mut out = String::new();
            timestamp(
                &mut out,
                UNIX_EPOCH + std::time::Duration::from_micros(secs * 1_000_000 + micros),
            );
            out
        };
        assert_eq!(at(0, 0), "1970-01-01T00:00:00.000000Z");
        assert_eq!(at(951_782_400, 1), "2000-02-29T00:00:00.000001Z");
        assert_eq!(at(1_798_761_599, 999_999), "2026-12-31T23:59:59.999999Z");
        assert_eq!(at(4_107_542_400, 0), "2100-03-01T00:00:00.000000Z");
    }
}
