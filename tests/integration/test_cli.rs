//! `kontrakt test` as a user runs it: the real binary against servers on loopback (the planted
//! server of `conformance`, the mock over TLS and mTLS with a generated PKI), asserting exit
//! codes and what is printed.
//!
//! - a run that cannot happen (no answer, TLS, a wrong password, a refusing token endpoint, bad
//!   arguments, config or spec) exits 2 with one line saying what to check, and reports nothing
//!   as complete;
//! - OAuth `client_secret_basic` and `private_key_jwt` with mTLS work end to end, and no secret
//!   reaches stdout, stderr or JUnit;
//! - `--rate` holds on the server's clock, and a 429 is waited out and shown, never a finding;
//! - a production environment only receives safe methods unless writes are allowed;
//! - the libtest side: `--list`, `--filter`, `--exact`, `--skip`, `--max-requests`, `--replay`;
//! - a snapshot of a failure as it is printed.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kontrakt::auth::{AuthConfig, Certificate, ClientRegistration, ClientSecret};
use kontrakt::mock::MockOptions;
use kontrakt::tls::identity::Password;
use kontrakt::tls::server::server_config_for;
use kontrakt::tls::testca::{TestPki, TestPkiOptions};

use crate::conformance::{Fault, Hit, TOKEN, failed, serve_recording};
use crate::mock::{Served, serve, serve_tls};
use crate::support::{fixtures, kontrakt_env, temp_dir, transcript, write};

const TOKEN_VAR: &str = "PLANTED_TOKEN";
const P12_PASSWORD: &str = "p12-kodeord-7c1f";
const CLIENT_SECRET: &str = "klient-hemmelighed-9e2d";
const CLIENT_ID: &str = "likvidator";
const JWT_CLIENT_ID: &str = "jwt-klient";

fn planted_spec() -> PathBuf {
    fixtures().join("test/planted.yaml")
}

/// The planted server on its own runtime, with every request it sees recorded.
struct Planted {
    url: String,
    hits: Arc<Mutex<Vec<Hit>>>,
    _runtime: tokio::runtime::Runtime,
}

impl Planted {
    fn start(fault: Fault) -> Planted {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        let (addr, hits) = serve_recording(&runtime, fault);
        Planted {
            url: format!("http://{addr}"),
            hits,
            _runtime: runtime,
        }
    }

    fn hits(&self) -> Vec<Hit> {
        self.hits.lock().expect("hits").clone()
    }
}

/// Runs `kontrakt` in `dir` with the planted token in its environment (and `env`).
fn run(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut all = vec![(TOKEN_VAR, TOKEN)];
    all.extend_from_slice(env);
    kontrakt_env(dir, args, &all)
}

fn utf8(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// `test planted.yaml --target URL --token-env … --seed 7 --no-progress`, then `extra`.
fn against<'a>(spec: &'a str, url: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "test",
        spec,
        "--target",
        url,
        "--token-env",
        TOKEN_VAR,
        "--seed",
        "7",
        "--no-progress",
    ];
    args.extend_from_slice(extra);
    args
}

/// A run that could not happen: exit 2, the cause as the last line of stderr (one line,
/// containing each of `expect`), no test results, no JUnit file, and none of `secrets`.
#[track_caller]
fn assert_impossible(out: &Output, junit: &Path, expect: &[&str], secrets: &[&str]) {
    let text = transcript(out);
    assert_eq!(out.status.code(), Some(2), "{text}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("kontrakt test: "))
        .collect();
    assert_eq!(errors.len(), 1, "one error line: {text}");
    assert_eq!(
        stderr.lines().last(),
        Some(errors[0]),
        "the cause is the last line: {text}"
    );
    for e in expect {
        assert!(errors[0].contains(e), "`{e}` missing: {text}");
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        !stdout.contains("test result") && !stdout.contains(" ... ok"),
        "results reported: {text}"
    );
    assert!(!junit.exists(), "a JUnit report was written: {text}");
    for s in secrets {
        assert!(!text.contains(s), "a secret leaked: {text}");
    }
}

/// A generated PKI and its files (ca.pem, organisation.p12 with [`P12_PASSWORD`], …) in `dir`.
fn pki_in(dir: &Path) -> TestPki {
    let pki = TestPki::generate(&TestPkiOptions::fast()).expect("pki");
    pki.write_files(dir, &Password::new(P12_PASSWORD), false)
        .expect("pki files");
    pki
}

/// The mock serving the planted spec over TLS; with `client_ca`, client certificates of the
/// PKI are required.
fn mock_tls(pki: &TestPki, client_ca: bool, auth: AuthConfig) -> Served {
    let roots = pki.roots();
    let tls = server_config_for(pki.server(), client_ca.then_some(roots.as_slice()))
        .expect("server config");
    serve_tls(
        &[planted_spec()],
        MockOptions {
            tokens: vec![TOKEN.into()],
            auth,
            // As `kontrakt test` runs its own mock: the planted spec documents no 404.
            stateful: false,
            ..MockOptions::default()
        },
        Some(tls),
    )
}

fn clients(pki: Option<&TestPki>) -> AuthConfig {
    let mut secret_client = ClientRegistration::new(CLIENT_ID);
    secret_client.secrets = vec![ClientSecret::new(CLIENT_SECRET)];
    let mut clients = vec![secret_client];
    if let Some(pki) = pki {
        let mut jwt = ClientRegistration::new(JWT_CLIENT_ID);
        jwt.certificate = Some(
            Certificate::from_pem_or_der(pki.organisation().cert_pem().as_bytes())
                .expect("certificate"),
        );
        clients.push(jwt);
    }
    AuthConfig {
        clients,
        ..AuthConfig::default()
    }
}

// --- 1. Bad input ------------------------------------------------------------------------

#[test]
fn a_target_that_does_not_answer_exits_2() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let dir = temp_dir();
    let junit = dir.path().join("junit.xml");
    let spec = planted_spec();
    let out = run(
        dir.path(),
        &against(utf8(&spec), &url, &["--junit", utf8(&junit)]),
        &[],
    );
    assert_impossible(
        &out,
        &junit,
        &[
            &format!("cannot connect to 127.0.0.1:{port}"),
            "is the target running?",
            "--target",
        ],
        &[TOKEN],
    );
}

#[test]
fn tls_failures_and_a_wrong_p12_password_exit_2_saying_what_to_check() {
    let dir = temp_dir();
    let pki = pki_in(dir.path());
    let ca = dir.path().join("ca.pem");
    let p12 = dir.path().join("organisation.p12");
    let junit = dir.path().join("junit.xml");
    let spec = planted_spec();

    // The server requires a client certificate and none is given.
    let mtls = mock_tls(&pki, true, AuthConfig::default());
    let out = run(
        dir.path(),
        &against(
            utf8(&spec),
            &mtls.url,
            &["--ca-file", utf8(&ca), "--junit", utf8(&junit)],
        ),
        &[],
    );
    assert_impossible(
        &out,
        &junit,
        &["requires a client certificate", "client_cert"],
        &[TOKEN],
    );

    // The server's CA is not known (no --ca-file).
    let tls = mock_tls(&pki, false, AuthConfig::default());
    let out = run(
        dir.path(),
        &against(utf8(&spec), &tls.url, &["--junit", utf8(&junit)]),
        &[],
    );
    assert_impossible(
        &out,
        &junit,
        &["not trusted (unknown CA)", "ca_file"],
        &[TOKEN],
    );

    // A wrong .p12 password, from an environment variable: named, never shown.
    let wrong = "forkert-kodeord-5b3a";
    let out = run(
        dir.path(),
        &against(
            utf8(&spec),
            &mtls.url,
            &[
                "--ca-file",
                utf8(&ca),
                "--client-cert",
                utf8(&p12),
                "--client-cert-password-env",
                "P12_PASSWORD",
                "--junit",
                utf8(&junit),
            ],
        ),
        &[("P12_PASSWORD", wrong)],
    );
    assert_impossible(
        &out,
        &junit,
        &["wrong password", "organisation.p12", "$P12_PASSWORD"],
        &[TOKEN, wrong, P12_PASSWORD],
    );
}

#[test]
fn a_token_endpoint_that_refuses_exits_2() {
    let dir = temp_dir();
    let mock = serve(
        &[planted_spec()],
        MockOptions {
            auth: clients(None),
            ..MockOptions::default()
        },
    );
    let config = write(
        dir.path(),
        "kontrakt.toml",
        format!(
            "[profiles.oauth.oauth]\ntoken_url = \"{}/oauth2/token\"\nclient_id = \"{CLIENT_ID}\"\n\
             secret = {{ env = \"CLIENT_SECRET\" }}\n",
            mock.url
        ),
    );
    let junit = dir.path().join("junit.xml");
    let spec = planted_spec();
    let wrong = "ikke-hemmeligheden-41";
    let out = kontrakt_env(
        dir.path(),
        &[
            "test",
            utf8(&spec),
            "--target",
            &mock.url,
            "--config",
            utf8(&config),
            "--profile",
            "oauth",
            "--no-progress",
            "--junit",
            utf8(&junit),
        ],
        &[("CLIENT_SECRET", wrong)],
    );
    assert_impossible(
        &out,
        &junit,
        &[
            "token endpoint",
            "refused the client: 401 invalid_client",
            "$CLIENT_SECRET",
        ],
        &[wrong, CLIENT_SECRET],
    );
}

#[test]
fn bad_arguments_config_and_specs_exit_2_with_their_place() {
    let dir = temp_dir();
    let junit = dir.path().join("junit.xml");
    let spec = planted_spec();
    let spec = utf8(&spec);
    let url = "http://127.0.0.1:9";
    // Not kontrakt.toml, which every run in `dir` would load.
    let config = write(
        dir.path(),
        "bad.toml",
        "[environments.prod]\nkind = \"production\"\nurl = \"http://127.0.0.1:9\"\n\n\
         [profiles.p.oauth]\ntoken_url = \"http://127.0.0.1:9/token\"\nclient_id = \"x\"\n\
         client_secret = \"hemmelig\"\n",
    );
    let broken = write(
        dir.path(),
        "broken.yaml",
        "openapi: 3.0.3\ninfo:\n  title: x\n  version: '1'\npaths:\n  /a: [unclosed\n",
    );
    let missing = dir.path().join("findes-ikke.yaml");
    let cases: Vec<(Vec<&str>, Vec<String>)> = vec![
        (
            vec!["test", spec, "--target", url, "--config", utf8(&config)],
            vec![format!("{}:8:", utf8(&config)), "client_secret".into()],
        ),
        (
            against(spec, url, &["--checks", "not-a-check"]),
            vec!["--checks".into(), "not-a-check".into()],
        ),
        (
            against(spec, url, &["--phases", "examples,fuzz"]),
            vec!["--phases".into(), "unknown phase `fuzz`".into()],
        ),
        (
            against(utf8(&broken), url, &[]),
            vec![format!("{}:7:1", utf8(&broken)), "invalid YAML".into()],
        ),
        (
            against(utf8(&missing), url, &[]),
            vec![utf8(&missing).into(), "no such file or folder".into()],
        ),
    ];
    for (mut args, expect) in cases {
        args.extend(["--junit", utf8(&junit)]);
        let out = run(dir.path(), &args, &[]);
        let expect: Vec<&str> = expect.iter().map(String::as_str).collect();
        assert_impossible(&out, &junit, &expect, &["hemmelig"]);
    }
}

// --- 2. Auth end to end --------------------------------------------------------------------

/// Exit 0 and none of `secrets` in stdout, stderr or the JUnit report.
#[track_caller]
fn assert_clean_without(out: &Output, junit: &Path, secrets: &[&str]) {
    let text = transcript(out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("test result: ok"), "{text}");
    let xml = std::fs::read_to_string(junit).expect("JUnit written");
    assert!(xml.contains("failures=\"0\""), "{xml}");
    for s in secrets {
        assert!(!text.contains(s), "a secret leaked: {text}");
        assert!(!xml.contains(s), "a secret leaked into JUnit: {xml}");
    }
}

#[test]
fn oauth_client_secret_basic_over_tls_end_to_end() {
    let dir = temp_dir();
    let pki = pki_in(dir.path());
    let mock = mock_tls(&pki, false, clients(None));
    write(
        dir.path(),
        "kontrakt.toml",
        format!(
            "[environments.lokal]\nkind = \"test\"\nurl = \"{url}\"\nprofile = \"oauth\"\n\
             ca_file = \"ca.pem\"\n\n\
             [profiles.oauth.oauth]\ntoken_url = \"{url}/oauth2/token\"\nclient_id = \"{CLIENT_ID}\"\n\
             method = \"client_secret_basic\"\nsecret = {{ env = \"KONTRAKT_CLIENT_SECRET\" }}\n",
            url = mock.url
        ),
    );
    let junit = dir.path().join("junit.xml");
    let spec = planted_spec();
    let args = [
        "test",
        utf8(&spec),
        "--env",
        "lokal",
        "--seed",
        "3",
        "--max-examples",
        "3",
        "--no-progress",
        "--junit",
        utf8(&junit),
    ];
    let env = [("KONTRAKT_CLIENT_SECRET", CLIENT_SECRET)];
    let out = kontrakt_env(dir.path(), &args, &env);
    assert_clean_without(&out, &junit, &[CLIENT_SECRET, TOKEN]);

    // A failing run prints requests: the fetched token is shown as a placeholder.
    let mut failing = args.to_vec();
    failing.extend([
        "--checks",
        "response-time",
        "--max-response-time",
        "0",
        "--filter",
        "hentSag",
        "--phases",
        "boundary",
    ]);
    let out = kontrakt_env(dir.path(), &failing, &env);
    let text = transcript(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("Authorization: Bearer $KONTRAKT_TOKEN"),
        "{text}"
    );
    assert!(!text.contains(CLIENT_SECRET), "{text}");
    let xml = std::fs::read_to_string(&junit).expect("JUnit written");
    assert!(xml.contains("Bearer $KONTRAKT_TOKEN"), "{xml}");
}

#[test]
fn private_key_jwt_with_a_p12_over_mtls_end_to_end() {
    let dir = temp_dir();
    let pki = pki_in(dir.path());
    let mock = mock_tls(&pki, true, clients(Some(&pki)));
    write(
        dir.path(),
        "kontrakt.toml",
        format!(
            "[profiles.jwt.oauth]\ntoken_url = \"{url}/oauth2/token\"\nclient_id = \"{JWT_CLIENT_ID}\"\n\
             method = \"private_key_jwt\"\nassertion_alg = \"ES256\"\n\n\
             [profiles.jwt.client_cert]\np12 = \"organisation.p12\"\n\
             password = {{ env = \"KONTRAKT_P12_PASSWORD\" }}\n",
            url = mock.url
        ),
    );
    let junit = dir.path().join("junit.xml");
    let spec = planted_spec();
    let out = kontrakt_env(
        dir.path(),
        &[
            "test",
            utf8(&spec),
            "--target",
            &mock.url,
            "--profile",
            "jwt",
            "--ca-file",
            "ca.pem",
            "--seed",
            "3",
            "--max-examples",
            "3",
            "--no-progress",
            "--junit",
            utf8(&junit),
        ],
        &[("KONTRAKT_P12_PASSWORD", P12_PASSWORD)],
    );
    assert_clean_without(&out, &junit, &[P12_PASSWORD, TOKEN]);
}

// --- 3. Politeness -------------------------------------------------------------------------

#[test]
fn the_rate_holds_on_the_servers_clock() {
    let server = Planted::start(Fault::None);
    let dir = temp_dir();
    let spec = planted_spec();
    let out = run(
        dir.path(),
        &against(
            utf8(&spec),
            &server.url,
            &[
                "--rate",
                "10/s",
                "--max-requests",
                "40",
                "--max-examples",
                "3",
            ],
        ),
        &[],
    );
    let text = transcript(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    let hits = server.hits();
    assert!((30..=40).contains(&hits.len()), "{} requests", hits.len());
    for pair in hits.windows(2) {
        let gap = pair[1].at.duration_since(pair[0].at);
        // 100 ms apart when sent; the server's clock sees a little jitter.
        assert!(gap >= Duration::from_millis(80), "{gap:?} between requests");
    }
    let span = hits[hits.len() - 1].at.duration_since(hits[0].at);
    let floor = Duration::from_millis(100 * (hits.len() as u64 - 1));
    assert!(span + Duration::from_millis(50) >= floor, "{span:?}");
}

#[test]
fn a_rate_limiting_mock_is_not_a_finding() {
    let mock = serve(
        &[planted_spec()],
        MockOptions {
            tokens: vec![TOKEN.into()],
            rate: Some(kontrakt::mock::ratelimit::RateSpec::parse("10/s", Some(1)).expect("rate")),
            stateful: false,
            ..MockOptions::default()
        },
    );
    let dir = temp_dir();
    let spec = planted_spec();
    let out = run(
        dir.path(),
        &against(
            utf8(&spec),
            &mock.url,
            &[
                "--rate",
                "10/s",
                "--max-requests",
                "40",
                "--max-examples",
                "3",
            ],
        ),
        &[],
    );
    let text = transcript(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(!text.contains("FAILED"), "{text}");
}

#[test]
fn a_429_is_waited_out_and_shown() {
    let server = Planted::start(Fault::TooManyRequestsOnce);
    let dir = temp_dir();
    let spec = planted_spec();
    let out = run(
        dir.path(),
        &against(
            utf8(&spec),
            &server.url,
            &["--max-examples", "3", "--phases", "examples,boundary"],
        ),
        &[],
    );
    let text = transcript(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr
            .lines()
            .any(|l| l.contains("429") && l.contains("waiting 1")),
        "{text}"
    );
    // The 429s were retried, not judged: both paths were answered afterwards.
    let hits = server.hits();
    assert!(hits.iter().any(|h| h.path == "/api/sager"));
    assert!(hits.iter().any(|h| h.path.starts_with("/api/sager/")));
}

// --- 4. Targets and safety -----------------------------------------------------------------

#[test]
fn production_is_read_only_unless_writes_are_allowed() {
    let server = Planted::start(Fault::None);
    let dir = temp_dir();
    write(
        dir.path(),
        "kontrakt.toml",
        format!(
            "[environments.prod]\nkind = \"production\"\nurl = \"{}\"\n",
            server.url
        ),
    );
    let spec = planted_spec();
    let base = [
        "test",
        utf8(&spec),
        "--env",
        "prod",
        "--token-env",
        TOKEN_VAR,
        "--seed",
        "7",
        "--checks",
        "all",
        "--max-examples",
        "3",
        "--no-progress",
    ];
    let out = run(dir.path(), &base, &[]);
    let text = transcript(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    let hits = server.hits();
    assert!(!hits.is_empty());
    let unsafe_methods: Vec<&str> = hits
        .iter()
        .map(|h| h.method.as_str())
        .filter(|m| !matches!(*m, "GET" | "HEAD" | "OPTIONS"))
        .collect();
    assert!(unsafe_methods.is_empty(), "{unsafe_methods:?} reached prod");
    assert!(
        text.contains("production: safe methods only"),
        "not said: {text}"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    for line in stdout.lines().filter(|l| l.contains("::opretSag::")) {
        assert!(
            line.contains("ignored (production target: state-changing methods are not sent"),
            "{line}"
        );
    }
    assert!(stdout.contains("10 ignored"), "{stdout}");

    let before = hits.len();
    let mut writes = base.to_vec();
    writes.push("--allow-writes");
    let out = run(dir.path(), &writes, &[]);
    let text = transcript(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        server.hits()[before..].iter().any(|h| h.method == "POST"),
        "no POST with --allow-writes: {text}"
    );
    assert!(!text.contains("safe methods only"), "{text}");
}

// --- 5. libtest behaviour ------------------------------------------------------------------

#[test]
fn list_and_list_checks_send_nothing() {
    let server = Planted::start(Fault::None);
    let dir = temp_dir();
    let spec = planted_spec();
    let out = run(
        dir.path(),
        &against(utf8(&spec), &server.url, &["--list", "--checks", "all"]),
        &[],
    );
    let text = transcript(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let names: Vec<&str> = stdout
        .lines()
        .filter_map(|l| l.strip_suffix(": test"))
        .collect();
    // 3 operations × 10 checks, and the stateful phase's created-resource-available for the
    // create → read chain opretSag → hentSag.
    assert_eq!(names.len(), 31, "{stdout}");
    for op in ["listSager", "opretSag", "hentSag"] {
        for check in ["not-a-server-error", "auth-enforced", "response-time"] {
            let name = format!("planted::{op}::{check}");
            assert!(names.contains(&name.as_str()), "{name}: {stdout}");
        }
    }
    assert_eq!(server.hits().len(), 0, "--list sent requests");

    let out = run(dir.path(), &["test", "--list-checks", utf8(&spec)], &[]);
    let text = transcript(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        stdout.lines().count(),
        kontrakt::check::CHECKS.len(),
        "{stdout}"
    );
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("response-time") && l.ends_with("(opt-in)")),
        "{stdout}"
    );
}

#[test]
fn filter_exact_and_skip_choose_trials_and_requests() {
    let server = Planted::start(Fault::None);
    let dir = temp_dir();
    let spec = planted_spec();
    let spec = utf8(&spec);
    let quick = ["--max-examples", "3", "--checks", "all"];

    let mut args = against(spec, &server.url, &quick);
    args.extend(["--filter", "hentSag"]);
    let out = run(dir.path(), &args, &[]);
    let text = transcript(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("10 passed; 0 failed; 0 ignored; 0 measured; 20 filtered out"));
    let hits = server.hits();
    assert!(!hits.is_empty());
    assert!(
        hits.iter().all(|h| h.path.starts_with("/api/sager/")),
        "{hits:?}"
    );

    let before = server.hits().len();
    let mut args = against(spec, &server.url, &quick);
    args.extend([
        "--filter",
        "planted::listSager::not-a-server-error",
        "--exact",
    ]);
    let out = run(dir.path(), &args, &[]);
    let text = transcript(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("1 passed; 0 failed; 0 ignored; 0 measured; 29 filtered out"));
    assert!(
        server.hits()[before..]
            .iter()
            .all(|h| h.path == "/api/sager" && h.method != "POST"),
        "{text}"
    );

    let before = server.hits().len();
    let mut args = against(spec, &server.url, &quick);
    args.extend(["--skip", "opretSag", "--skip", "hentSag"]);
    let out = run(dir.path(), &args, &[]);
    let text = transcript(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("10 passed; 0 failed; 0 ignored; 0 measured; 20 filtered out"));
    assert!(
        server.hits()[before..]
            .iter()
            .all(|h| h.path == "/api/sager" && h.method != "POST"),
        "{text}"
    );
}

#[test]
fn a_spent_budget_reports_the_rest_as_not_tested() {
    let server = Planted::start(Fault::None);
    let dir = temp_dir();
    let spec = planted_spec();
    let junit = dir.path().join("junit.xml");
    let out = run(
        dir.path(),
        &against(
            utf8(&spec),
            &server.url,
            &[
                "--max-requests",
                "5",
                "--concurrency",
                "1",
                "--junit",
                utf8(&junit),
            ],
        ),
        &[],
    );
    let text = transcript(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert_eq!(server.hits().len(), 5, "{text}");
    assert!(
        text.contains("the request budget ran out:") && text.contains("were not sent"),
        "{text}"
    );
    assert!(
        text.contains("ignored (the request budget (--max-requests) ran out"),
        "{text}"
    );
    let xml = std::fs::read_to_string(&junit).expect("JUnit");
    assert!(xml.contains("<skipped"), "{xml}");
}

/// The words of the first failure's replay line (`kontrakt test … --replay 'KEY' …`), as a
/// POSIX shell would split them (bare words and single quotes, which is all it prints).
fn replay_words(stdout: &str) -> Vec<String> {
    let line = stdout
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("kontrakt test ") && l.contains("--replay"))
        .unwrap_or_else(|| panic!("no replay line: {stdout}"));
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut quoted = false;
    for c in line.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                word.get_or_insert_with(String::new);
            }
            ' ' if !quoted => words.extend(word.take()),
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(word);
    words
}

fn option<'a>(words: &'a [String], flag: &str) -> &'a str {
    let i = words
        .iter()
        .position(|w| w == flag)
        .unwrap_or_else(|| panic!("{flag} missing in {words:?}"));
    &words[i + 1]
}

#[test]
fn replay_sends_the_printed_request_once_and_fails_the_same_way() {
    let server = Planted::start(Fault::ServerError);
    let dir = temp_dir();
    let spec = planted_spec();
    let trial = "planted::listSager::not-a-server-error";
    let mut args = against(utf8(&spec), &server.url, &["--max-examples", "3"]);
    args.extend(["--filter", trial, "--exact"]);
    let out = run(dir.path(), &args, &[]);
    let text = transcript(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let words = replay_words(&stdout);
    assert_eq!(words[..2], ["kontrakt", "test"]);
    assert_eq!(option(&words, "--filter"), trial);
    assert_eq!(option(&words, "--token-env"), TOKEN_VAR);
    let key = option(&words, "--replay").to_string();
    let request = |s: &str| {
        s.lines()
            .find(|l| l.trim_start().starts_with("GET /api/sager"))
            .map(|l| l.trim().to_string())
            .unwrap_or_else(|| panic!("no request shown: {s}"))
    };
    let printed = request(&stdout);

    // The printed command, word for word.
    let before = server.hits().len();
    let args: Vec<&str> = words[1..].iter().map(String::as_str).collect();
    let out = run(dir.path(), &args, &[]);
    let text = transcript(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(failed(&text, trial), "{text}");
    let replayed = &server.hits()[before..];
    assert_eq!(replayed.len(), 1, "{replayed:?}");
    let again = String::from_utf8_lossy(&out.stdout);
    assert_eq!(request(&again), printed);
    assert_eq!(option(&replay_words(&again), "--replay"), key);
}

// --- 6. The failure text -------------------------------------------------------------------

#[test]
fn a_failure_as_printed() {
    let server = Planted::start(Fault::ServerError);
    let dir = temp_dir();
    let spec = planted_spec();
    let mut args = against(
        utf8(&spec),
        &server.url,
        &["--max-examples", "3", "--checks", "not-a-server-error"],
    );
    args.extend([
        "--filter",
        "planted::listSager::not-a-server-error",
        "--exact",
    ]);
    let out = run(dir.path(), &args, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", transcript(&out));
    let port = server.url.rsplit(':').next().expect("port").to_string();
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(true);
    settings.set_omit_expression(true);
    settings.add_filter(&regex_escape(env!("CARGO_MANIFEST_DIR")), "[REPO]");
    settings.add_filter(&format!(r"127\.0\.0\.1:{port}\b"), "127.0.0.1:[PORT]");
    settings.add_filter(r"(?i)date: [^\n]+", "date: [DATE]");
    settings.add_filter(r"finished in [0-9.]+s", "finished in [TIME]");
    settings.add_filter(
        r"\d+ requests in [0-9.]+ s \(\d+/s\)",
        "[N] requests in [TIME]",
    );
    settings.add_filter(r"reports/\d{8}T\d{6}Z", "reports/[RUN]");
    settings.add_filter(
        r"loaded and compiled in [0-9.]+ s \(cases [0-9.]+ s\)",
        "loaded and compiled in [TIME]",
    );
    settings.add_filter(r"seed: \d+", "seed: [SEED]");
    settings.add_filter(r"replay key: \S+", "replay key: [KEY]");
    settings.add_filter(r"--replay '[^']+'", "--replay '[KEY]'");
    settings.bind(|| insta::assert_snapshot!("failure_text", transcript(&out)));
}

fn regex_escape(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if "\\.+*?()|[]{}^$#&-~".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
