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
use db::Pools;

use web::AppState;

pub use web::assets::static_dir;

/// Registers every route, grouped by the first segment of their paths. Routing compares a
/// request's path with the routes one after another, and a path with a parameter
/// (`/segments/{no}`) is compared by a regular expression: a request is compared with its own
/// group's routes only, after one comparison of the group's prefix ([`paths_under`]). The
/// routes of a group keep their whole paths. Used by the server and by the tests.
pub fn configure(cfg: &mut aw::ServiceConfig) {
    cfg.service(home::home)
        .service(web::pages::healthz)
        .service(auth::handlers::login_form)
        .service(auth::handlers::login)
        .service(auth::handlers::logout)
        .service(auth::account::password_form)
        .service(auth::account::change_password)
        .service(
            actix_files::Files::new("/static", static_dir())
                .use_etag(true)
                .use_last_modified(true),
        )
        .service(paths_under("/contacts").configure(|cfg| {
            contacts::configure(cfg);
            interactions::configure_contact_pages(cfg);
        }))
        .service(paths_under("/segments").configure(|cfg| {
            segments::configure(cfg);
            opportunities::configure_segment_pages(cfg);
        }))
        .service(paths_under("/saved-criteria").configure(segments::configure_saved_criteria))
        .service(paths_under("/interactions").configure(interactions::configure))
        .service(paths_under("/campaigns").configure(campaigns::configure))
        .service(paths_under("/opportunities").configure(opportunities::configure))
        .service(paths_under("/setup").configure(|cfg| {
            // The first administrator's form, and the setup page once there is one.
            cfg.service(auth::handlers::setup_form)
                .service(auth::handlers::setup_create);
            setup::configure(cfg);
        }))
        .service(paths_under("/interaction-templates").configure(setup::configure_old_paths))
        .service(paths_under("/admin").configure(admin::configure));
}

/// A group of routes whose paths are `prefix` or begin with `prefix/`: any other request
/// passes the group by after one comparison. A request that the group's routes do not match
/// is not found, as it would be without the group.
fn paths_under(prefix: &'static str) -> actix_web::Scope {
    aw::scope("").guard(actix_web::guard::fn_guard(move |ctx| {
        ctx.head()
            .uri
            .path()
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    }))
}

/// Starts the HTTP server on `listener` (call inside an actix system).
pub fn server(listener: TcpListener, pools: Pools, config: Config) -> std::io::Result<Server> {
    let hsts = config.secure_cookies();
    // Imports a stopped server left "running" are marked failed (their pages say so).
    contacts::import_jobs::recover(&pools.long);
    let locale = config.locale;
    // Database work runs on each worker's blocking threads (`web::db`), and every such task
    // waits for one of the pool's connections: more threads than connections only wait in
    // the pool's queue, and waking them held pages back under load (the home page 8,123 →
    // 10,796 requests/s without them: BENCHMARKS.md, Many users at once). Each worker has
    // threads of its own (actix's default is 512 divided by the workers), so the
    // connections are shared out among the workers: as many threads in all as connections
    // (with 16, twice as many, the contact list made 3,772 requests/s against 4,894).
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let blocking = blocking_threads(config.db_pool_size as usize, workers);
    let state = aw::Data::new(AppState::new(pools, config));
    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .app_data(aw::FormConfig::default().limit(256 * 1024))
            .configure(configure)
            .default_service(aw::to(web::pages::not_found))
            // Listed innermost first: the request log wraps everything.
            .wrap(from_fn(web::middleware::check_text))
            .wrap(from_fn(auth::session::middleware))
            .wrap(from_fn(web::middleware::cache_static))
            .wrap(ErrorHandlers::new().default_handler(web::pages::render_error_page))
            .wrap(web::middleware::security_headers(hsts))
            .wrap(from_fn(web::middleware::head_as_get))
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
    .workers(workers)
    .worker_max_blocking_threads(blocking)
    .listen(listener)?
    .shutdown_timeout(10)
    .run();
    Ok(server)
}

/// The blocking threads of each of `workers` workers for a pool of `connections`: the
/// connections shared out among them, at least one each.
fn blocking_threads(connections: usize, workers: usize) -> usize {
    connections.div_ceil(workers.max(1)).max(1)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_pools_connections_are_shared_out_among_the_workers() {
        assert_eq!(super::blocking_threads(8, 2), 4);
        assert_eq!(super::blocking_threads(8, 3), 3);
        assert_eq!(super::blocking_threads(2, 4), 1);
        assert_eq!(super::blocking_threads(8, 1), 8);
        assert_eq!(super::blocking_threads(8, 0), 8);
    }
}
