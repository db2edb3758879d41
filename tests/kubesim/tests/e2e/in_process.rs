//! kubesim started inside the test process with `kubesim::InProcess`.

use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, PostParams};
use std::time::{Duration, Instant};

#[test]
fn in_process_server_serves_and_stops_its_pods() {
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    let cfg = kubesim::config::Config {
        kubeconfig: Some(kubeconfig.clone()),
        workdir: Some(dir.path().to_path_buf()),
        ..Default::default()
    };
    let sim = kubesim::InProcess::start(cfg).unwrap();
    assert!(
        std::fs::read_to_string(&kubeconfig)
            .unwrap()
            .contains(&sim.url)
    );
    let rt = tokio::runtime::Runtime::new().unwrap();
    let pid: i32 = rt.block_on(async {
        // Through the kubeconfig it wrote, as etl connects.
        let kc = kube::config::Kubeconfig::read_from(&kubeconfig).unwrap();
        let config = kube::Config::from_custom_kubeconfig(kc, &Default::default()).await.unwrap();
        assert_eq!(config.default_namespace, "default");
        let client = kube::Client::try_from(config).unwrap();
        let pods: Api<Pod> = Api::default_namespaced(client);
        let pod: Pod = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "p"},
            "spec": {"containers": [{"name": "main", "image": "busybox", "command": ["sh", "-c", "echo $$$$ > pid; sleep 300"]}]}
        }))
        .unwrap();
        pods.create(&PostParams::default(), &pod).await.unwrap();
        tokio::time::timeout(Duration::from_secs(30), async {
            loop {
                if let Ok(s) = std::fs::read_to_string(dir.path().join("pid"))
                    && let Ok(pid) = s.trim().parse()
                {
                    return pid;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
        .await
        .expect("the pod to start")
    });
    // SAFETY: kill(pid, 0) only checks that the process exists.
    let alive = |pid: i32| unsafe { libc::kill(pid, 0) == 0 };
    assert!(alive(pid));
    drop(sim);
    let deadline = Instant::now() + Duration::from_secs(5);
    while alive(pid) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        !alive(pid),
        "the pod's process outlived the in-process server"
    );
}
