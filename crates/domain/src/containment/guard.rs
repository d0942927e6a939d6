//! Guard rails and approval: what may be blocked, by whom, and when a second person must
//! agree. Pure rules over the target, the protected list and the inventory, so the page that
//! proposes an action and the use-case that records it decide alike.

use serde::{Deserialize, Serialize};

use crate::Role;
use crate::enrichment::asset::Asset;
use crate::enrichment::prefixes::Network;

/// Something that must not lose connectivity by accident: an allowlisted range or critical
/// infrastructure (DNS, gateways, domain controllers, a connector's own management address).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Protected {
    pub network: Network,
    /// Why, as shown to the person asked to override ("DNS resolver", "FortiGate management").
    pub why: String,
}

/// The guard rails an administrator sets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuardPolicy {
    pub protected: Vec<Protected>,
    /// Our own address space: blocking inside it needs Tier 2 or above, never a policy alone.
    pub internal: Vec<Network>,
    /// Broadest range one action may block without an override (IPv4, IPv6 prefix lengths).
    pub broadest_v4: u8,
    pub broadest_v6: u8,
    /// Assets of this criticality or above need a second person's approval.
    pub critical_from: u8,
    /// Roles whose approval counts.
    pub approver_roles: Vec<Role>,
    /// Inventory tags that make an asset critical infrastructure (`dns`, `gateway`,
    /// `domain-controller`): protected like a listed entry, without anyone listing it.
    pub protected_tags: Vec<String>,
}

/// Inventory tags that mark critical infrastructure unless an administrator says otherwise.
pub const INFRASTRUCTURE_TAGS: [&str; 3] = ["dns", "gateway", "domain-controller"];

impl Default for GuardPolicy {
    fn default() -> Self {
        let net = |text| Network::parse(text).expect("a valid built-in range");
        GuardPolicy {
            protected: Vec::new(),
            internal: ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7", "fe80::/10"]
                .into_iter()
                .map(net)
                .collect(),
            broadest_v4: 24,
            broadest_v6: 48,
            critical_from: 4,
            approver_roles: vec![Role::Ir, Role::Admin],
            protected_tags: INFRASTRUCTURE_TAGS.map(str::to_owned).to_vec(),
        }
    }
}

/// Who asks: a person with a role, or an administrator's pre-authorised policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requester {
    Person(Role),
    Policy,
}

/// One reason a target cannot simply be blocked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "rule")]
pub enum Concern {
    /// It holds or lies in a protected entry.
    Protected { entry: Network, why: String },
    /// Broader than one action may cover.
    TooBroad { broadest: u8 },
    /// Inside our own address space.
    Internal { range: Network },
    /// A critical asset (criticality at or above the policy's mark) would be cut off.
    CriticalAsset { name: String, criticality: u8 },
    /// An asset the inventory tags as infrastructure (a resolver, a gateway, a domain
    /// controller) would be cut off.
    Infrastructure { name: String, tag: String },
}

impl Concern {
    /// What the person sees before the click.
    pub fn describe(&self) -> String {
        match self {
            Concern::Protected { entry, why } => format!("{entry} is protected: {why}"),
            Concern::TooBroad { broadest } => format!("broader than a /{broadest}"),
            Concern::Internal { range } => format!("inside our own range {range}"),
            Concern::CriticalAsset { name, criticality } => format!("cuts off {name} (criticality {criticality})"),
            Concern::Infrastructure { name, tag } => format!("{name} is critical infrastructure ({tag})"),
        }
    }
}

/// The verdict on a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdict {
    /// Why it may not go ahead as asked; empty when it may.
    pub refusals: Vec<Concern>,
    /// Why a second person must approve it first.
    pub needs_approval: Vec<Concern>,
}

impl Verdict {
    pub fn allowed(&self) -> bool {
        self.refusals.is_empty()
    }
}

/// Judges a network target. `override_reason` is a person's explicit, written override of
/// protected entries and the breadth limit; it is never enough for a policy, and an
/// overridden action always needs a second person.
pub fn judge(
    policy: &GuardPolicy,
    target: &Network,
    requester: Requester,
    override_reason: Option<&str>,
    radius: &BlastRadius,
) -> Verdict {
    let mut overridable = Vec::new();
    for entry in policy.protected.iter().filter(|p| p.network.overlaps(target)) {
        overridable.push(Concern::Protected { entry: entry.network, why: entry.why.clone() });
    }
    overridable.extend(infrastructure_concerns(policy, radius));
    let broadest = if target.family == 4 { policy.broadest_v4 } else { policy.broadest_v6 };
    if target.len < broadest {
        overridable.push(Concern::TooBroad { broadest });
    }
    let internal: Vec<Concern> = policy
        .internal
        .iter()
        .filter(|range| range.overlaps(target))
        .map(|range| Concern::Internal { range: *range })
        .collect();
    verdict(requester, override_reason, overridable, internal, critical_concerns(policy, radius))
}

/// The one rule both judgements follow. `overridable` concerns refuse unless a person of Tier
/// 2 or above writes an override (then a second person approves); `internal` ones refuse
/// Tier 1; `critical` ones ask for a second person. A policy acts alone only where no rule
/// asks for a person.
fn verdict(
    requester: Requester,
    override_reason: Option<&str>,
    overridable: Vec<Concern>,
    internal: Vec<Concern>,
    critical: Vec<Concern>,
) -> Verdict {
    let overridden = override_reason.is_some_and(|r| !r.trim().is_empty());
    let mut refusals = Vec::new();
    let mut needs_approval = critical.clone();
    match requester {
        Requester::Policy => {
            refusals.extend(overridable);
            refusals.extend(internal);
            refusals.extend(critical);
            needs_approval.clear();
        }
        Requester::Person(role) => {
            if overridden && role_at_least_tier2(role) {
                needs_approval.extend(overridable);
            } else {
                refusals.extend(overridable);
            }
            if !role_at_least_tier2(role) {
                refusals.extend(internal);
            }
        }
    }
    Verdict { refusals, needs_approval }
}

/// Judges isolating a host through its EDR: no address rules apply, but cutting off a
/// critical asset needs a second person (and is never done by a policy alone), and isolating
/// infrastructure needs a written override as well.
pub fn judge_host(
    policy: &GuardPolicy,
    requester: Requester,
    override_reason: Option<&str>,
    radius: &BlastRadius,
) -> Verdict {
    let infrastructure = infrastructure_concerns(policy, radius);
    verdict(requester, override_reason, infrastructure, Vec::new(), critical_concerns(policy, radius))
}

fn infrastructure_concerns(policy: &GuardPolicy, radius: &BlastRadius) -> Vec<Concern> {
    radius
        .assets
        .iter()
        .filter_map(|a| {
            let tag = a.tags.iter().find(|t| policy.protected_tags.iter().any(|p| p.eq_ignore_ascii_case(t)))?;
            Some(Concern::Infrastructure { name: a.name.clone(), tag: tag.clone() })
        })
        .collect()
}

fn critical_concerns(policy: &GuardPolicy, radius: &BlastRadius) -> Vec<Concern> {
    radius
        .assets
        .iter()
        .filter(|a| a.criticality >= policy.critical_from)
        .map(|a| Concern::CriticalAsset { name: a.name.clone(), criticality: a.criticality })
        .collect()
}

fn role_at_least_tier2(role: Role) -> bool {
    matches!(role, Role::Tier2 | Role::Ir | Role::Admin)
}

/// Why someone may not approve an action.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApprovalError {
    #[error("the person who asked for an action cannot approve it; a second person must")]
    SamePerson,
    #[error("approving containment needs one of these roles: {0}")]
    Role(String),
}

/// Whether `approver` (with `role`) may approve what `requester` asked for.
pub fn may_approve(policy: &GuardPolicy, requester: i64, approver: i64, role: Role) -> Result<(), ApprovalError> {
    if requester == approver {
        return Err(ApprovalError::SamePerson);
    }
    if !policy.approver_roles.contains(&role) {
        let names: Vec<&str> = policy.approver_roles.iter().map(|r| r.as_str()).collect();
        return Err(ApprovalError::Role(names.join(", ")));
    }
    Ok(())
}

/// What a block would cut off, shown before the click.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct BlastRadius {
    /// How many addresses the target spans.
    pub addresses: u128,
    /// Inventoried assets with an address or range inside the target, most critical first.
    pub assets: Vec<AffectedAsset>,
    /// Business services those assets carry.
    pub services: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AffectedAsset {
    pub name: String,
    pub criticality: u8,
    pub service: String,
    pub internet_facing: bool,
    /// Its inventory tags (radii recorded before tags were kept have none).
    #[serde(default)]
    pub tags: Vec<String>,
}

/// The blast radius of `target` over `assets` (those an inventory query found near it; any
/// whose addresses fall outside are ignored).
pub fn blast_radius(target: &Network, assets: &[Asset]) -> BlastRadius {
    let near: Vec<&Asset> = assets
        .iter()
        .filter(|asset| asset.addresses.iter().filter_map(|a| Network::parse(a).ok()).any(|n| n.overlaps(target)))
        .collect();
    radius_of(target.size(), &near)
}

/// The blast radius of isolating a host: its own inventory entries (by name).
pub fn host_radius(assets: &[Asset]) -> BlastRadius {
    radius_of(0, &assets.iter().collect::<Vec<_>>())
}

fn radius_of(addresses: u128, assets: &[&Asset]) -> BlastRadius {
    let mut affected: Vec<AffectedAsset> = assets
        .iter()
        .map(|asset| AffectedAsset {
            name: asset.name.clone(),
            criticality: asset.criticality,
            service: asset.service.clone(),
            internet_facing: asset.internet_facing,
            tags: asset.tags.clone(),
        })
        .collect();
    affected.sort_by(|a, b| b.criticality.cmp(&a.criticality).then_with(|| a.name.cmp(&b.name)));
    let mut services: Vec<String> = affected.iter().map(|a| a.service.clone()).filter(|s| !s.is_empty()).collect();
    services.sort();
    services.dedup();
    BlastRadius { addresses, assets: affected, services }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(text: &str) -> Network {
        Network::parse(text).expect(text)
    }

    fn policy() -> GuardPolicy {
        GuardPolicy {
            protected: vec![
                Protected { network: net("10.0.0.53"), why: "DNS resolver".into() },
                Protected { network: net("198.51.100.1"), why: "FortiGate management".into() },
            ],
            ..GuardPolicy::default()
        }
    }

    fn asset(name: &str, address: &str, criticality: u8, service: &str) -> Asset {
        Asset {
            name: name.into(),
            addresses: vec![address.into()],
            criticality,
            service: service.into(),
            ..Asset::default()
        }
    }

    const T2: Requester = Requester::Person(Role::Tier2);

    #[test]
    fn an_outside_attacker_is_blocked_without_ceremony() {
        let verdict = judge(&policy(), &net("203.0.113.7"), T2, None, &BlastRadius::default());
        assert!(verdict.allowed() && verdict.needs_approval.is_empty(), "{verdict:?}");
        let by_policy = judge(&policy(), &net("203.0.113.7"), Requester::Policy, None, &BlastRadius::default());
        assert!(by_policy.allowed() && by_policy.needs_approval.is_empty());
    }

    #[test]
    fn protected_infrastructure_needs_an_explicit_override_and_then_a_second_person() {
        let target = net("10.0.0.53");
        let refused = judge(&policy(), &target, T2, None, &BlastRadius::default());
        assert!(!refused.allowed());
        assert_eq!(refused.refusals[0].describe(), "10.0.0.53/32 is protected: DNS resolver");
        assert!(
            !judge(&policy(), &target, T2, Some("  "), &BlastRadius::default()).allowed(),
            "a blank reason is no override"
        );

        let overridden = judge(&policy(), &target, T2, Some("resolver is compromised"), &BlastRadius::default());
        assert!(overridden.allowed());
        assert!(matches!(overridden.needs_approval[..], [Concern::Protected { .. }]));
        // A range holding a protected address is caught too.
        let wide = judge(&policy(), &net("198.51.100.0/24"), T2, None, &BlastRadius::default());
        assert!(wide.refusals.iter().any(|c| c.describe().contains("FortiGate management")));
        // A policy never overrides.
        assert!(!judge(&policy(), &target, Requester::Policy, Some("auto"), &BlastRadius::default()).allowed());
    }

    #[test]
    fn ranges_broader_than_the_limit_are_refused_unless_overridden() {
        let refused = judge(&policy(), &net("203.0.0.0/16"), T2, None, &BlastRadius::default());
        assert_eq!(refused.refusals, [Concern::TooBroad { broadest: 24 }]);
        assert!(judge(&policy(), &net("203.0.113.0/24"), T2, None, &BlastRadius::default()).allowed());
        assert!(!judge(&policy(), &net("2001:db8::/32"), T2, None, &BlastRadius::default()).allowed());
        let overridden = judge(
            &policy(),
            &net("203.0.0.0/16"),
            Requester::Person(Role::Ir),
            Some("botnet /16"),
            &BlastRadius::default(),
        );
        assert!(overridden.allowed() && !overridden.needs_approval.is_empty());
    }

    #[test]
    fn internal_ranges_need_tier_2_and_never_go_by_policy_alone() {
        let target = net("10.20.30.40");
        assert!(judge(&policy(), &target, T2, None, &BlastRadius::default()).allowed());
        assert!(judge(&policy(), &target, Requester::Person(Role::Ir), None, &BlastRadius::default()).allowed());
        let tier1 = judge(&policy(), &target, Requester::Person(Role::Tier1), None, &BlastRadius::default());
        assert!(matches!(tier1.refusals[..], [Concern::Internal { .. }]));
        assert!(!judge(&policy(), &target, Requester::Policy, None, &BlastRadius::default()).allowed());
        assert!(!judge(&policy(), &net("fd00::1"), Requester::Policy, None, &BlastRadius::default()).allowed());
    }

    #[test]
    fn critical_assets_in_the_blast_radius_need_a_second_person() {
        let assets = [
            asset("dc01", "10.1.0.10", 5, "Active Directory"),
            asset("printer", "10.1.0.20", 1, "Printing"),
            asset("far-away", "10.9.0.1", 5, "Payroll"),
            asset("subnet-owner", "10.1.0.0/28", 3, "Lab"),
        ];
        let target = net("10.1.0.0/27");
        let radius = blast_radius(&target, &assets);
        assert_eq!(radius.addresses, 32);
        let names: Vec<&str> = radius.assets.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["dc01", "subnet-owner", "printer"], "most critical first; others left out");
        assert_eq!(radius.services, ["Active Directory", "Lab", "Printing"]);

        let verdict = judge(&policy(), &target, T2, None, &radius);
        assert!(verdict.allowed());
        assert_eq!(verdict.needs_approval, [Concern::CriticalAsset { name: "dc01".into(), criticality: 5 }]);
        assert!(
            !judge(&policy(), &target, Requester::Policy, None, &radius).allowed(),
            "no automatic cut of a critical asset"
        );
    }

    #[test]
    fn isolating_a_critical_host_needs_a_second_person_and_never_runs_by_policy() {
        let radius = host_radius(&[asset("dc01.corp", "10.1.0.10", 5, "Active Directory")]);
        assert_eq!(radius.addresses, 0);
        let verdict = judge_host(&policy(), T2, None, &radius);
        assert!(verdict.allowed());
        assert_eq!(verdict.needs_approval.len(), 1);
        assert!(!judge_host(&policy(), Requester::Policy, None, &radius).allowed());
        let laptop = host_radius(&[asset("wks-042", "10.2.0.42", 2, "")]);
        assert_eq!(
            judge_host(&policy(), Requester::Policy, None, &laptop),
            Verdict { refusals: vec![], needs_approval: vec![] }
        );
        assert!(laptop.services.is_empty());
    }

    #[test]
    fn infrastructure_tagged_in_the_inventory_is_protected_without_being_listed() {
        let resolver = Asset { tags: vec!["DNS".into()], ..asset("ns1", "192.0.2.53", 2, "Name service") };
        let radius = blast_radius(&net("192.0.2.0/24"), std::slice::from_ref(&resolver));
        let refused = judge(&policy(), &net("192.0.2.0/24"), T2, None, &radius);
        assert_eq!(refused.refusals, [Concern::Infrastructure { name: "ns1".into(), tag: "DNS".into() }]);
        assert_eq!(refused.refusals[0].describe(), "ns1 is critical infrastructure (DNS)");
        let overridden = judge(&policy(), &net("192.0.2.0/24"), T2, Some("the resolver is the C2 relay"), &radius);
        assert!(overridden.allowed() && overridden.needs_approval.len() == 1, "{overridden:?}");
        assert!(!judge(&policy(), &net("192.0.2.0/24"), Requester::Policy, Some("auto"), &radius).allowed());
        // Isolating it through its EDR asks the same.
        let host = host_radius(&[resolver]);
        assert!(!judge_host(&policy(), T2, None, &host).allowed());
        assert!(judge_host(&policy(), T2, Some("compromised"), &host).allowed());
        assert!(!judge_host(&policy(), Requester::Person(Role::Tier1), Some("compromised"), &host).allowed());
        assert!(!judge_host(&policy(), Requester::Policy, Some("auto"), &host).allowed());
        // An administrator decides which tags count.
        let untagged = GuardPolicy { protected_tags: vec!["gateway".into()], ..policy() };
        assert!(judge(&untagged, &net("192.0.2.0/24"), T2, None, &radius).allowed());
    }

    #[test]
    fn an_approver_is_a_second_person_with_an_approving_role() {
        let policy = policy();
        assert_eq!(may_approve(&policy, 7, 7, Role::Ir), Err(ApprovalError::SamePerson));
        let err = may_approve(&policy, 7, 8, Role::Tier2).expect_err("role");
        assert_eq!(err.to_string(), "approving containment needs one of these roles: ir, admin");
        assert_eq!(may_approve(&policy, 7, 8, Role::Ir), Ok(()));
        let noc_approves = GuardPolicy { approver_roles: vec![Role::Noc], ..policy };
        assert_eq!(may_approve(&noc_approves, 7, 8, Role::Noc), Ok(()), "the roles are configurable");
    }
}
