//! A loopback feed server for any test: serves bytes per path with ETag/Last-Modified and 304s,
//! optional gzip and latency, and records what it saw (requests per path, headers, statuses,
//! peak concurrency) so tests can assert on the server's side of the conversation.
//!
//! ```ignore
//! let server = FeedServer::start([("/bbc.xml", Route::feed(xml).with_validators())]);
//! fetch(&server.url("/bbc.xml"));
//! assert_eq!(server.requests("/bbc.xml"), 1);
//! ```

use std::collections::{HashMap, HashSet};
use std::io::Write as _;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// What one path answers.
#[derive(Debug, Clone)]
pub struct Route {
    pub status: u16,
    pub body: Vec<u8>,
    pub content_type: String,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    /// Compress with gzip when the client accepts it.
    pub gzip: bool,
    /// Sent on every answer from this route, 304s included.
    pub headers: Vec<(String, String)>,
}

impl Route {
    /// 200 with an RSS body, no validators.
    pub fn feed(body: impl Into<Vec<u8>>) -> Self {
        Self {
            status: 200,
            body: body.into(),
            content_type: "application/rss+xml; charset=utf-8".into(),
            etag: None,
            last_modified: None,
            gzip: false,
            headers: Vec::new(),
        }
    }

    /// 200 with the bytes of `tests/fixtures/<name>`.
    pub fn fixture(name: &str) -> Self {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name);
        Self::feed(std::fs::read(&path).unwrap_or_else(|e| panic!("fixture {name}: {e}")))
    }

    /// A bare status with an empty body (404, 410, 500 ...).
    pub fn status(code: u16) -> Self {
        Self {
            status: code,
            content_type: "text/plain".into(),
            ..Self::feed(Vec::new())
        }
    }

    /// A redirect to `location` (absolute or relative).
    pub fn redirect(code: u16, location: &str) -> Self {
        Self::status(code).with_header("Location", location)
    }

    /// An `ETag` derived from the body and a fixed Last-Modified, as a static file server sends.
    pub fn with_validators(self) -> Self {
        let etag = format!("\"{:016x}-{}\"", fnv1a(&self.body), self.body.len());
        self.with_etag(&etag)
            .with_last_modified("Mon, 01 Jan 2024 00:00:00 GMT")
    }

    pub fn with_etag(mut self, etag: &str) -> Self {
        self.etag = Some(etag.into());
        self
    }

    pub fn with_last_modified(mut self, date: &str) -> Self {
        self.last_modified = Some(date.into());
        self
    }

    pub fn with_gzip(mut self) -> Self {
        self.gzip = true;
        self
    }

    pub fn with_content_type(mut self, content_type: &str) -> Self {
        self.content_type = content_type.into();
        self
    }

    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }
}

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct LoggedRequest {
    pub method: String,
    /// The request target, query included.
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub status: u16,
    pub peer: Option<SocketAddr>,
}

impl LoggedRequest {
    /// A request header by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn path(&self) -> &str {
        self.url.split('?').next().unwrap_or_default()
    }
}

#[derive(Default)]
struct State {
    routes: Mutex<HashMap<String, Route>>,
    latency: Mutex<Duration>,
    log: Mutex<Vec<LoggedRequest>>,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
    peers: Mutex<HashSet<SocketAddr>>,
    /// While set, every request waits before it is answered (see [`FeedServer::hold`]).
    held: Mutex<bool>,
    gate: std::sync::Condvar,
    /// Signalled when a request arrives, for [`FeedServer::wait_in_flight`].
    arrived: std::sync::Condvar,
}

/// The running server; stops when dropped.
pub struct FeedServer {
    addr: SocketAddr,
    state: Arc<State>,
    server: Arc<super::http::Server>,
    acceptor: Option<JoinHandle<()>>,
}

impl FeedServer {
    /// Starts serving `routes` on 127.0.0.1 at a free port. Unknown paths answer 404.
    pub fn start<P: Into<String>>(routes: impl IntoIterator<Item = (P, Route)>) -> Self {
        let server = Arc::new(super::http::Server::http("127.0.0.1:0").expect("bind loopback"));
        let addr = server.server_addr();
        let state = Arc::new(State::default());
        {
            let mut table = state.routes.lock().expect("routes");
            for (path, route) in routes {
                table.insert(path.into(), route);
            }
        }
        let acceptor = {
            let (server, state) = (Arc::clone(&server), Arc::clone(&state));
            std::thread::spawn(move || {
                // Ends when `unblock` is called on drop.
                while let Ok(request) = server.recv() {
                    let state = Arc::clone(&state);
                    // One thread per request, so latency overlaps as it would on a real server.
                    std::thread::spawn(move || handle(&state, request));
                }
            })
        };
        Self {
            addr,
            state,
            server,
            acceptor: Some(acceptor),
        }
    }

    /// Adds `latency` before every answer.
    pub fn with_latency(self, latency: Duration) -> Self {
        self.set_latency(latency);
        self
    }

    pub fn set_latency(&self, latency: Duration) {
        *self.state.latency.lock().expect("latency") = latency;
    }

    /// Adds or replaces a route while running (a feed that changed, a server that broke).
    pub fn set_route(&self, path: &str, route: Route) {
        self.state
            .routes
            .lock()
            .expect("routes")
            .insert(path.into(), route);
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// Requests received for `path` (query ignored).
    pub fn requests(&self, path: &str) -> usize {
        self.log().iter().filter(|r| r.path() == path).count()
    }

    /// Every request for `path` (query ignored), oldest first.
    pub fn requests_to(&self, path: &str) -> Vec<LoggedRequest> {
        self.log()
            .into_iter()
            .filter(|r| r.path() == path)
            .collect()
    }

    pub fn total_requests(&self) -> usize {
        self.state.log.lock().expect("log").len()
    }

    /// Answers with this status so far.
    pub fn answered(&self, status: u16) -> usize {
        self.log().iter().filter(|r| r.status == status).count()
    }

    pub fn log(&self) -> Vec<LoggedRequest> {
        self.state.log.lock().expect("log").clone()
    }

    /// From now on requests wait, unanswered, until [`Self::release`]: a test can hold a server
    /// busy for exactly as long as it needs, without guessing how long that is.
    pub fn hold(&self) {
        *self.state.held.lock().expect("held") = true;
    }

    pub fn release(&self) {
        *self.state.held.lock().expect("held") = false;
        self.state.gate.notify_all();
    }

    /// Waits (bounded) until `n` requests are being handled at once.
    pub fn wait_in_flight(&self, n: usize, timeout: Duration) -> bool {
        let held = self.state.held.lock().expect("held");
        let (_g, res) = self
            .state
            .arrived
            .wait_timeout_while(held, timeout, |_| {
                self.state.in_flight.load(Ordering::SeqCst) < n
            })
            .expect("wait");
        !res.timed_out()
    }

    /// The requests being handled now.
    pub fn in_flight(&self) -> usize {
        self.state.in_flight.load(Ordering::SeqCst)
    }

    /// The most requests this server was handling at one moment.
    pub fn max_in_flight(&self) -> usize {
        self.state.max_in_flight.load(Ordering::SeqCst)
    }

    /// Distinct client connections (peer addresses) seen so far.
    pub fn connections(&self) -> usize {
        self.state.peers.lock().expect("peers").len()
    }
}

impl Drop for FeedServer {
    fn drop(&mut self) {
        self.release();
        self.server.unblock();
        if let Some(t) = self.acceptor.take() {
            let _ = t.join();
        }
    }
}

fn handle(state: &State, request: super::http::Request) {
    let now = state.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    state.max_in_flight.fetch_max(now, Ordering::SeqCst);
    let headers: Vec<(String, String)> = request.headers().to_vec();
    let get = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    };
    let url = request.url().to_owned();
    let path = url.split('?').next().unwrap_or_default();
    let route = state.routes.lock().expect("routes").get(path).cloned();
    let latency = *state.latency.lock().expect("latency");
    if !latency.is_zero() {
        std::thread::sleep(latency);
    }
    {
        let held = state.held.lock().expect("held");
        state.arrived.notify_all();
        let _open = state.gate.wait_while(held, |h| *h).expect("gate");
    }

    let route = route.unwrap_or_else(|| Route::status(404));
    let not_modified = route.status == 200
        && match (get("If-None-Match"), &route.etag) {
            (Some(inm), Some(etag)) => inm.split(',').any(|t| t.trim() == etag || t.trim() == "*"),
            (Some(_), None) => false,
            (None, _) => matches!((get("If-Modified-Since"), &route.last_modified),
                (Some(ims), Some(lm)) if ims == lm),
        };
    let gzip = route.gzip && get("Accept-Encoding").is_some_and(|v| v.contains("gzip"));
    let status = if not_modified { 304 } else { route.status };
    let body = if not_modified {
        Vec::new()
    } else if gzip {
        gzip_bytes(&route.body)
    } else {
        route.body.clone()
    };

    let mut response = super::http::Response::new(status, body);
    let mut add = |k: &str, v: &str| response.add_header(k, v);
    if !not_modified {
        add("Content-Type", &route.content_type);
    }
    if gzip && !not_modified {
        add("Content-Encoding", "gzip");
    }
    if let Some(etag) = &route.etag {
        add("ETag", etag);
    }
    if let Some(lm) = &route.last_modified {
        add("Last-Modified", lm);
    }
    for (k, v) in &route.headers {
        add(k, v);
    }

    let peer = Some(request.remote_addr());
    if let Some(peer) = peer {
        state.peers.lock().expect("peers").insert(peer);
    }
    state.log.lock().expect("log").push(LoggedRequest {
        method: request.method().to_string(),
        url: url.clone(),
        headers: headers.clone(),
        status,
        peer,
    });
    // Counted as done before the answer goes out, so a client that sees the answer and starts
    // its next request is never counted twice.
    state.in_flight.fetch_sub(1, Ordering::SeqCst);
    request.respond(response);
}

fn gzip_bytes(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(data).expect("gzip into memory");
    enc.finish().expect("gzip into memory")
}

/// A stable, dependency-free hash for test `ETags`.
fn fnv1a(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}
