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

pub(super) fn ui(raw: &RawUi) -> Result<UiConfig, String> {
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

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::super::Config;

    #[test]
    fn ui_time_and_enclosure_commands_are_read_and_checked() {
        let d = Config::defaults();
        assert!(!d.ui.utc, "local time by default");
        assert!(d.commands.any.is_none() && d.commands.terminal);
        let c = Config::from_toml(
            "[ui]\ntime = \"utc\"\n[commands]\nenclosure = [\"mpv\", \"--\"]\n\
             enclosure_audio = [\"mpg123\"]\nenclosure_terminal = false\n",
            None,
        )
        .unwrap();
        assert!(c.ui.utc);
        assert_eq!(
            c.commands.for_mime(Some("audio/mpeg")),
            Some(&["mpg123".to_owned()][..])
        );
        assert_eq!(
            c.commands.for_mime(Some("video/mp4")),
            Some(&["mpv".to_owned(), "--".to_owned()][..])
        );
        assert_eq!(c.commands.for_mime(None), c.commands.any.as_deref());
        assert!(!c.commands.terminal);
        let e = Config::from_toml("[ui]\ntime = \"Mars\"\n", Some(Path::new("c.toml")))
            .unwrap_err()
            .to_string();
        assert!(e.contains("[ui] time") && e.contains("\"utc\""), "{e}");
        let e = Config::from_toml("[commands]\nenclosure = []\n", Some(Path::new("c.toml")))
            .unwrap_err()
            .to_string();
        assert!(e.contains("needs a program"), "{e}");
        // A command is a list, never a string for a shell.
        assert!(Config::from_toml("[commands]\nenclosure = \"mpv $URL\"\n", None).is_err());
    }
}
