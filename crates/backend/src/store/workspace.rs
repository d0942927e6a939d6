//! Comments, tasks, hand-offs and in-app notices around an incident.

use riposte_domain::incident::HandoffPacket;
use sqlx::types::Json;
use sqlx::{FromRow, PgConnection, PgExecutor};
use time::OffsetDateTime;

use super::incidents::Actor;
use crate::BackendError;

#[derive(Debug, FromRow)]
pub struct CommentRow {
    pub comment_id: i64,
    pub author: String,
    pub body: String,
    pub created_at: OffsetDateTime,
}

/// Comments on an incident and on every incident merged into it, oldest first.
pub async fn comments(db: impl PgExecutor<'_>, incident_id: i64) -> Result<Vec<CommentRow>, BackendError> {
    Ok(sqlx::query_as(
        "select comment_id, author, body, created_at from incident_comment \
         where incident_id = $1 or incident_id in (select incident_id from incident where merged_into = $1) \
         order by comment_id limit 500",
    )
    .bind(incident_id)
    .fetch_all(db)
    .await?)
}

pub async fn add_comment(
    conn: &mut PgConnection,
    incident_id: i64,
    actor: &Actor,
    body: &str,
) -> Result<i64, BackendError> {
    Ok(sqlx::query_scalar(
        "insert into incident_comment (incident_id, author_user_id, author, body) values ($1, $2, $3, $4) returning comment_id",
    )
    .bind(incident_id)
    .bind(actor.user_id)
    .bind(&actor.name)
    .bind(body)
    .fetch_one(conn)
    .await?)
}

#[derive(Debug, FromRow)]
pub struct TaskRow {
    pub task_id: i64,
    pub incident_id: i64,
    pub title: String,
    pub owner: Option<String>,
    pub owner_user_id: Option<i64>,
    pub done: bool,
    pub created_by: String,
}

const TASK_COLUMNS: &str =
    "t.task_id, t.incident_id, t.title, u.username as owner, t.owner_user_id, t.done, t.created_by";

pub async fn tasks(db: impl PgExecutor<'_>, incident_id: i64) -> Result<Vec<TaskRow>, BackendError> {
    Ok(sqlx::query_as(&format!(
        "select {TASK_COLUMNS} from incident_task t left join app_user u on u.user_id = t.owner_user_id \
         where t.incident_id = $1 order by t.task_id"
    ))
    .bind(incident_id)
    .fetch_all(db)
    .await?)
}

pub async fn find_task(db: impl PgExecutor<'_>, task_id: i64) -> Result<Option<TaskRow>, BackendError> {
    Ok(sqlx::query_as(&format!(
        "select {TASK_COLUMNS} from incident_task t left join app_user u on u.user_id = t.owner_user_id where t.task_id = $1"
    ))
    .bind(task_id)
    .fetch_optional(db)
    .await?)
}

pub async fn add_task(
    conn: &mut PgConnection,
    incident_id: i64,
    title: &str,
    owner_user_id: Option<i64>,
    actor: &Actor,
) -> Result<i64, BackendError> {
    Ok(sqlx::query_scalar(
        "insert into incident_task (incident_id, title, owner_user_id, created_by) values ($1, $2, $3, $4) returning task_id",
    )
    .bind(incident_id)
    .bind(title)
    .bind(owner_user_id)
    .bind(&actor.name)
    .fetch_one(conn)
    .await?)
}

/// Sets a task's state; false when it already had it (nothing changed).
pub async fn set_task_done(conn: &mut PgConnection, task_id: i64, done: bool) -> Result<bool, BackendError> {
    Ok(sqlx::query("update incident_task set done = $2, updated_at = now() where task_id = $1 and done <> $2")
        .bind(task_id)
        .bind(done)
        .execute(conn)
        .await?
        .rows_affected()
        == 1)
}

#[derive(Debug, FromRow)]
pub struct HandoffRow {
    pub handoff_id: i64,
    pub incident_id: i64,
    pub from_tier: String,
    pub to_tier: String,
    pub packet: Json<HandoffPacket>,
    pub sent_by_user_id: Option<i64>,
    pub sent_by: String,
    pub sent_at: OffsetDateTime,
    pub acknowledged_by: Option<String>,
    pub acknowledged_at: Option<OffsetDateTime>,
}

const HANDOFF_COLUMNS: &str = "handoff_id, incident_id, from_tier, to_tier, packet, sent_by_user_id, sent_by, sent_at, \
    acknowledged_by, acknowledged_at";

pub async fn handoffs(db: impl PgExecutor<'_>, incident_id: i64) -> Result<Vec<HandoffRow>, BackendError> {
    Ok(sqlx::query_as(&format!(
        "select {HANDOFF_COLUMNS} from incident_handoff where incident_id = $1 order by handoff_id"
    ))
    .bind(incident_id)
    .fetch_all(db)
    .await?)
}

pub async fn find_handoff(db: impl PgExecutor<'_>, handoff_id: i64) -> Result<Option<HandoffRow>, BackendError> {
    Ok(sqlx::query_as(&format!("select {HANDOFF_COLUMNS} from incident_handoff where handoff_id = $1"))
        .bind(handoff_id)
        .fetch_optional(db)
        .await?)
}

pub async fn add_handoff(
    conn: &mut PgConnection,
    incident_id: i64,
    from: &str,
    to: &str,
    packet: &HandoffPacket,
    actor: &Actor,
) -> Result<i64, BackendError> {
    Ok(sqlx::query_scalar(
        "insert into incident_handoff (incident_id, from_tier, to_tier, packet, sent_by_user_id, sent_by) \
         values ($1, $2, $3, $4, $5, $6) returning handoff_id",
    )
    .bind(incident_id)
    .bind(from)
    .bind(to)
    .bind(Json(packet))
    .bind(actor.user_id)
    .bind(&actor.name)
    .fetch_one(conn)
    .await?)
}

/// Records the acknowledgement once; returns the seconds it took, or `None` when it was
/// already acknowledged.
pub async fn acknowledge_handoff(
    conn: &mut PgConnection,
    handoff_id: i64,
    actor: &Actor,
) -> Result<Option<f64>, BackendError> {
    Ok(sqlx::query_scalar(
        "update incident_handoff set acknowledged_by = $2, acknowledged_at = now() \
         where handoff_id = $1 and acknowledged_at is null \
         returning extract(epoch from acknowledged_at - sent_at)::float8",
    )
    .bind(handoff_id)
    .bind(&actor.name)
    .fetch_optional(conn)
    .await?)
}

/// Gives every active user of `role` a notice; returns who got one.
pub async fn notify_role(
    conn: &mut PgConnection,
    role: &str,
    incident_id: i64,
    text: &str,
) -> Result<Vec<i64>, BackendError> {
    Ok(sqlx::query_scalar(
        "insert into user_notice (user_id, incident_id, text) \
         select user_id, $2, $3 from app_user where role = $1 and not disabled returning user_id",
    )
    .bind(role)
    .bind(incident_id)
    .bind(text)
    .fetch_all(conn)
    .await?)
}

pub async fn notify_user(
    conn: &mut PgConnection,
    user_id: i64,
    incident_id: Option<i64>,
    text: &str,
) -> Result<(), BackendError> {
    sqlx::query("insert into user_notice (user_id, incident_id, text) values ($1, $2, $3)")
        .bind(user_id)
        .bind(incident_id)
        .bind(text)
        .execute(conn)
        .await?;
    Ok(())
}

#[derive(Debug, FromRow)]
pub struct NoticeRow {
    pub notice_id: i64,
    pub incident_id: Option<i64>,
    pub text: String,
    pub created_at: OffsetDateTime,
}

pub async fn unread_notices(db: impl PgExecutor<'_>, user_id: i64) -> Result<Vec<NoticeRow>, BackendError> {
    Ok(sqlx::query_as(
        "select notice_id, incident_id, text, created_at from user_notice \
         where user_id = $1 and read_at is null order by notice_id desc limit 50",
    )
    .bind(user_id)
    .fetch_all(db)
    .await?)
}

pub async fn mark_read(db: impl PgExecutor<'_>, user_id: i64, notice_id: i64) -> Result<(), BackendError> {
    sqlx::query("update user_notice set read_at = now() where user_id = $1 and notice_id = $2 and read_at is null")
        .bind(user_id)
        .bind(notice_id)
        .execute(db)
        .await?;
    Ok(())
}

/// The user id of an active user by name.
pub async fn active_user_id(db: impl PgExecutor<'_>, username: &str) -> Result<Option<i64>, BackendError> {
    Ok(sqlx::query_scalar("select user_id from app_user where username = $1 and not disabled")
        .bind(username.trim().to_lowercase())
        .fetch_optional(db)
        .await?)
}
