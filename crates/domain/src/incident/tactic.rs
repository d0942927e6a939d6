//! ATT&CK tactics, in kill-chain order, and the tactic of the techniques alerts carry most, so
//! a timeline can be grouped by stage of the attack. A technique that serves several tactics
//! is filed under the one detections usually mean by it.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tactic {
    Reconnaissance,
    ResourceDevelopment,
    InitialAccess,
    Execution,
    Persistence,
    PrivilegeEscalation,
    DefenseEvasion,
    CredentialAccess,
    Discovery,
    LateralMovement,
    Collection,
    CommandAndControl,
    Exfiltration,
    Impact,
}

impl Tactic {
    pub fn label(self) -> &'static str {
        match self {
            Tactic::Reconnaissance => "Reconnaissance",
            Tactic::ResourceDevelopment => "Resource development",
            Tactic::InitialAccess => "Initial access",
            Tactic::Execution => "Execution",
            Tactic::Persistence => "Persistence",
            Tactic::PrivilegeEscalation => "Privilege escalation",
            Tactic::DefenseEvasion => "Defense evasion",
            Tactic::CredentialAccess => "Credential access",
            Tactic::Discovery => "Discovery",
            Tactic::LateralMovement => "Lateral movement",
            Tactic::Collection => "Collection",
            Tactic::CommandAndControl => "Command and control",
            Tactic::Exfiltration => "Exfiltration",
            Tactic::Impact => "Impact",
        }
    }

    /// The ATT&CK id (`TA0006`).
    pub fn id(self) -> &'static str {
        match self {
            Tactic::Reconnaissance => "TA0043",
            Tactic::ResourceDevelopment => "TA0042",
            Tactic::InitialAccess => "TA0001",
            Tactic::Execution => "TA0002",
            Tactic::Persistence => "TA0003",
            Tactic::PrivilegeEscalation => "TA0004",
            Tactic::DefenseEvasion => "TA0005",
            Tactic::CredentialAccess => "TA0006",
            Tactic::Discovery => "TA0007",
            Tactic::LateralMovement => "TA0008",
            Tactic::Collection => "TA0009",
            Tactic::CommandAndControl => "TA0011",
            Tactic::Exfiltration => "TA0010",
            Tactic::Impact => "TA0040",
        }
    }

    /// The tactic of a technique id (`T1110` or a sub-technique `T1110.001`).
    pub fn of_technique(technique: &str) -> Option<Tactic> {
        let base = technique.trim().split('.').next()?.to_ascii_uppercase();
        TECHNIQUES.iter().find(|(id, _)| *id == base).map(|(_, tactic)| *tactic)
    }

    /// The earliest stage among techniques, which is where an alert sits in the story.
    pub fn earliest<'a>(techniques: impl IntoIterator<Item = &'a String>) -> Option<Tactic> {
        techniques.into_iter().filter_map(|t| Tactic::of_technique(t)).min()
    }
}

use Tactic::*;

const TECHNIQUES: &[(&str, Tactic)] = &[
    ("T1595", Reconnaissance),
    ("T1592", Reconnaissance),
    ("T1590", Reconnaissance),
    ("T1589", Reconnaissance),
    ("T1583", ResourceDevelopment),
    ("T1584", ResourceDevelopment),
    ("T1587", ResourceDevelopment),
    ("T1588", ResourceDevelopment),
    ("T1190", InitialAccess),
    ("T1133", InitialAccess),
    ("T1566", InitialAccess),
    ("T1189", InitialAccess),
    ("T1078", InitialAccess),
    ("T1195", InitialAccess),
    ("T1199", InitialAccess),
    ("T1059", Execution),
    ("T1203", Execution),
    ("T1204", Execution),
    ("T1047", Execution),
    ("T1053", Execution),
    ("T1569", Execution),
    ("T1106", Execution),
    ("T1543", Persistence),
    ("T1547", Persistence),
    ("T1136", Persistence),
    ("T1098", Persistence),
    ("T1505", Persistence),
    ("T1546", Persistence),
    ("T1068", PrivilegeEscalation),
    ("T1548", PrivilegeEscalation),
    ("T1134", PrivilegeEscalation),
    ("T1055", PrivilegeEscalation),
    ("T1070", DefenseEvasion),
    ("T1562", DefenseEvasion),
    ("T1027", DefenseEvasion),
    ("T1036", DefenseEvasion),
    ("T1112", DefenseEvasion),
    ("T1218", DefenseEvasion),
    ("T1110", CredentialAccess),
    ("T1003", CredentialAccess),
    ("T1555", CredentialAccess),
    ("T1558", CredentialAccess),
    ("T1557", CredentialAccess),
    ("T1040", CredentialAccess),
    ("T1552", CredentialAccess),
    ("T1046", Discovery),
    ("T1018", Discovery),
    ("T1087", Discovery),
    ("T1082", Discovery),
    ("T1083", Discovery),
    ("T1135", Discovery),
    ("T1016", Discovery),
    ("T1049", Discovery),
    ("T1021", LateralMovement),
    ("T1210", LateralMovement),
    ("T1570", LateralMovement),
    ("T1550", LateralMovement),
    ("T1005", Collection),
    ("T1039", Collection),
    ("T1114", Collection),
    ("T1560", Collection),
    ("T1071", CommandAndControl),
    ("T1105", CommandAndControl),
    ("T1571", CommandAndControl),
    ("T1572", CommandAndControl),
    ("T1573", CommandAndControl),
    ("T1090", CommandAndControl),
    ("T1095", CommandAndControl),
    ("T1219", CommandAndControl),
    ("T1568", CommandAndControl),
    ("T1041", Exfiltration),
    ("T1048", Exfiltration),
    ("T1567", Exfiltration),
    ("T1486", Impact),
    ("T1490", Impact),
    ("T1489", Impact),
    ("T1498", Impact),
    ("T1499", Impact),
    ("T1485", Impact),
    ("T1496", Impact),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn techniques_and_sub_techniques_find_their_tactic() {
        assert_eq!(Tactic::of_technique("T1110"), Some(Tactic::CredentialAccess));
        assert_eq!(Tactic::of_technique("t1110.001"), Some(Tactic::CredentialAccess));
        assert_eq!(Tactic::of_technique("T9999"), None);
        assert_eq!(Tactic::of_technique(""), None);
    }

    #[test]
    fn the_earliest_stage_wins() {
        let techniques = vec!["T1071".to_owned(), "T1046".to_owned(), "T1190".to_owned()];
        assert_eq!(Tactic::earliest(&techniques), Some(Tactic::InitialAccess));
    }
}
