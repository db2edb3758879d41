//! The service account controller: every namespace keeps a `default` ServiceAccount, as in
//! a real cluster (no token Secret, as since Kubernetes 1.24). The store creates it with
//! the namespace; this puts it back when it is deleted.

use crate::meta;
use crate::resources::{NAMESPACE, SERVICEACCOUNT};
use crate::state::State;
use serde_json::json;

pub fn sync(state: &State) {
    let mut store = state.store();
    for ns in store.list(&NAMESPACE, None) {
        let ns = meta::name(&ns).to_string();
        if store.try_get(&SERVICEACCOUNT, &ns, "default").is_none() {
            let sa = json!({"metadata": {"name": "default", "namespace": ns}});
            // Fails only while the namespace is being deleted, which is what we want.
            let _ = store.create(&SERVICEACCOUNT, sa, false);
        }
    }
}
