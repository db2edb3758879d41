//! A bounded load test: 2000 ConfigMaps created (by kube-rs) while 100 watches are open;
//! every watch must see every creation, within a minute even on a loaded 2-core machine.
//! The watches are read as raw HTTP and only counted, so the test measures the server, not
//! the client's JSON decoding.

use crate::common::Sim;
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, ListParams, PostParams};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

const OBJECTS: usize = 2000;
const WATCHES: usize = 100;
const CREATORS: usize = 16;

/// Opens a watch from `rv` and counts ADDED events until `want` arrived.
async fn count_added(port: u16, rv: String, want: usize) -> usize {
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let req = format!(
        "GET /api/v1/namespaces/default/configmaps?watch=true&resourceVersion={rv}&timeoutSeconds=120 HTTP/1.1\r\nHost: x\r\nAccept: application/json\r\n\r\n"
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let mut r = BufReader::new(s);
    let mut line = String::new();
    loop {
        line.clear();
        r.read_line(&mut line).await.unwrap();
        if line == "\r\n" {
            break;
        }
        assert!(!line.is_empty(), "watch closed before its body");
    }
    let mut added = 0;
    while added < want {
        // One HTTP chunk: size line, data, CRLF.
        line.clear();
        r.read_line(&mut line).await.unwrap();
        let size = usize::from_str_radix(line.trim(), 16).unwrap();
        assert!(size > 0, "watch ended after {added} events");
        let mut data = vec![0; size + 2];
        r.read_exact(&mut data).await.unwrap();
        for l in data[..size]
            .split(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
        {
            // Decoding 200,000 events would measure this test, not the server: check the
            // first one fully and only the type of the others.
            if added == 0 {
                let ev: serde_json::Value = serde_json::from_slice(l).expect("a JSON event");
                assert_eq!(ev["object"]["kind"], "ConfigMap");
            }
            if l.starts_with(br#"{"type":"ADDED","#) {
                added += 1;
            }
        }
    }
    added
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_thousand_objects_and_a_hundred_watches() {
    let sim = Sim::start();
    let cms: Api<ConfigMap> = Api::default_namespaced(sim.client().await);
    let rv = cms
        .list(&ListParams::default())
        .await
        .unwrap()
        .metadata
        .resource_version
        .unwrap();
    let started = Instant::now();
    let watchers: Vec<_> = (0..WATCHES)
        .map(|_| tokio::spawn(count_added(sim.port, rv.clone(), OBJECTS)))
        .collect();
    let mut creators = Vec::new();
    for w in 0..CREATORS {
        let cms = cms.clone();
        creators.push(tokio::spawn(async move {
            for i in (w..OBJECTS).step_by(CREATORS) {
                let cm: ConfigMap = serde_json::from_value(serde_json::json!({
                    "metadata": {"name": format!("cm-{i}")}, "data": {"i": i.to_string()}
                }))
                .unwrap();
                cms.create(&PostParams::default(), &cm).await.unwrap();
            }
        }));
    }
    let all = async {
        for c in creators {
            c.await.unwrap();
        }
        eprintln!("load: {OBJECTS} creates done after {:?}", started.elapsed());
        for w in watchers {
            assert_eq!(w.await.unwrap(), OBJECTS);
        }
    };
    tokio::time::timeout(Duration::from_secs(60), all)
        .await
        .expect("load test took over 60s");
    eprintln!(
        "load: {WATCHES} watches saw all {OBJECTS} creations after {:?}",
        started.elapsed()
    );
    let list = cms.list(&ListParams::default().limit(500)).await.unwrap();
    assert_eq!(list.items.len(), 500);
    assert_eq!(
        list.metadata.remaining_item_count,
        Some((OBJECTS - 500) as i64)
    );
    let metrics = sim.json("/kubesim/metrics");
    assert_eq!(metrics["requests"]["create configmaps"], OBJECTS as u64);
    assert!(metrics["watch_events_sent"].as_u64().unwrap() >= (OBJECTS * WATCHES) as u64);
}
