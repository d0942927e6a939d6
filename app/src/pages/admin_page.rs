//! User administration: create users, change roles, disable or enable, reset passwords.
//! Every form is a plain form post, so the page works with JavaScript disabled too.

use leptos::prelude::*;
use leptos_meta::Title;
use riposte_domain::{Permission, Role, UserSummary};

use crate::api::users_api::{ChangeUserRole, CreateUser, ResetUserPassword, SetUserDisabled, list_users};
use crate::components::admin_tabs::AdminTabs;
use crate::components::error_notice::ActionOutcome;
use crate::components::require_permission::RequirePermission;
use crate::pages::user_row::{UserActions, UserRow};

#[component]
pub fn AdminPage() -> impl IntoView {
    // Actions and the list live here, outside the permission wrapper (see RequirePermission).
    let create = ServerAction::<CreateUser>::new();
    let actions = UserActions {
        change_role: ServerAction::<ChangeUserRole>::new(),
        set_disabled: ServerAction::<SetUserDisabled>::new(),
        reset_password: ServerAction::<ResetUserPassword>::new(),
    };
    let users = Resource::new(
        move || {
            (
                create.version().get(),
                actions.change_role.version().get(),
                actions.set_disabled.version().get(),
                actions.reset_password.version().get(),
            )
        },
        |_| list_users(),
    );
    view! {
        <Title text="Admin · Riposte"/>
        <RequirePermission permission=Permission::ManageUsers>
            <AdminTabs/>
            <h1>"Users"</h1>
            <section class="panel">
                <h2>"Create a user"</h2>
                <ActionForm action=create attr:class="row-form" attr:aria-label="Create user">
                    <label>"Username" <input name="username" required/></label>
                    <label>"Display name" <input name="display_name"/></label>
                    <label>"Role" <RoleSelect selected=Role::Tier1/></label>
                    <label>"Password" <input name="password" type="password" autocomplete="new-password" required/></label>
                    <button type="submit" class="primary">"Create"</button>
                </ActionForm>
                <ActionOutcome result=create.value().into() success_text="User created."/>
            </section>
            <ActionOutcome result=actions.change_role.value().into() success_text="Role changed."/>
            <ActionOutcome result=actions.set_disabled.value().into() success_text="Account status changed."/>
            <ActionOutcome result=actions.reset_password.value().into() success_text="Password reset; the user's sessions were ended."/>
            <Transition fallback=|| view! { <p class="loading">"Loading users…"</p> }>
                {move || users.get().map(|result| match result {
                    Ok(list) => view! { <UsersTable list actions/> }.into_any(),
                    Err(err) => view! { <p class="error" role="alert">{err.to_string()}</p> }.into_any(),
                })}
            </Transition>
        </RequirePermission>
    }
}

#[component]
fn UsersTable(list: Vec<UserSummary>, actions: UserActions) -> impl IntoView {
    view! {
        <table class="grid" data-testid="users">
            <thead>
                <tr>
                    <th>"Username"</th><th>"Name"</th><th>"Role"</th><th>"Status"</th>
                    <th>"Last sign-in"</th><th>"Actions"</th>
                </tr>
            </thead>
            <tbody>
                {list.into_iter().map(|user| view! { <UserRow user actions/> }).collect_view()}
            </tbody>
        </table>
    }
}

/// A `<select name="role">` listing every role.
#[component]
pub fn RoleSelect(selected: Role) -> impl IntoView {
    view! {
        <select name="role">
            {Role::ALL
                .into_iter()
                .map(|role| view! {
                    <option value=role.as_str() selected=role == selected>{role.label()}</option>
                })
                .collect_view()}
        </select>
    }
}
