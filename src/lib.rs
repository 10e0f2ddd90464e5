//! Rapport: contacts, segments and interactions for office staff, served as plain HTML forms.

pub mod admin;
pub mod auth;
pub mod campaigns;
pub mod config;
pub mod contacts;
pub mod db;
pub mod demo;
pub mod home;
pub mod interactions;
pub mod opportunities;
pub mod segments;
pub mod setup;
pub mod web;

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::middleware::{from_fn, ErrorHandlers};
use actix_web::{web as aw, App, HttpServer};

use config::Config;
use db::DbPool;

use web::AppState;

pub use web::assets::static_dir;

/// Registers every route. Used by the server and by the tests.
pub fn configure(cfg: &mut aw::ServiceConfig) {
    cfg.service(home::home)
        .service(web::pages::healthz)
        .service(auth::handlers::login_form)
        .service(auth::handlers::login)
        .service(auth::handlers::logout)
        .service(auth::handlers::setup_form)
        .service(auth::handlers::setup_create)
        .service(admin::users::list)
        .service(admin::users::new)
        .service(admin::users::create)
        .service(admin::users::edit)
        .service(admin::users::update)
        .service(admin::users::reset_password)
        .service(admin::users::disable)
        .service(admin::users::enable)
        .service(admin::audit_list)
        .configure(contacts::configure)
        .configure(setup::configure)
        .configure(segments::configure)
        .configure(interactions::configure)
        .configure(campaigns::configure)
        .configure(opportunities::configure)
        .service(
            actix_files::Files::new("/static", static_dir())
                .use_etag(true)
                .use_last_modified(true),
        );
}

/// Starts the HTTP server on `listener` (call inside an actix system).
pub fn server(listener: TcpListener, pool: DbPool, config: Config) -> std::io::Result<Server> {
    let hsts = config.secure_cookies();
    // Imports a stopped server left "running" are marked failed (their pages say so).
    contacts::import_jobs::recover(&pool);
    let locale = config.locale;
    // Database work runs on each worker's blocking threads (`web::db`), and every such task
    // waits for one of the pool's connections: more threads than connections only wait in
    // the pool's queue, and waking them held pages back under load (the home page 8,123 →
    // 10,796 requests/s without them: BENCHMARKS.md, Many users at once). actix's default is
    // 512 divided by the workers.
    let blocking = config.db_pool_size as usize;
    let state = aw::Data::new(AppState::new(pool, config));
    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .app_data(aw::FormConfig::default().limit(256 * 1024))
            .configure(configure)
            .default_service(aw::to(web::pages::not_found))
            // Listed innermost first: the request log wraps everything.
            .wrap(from_fn(web::middleware::refuse_nul))
            .wrap(from_fn(auth::session::middleware))
            .wrap(from_fn(web::middleware::cache_static))
            .wrap(ErrorHandlers::new().default_handler(web::pages::render_error_page))
            .wrap(web::middleware::security_headers(hsts))
            .wrap(from_fn(web::middleware::request_log))
            // Numbers and dates on every page, error pages too, in the office's locale.
            .wrap_fn(move |req, srv| {
                use actix_web::dev::Service;
                web::locale::scope(locale, srv.call(req))
            })
    })
    // Without TCP_NODELAY, a response written in two parts (the head, then a file's or a
    // download's body) waits for the client's delayed ACK: 20–40 ms per static file.
    .tcp_nodelay(true)
    .worker_max_blocking_threads(blocking)
    .listen(listener)?
    .shutdown_timeout(10)
    .run();
    Ok(server)
}
