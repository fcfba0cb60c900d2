//! Which OAuth scopes the features need, and what a token's scopes grant. Sign-in asks for
//! `read:user` plus what the enabled features need; a feature that finds its scope missing says
//! which, why, and how to get it.

use std::fmt;

/// A feature of newsroom that talks to GitHub, and the scope it needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Feature {
    /// Reading who is signed in, for the greeting and `newsroom status`.
    Profile,
    /// The "GitHub" publication: the notifications inbox, read state written back.
    Inbox,
    /// Subscriptions and reading state kept in a secret gist of the user's, shared by every
    /// machine they read on.
    Sync,
}

impl Feature {
    pub const ALL: [Self; 3] = [Self::Profile, Self::Inbox, Self::Sync];

    /// The OAuth scope it needs.
    #[must_use]
    pub fn scope(self) -> &'static str {
        match self {
            Self::Profile => "read:user",
            Self::Inbox => "notifications",
            Self::Sync => "gist",
        }
    }

    /// What the user gets from it, for messages and `newsroom status`.
    #[must_use]
    pub fn purpose(self) -> &'static str {
        match self {
            Self::Profile => "your GitHub login, to greet you",
            Self::Inbox => "your GitHub notifications (the \"GitHub\" publication)",
            Self::Sync => "syncing reading state through your gist",
        }
    }
}

/// True if `granted` includes `needed`, directly or through a wider scope (GitHub's scopes
/// nest: `user` includes `read:user`, `repo` includes `repo:status` and `notifications`).
#[must_use]
pub fn grants(granted: &[String], needed: &str) -> bool {
    let wider: &[&str] = match needed {
        "read:user" | "user:email" | "user:follow" => &["user"],
        "notifications" => &["repo"],
        "repo:status" | "repo_deployment" | "public_repo" | "repo:invite" => &["repo"],
        "read:org" => &["write:org", "admin:org"],
        _ => &[],
    };
    granted
        .iter()
        .any(|g| g == needed || wider.contains(&g.as_str()))
}

/// A feature needs a scope the token does not have. Its message says which, why, and what to
/// do: sign in again (one key, or `newsroom login`), or, for a token from the environment,
/// make one with the scope.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct MissingScope {
    pub feature: Feature,
    /// The token came from `NEWSROOM_GITHUB_TOKEN`: signing in again cannot help.
    pub from_env: bool,
}

impl fmt::Display for MissingScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (scope, purpose) = (self.feature.scope(), self.feature.purpose());
        if self.from_env {
            write!(
                f,
                "the token in {} lacks the `{scope}` scope, needed for {purpose}: give that \
                 token the scope, or unset the variable and sign in",
                super::ENV_TOKEN
            )
        } else {
            write!(
                f,
                "newsroom needs the `{scope}` scope for {purpose}: sign in again to grant it \
                 (`newsroom login`)"
            )
        }
    }
}

/// The scopes a sign-in asks for: what each feature needs, the configured ones, and `extra`
/// (what a feature found missing, plus what the token had: signing in again never takes a
/// scope away).
#[must_use]
pub(crate) fn to_ask(configured: &[String], extra: &[String]) -> Vec<String> {
    let features: Vec<String> = Feature::ALL.iter().map(|f| f.scope().to_owned()).collect();
    union(&[&features, configured, extra])
}

/// The scopes of every set, each once, in order of first appearance.
#[must_use]
pub(crate) fn union(sets: &[&[String]]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in sets.iter().flat_map(|s| s.iter()) {
        if !out.iter().any(|o| o == s) {
            out.push(s.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &[&str]) -> Vec<String> {
        s.iter().map(|x| (*x).to_owned()).collect()
    }

    #[test]
    fn wider_scopes_grant_narrower_ones() {
        assert!(grants(&v(&["read:user"]), "read:user"));
        assert!(grants(&v(&["user"]), "read:user"));
        assert!(grants(&v(&["repo"]), "notifications"));
        assert!(!grants(&v(&["read:user"]), "gist"));
        assert!(!grants(&v(&["gist"]), "read:user"));
        assert!(!grants(&[], "read:user"));
    }

    #[test]
    fn union_keeps_order_and_drops_repeats() {
        assert_eq!(
            union(&[
                &v(&["read:user"]),
                &v(&["gist", "read:user"]),
                &v(&["gist"])
            ]),
            v(&["read:user", "gist"])
        );
    }

    #[test]
    fn a_missing_scope_names_the_scope_and_the_way_out() {
        let signed_in = MissingScope {
            feature: Feature::Profile,
            from_env: false,
        }
        .to_string();
        assert!(signed_in.contains("`read:user`") && signed_in.contains("newsroom login"));
        let env = MissingScope {
            feature: Feature::Profile,
            from_env: true,
        }
        .to_string();
        assert!(env.contains("NEWSROOM_GITHUB_TOKEN") && env.contains("`read:user`"));
    }
}
