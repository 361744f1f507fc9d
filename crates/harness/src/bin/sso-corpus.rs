//! The SSO token corpus (`ponte_harness::sso_corpus`) for other tools.
//!
//! - `sso-corpus jsonl`: the fixture text (what `fixtures/sso-corpus.jsonl` holds) on stdout;
//! - `sso-corpus seeds <dir>`: each corpus token of at most 9000 bytes as a file in `<dir>`,
//!   named after its case: seeds for `cargo fuzz run jws_parse <dir>`;
//! - `sso-corpus classify <dir>`: for each file (a fuzz input, read as the fuzz target reads
//!   it), the outcome with the fixed key set and without keys, tab-separated: for triage of
//!   what to keep in `tests/fuzz-crashers/`.

use ponte_harness::sso_corpus::{corpus, fixture_jsonl, native_validate, outcome_code, request};
use std::io::Write as _;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["jsonl"] => std::io::stdout()
            .lock()
            .write_all(fixture_jsonl(&corpus()).as_bytes())
            .map_err(|e| e.to_string()),
        ["seeds", dir] => seeds(std::path::Path::new(dir)),
        ["classify", dir] => classify(std::path::Path::new(dir)),
        _ => Err(
            "usage: sso-corpus jsonl | sso-corpus seeds <dir> | sso-corpus classify <dir>"
                .to_owned(),
        ),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sso-corpus: {e}");
            ExitCode::FAILURE
        }
    }
}

fn seeds(dir: &std::path::Path) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut written = 0;
    for case in corpus() {
        if case.request.token.len() > 9000 {
            continue;
        }
        let name: String = case
            .name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let path = dir.join(format!("seed-{name}"));
        std::fs::write(&path, case.request.token.as_bytes())
            .map_err(|e| format!("{}: {e}", path.display()))?;
        written += 1;
    }
    eprintln!("sso-corpus: {written} seeds in {}", dir.display());
    Ok(())
}

fn classify(dir: &std::path::Path) -> Result<(), String> {
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    paths.sort();
    let mut out = std::io::stdout().lock();
    for path in paths {
        let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let token = String::from_utf8_lossy(&bytes).into_owned();
        let code = |with_keys| {
            outcome_code(&native_validate(&request(token.clone(), with_keys))).unwrap_or("ACCEPTED")
        };
        writeln!(
            out,
            "{}\t{}\t{}\t{}",
            code(true),
            code(false),
            bytes.len(),
            path.display()
        )
        .map_err(|e| e.to_string())?;
    }
    Ok(())
}
