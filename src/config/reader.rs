//! `[ui]` and `[commands]`: how the reader shows times, and what plays an enclosure.

use serde::Deserialize;

use crate::model::EnclosureCommands;

/// `[ui]` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawUi {
    time: Option<String>,
}

/// `[commands]` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCommands {
    enclosure: Option<Vec<String>>,
    enclosure_audio: Option<Vec<String>>,
    enclosure_video: Option<Vec<String>>,
    enclosure_terminal: Option<bool>,
}

/// `[ui]`, validated.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UiConfig {
    /// `time = "utc"`: times in UTC; otherwise (`"local"`, the default) in the user's zone
    /// (`TZ`, else the system's).
    pub utc: bool,
}

pub(super) fn ui(raw: RawUi) -> Result<UiConfig, String> {
    match raw.time.as_deref().map(str::trim) {
        None | Some("local") => Ok(UiConfig { utc: false }),
        Some("utc" | "UTC") => Ok(UiConfig { utc: true }),
        Some(other) => Err(format!(
            "[ui] time = \"{other}\": write \"local\" (your time zone, TZ honoured) or \"utc\""
        )),
    }
}

pub(super) fn commands(raw: RawCommands) -> Result<EnclosureCommands, String> {
    let check = |name: &str, v: Option<Vec<String>>| match v {
        Some(argv) if argv.first().is_none_or(|p| p.trim().is_empty()) => Err(format!(
            "[commands] {name} needs a program first, e.g. {name} = [\"mpv\", \"--\"]"
        )),
        Some(argv) if argv.iter().any(|a| a.contains('\0')) => {
            Err(format!("[commands] {name} has a NUL character in it"))
        }
        other => Ok(other),
    };
    Ok(EnclosureCommands {
        any: check("enclosure", raw.enclosure)?,
        audio: check("enclosure_audio", raw.enclosure_audio)?,
        video: check("enclosure_video", raw.enclosure_video)?,
        terminal: raw.enclosure_terminal.unwrap_or(true),
    })
}
