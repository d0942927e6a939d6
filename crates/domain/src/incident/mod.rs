//! Incidents: the record (lifecycle, tier, priority, TLP), the edits made to it, hand-offs
//! between tiers, the narrative written from its evidence, and what the pages show of it.

mod change;
mod handoff;
mod lifecycle;
pub mod markdown;
mod narrative;
pub mod sla;
mod tactic;
mod tier;
mod view;

pub use change::{IncidentEdit, MAX_TAGS, MAX_TITLE, clean_tags};
pub use handoff::{HandoffError, HandoffPacket, MAX_HANDOFF_PART};
pub use lifecycle::{Classification, IncidentStatus, LifecycleError, check_status_change};
pub use narrative::{Evidence, narrate};
pub use tactic::Tactic;
pub use tier::{Priority, Tier, Tlp};
pub use view::{
    AlertHit, CommentHit, CommentView, EntityHit, EntityUsage, EventView, HandoffView, IncidentDetail, IncidentFilter,
    IncidentSort, IncidentSummary, LinkedAlert, Notice, Queue, SearchResults, TaskView, Timeline, TimelineEntry,
    TimelineGroup, TimelineItem,
};
