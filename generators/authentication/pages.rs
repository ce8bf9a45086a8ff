//! The account pages of the browser: sign up (`/users/new`), sign in
//! (`/session/new`) and out, the user's sessions (`/sessions`), and password
//! resets (`/passwords/new`, then the mailed link). A browser signs in with
//! an `HttpOnly`, `SameSite=Lax` session cookie (`auth::session_cookie`);
//! cross-site form posts are refused by `middleware::same_origin_forms`.

use std::net::SocketAddr;

use axum::Extension;
use axum::extract::{ConnectInfo, Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::app::AppState;
use crate::app::auth::{self, AuthError, CurrentUser};
use crate::app::controllers::authentication;
use crate::app::errors::{AppError, FieldErrors};
use crate::app::models::session::Session;
use crate::app::models::user::{User, UserParams};
use crate::app::views::html;
use crate::app::views::html::accounts::{
    ForgotPasswordPage, ResetPasswordPage, SessionsPage, SignInPage, SignUpPage,
};

/// A browser's credentials, from the sign-up and sign-in forms.
#[derive(Debug, Deserialize)]
pub struct Credentials {
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub password: String,
    /// The page to go back to (sign-in only).
    pub return_to: Option<String>,
}

/// The query of the sign-in page.
#[derive(Debug, Deserialize)]
pub struct SignInQuery {
    pub return_to: Option<String>,
    /// `done` after a password reset.
    pub password_reset: Option<String>,
}

/// The client's address, as the sign-in limits count it.
fn client_ip(
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: &HeaderMap,
) -> Option<std::net::IpAddr> {
    let peer = peer.map(|Extension(ConnectInfo(addr))| addr.ip());
    auth::client_ip(peer, headers, &auth::TRUSTED_PROXIES)
}

/// Starts a session for `user` and sends the browser to `to` with its cookie.
/// A session cookie the browser had before is ended: a session is never
/// carried over from before signing in.
async fn start_session(
    state: &AppState,
    user: &User,
    headers: &HeaderMap,
    ip: Option<std::net::IpAddr>,
    to: &str,
) -> Result<Response, AppError> {
    if let Some(old) = auth::cookie(headers, auth::SESSION_COOKIE)
        && let Some((_, id)) = Session::authenticate(&state.db, old).await?
    {
        Session::end(&state.db, user.id, id).await?;
    }
    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok());
    let ip = ip.map(|ip| ip.to_string());
    let (_, token) = Session::start(
        &state.db,
        user.id,
        user_agent,
        ip.as_deref(),
        auth::SESSION_LIFETIME,
    )
    .await?;
    let mut response = Redirect::to(to).into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, auth::session_cookie(&token));
    Ok(response)
}

/// `GET /users/new`
pub async fn sign_up_page() -> Result<Html<String>, AppError> {
    html::render(&SignUpPage::default())
}

/// `POST /users`: an account, signed in at once; or the form again with
/// what is wrong.
pub async fn sign_up(
    State(state): State<AppState>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    Form(form): Form<Credentials>,
) -> Result<Response, AppError> {
    match User::create(&state.db, &UserParams::new(&form.email, &form.password)).await {
        Ok(user) => {
            let ip = client_ip(peer, &headers);
            start_session(&state, &user, &headers, ip, auth::AFTER_SIGN_IN).await
        }
        Err(AppError::Invalid(errors) | AppError::Conflict(errors)) => {
            let page = SignUpPage {
                email: form.email,
                errors,
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html::render(&page)?).into_response())
        }
        Err(err) => Err(err),
    }
}

/// `GET /session/new`
pub async fn sign_in_page(Query(query): Query<SignInQuery>) -> Result<Html<String>, AppError> {
    let notice = (query.password_reset.as_deref() == Some("done"))
        .then(|| "Your password was changed; sign in with it.".to_string());
    html::render(&SignInPage {
        return_to: query.return_to,
        notice,
        ..SignInPage::default()
    })
}

/// `POST /session`: signed in and back to the page asked for, or the form
/// again. Failures count against the account and the address as for the API.
pub async fn sign_in(
    State(state): State<AppState>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    Form(form): Form<Credentials>,
) -> Result<Response, AppError> {
    let ip = client_ip(peer, &headers);
    let keys = auth::attempt_keys(&form.email, ip);
    let again = |status: StatusCode, alert: String| -> Result<Response, AppError> {
        let page = SignInPage {
            email: form.email.clone(),
            return_to: form.return_to.clone(),
            alert: Some(alert),
            notice: None,
        };
        Ok((status, html::render(&page)?).into_response())
    };
    if let Err(AuthError::TooManyAttempts { retry_after }) =
        auth::check_attempts(&state, &keys).await
    {
        let minutes = retry_after.as_secs().div_ceil(60);
        return again(
            StatusCode::TOO_MANY_REQUESTS,
            format!("Too many failed sign-ins; try again in {minutes} minutes."),
        );
    }
    let Some(user) = User::authenticate(&state.db, &form.email, &form.password).await? else {
        auth::count_failure(&state, &keys).await;
        return again(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Wrong email or password.".to_string(),
        );
    };
    auth::forget_failures(&state, &keys).await;
    let to = auth::safe_return_to(form.return_to.as_deref()).to_string();
    start_session(&state, &user, &headers, ip, &to).await
}

/// `POST /session/delete`: ends this browser's session.
pub async fn sign_out(
    State(state): State<AppState>,
    current: Option<CurrentUser>,
) -> Result<Response, AppError> {
    if let Some(current) = current
        && let Some(id) = current.session_id()
    {
        Session::end(&state.db, current.user.id, id).await?;
    }
    let mut response = Redirect::to(auth::SIGN_IN_PAGE).into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, auth::removed_session_cookie());
    Ok(response)
}

/// `GET /sessions`: where the user is signed in.
pub async fn sessions_page(
    State(state): State<AppState>,
    current: CurrentUser,
) -> Result<Html<String>, AppError> {
    let sessions = Session::list(&state.db, current.user.id).await?;
    html::render(&SessionsPage {
        current: current.session_id(),
        email: current.user.email,
        sessions,
    })
}

/// `POST /sessions/{id}/delete`: signs another browser out.
pub async fn revoke_session(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Redirect, AppError> {
    if Session::end(&state.db, current.user.id, id).await? {
        Ok(Redirect::to("/sessions"))
    } else {
        Err(AppError::NotFound)
    }
}

/// What the forgot-password form sends.
#[derive(Debug, Deserialize)]
pub struct ResetRequest {
    #[serde(default)]
    pub email: String,
}

/// `GET /passwords/new`
pub async fn forgot_password_page() -> Result<Html<String>, AppError> {
    html::render(&ForgotPasswordPage::default())
}

/// `POST /passwords`: mails a reset link if the email has an account; the
/// page says the same either way.
pub async fn forgot_password(
    State(state): State<AppState>,
    Form(form): Form<ResetRequest>,
) -> Result<Response, AppError> {
    match authentication::send_password_reset(&state, &form.email).await {
        Ok(()) => {
            let page = ForgotPasswordPage {
                sent_to: Some(form.email),
                alert: None,
            };
            Ok(html::render(&page)?.into_response())
        }
        Err(AuthError::TooManyAttempts { .. }) => {
            let page = ForgotPasswordPage {
                sent_to: None,
                alert: Some(
                    "Too many reset links were asked for this email; try again later.".to_string(),
                ),
            };
            Ok((StatusCode::TOO_MANY_REQUESTS, html::render(&page)?).into_response())
        }
        Err(err) => Ok(err.into_response()),
    }
}

/// The page of a link that does not work (404).
fn invalid_link() -> Result<Response, AppError> {
    let page = ForgotPasswordPage {
        sent_to: None,
        alert: Some("That link is invalid, used or expired; ask for a new one.".to_string()),
    };
    Ok((StatusCode::NOT_FOUND, html::render(&page)?).into_response())
}

/// `GET /passwords/{token}/edit`: the mail's link.
pub async fn reset_password_page(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    if auth::password_reset_user(&state.db, &token)
        .await?
        .is_none()
    {
        return invalid_link();
    }
    let page = ResetPasswordPage {
        token,
        errors: FieldErrors::new(),
    };
    Ok(html::render(&page)?.into_response())
}

/// What the new-password form sends.
#[derive(Debug, Deserialize)]
pub struct NewPassword {
    #[serde(default)]
    pub password: String,
}

/// `POST /passwords/{token}`: the new password; every session and token of
/// the user ends, and the browser goes to the sign-in page.
pub async fn reset_password(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Form(form): Form<NewPassword>,
) -> Result<Response, AppError> {
    match authentication::reset_password_with(&state, &token, &form.password).await {
        Ok(_) => {
            let to = format!("{}?password_reset=done", auth::SIGN_IN_PAGE);
            Ok(Redirect::to(&to).into_response())
        }
        Err(AppError::NotFound) => invalid_link(),
        Err(AppError::Invalid(errors)) => {
            let page = ResetPasswordPage { token, errors };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html::render(&page)?).into_response())
        }
        Err(err) => Err(err),
    }
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::http::{Method, Request};
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    use super::*;
    use crate::app::auth::testing;
    use crate::app::mailers;
    use crate::db::Pool;

    async fn state(pool: &Pool) -> AppState {
        let mut state = crate::app::testing::state().await;
        state.db = pool.clone();
        state
    }

    /// A browser's request: with the session `cookie`, a form, and more
    /// headers. The status, the headers and the page.
    async fn browse(
        state: &AppState,
        method: Method,
        uri: &str,
        cookie: Option<&str>,
        form: Option<&str>,
        headers: &[(&str, &str)],
    ) -> (StatusCode, HeaderMap, String) {
        let mut request = Request::builder().method(method).uri(uri);
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, format!("{}={cookie}", auth::SESSION_COOKIE));
        }
        if form.is_some() {
            request = request.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let body = Body::from(form.unwrap_or_default().to_string());
        let request = match form {
            Some(_) => crate::app::testing::browser_form(request, body).await,
            None => request.body(body).unwrap(),
        };
        let response = crate::app::build(state.clone())
            .oneshot(request)
            .await
            .unwrap();
        let (status, headers) = (response.status(), response.headers().clone());
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        (
            status,
            headers,
            String::from_utf8_lossy(&bytes).into_owned(),
        )
    }

    /// The session token a response sets.
    fn set_cookie(headers: &HeaderMap) -> String {
        let value = headers[header::SET_COOKIE].to_str().unwrap();
        let (pair, _) = value.split_once(';').unwrap();
        pair.strip_prefix(&format!("{}=", auth::SESSION_COOKIE))
            .unwrap()
            .to_string()
    }

    fn form(email: &str, password: &str) -> String {
        format!(
            "email={}&password={}",
            auth::encode_component(email),
            auth::encode_component(password)
        )
    }

    #[sqlx::test]
    async fn signing_up_signs_in_with_a_safe_cookie(pool: Pool) {
        let state = state(&pool).await;
        let (status, _, page) = browse(&state, Method::GET, "/users/new", None, None, &[]).await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("action=\"/users\""), "{page}");
        let body = form("ann@example.com", "correct horse");
        let (status, headers, _) =
            browse(&state, Method::POST, "/users", None, Some(&body), &[]).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert_eq!(headers[header::LOCATION], auth::AFTER_SIGN_IN);
        let cookie = headers[header::SET_COOKIE].to_str().unwrap();
        for flag in ["; Path=/", "; HttpOnly", "; SameSite=Lax", "; Secure"] {
            assert!(cookie.contains(flag), "{cookie}");
        }
        let token = set_cookie(&headers);
        let (status, _, page) =
            browse(&state, Method::GET, "/sessions", Some(&token), None, &[]).await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            page.contains("Signed in as <strong>ann@example.com</strong>"),
            "{page}"
        );
        // The same email again: the form comes back with the error.
        let (status, _, page) =
            browse(&state, Method::POST, "/users", None, Some(&body), &[]).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("has already been taken"), "{page}");
        let short = form("bob@example.com", "short");
        let (status, _, page) =
            browse(&state, Method::POST, "/users", None, Some(&short), &[]).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("is too short"), "{page}");
    }

    #[sqlx::test]
    async fn signing_in_goes_back_only_to_pages_of_the_application(pool: Pool) {
        let state = state(&pool).await;
        testing::user(&pool, "ann@example.com").await;
        let (status, _, page) = browse(
            &state,
            Method::GET,
            "/session/new?return_to=%2Fsessions%3Fx%3D1",
            None,
            None,
            &[],
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            page.contains("name=\"return_to\" value=\"/sessions?x=1\""),
            "{page}"
        );
        for (return_to, location) in [
            ("/sessions?x=1", "/sessions?x=1"),
            ("//evil.example/", auth::AFTER_SIGN_IN),
            ("/\\evil.example/", auth::AFTER_SIGN_IN),
            ("https://evil.example/", auth::AFTER_SIGN_IN),
            ("evil.example", auth::AFTER_SIGN_IN),
            ("/\nLocation: https://evil.example/", auth::AFTER_SIGN_IN),
        ] {
            let body = format!(
                "{}&return_to={}",
                form("ann@example.com", "correct horse"),
                auth::encode_component(return_to)
            );
            let (status, headers, _) =
                browse(&state, Method::POST, "/session", None, Some(&body), &[]).await;
            assert_eq!(status, StatusCode::SEE_OTHER, "{return_to}");
            assert_eq!(headers[header::LOCATION], location, "{return_to}");
        }
    }

    #[sqlx::test]
    async fn a_session_is_never_carried_over_from_before_signing_in(pool: Pool) {
        let state = state(&pool).await;
        testing::user(&pool, "ann@example.com").await;
        let earlier = testing::browser_session(&pool, "ann@example.com").await;
        let body = form("ann@example.com", "correct horse");
        // A cookie the browser had before, valid or planted, is not the
        // session it gets.
        for planted in [earlier.as_str(), "chosen-by-an-attacker"] {
            let (status, headers, _) = browse(
                &state,
                Method::POST,
                "/session",
                Some(planted),
                Some(&body),
                &[],
            )
            .await;
            assert_eq!(status, StatusCode::SEE_OTHER);
            let token = set_cookie(&headers);
            assert_ne!(token, planted);
            assert_eq!(token.len(), 64);
        }
        // The earlier session ended when the browser signed in again.
        let (status, _, _) =
            browse(&state, Method::GET, "/sessions", Some(&earlier), None, &[]).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
    }

    #[sqlx::test]
    async fn signing_out_ends_the_session_and_removes_the_cookie(pool: Pool) {
        let state = state(&pool).await;
        let token = testing::browser_session(&pool, "ann@example.com").await;
        let (status, _, page) =
            browse(&state, Method::GET, "/sessions", Some(&token), None, &[]).await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("this browser"), "{page}");
        let (status, headers, _) = browse(
            &state,
            Method::POST,
            "/session/delete",
            Some(&token),
            Some(""),
            &[],
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert_eq!(headers[header::LOCATION], auth::SIGN_IN_PAGE);
        assert!(
            headers[header::SET_COOKIE]
                .to_str()
                .unwrap()
                .contains("Max-Age=0")
        );
        let (status, headers, _) =
            browse(&state, Method::GET, "/sessions", Some(&token), None, &[]).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert_eq!(
            headers[header::LOCATION],
            "/session/new?return_to=%2Fsessions"
        );
        // The layout shows who is signed in, and nobody once signed out.
        let (_, _, page) =
            browse(&state, Method::GET, "/session/new", Some(&token), None, &[]).await;
        assert!(page.contains("href=\"/session/new\">Sign in</a>"), "{page}");
        assert!(!page.contains("Signed in as"), "{page}");
    }

    #[sqlx::test]
    async fn a_wrong_password_and_an_unknown_email_look_the_same_and_are_limited(pool: Pool) {
        let state = state(&pool).await;
        testing::user(&pool, "limit@example.com").await;
        let attempt = |email: &'static str, password: &'static str| {
            let state = state.clone();
            async move {
                let body = form(email, password);
                let (status, _, page) =
                    browse(&state, Method::POST, "/session", None, Some(&body), &[]).await;
                (status, page.replace(email, "EMAIL"))
            }
        };
        let wrong = attempt("limit@example.com", "wrong horse").await;
        let unknown = attempt("unknown-limit@example.com", "wrong horse").await;
        assert_eq!(wrong.0, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(wrong, unknown);
        assert!(wrong.1.contains("Wrong email or password."), "{}", wrong.1);
        for _ in 1..auth::MAX_FAILED_ATTEMPTS {
            attempt("limit@example.com", "wrong horse").await;
        }
        let (status, page) = attempt("limit@example.com", "correct horse").await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
        assert!(page.contains("Too many failed sign-ins"), "{page}");
    }

    #[sqlx::test]
    async fn forged_cross_site_forms_are_refused_and_the_api_ignores_the_cookie(pool: Pool) {
        let state = state(&pool).await;
        let token = testing::browser_session(&pool, "ann@example.com").await;
        let body = form("ann@example.com", "correct horse");
        for header in [
            ("sec-fetch-site", "cross-site"),
            ("origin", "https://evil.example"),
        ] {
            let (status, _, _) = browse(
                &state,
                Method::POST,
                "/session/delete",
                Some(&token),
                Some(&body),
                &[header],
            )
            .await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{header:?}");
        }
        let (status, _, _) =
            browse(&state, Method::GET, "/sessions", Some(&token), None, &[]).await;
        assert_eq!(status, StatusCode::OK, "the forged sign-out did nothing");
        let (status, _, _) = browse(&state, Method::GET, "/api/me", Some(&token), None, &[]).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }

    #[sqlx::test]
    async fn sessions_are_listed_and_revoked_by_their_owner(pool: Pool) {
        let state = state(&pool).await;
        let mine = testing::browser_session(&pool, "ann@example.com").await;
        let other = testing::browser_session(&pool, "ann@example.com").await;
        let theirs = testing::browser_session(&pool, "bob@example.com").await;
        let ann = testing::user(&pool, "ann@example.com").await;
        let sessions = Session::list(&pool, ann.id).await.unwrap();
        assert_eq!(sessions.len(), 2);
        let bob = testing::user(&pool, "bob@example.com").await;
        let bobs = Session::list(&pool, bob.id).await.unwrap()[0].id;
        let uri = format!("/sessions/{bobs}/delete");
        let (status, _, _) = browse(&state, Method::POST, &uri, Some(&mine), Some(""), &[]).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _, _) =
            browse(&state, Method::GET, "/sessions", Some(&theirs), None, &[]).await;
        assert_eq!(status, StatusCode::OK);
        let (_, _, page) = browse(&state, Method::GET, "/sessions", Some(&mine), None, &[]).await;
        let other_id = sessions
            .iter()
            .map(|s| s.id)
            .find(|id| page.contains(&format!("/sessions/{id}/delete")))
            .expect("the other session has a sign-out button");
        let uri = format!("/sessions/{other_id}/delete");
        let (status, headers, _) =
            browse(&state, Method::POST, &uri, Some(&mine), Some(""), &[]).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert_eq!(headers[header::LOCATION], "/sessions");
        let (status, _, _) =
            browse(&state, Method::GET, "/sessions", Some(&other), None, &[]).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
    }

    #[sqlx::test]
    async fn a_password_reset_works_once_from_the_mailed_link(pool: Pool) {
        let state = state(&pool).await;
        let before = testing::browser_session(&pool, "reset-page@example.com").await;
        let (status, _, page) =
            browse(&state, Method::GET, "/passwords/new", None, None, &[]).await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("action=\"/passwords\""), "{page}");
        for email in ["reset-page@example.com", "nobody-page@example.com"] {
            let body = format!("email={}", auth::encode_component(email));
            let (status, _, page) =
                browse(&state, Method::POST, "/passwords", None, Some(&body), &[]).await;
            assert_eq!(status, StatusCode::OK);
            assert!(
                page.contains(&format!("If {email} has an account")),
                "{page}"
            );
        }
        assert!(mailers::testing::sent_to("nobody-page@example.com").is_empty());
        let mail = mailers::testing::sent_to("reset-page@example.com");
        assert_eq!(mail.len(), 1);
        let link = mail[0]
            .text
            .split_whitespace()
            .find(|w| w.contains("/passwords/"))
            .unwrap();
        let path = &link[link.find("/passwords/").unwrap()..];
        let (status, _, page) = browse(&state, Method::GET, path, None, None, &[]).await;
        assert_eq!(status, StatusCode::OK);
        let action = path.trim_end_matches("/edit");
        assert!(page.contains(&format!("action=\"{action}\"")), "{page}");
        let (status, _, page) = browse(
            &state,
            Method::POST,
            action,
            None,
            Some("password=short"),
            &[],
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("is too short"), "{page}");
        let (status, headers, _) = browse(
            &state,
            Method::POST,
            action,
            None,
            Some("password=a+brand+new+one"),
            &[],
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert_eq!(
            headers[header::LOCATION],
            "/session/new?password_reset=done"
        );
        // Once only; and the session from before the reset is over.
        for (method, uri, body) in [
            (Method::GET, path, None),
            (Method::POST, action, Some("password=another+one")),
        ] {
            let (status, _, page) = browse(&state, method, uri, None, body, &[]).await;
            assert_eq!(status, StatusCode::NOT_FOUND);
            assert!(page.contains("invalid, used or expired"), "{page}");
        }
        let (status, _, _) =
            browse(&state, Method::GET, "/sessions", Some(&before), None, &[]).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let signed = User::authenticate(&pool, "reset-page@example.com", "a brand new one").await;
        assert!(signed.unwrap().is_some());
    }

    #[sqlx::test]
    async fn handlers_read_the_cookie_without_the_layer(pool: Pool) {
        let state = state(&pool).await;
        let token = testing::browser_session(&pool, "ann@example.com").await;
        let app = axum::Router::new()
            .route(
                "/private",
                axum::routing::get(|current: CurrentUser| async move { current.user.email }),
            )
            .route(
                "/greeting",
                axum::routing::get(|current: Option<CurrentUser>| async move {
                    current.map_or("stranger".to_string(), |c| c.user.email)
                }),
            )
            .with_state(state);
        let get = |uri: &'static str, cookie: Option<&str>| {
            let mut request = Request::get(uri);
            if let Some(cookie) = cookie {
                request = request.header(header::COOKIE, format!("other=1; session={cookie}"));
            }
            app.clone().oneshot(request.body(Body::empty()).unwrap())
        };
        let response = get("/private", Some(&token)).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let response = get("/private", None).await.unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        for (cookie, text) in [
            (Some(token.as_str()), "ann@example.com"),
            (Some("stale"), "stranger"),
            (None, "stranger"),
        ] {
            let response = get("/greeting", cookie).await.unwrap();
            let body = response.into_body().collect().await.unwrap().to_bytes();
            assert_eq!(body, text);
        }
    }

    #[sqlx::test]
    async fn signing_out_without_a_session_still_removes_the_cookie(pool: Pool) {
        let state = state(&pool).await;
        let (status, headers, _) =
            browse(&state, Method::POST, "/session/delete", None, Some(""), &[]).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert!(
            headers[header::SET_COOKIE]
                .to_str()
                .unwrap()
                .contains("Max-Age=0")
        );
    }

    #[sqlx::test]
    async fn reset_links_are_limited_per_email(pool: Pool) {
        let state = state(&pool).await;
        let body = "email=flood%40example.com";
        for _ in 0..auth::MAX_FAILED_ATTEMPTS {
            let (status, _, _) =
                browse(&state, Method::POST, "/passwords", None, Some(body), &[]).await;
            assert_eq!(status, StatusCode::OK);
        }
        let (status, _, page) =
            browse(&state, Method::POST, "/passwords", None, Some(body), &[]).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
        assert!(page.contains("Too many reset links"), "{page}");
    }

    #[sqlx::test]
    async fn a_database_failure_behind_the_forms_is_a_500(pool: Pool) {
        let state = state(&pool).await;
        pool.close().await;
        for (uri, form) in [
            ("/users", "email=ann%40example.com&password=correct+horse"),
            ("/passwords", "email=ann%40example.com"),
            ("/passwords/1-99999999999-00", "password=correct+horse"),
        ] {
            let (status, _, _) = browse(&state, Method::POST, uri, None, Some(form), &[]).await;
            assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{uri}");
        }
    }
}
