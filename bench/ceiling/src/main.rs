//! The ceiling: one page of Rapport's stack and nothing else. `GET /fortunes` reads the 12
//! rows of `fortune` (one query on a pooled connection, on the blocking thread pool as Rapport
//! does), adds one row in memory, sorts by message and renders them through an escaping askama
//! template. The pool is set up as Rapport's (size `RAPPORT_DB_POOL_SIZE`, default two a core, one
//! idle connection kept, JIT off); actix-web runs as many workers as Rapport (its default),
//! and memory is allocated by Rapport's allocator (mimalloc).
//!
//!   DATABASE_URL=postgres://… CEILING_BIND=127.0.0.1:8081 rapport-ceiling
//!
//! Creates and fills `fortune` when it is missing.

use actix_web::{get, web, App, HttpResponse, HttpServer};
use askama::Template;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool};
use diesel::sql_types::{Integer, Text};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

type DbPool = Pool<ConnectionManager<PgConnection>>;

#[derive(QueryableByName)]
struct Fortune {
    #[diesel(sql_type = Integer)]
    id: i32,
    #[diesel(sql_type = Text)]
    message: String,
}

#[derive(Template)]
#[template(path = "fortunes.html")]
struct FortunesPage {
    fortunes: Vec<Fortune>,
}

#[derive(Debug)]
struct JitOff;

impl CustomizeConnection<PgConnection, diesel::r2d2::Error> for JitOff {
    fn on_acquire(&self, conn: &mut PgConnection) -> Result<(), diesel::r2d2::Error> {
        conn.batch_execute("SET jit = off")
            .map_err(diesel::r2d2::Error::QueryError)
    }
}

const SETUP: &str = "
CREATE TABLE IF NOT EXISTS fortune (id integer PRIMARY KEY, message text NOT NULL);
INSERT INTO fortune (id, message) VALUES
 (1, 'fortune: No such file or directory'),
 (2, 'A computer scientist is someone who fixes things that aren''t broken.'),
 (3, 'After enough decimal places, nobody gives a damn.'),
 (4, 'A bad random number generator: 1, 1, 1, 1, 1, 4.33e+67, 1, 1, 1'),
 (5, 'A computer program does what you tell it to do, not what you want it to do.'),
 (6, 'Emacs is a nice operating system, but I prefer UNIX. — Tom Christaensen'),
 (7, 'Any program that runs right is obsolete.'),
 (8, 'A list is only as strong as its weakest link. — Donald Knuth'),
 (9, 'Feature: A bug with seniority.'),
 (10, 'Computers make very fast, very accurate mistakes.'),
 (11, '<script>alert(\"This should not be displayed in a browser alert box.\");</script>'),
 (12, 'フレームワークのベンチマーク')
ON CONFLICT (id) DO NOTHING;
";

#[get("/fortunes")]
async fn fortunes(pool: web::Data<DbPool>) -> actix_web::Result<HttpResponse> {
    let pool = pool.clone();
    let mut rows = web::block(move || -> Result<Vec<Fortune>, String> {
        let mut conn = pool.get().map_err(|e| e.to_string())?;
        diesel::sql_query("SELECT id, message FROM fortune")
            .load::<Fortune>(&mut conn)
            .map_err(|e| e.to_string())
    })
    .await?
    .map_err(actix_web::error::ErrorInternalServerError)?;
    rows.push(Fortune {
        id: 0,
        message: "Additional fortune added at request time.".into(),
    });
    rows.sort_by(|a, b| a.message.cmp(&b.message));
    let html = FortunesPage { fortunes: rows }
        .render()
        .map_err(actix_web::error::ErrorInternalServerError)?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(html))
}

fn main() -> std::io::Result<()> {
    let url = std::env::var("DATABASE_URL")
        .map_err(|_| std::io::Error::other("DATABASE_URL is not set"))?;
    let bind = std::env::var("CEILING_BIND").unwrap_or_else(|_| "127.0.0.1:8081".into());
    let size = std::env::var("RAPPORT_DB_POOL_SIZE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| {
            // Rapport's default: two connections a core.
            let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
            (cores * 2).max(2) as u32
        });
    let pool = Pool::builder()
        .max_size(size)
        .min_idle(Some(1))
        .connection_timeout(std::time::Duration::from_secs(10))
        .test_on_check_out(false)
        .connection_customizer(Box::new(JitOff))
        .build(ConnectionManager::<PgConnection>::new(url))
        .map_err(std::io::Error::other)?;
    pool.get()
        .map_err(std::io::Error::other)?
        .batch_execute(SETUP)
        .map_err(std::io::Error::other)?;
    actix_web::rt::System::new().block_on(async move {
        let data = web::Data::new(pool);
        HttpServer::new(move || App::new().app_data(data.clone()).service(fortunes))
            .bind(bind)?
            .run()
            .await
    })
}
