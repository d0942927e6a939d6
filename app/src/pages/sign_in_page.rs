//! The sign-in form. A plain form post, so it works before hydration and without JavaScript.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::session_api::SignIn;

#[component]
pub fn SignInPage() -> impl IntoView {
    // Created under <Routes>, so a no-JavaScript post's error (carried in the URL) shows here.
    let sign_in = ServerAction::<SignIn>::new();
    let error = move || sign_in.value().get().and_then(Result::err);
    view! {
        <Title text="Sign in · Riposte"/>
        <main class="sign-in">
            <section class="card">
                <h1>"Riposte"</h1>
                <p class="muted">"From alert to containment."</p>
                <ActionForm action=sign_in attr:class="stack" attr:aria-label="Sign in">
                    <label>
                        "Username"
                        <input name="username" autocomplete="username" required autofocus/>
                    </label>
                    <label>
                        "Password"
                        <input name="password" type="password" autocomplete="current-password" required/>
                    </label>
                    <button type="submit" class="primary">"Sign in"</button>
                </ActionForm>
                {move || error().map(|err| view! { <p class="error" role="alert">{err.to_string()}</p> })}
            </section>
        </main>
    }
}
