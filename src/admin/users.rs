//! `/admin/users`: list, create, change role, disable, reset password.

use actix_web::{get, http::StatusCode, post, web, HttpRequest, HttpResponse};
use askama::Template;

use crate::web::filters;
use serde::Deserialize;

use super::audit::{self, Actor};
use crate::auth::users::{self, CreateError, NewUser, User, UserChanges};
use crate::auth::{client_ip, password, session, Admin, CurrentUser, Role};
use crate::setup::CodeList;
use crate::web::pagination::path_segment;
use crate::web::AppState;
use crate::web::{db, ok, redirect, render, AppError, AppResult, Flash, FormErrors, Layout};

#[derive(Template)]
#[template(path = "admin/users.html")]
pub struct UserListPage {
    pub layout: Layout,
    pub users: Vec<User>,
}

#[get("/admin/users")]
pub async fn list(
    _admin: Admin,
    layout: Layout,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let locale = state.config.locale;
    let users = db(&state.pool, move |conn| Ok(users::list(conn, locale)?)).await?;
    ok(&UserListPage { layout, users })
}

#[derive(Template)]
#[template(path = "admin/user_new.html")]
pub struct NewUserPage {
    pub layout: Layout,
    pub form: NewUserForm,
    pub errors: FormErrors,
    pub roles: [Role; 3],
    /// The salespeople to choose the user's from (a blocked one marked).
    pub salespeople: CodeList,
}

/// The salespeople a user's form offers.
async fn salespeople(state: &AppState) -> AppResult<CodeList> {
    db(&state.pool, |conn| {
        Ok(crate::setup::options_of(conn, &["salespeople"])?
            .into_iter()
            .next()
            .unwrap_or_default())
    })
    .await
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct NewUserForm {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub salesperson_code: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub password_confirmation: String,
    /// The form's one-time key (`db::once`).
    #[serde(default)]
    pub once: String,
}

#[get("/admin/users/new")]
pub async fn new(
    _admin: Admin,
    layout: Layout,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    ok(&NewUserPage {
        layout,
        form: NewUserForm {
            role: "staff".into(),
            once: crate::db::once::new_key(),
            ..Default::default()
        },
        errors: FormErrors::new(),
        roles: Role::ALL,
        salespeople: salespeople(&state).await?,
    })
}

/// Locks the active administrators' rows (see `users::lock_active_admins`), `admin` among
/// them: one demoted or disabled meanwhile is refused (403).
fn acting(conn: &mut diesel::PgConnection, admin: &CurrentUser) -> Result<Vec<i64>, AppError> {
    users::lock_admins_acting(conn, admin.id)?.ok_or_else(|| AppError::Forbidden {
        message: format!(
            "{} is no longer an active administrator (another administrator changed that after \
             this page was opened), so nothing was changed.",
            admin.username
        ),
    })
}

#[post("/admin/users")]
pub async fn create(
    req: HttpRequest,
    Admin(admin): Admin,
    layout: Layout,
    state: web::Data<AppState>,
    form: web::Form<NewUserForm>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner();
    let session = session::current(&req)?;
    let ip = client_ip(&req, state.config.trust_proxy);
    let new_user = NewUser {
        username: form.username.clone(),
        display_name: form.display_name.clone(),
        role: form.role.clone(),
        salesperson_code: form.salesperson_code.clone(),
        password: form.password.clone(),
        password_confirmation: form.password_confirmation.clone(),
    }
    .trimmed();
    let key = crate::db::once::key(&form.once);
    let result = db(&state.pool, move |conn| {
        use diesel::Connection;
        conn.transaction::<_, AppError, _>(|conn| {
            acting(conn, &admin)?;
            let created = crate::db::once::Created::Users;
            if let Some(username) =
                session::created_before(conn, &session, created, key.as_deref(), "User")?
            {
                return Ok(Ok(username));
            }
            match users::create_from_form(conn, &new_user, key.as_deref()) {
                Ok(user) => {
                    audit::record(
                        conn,
                        Actor::User(&admin),
                        "user created",
                        &user.username,
                        &user.created_detail(),
                        &ip,
                    )?;
                    session::set_flash(
                        conn,
                        &session,
                        Flash::success(format!("User {} created.", user.username)),
                    )?;
                    Ok(Ok(user.username))
                }
                Err(CreateError::Invalid(errors)) => Ok(Err(errors)),
                Err(CreateError::Db(e)) => Err(e.into()),
                Err(CreateError::Other(e)) => Err(AppError::Internal(e)),
            }
        })
    })
    .await?;
    match result {
        Ok(_) => Ok(redirect("/admin/users")),
        Err(errors) => render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &NewUserPage {
                layout,
                form: NewUserForm {
                    password: String::new(),
                    password_confirmation: String::new(),
                    ..form
                },
                errors,
                roles: Role::ALL,
                salespeople: salespeople(&state).await?,
            },
        ),
    }
}

#[derive(Template)]
#[template(path = "admin/user_edit.html")]
pub struct EditUserPage {
    pub layout: Layout,
    pub user: User,
    pub form: UserChanges,
    /// The user's values the form was opened with (sent back with it: a colleague's change
    /// since is not overwritten unseen).
    pub was: UserChanges,
    /// A save refused over a colleague's: (field, saved meanwhile, typed).
    pub conflict: Option<Vec<(&'static str, String, String)>>,
    /// With a conflict: the fields the colleague changed since the form was opened.
    pub meanwhile: String,
    pub errors: FormErrors,
    pub password_error: Option<String>,
    pub roles: [Role; 3],
    /// The salespeople to choose the user's from (a blocked one marked).
    pub salespeople: CodeList,
}

impl EditUserPage {
    /// Whether the page is the signed-in administrator's own: their password is changed on
    /// their account page, which asks for the current one.
    pub fn is_self(&self) -> bool {
        self.layout
            .user
            .as_ref()
            .is_some_and(|u| u.id == self.user.id)
    }
}

async fn load_user(state: &AppState, username: String) -> AppResult<User> {
    db(&state.pool, move |conn| {
        users::find_by_username(conn, &username)?.ok_or(AppError::NotFound)
    })
    .await
}

impl EditUserPage {
    /// The user as saved, for a conflict's link.
    pub fn saved_href(&self) -> String {
        format!("/admin/users/{}", path_segment(&self.user.username))
    }
}

fn edit_page(layout: Layout, user: User, salespeople: CodeList) -> EditUserPage {
    let form = UserChanges::of(&user);
    EditUserPage {
        layout,
        user,
        was: form.clone(),
        conflict: None,
        meanwhile: String::new(),
        form,
        errors: FormErrors::new(),
        password_error: None,
        roles: Role::ALL,
        salespeople,
    }
}

#[get("/admin/users/{username}")]
pub async fn edit(
    _admin: Admin,
    layout: Layout,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let user = load_user(&state, path.into_inner()).await?;
    ok(&edit_page(layout, user, salespeople(&state).await?))
}

#[derive(Deserialize)]
pub struct ChangesForm {
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    salesperson_code: String,
    /// The values the form was opened with (none from a form of before they were sent).
    was_display_name: Option<String>,
    was_role: Option<String>,
    was_salesperson_code: Option<String>,
}

/// What a save of a user's profile came to.
enum Saved {
    Done(String),
    Invalid(User, FormErrors),
    /// Changed by someone else since the form was opened: the user as it is now.
    Conflict(User),
}

#[post("/admin/users/{username}")]
pub async fn update(
    req: HttpRequest,
    Admin(admin): Admin,
    layout: Layout,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<ChangesForm>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner();
    let was = match (
        form.was_display_name,
        form.was_role,
        form.was_salesperson_code,
    ) {
        (Some(display_name), Some(role), Some(salesperson_code)) => Some(
            UserChanges {
                // A browser sends a hidden field's line break as CR LF: a name stored with one
                // (from before line breaks were refused) reads as it is stored.
                display_name: display_name.replace("\r\n", "\n"),
                role,
                salesperson_code,
            }
            .trimmed(),
        ),
        _ => None,
    };
    let changes = UserChanges {
        display_name: form.display_name,
        role: form.role,
        salesperson_code: form.salesperson_code,
    }
    .trimmed();
    let session = session::current(&req)?;
    let ip = client_ip(&req, state.config.trust_proxy);
    let username = path.into_inner();
    let c = changes.clone();
    let opened = was.clone();
    let result = db(&state.pool, move |conn| {
        use diesel::Connection;
        conn.transaction::<_, AppError, _>(|conn| {
            let admins = acting(conn, &admin)?;
            let user = users::lock_by_username(conn, &username)?.ok_or(AppError::NotFound)?;
            let stored = UserChanges::of(&user);
            // The user's salesperson renamed since the form was opened (the rename reaches the
            // user without a word): the form's old code is the one it is now, on both sides.
            // It was "someone else saved this user", then "there is no salesperson".
            let (mut opened, mut c) = (opened, c);
            let old = opened
                .as_ref()
                .map_or(c.salesperson_code.clone(), |w| w.salesperson_code.clone());
            if !stored.salesperson_code.is_empty()
                && crate::setup::support::renamed_to(
                    conn,
                    crate::setup::registry::of_kind(crate::setup::registry::Kind::Salespeople),
                    &old,
                    &stored.salesperson_code,
                )?
            {
                if let Some(was) = opened.as_mut() {
                    was.salesperson_code = stored.salesperson_code.clone();
                }
                if c.salesperson_code == old {
                    c.salesperson_code = stored.salesperson_code.clone();
                }
            }
            // A demotion (or a name) saved by another administrator since this form was opened
            // is not put back unseen. Saved as this form has it (the same form sent twice, a
            // double click): saved, as the first one said.
            if let Some(was) = opened.as_ref().filter(|was| **was != stored) {
                // The fields the form left as it was take what was saved meanwhile.
                if stored.differences(&c.over(was, &stored)).is_empty() {
                    session::set_flash(
                        conn,
                        &session,
                        Flash::success(format!("User {} saved.", user.username)),
                    )?;
                    return Ok(Saved::Done(user.username));
                }
                return Ok(Saved::Conflict(user));
            }
            let mut errors = c.validate();
            users::check_salesperson(
                conn,
                &c.salesperson_code,
                user.salesperson_code.as_deref(),
                &mut errors,
            )?;
            if user.role() == Role::Admin
                && Role::parse(&c.role) != Some(Role::Admin)
                && user.active
                && !admins.iter().any(|id| *id != user.id)
            {
                errors.add(
                    "role",
                    "This is the last active administrator: keep the admin role.",
                );
            } else if user.id == admin.id && Role::parse(&c.role) != Some(Role::Admin) {
                // As disabling one's own account: at one click it would lock this page (and
                // its undoing) away from the one who did it.
                errors.add(
                    "role",
                    "You cannot take the admin role from your own account: another \
                     administrator can.",
                );
            }
            if !errors.is_empty() {
                return Ok(Saved::Invalid(user, errors));
            }
            let changed = stored.differences(&c);
            if changed.is_empty() {
                session::set_flash(
                    conn,
                    &session,
                    Flash::info(format!(
                        "Nothing changed: user {} is as it was.",
                        user.username
                    )),
                )?;
                return Ok(Saved::Done(user.username));
            }
            // In a savepoint: a salesperson deleted since the check above is a message next
            // to the field, not a failure.
            match conn.transaction(|conn| users::update_profile(conn, user.id, &c)) {
                Ok(_) => {}
                Err(e) if crate::web::error::is_constraint_race(&e) => {
                    errors.add(
                        "salesperson_code",
                        "This salesperson was deleted a moment ago. Choose another.",
                    );
                    return Ok(Saved::Invalid(user, errors));
                }
                Err(e) => return Err(e.into()),
            }
            // What changed, each field from → to.
            let detail = changed
                .iter()
                .map(|(field, from, to)| format!("{} {from} → {to}", field.to_lowercase()))
                .collect::<Vec<_>>()
                .join("; ");
            audit::record(
                conn,
                Actor::User(&admin),
                "user changed",
                &user.username,
                &detail,
                &ip,
            )?;
            session::set_flash(
                conn,
                &session,
                Flash::success(format!("User {} saved.", user.username)),
            )?;
            Ok(Saved::Done(user.username))
        })
    })
    .await?;
    match result {
        Saved::Done(username) => Ok(redirect(&format!(
            "/admin/users/{}",
            path_segment(&username)
        ))),
        Saved::Invalid(user, errors) => {
            let mut page = edit_page(layout, user, salespeople(&state).await?);
            page.form = changes;
            // Still the values the form was opened with.
            if let Some(was) = was {
                page.was = was;
            }
            page.errors = errors;
            render(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Saved::Conflict(user) => {
            // The typed values over the user as it is now, where the form changed them (the
            // fields it left alone show the colleague's values): saved again, they replace it.
            let mut page = edit_page(layout, user, salespeople(&state).await?);
            let opened = was.unwrap_or_else(|| page.was.clone());
            let form = changes.over(&opened, &page.was);
            let changed: Vec<&str> = opened
                .differences(&page.was)
                .into_iter()
                .map(|(field, _, _)| field)
                .collect();
            page.meanwhile = crate::web::forms::joined(&changed, "and");
            page.conflict = Some(page.was.differences(&form));
            page.form = form;
            render(StatusCode::CONFLICT, &page)
        }
    }
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirmation: String,
}

#[post("/admin/users/{username}/password")]
pub async fn reset_password(
    req: HttpRequest,
    Admin(admin): Admin,
    layout: Layout,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<PasswordForm>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner();
    let session = session::current(&req)?;
    let ip = client_ip(&req, state.config.trust_proxy);
    let user = load_user(&state, path.into_inner()).await?;
    // One's own password is changed with the current one (`/account/password`): a session
    // left open on another desk could take the account over here, and end the owner's
    // sessions. Nothing is changed.
    if user.id == admin.id {
        let said = "Change your own password here: it asks for your current one first. \
                    Nothing was changed.";
        db(&state.pool, move |conn| {
            Ok(session::set_flash(conn, &session, Flash::error(said))?)
        })
        .await?;
        return Ok(redirect("/account/password"));
    }
    if let Err(message) =
        password::check_new(&form.password, &form.password_confirmation, &user.username)
    {
        let mut page = edit_page(layout, user, salespeople(&state).await?);
        page.password_error = Some(message.to_string());
        return render(StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    let location = format!("/admin/users/{}", path_segment(&user.username));
    db(&state.pool, move |conn| {
        use diesel::Connection;
        let hash = password::hash(&form.password)?;
        conn.transaction::<_, AppError, _>(|conn| {
            acting(conn, &admin)?;
            users::set_password_hash(conn, user.id, &hash)?;
            audit::record(
                conn,
                Actor::User(&admin),
                "password reset",
                &user.username,
                "",
                &ip,
            )?;
            session::set_flash(
                conn,
                &session,
                Flash::success(format!(
                    "Password of {} changed; their open sessions were ended.{}",
                    user.username,
                    if user.active {
                        ""
                    } else {
                        " The account is disabled: enable it to let them sign in."
                    }
                )),
            )?;
            Ok(())
        })
    })
    .await?;
    Ok(redirect(&location))
}

#[post("/admin/users/{username}/disable")]
pub async fn disable(
    req: HttpRequest,
    admin: Admin,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    set_active(req, admin, state, path.into_inner(), false).await
}

#[post("/admin/users/{username}/enable")]
pub async fn enable(
    req: HttpRequest,
    admin: Admin,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    set_active(req, admin, state, path.into_inner(), true).await
}

async fn set_active(
    req: HttpRequest,
    Admin(admin): Admin,
    state: web::Data<AppState>,
    username: String,
    active: bool,
) -> AppResult<HttpResponse> {
    let session = session::current(&req)?;
    let ip = client_ip(&req, state.config.trust_proxy);
    let location = format!("/admin/users/{}", path_segment(&username));
    db(&state.pool, move |conn| {
        use diesel::Connection;
        conn.transaction::<_, AppError, _>(|conn| {
            // The administrators' rows first, then the user's (see `lock_active_admins`).
            let admins = acting(conn, &admin)?;
            let user = users::lock_by_username(conn, &username)?.ok_or(AppError::NotFound)?;
            let flash = if user.active == active {
                // A second click, or a colleague's: nothing to do, nothing to record.
                Flash::info(if active {
                    format!("User {} is enabled already.", user.username)
                } else {
                    format!("User {} is disabled already.", user.username)
                })
            } else if !active && user.id == admin.id {
                Flash::error("You cannot disable your own account.")
            } else if !active
                && user.role() == Role::Admin
                && !admins.iter().any(|id| *id != user.id)
            {
                Flash::error("This is the last active administrator and cannot be disabled.")
            } else {
                users::set_active(conn, user.id, active)?;
                let action = if active {
                    "user enabled"
                } else {
                    "user disabled"
                };
                audit::record(conn, Actor::User(&admin), action, &user.username, "", &ip)?;
                Flash::success(if active {
                    format!("User {} enabled.", user.username)
                } else {
                    format!(
                        "User {} disabled; their open sessions were ended.",
                        user.username
                    )
                })
            };
            session::set_flash(conn, &session, flash)?;
            Ok(())
        })
    })
    .await?;
    Ok(redirect(&location))
}
