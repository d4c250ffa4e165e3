//! Input folders (输入文件夹): a folder named on the command line is read with its sub-folders,
//! in a fixed order (entries sorted by name at each level, a folder's files before its
//! sub-folders' files is not assumed: the whole path decides). Every file found that is not
//! read — an unsupported type, a WPS `.et`, an Office lock file `~$…`, a hidden file, a
//! dangling link, a link looping back to a folder being read — is listed with the reason
//! ([`NotRead`]), never skipped silently.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use super::{extension, IngestError};

/// Folders nested deeper than this under a named folder are not read (and are listed).
pub const MAX_FOLDER_DEPTH: usize = 32;

/// `ELOOP` (too many levels of symbolic links) on Linux, where the tool runs.
const ELOOP: i32 = 40;

/// Extensions read as inputs.
const INPUT_EXTENSIONS: [&str; 7] = ["xlsx", "xlsm", "xls", "xlsb", "ods", "csv", "parquet"];

/// A file (or link) found in an input folder and not read, with why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotRead {
    pub path: PathBuf,
    pub reason: NotReadReason,
}

/// Why a file of an input folder is not read (未读入的原因).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotReadReason {
    /// An Office/WPS lock file (`~$name.xlsx`): the workbook was open when the folder was copied.
    LockFile,
    /// A hidden file (`.DS_Store`, `._name.xlsx` from a Mac).
    Hidden,
    /// A WPS spreadsheet (`.et`, `.ett`).
    Wps,
    /// A file type this tool does not read, by its extension (empty: none).
    Unsupported(String),
    /// A symbolic link whose target does not exist.
    DanglingLink,
    /// A link to a folder already being read (it would loop for ever).
    LinkLoop,
    /// Links naming each other (or too long a chain of links): no file at the end.
    LinkCycle,
    /// Nested deeper than [`MAX_FOLDER_DEPTH`].
    TooDeep,
    /// Neither a file nor a folder (a device, a pipe, a socket).
    NotAFile,
    /// The folder entry could not be read (permissions).
    Unreadable(String),
}

impl std::fmt::Display for NotReadReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NotReadReason::LockFile => write!(f, "Office/WPS 锁定文件（~$ 开头，工作簿打开时产生），不是申报数据；未读入"),
            NotReadReason::Hidden => write!(f, "隐藏文件（. 开头），未读入"),
            NotReadReason::Wps => write!(f, "WPS 表格 .et 格式，本工具不能读取；请在 WPS 中另存为 .xlsx 后放回文件夹"),
            NotReadReason::Unsupported(ext) if ext.is_empty() => write!(f, "文件没有扩展名，不是本工具读取的类型（.xlsx .xlsm .xls .xlsb .ods .csv .parquet）；未读入"),
            NotReadReason::Unsupported(ext) => write!(f, "文件类型 .{ext} 不是本工具读取的类型（.xlsx .xlsm .xls .xlsb .ods .csv .parquet）；未读入"),
            NotReadReason::DanglingLink => write!(f, "链接指向的文件不存在，未读入"),
            NotReadReason::LinkLoop => write!(f, "链接指向正在读取的上级文件夹（循环），未读入"),
            NotReadReason::LinkCycle => write!(f, "链接互相指向（循环），找不到实际文件，未读入"),
            NotReadReason::TooDeep => write!(f, "文件夹嵌套超过 {MAX_FOLDER_DEPTH} 层，未读入"),
            NotReadReason::NotAFile => write!(f, "不是普通文件，未读入"),
            NotReadReason::Unreadable(e) => write!(f, "无法读取：{e}"),
        }
    }
}

/// The files to read and the files found but not read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Inputs {
    /// Sorted and deduplicated: the order files are named in must not change the result.
    pub files: Vec<PathBuf>,
    pub not_read: Vec<NotRead>,
}

/// Expands folders (with their sub-folders) into the input files they hold; files named
/// directly are kept whatever their extension (reading them says what is wrong). A named
/// folder holding no input file at all is an error.
pub fn expand_folders(paths: &[PathBuf]) -> Result<Inputs, IngestError> {
    let mut inputs = Inputs::default();
    for p in paths {
        if p.is_dir() {
            let before = inputs.files.len();
            let mut open = HashSet::new();
            walk(p, 0, &mut open, &mut inputs)?;
            if inputs.files.len() == before {
                return Err(IngestError::NoInputs { path: p.clone() });
            }
        } else {
            inputs.files.push(p.clone());
        }
    }
    inputs.files.sort();
    inputs.files.dedup();
    inputs.not_read.sort_by(|a, b| a.path.cmp(&b.path));
    inputs.not_read.dedup();
    Ok(inputs)
}

/// Reads one folder; `open` holds the canonical paths of the folders being read above it.
fn walk(
    dir: &Path,
    depth: usize,
    open: &mut HashSet<PathBuf>,
    inputs: &mut Inputs,
) -> Result<(), IngestError> {
    let io = |source| IngestError::Io {
        path: dir.to_path_buf(),
        source,
    };
    let canonical = dir.canonicalize().map_err(io)?;
    open.insert(canonical.clone());
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(io)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()
        .map_err(io)?;
    entries.sort();
    for path in entries {
        match classify(&path, depth, open) {
            Found::Input => inputs.files.push(path),
            Found::Folder => walk(&path, depth + 1, open, inputs)?,
            Found::NotRead(reason) => inputs.not_read.push(NotRead { path, reason }),
        }
    }
    open.remove(&canonical);
    Ok(())
}

/// What a folder entry is.
enum Found {
    Input,
    Folder,
    NotRead(NotReadReason),
}

fn classify(path: &Path, depth: usize, open: &HashSet<PathBuf>) -> Found {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // `metadata` follows links: a dangling link fails here, a link's target is what counts.
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.raw_os_error() == Some(ELOOP) => {
            return Found::NotRead(NotReadReason::LinkCycle)
        }
        Err(_) if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) => {
            return Found::NotRead(NotReadReason::DanglingLink)
        }
        Err(e) => return Found::NotRead(NotReadReason::Unreadable(e.to_string())),
    };
    if meta.is_dir() {
        if path.canonicalize().is_ok_and(|c| open.contains(&c)) {
            return Found::NotRead(NotReadReason::LinkLoop);
        }
        if depth + 1 > MAX_FOLDER_DEPTH {
            return Found::NotRead(NotReadReason::TooDeep);
        }
        return Found::Folder;
    }
    if !meta.is_file() {
        return Found::NotRead(NotReadReason::NotAFile);
    }
    if name.starts_with("~$") {
        return Found::NotRead(NotReadReason::LockFile);
    }
    if name.starts_with('.') {
        return Found::NotRead(NotReadReason::Hidden);
    }
    let ext = extension(path);
    match ext.as_str() {
        e if INPUT_EXTENSIONS.contains(&e) => Found::Input,
        "et" | "ett" => Found::NotRead(NotReadReason::Wps),
        _ => Found::NotRead(NotReadReason::Unsupported(ext)),
    }
}

#[cfg(test)]
#[path = "folder/tests.rs"]
mod tests;
