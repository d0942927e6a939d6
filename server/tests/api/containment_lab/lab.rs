//! The lab: an attacker and a victim namespace on one wire, a management link from this
//! machine to the victim, and on the victim a web server, an SSH server (the firewall's
//! management plane), Suricata on the wire and nftables; rsyslog on loopback as the SIEM.
//! Everything is torn down on drop.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Lab {
    pub attacker: String,
    pub victim: String,
    pub attacker_ip: String,
    pub victim_ip: String,
    pub management_ip: String,
    pub dir: tempfile::TempDir,
    pub syslog_port: u16,
    children: Vec<Child>,
}

pub fn run(args: &[&str]) -> std::process::Output {
    Command::new(args[0]).args(&args[1..]).output().expect("command runs")
}

fn ok(args: &[&str]) {
    let out = run(args);
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

fn tool(path: &str) -> bool {
    Path::new(path).exists()
}

/// Why the lab cannot run here, if it cannot.
pub fn missing() -> Option<String> {
    if !nix::unistd::Uid::effective().is_root() {
        return Some("it needs root (network namespaces)".into());
    }
    let tools = [
        "/usr/sbin/ip",
        "/usr/sbin/nft",
        "/usr/bin/suricata",
        "/usr/sbin/rsyslogd",
        "/usr/sbin/sshd",
        "/usr/bin/ssh",
        "/usr/bin/ssh-keygen",
        "/usr/bin/curl",
        "/usr/bin/python3",
    ];
    let absent: Vec<&str> = tools.iter().copied().filter(|t| !tool(t)).collect();
    (!absent.is_empty()).then(|| format!("missing {}", absent.join(", ")))
}

const RULES: &str = r#"alert http any any -> $HOME_NET any (msg:"LAB scripted HTTP client"; flow:established,to_server; http.user_agent; content:"curl/"; startswith; classtype:policy-violation; sid:9000001; rev:1;)
alert tcp any any -> $HOME_NET 8080 (msg:"LAB connection attempt to the web port"; flow:to_server; flags:S; threshold:type limit, track by_src, count 1, seconds 3600; classtype:misc-activity; sid:9000002; rev:1;)
alert http any any -> $HOME_NET any (msg:"LAB /etc/passwd traversal"; flow:established,to_server; http.uri; content:"/etc/passwd"; classtype:web-application-attack; sid:9000003; rev:1;)
"#;

impl Lab {
    pub fn start() -> Lab {
        let pid = std::process::id();
        let n = pid % 200 + 20;
        let tag = format!("{pid}");
        let lab = |name: &str| format!("rp-{name}-{tag}");
        let dir = tempfile::tempdir().expect("temp dir");
        let mut lab = Lab {
            attacker: lab("att"),
            victim: lab("vic"),
            attacker_ip: format!("198.18.{n}.1"),
            victim_ip: format!("198.18.{n}.2"),
            management_ip: format!("172.30.{n}.2"),
            syslog_port: free_port(),
            dir,
            children: Vec::new(),
        };
        let (wire_a, wire_v, mgmt_h, mgmt_v) =
            (format!("rpa{tag}"), format!("rpv{tag}"), format!("rpmh{tag}"), format!("rpmv{tag}"));
        ok(&["ip", "netns", "add", &lab.attacker]);
        ok(&["ip", "netns", "add", &lab.victim]);
        ok(&["ip", "link", "add", &wire_a, "type", "veth", "peer", "name", &wire_v]);
        ok(&["ip", "link", "set", &wire_a, "netns", &lab.attacker]);
        ok(&["ip", "link", "set", &wire_v, "netns", &lab.victim]);
        for (ns, dev, address) in [(&lab.attacker, &wire_a, &lab.attacker_ip), (&lab.victim, &wire_v, &lab.victim_ip)] {
            ok(&["ip", "-n", ns, "addr", "add", &format!("{address}/24"), "dev", dev]);
            ok(&["ip", "-n", ns, "link", "set", dev, "up"]);
            ok(&["ip", "-n", ns, "link", "set", "lo", "up"]);
        }
        // The management link: this machine (Riposte) to the victim's SSH server.
        ok(&["ip", "link", "add", &mgmt_h, "type", "veth", "peer", "name", &mgmt_v]);
        ok(&["ip", "link", "set", &mgmt_v, "netns", &lab.victim]);
        ok(&["ip", "addr", "add", &format!("172.30.{n}.1/30"), "dev", &mgmt_h]);
        ok(&["ip", "link", "set", &mgmt_h, "up"]);
        ok(&["ip", "-n", &lab.victim, "addr", "add", &format!("{}/30", lab.management_ip), "dev", &mgmt_v]);
        ok(&["ip", "-n", &lab.victim, "link", "set", &mgmt_v, "up"]);

        let web = lab.in_victim(&["python3", "-m", "http.server", "8080", "--bind", &lab.victim_ip]);
        lab.children.push(web);
        lab.start_sshd();
        lab.start_suricata(&wire_v);
        lab.start_rsyslog();
        lab
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn in_victim(&self, args: &[&str]) -> Child {
        Command::new("ip")
            .args(["netns", "exec", &self.victim])
            .args(args)
            .current_dir(self.dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn in the victim namespace")
    }

    fn start_sshd(&mut self) {
        std::fs::create_dir_all("/run/sshd").expect("privilege separation directory");
        for key in ["hostkey", "client"] {
            ok(&["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", &self.path(key).to_string_lossy()]);
        }
        std::fs::copy(self.path("client.pub"), self.path("authorized_keys")).expect("authorized keys");
        let host_key = std::fs::read_to_string(self.path("hostkey.pub")).expect("host key");
        std::fs::write(self.path("known_hosts"), format!("[{}]:2222 {host_key}", self.management_ip))
            .expect("known hosts");
        let config = format!(
            "Port 2222\nListenAddress {}\nHostKey {}\nAuthorizedKeysFile {}\nPermitRootLogin prohibit-password\n\
             StrictModes no\nUsePAM no\nPasswordAuthentication no\nKbdInteractiveAuthentication no\nPidFile {}\n",
            self.management_ip,
            self.path("hostkey").display(),
            self.path("authorized_keys").display(),
            self.path("sshd.pid").display()
        );
        std::fs::write(self.path("sshd_config"), config).expect("sshd config");
        let sshd = self.in_victim(&["/usr/sbin/sshd", "-D", "-e", "-f", &self.path("sshd_config").to_string_lossy()]);
        self.children.push(sshd);
        let (identity, known) = (self.path("client"), self.path("known_hosts"));
        wait_for("sshd", Duration::from_secs(10), || {
            Command::new("ssh")
                .args(["-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes", "-o", "ConnectTimeout=2"])
                .arg("-o")
                .arg(format!("UserKnownHostsFile={}", known.display()))
                .arg("-i")
                .arg(&identity)
                .args(["-p", "2222", "-l", "root", &self.management_ip, "true"])
                .output()
                .is_ok_and(|o| o.status.success())
        });
    }

    fn start_suricata(&mut self, interface: &str) {
        std::fs::write(self.path("lab.rules"), RULES).expect("rules");
        std::fs::create_dir_all(self.path("suricata")).expect("log dir");
        let home = format!("vars.address-groups.HOME_NET=[{}/24]", self.victim_ip);
        let suricata = self.in_victim(&[
            "suricata",
            &format!("--af-packet={interface}"),
            "-S",
            &self.path("lab.rules").to_string_lossy(),
            "-l",
            &self.path("suricata").to_string_lossy(),
            "-k",
            "none",
            "--runmode",
            "single",
            "--set",
            &home,
        ]);
        self.children.push(suricata);
        let log = self.path("suricata/suricata.log");
        wait_for("suricata", Duration::from_secs(60), || {
            std::fs::read_to_string(&log).is_ok_and(|l| l.contains("Engine started") || l.contains("engine started"))
        });
    }

    fn start_rsyslog(&mut self) {
        let config = format!(
            "global(workDirectory=\"{dir}\")\nmodule(load=\"imtcp\")\n\
             input(type=\"imtcp\" address=\"127.0.0.1\" port=\"{port}\")\n\
             template(name=\"raw\" type=\"string\" string=\"%rawmsg%\\n\")\n\
             *.* action(type=\"omfile\" file=\"{dir}/siem.log\" template=\"raw\")\n",
            dir = self.dir.path().display(),
            port = self.syslog_port
        );
        std::fs::write(self.path("rsyslog.conf"), config).expect("rsyslog config");
        let rsyslog = Command::new("/usr/sbin/rsyslogd")
            .args([
                "-n",
                "-f",
                &self.path("rsyslog.conf").to_string_lossy(),
                "-i",
                &self.path("rsyslog.pid").to_string_lossy(),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("rsyslogd");
        self.children.push(rsyslog);
        let port = self.syslog_port;
        wait_for("rsyslog", Duration::from_secs(10), || std::net::TcpStream::connect(("127.0.0.1", port)).is_ok());
    }

    /// The attack: a path traversal against the victim's web server. Returns the HTTP status
    /// ("000" when the attacker is cut off).
    pub fn attack(&self) -> String {
        let url = format!("http://{}:8080/../../etc/passwd", self.victim_ip);
        let out = run(&[
            "ip",
            "netns",
            "exec",
            &self.attacker,
            "curl",
            "-s",
            "-m",
            "2",
            "--path-as-is",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            &url,
        ]);
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    /// Suricata's EVE lines written since `offset` bytes; returns them and the new offset.
    pub fn eve_since(&self, offset: usize) -> (String, usize) {
        let text = std::fs::read_to_string(self.path("suricata/eve.json")).unwrap_or_default();
        let end = text.rfind('\n').map_or(0, |i| i + 1).max(offset);
        (text[offset.min(end)..end].to_owned(), end)
    }

    pub fn siem_log(&self) -> String {
        std::fs::read_to_string(self.path("siem.log")).unwrap_or_default()
    }

    /// Packets the victim's firewall dropped so far.
    pub fn dropped(&self) -> u64 {
        let out = run(&["ip", "netns", "exec", &self.victim, "nft", "list", "table", "inet", "riposte_lab"]);
        let text = String::from_utf8_lossy(&out.stdout);
        text.split("packets ").skip(1).filter_map(|rest| rest.split(' ').next()?.parse::<u64>().ok()).sum()
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        for child in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
        }
        // Deleting the namespaces deletes their interfaces and the veth peers with them.
        let _ = run(&["ip", "netns", "del", &self.attacker]);
        let _ = run(&["ip", "netns", "del", &self.victim]);
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port()
}

pub fn wait_for(what: &str, limit: Duration, mut ready: impl FnMut() -> bool) {
    let started = Instant::now();
    while !ready() {
        assert!(started.elapsed() < limit, "{what} not ready within {limit:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}
