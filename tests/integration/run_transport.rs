//! The runner's transport against real servers on 127.0.0.1: the limiter holding its rate
//! across workers, retries and token requests; 429/503 waited out; OAuth client credentials
//! (basic, post, private_key_jwt RS256/PS256) against the mock's token endpoint; mTLS with
//! `.p12` and PEM identities; and the one-line causes when something is misconfigured.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use http_body_util::BodyExt as _;
use kontrakt::auth::{AuthConfig, Certificate, ClientRegistration, ClientSecret};
use kontrakt::config::{CertSource, ClientMethod, Config, OAuthProfile, Profile, SecretSource};
use kontrakt::exchange::{Outcome, Request, Response};
use kontrakt::mock::{Mock, MockOptions, Running};
use kontrakt::run::{
    AuthSession, ClientOptions, Credentials, Event, HttpClient, Limiter, RateSpec, RunError,
    Sender, load_identity,
};
use kontrakt::tls::testca::{ClientCertSpec, KeyType, TestPki, TestPkiOptions};
use kontrakt::tls::{Identity, Password, Pkcs12Encryption, server_config_for};

use crate::support::{fixtures, temp_dir, write};

const BASE: &str = "/sagsbehandling/v1";
const SECRET: &str = "hemmelig:med&tegn=";

// ---------------------------------------------------------------------------------------------
// Servers

/// The mock, served on the test's runtime (and stopped with it).
struct Served {
    url: String,
    _running: Running,
}

async fn mock(options: MockOptions, tls: Option<Arc<rustls::ServerConfig>>) -> Served {
    let scheme = if tls.is_some() { "https" } else { "http" };
    let m = Arc::new(Mock::new(&[fixtures().join("mock/sager.yaml")], options).expect("mock"));
    let running = kontrakt::mock::start(m, "127.0.0.1:0".parse().unwrap(), tls)
        .await
        .expect("mock listens");
    Served {
        url: format!("{scheme}://127.0.0.1:{}", running.addr.port()),
        _running: running,
    }
}

/// One request as a recording server saw it.
#[derive(Debug, Clone)]
struct Hit {
    at: Instant,
    path: String,
    authorization: Option<String>,
    body: String,
}

type Answer = (u16, Vec<(&'static str, String)>, String);

/// A tiny HTTP server that records every request's arrival and answers with `handler`
/// (given the hit and its index among all hits).
struct Recorder {
    url: String,
    hits: Arc<Mutex<Vec<Hit>>>,
}

impl Recorder {
    fn hits(&self) -> Vec<Hit> {
        self.hits.lock().unwrap().clone()
    }
}

async fn recorder(handler: impl Fn(&Hit, usize) -> Answer + Send + Sync + 'static) -> Recorder {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let hits: Arc<Mutex<Vec<Hit>>> = Arc::default();
    let handler = Arc::new(handler);
    let log = hits.clone();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            stream.set_nodelay(true).unwrap();
            let (log, handler) = (log.clone(), handler.clone());
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |req: hyper::Request<_>| {
                    let (log, handler) = (log.clone(), handler.clone());
                    async move {
                        let at = Instant::now();
                        let path = req.uri().path().to_string();
                        let authorization = req
                            .headers()
                            .get("authorization")
                            .map(|v| v.to_str().unwrap().to_string());
                        let body: hyper::body::Incoming = req.into_body();
                        let body = body.collect().await.unwrap().to_bytes();
                        let hit = Hit {
                            at,
                            path,
                            authorization,
                            body: String::from_utf8_lossy(&body).into_owned(),
                        };
                        let index = {
                            let mut log = log.lock().unwrap();
                            log.push(hit.clone());
                            log.len() - 1
                        };
                        let (status, headers, body) = handler(&hit, index);
                        let mut response = hyper::Response::builder().status(status);
                        for (n, v) in headers {
                            response = response.header(n, v);
                        }
                        Ok::<_, std::convert::Infallible>(
                            response
                                .body(http_body_util::Full::new(bytes::Bytes::from(body)))
                                .unwrap(),
                        )
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    Recorder { url, hits }
}

fn json(status: u16, body: &str) -> Answer {
    (
        status,
        vec![("content-type", "application/json".into())],
        body.into(),
    )
}

// ---------------------------------------------------------------------------------------------
// Client side

fn client(o: ClientOptions) -> HttpClient {
    HttpClient::new(&o).expect("client")
}

fn plain() -> HttpClient {
    client(ClientOptions::default())
}

/// Events seen, in order.
#[derive(Clone, Default)]
struct Events(Arc<Mutex<Vec<Event>>>);

impl Events {
    fn sink(&self) -> Arc<dyn Fn(Event) + Send + Sync> {
        let log = self.0.clone();
        Arc::new(move |e| log.lock().unwrap().push(e))
    }
    fn pauses(&self) -> Vec<(u16, String)> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .filter_map(|e| match e {
                Event::Pause { status, reason, .. } => Some((*status, reason.clone())),
                _ => None,
            })
            .collect()
    }
    fn tokens(&self) -> usize {
        self.0
            .lock()
            .unwrap()
            .iter()
            .filter(|e| matches!(e, Event::TokenFetched { .. }))
            .count()
    }
}

fn sender(
    client: HttpClient,
    rate: Option<&str>,
    auth: Option<AuthSession>,
    deadline: Duration,
    events: &Events,
) -> Sender {
    let limiter = Limiter::new(rate.map(|r| r.parse().unwrap()));
    Sender::new(client, limiter, auth, deadline, events.sink())
}

fn get(url: String) -> Request {
    Request {
        method: "GET".into(),
        url,
        headers: Vec::new(),
        body: Vec::new(),
    }
}

fn response(outcome: Outcome) -> Response {
    match outcome {
        Outcome::Response(r) => r,
        Outcome::Transport(t) => panic!("no response: {t}"),
    }
}

fn secret_file(dir: &Path, name: &str, value: &str) -> SecretSource {
    SecretSource::File(write(dir, name, format!("{value}\n")))
}

fn oauth_profile(
    token_url: &str,
    client_id: &str,
    method: ClientMethod,
    secret: Option<SecretSource>,
) -> OAuthProfile {
    OAuthProfile {
        token_url: token_url.into(),
        client_id: client_id.into(),
        method,
        secret,
        scope: None,
        assertion_alg: kontrakt::auth::AssertionAlg::Rs256,
        audience: None,
    }
}

/// One RSA organisation certificate for every test that signs RS256/PS256 (RSA key
/// generation takes a while).
fn rsa_pki() -> &'static (TestPki, Identity) {
    static PKI: OnceLock<(TestPki, Identity)> = OnceLock::new();
    PKI.get_or_init(|| {
        let pki = TestPki::generate(&TestPkiOptions::fast()).unwrap();
        let rsa = pki
            .issue(&ClientCertSpec::organisation("91234564").with_key_type(KeyType::Rsa3072))
            .unwrap();
        (pki, rsa)
    })
}

/// Mock options with a `client_secret_*` client and, given a certificate, a `private_key_jwt`
/// client registered with it.
fn oauth_mock_options(jwt_cert: Option<&Identity>, token_lifetime: u64) -> MockOptions {
    let mut secret_client = ClientRegistration::new("likvidator system");
    secret_client.secrets = vec![ClientSecret::new(SECRET)];
    let mut clients = vec![secret_client];
    if let Some(identity) = jwt_cert {
        let mut jwt = ClientRegistration::new("jwt-klient");
        jwt.certificate = Some(Certificate::from_der(identity.leaf()).unwrap());
        clients.push(jwt);
    }
    MockOptions {
        auth: AuthConfig {
            clients,
            token_lifetime,
            ..AuthConfig::default()
        },
        ..MockOptions::default()
    }
}

// ---------------------------------------------------------------------------------------------
// Limiter

/// In any window, at most `burst` + rate × window requests, with `slack` for scheduling.
fn assert_within_rate(times: &[Instant], rate: RateSpec, slack: Duration) {
    let mut times = times.to_vec();
    times.sort();
    let t = rate.interval();
    for i in 0..times.len() {
        for j in i + 1..times.len() {
            let k = (j - i + 1) as u32;
            let min_gap = t * k.saturating_sub(rate.burst);
            assert!(
                times[j] - times[i] + slack >= min_gap,
                "requests {i}..={j} came within {:?}, the rate allows no less than {min_gap:?}",
                times[j] - times[i]
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_workers_never_exceed_the_rate_of_a_rate_limited_mock() {
    // The mock's `--rate 10/s` (a burst of 10 there); the runner spreads requests evenly.
    let s = mock(
        MockOptions {
            rate: Some(kontrakt::mock::ratelimit::RateSpec::parse("10/s", None).unwrap()),
            ..MockOptions::default()
        },
        None,
    )
    .await;
    let events = Events::default();
    let tx = sender(
        plain(),
        Some("10/s"),
        None,
        Duration::from_secs(30),
        &events,
    );
    let sent: Arc<Mutex<Vec<(Instant, u16)>>> = Arc::default();
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..6 {
        let (tx, sent, url) = (tx.clone(), sent.clone(), format!("{}{BASE}/status", s.url));
        workers.push(tokio::spawn(async move {
            for _ in 0..5 {
                let (_, outcome) = tx.send(get(url.clone()), Credentials::None).await.unwrap();
                let r = response(outcome);
                sent.lock().unwrap().push((Instant::now(), r.status));
            }
        }));
    }
    for w in workers {
        w.await.unwrap();
    }
    let sent = sent.lock().unwrap().clone();
    assert_eq!(sent.len(), 30);
    assert!(sent.iter().all(|(_, s)| *s == 200), "{sent:?}");
    assert!(events.pauses().is_empty(), "{:?}", events.pauses());
    // 30 requests at 10/s, one at a time: 2.9 s at least.
    let took = started.elapsed();
    assert!(took >= Duration::from_millis(2850), "{took:?}");

    // The same load without the limiter is refused: the mock does enforce the rate.
    let raw = plain();
    let mut refused = 0;
    for _ in 0..30 {
        let r = response(raw.send_once(&get(format!("{}{BASE}/status", s.url))).await);
        refused += usize::from(r.status == 429);
    }
    assert!(refused > 0, "the mock never said 429");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_requests_retries_and_renewals_all_pass_the_limiter() {
    // Tokens live 1 s (renewed after 0.9 s); the 3rd API request gets a 401 (a renewal and a
    // retry); the 8th a 429 with Retry-After: 1 (a pause and a retry).
    let api_calls = Arc::new(AtomicUsize::new(0));
    let calls = api_calls.clone();
    let token_no = Arc::new(AtomicUsize::new(0));
    let tokens = token_no.clone();
    let server = recorder(move |hit, _| {
        if hit.path == "/oauth2/token" {
            let n = tokens.fetch_add(1, Ordering::SeqCst);
            return json(
                200,
                &format!(r#"{{"access_token":"tok-{n}","token_type":"Bearer","expires_in":1}}"#),
            );
        }
        match calls.fetch_add(1, Ordering::SeqCst) {
            2 => json(401, r#"{"error":"invalid_token"}"#),
            7 => (429, vec![("retry-after", "1".into())], String::new()),
            _ => json(200, "{}"),
        }
    })
    .await;
    let dir = temp_dir();
    let profile = Profile {
        oauth: Some(oauth_profile(
            &format!("{}/oauth2/token", server.url),
            "c",
            ClientMethod::Post,
            Some(secret_file(dir.path(), "secret", "s")),
        )),
        ..Profile::default()
    };
    let rate: RateSpec = "20/s".parse().unwrap();
    let limiter = Limiter::new(Some(rate));
    let http = plain();
    let auth = AuthSession::new(&profile, http.clone(), limiter.clone()).unwrap();
    let events = Events::default();
    let tx = Sender::new(
        http,
        limiter,
        Some(auth),
        Duration::from_secs(30),
        events.sink(),
    );
    let mut workers = Vec::new();
    for _ in 0..3 {
        let (tx, url) = (tx.clone(), format!("{}/api", server.url));
        workers.push(tokio::spawn(async move {
            for _ in 0..12 {
                let (sent, outcome) = tx.send(get(url.clone()), Credentials::Apply).await.unwrap();
                assert_eq!(response(outcome).status, 200);
                assert!(
                    sent.header("authorization")
                        .unwrap()
                        .starts_with("Bearer tok-")
                );
            }
        }));
    }
    for w in workers {
        w.await.unwrap();
    }
    let hits = server.hits();
    let token_requests = hits.iter().filter(|h| h.path == "/oauth2/token").count();
    // 36 API answers + the 401 + the 429 retried; at least the first token, the renewal after
    // the 401 and one per second of run time.
    assert_eq!(hits.len() - token_requests, 38);
    assert!(token_requests >= 3, "{token_requests} token requests");
    assert_eq!(events.tokens(), token_requests);
    assert_within_rate(
        &hits.iter().map(|h| h.at).collect::<Vec<_>>(),
        rate,
        Duration::from_millis(15),
    );
    // Nobody sent during the pause.
    let refused = hits.iter().filter(|h| h.path == "/api").nth(7).unwrap().at;
    let during = hits
        .iter()
        .filter(|h| h.at > refused && h.at < refused + Duration::from_millis(990))
        .count();
    assert_eq!(during, 0);
    assert_eq!(events.pauses().len(), 1);
    // The request after the 401 carried a new token.
    let api: Vec<&Hit> = hits.iter().filter(|h| h.path == "/api").collect();
    let after_401 = api[3..]
        .iter()
        .find(|h| h.authorization != api[2].authorization);
    assert!(after_401.is_some());
    // client_secret_post put the secret in the body, not a header.
    let token_hit = hits.iter().find(|h| h.path == "/oauth2/token").unwrap();
    assert!(
        token_hit.body.contains("client_secret=s"),
        "{}",
        token_hit.body
    );
    assert!(token_hit.authorization.is_none());
}

// ---------------------------------------------------------------------------------------------
// 429 and 503

/// A server that answers `refusals` times with `status` and `headers`, then 200.
async fn refusing(status: u16, refusals: usize, headers: Vec<(&'static str, String)>) -> Recorder {
    recorder(move |_, i| {
        if i < refusals {
            (status, headers.clone(), String::new())
        } else {
            json(200, r#"{"ok":true}"#)
        }
    })
    .await
}

async fn waited_out(
    status: u16,
    headers: Vec<(&'static str, String)>,
    at_least: Duration,
) -> String {
    let server = refusing(status, 1, headers).await;
    let events = Events::default();
    let tx = sender(plain(), None, None, Duration::from_secs(30), &events);
    let start = Instant::now();
    let (_, outcome) = tx
        .send(get(format!("{}/x", server.url)), Credentials::None)
        .await
        .unwrap();
    let r = response(outcome);
    assert_eq!(r.status, 200);
    assert_eq!(r.body, br#"{"ok":true}"#);
    let hits = server.hits();
    assert_eq!(hits.len(), 2);
    let gap = hits[1].at - hits[0].at;
    assert!(gap >= at_least, "waited {gap:?}, expected {at_least:?}");
    // Generous: a loaded CI machine may start the request late; what matters is that the wait
    // was not the 30 s deadline.
    assert!(start.elapsed() < at_least + Duration::from_secs(5));
    let pauses = events.pauses();
    assert_eq!(pauses.len(), 1);
    assert_eq!(pauses[0].0, status);
    pauses[0].1.clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn too_many_requests_and_unavailable_are_waited_out_as_the_server_asks() {
    let unix_now = || {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs()
    };
    // Three seconds ahead, so a test started late on a loaded machine still has one to wait.
    let date = httpdate::fmt_http_date(std::time::SystemTime::now() + Duration::from_secs(3));
    let (a, b, c, d, e, f) = tokio::join!(
        waited_out(
            429,
            vec![("retry-after", "1".into())],
            Duration::from_millis(990)
        ),
        // An HTTP-date has whole seconds: at least one of the three seconds remains.
        waited_out(429, vec![("retry-after", date)], Duration::from_millis(990)),
        waited_out(
            429,
            vec![("ratelimit", "\"default\";r=0;t=1".into())],
            Duration::from_millis(990)
        ),
        waited_out(
            429,
            vec![
                ("x-ratelimit-remaining", "0".into()),
                ("x-ratelimit-reset", (unix_now() + 3).to_string())
            ],
            Duration::from_millis(990)
        ),
        waited_out(
            503,
            vec![("retry-after", "1".into())],
            Duration::from_millis(990)
        ),
        // No hint: the first backoff step, 1 s.
        waited_out(503, vec![], Duration::from_millis(990)),
    );
    assert!(
        a.starts_with("429 Too Many Requests from http://127.0.0.1:"),
        "{a}"
    );
    assert!(a.ends_with("waiting 1 s as the server asks"), "{a}");
    for reason in [&b, &c, &d] {
        assert!(reason.contains("as the server asks"), "{reason}");
    }
    assert!(e.starts_with("503 Service Unavailable"), "{e}");
    assert!(f.ends_with("without Retry-After: backing off 1 s"), "{f}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wait_beyond_the_deadline_ends_the_run() {
    // Asked to wait longer than the whole budget: stop at once, not after waiting.
    let server = refusing(429, usize::MAX, vec![("retry-after", "600".into())]).await;
    let events = Events::default();
    let tx = sender(plain(), None, None, Duration::from_secs(300), &events);
    let start = Instant::now();
    let e = tx
        .send(get(format!("{}/x", server.url)), Credentials::None)
        .await
        .unwrap_err();
    assert!(start.elapsed() < Duration::from_secs(1));
    assert!(
        e.to_string()
            .starts_with("rate-limited for longer than the 300 s deadline"),
        "{e}"
    );
    // Backing off without hints: 1 s, then 2 s would pass a 2.5 s deadline.
    let server = refusing(503, usize::MAX, vec![]).await;
    let tx = sender(plain(), None, None, Duration::from_millis(2500), &events);
    let start = Instant::now();
    let e = tx
        .send(get(format!("{}/x", server.url)), Credentials::None)
        .await
        .unwrap_err();
    let took = start.elapsed();
    assert!(
        took >= Duration::from_secs(1) && took < Duration::from_secs(2),
        "{took:?}"
    );
    assert_eq!(server.hits().len(), 2);
    assert!(
        e.to_string()
            .contains("503 (unavailable) for longer than the 2.5 s deadline"),
        "{e}"
    );
}

// ---------------------------------------------------------------------------------------------
// OAuth against the mock's token endpoint

async fn secured_calls(tx: &Sender, url: &str, n: usize) {
    for _ in 0..n {
        let (sent, outcome) = tx
            .send(get(format!("{url}{BASE}/sager")), Credentials::Apply)
            .await
            .unwrap();
        assert!(sent.header("authorization").is_some());
        assert_eq!(response(outcome).status, 200);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_secret_basic_and_post_fetch_one_token_for_many_calls() {
    let s = mock(oauth_mock_options(None, 300), None).await;
    let dir = temp_dir();
    for method in [ClientMethod::Basic, ClientMethod::Post] {
        let profile = Profile {
            oauth: Some(oauth_profile(
                &format!("{}/oauth2/token", s.url),
                "likvidator system",
                method,
                Some(secret_file(dir.path(), "secret", SECRET)),
            )),
            ..Profile::default()
        };
        let http = plain();
        let limiter = Limiter::new(None);
        let auth = AuthSession::new(&profile, http.clone(), limiter.clone()).unwrap();
        let events = Events::default();
        let tx = Sender::new(
            http,
            limiter,
            Some(auth.clone()),
            Duration::from_secs(30),
            events.sink(),
        );
        secured_calls(&tx, &s.url, 10).await;
        assert_eq!(events.tokens(), 1, "{method:?}: one token for ten calls");
        // Without credentials and with a well-formed but wrong token: refused.
        for credentials in [Credentials::None, Credentials::Invalid] {
            let (sent, outcome) = tx
                .send(get(format!("{}{BASE}/sager", s.url)), credentials)
                .await
                .unwrap();
            assert_eq!(response(outcome).status, 401, "{credentials:?}");
            assert_eq!(
                sent.header("authorization").is_some(),
                credentials == Credentials::Invalid
            );
        }
        // An invalid token is no reason to renew the real one.
        assert_eq!(events.tokens(), 1);
        // Nothing secret in Debug output; everything secret offered to the redactor.
        let token = auth.token().await.unwrap();
        let secrets = tx.secrets();
        assert!(secrets.contains(&token.expose().to_string()));
        assert!(secrets.contains(&SECRET.to_string()));
        for shown in [
            format!("{tx:?}"),
            format!("{auth:?}"),
            format!("{profile:?}"),
        ] {
            assert!(
                !shown.contains(token.expose()) && !shown.contains(SECRET),
                "{shown}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_are_renewed_before_they_expire() {
    // The mock issues 2-second tokens; renewal is due 0.2 s before expiry.
    let s = mock(oauth_mock_options(None, 2), None).await;
    let dir = temp_dir();
    let profile = Profile {
        oauth: Some(oauth_profile(
            &format!("{}/oauth2/token", s.url),
            "likvidator system",
            ClientMethod::Basic,
            Some(secret_file(dir.path(), "secret", SECRET)),
        )),
        ..Profile::default()
    };
    let http = plain();
    let limiter = Limiter::new(None);
    let auth = AuthSession::new(&profile, http.clone(), limiter.clone()).unwrap();
    let events = Events::default();
    let tx = Sender::new(
        http,
        limiter,
        Some(auth),
        Duration::from_secs(30),
        events.sink(),
    );
    secured_calls(&tx, &s.url, 3).await;
    assert_eq!(events.tokens(), 1);
    tokio::time::sleep(Duration::from_millis(1900)).await;
    // Still valid for 0.1 s at the mock, but due for renewal: a new token, and no 401.
    secured_calls(&tx, &s.url, 3).await;
    assert_eq!(events.tokens(), 2);
    let fetched: Vec<Option<u64>> = events
        .0
        .lock()
        .unwrap()
        .iter()
        .filter_map(|e| match e {
            Event::TokenFetched { expires_in } => Some(*expires_in),
            _ => None,
        })
        .collect();
    assert_eq!(fetched, [Some(2), Some(2)]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_401_renews_the_token_once() {
    // Every API request is refused: one renewal, then the 401 is the answer.
    let tokens = Arc::new(AtomicUsize::new(0));
    let t = tokens.clone();
    let server = recorder(move |hit, _| {
        if hit.path == "/oauth2/token" {
            let n = t.fetch_add(1, Ordering::SeqCst);
            json(
                200,
                &format!(r#"{{"access_token":"tok-{n}","expires_in":300}}"#),
            )
        } else {
            json(401, "{}")
        }
    })
    .await;
    let dir = temp_dir();
    let profile = Profile {
        oauth: Some(oauth_profile(
            &format!("{}/oauth2/token", server.url),
            "c",
            ClientMethod::Basic,
            Some(secret_file(dir.path(), "secret", "s")),
        )),
        ..Profile::default()
    };
    let http = plain();
    let auth = AuthSession::new(&profile, http.clone(), Limiter::new(None)).unwrap();
    let events = Events::default();
    let tx = Sender::new(
        http,
        Limiter::new(None),
        Some(auth),
        Duration::from_secs(30),
        events.sink(),
    );
    let (sent, outcome) = tx
        .send(get(format!("{}/api", server.url)), Credentials::Apply)
        .await
        .unwrap();
    assert_eq!(response(outcome).status, 401);
    assert_eq!(sent.header("authorization"), Some("Bearer tok-1"));
    assert_eq!(tokens.load(Ordering::SeqCst), 2);
    let api: Vec<Option<String>> = server
        .hits()
        .iter()
        .filter(|h| h.path == "/api")
        .map(|h| h.authorization.clone())
        .collect();
    assert_eq!(
        api,
        [
            Some("Bearer tok-0".to_string()),
            Some("Bearer tok-1".to_string())
        ]
    );
    // Basic: the secret went in the Authorization header of the token request.
    let token_hit = server
        .hits()
        .into_iter()
        .find(|h| h.path == "/oauth2/token")
        .unwrap();
    assert!(token_hit.authorization.unwrap().starts_with("Basic "));
    assert!(!token_hit.body.contains("client_secret"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refusing_token_endpoint_ends_the_run_with_one_line() {
    let s = mock(oauth_mock_options(None, 300), None).await;
    let dir = temp_dir();
    let token_url = format!("{}/oauth2/token", s.url);
    let wrong = secret_file(dir.path(), "wrong", "forkert-hemmelighed");
    let profile = Profile {
        oauth: Some(oauth_profile(
            &token_url,
            "likvidator system",
            ClientMethod::Post,
            Some(wrong.clone()),
        )),
        ..Profile::default()
    };
    let http = plain();
    let auth = AuthSession::new(&profile, http.clone(), Limiter::new(None)).unwrap();
    let tx = Sender::new(
        http,
        Limiter::new(None),
        Some(auth),
        Duration::from_secs(30),
        Events::default().sink(),
    );
    let e = tx
        .send(get(format!("{}{BASE}/sager", s.url)), Credentials::Apply)
        .await
        .unwrap_err();
    let text = e.to_string();
    assert_eq!(
        text,
        format!(
            "token endpoint {token_url} refused the client: 401 invalid_client — check client_id and the secret in {wrong}"
        )
    );
    assert!(!text.contains("forkert") && !text.contains('\n'));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_come_from_variables_and_an_unset_one_is_named() {
    let s = mock(
        MockOptions {
            tokens: vec![env_value()],
            ..MockOptions::default()
        },
        None,
    )
    .await;
    // A static bearer read from a variable that is set (setting one here would race with the
    // other tests' threads reading the environment).
    let profile = Profile {
        bearer: Some(SecretSource::Env(SET_VAR.into())),
        ..Profile::default()
    };
    let auth = AuthSession::new(&profile, plain(), Limiter::new(None)).unwrap();
    assert!(!auth.renewable());
    let tx = sender(
        plain(),
        None,
        Some(auth),
        Duration::from_secs(5),
        &Events::default(),
    );
    secured_calls(&tx, &s.url, 2).await;
    let (sent, outcome) = tx
        .send(get(format!("{}{BASE}/sager", s.url)), Credentials::Invalid)
        .await
        .unwrap();
    assert_eq!(response(outcome).status, 401);
    let invalid = sent.header("authorization").unwrap();
    assert_ne!(invalid, format!("Bearer {}", env_value()));
    assert_eq!(invalid.len(), format!("Bearer {}", env_value()).len());

    let unset = Profile {
        bearer: Some(SecretSource::Env("KONTRAKT_TEST_SURELY_UNSET_TOKEN".into())),
        ..Profile::default()
    };
    let e = AuthSession::new(&unset, plain(), Limiter::new(None)).unwrap_err();
    assert_eq!(
        e.to_string(),
        "environment variable $KONTRAKT_TEST_SURELY_UNSET_TOKEN is not set (the profile's bearer token)"
    );
    let unset = Profile {
        oauth: Some(oauth_profile(
            "http://127.0.0.1:1/t",
            "c",
            ClientMethod::Basic,
            Some(SecretSource::Env(
                "KONTRAKT_TEST_SURELY_UNSET_SECRET".into(),
            )),
        )),
        ..Profile::default()
    };
    let e = AuthSession::new(&unset, plain(), Limiter::new(None)).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("environment variable $KONTRAKT_TEST_SURELY_UNSET_SECRET is not set"),
        "{e}"
    );
}

/// Set by cargo for every test process.
const SET_VAR: &str = "CARGO_PKG_NAME";

fn env_value() -> String {
    std::env::var(SET_VAR).expect("cargo sets CARGO_PKG_NAME for tests")
}

// ---------------------------------------------------------------------------------------------
// mTLS and private_key_jwt

struct TlsFiles {
    _dir: tempfile::TempDir,
    ca: PathBuf,
    dir: PathBuf,
}

fn tls_files(pki: &TestPki) -> TlsFiles {
    let dir = temp_dir();
    let ca = write(dir.path(), "ca.pem", pki.ca_pem());
    TlsFiles {
        dir: dir.path().to_path_buf(),
        _dir: dir,
        ca,
    }
}

/// Writes `identity` as a `.p12` with `encryption`, its password in a file.
fn p12(files: &TlsFiles, identity: &Identity, encryption: Pkcs12Encryption) -> CertSource {
    let name = format!("client-{encryption:?}.p12");
    let bytes = identity
        .to_pkcs12(&Password::new("p12-kodeord"), encryption)
        .unwrap();
    CertSource {
        p12: Some(write(&files.dir, &name, bytes)),
        password: Some(secret_file(&files.dir, "p12-password", "p12-kodeord")),
        ..CertSource::default()
    }
}

fn mtls_client(cert: Option<&CertSource>, ca: Option<&Path>) -> Result<HttpClient, RunError> {
    let identity = cert.map(load_identity).transpose()?;
    HttpClient::new(&ClientOptions {
        identity,
        ca_file: ca.map(Path::to_path_buf),
        ..ClientOptions::default()
    })
}

async fn status_over(client: HttpClient, url: &str) -> Result<u16, RunError> {
    let tx = sender(
        client,
        None,
        None,
        Duration::from_secs(5),
        &Events::default(),
    );
    let (_, outcome) = tx
        .send(get(format!("{url}{BASE}/status")), Credentials::None)
        .await?;
    Ok(response(outcome).status)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_certificates_from_p12_and_pem_open_an_mtls_listener() {
    let pki = TestPki::generate(&TestPkiOptions::fast()).unwrap();
    let tls = server_config_for(pki.server(), Some(&pki.roots())).unwrap();
    let s = mock(MockOptions::default(), Some(tls)).await;
    let files = tls_files(&pki);
    for encryption in [
        Pkcs12Encryption::Modern,
        Pkcs12Encryption::LegacyTripleDes,
        Pkcs12Encryption::LegacyRc2,
    ] {
        let cert = p12(&files, pki.organisation(), encryption);
        let c = mtls_client(Some(&cert), Some(&files.ca)).unwrap();
        assert_eq!(status_over(c, &s.url).await.unwrap(), 200, "{encryption:?}");
    }
    let pem = CertSource {
        cert: Some(write(&files.dir, "org.pem", pki.organisation().cert_pem())),
        key: Some(write(
            &files.dir,
            "org-key.pem",
            pki.organisation().key_pem().as_bytes(),
        )),
        ..CertSource::default()
    };
    let c = mtls_client(Some(&pem), Some(&files.ca)).unwrap();
    assert_eq!(status_over(c, &s.url).await.unwrap(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_failures_are_one_line_causes() {
    let pki = TestPki::generate(&TestPkiOptions::fast()).unwrap();
    let tls = server_config_for(pki.server(), Some(&pki.roots())).unwrap();
    let s = mock(MockOptions::default(), Some(tls)).await;
    let files = tls_files(&pki);

    // No client certificate.
    let c = mtls_client(None, Some(&files.ca)).unwrap();
    let e = status_over(c, &s.url).await.unwrap_err();
    assert_eq!(
        e.to_string(),
        "TLS handshake with 127.0.0.1: the server requires a client certificate — configure client_cert in the profile"
    );
    // A certificate from another CA.
    let foreign = TestPki::generate(&TestPkiOptions::fast()).unwrap();
    let cert = p12(&files, foreign.organisation(), Pkcs12Encryption::Modern);
    let c = mtls_client(Some(&cert), Some(&files.ca)).unwrap();
    let e = status_over(c, &s.url).await.unwrap_err();
    assert!(
        e.to_string()
            .starts_with("TLS handshake with 127.0.0.1: the server refused the client certificate"),
        "{e}"
    );
    // The server's CA not given.
    let cert = p12(&files, pki.organisation(), Pkcs12Encryption::Modern);
    let c = mtls_client(Some(&cert), None).unwrap();
    let e = status_over(c, &s.url).await.unwrap_err();
    assert_eq!(
        e.to_string(),
        "TLS: server certificate of 127.0.0.1 not trusted (unknown CA) — pass the CA with ca_file"
    );
    // A wrong .p12 password: named by where it came from, never shown.
    let mut wrong = p12(&files, pki.organisation(), Pkcs12Encryption::Modern);
    let pw = secret_file(&files.dir, "wrong-password", "forkert-kodeord");
    wrong.password = Some(pw.clone());
    let e = mtls_client(Some(&wrong), Some(&files.ca)).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "wrong password for {} (read from {pw})",
            wrong.p12.as_ref().unwrap().display()
        )
    );
    assert!(!format!("{e} {e:?}").contains("forkert-kodeord"));
    // Nothing listening.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let e = status_over(plain(), &format!("http://127.0.0.1:{closed}"))
        .await
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "cannot connect to 127.0.0.1:{closed}: connection refused — is the target running? (check --target / the environment's url)"
        )
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_key_jwt_over_mtls_with_rs256_and_ps256() {
    let (pki, rsa) = rsa_pki();
    let tls = server_config_for(pki.server(), Some(&pki.roots())).unwrap();
    let s = mock(oauth_mock_options(Some(rsa), 300), Some(tls)).await;
    let files = tls_files(pki);
    let cert = p12(&files, rsa, Pkcs12Encryption::Modern);
    for alg in [
        kontrakt::auth::AssertionAlg::Rs256,
        kontrakt::auth::AssertionAlg::Ps256,
    ] {
        let mut oauth = oauth_profile(
            &format!("{}/oauth2/token", s.url),
            "jwt-klient",
            ClientMethod::PrivateKeyJwt,
            None,
        );
        oauth.assertion_alg = alg;
        let profile = Profile {
            oauth: Some(oauth),
            client_cert: Some(cert.clone()),
            ..Profile::default()
        };
        let http = mtls_client(Some(&cert), Some(&files.ca)).unwrap();
        let limiter = Limiter::new(None);
        let auth = AuthSession::new(&profile, http.clone(), limiter.clone()).unwrap();
        let events = Events::default();
        let tx = Sender::new(
            http,
            limiter,
            Some(auth),
            Duration::from_secs(30),
            events.sink(),
        );
        secured_calls(&tx, &s.url, 3).await;
        assert_eq!(events.tokens(), 1, "{alg:?}");
        // The assertion (a JWT with x5t#S256) and the p12 password are offered for redaction.
        let secrets = tx.secrets();
        let assertion = secrets
            .iter()
            .find(|s| s.starts_with("eyJ") && s.split('.').count() == 3)
            .expect("assertion among the secrets");
        let header = base64::Engine::decode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            assertion.split('.').next().unwrap(),
        )
        .unwrap();
        let header: serde_json::Value = serde_json::from_slice(&header).unwrap();
        assert_eq!(header["alg"], alg.as_str());
        assert_eq!(header["x5t#S256"], rsa.x5t_s256());
        assert!(secrets.contains(&"p12-kodeord".to_string()));
    }
    // An EC certificate cannot sign RS256: said before any request.
    let ec = p12(&files, pki.organisation(), Pkcs12Encryption::Modern);
    let profile = Profile {
        oauth: Some(oauth_profile(
            &format!("{}/oauth2/token", s.url),
            "jwt-klient",
            ClientMethod::PrivateKeyJwt,
            None,
        )),
        client_cert: Some(ec.clone()),
        ..Profile::default()
    };
    let http = mtls_client(Some(&ec), Some(&files.ca)).unwrap();
    let auth = AuthSession::new(&profile, http.clone(), Limiter::new(None)).unwrap();
    let e = auth.token().await.unwrap_err();
    assert!(
        e.to_string()
            .starts_with("cannot sign the client assertion: Rs256 needs an RSA key"),
        "{e}"
    );
}

// ---------------------------------------------------------------------------------------------
// Config file

#[test]
fn a_full_config_file_is_read() {
    let dir = temp_dir();
    let path = write(
        dir.path(),
        "kontrakt.toml",
        r#"
[environments.test]
profile = "likvidator"
rate = "600/min"
burst = 2
ca_file = "certs/ca.pem"

[environments.production]
profile = "likvidator"
rate = "5/s"

[environments.staging]
kind = "test"
url = "https://staging.example.dk/"

[profiles.likvidator.oauth]
token_url = "https://api.test-minskiftesag.net/auth/oauth2/token"
client_id = "likvidator-system"
method = "private_key_jwt"
assertion_alg = "PS256"
scope = "sager.laes sager.skriv"

[profiles.likvidator.client_cert]
p12 = "certs/organisation.p12"
password = { env = "KONTRAKT_P12_PASSWORD" }

[profiles.statisk]
bearer = "file:secrets/token"
"#,
    );
    let c = Config::load(&path).unwrap();
    assert_eq!(
        c.environments.keys().collect::<Vec<_>>(),
        ["mock", "test", "production", "staging"]
    );
    let test = c.environment("test").unwrap();
    assert_eq!(test.profile.as_deref(), Some("likvidator"));
    assert_eq!(
        test.rate,
        Some(RateSpec {
            per_second: 10.0,
            burst: 2
        })
    );
    assert_eq!(
        test.ca_file.as_deref(),
        Some(dir.path().join("certs/ca.pem").as_path())
    );
    assert!(!c.environment("production").unwrap().allow_writes);
    let staging = c.environment("staging").unwrap();
    assert_eq!(
        staging.origin(&[]).unwrap().as_deref(),
        Some("https://staging.example.dk")
    );
    let p = c.profile("likvidator").unwrap();
    let o = p.oauth.as_ref().unwrap();
    assert_eq!(o.method, ClientMethod::PrivateKeyJwt);
    assert_eq!(o.assertion_alg, kontrakt::auth::AssertionAlg::Ps256);
    let cert = p.client_cert.as_ref().unwrap();
    assert_eq!(
        cert.password,
        Some(SecretSource::Env("KONTRAKT_P12_PASSWORD".into()))
    );
    assert_eq!(
        cert.p12.as_deref(),
        Some(dir.path().join("certs/organisation.p12").as_path())
    );
    assert_eq!(
        c.profile("statisk").unwrap().bearer,
        Some(SecretSource::File(dir.path().join("secrets/token")))
    );
    // The specs' own servers give test and production their URLs.
    let spec = kontrakt::spec::load(
        &PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("specs/person/person-1.1.0.yaml"),
    )
    .unwrap();
    let servers = kontrakt::config::servers_of(spec.root());
    assert_eq!(
        c.environment("test")
            .unwrap()
            .origin(&servers)
            .unwrap()
            .as_deref(),
        Some("https://api.test-minskiftesag.net")
    );
    assert_eq!(
        c.environment("production")
            .unwrap()
            .origin(&servers)
            .unwrap()
            .as_deref(),
        Some("https://api.domstol.dk")
    );
}
