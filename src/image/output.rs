//! Reading what the engines print: the current build step, the pushed digest, "not logged in".
//! Pure: lines in, values out.

use std::collections::VecDeque;

/// The build step a line announces, as the user should see it (`STEP 2/4: COPY . /app`).
///
/// podman and buildah print `STEP 2/4: COPY . /app`; docker's classic builder
/// `Step 2/4 : COPY . /app`; BuildKit (docker, nerdctl with `--progress=plain`)
/// `#7 [2/4] COPY . /app` (and `#7 [internal] …`, `#7 [builder 2/4] …` for stages).
pub fn build_step(line: &str) -> Option<String> {
    let line = line.trim();
    if let Some(rest) = line.strip_prefix("STEP ") {
        return Some(format!("STEP {}", rest.trim()));
    }
    if let Some(rest) = line.strip_prefix("Step ") {
        let (n, what) = rest.split_once(" : ")?;
        return Some(format!("STEP {}: {}", n.trim(), what.trim()));
    }
    // BuildKit: "#7 [stage 2/4] COPY . /app"; the same header repeats with DONE/CACHED lines
    // ("#7 DONE 0.1s"), which have no brackets and are skipped.
    let rest = line.strip_prefix('#')?;
    let (_, rest) = rest.split_once(' ')?;
    let rest = rest.strip_prefix('[')?;
    let (inside, what) = rest.split_once("] ")?;
    let n = inside.rsplit(' ').next()?;
    let (a, b) = n.split_once('/')?;
    if a.chars().all(|c| c.is_ascii_digit()) && b.chars().all(|c| c.is_ascii_digit()) {
        let stage = inside.strip_suffix(n).map(str::trim).unwrap_or_default();
        let stage = if stage.is_empty() {
            String::new()
        } else {
            format!(" ({stage})")
        };
        Some(format!("STEP {n}{stage}: {}", what.trim()))
    } else {
        None
    }
}

/// The last `cap` lines of a log, for showing what went wrong.
#[derive(Debug)]
pub struct Tail {
    cap: usize,
    lines: VecDeque<String>,
    dropped: usize,
}

impl Tail {
    pub fn new(cap: usize) -> Tail {
        Tail {
            cap,
            lines: VecDeque::with_capacity(cap),
            dropped: 0,
        }
    }

    pub fn push(&mut self, line: &str) {
        if self.lines.len() == self.cap {
            self.lines.pop_front();
            self.dropped += 1;
        }
        self.lines.push_back(line.to_string());
    }

    /// How many earlier lines are not kept.
    pub fn dropped(&self) -> usize {
        self.dropped
    }

    pub fn lines(&self) -> impl Iterator<Item = &str> {
        self.lines.iter().map(String::as_str)
    }

    pub fn joined(&self) -> String {
        self.lines().collect::<Vec<_>>().join("\n")
    }
}

/// Whether a well-formed manifest digest: `sha256:` and 64 lowercase hex digits.
pub fn is_digest(s: &str) -> bool {
    s.strip_prefix("sha256:")
        .is_some_and(|h| h.len() == 64 && h.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
}

/// The digest docker prints when a push ends: `abc1234: digest: sha256:… size: 528`.
/// The last one wins (a multi-platform push prints one per manifest, the index last).
pub fn digest_in_push_output(output: &str) -> Option<String> {
    output.lines().rev().find_map(|l| {
        let (_, rest) = l.split_once("digest: ")?;
        let d = rest.split_whitespace().next()?;
        is_digest(d).then(|| d.to_string())
    })
}

/// The digest of `repository` in `image inspect --format '{{json .RepoDigests}}'` output
/// (`["reg/team/p@sha256:…"]`). An image pushed to several repositories has one per
/// repository; only `repository`'s counts. Entries with a tag (`reg/p:t@sha256:…`) match too.
pub fn digest_in_repo_digests(json: &str, repository: &str) -> Option<String> {
    let list: Vec<String> = serde_json::from_str(json.trim()).ok()?;
    list.iter().find_map(|entry| {
        let (name, digest) = entry.rsplit_once('@')?;
        (strip_tag(name) == repository && is_digest(digest)).then(|| digest.to_string())
    })
}

/// `reg:5000/team/p:tag` → `reg:5000/team/p` (a `:` after the last `/` starts the tag).
pub fn strip_tag(name: &str) -> &str {
    let last = name.rfind('/').map_or(0, |i| i + 1);
    match name[last..].find(':') {
        Some(i) => &name[..last + i],
        None => name,
    }
}

/// The registry host of a repository, as `login` wants it: the first component when it looks
/// like a host (has a `.` or `:`, or is `localhost`), else Docker Hub.
pub fn registry_of(repository: &str) -> &str {
    match repository.split_once('/') {
        Some((first, _)) if first.contains(['.', ':']) || first == "localhost" => first,
        _ => "docker.io",
    }
}

/// Whether an engine's push output says the registry wants credentials or refused them.
pub fn is_auth_failure(output: &str) -> bool {
    let o = output.to_ascii_lowercase();
    [
        "unauthorized",
        "authentication required",
        "no basic auth credentials",
        "denied: requested access",
        "access denied",
        "401 unauthorized",
        "403 forbidden",
    ]
    .iter()
    .any(|p| o.contains(p))
}

/// Whether an engine's push output says the image to push does not exist locally.
pub fn is_missing_image(output: &str) -> bool {
    let o = output.to_ascii_lowercase();
    [
        "image not known",
        "no such image",
        "does not exist",
        "not found: not found",
    ]
    .iter()
    .any(|p| o.contains(p))
}

/// Whether the engine's client could not reach its daemon (docker, nerdctl's containerd).
pub fn is_daemon_down(output: &str) -> bool {
    output.contains("Cannot connect to the Docker daemon")
        || output.contains("cannot access containerd socket")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_of_every_engine() {
        assert_eq!(
            build_step("STEP 2/4: COPY busybox /bin/busybox").as_deref(),
            Some("STEP 2/4: COPY busybox /bin/busybox")
        );
        assert_eq!(
            build_step("Step 3/5 : RUN pip install -r requirements.txt").as_deref(),
            Some("STEP 3/5: RUN pip install -r requirements.txt")
        );
        assert_eq!(
            build_step("#7 [2/4] COPY . /app").as_deref(),
            Some("STEP 2/4: COPY . /app")
        );
        assert_eq!(
            build_step("#9 [builder 3/6] RUN make").as_deref(),
            Some("STEP 3/6 (builder): RUN make")
        );
        for not_a_step in [
            "#7 DONE 0.1s",
            "#1 [internal] load build definition from Dockerfile",
            "--> 0dcfedfc55e",
            "COMMIT reg/p:abc",
            "Successfully tagged reg/p:abc",
            "",
        ] {
            assert_eq!(build_step(not_a_step), None, "{not_a_step:?}");
        }
    }

    #[test]
    fn tail_keeps_the_last_lines() {
        let mut t = Tail::new(2);
        for l in ["a", "b", "c"] {
            t.push(l);
        }
        assert_eq!(t.joined(), "b\nc");
        assert_eq!(t.dropped(), 1);
    }

    #[test]
    fn docker_push_output_gives_the_digest() {
        let d = format!("sha256:{}", "ab".repeat(32));
        let out = format!(
            "The push refers to repository [reg/p]\n5f70bf18a086: Pushed\nabc1234: digest: {d} size: 528\n"
        );
        assert_eq!(digest_in_push_output(&out), Some(d));
        assert_eq!(
            digest_in_push_output("abc: digest: sha256:short size: 1"),
            None
        );
    }

    #[test]
    fn repo_digests_are_matched_by_repository() {
        let a = format!("sha256:{}", "a".repeat(64));
        let b = format!("sha256:{}", "b".repeat(64));
        let json = format!(r#"["other/p@{a}","127.0.0.1:5000/etl/p@{b}"]"#);
        assert_eq!(
            digest_in_repo_digests(&json, "127.0.0.1:5000/etl/p"),
            Some(b.clone())
        );
        assert_eq!(digest_in_repo_digests(&json, "nope/p"), None);
        assert_eq!(
            digest_in_repo_digests(
                &format!(r#"["127.0.0.1:5000/etl/p:t@{b}"]"#),
                "127.0.0.1:5000/etl/p"
            ),
            Some(b)
        );
        assert_eq!(digest_in_repo_digests("null", "p"), None);
    }

    #[test]
    fn tags_are_stripped_but_not_ports() {
        assert_eq!(
            strip_tag("127.0.0.1:5000/etl/p:abc"),
            "127.0.0.1:5000/etl/p"
        );
        assert_eq!(strip_tag("127.0.0.1:5000/etl/p"), "127.0.0.1:5000/etl/p");
        assert_eq!(strip_tag("p:latest"), "p");
    }

    #[test]
    fn registry_of_a_repository() {
        assert_eq!(registry_of("127.0.0.1:5000/etl/p"), "127.0.0.1:5000");
        assert_eq!(registry_of("ghcr.io/team/p"), "ghcr.io");
        assert_eq!(registry_of("localhost/p"), "localhost");
        assert_eq!(registry_of("team/p"), "docker.io");
        assert_eq!(registry_of("p"), "docker.io");
    }

    #[test]
    fn auth_failures_of_podman_and_docker() {
        assert!(is_auth_failure(
            "Error: trying to reuse blob sha256:d0 at destination: checking whether a blob \
             exists in 127.0.0.1:5998/etl/test: unauthorized: authentication required"
        ));
        assert!(is_auth_failure("no basic auth credentials"));
        assert!(!is_auth_failure("Error: image not known"));
    }

    #[test]
    fn digests_are_checked() {
        assert!(is_digest(&format!("sha256:{}", "0a".repeat(32))));
        assert!(!is_digest("sha256:0A"));
        assert!(!is_digest(&"0a".repeat(32)));
    }
}
