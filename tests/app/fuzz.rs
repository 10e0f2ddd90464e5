//! The bounded fuzz suite: every form of the app, found by crawling its pages as an
//! administrator and as staff, gets a few dozen mutated submissions (NUL, CRLF, very long
//! values, Unicode, quotes, markup, empty, numbers out of range, unknown, missing and repeated
//! fields), and every page's query string and path get mutated GETs. Not one answer may be a
//! 5xx. The generator is seeded, so a failure repeats.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::auth::diesel_exec;
use crate::support::*;

/// Routes whose 5xx belong to work in progress elsewhere (segments' criteria, contacts'
/// import/export/delete, number series): listed here so the suite can run meanwhile. Each
/// entry is a prefix of the request's path and the method. Remove entries as those land.
const KNOWN_EXCEPTIONS: &[(&str, &str)] = &[];

const SEED: u64 = 0x5241_5050_4f52_5421;
/// Mutated submissions per form, for the administrator and for staff (`FUZZ_ROUNDS` sets
/// the administrator's for a deeper run; staff get a quarter of it; `FUZZ_SEED` another
/// sequence).
const ADMIN_ROUNDS: usize = 50;
/// Mutated GETs per page (query string and path).
const GET_ROUNDS: usize = 12;
const MAX_PAGES: usize = 120;
/// Longer addresses than this are not sent (the HTTP client cannot; browsers stop sooner).
const MAX_URL: usize = 32_000;

/// Values that have broken web applications before.
const NASTY: &[&str] = &[
    "\0",
    "a\0b",
    "\r\n",
    "x\r\nSet-Cookie: evil=1",
    "'",
    "' OR '1'='1",
    "\"",
    "<script>alert(1)</script>",
    "",
    " ",
    "-1",
    "0",
    "1",
    "2147483648",
    "-2147483649",
    "9223372036854775808",
    "-9223372036854775809",
    "99999999999999999999999999",
    "1e309",
    "NaN",
    "-0.000000001",
    "12345678901234.567",
    "Østergaard ß İstanbul 😀",
    "\u{202e}\u{200b}",
    "..",
    "../../etc/passwd",
    "*",
    "@*",
    "|",
    "((",
    "''",
    "%",
    "_",
    "\\",
    "1..",
    "..0",
    "<>",
    "&",
    "9999-99-99",
    "2026-02-30",
    "0000-01-01",
    "99999-01-01",
    "on",
    "true",
    "add",
    "remove",
];

fn long_value(rng: &mut ChaCha8Rng) -> String {
    match rng.gen_range(0..4) {
        0 => "x".repeat(10_000),
        1 => "ø".repeat(5_000),
        2 => "9".repeat(1_000),
        _ => "A|".repeat(3_000),
    }
}

fn nasty(rng: &mut ChaCha8Rng) -> String {
    if rng.gen_ratio(1, 8) {
        long_value(rng)
    } else {
        NASTY.choose(rng).unwrap().to_string()
    }
}

/// A form as a browser would send it.
#[derive(Clone, Debug)]
struct Form {
    method: String,
    action: String,
    fields: Vec<(String, String)>,
}

fn unescape(s: &str) -> String {
    s.replace("&#34;", "\"")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#60;", "<")
        .replace("&lt;", "<")
        .replace("&#62;", ">")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

fn attr(tag: &str, name: &str) -> Option<String> {
    let marker = format!(" {name}=\"");
    let start = tag.find(&marker)? + marker.len();
    let end = tag[start..].find('"')? + start;
    Some(unescape(&tag[start..end]))
}

fn has_attr(tag: &str, name: &str) -> bool {
    tag.contains(&format!(" {name}")) && attr(tag, name).is_none_or(|v| v != "false")
}

/// The tags named `name` in `html`, each as its opening tag's text.
fn tags<'a>(html: &'a str, name: &str) -> Vec<(usize, &'a str)> {
    let open = format!("<{name}");
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(i) = html[at..].find(&open) {
        let start = at + i;
        let after = html[start + open.len()..].chars().next();
        let Some(end) = html[start..].find('>') else {
            break;
        };
        if matches!(after, Some(' ' | '>' | '\n')) {
            out.push((start, &html[start..start + end + 1]));
        }
        at = start + end + 1;
    }
    out
}

fn parse_forms(html: &str) -> Vec<Form> {
    let mut forms = Vec::new();
    for (start, tag) in tags(html, "form") {
        let Some(len) = html[start..].find("</form>") else {
            continue;
        };
        let body = &html[start..start + len];
        let method = attr(tag, "method").unwrap_or_else(|| "get".into());
        let action = attr(tag, "action").unwrap_or_default();
        if attr(tag, "enctype").is_some_and(|e| e.contains("multipart")) {
            continue;
        }
        let mut fields: Vec<(String, String)> = Vec::new();
        let mut seen_radio = BTreeSet::new();
        for (_, input) in tags(body, "input") {
            let Some(name) = attr(input, "name") else {
                continue;
            };
            let kind = attr(input, "type").unwrap_or_else(|| "text".into());
            let value = attr(input, "value").unwrap_or_default();
            match kind.as_str() {
                "checkbox" => {
                    if has_attr(input, "checked") {
                        fields.push((name, if value.is_empty() { "on".into() } else { value }));
                    }
                }
                "radio" => {
                    if seen_radio.insert(name.clone()) {
                        fields.push((name, value));
                    }
                }
                "submit" | "button" | "image" | "reset" | "file" => {}
                _ => fields.push((name, value)),
            }
        }
        for (at, select) in tags(body, "select") {
            let Some(name) = attr(select, "name") else {
                continue;
            };
            let end = body[at..].find("</select>").map_or(body.len(), |e| at + e);
            let options = tags(&body[at..end], "option");
            let chosen = options
                .iter()
                .find(|(_, o)| has_attr(o, "selected"))
                .or_else(|| {
                    options
                        .iter()
                        .rev()
                        .find(|(_, o)| attr(o, "value").is_some())
                })
                .and_then(|(_, o)| attr(o, "value"))
                .unwrap_or_default();
            fields.push((name, chosen));
        }
        for (at, area) in tags(body, "textarea") {
            if let Some(name) = attr(area, "name") {
                let from = at + area.len();
                let to = body[from..].find("</textarea>").map_or(from, |e| from + e);
                fields.push((name, unescape(&body[from..to])));
            }
        }
        // The first named submit button, as a click on it sends.
        if let Some((_, button)) = tags(body, "button")
            .into_iter()
            .find(|(_, b)| attr(b, "name").is_some())
        {
            fields.push((
                attr(button, "name").unwrap_or_default(),
                attr(button, "value").unwrap_or_default(),
            ));
        }
        // A button elsewhere that submits this form to an address of its own (`form` and
        // `formaction`), as a form of its own.
        if let Some(id) = attr(tag, "id") {
            for (_, button) in tags(html, "button") {
                if let (Some(of), Some(to)) = (attr(button, "form"), attr(button, "formaction")) {
                    if of == id {
                        forms.push(Form {
                            method: method.to_ascii_lowercase(),
                            action: to,
                            fields: fields.clone(),
                        });
                    }
                }
            }
        }
        forms.push(Form {
            method: method.to_ascii_lowercase(),
            action,
            fields,
        });
    }
    forms
}

fn links(html: &str) -> Vec<String> {
    tags(html, "a")
        .into_iter()
        .filter_map(|(_, a)| attr(a, "href"))
        .filter(|h| h.starts_with('/') && !h.starts_with("//"))
        .map(|h| h.split('#').next().unwrap_or_default().to_string())
        .filter(|h| !h.is_empty())
        .collect()
}

/// A path's shape: segments that hold a number or an upper-case code become `*`, so that
/// the suite visits a few contacts, not all of them.
fn shape(path: &str) -> String {
    let path = path.split('?').next().unwrap_or_default();
    path.split('/')
        .map(|s| {
            if s.chars()
                .any(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
            {
                "*"
            } else {
                s
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// A signed-in client that signs in again when an action ended its session.
struct Actor {
    client: Client,
    username: &'static str,
    token: String,
}

impl Actor {
    fn new(app: &TestApp, username: &'static str) -> Actor {
        let mut client = app.client();
        client.sign_in(username, PASSWORD);
        let token = client.get("/").csrf_token().expect("a form token");
        Actor {
            client,
            username,
            token,
        }
    }

    fn revive(&mut self, res: &Resp) {
        let lost = res.status == 403
            || res
                .location()
                .is_some_and(|l| l.starts_with("/login") || l == "/");
        if lost {
            let home = self.client.get("/");
            if home.status != 200 {
                self.client.sign_in(self.username, PASSWORD);
            }
            if let Some(token) = self.client.get("/").csrf_token() {
                self.token = token;
            }
        }
    }
}

#[derive(Default)]
struct Findings {
    requests: usize,
    failures: Vec<String>,
    by_status: BTreeMap<u16, usize>,
}

impl Findings {
    fn note(&mut self, method: &str, path: &str, detail: &str, res: &Resp) {
        self.requests += 1;
        *self.by_status.entry(res.status).or_default() += 1;
        if matches!(res.status, 404 | 409) && std::env::var_os("FUZZ_VERBOSE").is_some() {
            let detail: String = detail.chars().take(120).collect();
            eprintln!("{} {method} {} {detail}", res.status, shape(path));
        }
        if res.status >= 500 {
            let known = KNOWN_EXCEPTIONS
                .iter()
                .any(|(m, p)| m.eq_ignore_ascii_case(method) && path.starts_with(p));
            if !known {
                let path: String = path.chars().take(160).collect();
                let detail: String = detail.chars().take(300).collect();
                // The page's heading says which refusal or failure it was.
                let heading = res
                    .body
                    .split_once("<h1")
                    .and_then(|(_, rest)| rest.split_once('>'))
                    .and_then(|(_, rest)| rest.split_once("</h1>"))
                    .map(|(h, _)| h.chars().take(120).collect::<String>())
                    .unwrap_or_default();
                self.failures.push(format!(
                    "{} {method} {path} {detail} ({heading})",
                    res.status
                ));
            }
        }
    }
}

/// Visits the pages an actor can reach, from the navigation's roots outwards.
fn crawl(actor: &mut Actor, roots: &[&str]) -> (Vec<String>, Vec<Form>) {
    let mut queue: VecDeque<String> = roots.iter().map(|s| s.to_string()).collect();
    let mut seen = BTreeSet::new();
    let mut per_shape: BTreeMap<String, usize> = BTreeMap::new();
    let mut pages = Vec::new();
    let mut forms: Vec<Form> = Vec::new();
    let mut form_keys = BTreeSet::new();
    while let Some(path) = queue.pop_front() {
        if pages.len() >= MAX_PAGES || !seen.insert(path.clone()) {
            continue;
        }
        if path.starts_with("/static") || path.contains("export.csv") || path == "/logout" {
            continue;
        }
        let with_query = if path.contains('?') { "?" } else { "" };
        let n = per_shape
            .entry(format!("{}{with_query}", shape(&path)))
            .or_default();
        if *n >= 2 {
            continue;
        }
        *n += 1;
        let res = actor.client.get(&path);
        assert!(
            res.status < 500,
            "GET {path} while crawling: {}",
            res.status
        );
        if res.status != 200 {
            continue;
        }
        pages.push(path.clone());
        for form in parse_forms(&res.body) {
            let names: BTreeSet<&str> = form.fields.iter().map(|(k, _)| k.as_str()).collect();
            let key = format!("{} {} {names:?}", form.method, shape(&form.action));
            if form.method == "get" && !form.action.is_empty() {
                // A search or preview form leads to pages (and forms) of its own.
                queue.push_back(format!("{}?{}", form.action, encode(&form.fields)));
            }
            if form_keys.insert(key) {
                forms.push(form);
            }
        }
        for link in links(&res.body) {
            queue.push_back(link);
        }
    }
    (pages, forms)
}

/// What a form may not be sent in the suite: it would end the actors' own access.
fn spared(form: &Form) -> bool {
    let a = &form.action;
    a == "/logout"
        || a.starts_with("/admin/users/boss")
        || a.starts_with("/admin/users/stan")
        || a.contains("/import")
}

/// Destructive actions go last, so that the other forms still find what they work on.
fn destructive(form: &Form) -> bool {
    ["delete", "disable", "remove", "go-back", "password"]
        .iter()
        .any(|w| form.action.contains(w))
}

fn mutate(rng: &mut ChaCha8Rng, fields: &[(String, String)]) -> (Vec<(String, String)>, String) {
    let mut out: Vec<(String, String)> = fields.to_vec();
    let pick = |rng: &mut ChaCha8Rng, n: usize| {
        if n == 0 {
            None
        } else {
            Some(rng.gen_range(0..n))
        }
    };
    let how = rng.gen_range(0..8);
    let detail;
    match how {
        0..=2 => {
            let v = nasty(rng);
            match pick(rng, out.len()) {
                Some(i) => {
                    detail = format!("{}={v:?}", out[i].0);
                    out[i].1 = v;
                }
                None => {
                    detail = format!("extra={v:?}");
                    out.push(("extra".into(), v));
                }
            }
        }
        3 => {
            let v = nasty(rng);
            detail = format!("all={v:?}");
            for f in &mut out {
                f.1 = v.clone();
            }
        }
        4 => {
            let i = pick(rng, out.len());
            detail = format!("missing {:?}", i.map(|i| out[i].0.clone()));
            if let Some(i) = i {
                out.remove(i);
            }
        }
        5 => {
            let v = nasty(rng);
            detail = format!("unknown field {v:?}");
            out.push((nasty(rng), v));
        }
        6 => {
            let i = pick(rng, out.len());
            let v = nasty(rng);
            detail = format!("repeated {:?} = {v:?}", i.map(|i| out[i].0.clone()));
            if let Some(i) = i {
                let name = out[i].0.clone();
                out.push((name, v));
            }
        }
        _ => {
            let mut changed = Vec::new();
            for _ in 0..3 {
                if let Some(i) = pick(rng, out.len()) {
                    out[i].1 = nasty(rng);
                    changed.push(format!("{}={:?}", out[i].0, out[i].1));
                }
            }
            detail = changed.join(" ");
        }
    }
    (out, detail)
}

fn encode(fields: &[(String, String)]) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in fields {
        s.append_pair(k, v);
    }
    s.finish()
}

/// Sends `rounds` mutated submissions of every form that is not spared and is (or is not)
/// destructive.
fn fuzz_forms(
    actor: &mut Actor,
    forms: &[Form],
    destructive_ones: bool,
    rounds: usize,
    rng: &mut ChaCha8Rng,
    findings: &mut Findings,
) {
    let order = forms
        .iter()
        .filter(|f| !spared(f) && destructive(f) == destructive_ones);
    for form in order {
        for _ in 0..rounds {
            let (fields, detail) = mutate(rng, &form.fields);
            if form.method == "post" {
                let mut all = vec![("csrf_token".to_string(), actor.token.clone())];
                all.extend(fields.into_iter().filter(|(k, _)| k != "csrf_token"));
                let borrowed: Vec<(&str, &str)> =
                    all.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                let res = actor.client.post_raw(&form.action, &borrowed);
                findings.note("POST", &form.action, &detail, &res);
                actor.revive(&res);
            } else {
                let action = if form.action.is_empty() {
                    "/".to_string()
                } else {
                    form.action.clone()
                };
                let path = format!("{action}?{}", encode(&fields));
                if path.len() > MAX_URL {
                    continue;
                }
                let res = actor.client.get(&path);
                findings.note("GET", &action, &detail, &res);
            }
        }
    }
}

/// Mutated query strings and paths of the pages visited.
fn fuzz_gets(actor: &mut Actor, pages: &[String], rng: &mut ChaCha8Rng, findings: &mut Findings) {
    const PARAMS: &[&str] = &[
        "q", "page", "sort", "dir", "type", "after", "before", "status", "next", "kind", "code",
        "contact", "step", "token", "id", "line", "last", "per_page",
    ];
    for page in pages {
        let (path, query) = page.split_once('?').unwrap_or((page, ""));
        let base: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        for round in 0..GET_ROUNDS {
            let detail;
            let target;
            if round % 4 == 3 {
                // The path: one segment replaced.
                let mut parts: Vec<String> = path.split('/').map(str::to_string).collect();
                let i = rng.gen_range(1..parts.len().max(2));
                let v = nasty(rng);
                let encoded: String = url::form_urlencoded::byte_serialize(v.as_bytes()).collect();
                if i < parts.len() {
                    parts[i] = encoded;
                } else {
                    parts.push(encoded);
                }
                target = parts.join("/");
                detail = format!("path segment {v:?}");
            } else {
                let mut fields = base.clone();
                let name = PARAMS.choose(rng).unwrap().to_string();
                fields.push((name, String::new()));
                let (fields, d) = mutate(rng, &fields);
                target = format!("{path}?{}", encode(&fields));
                detail = d;
            }
            if target.len() > MAX_URL {
                continue;
            }
            let res = actor.client.get(&target);
            findings.note("GET", &target, &detail, &res);
        }
    }
}

fn world(app: &TestApp) {
    diesel_exec(
        app,
        "INSERT INTO salespeople (code, name) VALUES ('JO', 'Jo Sales'), ('PL', 'Pat Lee');
         INSERT INTO territories (code, description) VALUES ('NORTH', 'North');
         INSERT INTO industry_groups (code, description) VALUES
             ('RETAIL', 'Retail'), ('WHOLESALE', 'Wholesale');
         INSERT INTO business_relations (code, description) VALUES ('CUST', 'Customer');
         INSERT INTO mailing_groups (code, description) VALUES ('XMAS', 'Christmas cards');
         INSERT INTO job_responsibilities (code, description) VALUES ('PURCH', 'Purchasing');
         INSERT INTO organizational_levels (code, description) VALUES ('CEO', 'Chief');
         INSERT INTO interaction_groups (code, description) VALUES ('LETTER', 'Letters');
         INSERT INTO campaigns (no, description) VALUES ('CP0001', 'Spring');
         INSERT INTO contacts (no, type, name, country_code, email, salesperson_code) VALUES
             ('ALPHA', 'company', 'Alpha Retail', 'DK', 'info@alpha.dk', 'JO'),
             ('BETA', 'company', 'Beta Wholesale', 'SE', '', NULL);
         INSERT INTO contacts (no, type, name, company_id, country_code, email)
             SELECT v.no, 'person', v.name, co.id, 'DK', '' FROM (VALUES
                 ('ANNA', 'Anna Alpha', 'ALPHA'), ('DORA', 'Dora Beta', 'BETA')) v(no, name, company)
             JOIN contacts co ON co.no = v.company;
         INSERT INTO contact_industry_groups (contact_id, code)
             SELECT id, 'RETAIL' FROM contacts WHERE no = 'ALPHA';
         INSERT INTO contact_mailing_groups (contact_id, code)
             SELECT id, 'XMAS' FROM contacts WHERE no = 'ANNA';
         INSERT INTO profile_questionnaires (code, description) VALUES ('CUSTQ', 'Customer');
         INSERT INTO profile_questions (questionnaire_code, position, description)
             VALUES ('CUSTQ', 1, 'Size');
         INSERT INTO profile_answers (question_id, position, description)
             SELECT id, 1, 'Large' FROM profile_questions UNION ALL
             SELECT id, 2, 'Small' FROM profile_questions;",
    );
}

/// A segment with one step and saved criteria, made through the forms as a user would.
fn a_segment(staff: &mut Actor) {
    let page = staff.client.get("/segments/new");
    let form = parse_forms(&page.body)
        .into_iter()
        .find(|f| f.action == "/segments")
        .expect("the new segment form");
    let mut fields = form.fields.clone();
    for f in &mut fields {
        if f.0 == "description" {
            f.1 = "Fuzzed".into();
        }
    }
    let borrowed: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let res = staff.client.post_raw("/segments", &borrowed);
    assert_eq!(res.status, 303, "new segment: {}", res.body);
    let segment = res.location().unwrap();
    let token = staff.token.clone();
    let res = staff.client.post_raw(
        &format!("{segment}/add"),
        &[("csrf_token", &token), ("industry_group", "RETAIL")],
    );
    assert!(res.status < 500, "add step: {}", res.body);
    staff.client.post_raw(
        &format!("{segment}/save-criteria"),
        &[
            ("csrf_token", &staff.token.clone()),
            ("code", "FUZZ"),
            ("description", "Fuzz criteria"),
        ],
    );
}

#[test]
fn no_form_or_address_answers_with_a_5xx() {
    let app = TestApp::start();
    world(&app);
    app.user("boss", "admin");
    app.user("stan", "staff");
    app.user("victim", "staff");
    let seed = std::env::var("FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(SEED);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let rounds = std::env::var("FUZZ_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(ADMIN_ROUNDS);
    let mut findings = Findings::default();
    let mut admin = Actor::new(&app, "boss");
    let mut staff = Actor::new(&app, "stan");
    a_segment(&mut staff);

    let roots = [
        "/",
        "/contacts",
        "/contacts/new",
        "/contacts/ALPHA",
        "/contacts/ANNA",
        "/segments",
        "/segments/new",
        "/saved-criteria",
        "/setup",
        "/setup/number-series",
        "/setup/salespeople",
        "/setup/profile-questionnaires",
        "/admin/users",
        "/admin/users/new",
        "/admin/users/victim",
        "/admin/audit",
        "/login",
    ];
    let (staff_pages, staff_forms) = crawl(&mut staff, &roots);
    let (admin_pages, admin_forms) = crawl(&mut admin, &roots);
    if std::env::var_os("FUZZ_VERBOSE").is_some() {
        eprintln!("staff pages {staff_pages:?}\nadmin pages {admin_pages:?}");
        for f in &admin_forms {
            eprintln!("form {} {} {:?}", f.method, f.action, f.fields);
        }
    }
    assert!(
        admin_forms.len() >= 20,
        "the crawl found only {} forms",
        admin_forms.len()
    );

    fuzz_gets(&mut staff, &staff_pages, &mut rng, &mut findings);
    // What changes things first, as each role; what deletes and undoes last.
    for destructive_ones in [false, true] {
        let (s, a) = (&staff_forms, &admin_forms);
        fuzz_forms(
            &mut staff,
            s,
            destructive_ones,
            rounds / 4,
            &mut rng,
            &mut findings,
        );
        fuzz_forms(
            &mut admin,
            a,
            destructive_ones,
            rounds,
            &mut rng,
            &mut findings,
        );
    }
    fuzz_gets(&mut admin, &admin_pages, &mut rng, &mut findings);

    // A visitor's forms too: sign-in and the first-run page.
    let mut visitor = app.client();
    for _ in 0..rounds {
        let token = visitor.get("/login").csrf_token().unwrap();
        let base = vec![
            ("username".to_string(), "nobody".to_string()),
            ("password".to_string(), "x".to_string()),
            ("next".to_string(), "/".to_string()),
        ];
        let (fields, detail) = mutate(&mut rng, &base);
        let mut all = vec![("csrf_token".to_string(), token)];
        all.extend(fields);
        let borrowed: Vec<(&str, &str)> =
            all.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let res = visitor.post_raw("/login", &borrowed);
        findings.note("POST", "/login", &detail, &res);
    }

    eprintln!(
        "fuzz: {} requests, {} forms (admin), {} forms (staff), statuses {:?}",
        findings.requests,
        admin_forms.len(),
        staff_forms.len(),
        findings.by_status
    );
    assert!(
        findings.failures.is_empty(),
        "{} answers with a 5xx:\n{}",
        findings.failures.len(),
        findings.failures.join("\n")
    );
}
