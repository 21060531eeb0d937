//! Reading inputs and writing outputs for the commands.
//!
//! Outputs are written atomically (a temporary file beside the target, then a rename), so a
//! failed run never leaves a half-written file. A rename replaces whatever has the name,
//! though, so a target that is not a regular file — `/dev/null`, `/dev/stdout`, a FIFO a
//! script reads from — is written in place instead: renaming over `/dev/null` as root once
//! turned it into an ordinary file and broke every later program on the machine. A symlink
//! is followed, so the link stays and its target gets the new content.

use std::fs::{self, OpenOptions, Permissions};
use std::io::{self, Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use super::Failure;

/// Whether `path` is `-`: standard input where a file is read, standard output where one
/// is written.
pub(crate) fn is_standard_stream(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// Reads a whole text file, or standard input for `-`.
pub(crate) fn read_text(path: &Path) -> Result<String, Failure> {
    let mut text = String::new();
    let read = if is_standard_stream(path) {
        io::stdin().read_to_string(&mut text).map(|_| ())
    } else {
        fs::read_to_string(path).map(|t| text = t)
    };
    read.map_err(|e| Failure::Input(format!("error: cannot read {}: {e}\n", path.display())))?;
    Ok(text)
}

/// Writes `bytes` to `path`: atomically for a regular (or new) file, in place for a device,
/// FIFO or socket. See the module comment.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    let fail =
        |e: io::Error| Failure::Input(format!("error: cannot write {}: {e}\n", path.display()));
    let target = resolve_links(path);
    match fs::metadata(&target) {
        Ok(meta) if !meta.is_file() && !meta.is_dir() => {
            let mut file = OpenOptions::new()
                .write(true)
                .truncate(true)
                .open(&target)
                .map_err(fail)?;
            file.write_all(bytes)
                .and_then(|()| file.flush())
                .map_err(fail)
        }
        existing => {
            let dir = match target.parent() {
                Some(d) if !d.as_os_str().is_empty() => d,
                _ => Path::new("."),
            };
            // Keep an existing file's mode; a new file gets 0666 minus the umask, like any
            // other program's output (a temporary file alone would be 0600).
            let mode = existing.map_or(0o666, |m| m.permissions().mode() & 0o7777);
            let mut tmp = tempfile::Builder::new()
                .prefix(".spreiding-")
                .permissions(Permissions::from_mode(mode))
                .tempfile_in(dir)
                .map_err(fail)?;
            tmp.write_all(bytes).map_err(fail)?;
            tmp.as_file().sync_all().map_err(fail)?;
            tmp.persist(&target).map_err(|e| fail(e.error))?;
            Ok(())
        }
    }
}

/// The file a path finally names, following symlinks; the path itself when it does not
/// exist yet (or a link dangles: then the new file replaces the link).
fn resolve_links(path: &Path) -> PathBuf {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => {
            fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
        }
        _ => path.to_path_buf(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::FileTypeExt;
    use std::process::Command;

    #[test]
    fn a_new_file_gets_the_bytes_and_no_temporary_is_left() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("plan.json");
        write_atomically(&path, b"{}\n").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"{}\n");
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("plan.json")]);
        // Readable by others (0666 minus a umask that leaves read bits), not 0600.
        let mode = fs::metadata(&path).unwrap().permissions().mode();
        assert_ne!(mode & 0o044, 0, "mode {mode:o}");
    }

    #[test]
    fn an_existing_file_keeps_its_mode() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.csv");
        fs::write(&path, "old").unwrap();
        fs::set_permissions(&path, Permissions::from_mode(0o640)).unwrap();
        write_atomically(&path, b"new").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"new");
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o640
        );
    }

    #[test]
    fn a_symlink_stays_and_its_target_gets_the_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.json");
        let link = dir.path().join("link.json");
        fs::write(&real, "old").unwrap();
        std::os::unix::fs::symlink(&real, &link).unwrap();
        write_atomically(&link, b"new").unwrap();
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(fs::read(&real).unwrap(), b"new");
    }

    #[test]
    fn a_fifo_is_written_in_place_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe");
        let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
        assert!(made.success());
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || fs::read(fifo).unwrap())
        };
        write_atomically(&fifo, b"through the pipe").unwrap();
        assert_eq!(reader.join().unwrap(), b"through the pipe");
        assert!(fs::metadata(&fifo).unwrap().file_type().is_fifo());
    }

    #[test]
    fn a_missing_directory_is_an_input_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("no/such/dir/plan.json");
        match write_atomically(&path, b"x") {
            Err(Failure::Input(msg)) => assert!(msg.contains("cannot write"), "{msg}"),
            other => panic!("expected an input failure, got {other:?}"),
        }
    }
}
