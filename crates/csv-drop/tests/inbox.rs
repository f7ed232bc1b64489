//! The inbox end to end on real folders: which file is read, when a file
//! counts as complete (a file still being written is never read), checksum
//! memory, the truncation guard and archiving.

use skusync_csv_drop::{
    ColumnRef, Completeness, CsvDropError, CsvSourceConfig, DropMemory, Inbox, ReadOutcome,
    TruncationGuard,
};
use skusync_model::{FieldName, Value};
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::time::{Duration, SystemTime};

fn config(path: &Path) -> CsvSourceConfig {
    let mut c = CsvSourceConfig::new(path, ColumnRef::Name("sku".into()))
        .column(FieldName::StockQuantity, ColumnRef::Name("qty".into()));
    c.pattern = "stock-*.csv".into();
    c
}

/// An inbox whose `stable_for` wait returns at once (nothing changes "during" it).
fn instant(config: CsvSourceConfig) -> Inbox {
    Inbox::new("erp", config)
        .unwrap()
        .with_sleeper(|_: Duration| {})
}

fn drop_file(dir: &Path, name: &str, rows: usize, age_secs: u64) -> PathBuf {
    let path = dir.join(name);
    let mut text = String::from("sku,qty\n");
    for i in 0..rows {
        text.push_str(&format!("S-{i},{i}\n"));
    }
    fs::write(&path, text).unwrap();
    set_age(&path, age_secs);
    path
}

fn set_age(path: &Path, age_secs: u64) {
    let when = SystemTime::now() - Duration::from_secs(age_secs);
    File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(when)
        .unwrap();
}

fn accepted(
    outcome: ReadOutcome,
) -> (
    skusync_model::Snapshot,
    PathBuf,
    u64,
    Vec<PathBuf>,
    DropMemory,
) {
    match outcome {
        ReadOutcome::Accepted {
            snapshot,
            file,
            rows,
            superseded,
            memory,
            ..
        } => (snapshot, file, rows, superseded, memory),
        other => panic!("accepted expected, got {other:?}"),
    }
}

#[test]
fn newest_complete_matching_file_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let old = drop_file(dir.path(), "stock-0601.csv", 2, 300);
    let new = drop_file(dir.path(), "stock-0602.csv", 3, 100);
    drop_file(dir.path(), "prices-0603.csv", 1, 10); // does not match the pattern
    drop_file(dir.path(), ".stock-0604.csv", 1, 10); // hidden: a temp file
    let inbox = instant(config(dir.path()));
    let (snapshot, file, rows, superseded, memory) =
        accepted(inbox.read(&DropMemory::default()).unwrap());
    assert_eq!(file, new);
    assert_eq!(rows, 3);
    assert_eq!(superseded, vec![old]);
    assert_eq!(snapshot.source.as_str(), "erp");
    assert_eq!(snapshot.records.len(), 3);
    assert_eq!(
        snapshot.records[2]
            .origin
            .as_ref()
            .map(ToString::to_string)
            .as_deref(),
        Some("stock-0602.csv:4")
    );
    assert_eq!(
        snapshot.records[2].get(FieldName::StockQuantity),
        Some(Some(&Value::Quantity(2)))
    );
    assert_eq!(memory.last_rows, Some(3));
    assert_eq!(memory.last_file.as_deref(), Some("stock-0602.csv"));
    assert!(
        memory
            .last_checksum
            .as_deref()
            .is_some_and(|c| c.starts_with("sha256:") && c.len() == 71)
    );
}

#[test]
fn equal_mtimes_are_ordered_by_name_and_pattern_ignores_case() {
    let dir = tempfile::tempdir().unwrap();
    drop_file(dir.path(), "stock-0601.csv", 1, 50);
    let b = drop_file(dir.path(), "STOCK-0602.CSV", 1, 50);
    let when = fs::metadata(&b).unwrap().modified().unwrap();
    File::options()
        .write(true)
        .open(dir.path().join("stock-0601.csv"))
        .unwrap()
        .set_modified(when)
        .unwrap();
    let (_, file, ..) = accepted(
        instant(config(dir.path()))
            .read(&DropMemory::default())
            .unwrap(),
    );
    // "stock-0601.csv" > "STOCK-0602.CSV" byte-wise: lower case sorts after upper case.
    assert_eq!(file, dir.path().join("stock-0601.csv"));
}

#[test]
fn empty_folder_has_no_complete_file() {
    let dir = tempfile::tempdir().unwrap();
    let outcome = instant(config(dir.path()))
        .read(&DropMemory::default())
        .unwrap();
    assert_eq!(outcome, ReadOutcome::NoCompleteFile { waiting: vec![] });
}

#[test]
fn single_file_source_and_missing_paths() {
    let dir = tempfile::tempdir().unwrap();
    let file = drop_file(dir.path(), "erp.csv", 2, 10);
    let (_, read, rows, ..) =
        accepted(instant(config(&file)).read(&DropMemory::default()).unwrap());
    assert_eq!((read, rows), (file.clone(), 2));
    // Not dropped yet: waiting, not an error.
    fs::remove_file(&file).unwrap();
    let outcome = instant(config(&file)).read(&DropMemory::default()).unwrap();
    assert_eq!(outcome, ReadOutcome::NoCompleteFile { waiting: vec![] });
    // A folder that does not exist is a configuration mistake.
    let missing = dir.path().join("nope").join("erp.csv");
    let err = instant(config(&missing))
        .read(&DropMemory::default())
        .unwrap_err();
    assert!(matches!(err, CsvDropError::PathMissing { .. }), "{err}");
}

/// A sleeper that, during the completeness wait, lets a writer thread append
/// and waits until it has: the interval is guaranteed to see a write.
struct WriterDuringWait {
    go: mpsc::SyncSender<()>,
    done: std::sync::Mutex<mpsc::Receiver<()>>,
}

impl skusync_csv_drop::Sleeper for WriterDuringWait {
    fn sleep(&self, _: Duration) {
        self.go.send(()).unwrap();
        self.done.lock().unwrap().recv().unwrap();
    }
}

#[test]
fn a_file_still_being_written_by_another_thread_is_never_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stock-0601.csv");
    fs::write(&path, "sku,qty\n").unwrap();
    let (go_tx, go_rx) = mpsc::sync_channel::<()>(0);
    let (done_tx, done_rx) = mpsc::sync_channel::<()>(0);
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let path = path.clone();
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut f = OpenOptions::new().append(true).open(&path).unwrap();
            let mut i = 0u64;
            // Keeps appending; when the reader waits, appends (at least) once
            // more and tells it so. A half line is written first, like a
            // buffered writer flushing mid-row.
            while !stop.load(Ordering::SeqCst) {
                f.write_all(format!("S-{i},").as_bytes()).unwrap();
                f.flush().unwrap();
                if go_rx.recv_timeout(Duration::from_millis(1)).is_ok() {
                    f.write_all(format!("{i}\nS-{i}b,").as_bytes()).unwrap();
                    f.flush().unwrap();
                    done_tx.send(()).unwrap();
                }
                f.write_all(format!("{i}\n").as_bytes()).unwrap();
                i += 1;
            }
            i
        })
    };
    let inbox = Inbox::new("erp", config(dir.path()))
        .unwrap()
        .with_sleeper(WriterDuringWait {
            go: go_tx,
            done: std::sync::Mutex::new(done_rx),
        });
    for _ in 0..20 {
        let outcome = inbox.read(&DropMemory::default()).unwrap();
        assert_eq!(
            outcome,
            ReadOutcome::NoCompleteFile {
                waiting: vec![path.clone()]
            }
        );
    }
    stop.store(true, Ordering::SeqCst);
    let lines = writer.join().unwrap();
    // Finished and stable: now the whole file is read, every row of it.
    let (snapshot, _, rows, ..) = accepted(
        instant(config(dir.path()))
            .read(&DropMemory::default())
            .unwrap(),
    );
    assert!(lines >= 20);
    assert_eq!(rows, lines + 20);
    assert_eq!(snapshot.records.len() as u64, rows);
}

#[test]
fn an_older_complete_file_is_read_while_a_newer_one_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let old = drop_file(dir.path(), "stock-0601.csv", 2, 100);
    let growing = drop_file(dir.path(), "stock-0602.csv", 1, 0);
    let g = growing.clone();
    let inbox = Inbox::new("erp", config(dir.path()))
        .unwrap()
        .with_sleeper(move |_: Duration| {
            let mut f = OpenOptions::new().append(true).open(&g).unwrap();
            f.write_all(b"X,1\n").unwrap();
        });
    match inbox.read(&DropMemory::default()).unwrap() {
        ReadOutcome::Accepted {
            file, superseded, ..
        } => {
            assert_eq!(file, old);
            assert!(superseded.is_empty());
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn marker_files_decide_completeness() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = config(dir.path());
    c.pattern = "*".into();
    c.complete = Completeness::Marker(".done".into());
    let inbox = Inbox::new("erp", c)
        .unwrap()
        .with_sleeper(|_: Duration| panic!("marker mode never waits"));
    let path = drop_file(dir.path(), "stock-0601.csv", 2, 10);
    assert_eq!(
        inbox.read(&DropMemory::default()).unwrap(),
        ReadOutcome::NoCompleteFile {
            waiting: vec![path.clone()]
        }
    );
    fs::write(dir.path().join("stock-0601.csv.done"), "").unwrap();
    let (_, file, ..) = accepted(inbox.read(&DropMemory::default()).unwrap());
    assert_eq!(file, path, "the marker itself is never a candidate");
}

#[test]
fn same_checksum_is_unchanged_without_parsing() {
    let dir = tempfile::tempdir().unwrap();
    let path = drop_file(dir.path(), "stock-0601.csv", 3, 10);
    let inbox = instant(config(dir.path()));
    let (.., memory) = accepted(inbox.read(&DropMemory::default()).unwrap());
    assert_eq!(
        inbox.read(&memory).unwrap(),
        ReadOutcome::Unchanged {
            file: path.clone(),
            superseded: vec![]
        }
    );
    // The same bytes under a new name are unchanged too.
    fs::rename(&path, dir.path().join("stock-0602.csv")).unwrap();
    assert!(matches!(
        inbox.read(&memory).unwrap(),
        ReadOutcome::Unchanged { .. }
    ));
    // Different bytes are read.
    drop_file(dir.path(), "stock-0603.csv", 4, 0);
    let (_, _, rows, ..) = accepted(inbox.read(&memory).unwrap());
    assert_eq!(rows, 4);
}

#[test]
fn a_much_shorter_file_is_held_back() {
    let dir = tempfile::tempdir().unwrap();
    let path = drop_file(dir.path(), "stock-0601.csv", 4, 10);
    let memory = DropMemory {
        last_checksum: Some("sha256:0".into()),
        last_rows: Some(10),
        last_file: Some("stock-0531.csv".into()),
    };
    let inbox = instant(config(dir.path()));
    assert_eq!(
        inbox.read(&memory).unwrap(),
        ReadOutcome::HeldBack {
            file: path.clone(),
            rows: 4,
            previous_rows: 10
        }
    );
    // An operator's override accepts it.
    let (_, _, rows, ..) = accepted(inbox.read_with(&memory, TruncationGuard::Override).unwrap());
    assert_eq!(rows, 4);
    // Exactly the ratio is enough: 5 of 10 at 50%.
    drop_file(dir.path(), "stock-0602.csv", 5, 0);
    accepted(inbox.read(&memory).unwrap());
    // "0%" disables the guard.
    let mut c = config(dir.path());
    c.min_rows_ratio = rust_decimal::Decimal::ZERO;
    drop_file(dir.path(), "stock-0603.csv", 0, 0);
    let (_, _, rows, ..) = accepted(instant(c).read(&memory).unwrap());
    assert_eq!(rows, 0);
}

#[test]
fn a_rejected_file_returns_nothing_and_keeps_memory() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stock-0601.csv");
    fs::write(&path, "sku,qty\nA,1\nB,x\n").unwrap();
    let inbox = instant(config(dir.path()));
    match inbox.read(&DropMemory::default()).unwrap() {
        ReadOutcome::Rejected {
            file,
            problems,
            total,
        } => {
            assert_eq!(file, path);
            assert_eq!(total, 1);
            assert_eq!(
                problems[0].to_string(),
                "stock-0601.csv:3:2: \"x\" is not a number in column \"qty\" (stock.quantity)"
            );
        }
        other => panic!("{other:?}"),
    }
    // Nothing to archive for a rejected file.
    let mut c = config(dir.path());
    c.archive = Some(dir.path().join("archive"));
    let inbox = instant(c);
    let outcome = inbox.read(&DropMemory::default()).unwrap();
    assert_eq!(inbox.archive(&outcome).unwrap(), Vec::<PathBuf>::new());
    assert!(path.exists());
}

#[test]
fn archive_moves_the_file_superseded_ones_and_markers_without_overwriting() {
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("archive");
    let mut c = config(dir.path());
    c.archive = Some(archive.clone());
    c.complete = Completeness::Marker(".done".into());
    let inbox = Inbox::new("erp", c).unwrap();
    drop_file(dir.path(), "stock-0601.csv", 1, 100);
    drop_file(dir.path(), "stock-0602.csv", 2, 50);
    fs::write(dir.path().join("stock-0601.csv.done"), "").unwrap();
    fs::write(dir.path().join("stock-0602.csv.done"), "").unwrap();
    // A same-named file archived earlier is kept.
    fs::create_dir_all(&archive).unwrap();
    fs::write(archive.join("stock-0602.csv"), "earlier").unwrap();

    let outcome = inbox.read(&DropMemory::default()).unwrap();
    assert!(matches!(outcome, ReadOutcome::Accepted { .. }));
    // Reading moves nothing: archiving is the caller's explicit step.
    assert!(dir.path().join("stock-0602.csv").exists());
    let moved = inbox.archive(&outcome).unwrap();
    assert_eq!(
        moved,
        vec![
            archive.join("stock-0602.1.csv"),
            archive.join("stock-0602.csv.done"),
            archive.join("stock-0601.csv"),
            archive.join("stock-0601.csv.done"),
        ]
    );
    assert_eq!(
        fs::read_to_string(archive.join("stock-0602.csv")).unwrap(),
        "earlier"
    );
    assert!(
        fs::read_to_string(archive.join("stock-0602.1.csv"))
            .unwrap()
            .contains("S-1,1")
    );
    // The inbox is empty now: a stale superseded file can never be read later.
    assert_eq!(
        inbox.read(&DropMemory::default()).unwrap(),
        ReadOutcome::NoCompleteFile { waiting: vec![] }
    );
}

#[test]
fn drop_memory_round_trips_through_json() {
    let m = DropMemory {
        last_checksum: Some("sha256:ab".into()),
        last_rows: Some(12),
        last_file: Some("stock-0601.csv".into()),
    };
    let json = serde_json::to_string(&m).unwrap();
    assert_eq!(
        json,
        r#"{"last_checksum":"sha256:ab","last_rows":12,"last_file":"stock-0601.csv"}"#
    );
    assert_eq!(serde_json::from_str::<DropMemory>(&json).unwrap(), m);
}

#[test]
fn an_older_file_still_being_written_is_not_superseded() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = config(dir.path());
    c.complete = Completeness::Marker(".done".into());
    c.archive = Some(dir.path().join("archive"));
    let inbox = Inbox::new("erp", c).unwrap();
    let older = drop_file(dir.path(), "stock-0601.csv", 1, 100); // no marker
    let newer = drop_file(dir.path(), "stock-0602.csv", 2, 10);
    fs::write(dir.path().join("stock-0602.csv.done"), "").unwrap();
    let outcome = inbox.read(&DropMemory::default()).unwrap();
    let (_, file, _, superseded, _) = accepted(outcome.clone());
    assert_eq!(file, newer);
    assert!(superseded.is_empty());
    inbox.archive(&outcome).unwrap();
    assert!(older.exists(), "a file without its marker is never moved");
}
