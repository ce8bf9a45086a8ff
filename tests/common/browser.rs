//! A minimal W3C WebDriver client: drives headless Chromium through
//! chromedriver (both installed by `.ci/browser`) over loopback HTTP.
//!
//! Every failure panics with the WebDriver error: this is test code.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// The key of an element reference in WebDriver's JSON.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// How long a WebDriver command may take (starting Chromium, loading a page).
const COMMAND_TIMEOUT: Duration = Duration::from_secs(120);

/// A headless Chromium session, and the chromedriver that serves it, which
/// is killed (after the session is deleted) on drop.
#[derive(Debug)]
pub struct Browser {
    driver: Child,
    port: u16,
    session: String,
}

/// Starts chromedriver and a headless Chromium session, or returns `None`
/// (saying so on stderr) when chromedriver is not installed; in CI (`CI`
/// set), that fails instead.
pub fn start() -> Option<Browser> {
    let Some(chromedriver) = chromedriver() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "chromedriver is not installed: run .ci/browser"
        );
        let _ = writeln!(
            std::io::stderr(),
            "skipped: chromedriver is not installed (.ci/browser installs it)"
        );
        return None;
    };
    let port = free_port();
    let driver = Command::new(&chromedriver)
        .arg(format!("--port={port}"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|err| panic!("starting {}: {err}", chromedriver.display()));
    // Built before the session exists, so that a failure below kills
    // chromedriver too.
    let mut browser = Browser {
        driver,
        port,
        session: String::new(),
    };
    browser.wait_until_ready(Duration::from_secs(20));

    let mut options = json!({
        "args": [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--window-size=1200,900",
        ],
    });
    if Path::new("/usr/bin/chromium").is_file() {
        options["binary"] = json!("/usr/bin/chromium");
    }
    let capabilities = json!({
        "capabilities": {
            "alwaysMatch": {
                "goog:chromeOptions": options,
                // Finding an element waits up to this long for it to appear.
                "timeouts": { "implicit": 5000 },
            },
        },
    });
    let created = browser.command("POST", "/session", Some(&capabilities));
    browser.session = created["sessionId"]
        .as_str()
        .unwrap_or_else(|| panic!("no session id in {created}"))
        .to_string();
    Some(browser)
}

impl Browser {
    /// Opens `url` and waits for it to load.
    pub fn goto(&self, url: &str) {
        self.session_command("POST", "/url", Some(&json!({ "url": url })));
    }

    /// The URL of the current page.
    pub fn url(&self) -> String {
        string(self.session_command("GET", "/url", None))
    }

    /// Clears the element `css` selects and types `text` into it.
    pub fn fill(&self, css: &str, text: &str) {
        let element = self.find(css);
        self.session_command(
            "POST",
            &format!("/element/{element}/clear"),
            Some(&json!({})),
        );
        self.session_command(
            "POST",
            &format!("/element/{element}/value"),
            Some(&json!({ "text": text })),
        );
    }

    /// Clicks the element `css` selects.
    pub fn click(&self, css: &str) {
        let element = self.find(css);
        self.session_command(
            "POST",
            &format!("/element/{element}/click"),
            Some(&json!({})),
        );
    }

    /// The rendered text of the element `css` selects.
    pub fn text(&self, css: &str) -> String {
        let element = self.find(css);
        string(self.session_command("GET", &format!("/element/{element}/text"), None))
    }

    /// The HTML of the current page, as the browser serializes it.
    pub fn page_source(&self) -> String {
        string(self.session_command("GET", "/source", None))
    }

    /// Saves a PNG of the window at `path`, creating its directory.
    pub fn screenshot(&self, path: &Path) {
        let png = base64_decode(&string(self.session_command("GET", "/screenshot", None)));
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .unwrap_or_else(|err| panic!("creating {}: {err}", dir.display()));
        }
        std::fs::write(path, png).unwrap_or_else(|err| panic!("writing {}: {err}", path.display()));
    }

    /// Polls the current URL until `done` accepts it and returns it; panics
    /// after `timeout`.
    pub fn wait_for_url(&self, done: impl Fn(&str) -> bool, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            let url = self.url();
            if done(&url) {
                return url;
            }
            assert!(
                Instant::now() < deadline,
                "timed out after {timeout:?} waiting for the URL to change; it is {url}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The WebDriver id of the element `css` selects.
    fn find(&self, css: &str) -> String {
        let found = self.session_command(
            "POST",
            "/element",
            Some(&json!({ "using": "css selector", "value": css })),
        );
        string(found[ELEMENT].clone())
    }

    /// Runs a command on this session: `path` is below `/session/{id}`.
    fn session_command(&self, method: &str, path: &str, body: Option<&Value>) -> Value {
        self.command(method, &format!("/session/{}{path}", self.session), body)
    }

    /// Runs a WebDriver command and returns its `value`; panics with the
    /// WebDriver error when it fails.
    fn command(&self, method: &str, path: &str, body: Option<&Value>) -> Value {
        let (status, mut answer) = request(self.port, method, path, body)
            .unwrap_or_else(|err| panic!("WebDriver {method} {path}: {err}"));
        let value = answer["value"].take();
        if status != 200 || value.get("error").is_some() {
            let mut error = value;
            // Chromium's stack trace is addresses only.
            if let Some(error) = error.as_object_mut() {
                error.remove("stacktrace");
            }
            panic!("WebDriver {method} {path} failed (HTTP {status}): {error}");
        }
        value
    }

    /// Waits until chromedriver answers `GET /status` as ready.
    fn wait_until_ready(&mut self, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        loop {
            if let Ok((200, status)) = request(self.port, "GET", "/status", None)
                && status["value"]["ready"] == json!(true)
            {
                return;
            }
            if let Ok(Some(exit)) = self.driver.try_wait() {
                panic!("chromedriver exited on start: {exit}");
            }
            assert!(
                Instant::now() < deadline,
                "chromedriver was not ready on port {} after {timeout:?}",
                self.port
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            // Quits Chromium; never panics, as this may run while unwinding.
            let _ = request(
                self.port,
                "DELETE",
                &format!("/session/{}", self.session),
                None,
            );
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// `/usr/bin/chromedriver`, or else `chromedriver` on `PATH`.
fn chromedriver() -> Option<PathBuf> {
    let usr = PathBuf::from("/usr/bin/chromedriver");
    if usr.is_file() {
        return Some(usr);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join("chromedriver"))
        .find(|candidate| candidate.is_file())
}

/// A loopback port that was free a moment ago.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free loopback port")
        .port()
}

/// A JSON string's contents; panics on anything else.
fn string(value: Value) -> String {
    match value {
        Value::String(text) => text,
        other => panic!("expected a string from WebDriver, got {other}"),
    }
}

/// One HTTP/1.1 request to chromedriver on loopback: the status and the
/// JSON body of the response.
///
/// chromedriver answers `Connection: close` yet keeps the socket open, so
/// the body is read by its `Content-Length` (or its chunks), never to the
/// end of the stream. It also refuses (403) a `Host` that is not loopback.
fn request(
    port: u16,
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> Result<(u16, Value), String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).map_err(|err| err.to_string())?;
    stream
        .set_read_timeout(Some(COMMAND_TIMEOUT))
        .map_err(|err| err.to_string())?;
    let body = body.map(Value::to_string).unwrap_or_default();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    if !body.is_empty() {
        head.push_str("Content-Type: application/json; charset=utf-8\r\n");
    }
    head.push_str("\r\n");
    stream
        .write_all(format!("{head}{body}").as_bytes())
        .map_err(|err| err.to_string())?;

    let mut reader = BufReader::new(stream);
    let status_line = read_line(&mut reader)?;
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| format!("not an HTTP status line: {status_line:?}"))?;
    let mut length = None;
    let mut chunked = false;
    loop {
        let line = read_line(&mut reader)?;
        if line.is_empty() {
            break;
        }
        let Some((name, value)) = line.split_once(':') else {
            return Err(format!("not an HTTP header: {line:?}"));
        };
        let value = value.trim();
        match name.trim().to_ascii_lowercase().as_str() {
            "content-length" => {
                length = Some(
                    value
                        .parse()
                        .map_err(|_| format!("bad Content-Length {value:?}"))?,
                );
            }
            "transfer-encoding" => chunked = value.to_ascii_lowercase().contains("chunked"),
            _ => {}
        }
    }
    let bytes = if chunked {
        read_chunked(&mut reader)?
    } else if let Some(length) = length {
        let mut bytes = vec![0; length];
        reader
            .read_exact(&mut bytes)
            .map_err(|err| err.to_string())?;
        bytes
    } else {
        let mut bytes = Vec::new();
        reader
            .read_to_end(&mut bytes)
            .map_err(|err| err.to_string())?;
        bytes
    };
    let json = serde_json::from_slice(&bytes).map_err(|err| {
        format!(
            "HTTP {status}, not JSON ({err}): {}",
            String::from_utf8_lossy(&bytes)
        )
    })?;
    Ok((status, json))
}

/// One line of the response head, without its line ending.
fn read_line(reader: &mut impl BufRead) -> Result<String, String> {
    let mut line = String::new();
    match reader.read_line(&mut line) {
        Ok(0) => Err("the connection closed mid-response".to_string()),
        Ok(_) => Ok(line.trim_end_matches(['\r', '\n']).to_string()),
        Err(err) => Err(err.to_string()),
    }
}

/// A body in chunked transfer encoding, through its last (empty) chunk and
/// trailers.
fn read_chunked(reader: &mut impl BufRead) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    loop {
        let line = read_line(reader)?;
        let size = line.split(';').next().unwrap_or_default().trim();
        let size =
            usize::from_str_radix(size, 16).map_err(|_| format!("bad chunk size {line:?}"))?;
        if size == 0 {
            while !read_line(reader)?.is_empty() {}
            return Ok(body);
        }
        let start = body.len();
        body.resize(start + size, 0);
        reader
            .read_exact(&mut body[start..])
            .map_err(|err| err.to_string())?;
        read_line(reader)?;
    }
}

/// Decodes standard base64 (`+`, `/`, `=` padding), skipping whitespace;
/// panics on any other character.
pub fn base64_decode(text: &str) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(text.len() / 4 * 3);
    let mut bits = 0u32;
    let mut count = 0;
    for c in text.bytes() {
        let sextet = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => break,
            c if c.is_ascii_whitespace() => continue,
            c => panic!("not base64: {:?}", char::from(c)),
        };
        bits = bits << 6 | u32::from(sextet);
        count += 6;
        if count >= 8 {
            count -= 8;
            bytes.push((bits >> count) as u8);
        }
    }
    bytes
}
