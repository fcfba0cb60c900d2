//! Where newsroom keeps things, from the platform's conventions (`directories`): the config file,
//! the cache database (data dir), the log file (state dir).

use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct Paths {
    pub config_file: Option<PathBuf>,
    pub data_dir: PathBuf,
    pub state_dir: PathBuf,
}

impl Paths {
    /// The platform's dirs; `None` when no home directory can be found.
    pub fn platform() -> Option<Self> {
        let d = directories::ProjectDirs::from("", "", "newsroom")?;
        Some(Self {
            config_file: Some(d.config_dir().join("config.toml")),
            data_dir: d.data_dir().to_path_buf(),
            state_dir: d.state_dir().unwrap_or_else(|| d.data_dir()).to_path_buf(),
        })
    }

    pub fn db_file(&self) -> PathBuf {
        self.data_dir.join("newsroom.db")
    }

    pub fn log_dir(&self) -> PathBuf {
        self.state_dir.clone()
    }

    /// Today's log file (a new one each UTC day; the last seven are kept).
    pub fn log_file(&self) -> PathBuf {
        self.state_dir.join(format!(
            "newsroom.{}.log",
            chrono::Utc::now().format("%Y-%m-%d")
        ))
    }
}
