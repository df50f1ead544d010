//! Security end to end: the real `bobosync` binary against the simulator behind a TLS proxy
//! whose certificates come from a CA made at test time (`bobosync_e2e::tls`). The system trust
//! store is never needed. Every test also gets the harness's secret scan and request-log check
//! on drop.

mod tls;
