//! The processes below a process (Linux `/proc`): what a test kills or
//! looks for under an app it started.

/// Every process whose ancestry leads to `root`, parents before children.
pub fn descendants_of(root: u32) -> Vec<u32> {
    let mut parent_of = Vec::new();
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for entry in entries.flatten() {
            let Some(pid) = entry
                .file_name()
                .to_str()
                .and_then(|s| s.parse::<u32>().ok())
            else {
                continue;
            };
            let stat = std::fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
            // "pid (comm) state ppid …": comm may hold spaces and parentheses.
            let ppid = stat
                .rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().nth(1))
                .and_then(|p| p.parse::<u32>().ok());
            if let Some(ppid) = ppid {
                parent_of.push((pid, ppid));
            }
        }
    }
    let mut found = vec![root];
    let mut i = 0;
    while i < found.len() {
        let parent = found[i];
        found.extend(
            parent_of
                .iter()
                .filter(|(_, pp)| *pp == parent)
                .map(|(p, _)| *p),
        );
        i += 1;
    }
    found.remove(0);
    found
}

#[cfg(test)]
mod tests {
    use std::process::Command;
    use std::time::Duration;

    use super::*;
    use crate::wait_until;

    #[test]
    fn descendants_of_a_process_include_its_grandchildren() {
        let mut child = Command::new("sh")
            .args(["-c", "sh -c 'sleep 30; :' & sleep 30; wait"])
            .spawn()
            .expect("sh");
        // sh → (sh → sleep, sleep): three below, one of them a grandchild.
        let found = wait_until("three processes below", Duration::from_secs(10), || {
            let d = descendants_of(child.id());
            (d.len() >= 3).then_some(d)
        });
        for pid in found.iter().rev() {
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
        }
        let _ = child.kill();
        let _ = child.wait();
        assert!(!found.contains(&child.id()));
    }
}
