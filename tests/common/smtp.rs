//! A loopback SMTP server that keeps every message it is sent: enough SMTP,
//! without TLS or authentication, for `lettre`'s client (`smtp://HOST:PORT`).

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::browser::base64_decode;

/// One message as it was sent: the envelope and the content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The envelope sender (`MAIL FROM`), without the angle brackets.
    pub from: String,
    /// The envelope recipients (`RCPT TO`), without the angle brackets.
    pub to: Vec<String>,
    /// Headers and body, with their CRLF line endings and the dot-stuffing
    /// undone.
    pub data: String,
}

impl Message {
    /// The value of the first header called `name` (any case), unfolded.
    pub fn header(&self, name: &str) -> Option<String> {
        let (head, _) = self.split();
        let mut unfolded: Vec<String> = Vec::new();
        for line in head.lines() {
            match unfolded.last_mut() {
                Some(last) if line.starts_with([' ', '\t']) => last.push_str(line),
                _ => unfolded.push(line.to_string()),
            }
        }
        unfolded.iter().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim()
                .eq_ignore_ascii_case(name)
                .then(|| value.trim().to_string())
        })
    }

    /// The body, decoded from its `Content-Transfer-Encoding` (7bit or 8bit,
    /// quoted-printable, base64), with `\n` line endings.
    pub fn body_text(&self) -> String {
        let (_, body) = self.split();
        let encoding = self
            .header("Content-Transfer-Encoding")
            .unwrap_or_default()
            .to_ascii_lowercase();
        let bytes = match encoding.as_str() {
            "quoted-printable" => quoted_printable_decode(body),
            "base64" => base64_decode(body),
            _ => body.as_bytes().to_vec(),
        };
        String::from_utf8_lossy(&bytes).replace("\r\n", "\n")
    }

    /// The header block and the body, split at the first empty line.
    fn split(&self) -> (&str, &str) {
        self.data
            .split_once("\r\n\r\n")
            .or_else(|| self.data.split_once("\n\n"))
            .unwrap_or((&self.data, ""))
    }
}

/// An SMTP server on a loopback port, serving each connection on a thread
/// of its own; it stops accepting on drop.
#[derive(Debug)]
pub struct SmtpSink {
    /// `127.0.0.1:PORT`.
    pub addr: String,
    messages: Arc<Mutex<Vec<Message>>>,
    stopped: Arc<AtomicBool>,
}

impl SmtpSink {
    /// Listens on a free loopback port.
    pub fn start() -> SmtpSink {
        let listener = TcpListener::bind("127.0.0.1:0").expect("binding a loopback port");
        let addr = listener
            .local_addr()
            .expect("the bound address")
            .to_string();
        let messages = Arc::new(Mutex::new(Vec::new()));
        let stopped = Arc::new(AtomicBool::new(false));
        let (kept, stop) = (Arc::clone(&messages), Arc::clone(&stopped));
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let kept = Arc::clone(&kept);
                std::thread::spawn(move || {
                    let _ = serve(stream, &kept);
                });
            }
        });
        SmtpSink {
            addr,
            messages,
            stopped,
        }
    }

    /// The URL for an SMTP client: `smtp://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("smtp://{}", self.addr)
    }

    /// Every message received so far, oldest first.
    pub fn messages(&self) -> Vec<Message> {
        self.messages
            .lock()
            .expect("the messages are not poisoned")
            .clone()
    }

    /// The latest message with `to` (any case) among its recipients,
    /// waiting up to `timeout` for one to arrive.
    pub fn wait_for(&self, to: &str, timeout: Duration) -> Option<Message> {
        let deadline = Instant::now() + timeout;
        loop {
            let found = self
                .messages()
                .into_iter()
                .rev()
                .find(|message| message.to.iter().any(|rcpt| rcpt.eq_ignore_ascii_case(to)));
            if found.is_some() || Instant::now() >= deadline {
                return found;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.stopped.store(true, Ordering::SeqCst);
        // Wakes the accepting thread, which then sees `stopped`.
        let _ = TcpStream::connect(&self.addr);
    }
}

/// The envelope being built on one connection.
#[derive(Default)]
struct Envelope {
    from: Option<String>,
    to: Vec<String>,
}

/// Speaks SMTP on one connection until `QUIT` or the client hangs up.
fn serve(stream: TcpStream, kept: &Mutex<Vec<Message>>) -> std::io::Result<()> {
    let mut out = stream.try_clone()?;
    let mut lines = BufReader::new(stream);
    out.write_all(b"220 localhost ESMTP test sink\r\n")?;
    let mut envelope = Envelope::default();
    loop {
        let Some(line) = read_line(&mut lines)? else {
            return Ok(());
        };
        let line = line.trim_end_matches(['\r', '\n']);
        let verb = line
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_ascii_uppercase();
        let reply: &[u8] = match verb.as_str() {
            "EHLO" => {
                envelope = Envelope::default();
                b"250-localhost\r\n250 8BITMIME\r\n"
            }
            "HELO" => {
                envelope = Envelope::default();
                b"250 localhost\r\n"
            }
            "MAIL" => match address(line) {
                Some(from) => {
                    envelope = Envelope {
                        from: Some(from),
                        to: Vec::new(),
                    };
                    b"250 OK\r\n"
                }
                None => b"501 Syntax: MAIL FROM:<address>\r\n",
            },
            "RCPT" if envelope.from.is_none() => b"503 MAIL first\r\n",
            "RCPT" => match address(line) {
                Some(to) => {
                    envelope.to.push(to);
                    b"250 OK\r\n"
                }
                None => b"501 Syntax: RCPT TO:<address>\r\n",
            },
            "DATA" if envelope.to.is_empty() => b"503 RCPT first\r\n",
            "DATA" => {
                out.write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")?;
                let Some(data) = read_data(&mut lines)? else {
                    return Ok(());
                };
                let envelope = std::mem::take(&mut envelope);
                kept.lock()
                    .expect("the messages are not poisoned")
                    .push(Message {
                        from: envelope.from.unwrap_or_default(),
                        to: envelope.to,
                        data,
                    });
                b"250 OK\r\n"
            }
            "RSET" => {
                envelope = Envelope::default();
                b"250 OK\r\n"
            }
            "NOOP" => b"250 OK\r\n",
            "QUIT" => {
                out.write_all(b"221 Bye\r\n")?;
                return Ok(());
            }
            _ => b"502 Command not implemented\r\n",
        };
        out.write_all(reply)?;
    }
}

/// The next line with its line ending, or `None` at the end of the stream.
fn read_line(lines: &mut impl BufRead) -> std::io::Result<Option<String>> {
    let mut line = Vec::new();
    if lines.read_until(b'\n', &mut line)? == 0 {
        return Ok(None);
    }
    Ok(Some(String::from_utf8_lossy(&line).into_owned()))
}

/// The content after `DATA` up to the line holding a lone `.`, with the
/// leading dot that the client doubled on each line removed.
fn read_data(lines: &mut impl BufRead) -> std::io::Result<Option<String>> {
    let mut data = String::new();
    loop {
        let Some(line) = read_line(lines)? else {
            return Ok(None);
        };
        if line == ".\r\n" || line == ".\n" {
            return Ok(Some(data));
        }
        data.push_str(line.strip_prefix('.').unwrap_or(&line));
    }
}

/// The address between `<` and `>` in `MAIL FROM:<…>` or `RCPT TO:<…>`
/// (`<>` gives an empty one).
fn address(line: &str) -> Option<String> {
    let (_, rest) = line.split_once(':')?;
    let (_, rest) = rest.split_once('<')?;
    let (address, _) = rest.split_once('>')?;
    Some(address.trim().to_string())
}

/// Decodes quoted-printable: `=XX` escapes and `=` soft line breaks.
fn quoted_printable_decode(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' {
            if bytes[i + 1..].starts_with(b"\r\n") {
                i += 3;
                continue;
            }
            if bytes[i + 1..].starts_with(b"\n") {
                i += 2;
                continue;
            }
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|hex| u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok());
            if let Some(byte) = hex {
                decoded.push(byte);
                i += 3;
                continue;
            }
        }
        decoded.push(bytes[i]);
        i += 1;
    }
    decoded
}
