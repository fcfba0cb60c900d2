//! Where newsroom keeps things, from the platform's conventions (`directories`): the config file,
//! the cache database (data dir), the log file (state dir).

use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct Paths {
    pub config_file: Option<PathBuf>,
    pub data_dir: PathBuf,
    pub state_dir: PathBuf,
}

impl Paths {
    /// The platform's dirs; `None` when no home directory can be found.
    #[must_use]
    pub fn platform() -> Option<Self> {
        let d = directories::ProjectDirs::from("", "", "newsroom")?;
        Some(Self {
            config_file: Some(d.config_dir().join("config.toml")),
            data_dir: d.data_dir().to_path_buf(),
            state_dir: d.state_dir().unwrap_or_else(|| d.data_dir()).to_path_buf(),
        })
    }

    #[must_use]
    pub(crate) fn db_file(&self) -> PathBuf {
        self.data_dir.join("newsroom.db")
    }

    #[must_use]
    pub(crate) fn log_dir(&self) -> PathBuf {
        self.state_dir.clone()
    }

    /// Today's log file (a new one each UTC day; the last seven are kept).
    #[must_use]
    pub(crate) fn log_file(&self) -> PathBuf {
        self.state_dir.join(format!(
            "newsroom.{}.log",
            chrono::Utc::now().format("%Y-%m-%d")
        ))
    }
}

/// Creates `dir` (and its missing parents) readable by the user alone (0700 on Unix). A
/// directory that exists already keeps its mode: it may be shared (`--db /tmp/x.db`).
pub(crate) fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Makes newsroom's own directory private (0700), whoever created it. Only for the platform's
/// dirs, which are newsroom's alone.
pub(crate) fn make_private_dir(dir: &Path) -> std::io::Result<()> {
    create_private_dir(dir)?;
    #[cfg(unix)]
    std::fs::set_permissions(dir, std::os::unix::fs::PermissionsExt::from_mode(0o700))?;
    Ok(())
}

/// Creates `file` empty and readable by the user alone (0600 on Unix) if it does not exist; an
/// existing file is left as it is. What is created later beside it (`SQLite`'s `-wal` and
/// `-shm`) takes the same mode.
pub(crate) fn create_private_file(file: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.append(true).create(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(file).map(drop)
}

/// Opens a file the user named for reading, refusing what is not a regular file: a FIFO would
/// block the open itself for ever, a device (`/dev/zero`) never ends.
pub(crate) fn open_regular(path: &Path) -> std::io::Result<std::fs::File> {
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "not a regular file",
        ));
    }
    std::fs::File::open(path)
}

/// Reads a regular file of at most `max` bytes, as text; a larger one is refused without being
/// read whole.
pub(crate) fn read_text_capped(path: &Path, max: u64) -> std::io::Result<String> {
    use std::io::Read;
    let mut text = String::new();
    open_regular(path)?
        .take(max + 1)
        .read_to_string(&mut text)?;
    if text.len() as u64 > max {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("larger than {} MiB", max / (1024 * 1024)),
        ));
    }
    Ok(text)
}
