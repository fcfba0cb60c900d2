//! A minimal HTTP/1.1 server for the test servers: one thread per connection, keep-alive, and
//! every request handed to the caller through `recv`, in the manner of `tiny_http`.
//!
//! Why not `tiny_http` itself: its worker pool can leave an accepted keep-alive connection queued
//! behind busy workers with no thread to serve it (seen under CPU load: a request that never
//! reached the handler and timed out the client). Here every connection has its own thread, so a
//! request is always read as soon as it arrives.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};

/// The largest request body read (the fakes only take small forms).
const MAX_BODY: usize = 1 << 20;

pub struct Server {
    addr: SocketAddr,
    requests: Mutex<Receiver<Request>>,
    stop: Arc<AtomicBool>,
}

/// One request; answer it with [`Request::respond`] or [`Request::respond_raw`]. Dropping it
/// unanswered closes the connection.
pub struct Request {
    method: String,
    url: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    remote_addr: SocketAddr,
    reply: Sender<Reply>,
}

enum Reply {
    Response(Response),
    /// Bytes written as they are, then the connection is closed.
    Raw(Vec<u8>),
}

pub struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Response {
    pub fn new(status: u16, body: impl Into<Vec<u8>>) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: body.into(),
        }
    }

    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.add_header(name, value);
        self
    }

    pub fn add_header(&mut self, name: &str, value: &str) {
        // A header that would break the framing is dropped, as tiny_http refused it.
        if !name.is_empty() && !format!("{name}{value}").contains(['\r', '\n']) {
            self.headers.push((name.to_owned(), value.to_owned()));
        }
    }
}

impl Server {
    /// Binds `addr` (use port 0) and starts accepting.
    pub fn http(addr: &str) -> std::io::Result<Self> {
        let listener = TcpListener::bind(addr)?;
        let addr = listener.local_addr()?;
        let (tx, rx) = channel();
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = Arc::clone(&stop);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stopping.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let tx = tx.clone();
                std::thread::spawn(move || serve(stream, &tx));
            }
        });
        Ok(Self {
            addr,
            requests: Mutex::new(rx),
            stop,
        })
    }

    pub fn server_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The next request; `Err` once the server is stopped.
    pub fn recv(&self) -> Result<Request, ()> {
        let rx = self.requests.lock().map_err(|_| ())?;
        loop {
            if self.stop.load(Ordering::SeqCst) {
                return Err(());
            }
            match rx.recv_timeout(std::time::Duration::from_millis(50)) {
                Ok(r) => return Ok(r),
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => return Err(()),
            }
        }
    }

    /// Stops accepting and makes `recv` return `Err`.
    pub fn unblock(&self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the acceptor so it sees the flag.
        let _ = TcpStream::connect(self.addr);
    }
}

impl Request {
    pub fn method(&self) -> &str {
        &self.method
    }
    pub fn url(&self) -> &str {
        &self.url
    }
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }
    pub fn body(&self) -> &[u8] {
        &self.body
    }
    pub fn remote_addr(&self) -> SocketAddr {
        self.remote_addr
    }
    pub fn respond(self, response: Response) {
        let _ = self.reply.send(Reply::Response(response));
    }
    pub fn respond_raw(self, bytes: &[u8]) {
        let _ = self.reply.send(Reply::Raw(bytes.to_vec()));
    }
}

/// Reads requests from one connection in turn, hands each to `recv`, writes its answer.
fn serve(stream: TcpStream, requests: &Sender<Request>) {
    let _ = stream.set_nodelay(true);
    let Ok(remote_addr) = stream.peer_addr() else {
        return;
    };
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    while let Some((method, url, headers)) = read_head(&mut reader) {
        let get = |name: &str| {
            headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.clone())
        };
        let len = get("content-length")
            .and_then(|v| v.trim().parse::<usize>().ok())
            .unwrap_or(0);
        let mut body = vec![0; len.min(MAX_BODY)];
        if reader.read_exact(&mut body).is_err() {
            break;
        }
        let close = get("connection").is_some_and(|v| v.eq_ignore_ascii_case("close"));
        let (tx, rx) = channel();
        let head_only = method == "HEAD";
        let request = Request {
            method,
            url,
            headers,
            body,
            remote_addr,
            reply: tx,
        };
        if requests.send(request).is_err() {
            break;
        }
        match rx.recv() {
            Ok(Reply::Response(r)) => {
                if write_response(&mut writer, &r, head_only).is_err() || close {
                    break;
                }
            }
            Ok(Reply::Raw(bytes)) => {
                let _ = writer.write_all(&bytes);
                let _ = writer.flush();
                break;
            }
            Err(_) => break,
        }
    }
    let _ = writer.shutdown(Shutdown::Both);
}

type Head = (String, String, Vec<(String, String)>);

fn read_head(reader: &mut BufReader<TcpStream>) -> Option<Head> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_owned();
    let url = parts.next()?.to_owned();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).ok()? == 0 {
            return None;
        }
        let h = h.trim_end_matches(['\r', '\n']);
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.push((k.trim().to_owned(), v.trim().to_owned()));
        }
    }
    Some((method, url, headers))
}

fn write_response(w: &mut TcpStream, r: &Response, head_only: bool) -> std::io::Result<()> {
    let mut out = format!("HTTP/1.1 {} {}\r\n", r.status, reason(r.status));
    let bodiless = r.status == 304 || r.status == 204 || (100..200).contains(&r.status);
    if !bodiless {
        out.push_str(&format!("Content-Length: {}\r\n", r.body.len()));
    }
    for (k, v) in &r.headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str("\r\n");
    let mut bytes = out.into_bytes();
    if !bodiless && !head_only {
        bytes.extend_from_slice(&r.body);
    }
    w.write_all(&bytes)?;
    w.flush()
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        204 => "No Content",
        205 => "Reset Content",
        301 => "Moved Permanently",
        302 => "Found",
        304 => "Not Modified",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        410 => "Gone",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Status",
    }
}
