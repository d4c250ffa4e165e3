//! Unit tests of input folders (issue 12 item 9).
use super::*;

fn touch(p: &Path) {
    std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
    std::fs::write(p, b"x").expect("write");
}

/// Sub-folders are read in path order; every other entry is listed with its reason.
#[test]
fn sub_folders_are_read_in_order_and_every_file_not_read_is_listed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    for f in [
        "b.xlsx",
        "a/2.csv",
        "a/1.xlsx",
        "a/z/deep.parquet",
        "c.XLSX",
        "~$b.xlsx",
        ".DS_Store",
        "表.et",
        "说明.docx",
        "README",
    ] {
        touch(&d.join(f));
    }
    std::os::unix::fs::symlink(d.join("gone.xlsx"), d.join("link.xlsx")).expect("symlink");
    std::os::unix::fs::symlink(d, d.join("a/up")).expect("symlink");
    std::os::unix::fs::symlink(d.join("loop1.csv"), d.join("loop2.csv")).expect("symlink");
    std::os::unix::fs::symlink(d.join("loop2.csv"), d.join("loop1.csv")).expect("symlink");
    let got = expand_folders(&[d.to_path_buf()]).expect("expands");
    let rel = |p: &PathBuf| p.strip_prefix(d).expect("under dir").display().to_string();
    assert_eq!(
        got.files.iter().map(rel).collect::<Vec<_>>(),
        [
            "a/1.xlsx",
            "a/2.csv",
            "a/z/deep.parquet",
            "b.xlsx",
            "c.XLSX"
        ]
    );
    let not_read: Vec<(String, NotReadReason)> = got
        .not_read
        .iter()
        .map(|n| (rel(&n.path), n.reason.clone()))
        .collect();
    assert_eq!(
        not_read,
        [
            (".DS_Store".to_string(), NotReadReason::Hidden),
            (
                "README".to_string(),
                NotReadReason::Unsupported(String::new())
            ),
            ("a/up".to_string(), NotReadReason::LinkLoop),
            ("link.xlsx".to_string(), NotReadReason::DanglingLink),
            ("loop1.csv".to_string(), NotReadReason::LinkCycle),
            ("loop2.csv".to_string(), NotReadReason::LinkCycle),
            ("~$b.xlsx".to_string(), NotReadReason::LockFile),
            ("表.et".to_string(), NotReadReason::Wps),
            (
                "说明.docx".to_string(),
                NotReadReason::Unsupported("docx".into())
            ),
        ]
    );
    assert_eq!(
        NotReadReason::Wps.to_string(),
        "WPS 表格 .et 格式，本工具不能读取；请在 WPS 中另存为 .xlsx 后放回文件夹"
    );
    assert_eq!(
        NotReadReason::LockFile.to_string(),
        "Office/WPS 锁定文件（~$ 开头，工作簿打开时产生），不是申报数据；未读入"
    );
    // Links naming each other point at no folder: their message does not say they do.
    assert_eq!(
        NotReadReason::LinkCycle.to_string(),
        "链接互相指向（循环），找不到实际文件，未读入"
    );
}

#[test]
fn a_folder_without_inputs_is_an_error_and_named_files_are_kept() {
    let dir = tempfile::tempdir().expect("tempdir");
    touch(&dir.path().join("sub/notes.txt"));
    let e = expand_folders(&[dir.path().to_path_buf()]).expect_err("no inputs");
    assert!(e.to_string().starts_with("no input files found in"), "{e}");
    let named = dir.path().join("sub/notes.txt");
    assert_eq!(
        expand_folders(std::slice::from_ref(&named))
            .expect("named file")
            .files,
        [named]
    );
}

#[test]
fn nesting_past_the_limit_is_listed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut deep = dir.path().to_path_buf();
    for _ in 0..=MAX_FOLDER_DEPTH {
        deep.push("d");
    }
    touch(&deep.join("x.csv"));
    touch(&dir.path().join("top.csv"));
    let got = expand_folders(&[dir.path().to_path_buf()]).expect("expands");
    assert_eq!(got.files, [dir.path().join("top.csv")]);
    assert_eq!(got.not_read.len(), 1);
    assert_eq!(got.not_read[0].reason, NotReadReason::TooDeep);
}
