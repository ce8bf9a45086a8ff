//! Accounts over real HTTP, as an API client uses them: sign up, sign in for
//! a bearer token, call the API with it, sign out.

use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};

/// An email no account has yet: these tests may share their database with
/// earlier runs (PostgreSQL's `DATABASE_URL`).
pub fn new_email(name: &str) -> String {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos();
    format!("{name}-{}-{now}-{n}@example.com", std::process::id())
}

/// Signs `email` up and in; the token for `Authorization: Bearer`.
pub async fn sign_in(app: &TestApp, email: &str) -> String {
    let credentials = json!({"email": email, "password": "correct horse"});
    let response = app
        .client
        .post(app.url("/api/users"))
        .json(&credentials)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let response = app
        .client
        .post(app.url("/api/session"))
        .json(&credentials)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let body: Value = response.json().await.unwrap();
    body["token"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn an_api_client_signs_up_in_and_out() {
    let app = spawn_app().await;
    let email = new_email("ann");
    let token = sign_in(&app, &email).await;
    let me = app
        .client
        .get(app.url("/api/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200);
    let me: Value = me.json().await.unwrap();
    assert_eq!(me["email"], email.as_str());

    let wrong = json!({"email": email, "password": "wrong horse"});
    let response = app
        .client
        .post(app.url("/api/session"))
        .json(&wrong)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);

    let signed_out = app
        .client
        .delete(app.url("/api/session"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(signed_out.status(), 204);
    let me = app
        .client
        .get(app.url("/api/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 401);
    assert_eq!(me.headers()["www-authenticate"], "Bearer");
    app.stop().await.unwrap();
}

/// `APP users create EMAIL` makes an account from the command line, with the
/// password from standard input; the same email again is refused.
#[test]
fn accounts_are_created_from_the_command_line() {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let bin = env!("CARGO_BIN_EXE_<@ a.bin @>");
<%- if a.postgres %>
    let env: Vec<(String, String)> = Vec::new();
<%- else %>
    let prefix = <@ a.crate_name @>::config::ENV_PREFIX;
    let file = std::env::temp_dir().join(format!("users-command-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&file);
    let url = format!("sqlite://{}?mode=rwc", file.display());
    let env = vec![(format!("{prefix}_DATABASE_URL"), url)];
<%- endif %>
    let migrated = Command::new(bin).arg("migrate").envs(env.clone()).output().unwrap();
    assert!(migrated.status.success(), "{}", String::from_utf8_lossy(&migrated.stderr));
    let email = new_email("cli");
    let create = |password: &str| {
        let mut child = Command::new(bin)
            .args(["users", "create", &email])
            .envs(env.clone())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
        child.wait_with_output().unwrap()
    };
    let created = create("correct horse");
    let out = String::from_utf8_lossy(&created.stdout);
    assert!(created.status.success(), "{}", String::from_utf8_lossy(&created.stderr));
    assert!(out.starts_with("created user ") && out.contains(&email), "{out}");
    let again = create("another password");
    assert!(!again.status.success());
    let err = String::from_utf8_lossy(&again.stderr);
    assert!(err.contains("has already been taken"), "{err}");
}
