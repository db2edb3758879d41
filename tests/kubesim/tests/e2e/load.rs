//! A bounded load test: 2000 ConfigMaps created while 100 watches are open; every watch
//! must see every creation, within seconds.

use crate::common::Sim;
use futures::StreamExt;
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, ListParams, PostParams, WatchEvent, WatchParams};
use std::time::{Duration, Instant};

const OBJECTS: usize = 2000;
const WATCHES: usize = 100;

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
    let mut watchers = Vec::new();
    for _ in 0..WATCHES {
        let stream = cms
            .watch(&WatchParams::default().timeout(60), &rv)
            .await
            .unwrap();
        watchers.push(tokio::spawn(async move {
            let mut stream = Box::pin(stream);
            let mut added = 0;
            while added < OBJECTS {
                match stream.next().await {
                    Some(Ok(WatchEvent::Added(_))) => added += 1,
                    Some(Ok(_)) => {}
                    other => panic!("watch ended early after {added}: {other:?}"),
                }
            }
            added
        }));
    }
    let mut creators = Vec::new();
    for w in 0..4 {
        let cms = cms.clone();
        creators.push(tokio::spawn(async move {
            for i in (w..OBJECTS).step_by(4) {
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
        for w in watchers {
            assert_eq!(w.await.unwrap(), OBJECTS);
        }
    };
    tokio::time::timeout(Duration::from_secs(60), all)
        .await
        .expect("load test took over 60s");
    let elapsed = started.elapsed();
    let list = cms.list(&ListParams::default().limit(500)).await.unwrap();
    assert_eq!(list.items.len(), 500);
    assert!(list.metadata.continue_.is_some());
    let metrics = sim.json("/kubesim/metrics");
    assert!(metrics["watch_events_sent"].as_u64().unwrap() >= (OBJECTS * WATCHES) as u64);
    eprintln!("load: {OBJECTS} creates x {WATCHES} watches in {elapsed:?}");
}
