//! The real binary on fuzzed state and answers files: every run ends with a documented exit code
//! (0, 1, 2 or 3), never a panic, an abort or a hang, and nothing outside the repo changes.
//! `SCAFFOLD_FUZZ_CASES` sets the case count (16 by default; `tests/fuzz.sh` runs thousands).

use std::path::Path;
use std::process::Stdio;

use proptest::prelude::*;

use crate::support::{Repo, SEED_GO, command, wait_or_fail};

fn cases() -> u32 {
    std::env::var("SCAFFOLD_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(16)
}

/// Text that steers a mutation toward paths, versions, sources and encodings.
const INSERTS: [&str; 14] = [
    "../",
    "/etc/passwd",
    ".git/hooks/",
    "version = 9\n",
    "[source]\nkind = \"dir\"\nlocation = \"/\"\n",
    "[source]\nkind = \"git\"\nlocation = \"ext::sh -c id\"\n",
    "mode = \"block\"\n",
    "owner = \"once\"\n",
    "\u{0}",
    "\u{feff}",
    "\"",
    "\n[foundations.x]\n",
    "sha256 = \"\"\n",
    "\\u0000",
];

/// One edit of a file: replace a byte, insert a piece, or cut a range.
#[derive(Debug, Clone)]
enum Edit {
    Byte(usize, u8),
    Insert(usize, &'static str),
    Cut(usize, usize),
}

fn edits() -> impl Strategy<Value = Vec<Edit>> {
    let edit = prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(at, b)| Edit::Byte(at, b)),
        (any::<usize>(), proptest::sample::select(&INSERTS))
            .prop_map(|(at, s)| Edit::Insert(at, s)),
        (any::<usize>(), 0usize..40).prop_map(|(at, n)| Edit::Cut(at, n)),
    ];
    proptest::collection::vec(edit, 1..6)
}

fn mutate(mut bytes: Vec<u8>, edits: &[Edit]) -> Vec<u8> {
    for edit in edits {
        let len = bytes.len().max(1);
        match edit {
            Edit::Byte(at, b) if !bytes.is_empty() => bytes[at % len] = *b,
            Edit::Byte(..) => {}
            Edit::Insert(at, s) => {
                let at = at % (bytes.len() + 1);
                bytes.splice(at..at, s.bytes());
            }
            Edit::Cut(at, n) => {
                let at = at % (bytes.len() + 1);
                let end = (at + n).min(bytes.len());
                bytes.drain(at..end);
            }
        }
    }
    bytes
}

/// Every file below `dir` with its content, sorted.
fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap().flatten() {
            let path = entry.path();
            if entry.file_type().unwrap().is_dir() {
                stack.push(path);
            } else {
                out.push((
                    path.display().to_string(),
                    std::fs::read(&path).unwrap_or_default(),
                ));
            }
        }
    }
    out.sort();
    out
}

/// Runs scaffold with a one-minute deadline and checks how it ended.
fn run_checked(repo: &Repo, args: &[&str]) {
    let child = command()
        .args(args)
        .current_dir(repo.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let out = wait_or_fail(child, &format!("scaffold {args:?}"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let code = out.status.code();
    assert!(
        matches!(code, Some(0..=3)),
        "scaffold {args:?} ended with {:?}\n{stderr}",
        out.status
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// A laid repo, with a sentinel folder beside it that no run may touch.
fn laid() -> Repo {
    let repo = Repo::new();
    let mut args = vec!["init", "--yes", "--only", "ci,backup-restore"];
    args.extend_from_slice(&SEED_GO);
    repo.scaffold(&args).success();
    let sentinel = repo.path().parent().unwrap().join("sentinel");
    std::fs::create_dir(&sentinel).unwrap();
    std::fs::write(sentinel.join("keep.txt"), "keep\n").unwrap();
    repo
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn fuzzed_state_and_answers_files_end_cleanly(state_edits in edits(), answer_edits in edits()) {
        let repo = laid();
        let outside = repo.path().parent().unwrap().to_owned();
        let state = std::fs::read(repo.path().join(".scaffold/state.toml")).unwrap();
        std::fs::write(repo.path().join(".scaffold/state.toml"), mutate(state, &state_edits)).unwrap();
        let answers = b"stage = \"seed\"\nci = \"github\"\nlanguage = \"go\"\ncloud = \"none\"\n".to_vec();
        let answers_path = outside.join("answers.toml");
        std::fs::write(&answers_path, mutate(answers, &answer_edits)).unwrap();
        let answers_arg = answers_path.display().to_string();
        let before: Vec<_> = snapshot(&outside)
            .into_iter()
            .filter(|(p, _)| !p.starts_with(&repo.path().display().to_string()))
            .collect();
        for args in [
            vec!["status", "--json"],
            vec!["upgrade", "--yes"],
            vec!["add", "staging-parity", "--yes"],
            vec!["init", "--yes", "--dry-run", "--answers", answers_arg.as_str()],
            vec!["assess", "--json"],
        ] {
            run_checked(&repo, &args);
        }
        let after: Vec<_> = snapshot(&outside)
            .into_iter()
            .filter(|(p, _)| !p.starts_with(&repo.path().display().to_string()))
            .collect();
        prop_assert_eq!(before, after, "a run touched a file outside the repo");
    }
}
