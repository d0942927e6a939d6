//! One row of the users table with its role, status and password forms.

use leptos::prelude::*;
use riposte_domain::UserSummary;

use crate::api::users_api::{ChangeUserRole, ResetUserPassword, SetUserDisabled};
use crate::pages::admin_page::RoleSelect;

/// The page-level actions the rows submit to (one set, so each outcome shows once).
#[derive(Clone, Copy)]
pub struct UserActions {
    pub change_role: ServerAction<ChangeUserRole>,
    pub set_disabled: ServerAction<SetUserDisabled>,
    pub reset_password: ServerAction<ResetUserPassword>,
}

#[component]
pub fn UserRow(user: UserSummary, actions: UserActions) -> impl IntoView {
    let id = user.id;
    let status = if user.disabled { "Disabled" } else { "Active" };
    let (toggle_value, toggle_label) = if user.disabled { ("false", "Enable") } else { ("true", "Disable") };
    view! {
        <tr data-username=user.username.clone() class:disabled=user.disabled>
            <td class="mono">{user.username.clone()}</td>
            <td>{user.display_name.clone()}</td>
            <td>
                <ActionForm action=actions.change_role attr:class="inline">
                    <input type="hidden" name="user_id" value=id/>
                    <RoleSelect selected=user.role/>
                    <button type="submit">"Change role"</button>
                </ActionForm>
            </td>
            <td>{status}</td>
            <td class="mono">{short_time(user.last_sign_in_at.as_deref())}</td>
            <td class="actions">
                <ActionForm action=actions.set_disabled attr:class="inline">
                    <input type="hidden" name="user_id" value=id/>
                    <input type="hidden" name="disabled" value=toggle_value/>
                    <button type="submit">{toggle_label}</button>
                </ActionForm>
                <ActionForm action=actions.reset_password attr:class="inline">
                    <input type="hidden" name="user_id" value=id/>
                    <input type="password" name="password" placeholder="New password" autocomplete="new-password" required/>
                    <button type="submit">"Reset password"</button>
                </ActionForm>
            </td>
        </tr>
    }
}

/// "2026-11-22T18:03:04.123Z" -> "2026-11-22 18:03 UTC"; computed from the server's text so
/// server and browser render the same thing.
fn short_time(rfc3339: Option<&str>) -> String {
    match rfc3339 {
        Some(t) if t.len() >= 16 => format!("{} UTC", t[..16].replace('T', " ")),
        Some(t) => t.to_owned(),
        None => "never".to_owned(),
    }
}
