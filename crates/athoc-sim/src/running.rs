//! Ready-made ways to run a simulator on `127.0.0.1:0`: inside the caller's tokio runtime
//! ([`RunningSim`]) or on its own thread ([`BackgroundSim`]) for plain `#[test]`s.

use std::thread::JoinHandle;

use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::server::serve;
use crate::sim::Sim;

/// A simulator served by a task of the current tokio runtime; stops on drop or [`RunningSim::stop`].
#[derive(Debug)]
pub struct RunningSim {
    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub base_url: String,
    /// The handle to inspect and steer it.
    pub sim: Sim,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl RunningSim {
    /// Binds `127.0.0.1:0` and starts serving `sim`.
    pub async fn start(sim: Sim) -> std::io::Result<RunningSim> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let base_url = format!("http://{}", listener.local_addr()?);
        let (tx, rx) = oneshot::channel();
        let task = tokio::spawn(serve(listener, sim.clone(), async {
            let _ = rx.await;
        }));
        Ok(RunningSim {
            base_url,
            sim,
            shutdown: Some(tx),
            task: Some(task),
        })
    }

    /// Stops serving and waits until the listener and all connections are closed.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            if let Ok(Err(e)) = task.await {
                tracing::warn!(error = %e, "athoc-sim stopped with an error");
            }
        }
    }
}

impl Drop for RunningSim {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// A simulator on its own thread and single-threaded tokio runtime; drop stops it and joins.
#[derive(Debug)]
pub struct BackgroundSim {
    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub base_url: String,
    /// The handle to inspect and steer it.
    pub sim: Sim,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl BackgroundSim {
    /// Binds `127.0.0.1:0` now (so the port is known on return) and serves on a new thread.
    pub fn start(sim: Sim) -> std::io::Result<BackgroundSim> {
        let std_listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        std_listener.set_nonblocking(true)?;
        let base_url = format!("http://{}", std_listener.local_addr()?);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let (tx, rx) = oneshot::channel();
        let served = sim.clone();
        let thread = std::thread::Builder::new()
            .name("athoc-sim".to_owned())
            .spawn(move || {
                runtime.block_on(async move {
                    let result = match TcpListener::from_std(std_listener) {
                        Ok(listener) => {
                            serve(listener, served, async {
                                let _ = rx.await;
                            })
                            .await
                        }
                        Err(e) => Err(e),
                    };
                    if let Err(e) = result {
                        tracing::warn!(error = %e, "athoc-sim background server stopped with an error");
                    }
                });
            })?;
        Ok(BackgroundSim {
            base_url,
            sim,
            shutdown: Some(tx),
            thread: Some(thread),
        })
    }
}

impl Drop for BackgroundSim {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
