//! The garbage collector: deletes objects whose owners are all gone and carries out
//! foreground deletion (dependents first, then the owner).

use crate::meta;
use crate::state::State;
use crate::store::{DeleteOptions, Propagation};
use serde_json::json;

pub fn sync(state: &State) {
    let mut store = state.store();
    let all = store.all();
    for (res, o) in &all {
        let owners = meta::owner_uids(o);
        if owners.is_empty() || meta::is_deleting(o) {
            continue;
        }
        if owners.iter().all(|u| !store.uid_exists(u)) {
            let opts = DeleteOptions {
                propagation: Some(Propagation::Background),
                ..Default::default()
            };
            let _ = store.delete(res, meta::namespace(o), meta::name(o), &opts);
        }
    }
    for (res, o) in &all {
        if !meta::is_deleting(o)
            || !meta::finalizers(o)
                .iter()
                .any(|f| f == "foregroundDeletion")
        {
            continue;
        }
        let deps = store.dependents(meta::uid(o));
        for (dres, d) in &deps {
            if !meta::is_deleting(d) {
                let opts = DeleteOptions {
                    propagation: Some(Propagation::Foreground),
                    ..Default::default()
                };
                let _ = store.delete(dres, meta::namespace(d), meta::name(d), &opts);
            }
        }
        if deps.is_empty()
            && let Ok(cur) = store.get(res, meta::namespace(o), meta::name(o))
        {
            let mut new = (*cur).clone();
            let rest: Vec<String> = meta::finalizers(&cur)
                .into_iter()
                .filter(|f| f != "foregroundDeletion")
                .collect();
            new["metadata"]["finalizers"] = json!(rest);
            let _ = store.update(res, new, false);
        }
    }
}
