//! Where the reference data and the shipped policies come from (配置来源): the project's
//! `config/` as it was when the binary was built, carried inside it (so an installed `subsidy`
//! works from any folder), or a folder given by `--config` / `SUBSIDY_CONFIG`, which replaces
//! it whole. This module owns the choice and the reading; the loaders parse what it reads.

use std::borrow::Cow;
use std::path::{Path, PathBuf};

include!(concat!(env!("OUT_DIR"), "/shipped.rs"));

/// The configuration a command reads: field vocabulary, aliases, LPR series, reference
/// parameters, coverage notes and the shipped policies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Config {
    /// Built into the binary from the project's `config/` (build.rs lists the files).
    BuiltIn,
    /// A folder that replaces the built-in configuration.
    Folder(PathBuf),
}

/// A file of the configuration: its path as messages and the manifest name it, and its bytes.
#[derive(Debug, Clone)]
pub struct ConfigFile {
    /// `config/<name>` for a built-in file (as reading the project's folder names it, so a
    /// ledger records the same path and digest either way); the real path for a folder's.
    pub path: PathBuf,
    pub bytes: Cow<'static, [u8]>,
}

impl ConfigFile {
    /// The file as UTF-8 text (an error like reading it with `read_to_string` otherwise).
    pub fn text(&self) -> std::io::Result<&str> {
        std::str::from_utf8(&self.bytes)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
    }
}

impl Config {
    /// `--config` / `SUBSIDY_CONFIG` when given, else the built-in configuration.
    pub fn from_arg(folder: Option<PathBuf>) -> Config {
        folder.map_or(Config::BuiltIn, Config::Folder)
    }

    /// The path a file of the configuration goes by, whether or not it exists.
    pub fn path_of(&self, name: &str) -> PathBuf {
        match self {
            Config::BuiltIn => Path::new("config").join(name),
            Config::Folder(dir) => dir.join(name),
        }
    }

    /// The file `name`; `Ok(None)` when the configuration has none.
    pub fn read(&self, name: &str) -> std::io::Result<Option<ConfigFile>> {
        match self {
            Config::BuiltIn => {
                Ok(SHIPPED
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, b)| ConfigFile {
                        path: self.path_of(name),
                        bytes: Cow::Borrowed(*b),
                    }))
            }
            Config::Folder(_) => {
                let path = self.path_of(name);
                match std::fs::read(&path) {
                    Ok(bytes) => Ok(Some(ConfigFile {
                        path,
                        bytes: Cow::Owned(bytes),
                    })),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                    Err(e) => Err(e),
                }
            }
        }
    }

    /// The file `name`, which must exist: a missing one is the error reading it gives.
    pub fn read_required(&self, name: &str) -> std::io::Result<ConfigFile> {
        match self.read(name)? {
            Some(f) => Ok(f),
            // The folder's own error says what is wrong (no such file, a folder that is not one).
            None => std::fs::read(self.path_of(name)).map(|bytes| ConfigFile {
                path: self.path_of(name),
                bytes: Cow::Owned(bytes),
            }),
        }
    }

    /// The names of the configuration's files, in name order.
    pub fn names(&self) -> std::io::Result<Vec<String>> {
        match self {
            Config::BuiltIn => Ok(SHIPPED.iter().map(|(n, _)| (*n).to_string()).collect()),
            Config::Folder(dir) => {
                let mut names: Vec<String> = std::fs::read_dir(dir)?
                    .filter_map(Result::ok)
                    .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect();
                names.sort();
                Ok(names)
            }
        }
    }

    /// Where the configuration came from, in words (`subsidy rules`, run's summary).
    pub fn describe(&self) -> String {
        match self {
            Config::BuiltIn => format!(
                "built into subsidy {} (the project's config/ when it was built; --config DIR or SUBSIDY_CONFIG replaces it)",
                env!("CARGO_PKG_VERSION")
            ),
            Config::Folder(dir) => format!("the folder {}", dir.display()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Config, SHIPPED};

    /// The built-in files are the project's `config/` byte for byte: same names, same bytes,
    /// so a ledger records the same digests whichever was read.
    #[test]
    fn built_in_files_are_the_config_folder_byte_for_byte() {
        let folder =
            Config::Folder(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("config"));
        let on_disk: Vec<String> = folder
            .names()
            .unwrap()
            .into_iter()
            .filter(|n| n.ends_with(".toml") || n.ends_with(".json"))
            .collect();
        assert_eq!(Config::BuiltIn.names().unwrap(), on_disk);
        assert!(SHIPPED.iter().any(|(n, _)| *n == "fields.json"));
        for name in &on_disk {
            let built = Config::BuiltIn.read(name).unwrap().unwrap();
            assert_eq!(
                built.bytes,
                folder.read(name).unwrap().unwrap().bytes,
                "{name}"
            );
            assert_eq!(built.path, std::path::Path::new("config").join(name));
        }
        assert!(Config::BuiltIn.read("no-such.toml").unwrap().is_none());
    }
}
