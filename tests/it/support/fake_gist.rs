//! The gist endpoints of the fake GitHub ([`super::fake_github`]), answering as GitHub does:
//! - `GET /gists`: the token owner's gists, secret ones included, most recently updated
//!   first, `per_page` (default 30, at most 100, or [`Gists::page_max`]) and `page`, with a
//!   `Link` header (`next`, `last`, `first`, `prev`); files without content;
//! - `POST /gists` (201, secret unless `public: true`; an empty file is 422),
//!   `GET /gists/{id}`, `PATCH /gists/{id}` (files not named stay, `null` deletes,
//!   `filename` renames; a gist left with no file is 422), `DELETE /gists/{id}` (204);
//! - a content over [`Gists::truncate_at`] bytes (1 MB) is cut, `truncated: true`, and served
//!   whole at its `raw_url` on another origin (`localhost` rather than `127.0.0.1`, as GitHub's
//!   raw host differs from its API host), which needs no token; more than [`Gists::max_files`]
//!   files (300) cut the file list, top-level `truncated: true`;
//! - every write makes a version (a 40-hex sha): `history` newest first,
//!   `GET /gists/{id}/commits` (paged like the list), `GET /gists/{id}/{sha}`;
//! - a write with `If-Match` is 400 (no compare-and-swap on GitHub);
//! - a token without `gist` gets 404 (with `X-OAuth-Scopes`, as on every answer);
//! - `ETag`s are per token, and a matching `If-None-Match` is a 304;
//! - with [`Gists::limit_fast_writes`] set, a write less than one (fake) second after the
//!   previous one gets a secondary rate limit: 403 with `retry-after`.
//!
//! Tests edit or delete gists "by hand" ([`Gists::edit_by_hand`], [`Gists::delete_by_hand`])
//! and count what arrived ([`Gists::requests`], [`Gists::writes`], [`Gists::raw_requests`]).
//! Reach it through [`super::fake_github::FakeGithub::gists`].
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::fake_github::Recorded;

/// GitHub's limits.
pub const TRUNCATE_AT: usize = 1024 * 1024;
pub const MAX_FILES: usize = 300;

#[derive(Debug, Clone)]
struct Version {
    sha: String,
    committed_at: String,
    files: BTreeMap<String, String>,
    additions: usize,
    deletions: usize,
}

#[derive(Debug, Clone)]
struct FakeGist {
    id: String,
    description: Option<String>,
    public: bool,
    created_at: String,
    updated_at: String,
    /// Oldest first.
    versions: Vec<Version>,
}

impl FakeGist {
    fn latest(&self) -> &Version {
        self.versions.last().expect("a gist has a version")
    }
}

/// The gists of the fake's one user, and how the endpoints behave.
#[derive(Debug)]
pub struct Gists {
    base: String,
    raw_base: String,
    gists: Vec<FakeGist>,
    counter: u64,
    last_write: Option<Instant>,
    /// The largest `per_page` honoured (GitHub's is 100): small, to test paging.
    pub page_max: usize,
    /// Contents longer than this (bytes) come back cut, with `truncated: true`.
    pub truncate_at: usize,
    /// As reported of GitHub: once one file is over `truncate_at`, every file of the gist
    /// comes back with an empty `content` and `truncated: true`.
    pub cut_all_when_one_is_cut: bool,
    /// More files than this cut the file list (top-level `truncated: true`).
    pub max_files: usize,
    /// `Some(retry_after)`: a write less than one fake second after the last accepted one is
    /// refused with a secondary rate limit carrying this `retry-after` (seconds).
    pub limit_fast_writes: Option<u64>,
    /// Requests to `/gists...` (every answer counted, errors too).
    pub requests: usize,
    /// Writes accepted (POST, PATCH, DELETE that changed something).
    pub writes: usize,
    /// Writes refused for coming too fast.
    pub refused_fast_writes: usize,
    /// Requests to the raw host.
    pub raw_requests: usize,
    /// Another machine's write that lands just before the next PATCH is applied (a race
    /// GitHub cannot refuse: there is no compare-and-swap). `None` deletes a file.
    pub before_next_patch: Option<Vec<(String, Option<String>)>>,
}

/// What the fake GitHub needs to know about the caller.
pub struct Ctx<'a> {
    pub authorized: bool,
    pub token: &'a str,
    /// The token's scopes, as the script grants them (`read:user,gist`).
    pub granted: &'a str,
    pub login: &'a str,
    /// How long one of the fake's seconds lasts.
    pub second: Duration,
}

/// An answer, for the fake GitHub to send.
pub enum Reply {
    Json {
        status: u16,
        headers: Vec<(String, String)>,
        body: Value,
    },
    Text {
        status: u16,
        body: String,
    },
}

fn json(status: u16, body: Value) -> Reply {
    Reply::Json {
        status,
        headers: Vec::new(),
        body,
    }
}

fn not_found() -> Reply {
    json(
        404,
        json!({"message": "Not Found", "documentation_url": "https://docs.github.com/rest/gists/gists", "status": "404"}),
    )
}

fn invalid(message: &str) -> Reply {
    json(
        422,
        json!({"message": "Validation Failed", "errors": [{"resource": "Gist", "code": "missing_field", "field": "files", "message": message}], "status": "422"}),
    )
}

fn hash(parts: &[&str]) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    parts.hash(&mut h);
    h.finish()
}

fn now_text() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn query_param(query: &str, name: &str) -> Option<usize> {
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == name)
        .and_then(|(_, v)| v.parse().ok())
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && bytes[i + 1].is_ascii_hexdigit()
            && bytes[i + 2].is_ascii_hexdigit()
            && let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Lines added and removed between two versions of the files (a rough `change_status`).
fn change(old: &BTreeMap<String, String>, new: &BTreeMap<String, String>) -> (usize, usize) {
    let lines = |m: &BTreeMap<String, String>, k: &str| m.get(k).map_or(0, |c| c.lines().count());
    let mut adds = 0;
    let mut dels = 0;
    for k in old.keys().chain(new.keys()) {
        if old.get(k) != new.get(k) {
            adds += lines(new, k);
            dels += lines(old, k);
        }
    }
    (adds / 2 + adds % 2, dels / 2 + dels % 2)
}

impl Gists {
    /// For the fake GitHub at `base` (`http://127.0.0.1:PORT`).
    pub fn new(base: &str) -> Self {
        let raw_base = format!("{}/raw", base.replace("127.0.0.1", "localhost"));
        Self {
            base: base.to_owned(),
            raw_base,
            gists: Vec::new(),
            counter: 0,
            last_write: None,
            page_max: 100,
            truncate_at: TRUNCATE_AT,
            cut_all_when_one_is_cut: false,
            max_files: MAX_FILES,
            limit_fast_writes: None,
            requests: 0,
            writes: 0,
            refused_fast_writes: 0,
            raw_requests: 0,
            before_next_patch: None,
        }
    }

    fn next_sha(&mut self, id: &str) -> String {
        self.counter += 1;
        let n = self.counter.to_string();
        format!(
            "{:016x}{:016x}{:08x}",
            hash(&[id, &n, "a"]),
            hash(&[id, &n, "b"]),
            self.counter
        )
    }

    fn new_gist(
        &mut self,
        description: Option<String>,
        public: bool,
        files: BTreeMap<String, String>,
    ) -> String {
        self.counter += 1;
        let id = format!(
            "{:016x}{:016x}",
            hash(&["gist", &self.counter.to_string()]),
            self.counter
        );
        let sha = self.next_sha(&id);
        let at = now_text();
        let (additions, _) = change(&BTreeMap::new(), &files);
        self.gists.push(FakeGist {
            id: id.clone(),
            description,
            public,
            created_at: at.clone(),
            updated_at: at.clone(),
            versions: vec![Version {
                sha,
                committed_at: at,
                files,
                additions,
                deletions: 0,
            }],
        });
        id
    }

    fn find(&self, id: &str) -> Option<&FakeGist> {
        self.gists.iter().find(|g| g.id == id)
    }

    /// A new version with `files`, if they differ from the newest one.
    fn commit(&mut self, id: &str, files: BTreeMap<String, String>) -> bool {
        let sha = self.next_sha(id);
        let Some(g) = self.gists.iter_mut().find(|g| g.id == id) else {
            return false;
        };
        let at = now_text();
        g.updated_at.clone_from(&at);
        if g.latest().files == files {
            return false;
        }
        let (additions, deletions) = change(&g.latest().files, &files);
        g.versions.push(Version {
            sha,
            committed_at: at,
            files,
            additions,
            deletions,
        });
        true
    }

    // ---- for tests ----

    /// A gist made elsewhere (another machine, the web): its id.
    pub fn seed(&mut self, description: &str, files: &[(&str, &str)]) -> String {
        let files = files
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        self.new_gist(Some(description.to_owned()), false, files)
    }

    /// The user edits the gist on the web: `None` deletes a file. A new version.
    pub fn edit_by_hand(&mut self, id: &str, files: &[(&str, Option<&str>)]) {
        let Some(g) = self.find(id) else { return };
        let mut next = g.latest().files.clone();
        for (name, content) in files {
            match content {
                Some(c) => next.insert((*name).to_owned(), (*c).to_owned()),
                None => next.remove(*name),
            };
        }
        self.commit(id, next);
    }

    /// The user deletes the gist on the web.
    pub fn delete_by_hand(&mut self, id: &str) {
        self.gists.retain(|g| g.id != id);
    }

    /// The newest files of gist `id`.
    pub fn files(&self, id: &str) -> Option<BTreeMap<String, String>> {
        self.find(id).map(|g| g.latest().files.clone())
    }

    pub fn description(&self, id: &str) -> Option<String> {
        self.find(id).and_then(|g| g.description.clone())
    }

    pub fn is_public(&self, id: &str) -> Option<bool> {
        self.find(id).map(|g| g.public)
    }

    /// Version shas of gist `id`, newest first.
    pub fn versions(&self, id: &str) -> Vec<String> {
        self.find(id)
            .map(|g| g.versions.iter().rev().map(|v| v.sha.clone()).collect())
            .unwrap_or_default()
    }

    /// Ids of every gist, oldest first.
    pub fn ids(&self) -> Vec<String> {
        self.gists.iter().map(|g| g.id.clone()).collect()
    }

    // ---- JSON as GitHub writes it ----

    fn raw_url(&self, login: &str, id: &str, sha: &str, name: &str) -> String {
        let mut url = url::Url::parse(&self.raw_base).expect("raw base is a URL");
        url.path_segments_mut()
            .expect("http URLs have paths")
            .extend([login, id, "raw", sha, name]);
        url.to_string()
    }

    fn history(&self, g: &FakeGist, upto: usize, login: &str) -> Vec<Value> {
        g.versions[..=upto]
            .iter()
            .rev()
            .map(|v| {
                json!({
                    "user": {"login": login},
                    "version": v.sha,
                    "committed_at": v.committed_at,
                    "change_status": {"total": v.additions + v.deletions, "additions": v.additions, "deletions": v.deletions},
                    "url": format!("{}/gists/{}/{}", self.base, g.id, v.sha),
                })
            })
            .collect()
    }

    /// The whole gist at version index `at` (or the listing's short form).
    fn gist_json(&self, g: &FakeGist, at: usize, login: &str, full: bool) -> Value {
        let v = &g.versions[at];
        let mut files = serde_json::Map::new();
        let over = v.files.len() > self.max_files;
        let any_cut =
            self.cut_all_when_one_is_cut && v.files.values().any(|c| c.len() > self.truncate_at);
        for (name, content) in v.files.iter().take(self.max_files) {
            let mut f = json!({
                "filename": name,
                "type": "text/plain",
                "language": null,
                "raw_url": self.raw_url(login, &g.id, &v.sha, name),
                "size": content.len(),
            });
            if full {
                let cut = content.len() > self.truncate_at;
                let mut end = content.len().min(self.truncate_at);
                while !content.is_char_boundary(end) {
                    end -= 1;
                }
                if any_cut {
                    end = 0;
                }
                f["truncated"] = (cut || any_cut).into();
                f["content"] = content[..end].into();
            }
            files.insert(name.clone(), f);
        }
        let mut out = json!({
            "url": format!("{}/gists/{}", self.base, g.id),
            "commits_url": format!("{}/gists/{}/commits", self.base, g.id),
            "id": g.id,
            "git_pull_url": format!("{}/{}.git", self.base, g.id),
            "html_url": format!("{}/{}", self.base, g.id),
            "files": files,
            "public": g.public,
            "created_at": g.created_at,
            "updated_at": g.updated_at,
            "description": g.description,
            "comments": 0,
            "user": null,
            "owner": {"login": login},
            "truncated": over,
        });
        if full {
            out["history"] = self.history(g, at, login).into();
        }
        out
    }

    // ---- the endpoints ----

    /// Answers a request to `/gists...`; `None` for any other path.
    pub fn api(&mut self, ctx: &Ctx, rec: &Recorded) -> Option<Reply> {
        let path = rec.path.as_str();
        if path != "/gists" && !path.starts_with("/gists/") {
            return None;
        }
        self.requests += 1;
        if !ctx.authorized {
            return Some(json(
                401,
                json!({"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest", "status": "401"}),
            ));
        }
        let scopes: Vec<&str> = ctx
            .granted
            .split([',', ' '])
            .filter(|s| !s.is_empty())
            .collect();
        let mut reply = if scopes.contains(&"gist") {
            self.route(ctx, rec)
        } else {
            // GitHub hides what the token may not see: 404, not 403.
            not_found()
        };
        if let Reply::Json { headers, .. } = &mut reply {
            headers.push(("X-OAuth-Scopes".into(), scopes.join(", ")));
            headers.push(("X-Accepted-OAuth-Scopes".into(), String::new()));
        }
        Some(reply)
    }

    fn route(&mut self, ctx: &Ctx, rec: &Recorded) -> Reply {
        let method = rec.method.as_str();
        let write = matches!(method, "POST" | "PATCH" | "DELETE" | "PUT");
        if write {
            if rec.header("if-match").is_some() || rec.header("if-unmodified-since").is_some() {
                return json(
                    400,
                    json!({"message": "Conditional request headers are not allowed in unsafe requests unless supported by the endpoint", "documentation_url": "https://docs.github.com/rest", "status": "400"}),
                );
            }
            if let (Some(secs), Some(last)) = (self.limit_fast_writes, self.last_write)
                && rec.at.duration_since(last) < ctx.second
            {
                self.refused_fast_writes += 1;
                return Reply::Json {
                    status: 403,
                    headers: vec![("retry-after".into(), secs.to_string())],
                    body: json!({
                        "message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
                        "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
                        "status": "403"
                    }),
                };
            }
        }
        let parts: Vec<&str> = rec.path.trim_start_matches('/').split('/').collect();
        let reply = match (method, parts.as_slice()) {
            ("GET", ["gists"]) => self.list(ctx, rec),
            ("POST", ["gists"]) => self.create(ctx, rec),
            ("GET", ["gists", id]) => self.get(ctx, rec, id, None),
            ("PATCH", ["gists", id]) => self.patch(ctx, rec, id),
            ("DELETE", ["gists", id]) => {
                if self.find(id).is_none() {
                    return not_found();
                }
                self.delete_by_hand(id);
                Reply::Json {
                    status: 204,
                    headers: vec![],
                    body: Value::Null,
                }
            }
            ("GET", ["gists", id, "commits"]) => self.commits(ctx, rec, id),
            ("GET", ["gists", id, sha]) => self.get(ctx, rec, id, Some(sha)),
            _ => not_found(),
        };
        if write && matches!(&reply, Reply::Json { status, .. } if (200..300).contains(status)) {
            self.writes += 1;
            self.last_write = Some(rec.at);
        }
        reply
    }

    /// One page of `items`, with GitHub's `Link` header.
    fn page(&self, rec: &Recorded, path: &str, items: Vec<Value>) -> Reply {
        let per_page = query_param(&rec.query, "per_page")
            .unwrap_or(30)
            .clamp(1, 100)
            .min(self.page_max);
        let page = query_param(&rec.query, "page").unwrap_or(1).max(1);
        let last = items.len().div_ceil(per_page).max(1);
        let body: Vec<Value> = items
            .into_iter()
            .skip((page - 1) * per_page)
            .take(per_page)
            .collect();
        let link = |p: usize, rel: &str| {
            format!(
                "<{}{path}?per_page={per_page}&page={p}>; rel=\"{rel}\"",
                self.base
            )
        };
        let mut links = Vec::new();
        if page < last {
            links.push(link(page + 1, "next"));
            links.push(link(last, "last"));
        }
        if page > 1 {
            links.push(link(1, "first"));
            links.push(link(page - 1, "prev"));
        }
        let mut headers = Vec::new();
        if !links.is_empty() {
            headers.push(("Link".to_owned(), links.join(", ")));
        }
        Reply::Json {
            status: 200,
            headers,
            body: Value::Array(body),
        }
    }

    fn list(&self, ctx: &Ctx, rec: &Recorded) -> Reply {
        let mut gists: Vec<&FakeGist> = self.gists.iter().collect();
        // Most recently updated first; the newer of a tie first.
        gists.reverse();
        gists.sort_by(|a, b| b.updated_at.cmp(&a.updated_at));
        let items = gists
            .into_iter()
            .map(|g| self.gist_json(g, g.versions.len() - 1, ctx.login, false))
            .collect();
        Self::etagged(ctx, rec, self.page(rec, "/gists", items))
    }

    fn commits(&self, ctx: &Ctx, rec: &Recorded, id: &str) -> Reply {
        let Some(g) = self.find(id) else {
            return not_found();
        };
        let items = self.history(g, g.versions.len() - 1, ctx.login);
        let path = format!("/gists/{id}/commits");
        Self::etagged(ctx, rec, self.page(rec, &path, items))
    }

    fn get(&self, ctx: &Ctx, rec: &Recorded, id: &str, sha: Option<&str>) -> Reply {
        let Some(g) = self.find(id) else {
            return not_found();
        };
        let at = match sha {
            None => g.versions.len() - 1,
            Some(sha) => match g.versions.iter().position(|v| v.sha == sha) {
                Some(i) => i,
                None => return not_found(),
            },
        };
        let body = self.gist_json(g, at, ctx.login, true);
        Self::etagged(ctx, rec, json(200, body))
    }

    /// An `ETag` of the body and the token (GitHub's are per token); 304 when it matches.
    fn etagged(ctx: &Ctx, rec: &Recorded, reply: Reply) -> Reply {
        let Reply::Json {
            status: 200,
            mut headers,
            body,
        } = reply
        else {
            return reply;
        };
        let etag = format!("W/\"{:016x}\"", hash(&[ctx.token, &body.to_string()]));
        headers.push(("ETag".into(), etag.clone()));
        headers.push((
            "Cache-Control".into(),
            "private, max-age=60, s-maxage=60".into(),
        ));
        if rec.header("if-none-match") == Some(etag.as_str()) {
            return Reply::Json {
                status: 304,
                headers,
                body: Value::Null,
            };
        }
        Reply::Json {
            status: 200,
            headers,
            body,
        }
    }

    fn create(&mut self, ctx: &Ctx, rec: &Recorded) -> Reply {
        let Ok(body) = serde_json::from_str::<Value>(&rec.body) else {
            return json(
                400,
                json!({"message": "Problems parsing JSON", "status": "400"}),
            );
        };
        let Some(given) = body["files"].as_object().filter(|f| !f.is_empty()) else {
            return invalid("files can't be blank");
        };
        let mut files = BTreeMap::new();
        for (name, f) in given {
            match f["content"].as_str() {
                Some(c) if !c.is_empty() => {
                    files.insert(name.clone(), c.to_owned());
                }
                _ => return invalid("contents can't be blank"),
            }
        }
        let public = body["public"].as_bool().unwrap_or(false);
        let description = body["description"].as_str().map(str::to_owned);
        let id = self.new_gist(description, public, files);
        let g = self.find(&id).expect("just made");
        let out = self.gist_json(g, 0, ctx.login, true);
        Reply::Json {
            status: 201,
            headers: vec![("Location".into(), format!("{}/gists/{id}", self.base))],
            body: out,
        }
    }

    fn patch(&mut self, ctx: &Ctx, rec: &Recorded, id: &str) -> Reply {
        if let Some(edit) = self.before_next_patch.take() {
            let edit: Vec<(&str, Option<&str>)> = edit
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_deref()))
                .collect();
            self.edit_by_hand(id, &edit);
        }
        let Some(g) = self.find(id) else {
            return not_found();
        };
        let Ok(body) = serde_json::from_str::<Value>(&rec.body) else {
            return json(
                400,
                json!({"message": "Problems parsing JSON", "status": "400"}),
            );
        };
        let mut files = g.latest().files.clone();
        if let Some(given) = body["files"].as_object() {
            for (name, f) in given {
                if f.is_null() {
                    files.remove(name);
                    continue;
                }
                let content = match f["content"].as_str() {
                    Some("") => return invalid("contents can't be blank"),
                    Some(c) => Some(c.to_owned()),
                    None => None,
                };
                let target = f["filename"].as_str().unwrap_or(name).to_owned();
                let old = files.remove(name);
                match content.or(old) {
                    Some(c) => {
                        files.insert(target, c);
                    }
                    // Renaming a file that is not there.
                    None => return not_found(),
                }
            }
        }
        if files.is_empty() {
            return invalid("files can't be blank");
        }
        if let Some(d) = body.get("description") {
            let d = d.as_str().map(str::to_owned);
            if let Some(g) = self.gists.iter_mut().find(|g| g.id == id) {
                g.description = d;
            }
        }
        self.commit(id, files);
        let g = self.find(id).expect("still there");
        let out = self.gist_json(g, g.versions.len() - 1, ctx.login, true);
        json(200, out)
    }

    /// `GET /raw/{login}/{id}/raw/{sha}/{file}` on the raw origin: the whole file, no token
    /// needed (a secret gist's raw URL is its secret).
    pub fn raw(&mut self, rec: &Recorded) -> Reply {
        self.raw_requests += 1;
        let parts: Vec<String> = rec
            .path
            .trim_start_matches("/raw/")
            .split('/')
            .map(percent_decode)
            .collect();
        let [_login, id, raw, sha, name] = parts.as_slice() else {
            return Reply::Text {
                status: 404,
                body: "404: Not Found".into(),
            };
        };
        let content = self
            .find(id)
            .filter(|_| raw == "raw")
            .and_then(|g| g.versions.iter().find(|v| &v.sha == sha))
            .and_then(|v| v.files.get(name));
        match content {
            Some(c) => Reply::Text {
                status: 200,
                body: c.clone(),
            },
            None => Reply::Text {
                status: 404,
                body: "404: Not Found".into(),
            },
        }
    }
}
