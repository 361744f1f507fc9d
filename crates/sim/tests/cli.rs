//! The `ponte-sim` binary: the one stdout line, serving, a clean stop on SIGTERM and SIGINT,
//! and data kept across runs.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Running {
    child: Child,
    url: String,
}

/// A failing test must not leave the simulator running (its stderr would keep the test
/// runner's output pipe open).
impl Drop for Running {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn spawn(data_dir: &std::path::Path, extra: &[&str]) -> Running {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ponte-sim"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(["--listen", "127.0.0.1:0"])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| panic!("spawn: {e}"));
    let stdout = child.stdout.take().unwrap_or_else(|| panic!("no stdout"));
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .unwrap_or_else(|e| panic!("read: {e}"));
    let url = line
        .trim_end()
        .strip_prefix("ponte-sim listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned();
    assert!(
        url.starts_with("http://127.0.0.1:") && !url.ends_with(":0"),
        "{url}"
    );
    Running { child, url }
}

/// One HTTP/1.1 request over a plain socket; returns (status line, body).
fn request(url: &str, method: &str, path: &str, body: &str) -> (String, String) {
    let addr = url.trim_start_matches("http://");
    let mut stream = TcpStream::connect(addr).unwrap_or_else(|e| panic!("connect: {e}"));
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap_or_else(|e| panic!("{e}"));
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nX-VTEX-API-AppKey: k\r\nX-VTEX-API-AppToken: t\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream
        .write_all(req.as_bytes())
        .unwrap_or_else(|e| panic!("write: {e}"));
    let mut text = String::new();
    stream
        .read_to_string(&mut text)
        .unwrap_or_else(|e| panic!("read: {e}"));
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    (
        head.lines().next().unwrap_or_default().to_owned(),
        body.to_owned(),
    )
}

fn signal(child: &Child, name: &str) {
    let status = Command::new("kill")
        .args([&format!("-{name}"), &child.id().to_string()])
        .status()
        .unwrap_or_else(|e| panic!("kill: {e}"));
    assert!(status.success());
}

fn wait_exit(running: &mut Running) -> std::process::ExitStatus {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = running
            .child
            .try_wait()
            .unwrap_or_else(|e| panic!("wait: {e}"))
        {
            return status;
        }
        if Instant::now() > deadline {
            panic!("ponte-sim did not exit after the signal");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn binary_serves_stops_on_signals_and_keeps_data() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));

    let mut sim = spawn(dir.path(), &["--seed", "demo", "--account", "demo"]);
    let (status, body) = request(&sim.url, "GET", "/_sim/health", "");
    assert!(status.contains(" 200 "), "{status}");
    assert_eq!(body, r#"{"status":"ok"}"#);
    let (status, _) = request(
        &sim.url,
        "POST",
        "/api/catalog/pvt/category?an=demo",
        r#"{"Name":"Added by the test"}"#,
    );
    assert!(status.contains(" 200 "), "{status}");
    signal(&sim.child, "TERM");
    assert!(wait_exit(&mut sim).success());

    let mut sim = spawn(dir.path(), &["--seed", "demo", "--account", "demo"]);
    let (status, body) = request(
        &sim.url,
        "GET",
        "/api/catalog_system/pub/category/tree/1",
        "",
    );
    assert!(status.contains(" 200 "), "{status}");
    assert!(
        body.contains("Added by the test") && body.contains("Apparel"),
        "{body}"
    );
    assert_eq!(
        body.matches(r#""name":"Apparel""#).count(),
        1,
        "seeded once: {body}"
    );
    signal(&sim.child, "INT");
    assert!(wait_exit(&mut sim).success());
}

#[test]
fn app_keys_come_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let mut sim = spawn(
        dir.path(),
        &[
            "--app-key",
            "vtexappkey-cli-KEY:cli-secret",
            "--app-key",
            "k2:t2",
        ],
    );
    for (key, token) in [("vtexappkey-cli-KEY", "cli-secret"), ("k2", "t2")] {
        let (status, body) = request(
            &sim.url,
            "POST",
            "/api/vtexid/apptoken/login",
            &format!(r#"{{"appkey":"{key}","apptoken":"{token}"}}"#),
        );
        assert!(status.contains(" 200 "), "{status} {body}");
        assert!(body.contains(r#""authStatus":"Success""#), "{body}");
    }
    let (status, body) = request(
        &sim.url,
        "POST",
        "/api/vtexid/apptoken/login",
        r#"{"appkey":"vtexappkey-cli-KEY","apptoken":"wrong"}"#,
    );
    assert!(status.contains(" 401 "), "{status} {body}");
    signal(&sim.child, "TERM");
    assert!(wait_exit(&mut sim).success());
}

#[test]
fn malformed_app_keys_are_refused() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let out = Command::new(env!("CARGO_BIN_EXE_ponte-sim"))
        .arg("--data-dir")
        .arg(dir.path())
        .args(["--listen", "127.0.0.1:0", "--app-key", "no-colon"])
        .output()
        .unwrap_or_else(|e| panic!("spawn: {e}"));
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("KEY:TOKEN"), "{stderr}");
}
