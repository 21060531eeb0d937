//! Load client for `bench/load`: N concurrent clients send `POST /v1/plan` with one instance
//! to a server on loopback, for a bounded number of requests and seconds, check that every
//! answer is a 200 whose bytes equal the expected plan, and report throughput and latency.
//!
//! ```text
//! load --url http://127.0.0.1:PORT --instance FILE --expected PLAN \
//!      [--clients 4] [--requests 24] [--max-seconds 300] [--token TOKEN]
//! ```
//!
//! Exit 0 when every request was answered correctly, 1 otherwise, 2 on bad arguments.
//! Only loopback URLs are accepted.

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

struct Args {
    url: String,
    instance: String,
    expected: String,
    clients: usize,
    requests: usize,
    max_seconds: u64,
    token: Option<String>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        url: String::new(),
        instance: String::new(),
        expected: String::new(),
        clients: 4,
        requests: 24,
        max_seconds: 300,
        token: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or(format!("{flag} needs a value"))?;
        let number = |v: &str| v.parse::<usize>().map_err(|e| format!("{flag}: {e}"));
        match flag.as_str() {
            "--url" => args.url = value,
            "--instance" => args.instance = value,
            "--expected" => args.expected = value,
            "--clients" => args.clients = number(&value)?.clamp(1, 256),
            "--requests" => args.requests = number(&value)?.clamp(1, 100_000),
            "--max-seconds" => args.max_seconds = number(&value)?.clamp(1, 3600) as u64,
            "--token" => args.token = Some(value),
            _ => return Err(format!("unknown argument {flag}")),
        }
    }
    let host = args
        .url
        .strip_prefix("http://")
        .ok_or("--url must be http://127.x.x.x:PORT, http://localhost:PORT or http://[::1]:PORT")?;
    if !(host.starts_with("127.") || host.starts_with("localhost:") || host.starts_with("[::1]:")) {
        return Err("--url must be a loopback address".to_string());
    }
    if args.instance.is_empty() || args.expected.is_empty() {
        return Err("--instance and --expected are required".to_string());
    }
    Ok(args)
}

#[derive(Default)]
struct Outcome {
    latencies: Vec<Duration>,
    wrong: Vec<String>,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("load: {e}");
            return ExitCode::from(2);
        }
    };
    let (instance, expected) = match (std::fs::read(&args.instance), std::fs::read(&args.expected))
    {
        (Ok(i), Ok(e)) => (Arc::new(i), Arc::new(e)),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("load: {e}");
            return ExitCode::from(2);
        }
    };
    let client = match reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(args.max_seconds + 60))
        .build()
    {
        Ok(c) => c,
        Err(e) => {
            eprintln!("load: {e}");
            return ExitCode::from(2);
        }
    };
    let url = format!("{}/v1/plan", args.url.trim_end_matches('/'));
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let deadline = started + Duration::from_secs(args.max_seconds);
    let mut tasks = Vec::new();
    for _ in 0..args.clients {
        let (client, url, instance, expected, next, token) = (
            client.clone(),
            url.clone(),
            instance.clone(),
            expected.clone(),
            next.clone(),
            args.token.clone(),
        );
        let total = args.requests;
        tasks.push(tokio::spawn(async move {
            let mut outcome = Outcome::default();
            while Instant::now() < deadline && next.fetch_add(1, Ordering::SeqCst) < total {
                let sent = Instant::now();
                let mut request = client
                    .post(&url)
                    .header("content-type", "application/json")
                    .body(instance.as_ref().clone());
                if let Some(token) = &token {
                    request = request.bearer_auth(token);
                }
                let answer = match request.send().await {
                    Ok(response) => {
                        let status = response.status();
                        response.bytes().await.map(|b| (status, b))
                    }
                    Err(e) => Err(e),
                };
                outcome.latencies.push(sent.elapsed());
                match answer {
                    Ok((status, body)) if status == 200 && body.as_ref() == expected.as_slice() => {
                    }
                    Ok((status, body)) if status == 200 => outcome
                        .wrong
                        .push(format!("200 with other bytes ({} bytes)", body.len())),
                    Ok((status, body)) => outcome.wrong.push(format!(
                        "{status}: {}",
                        String::from_utf8_lossy(&body[..body.len().min(300)])
                    )),
                    Err(e) => outcome.wrong.push(format!("transport: {e}")),
                }
            }
            outcome
        }));
    }
    let mut all = Outcome::default();
    for task in tasks {
        match task.await {
            Ok(o) => {
                all.latencies.extend(o.latencies);
                all.wrong.extend(o.wrong);
            }
            Err(e) => all.wrong.push(format!("client task: {e}")),
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    all.latencies.sort();
    let pct = |p: f64| -> f64 {
        if all.latencies.is_empty() {
            return 0.0;
        }
        let rank = ((p / 100.0) * all.latencies.len() as f64).ceil() as usize;
        all.latencies[rank.clamp(1, all.latencies.len()) - 1].as_secs_f64()
    };
    let n = all.latencies.len();
    println!(
        "requests {n} (clients {}), correct {}, wrong {}",
        args.clients,
        n - all.wrong.len(),
        all.wrong.len()
    );
    println!(
        "elapsed {elapsed:.1} s, throughput {:.2} req/s",
        n as f64 / elapsed.max(1e-9)
    );
    println!(
        "latency p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        pct(50.0) * 1000.0,
        pct(99.0) * 1000.0,
        all.latencies.last().map_or(0.0, Duration::as_secs_f64) * 1000.0
    );
    for w in all.wrong.iter().take(10) {
        println!("  wrong: {w}");
    }
    if all.wrong.is_empty() && n == args.requests {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
