//! The mock under abuse: random and malformed requests get a 4xx (or a closed connection),
//! never a 5xx, a panic or a hang, and the process stays up.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use kontrakt::mock::MockOptions;
use kontrakt::mock::params::{self, Shape, Types};
use kontrakt::mock::router::Router;
use proptest::prelude::*;

use super::mock::{Served, client, serve};
use crate::support::fixtures;

fn served() -> Served {
    serve(
        &[
            fixtures().join("mock/sager.yaml"),
            std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("specs/doedsbo/doedsbojournal-2.0.0.yaml"),
        ],
        MockOptions {
            tokens: vec!["t".into()],
            header_timeout: Duration::from_secs(1),
            body_timeout: Duration::from_secs(1),
            max_body: 64 * 1024,
            ..MockOptions::default()
        },
    )
}

/// Writes raw bytes and returns what came back (empty if the connection was closed).
fn raw(addr: &str, bytes: &[u8]) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let _ = s.write_all(bytes);
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

fn status_of(response: &str) -> Option<u16> {
    response.get(9..12).and_then(|s| s.parse().ok())
}

#[test]
fn malformed_requests_get_4xx_or_a_closed_connection() {
    let s = served();
    let addr = s.url.trim_start_matches("http://").to_string();
    let cases: Vec<Vec<u8>> = vec![
        b"GARBAGE\r\n\r\n".to_vec(),
        b"\x00\x01\x02\x03\r\n\r\n".to_vec(),
        b"GET / HTTP/9.9\r\n\r\n".to_vec(),
        b"GET /sagsbehandling/v1/sager HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n".to_vec(),
        b"POST /sagsbehandling/v1/sager HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n".to_vec(),
        b"POST /sagsbehandling/v1/sager HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n".to_vec(),
        format!("GET /{} HTTP/1.1\r\nHost: x\r\n\r\n", "a".repeat(100_000)).into_bytes(),
        format!("GET / HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n", "b".repeat(100_000)).into_bytes(),
        {
            let mut r = b"GET / HTTP/1.1\r\nHost: x\r\n".to_vec();
            for i in 0..200 {
                r.extend_from_slice(format!("X-{i}: v\r\n").as_bytes());
            }
            r.extend_from_slice(b"\r\n");
            r
        },
        b"GET /sagsbehandling/v1/sager/%ZZ%00 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer t\r\n\r\n".to_vec(),
        b"GET /sagsbehandling/v1/sager?page=%FF%FE&size=-1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer t\r\n\r\n".to_vec(),
    ];
    for case in cases {
        let response = raw(&addr, &case);
        if let Some(status) = status_of(&response) {
            assert!(
                (400..500).contains(&status),
                "{status} for {:?}",
                String::from_utf8_lossy(&case[..case.len().min(80)])
            );
        }
    }
    assert_eq!(
        client()
            .get(format!("{}/__kontrakt/health", s.url))
            .send()
            .unwrap()
            .status(),
        200
    );
}

#[test]
fn slow_clients_are_cut_off() {
    let s = served();
    let addr = s.url.trim_start_matches("http://").to_string();
    // Headers that never finish: the connection is closed after the header timeout.
    let mut stream = TcpStream::connect(&addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    stream
        .write_all(b"GET /sagsbehandling/v1/status HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    let started = std::time::Instant::now();
    let mut out = Vec::new();
    let _ = stream.read_to_end(&mut out);
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "the slow client was not cut off"
    );
    // A body that never finishes: 408.
    let mut stream = TcpStream::connect(&addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    stream
        .write_all(b"POST /sagsbehandling/v1/sager HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer t\r\nX-Correlation-Id: 6c1e3b9e-8a57-4c1e-9d0f-1d2a3b4c5d6e\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"navn\"")
        .unwrap();
    let mut out = Vec::new();
    let _ = stream.read_to_end(&mut out);
    let response = String::from_utf8_lossy(&out);
    assert_eq!(status_of(&response), Some(408), "{response}");
}

#[test]
fn bodies_over_the_limit_are_refused_as_they_arrive() {
    let s = served();
    let c = client();
    let r = c
        .post(format!("{}/sagsbehandling/v1/sager", s.url))
        .bearer_auth("t")
        .header("x-correlation-id", "6c1e3b9e-8a57-4c1e-9d0f-1d2a3b4c5d6e")
        .header("content-type", "application/json")
        .body(vec![b' '; 65 * 1024])
        .send()
        .unwrap();
    assert_eq!(r.status(), 413);
}

fn method() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("GET".to_string()),
        Just("POST".to_string()),
        Just("PUT".to_string()),
        Just("PATCH".to_string()),
        Just("DELETE".to_string()),
        Just("HEAD".to_string()),
        Just("OPTIONS".to_string()),
        "[A-Z]{1,8}",
    ]
}

fn path() -> impl Strategy<Value = String> {
    let segment = prop_oneof![
        Just("sagsbehandling".to_string()),
        Just("v1".to_string()),
        Just("sager".to_string()),
        Just("doedsbojournaler".to_string()),
        Just("11111111-1111-4111-8111-111111111111".to_string()),
        Just("krav".to_string()),
        Just("noter".to_string()),
        Just("dokument".to_string()),
        Just("%2F%00%FF".to_string()),
        "[a-zA-Z0-9._~%-]{0,12}",
    ];
    prop::collection::vec(segment, 0..6).prop_map(|s| format!("/{}", s.join("/")))
}

fn query() -> impl Strategy<Value = String> {
    prop::collection::vec(
        (
            prop_oneof![
                Just("page"),
                Just("size"),
                Just("status"),
                Just("ids"),
                Just("filter[fra]"),
                Just("x")
            ],
            "[ -~]{0,10}",
        ),
        0..4,
    )
    .prop_map(|pairs| {
        form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish()
    })
}

fn body() -> impl Strategy<Value = (String, Vec<u8>)> {
    prop_oneof![
        Just((
            "application/json".to_string(),
            br#"{"navn":"A","cvr":"12345678"}"#.to_vec()
        )),
        Just(("application/json".to_string(), b"{".to_vec())),
        Just((
            "application/json".to_string(),
            b"[1,2,{\"a\":null}]".to_vec()
        )),
        Just((
            "application/x-www-form-urlencoded".to_string(),
            b"navn=%FF&cvr=1".to_vec()
        )),
        Just((
            "multipart/form-data; boundary=B".to_string(),
            b"--B\r\nbroken".to_vec()
        )),
        Just(("application/pdf".to_string(), b"%PDF-1.4 tiny".to_vec())),
        (
            "[a-z]{1,8}/[a-z+.-]{1,12}",
            prop::collection::vec(any::<u8>(), 0..64)
        ),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_requests_never_get_a_5xx(
        m in method(),
        p in path(),
        q in query(),
        (ct, b) in body(),
        auth in prop::bool::ANY,
        prefer in prop::option::of(prop_oneof![Just("code=404"), Just("dynamic=true"), Just("example=nope"), Just("code=abc")]),
    ) {
        thread_local! {
            static SERVED: Served = served();
            static CLIENT: reqwest::blocking::Client = client();
        }
        let url = SERVED.with(|s| s.url.clone());
        let target = if q.is_empty() { format!("{url}{p}") } else { format!("{url}{p}?{q}") };
        let method = reqwest::Method::from_bytes(m.as_bytes()).unwrap();
        let mut req = CLIENT.with(|c| c.request(method, &target))
            .header("content-type", ct)
            .header("x-correlation-id", "6c1e3b9e-8a57-4c1e-9d0f-1d2a3b4c5d6e")
            .timeout(Duration::from_secs(10))
            .body(b);
        if auth {
            req = req.bearer_auth("t");
        }
        if let Some(p) = prefer {
            req = req.header("prefer", p);
        }
        let r = req.send().expect("the mock answers");
        prop_assert!(r.status().as_u16() < 500, "{} for {m} {p}?{q}: {}", r.status(), r.text().unwrap_or_default());
    }

    #[test]
    fn routing_and_parameter_parsing_never_panic(path in "\\PC{0,40}", text in "\\PC{0,40}") {
        let mut router = Router::new();
        router.add("GET", "/a/{id}/b", 0).unwrap();
        router.add("GET", "/a/{id}.pdf", 1).unwrap();
        let _ = router.route("GET", &path);
        let shape = Shape { types: Types::ANY, items: Types::ANY, properties: Default::default() };
        let _ = params::simple(&text, true, &shape, true);
        let _ = params::path_styled(&text, "id", "matrix", true, &shape);
        let _ = params::path_styled(&text, "id", "label", false, &shape);
        let pairs = params::query_pairs(&text);
        let _ = params::query_value(&pairs, "id", "deepObject", true, &shape);
        let _ = params::cookies(&text);
        let _ = kontrakt::mock::body::multipart(text.as_bytes(), "B");
    }
}
