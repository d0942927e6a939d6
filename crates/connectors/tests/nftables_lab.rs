//! The nftables connector against a real kernel firewall: a namespace with Riposte's table
//! and a peer namespace on a veth wire. Needs root, `ip` and `nft`; says so and skips
//! otherwise.

use std::process::Command;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;

use riposte_connectors::ConnectorError;
use riposte_connectors::nftables::{Layout, Nftables, SetName, SshTarget, Transport};
use riposte_domain::containment::Direction;
use riposte_domain::enrichment::prefixes::Network;

static NEXT: AtomicU8 = AtomicU8::new(1);

/// Two namespaces on one wire: the firewall at .1 and a peer at .2 of a /24 of their own.
struct Lab {
    fw: String,
    peer: String,
    fw_address: String,
    peer_address: String,
}

fn run(args: &[&str]) -> std::process::Output {
    Command::new(args[0]).args(&args[1..]).output().expect("command runs")
}

fn ok(args: &[&str]) {
    let out = run(args);
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

impl Lab {
    fn new() -> Option<Lab> {
        let root = nix::unistd::Uid::effective().is_root();
        let tools = ["ip", "nft"].iter().all(|t| Command::new(t).arg("-V").output().is_ok());
        if !root || !tools {
            eprintln!("SKIPPED: the nftables lab needs root, iproute2 and nftables (root: {root}, tools: {tools})");
            return None;
        }
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let tag = format!("{}-{n}", std::process::id());
        let lab = Lab {
            fw: format!("rp-fw-{tag}"),
            peer: format!("rp-peer-{tag}"),
            fw_address: format!("10.231.{n}.1"),
            peer_address: format!("10.231.{n}.2"),
        };
        let (veth_fw, veth_peer) = (format!("rpf{tag}"), format!("rpp{tag}"));
        ok(&["ip", "netns", "add", &lab.fw]);
        ok(&["ip", "netns", "add", &lab.peer]);
        ok(&["ip", "link", "add", &veth_fw, "type", "veth", "peer", "name", &veth_peer]);
        ok(&["ip", "link", "set", &veth_fw, "netns", &lab.fw]);
        ok(&["ip", "link", "set", &veth_peer, "netns", &lab.peer]);
        for (ns, dev, address) in [(&lab.fw, &veth_fw, &lab.fw_address), (&lab.peer, &veth_peer, &lab.peer_address)] {
            ok(&["ip", "-n", ns, "addr", "add", &format!("{address}/24"), "dev", dev]);
            ok(&["ip", "-n", ns, "link", "set", dev, "up"]);
            ok(&["ip", "-n", ns, "link", "set", "lo", "up"]);
        }
        Some(lab)
    }

    fn firewall(&self) -> Nftables {
        let transport = Transport::Local { netns: Some(self.fw.clone()) }.checked().expect("name");
        Nftables::new(Layout::new("riposte").expect("table"), transport)
    }

    fn peer_network(&self) -> Network {
        Network::parse(&self.peer_address).expect("address")
    }

    /// Opens a TCP connection from the peer to a closed port of the firewall: refused at once
    /// when traffic flows, no answer when the firewall drops it.
    fn peer_reaches_firewall(&self) -> bool {
        let probe = format!("echo > /dev/tcp/{}/9", self.fw_address);
        let out = run(&["ip", "netns", "exec", &self.peer, "timeout", "2", "bash", "-c", &probe]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        match out.status.code() {
            Some(124) => false,
            _ if stderr.contains("refused") => true,
            other => panic!("unexpected probe result {other:?}: {stderr}"),
        }
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        for ns in [&self.fw, &self.peer] {
            let _ = run(&["ip", "netns", "del", ns]);
        }
    }
}

/// SSH to this machine's `port`, with credentials that do not exist (nothing gets that far).
fn ssh_to_local_port(port: u16) -> Transport {
    Transport::Ssh(SshTarget {
        host: "127.0.0.1".into(),
        port,
        user: "riposte".into(),
        identity: "/nonexistent/key".into(),
        known_hosts: "/nonexistent/known_hosts".into(),
        sudo: false,
    })
    .checked()
    .expect("names")
}

fn dropped(drops: &[(String, u64)], set: &str) -> u64 {
    drops.iter().find(|(name, _)| name == set).map_or(0, |(_, n)| *n)
}

#[tokio::test]
async fn a_block_cuts_the_peer_off_and_undo_lets_it_back() {
    let Some(lab) = Lab::new() else { return };
    let fw = lab.firewall();
    let target = lab.peer_network();
    fw.prepare().await.expect("prepare");
    fw.prepare().await.expect("prepare is idempotent");
    assert!(lab.peer_reaches_firewall(), "traffic flows before the block");

    let applied = fw.apply(&target, Direction::Inbound, 300, 42).await.expect("apply");
    assert!(applied.blocks(&target, Direction::Inbound), "{applied:?}");
    let (set, element) = &applied.held[0];
    assert_eq!(*set, SetName { outbound: false, family: 4 });
    assert_eq!(element.comment.as_deref(), Some("riposte action 42"));
    assert!(element.expires_secs.is_some_and(|s| s <= 300 && s > 250), "{element:?}");
    assert!(!applied.blocks(&target, Direction::Both), "inbound only");

    assert!(!lab.peer_reaches_firewall(), "the block drops the peer's packets");
    let drops = fw.drops().await.expect("counters");
    assert!(dropped(&drops, "blocked_in_v4") > 0, "the drop counter rose: {drops:?}");

    let again = fw.apply(&target, Direction::Inbound, 600, 42).await.expect("apply again");
    assert_eq!(again.held.len(), 1, "applying twice leaves one element");
    assert!(again.held[0].1.expires_secs.is_some_and(|s| s > 300), "and renews its time to live");
    fw.prepare().await.expect("prepare again");
    assert!(fw.presence(&target).await.expect("read").blocks(&target, Direction::Inbound), "setup keeps blocks");

    let undone = fw.undo(&target).await.expect("undo");
    assert!(undone.held.is_empty(), "{undone:?}");
    assert!(lab.peer_reaches_firewall(), "traffic flows again after the undo");
    assert!(fw.undo(&target).await.expect("undo again").held.is_empty(), "undo is idempotent");
}

#[tokio::test]
async fn a_block_expires_in_the_kernel_by_itself() {
    let Some(lab) = Lab::new() else { return };
    let fw = lab.firewall();
    let target = lab.peer_network();
    fw.prepare().await.expect("prepare");
    let applied = fw.apply(&target, Direction::Both, 1, 7).await.expect("apply");
    assert!(applied.blocks(&target, Direction::Both), "{applied:?}");
    assert_eq!(applied.held.len(), 2, "both directions");
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert!(fw.presence(&target).await.expect("read").held.is_empty(), "gone without Riposte doing anything");
    assert!(lab.peer_reaches_firewall());
}

#[tokio::test]
async fn a_firewall_without_the_table_or_with_our_rules_removed_is_set_up_by_the_apply() {
    let Some(lab) = Lab::new() else { return };
    let fw = lab.firewall();
    let target = lab.peer_network();
    // Never prepared: the apply creates the table with the block, and it bites.
    let applied = fw.apply(&target, Direction::Inbound, 300, 5).await.expect("apply on a bare firewall");
    assert!(applied.blocks(&target, Direction::Inbound), "{applied:?}");
    assert!(!lab.peer_reaches_firewall(), "the block drops the peer's packets");
    // Someone flushes our input chain: the block is still in its set but drops nothing.
    ok(&["ip", "netns", "exec", &lab.fw, "nft", "flush", "chain", "inet", "riposte", "input"]);
    assert!(lab.peer_reaches_firewall(), "without the rule the set does nothing");
    let again = fw.apply(&target, Direction::Inbound, 300, 5).await.expect("apply again");
    assert!(again.blocks(&target, Direction::Inbound), "{again:?}");
    assert!(!lab.peer_reaches_firewall(), "the apply put the rules back");
}

#[tokio::test]
async fn a_block_inside_a_blocked_range_is_a_conflict_for_a_person() {
    let Some(lab) = Lab::new() else { return };
    let fw = lab.firewall();
    fw.prepare().await.expect("prepare");
    let range = Network::of_host(&lab.fw_address, 24).expect("the lab's /24");
    fw.apply(&range, Direction::Outbound, 300, 1).await.expect("range blocked");
    let err = fw.apply(&lab.peer_network(), Direction::Outbound, 300, 2).await.expect_err("conflict");
    assert!(matches!(err, ConnectorError::Conflict { .. }), "{err}");
    assert!(err.to_string().contains("riposte action 1"), "names the block in the way: {err}");
    assert!(!err.retryable());
}

#[tokio::test]
async fn an_unreachable_firewall_is_worth_retrying() {
    let transport = ssh_to_local_port(1);
    let fw = Nftables::new(Layout::new("riposte").expect("table"), transport);
    let err = fw.prepare().await.expect_err("nothing listens on port 1");
    assert!(matches!(err, ConnectorError::Unreachable { .. }), "{err}");
    assert!(err.retryable());
    assert!(err.to_string().starts_with("nftables on riposte@127.0.0.1:1"), "{err}");
}

#[tokio::test]
async fn a_firewall_that_takes_the_connection_but_never_answers_is_given_up_on_in_time() {
    // A hung sshd (or a tarpit): the TCP connection is accepted and nothing is ever said.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let transport = ssh_to_local_port(port);
    let mut fw = Nftables::new(Layout::new("riposte").expect("table"), transport);
    fw.timeout = Duration::from_secs(2);
    let started = std::time::Instant::now();
    let err = fw.prepare().await.expect_err("no answer");
    assert!(matches!(err, ConnectorError::Unreachable { .. }), "{err}");
    assert!(err.retryable(), "a hung firewall is worth another try later");
    assert!(started.elapsed() < Duration::from_secs(8), "waited {:?}", started.elapsed());
}

#[tokio::test]
async fn a_script_the_kernel_refuses_part_way_changes_nothing() {
    let Some(lab) = Lab::new() else { return };
    let fw = lab.firewall();
    fw.prepare().await.expect("prepare");
    // Someone empties our chains that use a set and re-creates one of our sets without timeouts: the
    // next apply must put the rules back and add a timed element, and the element fails.
    let nft = |args: &[&str]| {
        let mut all = vec!["ip", "netns", "exec", &lab.fw, "nft"];
        all.extend_from_slice(args);
        ok(&all);
    };
    nft(&["flush", "chain", "inet", "riposte", "input"]);
    nft(&["flush", "chain", "inet", "riposte", "forward"]);
    nft(&["delete", "set", "inet", "riposte", "blocked_in_v4"]);
    nft(&["add", "set", "inet", "riposte", "blocked_in_v4", "{ type ipv4_addr; }"]);

    let err = fw.apply(&lab.peer_network(), Direction::Inbound, 300, 7).await.expect_err("refused by the kernel");
    assert!(matches!(err, ConnectorError::Refused { .. }), "{err}");
    assert!(!err.retryable(), "the same script would fail again: a person must look");
    // One transaction: the rules the script also carried were not put back either.
    let listed = run(&["ip", "netns", "exec", &lab.fw, "nft", "list", "chain", "inet", "riposte", "input"]);
    let chain = String::from_utf8_lossy(&listed.stdout);
    assert!(!chain.contains("@blocked_in_v4"), "half a change was made: {chain}");
    assert!(lab.peer_reaches_firewall(), "nothing blocks the peer");
}
