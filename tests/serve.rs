//! `spreiding serve` against a real server on an ephemeral loopback port: every endpoint,
//! every error status, the token, the limits, backpressure, jobs and graceful shutdown. Every
//! response goes through [`Server::call`], which checks it against `/v1/openapi.json`: the
//! path, method and status are documented, with this content type, and the body validates
//! against the documented schema (JSON Schema 2020-12).
//!
//! No test waits on a sleep for an outcome: a busy solver is a slot the test holds itself,
//! and waits poll a condition (`until`) with a deadline.

use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use spreiding::format;
use spreiding::lp::SolveOptions;
use spreiding::serve::{self, Running, ServeConfig};
use spreiding::validate::{self, InstanceError};

const TOKEN: &str = "s3cret-token";

fn config() -> ServeConfig {
    ServeConfig {
        listen: "127.0.0.1:0".parse().expect("address"),
        solvers: 2,
        queue: 8,
        ..ServeConfig::default()
    }
}

fn instance_text(path: &str) -> String {
    std::fs::read_to_string(format!("{}/instances/{path}", env!("CARGO_MANIFEST_DIR")))
        .expect("instance file")
}

fn small_instances() -> Vec<String> {
    let dir = format!("{}/instances/small", env!("CARGO_MANIFEST_DIR"));
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("instances/small")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json"))
        .collect();
    names.sort();
    names.into_iter().map(|n| format!("small/{n}")).collect()
}

/// The bytes `spreiding plan INSTANCE -o FILE` writes, from the real binary.
fn cli_plan(path: &str, args: &[&str]) -> Vec<u8> {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("plan.json");
    let status = Command::new(env!("CARGO_BIN_EXE_spreiding"))
        .arg("plan")
        .arg(format!("{}/instances/{path}", env!("CARGO_MANIFEST_DIR")))
        .arg("-o")
        .arg(&out)
        .arg("-q")
        .args(args)
        .status()
        .expect("run spreiding");
    assert!(status.success(), "spreiding plan {path} failed");
    std::fs::read(out).expect("plan file")
}

/// A response, read whole.
struct Reply {
    status: StatusCode,
    headers: reqwest::header::HeaderMap,
    body: Vec<u8>,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "not JSON ({e}): {}",
                String::from_utf8_lossy(&self.body[..self.body.len().min(500)])
            )
        })
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    fn content_type(&self) -> &str {
        self.header("content-type").unwrap_or("")
    }

    /// Asserts a problem document with this status and code; returns it.
    fn problem(&self, status: u16, code: &str) -> Value {
        assert_eq!(
            self.status.as_u16(),
            status,
            "{}",
            String::from_utf8_lossy(&self.body)
        );
        assert_eq!(self.content_type(), "application/problem+json");
        let p = self.json();
        assert_eq!(p["status"], status);
        assert_eq!(p["code"], code, "{p}");
        assert_eq!(p["type"], format!("urn:spreiding:problem:{code}"));
        assert!(!p["detail"].as_str().unwrap_or("").is_empty());
        p
    }
}

/// A request to make.
struct Call<'a> {
    method: Method,
    /// The OpenAPI path template, or `None` for a path the API does not have.
    template: Option<&'a str>,
    path: String,
    body: Option<Vec<u8>>,
    content_type: Option<&'a str>,
    token: Option<&'a str>,
}

fn call<'a>(method: Method, template: &'a str, path: impl Into<String>) -> Call<'a> {
    Call {
        method,
        template: Some(template),
        path: path.into(),
        body: None,
        content_type: None,
        token: None,
    }
}

fn post<'a>(template: &'a str, path: impl Into<String>, body: impl Into<Vec<u8>>) -> Call<'a> {
    Call {
        body: Some(body.into()),
        content_type: Some("application/json"),
        ..call(Method::POST, template, path)
    }
}

fn get<'a>(template: &'a str, path: impl Into<String>) -> Call<'a> {
    call(Method::GET, template, path)
}

impl<'a> Call<'a> {
    fn token(mut self, token: &'a str) -> Self {
        self.token = Some(token);
        self
    }
    fn content_type(mut self, content_type: Option<&'a str>) -> Self {
        self.content_type = content_type;
        self
    }
    fn undocumented(mut self) -> Self {
        self.template = None;
        self
    }
}

/// A server on an ephemeral port, with a client and the server's own OpenAPI document.
struct Server {
    running: Option<Running>,
    base: String,
    client: reqwest::Client,
    openapi: Value,
}

impl Server {
    async fn start(config: ServeConfig) -> Server {
        let token = config.token.clone();
        let running = serve::start(config).await.expect("server starts");
        let base = format!("http://{}", running.local_addr());
        let client = reqwest::Client::builder()
            .no_proxy()
            .build()
            .expect("client");
        let mut request = client.get(format!("{base}/v1/openapi.json"));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let openapi = request
            .send()
            .await
            .expect("openapi")
            .json()
            .await
            .expect("openapi json");
        Server {
            running: Some(running),
            base,
            client,
            openapi,
        }
    }

    fn running(&self) -> &Running {
        self.running.as_ref().expect("running")
    }

    async fn send(&self, c: &Call<'_>) -> Result<Reply, reqwest::Error> {
        let mut request = self
            .client
            .request(c.method.clone(), format!("{}{}", self.base, c.path));
        if let Some(ct) = c.content_type {
            request = request.header("content-type", ct);
        }
        if let Some(token) = c.token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = &c.body {
            request = request.body(body.clone());
        }
        let response = request.send().await?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.bytes().await?.to_vec();
        Ok(Reply {
            status,
            headers,
            body,
        })
    }

    /// Sends, and checks the reply against the OpenAPI document.
    async fn call(&self, c: Call<'_>) -> Reply {
        let reply = self.send(&c).await.expect("request");
        conforms(&self.openapi, &c, &reply);
        reply
    }
}

/// The reply of `c` is documented in `openapi`: status, content type, body schema. Replies of
/// paths or methods the API does not have must be problem documents.
fn conforms(openapi: &Value, c: &Call<'_>, reply: &Reply) {
    let method = c.method.as_str().to_ascii_lowercase();
    let operation = c
        .template
        .map(|t| &openapi["paths"][t][method.as_str()])
        .filter(|op| op.is_object());
    let Some(operation) = operation else {
        assert!(
            c.template.is_none(),
            "{} {:?} is not in the OpenAPI document",
            c.method,
            c.template
        );
        assert_eq!(reply.content_type(), "application/problem+json");
        validate_against(
            openapi,
            &json!({"$ref": "#/components/schemas/ApiProblem"}),
            &reply.json(),
        );
        return;
    };
    let status = reply.status.as_u16().to_string();
    let documented = &operation["responses"][status.as_str()];
    assert!(
        documented.is_object(),
        "{} {} answered {status}, which the OpenAPI document does not list",
        c.method,
        c.path
    );
    let content = &documented["content"];
    if reply.body.is_empty() && !content.is_object() {
        return;
    }
    let media = content[reply.content_type()].clone();
    assert!(
        media.is_object(),
        "{} {} answered {status} as {:?}, not documented (documented: {content})",
        c.method,
        c.path,
        reply.content_type()
    );
    validate_against(openapi, &media["schema"], &reply.json());
}

fn validate_against(openapi: &Value, schema: &Value, body: &Value) {
    let root = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "components": openapi["components"],
        "allOf": [schema],
    });
    let validator = jsonschema::draft202012::new(&root).expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(body)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(
        errors.is_empty(),
        "body does not match {schema}: {errors:?}"
    );
}

/// Polls `check` until it holds, for at most 60 s.
async fn until(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !check() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plan_over_http_equals_the_cli_plan_byte_for_byte() {
    let server = Server::start(config()).await;
    let mut paths = small_instances();
    paths.push("enschede.json".to_string());
    for path in &paths {
        let reply = server
            .call(post("/v1/plan", "/v1/plan", instance_text(path)))
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{path}");
        assert_eq!(reply.content_type(), "application/json");
        assert!(
            reply.body == cli_plan(path, &[]),
            "{path}: the HTTP plan differs from the CLI's"
        );
    }
    let path = "small/closure.json";
    let reply = server
        .call(post(
            "/v1/plan",
            "/v1/plan?time_limit=2&gap=0.001",
            instance_text(path),
        ))
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.body == cli_plan(path, &["--time-limit", "2", "--gap", "0.001"]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plan_options_are_checked_like_the_cli() {
    let server = Server::start(config()).await;
    let text = instance_text("small/closure.json");
    for (query, word) in [
        ("time_limit=0", "time_limit"),
        ("time_limit=61", "time_limit"),
        ("time_limit=abc", "time_limit"),
        ("gap=1", "gap"),
        ("gap=-0.1", "gap"),
        ("timelimit=3", "timelimit"),
    ] {
        let reply = server
            .call(post("/v1/plan", format!("/v1/plan?{query}"), text.clone()))
            .await;
        let p = reply.problem(400, "bad_option");
        assert!(p["detail"].as_str().unwrap_or("").contains(word), "{p}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn validate_lists_every_problem_as_the_cli_does() {
    let server = Server::start(config()).await;
    let good = server
        .call(post(
            "/v1/validate",
            "/v1/validate",
            instance_text("small/growth.json"),
        ))
        .await;
    assert_eq!(good.status, StatusCode::OK);
    assert_eq!(good.json()["valid"], true);

    let bad = r#"{"format": "spreiding/instance@1",
        "areas": [{"id": "A", "location": {"lat": 52.2, "lon": 6.9}, "noni": -1}],
        "practices": [{"id": "P", "location": {"lat": 52.2, "lon": 6.9}, "fte": 0, "ftee": 1}],
        "registrations": [{"area": "B", "practice": "P", "patients": 3}]}"#;
    let Err(InstanceError::Invalid(expected)) = validate::parse_instance(bad) else {
        panic!("the instance should be invalid");
    };
    for endpoint in ["/v1/validate", "/v1/plan", "/v1/jobs"] {
        let reply = server.call(post(endpoint, endpoint, bad)).await;
        let p = reply.problem(422, "invalid_instance");
        let errors = p["errors"].as_array().expect("errors");
        assert_eq!(errors.len(), expected.len());
        for (got, want) in errors.iter().zip(&expected) {
            assert_eq!(got["path"], want.path.as_str());
            assert_eq!(got["code"], want.code);
            assert_eq!(got["message"], want.message.as_str());
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_json_is_a_400_with_line_and_column() {
    let server = Server::start(config()).await;
    let text = "{\n  \"format\": \"spreiding/instance@1\",\n  \"areas\": [,]\n}";
    let Err(InstanceError::Syntax { line, column, .. }) = validate::parse_instance(text) else {
        panic!("should be a syntax error");
    };
    for endpoint in [
        "/v1/plan",
        "/v1/validate",
        "/v1/verify",
        "/v1/sensitivity",
        "/v1/jobs",
    ] {
        let reply = server.call(post(endpoint, endpoint, text)).await;
        let p = reply.problem(400, "malformed_json");
        assert_eq!(p["line"], line);
        assert_eq!(p["column"], column);
        assert!(
            p["detail"]
                .as_str()
                .unwrap_or("")
                .starts_with(&format!("invalid JSON at line {line}, column {column}"))
        );
    }
    let reply = server
        .call(post(
            "/v1/plan",
            "/v1/plan",
            b"{\"name\": \"\xff\"}".to_vec(),
        ))
        .await;
    let p = reply.problem(400, "malformed_json");
    assert_eq!(
        (p["line"].clone(), p["column"].clone()),
        (json!(1), json!(11))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_checks_a_plan_and_reports_violations() {
    let server = Server::start(config()).await;
    let text = instance_text("small/transfer_limits.json");
    let plan: Value =
        serde_json::from_slice(&cli_plan("small/transfer_limits.json", &[])).expect("plan json");
    let instance: Value = serde_json::from_str(&text).expect("instance json");
    let body = |plan: &Value| serde_json::to_vec(&json!({"instance": instance, "plan": plan}));

    let ok = server
        .call(post("/v1/verify", "/v1/verify", body(&plan).expect("body")))
        .await;
    assert_eq!(ok.status, StatusCode::OK);
    let answer = ok.json();
    assert_eq!(answer["ok"], true, "{answer}");
    assert_eq!(answer["violations"], json!([]));
    let value = answer["value"].as_f64().expect("value");
    let planned = plan["objective"]["value"].as_f64().expect("objective");
    assert!((value - planned).abs() <= 1e-6 * planned.abs().max(1.0));

    let mut broken = plan.clone();
    broken["objective"]["value"] = json!(planned + 1000.0);
    broken["phases"][0]["loads"][0]["load"] = json!(-5.0);
    let reply = server
        .call(post(
            "/v1/verify",
            "/v1/verify",
            body(&broken).expect("body"),
        ))
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    let answer = reply.json();
    assert_eq!(answer["ok"], false);
    let codes: Vec<&str> = answer["violations"]
        .as_array()
        .expect("violations")
        .iter()
        .filter_map(|v| v["code"].as_str())
        .collect();
    assert!(codes.contains(&"objective_value"), "{codes:?}");
    assert!(codes.contains(&"load_mismatch"), "{codes:?}");

    // Not a plan, a plan of the wrong shape, a body without its members, an invalid instance.
    let not_plan =
        serde_json::to_vec(&json!({"instance": instance, "plan": instance})).expect("body");
    let p = server
        .call(post("/v1/verify", "/v1/verify", not_plan))
        .await
        .problem(422, "invalid_plan");
    assert!(
        p["detail"]
            .as_str()
            .unwrap_or("")
            .contains("not a spreiding/plan@1 file")
    );
    let wrong_shape = format!(
        "{{\"instance\": {text},\n \"plan\": {{\"format\": \"spreiding/plan@1\", \"instance\": 3}}}}"
    );
    let p = server
        .call(post("/v1/verify", "/v1/verify", wrong_shape.clone()))
        .await
        .problem(422, "invalid_plan");
    let lines = wrong_shape.lines().count();
    assert!(
        p["detail"]
            .as_str()
            .unwrap_or("")
            .contains(&format!("at line {lines}, column")),
        "{p}"
    );
    let p = server
        .call(post("/v1/verify", "/v1/verify", "{\"plan\": {}}"))
        .await
        .problem(422, "invalid_request");
    assert_eq!(p["errors"][0]["path"], "instance");
    assert_eq!(p["errors"][0]["code"], "missing_field");
    let mut bad_instance = instance.clone();
    bad_instance["practices"][0]["fte"] = json!(-1);
    let p = server
        .call(post(
            "/v1/verify",
            "/v1/verify",
            serde_json::to_vec(&json!({"instance": bad_instance, "plan": plan})).expect("body"),
        ))
        .await
        .problem(422, "invalid_instance");
    assert_eq!(p["errors"][0]["path"], "instance.practices[0].fte");
    assert_eq!(p["errors"][0]["code"], "fte_not_positive");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_error_status_is_a_problem_document() {
    let server = Server::start(ServeConfig {
        body_limit: 4096,
        ..config()
    })
    .await;
    let small = instance_text("small/closure.json");
    assert!(small.len() < 4096);

    let p = server
        .call(get("/v1/nope", "/v1/nope").undocumented())
        .await
        .problem(404, "not_found");
    assert!(p["detail"].as_str().unwrap_or("").contains("/v1/nope"));
    server
        .call(get("/v1/jobs/{id}", "/v1/jobs/0123456789abcdef"))
        .await
        .problem(404, "not_found");

    let reply = server
        .call(get("/v1/plan", "/v1/plan").undocumented())
        .await;
    reply.problem(405, "method_not_allowed");
    assert_eq!(reply.header("allow"), Some("POST"));
    server
        .call(call(Method::DELETE, "/v1/health", "/v1/health").undocumented())
        .await
        .problem(405, "method_not_allowed");

    for content_type in [
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        None,
    ] {
        server
            .call(post("/v1/plan", "/v1/plan", small.clone()).content_type(content_type))
            .await
            .problem(415, "unsupported_media_type");
    }
    let ok = server
        .call(
            post("/v1/validate", "/v1/validate", small.clone())
                .content_type(Some("application/json; charset=utf-8")),
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK);

    let mut big = small.clone().into_bytes();
    big.pop();
    big.extend(std::iter::repeat_n(b' ', 5000));
    big.push(b'}');
    for endpoint in [
        "/v1/plan",
        "/v1/validate",
        "/v1/verify",
        "/v1/sensitivity",
        "/v1/jobs",
    ] {
        let p = server
            .call(post(endpoint, endpoint, big.clone()))
            .await
            .problem(413, "body_too_large");
        assert!(p["detail"].as_str().unwrap_or("").contains("4096"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_a_token_every_endpoint_but_health_needs_it() {
    let server = Server::start(ServeConfig {
        token: Some(TOKEN.to_string()),
        ..config()
    })
    .await;
    let health = server.call(get("/v1/health", "/v1/health")).await;
    assert_eq!(health.status, StatusCode::OK);
    assert_eq!(health.json()["status"], "ok");

    let text = instance_text("small/closure.json");
    let calls = || {
        vec![
            post("/v1/plan", "/v1/plan", text.clone()),
            post("/v1/validate", "/v1/validate", text.clone()),
            post("/v1/verify", "/v1/verify", "{}"),
            post("/v1/jobs", "/v1/jobs", text.clone()),
            post("/v1/sensitivity", "/v1/sensitivity", "{}"),
            get("/v1/jobs/{id}", "/v1/jobs/x"),
            get("/v1/jobs/{id}/result", "/v1/jobs/x/result"),
            call(Method::DELETE, "/v1/jobs/{id}", "/v1/jobs/x"),
            get("/v1/openapi.json", "/v1/openapi.json"),
            get("/v1/schema/instance.json", "/v1/schema/instance.json"),
        ]
    };
    for c in calls() {
        let reply = server.call(c).await;
        reply.problem(401, "unauthorized");
        assert!(
            reply
                .header("www-authenticate")
                .unwrap_or("")
                .starts_with("Bearer")
        );
    }
    for c in calls() {
        server
            .call(c.token("wrong"))
            .await
            .problem(401, "unauthorized");
    }
    let ok = server
        .call(post("/v1/validate", "/v1/validate", text.clone()).token(TOKEN))
        .await;
    assert_eq!(ok.status, StatusCode::OK);
    let schema = server
        .call(get("/v1/schema/instance.json", "/v1/schema/instance.json").token(TOKEN))
        .await;
    assert_eq!(schema.status, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn busy_solvers_and_a_full_queue_give_503_with_retry_after() {
    let server = Server::start(ServeConfig {
        solvers: 1,
        queue: 0,
        ..config()
    })
    .await;
    let text = instance_text("small/closure.json");
    let held = server.running().slots().acquire().await.expect("slot");
    let reply = server
        .call(post("/v1/plan", "/v1/plan", text.clone()))
        .await;
    reply.problem(503, "busy");
    let retry_after = config().retry_after_s();
    assert!(retry_after >= 1);
    assert_eq!(
        reply.header("retry-after"),
        Some(retry_after.to_string().as_str())
    );
    // Invalid input is still answered at once: only solves wait for a slot.
    server
        .call(post("/v1/plan", "/v1/plan", "{}"))
        .await
        .problem(422, "invalid_instance");
    let health = server.call(get("/v1/health", "/v1/health")).await.json();
    assert_eq!(health["solves_running"], 1);
    drop(held);
    let reply = server.call(post("/v1/plan", "/v1/plan", text)).await;
    assert_eq!(reply.status, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_queued_request_waits_for_a_slot_and_one_more_is_refused() {
    let server = Arc::new(
        Server::start(ServeConfig {
            solvers: 1,
            queue: 1,
            ..config()
        })
        .await,
    );
    let text = instance_text("small/closure.json");
    let slots = server.running().slots();
    let held = slots.acquire().await.expect("slot");
    let waiting = {
        let (server, text) = (server.clone(), text.clone());
        tokio::spawn(async move { server.call(post("/v1/plan", "/v1/plan", text)).await })
    };
    until("the request is queued", || slots.waiting() == 1).await;
    let reply = server
        .call(post("/v1/plan", "/v1/plan", text.clone()))
        .await;
    reply.problem(503, "busy");
    assert!(reply.header("retry-after").is_some());
    drop(held);
    let reply = waiting.await.expect("task");
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.body == cli_plan("small/closure.json", &[]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_over_the_timeout_is_a_503() {
    let server = Server::start(ServeConfig {
        solvers: 1,
        queue: 1,
        request_timeout: Duration::from_millis(200),
        ..config()
    })
    .await;
    let _held = server.running().slots().acquire().await.expect("slot");
    let reply = server
        .call(post(
            "/v1/plan",
            "/v1/plan",
            instance_text("small/closure.json"),
        ))
        .await;
    reply.problem(503, "timeout");
    assert!(reply.header("retry-after").is_some());
    assert_eq!(server.running().slots().waiting(), 0);
}

async fn poll_job(server: &Server, href: &str, done: impl Fn(&str) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let reply = server.call(get("/v1/jobs/{id}", href)).await;
        assert_eq!(reply.status, StatusCode::OK);
        let status = reply.json();
        if done(status["state"].as_str().unwrap_or("")) {
            return status;
        }
        assert!(Instant::now() < deadline, "job did not finish: {status}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_runs_in_the_background_and_keeps_its_result() {
    let server = Server::start(config()).await;
    let path = "small/growth.json";
    let reply = server
        .call(post(
            "/v1/jobs",
            "/v1/jobs?kind=plan&time_limit=3",
            instance_text(path),
        ))
        .await;
    assert_eq!(reply.status, StatusCode::ACCEPTED);
    let accepted = reply.json();
    let href = accepted["href"].as_str().expect("href").to_string();
    assert_eq!(reply.header("location"), Some(href.as_str()));
    assert_eq!(accepted["kind"], "plan");

    let status = poll_job(&server, &href, |s| s == "done").await;
    let cli = cli_plan(path, &[]);
    let cli_value: Value = serde_json::from_slice(&cli).expect("plan json");
    assert_eq!(status["result"], cli_value);
    let result = server
        .call(get("/v1/jobs/{id}/result", format!("{href}/result")))
        .await;
    assert_eq!(result.status, StatusCode::OK);
    assert!(
        result.body == cli,
        "the job's result differs from the CLI's plan"
    );

    let deleted = server
        .call(call(Method::DELETE, "/v1/jobs/{id}", href.clone()))
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    server
        .call(get("/v1/jobs/{id}", href.clone()))
        .await
        .problem(404, "not_found");
    server
        .call(call(Method::DELETE, "/v1/jobs/{id}", href))
        .await
        .problem(404, "not_found");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_queued_job_never_runs_and_the_store_is_bounded() {
    let server = Server::start(ServeConfig {
        solvers: 1,
        max_jobs: 1,
        ..config()
    })
    .await;
    let text = instance_text("small/closure.json");
    let held = server.running().slots().acquire().await.expect("slot");
    let first = server
        .call(post("/v1/jobs", "/v1/jobs", text.clone()))
        .await
        .json();
    let href = first["href"].as_str().expect("href").to_string();
    assert_eq!(first["state"], "queued");
    server
        .call(get("/v1/jobs/{id}/result", format!("{href}/result")))
        .await
        .problem(409, "not_ready");

    let reply = server
        .call(post("/v1/jobs", "/v1/jobs", text.clone()))
        .await;
    reply.problem(503, "jobs_full");
    assert!(reply.header("retry-after").is_some());

    let cancelled = server
        .call(call(Method::DELETE, "/v1/jobs/{id}", href.clone()))
        .await;
    assert_eq!(cancelled.status, StatusCode::OK);
    assert_eq!(cancelled.json()["state"], "cancelled");
    drop(held);
    // The store had room again: the cancelled job is finished and gives way.
    let second = server.call(post("/v1/jobs", "/v1/jobs", text)).await;
    assert_eq!(second.status, StatusCode::ACCEPTED);
    let second_href = second.json()["href"].as_str().expect("href").to_string();
    poll_job(&server, &second_href, |s| s == "done").await;
    server
        .call(get("/v1/jobs/{id}", href))
        .await
        .problem(404, "not_found");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finished_jobs_expire() {
    let server = Server::start(ServeConfig {
        job_ttl: Duration::ZERO,
        ..config()
    })
    .await;
    let reply = server
        .call(post(
            "/v1/jobs",
            "/v1/jobs",
            instance_text("small/closure.json"),
        ))
        .await;
    let href = reply.json()["href"].as_str().expect("href").to_string();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let reply = server.call(get("/v1/jobs/{id}", href.clone())).await;
        if reply.status == StatusCode::NOT_FOUND {
            reply.problem(404, "not_found");
            break;
        }
        let state = reply.json()["state"].clone();
        assert!(state == "queued" || state == "running", "{state}");
        assert!(Instant::now() < deadline, "the job never expired");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(server.running().jobs().counts(), (0, 0, 0));
}

/// A `POST /v1/sensitivity` body: the instance file, the scenario document, the sweeps.
fn sensitivity_body(path: &str, scenarios: Option<&Value>, sweeps: &[&str]) -> Vec<u8> {
    let instance: Value = serde_json::from_str(&instance_text(path)).expect("instance json");
    let mut body = json!({"instance": instance, "sweep": sweeps});
    if let Some(scenarios) = scenarios {
        body["scenarios"] = scenarios.clone();
    }
    serde_json::to_vec(&body).expect("body")
}

/// What `spreiding sensitivity INSTANCE [--scenarios FILE] [--sweep SPEC]… -o FILE -q ARGS`
/// does, from the real binary: the bytes of FILE if it succeeded, and standard error.
fn cli_sensitivity(
    path: &str,
    scenarios: Option<&Value>,
    sweeps: &[&str],
    args: &[&str],
) -> (Option<Vec<u8>>, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("report.json");
    let mut command = Command::new(env!("CARGO_BIN_EXE_spreiding"));
    command
        .arg("sensitivity")
        .arg(format!("{}/instances/{path}", env!("CARGO_MANIFEST_DIR")));
    if let Some(scenarios) = scenarios {
        let file = dir.path().join("scenarios.json");
        std::fs::write(&file, serde_json::to_vec_pretty(scenarios).expect("json")).expect("write");
        command.arg("--scenarios").arg(file);
    }
    for spec in sweeps {
        command.arg("--sweep").arg(spec);
    }
    let output = command
        .arg("-o")
        .arg(&out)
        .arg("-q")
        .args(args)
        .output()
        .expect("run spreiding");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    if output.status.success() {
        (Some(std::fs::read(out).expect("report file")), stderr)
    } else {
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        (None, stderr)
    }
}

fn what_if() -> Value {
    json!({"format": "spreiding/scenarios@1", "scenarios": [
        {"name": "P1 closes in phase 2", "description": "a retirement",
         "changes": [{"kind": "close", "practice": "P1", "phase": 2}]},
        {"name": "new practice in A2",
         "changes": [{"kind": "new_practice", "id": "NEW", "location": {"x": 2000, "y": 0},
                      "fte": 0.5, "phase": 2}]},
        {"name": "more waiting", "changes": [{"kind": "noni", "area": "A2", "delta": 3},
                                             {"kind": "max_walk_m", "value": 1500}]}
    ]})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sensitivity_over_http_equals_the_cli_report_byte_for_byte() {
    let server = Server::start(config()).await;
    /// One request and the CLI run that must write the same bytes.
    struct Case {
        path: &'static str,
        scenarios: Option<Value>,
        sweeps: &'static [&'static str],
        /// `time_limit` and `gap`, if not the defaults.
        options: Option<(&'static str, &'static str)>,
    }
    let cases = [
        Case {
            path: "small/out_of_district.json",
            scenarios: Some(what_if()),
            sweeps: &["closure", "fte=+0.5", "ceiling_ratio=0.9:1.1:0.1"],
            options: None,
        },
        Case {
            path: "small/closure.json",
            scenarios: None,
            sweeps: &["closure", "norm_per_fte=8,12"],
            options: None,
        },
        Case {
            path: "small/growth.json",
            scenarios: None,
            sweeps: &["fte=-1", "max_moves_per_phase=0,2"],
            options: Some(("2", "0.001")),
        },
    ];
    for case in cases {
        let (path, scenarios, sweeps) = (case.path, case.scenarios, case.sweeps);
        let (query, args) = match case.options {
            Some((time_limit, gap)) => (
                format!("?time_limit={time_limit}&gap={gap}"),
                vec!["--time-limit", time_limit, "--gap", gap],
            ),
            None => (String::new(), Vec::new()),
        };
        let reply = server
            .call(post(
                "/v1/sensitivity",
                format!("/v1/sensitivity{query}"),
                sensitivity_body(path, scenarios.as_ref(), sweeps),
            ))
            .await;
        assert_eq!(
            reply.status,
            StatusCode::OK,
            "{path}: {}",
            String::from_utf8_lossy(&reply.body)
        );
        assert_eq!(reply.content_type(), "application/json");
        let (cli, stderr) = cli_sensitivity(path, scenarios.as_ref(), sweeps, &args);
        let cli = cli.unwrap_or_else(|| panic!("{path}: the CLI failed: {stderr}"));
        assert!(
            reply.body == cli,
            "{path}: the HTTP report differs from the CLI's"
        );
        let report = reply.json();
        assert_eq!(report["format"], "spreiding/sensitivity@1");
        assert_eq!(report["baseline"]["name"], "baseline");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closure_sweep_closes_each_practice_in_turn() {
    let server = Server::start(config()).await;
    let reply = server
        .call(post(
            "/v1/sensitivity",
            "/v1/sensitivity",
            sensitivity_body("small/closure.json", None, &["closure"]),
        ))
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    let report = reply.json();
    assert_eq!(report["instance"], "small: closure");
    // P1 closes in phase 1 already: skipped. Most harmful first: without P2, its 3 patients and
    // P1's 5 walk 1500 m to P3 instead of 1000 m to P2; P3 is not used by the baseline.
    let names: Vec<&str> = report["scenarios"]
        .as_array()
        .expect("scenarios")
        .iter()
        .map(|s| s["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["close:P2", "close:P3"]);
    assert_eq!(
        report["skipped"],
        json!([{"name": "close:P1", "reason": "the practice already closes in phase 1"}])
    );
    let close_p2 = &report["scenarios"][0];
    assert_eq!(
        close_p2["changes"],
        json!([{"kind": "close", "practice": "P2", "phase": 1}])
    );
    assert_eq!(report["baseline"]["figures"]["waiting_end"], 0);
    assert_eq!(close_p2["figures"]["waiting_end"], 0);
    assert_eq!(close_p2["delta"]["waiting_phase_sum"], 0);
    // 8 patients × 0.5 km more × 0.1 per km × 2 phases.
    let delta = close_p2["delta"]["objective"].as_f64().expect("delta");
    assert!((delta - 0.8).abs() < 1e-6, "{delta}");
    assert_eq!(report["scenarios"][1]["delta"]["objective"], 0.0);

    // Every practice of an instance where none closes yet.
    let reply = server
        .call(post(
            "/v1/sensitivity",
            "/v1/sensitivity",
            sensitivity_body("small/white_spot.json", None, &["closure"]),
        ))
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    let report = reply.json();
    let mut names: Vec<&str> = report["scenarios"]
        .as_array()
        .expect("scenarios")
        .iter()
        .map(|s| s["name"].as_str().expect("name"))
        .collect();
    names.sort_unstable();
    assert_eq!(names, ["close:P1", "close:P2"]);
    assert_eq!(report["skipped"], json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_sweeps_and_scenarios_are_422_with_the_clis_codes_and_request_paths() {
    let server = Server::start(config()).await;
    let path = "small/closure.json";
    // Each problem, as the server and as the CLI report it.
    let same_as_cli = |problem: &Value, stderr: &str, cli_line: String| {
        assert!(
            stderr.contains(&cli_line),
            "expected {cli_line:?} in the CLI's errors: {stderr}\n(server: {problem})"
        );
    };

    let sweeps = ["closure", "norm_per_fte=1:x:1", "closures", "fte=0"];
    let p = server
        .call(post(
            "/v1/sensitivity",
            "/v1/sensitivity",
            sensitivity_body(path, None, &sweeps),
        ))
        .await
        .problem(422, "invalid_scenarios");
    let errors = p["errors"].as_array().expect("errors");
    let found: Vec<(&str, &str)> = errors
        .iter()
        .map(|e| {
            (
                e["path"].as_str().unwrap_or(""),
                e["code"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            ("sweep[1]", "sweep_not_a_number"),
            ("sweep[2]", "unknown_sweep"),
            ("sweep[3]", "sweep_out_of_range")
        ]
    );
    let (report, stderr) = cli_sensitivity(path, None, &sweeps, &[]);
    assert!(report.is_none());
    for e in errors {
        same_as_cli(
            e,
            &stderr,
            format!(
                "error: --sweep {} [{}]",
                e["message"].as_str().unwrap_or(""),
                e["code"].as_str().unwrap_or("")
            ),
        );
    }

    // A scenario document's own problems, then its problems against the instance.
    let cases = [
        (
            json!({"format": "spreiding/scenarios@1", "scenarios": [
                {"name": "a", "changes": [{"kind": "shut", "practice": "P2"},
                                          {"kind": "fte", "practice": "P2", "fte": -1}]},
                {"changes": []}]}),
            vec![
                ("scenarios.scenarios[0].changes[0].kind", "unknown_kind"),
                ("scenarios.scenarios[0].changes[1].fte", "fte_not_positive"),
                ("scenarios.scenarios[1].name", "missing_field"),
            ],
        ),
        (
            json!({"format": "spreiding/plan@1"}),
            vec![("scenarios.format", "wrong_format")],
        ),
        (
            json!({"format": "spreiding/scenarios@1", "scenarios": [
                {"name": "x", "changes": [{"kind": "close", "practice": "P9"}]},
                {"name": "close:P2", "changes": [{"kind": "noni", "area": "A1", "delta": -1}]}]}),
            vec![
                (
                    "scenarios.scenarios[0].changes[0].practice",
                    "unknown_practice",
                ),
                ("scenarios.scenarios[1].changes[0].delta", "noni_negative"),
                ("sweep[0]", "duplicate_name"),
            ],
        ),
    ];
    for (scenarios, expected) in cases {
        let p = server
            .call(post(
                "/v1/sensitivity",
                "/v1/sensitivity",
                sensitivity_body(path, Some(&scenarios), &["closure"]),
            ))
            .await
            .problem(422, "invalid_scenarios");
        let errors = p["errors"].as_array().expect("errors");
        let found: Vec<(&str, &str)> = errors
            .iter()
            .map(|e| {
                (
                    e["path"].as_str().unwrap_or(""),
                    e["code"].as_str().unwrap_or(""),
                )
            })
            .collect();
        assert_eq!(found, expected, "{p}");
        let (report, stderr) = cli_sensitivity(path, Some(&scenarios), &["closure"], &[]);
        assert!(report.is_none());
        for e in errors {
            let path = e["path"].as_str().unwrap_or("");
            // The CLI names a file's scenario by its path in the file, a sweep's by its spec.
            let cli_path = path
                .strip_prefix("scenarios.")
                .map_or_else(|| "--sweep closure.name".to_string(), str::to_string);
            same_as_cli(
                e,
                &stderr,
                format!(
                    "{cli_path}: {} [{}]",
                    e["message"].as_str().unwrap_or(""),
                    e["code"].as_str().unwrap_or("")
                ),
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_sensitivity_request_is_answered_with_every_problem_and_its_path() {
    let server = Server::start(config()).await;
    let post_body = |body: Vec<u8>| post("/v1/sensitivity", "/v1/sensitivity", body);

    // The instance's problems, exactly `validate`'s, under `instance.`.
    let mut instance: Value =
        serde_json::from_str(&instance_text("small/closure.json")).expect("json");
    instance["practices"][0]["fte"] = json!(-1);
    instance["areas"][0]["noni"] = json!(1.5);
    let Err(InstanceError::Invalid(problems)) = validate::parse_instance(&instance.to_string())
    else {
        panic!("the instance should be invalid");
    };
    let body =
        serde_json::to_vec(&json!({"instance": instance, "sweep": ["closure"]})).expect("json");
    let p = server
        .call(post_body(body))
        .await
        .problem(422, "invalid_instance");
    let found: Vec<(String, String, String)> = p["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| {
            (
                e["path"].as_str().unwrap_or("").to_string(),
                e["code"].as_str().unwrap_or("").to_string(),
                e["message"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    let expected: Vec<(String, String, String)> = problems
        .iter()
        .map(|p| {
            (
                format!("instance.{}", p.path),
                p.code.to_string(),
                p.message.clone(),
            )
        })
        .collect();
    assert_eq!(found, expected);
    assert_eq!(found[0].0, "instance.areas[0].noni");
    assert_eq!(found[1].0, "instance.practices[0].fte");

    // Not JSON: the position in the body.
    let p = server
        .call(post_body(
            b"{\"instance\": {},\n \"sweep\": [closure]}".to_vec(),
        ))
        .await
        .problem(400, "malformed_json");
    assert_eq!(
        (p["line"].clone(), p["column"].clone()),
        (json!(2), json!(12))
    );
    assert!(
        p["detail"]
            .as_str()
            .unwrap_or("")
            .starts_with("invalid JSON at line 2, column 12")
    );

    // The request's own shape: every problem at once.
    let instance: Value = serde_json::from_str(&instance_text("small/closure.json")).expect("json");
    for (body, expected) in [
        (json!([]), vec![("", "wrong_type")]),
        (json!({"instance": instance}), vec![("", "nothing_to_run")]),
        (
            json!({"instance": instance, "sweep": [], "scenarios": null}),
            vec![("", "nothing_to_run")],
        ),
        (
            json!({"sweeps": ["closure"], "sweep": "closure"}),
            vec![
                ("sweeps", "unknown_field"),
                ("instance", "missing_field"),
                ("sweep", "wrong_type"),
                ("", "nothing_to_run"),
            ],
        ),
        (
            json!({"instance": instance, "sweep": ["closure", 3]}),
            vec![("sweep[1]", "wrong_type")],
        ),
    ] {
        let p = server
            .call(post_body(serde_json::to_vec(&body).expect("json")))
            .await
            .problem(422, "invalid_request");
        let found: Vec<(&str, &str)> = p["errors"]
            .as_array()
            .expect("errors")
            .iter()
            .map(|e| {
                (
                    e["path"].as_str().unwrap_or(""),
                    e["code"].as_str().unwrap_or(""),
                )
            })
            .collect();
        assert_eq!(found, expected, "{body}");
    }

    // Options as for /v1/plan.
    let body = sensitivity_body("small/closure.json", None, &["closure"]);
    for query in ["time_limit=0", "gap=1", "sweep=closure"] {
        server
            .call(post(
                "/v1/sensitivity",
                format!("/v1/sensitivity?{query}"),
                body.clone(),
            ))
            .await
            .problem(400, "bad_option");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sensitivity_run_takes_one_solver_slot_and_its_checks_none() {
    let server = Server::start(ServeConfig {
        solvers: 1,
        queue: 0,
        ..config()
    })
    .await;
    let body = sensitivity_body("small/closure.json", None, &["closure"]);
    let held = server.running().slots().acquire().await.expect("slot");
    let reply = server
        .call(post("/v1/sensitivity", "/v1/sensitivity", body.clone()))
        .await;
    reply.problem(503, "busy");
    assert!(reply.header("retry-after").is_some());
    // Checking needs no slot.
    server
        .call(post(
            "/v1/sensitivity",
            "/v1/sensitivity",
            sensitivity_body("small/closure.json", None, &["nope"]),
        ))
        .await
        .problem(422, "invalid_scenarios");
    drop(held);
    let reply = server
        .call(post("/v1/sensitivity", "/v1/sensitivity", body))
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(server.running().slots().busy(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sensitivity_job_runs_in_the_background_and_can_be_cancelled() {
    let server = Server::start(ServeConfig {
        solvers: 1,
        ..config()
    })
    .await;
    let path = "small/out_of_district.json";
    let scenarios = what_if();
    let sweeps = ["closure", "norm_per_fte=9:11:1"];
    let body = sensitivity_body(path, Some(&scenarios), &sweeps);

    // Checked at once, like the endpoint.
    server
        .call(post(
            "/v1/jobs",
            "/v1/jobs?kind=sensitivity",
            sensitivity_body(path, None, &["closures"]),
        ))
        .await
        .problem(422, "invalid_scenarios");

    // Queued while the only slot is held; cancelled, it never runs.
    let held = server.running().slots().acquire().await.expect("slot");
    let reply = server
        .call(post("/v1/jobs", "/v1/jobs?kind=sensitivity", body.clone()))
        .await;
    assert_eq!(reply.status, StatusCode::ACCEPTED);
    let queued = reply.json();
    assert_eq!(queued["kind"], "sensitivity");
    assert_eq!(queued["state"], "queued");
    let queued_href = queued["href"].as_str().expect("href").to_string();
    let cancelled = server
        .call(call(Method::DELETE, "/v1/jobs/{id}", queued_href.clone()))
        .await;
    assert_eq!(cancelled.status, StatusCode::OK);
    assert_eq!(cancelled.json()["state"], "cancelled");

    // Done: the same report as the CLI's.
    let reply = server
        .call(post(
            "/v1/jobs",
            "/v1/jobs?kind=sensitivity&time_limit=3",
            body,
        ))
        .await;
    assert_eq!(reply.status, StatusCode::ACCEPTED);
    let href = reply.json()["href"].as_str().expect("href").to_string();
    assert_eq!(reply.header("location"), Some(href.as_str()));
    drop(held);
    let status = poll_job(&server, &href, |s| s == "done").await;
    assert_eq!(status["kind"], "sensitivity");
    let (cli, stderr) = cli_sensitivity(path, Some(&scenarios), &sweeps, &[]);
    let cli = cli.unwrap_or_else(|| panic!("the CLI failed: {stderr}"));
    let cli_value: Value = serde_json::from_slice(&cli).expect("report json");
    assert_eq!(status["result"], cli_value);
    let result = server
        .call(get("/v1/jobs/{id}/result", format!("{href}/result")))
        .await;
    assert_eq!(result.status, StatusCode::OK);
    assert!(
        result.body == cli,
        "the job's report differs from the CLI's"
    );

    // The cancelled job stayed cancelled, with no result.
    let after = server
        .call(get("/v1/jobs/{id}", queued_href.clone()))
        .await
        .json();
    assert_eq!(after["state"], "cancelled");
    assert!(after.get("result").is_none());
    server
        .call(get("/v1/jobs/{id}/result", format!("{queued_href}/result")))
        .await
        .problem(409, "not_ready");

    // Cancelled while running: its report is discarded and its slot comes free.
    let long = sensitivity_body(path, None, &["norm_per_fte=1:1000:1", "max_walk_m=0:999:1"]);
    let reply = server
        .call(post("/v1/jobs", "/v1/jobs?kind=sensitivity", long))
        .await;
    assert_eq!(reply.status, StatusCode::ACCEPTED);
    let long_href = reply.json()["href"].as_str().expect("href").to_string();
    poll_job(&server, &long_href, |s| s != "queued").await;
    let cancelled = server
        .call(call(Method::DELETE, "/v1/jobs/{id}", long_href.clone()))
        .await;
    assert_eq!(cancelled.status, StatusCode::OK);
    assert_eq!(cancelled.json()["state"], "cancelled");
    let slots = server.running().slots();
    until("the cancelled run frees its slot", || slots.busy() == 0).await;
    let after = server.call(get("/v1/jobs/{id}", long_href)).await.json();
    assert_eq!(after["state"], "cancelled");
    assert!(after.get("result").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_answers_the_requests_in_flight_then_stops() {
    let mut server = Server::start(ServeConfig {
        solvers: 1,
        queue: 1,
        ..config()
    })
    .await;
    let slots = server.running().slots();
    let held = slots.acquire().await.expect("slot");
    let request = server
        .client
        .post(format!("{}/v1/plan", server.base))
        .header("content-type", "application/json")
        .body(instance_text("small/closure.json"))
        .send();
    let in_flight = tokio::spawn(request);
    until("the request is queued", || slots.waiting() == 1).await;

    let running = server.running.take().expect("running");
    running.shutdown();
    let stopped = tokio::spawn(running.wait());
    // Shutdown waits for the request; only then does its solve get the slot and run.
    tokio::task::yield_now().await;
    assert!(!stopped.is_finished());
    drop(held);
    let response = in_flight.await.expect("task").expect("response");
    assert_eq!(response.status(), StatusCode::OK);
    let body = response.bytes().await.expect("body");
    assert!(body.as_ref() == cli_plan("small/closure.json", &[]).as_slice());
    stopped.await.expect("task").expect("clean stop");
    let after = server
        .client
        .get(format!("{}/v1/health", server.base))
        .send()
        .await;
    assert!(after.is_err(), "the server still answers after stopping");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_describes_every_endpoint_and_the_instance_schema_fits() {
    let server = Server::start(config()).await;
    let doc = server
        .call(get("/v1/openapi.json", "/v1/openapi.json"))
        .await
        .json();
    assert!(doc["openapi"].as_str().unwrap_or("").starts_with("3.1"));
    let routes = [
        ("/v1/plan", "post"),
        ("/v1/validate", "post"),
        ("/v1/verify", "post"),
        ("/v1/sensitivity", "post"),
        ("/v1/jobs", "post"),
        ("/v1/jobs/{id}", "get"),
        ("/v1/jobs/{id}", "delete"),
        ("/v1/jobs/{id}/result", "get"),
        ("/v1/health", "get"),
        ("/v1/openapi.json", "get"),
        ("/v1/schema/instance.json", "get"),
    ];
    for (path, method) in routes {
        assert!(doc["paths"][path][method].is_object(), "{method} {path}");
    }
    let documented: usize = doc["paths"]
        .as_object()
        .expect("paths")
        .values()
        .map(|p| p.as_object().map_or(0, |m| m.len()))
        .sum();
    assert_eq!(documented, routes.len());
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());

    // The what-if endpoint's documents, and the example scenario file fits its schema.
    let sensitivity = &doc["paths"]["/v1/sensitivity"]["post"];
    assert_eq!(
        sensitivity["requestBody"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/SensitivityRequest"
    );
    assert_eq!(
        sensitivity["responses"]["200"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/SensitivityFile"
    );
    let scenarios_schema = json!({"$ref": "#/components/schemas/ScenariosFile"});
    let example: Value = serde_json::from_str(
        &std::fs::read_to_string(format!(
            "{}/instances/scenarios/enschede-whatif.json",
            env!("CARGO_MANIFEST_DIR")
        ))
        .expect("scenario file"),
    )
    .expect("json");
    validate_against(&doc, &scenarios_schema, &example);
    validate_against(&doc, &scenarios_schema, &what_if());
    let root = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "components": doc["components"],
        "allOf": [scenarios_schema],
    });
    let validator = jsonschema::draft202012::new(&root).expect("schema compiles");
    for bad in [
        json!({"format": "spreiding/scenarios@1", "scenarios": [{"name": "x", "changes": [{"kind": "shut"}]}]}),
        json!({"format": "spreiding/scenarios@1", "scenarios": [{"name": "x", "changes": [{"kind": "close"}]}]}),
        json!({"format": "spreiding/scenarios@1", "scenarios": [{"changes": []}]}),
    ] {
        assert!(!validator.is_valid(&bad), "{bad}");
    }

    let reply = server
        .call(get("/v1/schema/instance.json", "/v1/schema/instance.json"))
        .await;
    assert_eq!(reply.content_type(), "application/schema+json");
    let schema = reply.json();
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    let validator = jsonschema::draft202012::new(&schema).expect("schema compiles");
    let mut paths = small_instances();
    paths.push("enschede.json".to_string());
    for path in paths {
        let instance: Value = serde_json::from_str(&instance_text(&path)).expect("json");
        let errors: Vec<String> = validator
            .iter_errors(&instance)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{path}: {errors:?}");
    }
    for bad in [
        json!({"format": "spreiding/instance@1", "practices": []}),
        json!({"format": "spreiding/instance@1", "areas": [], "practices": [], "typo": 1}),
        json!({"format": "spreiding/instance@1", "areas": [], "practices": [{"id": "P", "location": {"lat": 1, "lon": 2}, "fte": "3"}]}),
    ] {
        assert!(!validator.is_valid(&bad), "{bad}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_reports_the_solver_slots() {
    let server = Server::start(config()).await;
    let health = server.call(get("/v1/health", "/v1/health")).await;
    assert_eq!(health.status, StatusCode::OK);
    let h = health.json();
    assert_eq!(h["solver_slots"], 2);
    assert_eq!(h["solves_running"], 0);
    assert_eq!(h["version"], env!("CARGO_PKG_VERSION"));
}

#[test]
fn the_cli_and_the_server_share_one_serialisation() {
    let text = instance_text("small/white_spot.json");
    let instance = validate::parse_instance(&text).expect("valid");
    let plan = spreiding::planner::plan(&instance, &SolveOptions::default()).expect("plan");
    let bytes = format::plan_json(&plan).expect("json");
    assert!(bytes.as_bytes() == cli_plan("small/white_spot.json", &[]).as_slice());
}

/// A raw HTTP/1.1 GET with `Connection: close`; returns the status line and the rest.
fn raw_get(addr: &str, path: &str, token: Option<&str>) -> String {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).expect("connect");
    let auth = token.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\n{auth}Connection: close\r\n\r\n"
    )
    .expect("write");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("read");
    answer
}

#[test]
fn the_binary_refuses_a_public_address_without_a_token() {
    let out = Command::new(env!("CARGO_BIN_EXE_spreiding"))
        .args(["serve", "--listen", "0.0.0.0:0"])
        .output()
        .expect("run spreiding");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--token-file") && stderr.contains("--insecure"),
        "{stderr}"
    );

    let dir = tempfile::tempdir().expect("tempdir");
    let empty = dir.path().join("token");
    std::fs::write(&empty, "\n").expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_spreiding"))
        .args(["serve", "--listen", "127.0.0.1:0", "--token-file"])
        .arg(&empty)
        .output()
        .expect("run spreiding");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn the_binary_serves_with_a_token_and_stops_on_sigterm() {
    use std::io::{BufRead, BufReader, Read};
    let dir = tempfile::tempdir().expect("tempdir");
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, format!("{TOKEN}\n")).expect("write");
    let mut child = Command::new(env!("CARGO_BIN_EXE_spreiding"))
        .args(["serve", "--listen", "127.0.0.1:0", "--log-format", "json"])
        .arg("--token-file")
        .arg(&token_file)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start spreiding serve");
    let mut log = BufReader::new(child.stderr.take().expect("stderr"));
    let mut addr = None;
    let mut line = String::new();
    while addr.is_none() {
        line.clear();
        assert!(
            log.read_line(&mut line).expect("log") > 0,
            "no listening line"
        );
        let event: Value = serde_json::from_str(&line).expect("a JSON log line");
        if event["message"] == "listening" {
            addr = event["addr"].as_str().map(str::to_string);
        }
    }
    let addr = addr.expect("address");
    assert!(raw_get(&addr, "/v1/health", None).starts_with("HTTP/1.1 200"));
    assert!(raw_get(&addr, "/v1/openapi.json", None).starts_with("HTTP/1.1 401"));
    assert!(raw_get(&addr, "/v1/openapi.json", Some(TOKEN)).starts_with("HTTP/1.1 200"));

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    let status = child.wait().expect("wait");
    assert_eq!(status.code(), Some(0));
    let mut rest = String::new();
    log.read_to_string(&mut rest).expect("log");
    let requests: Vec<Value> = rest
        .lines()
        .chain(std::iter::once(line.as_str()))
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|e| e["message"] == "request")
        .collect();
    assert_eq!(requests.len(), 3, "{rest}");
    for r in &requests {
        for field in ["method", "path", "status", "duration_ms", "body_bytes"] {
            assert!(!r[field].is_null(), "{field} missing in {r}");
        }
    }
    assert!(rest.contains("\"stopped\""), "{rest}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_gives_up_frees_its_place_in_the_queue() {
    let server = Server::start(ServeConfig {
        solvers: 1,
        queue: 1,
        ..config()
    })
    .await;
    let slots = server.running().slots();
    let held = slots.acquire().await.expect("slot");
    let impatient = server
        .client
        .post(format!("{}/v1/plan", server.base))
        .header("content-type", "application/json")
        .timeout(Duration::from_millis(300))
        .body(instance_text("small/closure.json"))
        .send()
        .await;
    assert!(
        impatient.is_err(),
        "the request should have timed out client-side"
    );
    until("the queue place is free", || slots.waiting() == 0).await;
    drop(held);
    until("no solve runs", || slots.busy() == 0).await;
    let reply = server
        .call(post(
            "/v1/plan",
            "/v1/plan",
            instance_text("small/closure.json"),
        ))
        .await;
    assert_eq!(reply.status, StatusCode::OK);
}
