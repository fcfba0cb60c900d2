//! A fake GitHub on 127.0.0.1 that answers the device flow, the token endpoint (device and
//! refresh grants) and `GET /user` the way github.com does:
//! - form-urlencoded unless the request sends `Accept: application/json`;
//! - poll errors with HTTP 200 and an `error` field; `slow_down` adds 5 to the interval and
//!   says so in `interval`; polling sooner than the interval in force earns a `slow_down` too
//!   (and is counted in [`FakeGithub::too_fast_polls`]);
//! - `device_flow_disabled` with HTTP 400 from the code endpoint, 404 for an unknown client id;
//! - `/user`: 403 without a User-Agent, 401 for a bad token, scopes in `X-OAuth-Scopes`.
//!
//! Each test starts its own with a [`Script`] and reads what happened from
//! [`FakeGithub::requests`] (every request with its arrival time). Intervals and lifetimes are
//! whole "seconds" as on GitHub; `Script::second` says how long one lasts, and the client must
//! be given the same unit (`NEWSROOM_TEST_AUTH_SECOND_MS` or `DeviceFlow::with_time_unit`).
//!
//! ```ignore
//! let gh = FakeGithub::start(Script { approve_after: None, ..Script::default() });
//! // point [github] web_url and api_url at gh.url(), client_id at gh.client_id()
//! gh.wait_for_code(Duration::from_secs(5));  // the code the user would see
//! gh.approve();                               // the user clicks "Authorize"
//! ```
#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use newsroom::config::GithubConfig;

/// How the fake behaves. Poll numbers are 1-based and count the polls of one device code.
#[derive(Debug, Clone)]
pub struct Script {
    pub client_id: String,
    /// Seconds, as GitHub sends it.
    pub interval: u32,
    pub expires_in: u32,
    /// How long one of the fake's seconds lasts (for expiry and the too-fast check).
    pub second: Duration,
    pub device_flow_disabled: bool,
    /// Approve on this poll; `None`: wait for [`FakeGithub::approve`].
    pub approve_after: Option<usize>,
    pub deny_after: Option<usize>,
    /// Answer this error (`expired_token` or `token_expired`) from this poll on.
    pub expire_after: Option<(usize, &'static str)>,
    /// Answer `slow_down` on these polls.
    pub slow_down_at: Vec<usize>,
    /// `slow_down` without the `interval` field (the client must add 5 itself).
    pub slow_down_omits_interval: bool,
    /// Break the connection (no HTTP answer) on these polls.
    pub offline_at: Vec<usize>,
    /// Answer HTTP 502 on these polls.
    pub server_error_at: Vec<usize>,
    /// Answer this `error` with HTTP 200 on this poll.
    pub poll_error: Option<(usize, &'static str)>,
    /// Always answer form-urlencoded, as if a proxy stripped `Accept`.
    pub ignore_accept: bool,
    /// Issued access tokens expire after this many (real) seconds and come with a refresh token.
    pub token_expires_in: Option<u64>,
    pub refresh_token_expires_in: Option<u64>,
    /// The `scope` field of the token answer.
    pub granted_scope: String,
    pub login: String,
    /// `X-OAuth-Scopes` on `/user`; `None` sends no such header (GitHub App tokens).
    pub scopes_header: Option<String>,
    /// Refuse every refresh grant with `bad_refresh_token`.
    pub refresh_rejects: bool,
    /// Prefix of issued tokens (so tests can search for them).
    pub token_prefix: String,
    /// API requests (counted from 1, 304s included) answered with a secondary rate limit:
    /// HTTP 403, `retry-after` in seconds and GitHub's message.
    pub secondary_limit_at: Vec<(usize, u64)>,
    /// `X-Poll-Interval` on `/notifications`, in seconds.
    pub poll_interval: u64,
    /// Answer thread writes (PATCH, DELETE, PUT /notifications) with HTTP 502.
    pub fail_writes: bool,
    /// Answer `GET /notifications` with this body instead of the threads (malformed answers).
    pub inbox_body: Option<String>,
}

impl Default for Script {
    fn default() -> Self {
        Self {
            client_id: "Iv1.fake0client0id".into(),
            interval: 1,
            expires_in: 900,
            second: Duration::from_millis(50),
            device_flow_disabled: false,
            approve_after: Some(2),
            deny_after: None,
            expire_after: None,
            slow_down_at: Vec::new(),
            slow_down_omits_interval: false,
            offline_at: Vec::new(),
            server_error_at: Vec::new(),
            poll_error: None,
            ignore_accept: false,
            token_expires_in: None,
            refresh_token_expires_in: None,
            granted_scope: "read:user,gist".into(),
            login: "octocat".into(),
            scopes_header: Some("read:user, gist".into()),
            refresh_rejects: false,
            token_prefix: "gho_FAKE".into(),
            secondary_limit_at: Vec::new(),
            poll_interval: 60,
            fail_writes: false,
            inbox_body: None,
        }
    }
}

/// One request as the fake saw it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub at: Instant,
    pub method: String,
    pub path: String,
    /// What followed `?` in the URL.
    pub query: String,
    /// Lower-cased names.
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// What the fake answered, in a word: `authorization_pending`, `slow_down`, `token`,
    /// `offline`, `user`, `401`, ...
    pub answer: String,
    /// The interval in force for this poll's code (in the fake's seconds) when it arrived.
    pub interval_in_force: u32,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn form(&self) -> HashMap<String, String> {
        url::form_urlencoded::parse(self.body.as_bytes())
            .into_owned()
            .collect()
    }

    /// A device-grant poll of the token endpoint.
    pub fn is_poll(&self) -> bool {
        self.path == "/login/oauth/access_token"
            && self.form().get("grant_type").map(String::as_str)
                == Some("urn:ietf:params:oauth:grant-type:device_code")
    }
}

struct Code {
    device_code: String,
    user_code: String,
    issued: Instant,
    interval: u32,
    polls: usize,
    last_poll: Option<Instant>,
    approved: bool,
    denied: bool,
    used: bool,
}

struct Issued {
    access: String,
    refresh: Option<String>,
    expires: Option<Instant>,
    valid: bool,
}

struct State {
    script: Script,
    codes: Vec<Code>,
    tokens: Vec<Issued>,
    requests: Vec<Recorded>,
    too_fast: usize,
    counter: u64,
    /// API requests seen (everything but the OAuth endpoints).
    api_requests: usize,
    /// The primary rate-limit budget left; a 304 does not cost one.
    remaining: u64,
    /// Notification threads (GitHub's JSON), and a version that moves `Last-Modified`.
    threads: Vec<serde_json::Value>,
    inbox_version: u64,
    /// Subject and comment answers by API path.
    subjects: HashMap<String, serde_json::Value>,
    /// Starred repositories (`owner/name`) and their releases (GitHub's JSON).
    starred: Vec<String>,
    releases: HashMap<String, Vec<serde_json::Value>>,
    gists: super::fake_gist::Gists,
}

struct Shared {
    state: Mutex<State>,
    changed: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

pub struct FakeGithub {
    base: String,
    shared: Arc<Shared>,
    server: Arc<super::http::Server>,
    thread: Option<JoinHandle<()>>,
}

impl FakeGithub {
    pub fn start(script: Script) -> Self {
        let server = Arc::new(super::http::Server::http("127.0.0.1:0").expect("bind 127.0.0.1"));
        let port = server.server_addr().port();
        let base = format!("http://127.0.0.1:{port}");
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                script,
                codes: Vec::new(),
                tokens: Vec::new(),
                requests: Vec::new(),
                too_fast: 0,
                counter: 0,
                api_requests: 0,
                remaining: 5000,
                threads: Vec::new(),
                inbox_version: 0,
                subjects: HashMap::new(),
                starred: Vec::new(),
                releases: HashMap::new(),
                gists: super::fake_gist::Gists::new(&base),
            }),
            changed: Condvar::new(),
        });
        let (srv, sh, b) = (server.clone(), shared.clone(), base.clone());
        let thread = std::thread::spawn(move || {
            while let Ok(request) = srv.recv() {
                handle(&sh, &b, request);
                sh.changed.notify_all();
            }
        });
        Self {
            base,
            shared,
            server,
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:PORT`: both the web root and the API root.
    pub fn url(&self) -> String {
        self.base.clone()
    }

    pub fn client_id(&self) -> String {
        self.shared.lock().script.client_id.clone()
    }

    /// A `[github]` section pointing at this fake, for the given host name (the keyring account).
    pub fn github_config(&self, host: &str) -> GithubConfig {
        GithubConfig {
            client_id: Some(self.client_id()),
            host: host.to_owned(),
            web_url: self.url(),
            api_url: self.url(),
            scopes: vec!["read:user".into()],
            inbox: true,
            releases: true,
        }
    }

    /// A notification thread about issue (or pull request, with `kind` `PullRequest`) `number`
    /// of `repo`, updated `minutes_ago`, with its subject's body and one latest comment.
    pub fn add_thread(
        &self,
        id: u64,
        repo: &str,
        (kind, number): (&str, u64),
        title: &str,
        reason: &str,
        minutes_ago: i64,
    ) {
        let base = self.url();
        let what = if kind == "PullRequest" {
            "pulls"
        } else {
            "issues"
        };
        let subject = format!("/repos/{repo}/{what}/{number}");
        let comment = format!("/repos/{repo}/issues/comments/{}", id * 10);
        let updated = chrono::Utc::now() - chrono::Duration::minutes(minutes_ago);
        let mut s = self.shared.lock();
        s.subjects.insert(
            subject.clone(),
            serde_json::json!({
                "title": title, "state": "open", "user": {"login": "hubot"},
                "body_html": format!("<p>Body of <strong>{title}</strong>.</p>"),
            }),
        );
        s.subjects.insert(
            comment.clone(),
            serde_json::json!({
                "user": {"login": "monalisa"},
                "body_html": format!("<p>Latest comment on {title}.</p>"),
            }),
        );
        s.threads.push(serde_json::json!({
            "id": id.to_string(),
            "unread": true,
            "reason": reason,
            "updated_at": updated.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            "last_read_at": null,
            "subject": {
                "title": title,
                "url": format!("{base}{subject}"),
                "latest_comment_url": format!("{base}{comment}"),
                "type": kind,
            },
            "repository": {"full_name": repo, "html_url": format!("{base}/{repo}")},
            "url": format!("{base}/notifications/threads/{id}"),
        }));
        s.inbox_version += 1;
    }

    /// Thread ids and whether each is unread, as the fake holds them now.
    pub fn threads(&self) -> Vec<(String, bool)> {
        self.shared
            .lock()
            .threads
            .iter()
            .map(|t| {
                (
                    t["id"].as_str().unwrap_or_default().to_owned(),
                    t["unread"].as_bool().unwrap_or(false),
                )
            })
            .collect()
    }

    /// The user starred `repo`, which has these releases `(id, tag, notes_html)`, newest first.
    pub fn star(&self, repo: &str, releases: &[(u64, &str, &str)]) {
        let mut s = self.shared.lock();
        s.starred.push(repo.to_owned());
        let list = releases
            .iter()
            .enumerate()
            .map(|(i, (id, tag, notes))| {
                let at = chrono::Utc::now() - chrono::Duration::hours(i64::try_from(i).unwrap());
                serde_json::json!({
                    "id": id, "tag_name": tag, "name": format!("Release {tag}"),
                    "draft": false, "body_html": notes,
                    "published_at": at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                })
            })
            .collect();
        s.releases.insert(repo.to_owned(), list);
    }

    /// The gist endpoints: their settings, the gists, what arrived (see `fake_gist.rs`).
    pub fn gists<T>(&self, f: impl FnOnce(&mut super::fake_gist::Gists) -> T) -> T {
        f(&mut self.shared.lock().gists)
    }

    /// Waits (bounded) until a request `method path` has arrived.
    pub fn wait_for_request(&self, method: &str, path: &str, timeout: Duration) -> bool {
        self.wait_until(timeout, |s| {
            s.requests
                .iter()
                .any(|r| r.method == method && r.path == path)
                .then_some(())
        })
        .is_some()
    }

    /// Waits (bounded) until a request `method path` arrives after the first `after` requests.
    pub fn wait_for_request_after(
        &self,
        after: usize,
        method: &str,
        path: &str,
        timeout: Duration,
    ) -> bool {
        self.wait_until(timeout, |s| {
            s.requests
                .iter()
                .skip(after)
                .any(|r| r.method == method && r.path == path)
                .then_some(())
        })
        .is_some()
    }

    pub fn set_fail_writes(&self, fail: bool) {
        self.shared.lock().script.fail_writes = fail;
    }

    /// The user approves the newest code.
    pub fn approve(&self) {
        if let Some(c) = self.shared.lock().codes.last_mut() {
            c.approved = true;
        }
    }

    /// The user cancels on GitHub.
    pub fn deny(&self) {
        if let Some(c) = self.shared.lock().codes.last_mut() {
            c.denied = true;
        }
    }

    /// Revokes every token issued so far (`/user` answers 401 from now on).
    pub fn revoke_all(&self) {
        for t in &mut self.shared.lock().tokens {
            t.valid = false;
        }
    }

    /// Accepts `token` on `/user` as if GitHub had issued it (for `NEWSROOM_GITHUB_TOKEN`).
    pub fn add_token(&self, token: &str) {
        self.shared.lock().tokens.push(Issued {
            access: token.to_owned(),
            refresh: None,
            expires: None,
            valid: true,
        });
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.shared.lock().requests.clone()
    }

    /// Device-grant polls only.
    pub fn polls(&self) -> Vec<Recorded> {
        self.requests()
            .into_iter()
            .filter(Recorded::is_poll)
            .collect()
    }

    /// Device codes issued so far (secrets too: they must not leak either).
    pub fn device_codes(&self) -> Vec<String> {
        self.shared
            .lock()
            .codes
            .iter()
            .map(|c| c.device_code.clone())
            .collect()
    }

    /// Access tokens issued so far (device and refresh grants).
    pub fn issued_tokens(&self) -> Vec<String> {
        self.shared
            .lock()
            .tokens
            .iter()
            .map(|t| t.access.clone())
            .collect()
    }

    pub fn issued_refresh_tokens(&self) -> Vec<String> {
        self.shared
            .lock()
            .tokens
            .iter()
            .filter_map(|t| t.refresh.clone())
            .collect()
    }

    /// Polls that came sooner than the interval in force (GitHub answers those `slow_down`).
    pub fn too_fast_polls(&self) -> usize {
        self.shared.lock().too_fast
    }

    /// The newest user code, waiting up to `timeout` for one to be issued.
    pub fn wait_for_code(&self, timeout: Duration) -> Option<String> {
        self.wait_until(timeout, |s| s.codes.last().map(|c| c.user_code.clone()))
    }

    /// Waits until at least `n` device-grant polls have arrived.
    pub fn wait_for_polls(&self, n: usize, timeout: Duration) -> bool {
        self.wait_until(timeout, |s| {
            (s.requests.iter().filter(|r| r.is_poll()).count() >= n).then_some(())
        })
        .is_some()
    }

    fn wait_until<T>(
        &self,
        timeout: Duration,
        mut f: impl FnMut(&State) -> Option<T>,
    ) -> Option<T> {
        let deadline = Instant::now() + timeout;
        let mut state = self.shared.lock();
        loop {
            if let Some(v) = f(&state) {
                return Some(v);
            }
            let left = deadline.checked_duration_since(Instant::now())?;
            state = self
                .shared
                .changed
                .wait_timeout(state, left)
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .0;
        }
    }
}

impl Drop for FakeGithub {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// One answer: fields (JSON or form), or something rawer.
enum Answer {
    Fields {
        status: u16,
        fields: Vec<(&'static str, serde_json::Value)>,
    },
    Json {
        status: u16,
        body: serde_json::Value,
        headers: Vec<(String, String)>,
    },
    Text {
        status: u16,
        body: String,
    },
    /// A JSON content type with any body, well-formed or not.
    Raw {
        status: u16,
        body: String,
        headers: Vec<(String, String)>,
    },
    /// The connection breaks without an HTTP answer.
    Broken,
}

impl From<super::fake_gist::Reply> for Answer {
    fn from(r: super::fake_gist::Reply) -> Self {
        match r {
            super::fake_gist::Reply::Json {
                status,
                headers,
                body,
            } => Self::Json {
                status,
                body,
                headers,
            },
            super::fake_gist::Reply::Text { status, body } => Self::Text { status, body },
        }
    }
}

fn error(code: &str) -> Answer {
    Answer::Fields {
        status: 200,
        fields: vec![("error", code.into())],
    }
}

fn handle(shared: &Shared, base: &str, request: super::http::Request) {
    let at = Instant::now();
    let body = String::from_utf8_lossy(request.body()).into_owned();
    let headers: Vec<(String, String)> = request
        .headers()
        .iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), v.clone()))
        .collect();
    let (path, query) = request.url().split_once('?').unwrap_or((request.url(), ""));
    let (path, query) = (path.to_owned(), query.to_owned());
    let method = request.method().to_owned();
    let mut rec = Recorded {
        at,
        method,
        path,
        query,
        headers,
        body,
        answer: String::new(),
        interval_in_force: 0,
    };

    let mut state = shared.lock();
    let answer = route(&mut state, base, &mut rec);
    rec.answer = match &answer {
        Answer::Fields { fields, status } => {
            fields.iter().find(|(k, _)| *k == "error").map_or_else(
                || {
                    if *status == 200 {
                        "ok".into()
                    } else {
                        status.to_string()
                    }
                },
                |(_, v)| v.as_str().unwrap_or("").to_owned(),
            )
        }
        Answer::Json { status, .. } | Answer::Text { status, .. } | Answer::Raw { status, .. } => {
            status.to_string()
        }
        Answer::Broken => "offline".into(),
    };
    let json = !state.script.ignore_accept
        && rec
            .header("accept")
            .is_some_and(|a| a.contains("application/json"));
    state.requests.push(rec);
    drop(state);
    respond(request, answer, json);
}

fn respond(request: super::http::Request, answer: Answer, json: bool) {
    use super::http::Response;
    match answer {
        Answer::Fields { status, fields } => {
            let (body, ctype) = if json {
                let map: serde_json::Map<String, serde_json::Value> =
                    fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
                (
                    serde_json::Value::Object(map).to_string(),
                    "application/json; charset=utf-8",
                )
            } else {
                let mut ser = url::form_urlencoded::Serializer::new(String::new());
                for (k, v) in &fields {
                    let text = v.as_str().map_or_else(|| v.to_string(), str::to_owned);
                    ser.append_pair(k, &text);
                }
                (
                    ser.finish(),
                    "application/x-www-form-urlencoded; charset=utf-8",
                )
            };
            request.respond(Response::new(status, body).with_header("Content-Type", ctype));
        }
        Answer::Json {
            status,
            body,
            headers,
        } => {
            // A 304, 204 or 205 has no body.
            let text = if matches!(status, 204 | 205 | 304) {
                String::new()
            } else {
                body.to_string()
            };
            let mut resp = Response::new(status, text)
                .with_header("Content-Type", "application/json; charset=utf-8");
            for (k, v) in headers {
                resp.add_header(&k, &v);
            }
            request.respond(resp);
        }
        Answer::Raw {
            status,
            body,
            headers,
        } => {
            let mut resp = Response::new(status, body)
                .with_header("Content-Type", "application/json; charset=utf-8");
            for (k, v) in headers {
                resp.add_header(&k, &v);
            }
            request.respond(resp);
        }
        Answer::Text { status, body } => request.respond(
            Response::new(status, body).with_header("Content-Type", "text/plain; charset=utf-8"),
        ),
        // Not HTTP at all: the client sees a broken connection, as when offline.
        Answer::Broken => request.respond_raw(b"\x00\x01 not http\r\n\r\n"),
    }
}

fn route(s: &mut State, base: &str, rec: &mut Recorded) -> Answer {
    match (rec.method.as_str(), rec.path.as_str()) {
        ("POST", "/login/device/code") => device_code(s, base, rec),
        ("POST", "/login/oauth/access_token") => {
            let form = rec.form();
            match form.get("grant_type").map(String::as_str) {
                Some("urn:ietf:params:oauth:grant-type:device_code") => poll(s, rec, &form),
                Some("refresh_token") => refresh(s, &form),
                _ => error("unsupported_grant_type"),
            }
        }
        (_, path) if path.starts_with("/raw/") => s.gists.raw(rec).into(),
        (_, path) if !path.starts_with("/login/") => api(s, rec),
        _ => Answer::Json {
            status: 404,
            body: serde_json::json!({"message": "Not Found"}),
            headers: vec![],
        },
    }
}

fn device_code(s: &mut State, base: &str, rec: &Recorded) -> Answer {
    let form = rec.form();
    if form.get("client_id") != Some(&s.script.client_id) {
        return Answer::Fields {
            status: 404,
            fields: vec![("error", "Not Found".into())],
        };
    }
    if s.script.device_flow_disabled {
        return Answer::Fields {
            status: 400,
            fields: vec![
                ("error", "device_flow_disabled".into()),
                (
                    "error_description",
                    "Device Flow must be explicitly enabled for this App".into(),
                ),
                ("error_uri", "https://docs.github.com".into()),
            ],
        };
    }
    s.counter += 1;
    let n = s.counter;
    let code = Code {
        device_code: format!("{:040x}", random_u128(n)),
        user_code: format!("WDJB-{:04}", n % 10_000),
        issued: Instant::now(),
        interval: s.script.interval,
        polls: 0,
        last_poll: None,
        approved: false,
        denied: false,
        used: false,
    };
    let fields = vec![
        ("device_code", code.device_code.clone().into()),
        ("user_code", code.user_code.clone().into()),
        ("verification_uri", format!("{base}/login/device").into()),
        ("expires_in", s.script.expires_in.into()),
        ("interval", s.script.interval.into()),
    ];
    s.codes.push(code);
    Answer::Fields {
        status: 200,
        fields,
    }
}

fn poll(s: &mut State, rec: &mut Recorded, form: &HashMap<String, String>) -> Answer {
    let now = rec.at;
    if form.get("client_id") != Some(&s.script.client_id) {
        return error("incorrect_client_credentials");
    }
    let script = s.script.clone();
    let unit = script.second;
    let Some(code) = s
        .codes
        .iter_mut()
        .find(|c| Some(&c.device_code) == form.get("device_code"))
    else {
        return error("incorrect_device_code");
    };
    code.polls += 1;
    let n = code.polls;
    rec.interval_in_force = code.interval;
    let too_fast = code
        .last_poll
        .is_some_and(|last| now.duration_since(last) < unit * code.interval);
    code.last_poll = Some(now);
    if too_fast {
        code.interval += 5;
        s.too_fast += 1;
        let interval = code.interval;
        return Answer::Fields {
            status: 200,
            fields: vec![("error", "slow_down".into()), ("interval", interval.into())],
        };
    }
    if script.offline_at.contains(&n) {
        return Answer::Broken;
    }
    if script.server_error_at.contains(&n) {
        return Answer::Text {
            status: 502,
            body: "Bad Gateway".into(),
        };
    }
    if code.used {
        return error("incorrect_device_code");
    }
    if now.duration_since(code.issued) >= unit * script.expires_in {
        return error("expired_token");
    }
    if let Some((from, name)) = script.expire_after
        && n >= from
    {
        return error(name);
    }
    if script.slow_down_at.contains(&n) {
        code.interval += 5;
        let mut fields = vec![("error", "slow_down".into())];
        if !script.slow_down_omits_interval {
            fields.push(("interval", code.interval.into()));
        }
        return Answer::Fields {
            status: 200,
            fields,
        };
    }
    if let Some((at, name)) = script.poll_error
        && at == n
    {
        return error(name);
    }
    if code.denied || script.deny_after == Some(n) {
        return Answer::Fields {
            status: 200,
            fields: vec![
                ("error", "access_denied".into()),
                (
                    "error_description",
                    "The authorization request was denied.".into(),
                ),
            ],
        };
    }
    if code.approved || script.approve_after == Some(n) {
        code.used = true;
        return grant(s);
    }
    error("authorization_pending")
}

fn grant(s: &mut State) -> Answer {
    s.counter += 1;
    let n = s.counter;
    let script = &s.script;
    let access = format!("{}{n}x{:032x}", script.token_prefix, random_u128(n));
    let mut fields = vec![
        ("access_token", access.clone().into()),
        ("token_type", "bearer".into()),
        ("scope", script.granted_scope.clone().into()),
    ];
    let mut issued = Issued {
        access,
        refresh: None,
        expires: None,
        valid: true,
    };
    if let Some(secs) = script.token_expires_in {
        let refresh = format!("ghr_FAKE{n}r{:032x}", random_u128(n + 7));
        fields.push(("expires_in", secs.into()));
        fields.push(("refresh_token", refresh.clone().into()));
        fields.push((
            "refresh_token_expires_in",
            script.refresh_token_expires_in.unwrap_or(15_897_600).into(),
        ));
        issued.refresh = Some(refresh);
        issued.expires = Some(Instant::now() + Duration::from_secs(secs));
    }
    s.tokens.push(issued);
    Answer::Fields {
        status: 200,
        fields,
    }
}

fn refresh(s: &mut State, form: &HashMap<String, String>) -> Answer {
    let bad = Answer::Fields {
        status: 200,
        fields: vec![
            ("error", "bad_refresh_token".into()),
            (
                "error_description",
                "The refresh token passed is incorrect or expired.".into(),
            ),
        ],
    };
    if form.get("client_id") != Some(&s.script.client_id) {
        return error("incorrect_client_credentials");
    }
    if s.script.refresh_rejects {
        return bad;
    }
    let given = form.get("refresh_token");
    let Some(old) = s
        .tokens
        .iter_mut()
        .find(|t| t.refresh.is_some() && t.refresh.as_ref() == given)
    else {
        return bad;
    };
    // GitHub rotates: the old refresh token is spent.
    old.refresh = None;
    grant(s)
}

/// The REST API as GitHub answers it: a User-Agent is required, a bad token is 401, every
/// answer carries the rate-limit budget (which a 304 does not spend), a secondary rate limit
/// is a 403 with `retry-after`.
fn api(s: &mut State, rec: &Recorded) -> Answer {
    s.api_requests += 1;
    let n = s.api_requests;
    if let Some((_, secs)) = s.script.secondary_limit_at.iter().find(|(at, _)| *at == n) {
        return Answer::Json {
            status: 403,
            body: serde_json::json!({
                "message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
                "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"
            }),
            headers: vec![("retry-after".into(), secs.to_string())],
        };
    }
    let answer = match (rec.method.as_str(), rec.path.as_str()) {
        ("GET", "/user") => user(s, rec),
        ("GET", "/notifications") => notifications(s, rec),
        ("PUT", "/notifications") => thread_write(s, rec, None),
        (m, path) if path.starts_with("/notifications/threads/") => {
            let id = path
                .trim_start_matches("/notifications/threads/")
                .to_owned();
            if m == "PATCH" || m == "DELETE" {
                thread_write(s, rec, Some(id))
            } else {
                not_found()
            }
        }
        (_, path) if path == "/gists" || path.starts_with("/gists/") => {
            let ctx = super::fake_gist::Ctx {
                authorized: token_ok(s, rec),
                token: bearer(rec).unwrap_or_default(),
                granted: &s.script.granted_scope,
                login: &s.script.login,
                second: s.script.second,
            };
            s.gists.api(&ctx, rec).map_or_else(not_found, Answer::from)
        }
        ("GET", "/user/starred") => starred(s, rec),
        ("GET", path) if path.starts_with("/repos/") && path.ends_with("/releases") => {
            releases(s, rec)
        }
        ("GET", path) if s.subjects.contains_key(path) => {
            if !token_ok(s, rec) {
                return bad_credentials();
            }
            let html = rec
                .header("accept")
                .is_some_and(|a| a.contains("html+json"));
            let mut body = s.subjects[path].clone();
            if !html {
                // Without the HTML media type GitHub sends Markdown in `body`.
                body["body"] = body["body_html"].take();
            }
            Answer::Json {
                status: 200,
                body,
                headers: vec![],
            }
        }
        _ => Answer::Json {
            status: 404,
            body: serde_json::json!({"message": "Not Found"}),
            headers: vec![],
        },
    };
    let mut answer = answer;
    if let Answer::Json {
        status, headers, ..
    } = &mut answer
    {
        if *status != 304 {
            s.remaining = s.remaining.saturating_sub(1);
        }
        headers.push(("x-ratelimit-limit".into(), "5000".into()));
        headers.push(("x-ratelimit-remaining".into(), s.remaining.to_string()));
        headers.push(("x-ratelimit-reset".into(), "1893456000".into()));
    }
    answer
}

fn bearer(rec: &Recorded) -> Option<&str> {
    rec.header("authorization").and_then(|a| {
        a.strip_prefix("Bearer ")
            .or_else(|| a.strip_prefix("token "))
    })
}

fn token_ok(s: &State, rec: &Recorded) -> bool {
    let now = Instant::now();
    s.tokens.iter().any(|t| {
        Some(t.access.as_str()) == bearer(rec) && t.valid && t.expires.is_none_or(|e| e > now)
    })
}

fn bad_credentials() -> Answer {
    Answer::Json {
        status: 401,
        body: serde_json::json!({
            "message": "Bad credentials",
            "documentation_url": "https://docs.github.com/rest",
            "status": "401"
        }),
        headers: vec![],
    }
}

/// `GET /notifications`: needs the `notifications` (or `repo`) scope, answers 304 to an
/// unchanged `If-Modified-Since`, and says how often to poll.
fn notifications(s: &mut State, rec: &Recorded) -> Answer {
    if !token_ok(s, rec) {
        return bad_credentials();
    }
    let granted = &s.script.granted_scope;
    if !granted
        .split([',', ' '])
        .any(|g| g == "notifications" || g == "repo")
    {
        return Answer::Json {
            status: 403,
            body: serde_json::json!({"message": "Missing the 'notifications' scope."}),
            headers: vec![],
        };
    }
    let stamp = chrono::DateTime::from_timestamp(
        1_796_115_600 + i64::try_from(s.inbox_version).unwrap_or(0),
        0,
    )
    .unwrap_or_default();
    let last_modified = stamp.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
    let mut headers = vec![
        (
            "X-Poll-Interval".to_owned(),
            s.script.poll_interval.to_string(),
        ),
        ("Last-Modified".to_owned(), last_modified.clone()),
    ];
    if rec.header("if-modified-since") == Some(last_modified.as_str()) {
        return Answer::Json {
            status: 304,
            body: serde_json::Value::Null,
            headers,
        };
    }
    headers.push(("X-OAuth-Scopes".to_owned(), granted.clone()));
    if let Some(raw) = &s.script.inbox_body {
        return Answer::Raw {
            status: 200,
            body: raw.clone(),
            headers,
        };
    }
    // Unread threads only (GitHub's default, `all=false`), most recently updated first.
    let mut list: Vec<serde_json::Value> = s
        .threads
        .iter()
        .filter(|t| t["unread"].as_bool() == Some(true))
        .cloned()
        .collect();
    list.sort_by(|a, b| b["updated_at"].as_str().cmp(&a["updated_at"].as_str()));
    Answer::Json {
        status: 200,
        body: serde_json::Value::Array(list),
        headers,
    }
}

fn not_found() -> Answer {
    Answer::Json {
        status: 404,
        body: serde_json::json!({"message": "Not Found"}),
        headers: vec![],
    }
}

fn has_inbox_scope(s: &State) -> bool {
    s.script
        .granted_scope
        .split([',', ' '])
        .any(|g| g == "notifications" || g == "repo")
}

/// `PATCH /notifications/threads/{id}` (read, 205), `DELETE` (done, 204) and
/// `PUT /notifications` (all read, 205).
fn thread_write(s: &mut State, rec: &Recorded, id: Option<String>) -> Answer {
    if !token_ok(s, rec) {
        return bad_credentials();
    }
    if !has_inbox_scope(s) {
        return Answer::Json {
            status: 403,
            body: serde_json::json!({"message": "Missing the 'notifications' scope."}),
            headers: vec![],
        };
    }
    if s.script.fail_writes {
        return Answer::Text {
            status: 502,
            body: "Bad Gateway".into(),
        };
    }
    let status = match (rec.method.as_str(), id) {
        ("PUT", None) => {
            for t in &mut s.threads {
                t["unread"] = false.into();
            }
            205
        }
        ("PATCH", Some(id)) => {
            let Some(t) = s.threads.iter_mut().find(|t| t["id"] == id.as_str()) else {
                return not_found();
            };
            t["unread"] = false.into();
            205
        }
        ("DELETE", Some(id)) => {
            s.threads.retain(|t| t["id"] != id.as_str());
            204
        }
        _ => return not_found(),
    };
    s.inbox_version += 1;
    Answer::Json {
        status,
        body: serde_json::Value::Null,
        headers: vec![],
    }
}

fn starred(s: &mut State, rec: &Recorded) -> Answer {
    if !token_ok(s, rec) {
        return bad_credentials();
    }
    let list: Vec<serde_json::Value> = s
        .starred
        .iter()
        .map(|r| serde_json::json!({"full_name": r}))
        .collect();
    Answer::Json {
        status: 200,
        body: serde_json::Value::Array(list),
        headers: vec![],
    }
}

/// A repository's releases, with an `ETag` (304 to an unchanged `If-None-Match`).
fn releases(s: &mut State, rec: &Recorded) -> Answer {
    if !token_ok(s, rec) {
        return bad_credentials();
    }
    let repo = rec
        .path
        .trim_start_matches("/repos/")
        .trim_end_matches("/releases");
    let Some(list) = s.releases.get(repo) else {
        return not_found();
    };
    let body = serde_json::Value::Array(list.clone());
    let tag = body
        .to_string()
        .bytes()
        .fold(7u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)));
    let etag = format!("\"{tag:x}\"");
    let headers = vec![("ETag".to_owned(), etag.clone())];
    if rec.header("if-none-match") == Some(etag.as_str()) {
        return Answer::Json {
            status: 304,
            body: serde_json::Value::Null,
            headers,
        };
    }
    Answer::Json {
        status: 200,
        body,
        headers,
    }
}

fn user(s: &mut State, rec: &Recorded) -> Answer {
    if rec.header("user-agent").is_none_or(str::is_empty) {
        return Answer::Text {
            status: 403,
            body: "Request forbidden by administrative rules. Please make sure your request has a \
                   User-Agent header (https://docs.github.com/en/rest/overview/resources-in-the-rest-api#user-agent-required)."
                .into(),
        };
    }
    if !token_ok(s, rec) {
        return bad_credentials();
    }
    let mut headers = vec![];
    if let Some(scopes) = &s.script.scopes_header {
        headers.push(("X-OAuth-Scopes".to_owned(), scopes.clone()));
    }
    // ETags are per token, as GitHub's are.
    let tag = bearer(rec).map_or(0u64, |t| {
        t.bytes()
            .fold(7u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)))
    });
    let etag = format!("W/\"{tag:x}\"");
    headers.push(("ETag".to_owned(), etag.clone()));
    if rec.header("if-none-match") == Some(etag.as_str()) {
        return Answer::Json {
            status: 304,
            body: serde_json::Value::Null,
            headers,
        };
    }
    Answer::Json {
        status: 200,
        body: serde_json::json!({"login": s.script.login, "id": 583231, "name": "The Octocat"}),
        headers,
    }
}

/// Distinct, unguessable-enough values for codes and tokens (no `rand` needed).
fn random_u128(n: u64) -> u128 {
    use std::hash::{BuildHasher, Hasher};
    let state = std::collections::hash_map::RandomState::new();
    let mut a = state.build_hasher();
    a.write_u64(n);
    let mut b = state.build_hasher();
    b.write_u64(!n);
    (u128::from(a.finish()) << 64) | u128::from(b.finish())
}
