//! `src/db/schema.rs` is what `diesel print-schema` writes with `diesel.toml` (and its patch),
//! but nothing runs the CLI for you, and the file can also be edited by hand: these tests hold
//! it to the migrated database, table by table and column by column (names, nullability, diesel
//! types, primary keys), so that it cannot drift from the migrations.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Text};

use crate::support::TestDb;

/// A table as diesel sees it: its primary key in order, and its columns by SQL name with their
/// diesel SQL type written in one canonical way (e.g. `Nullable<Int8>`).
#[derive(Default)]
struct Table {
    primary_key: Vec<String>,
    columns: BTreeMap<String, String>,
}

type Schema = BTreeMap<String, Table>;

/// Diesel's own bookkeeping table, never in `schema.rs`.
const MIGRATIONS_TABLE: &str = "__diesel_schema_migrations";

fn schema_rs() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/db/schema.rs");
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"))
}

/// The `table!` blocks of a schema file.
fn parse_schema_rs(text: &str) -> Schema {
    let mut schema = Schema::new();
    let mut lines = text.lines().map(str::trim);
    while let Some(line) = lines.next() {
        if line.starts_with("diesel::table!") || line.starts_with("table!") {
            let (name, table) = parse_table(&mut lines);
            schema.insert(name, table);
        }
    }
    schema
}

/// The inside of one `table!` block, up to its closing brace.
fn parse_table<'a>(lines: &mut impl Iterator<Item = &'a str>) -> (String, Table) {
    let mut sql_name: Option<String> = None;
    let mut header: Option<(String, Vec<String>)> = None;
    // Rust name → SQL name of each column: the primary key is written with the Rust names.
    let mut rust_names = HashMap::new();
    let mut columns = BTreeMap::new();
    for line in lines.by_ref() {
        if line.is_empty() || line.starts_with("//") || line.starts_with("use ") {
            continue;
        }
        if let Some(name) = attribute_sql_name(line) {
            sql_name = Some(name);
            continue;
        }
        if line.starts_with("#[") {
            continue; // #[max_length = …] and the like do not change the SQL type
        }
        if header.is_none() {
            let (name, rest) = line
                .split_once('(')
                .unwrap_or_else(|| panic!("a table! header, not {line:?}"));
            let (key, _) = rest
                .split_once(')')
                .unwrap_or_else(|| panic!("a primary key in {line:?}"));
            let rust_name = name.trim().rsplit('.').next().unwrap_or_default();
            let name = sql_name.take().unwrap_or_else(|| rust_name.to_string());
            let key = key.split(',').map(|c| c.trim().to_string()).collect();
            header = Some((name, key));
        } else if line == "}" {
            break;
        } else {
            let (column, ty) = line
                .trim_end_matches(',')
                .split_once("->")
                .unwrap_or_else(|| panic!("a column, not {line:?}"));
            let column = column.trim();
            let sql = sql_name.take().unwrap_or_else(|| column.to_string());
            rust_names.insert(column.to_string(), sql.clone());
            columns.insert(sql, canonical_rs_type(ty.trim()));
        }
    }
    let (name, key) = header.unwrap_or_else(|| panic!("a table! block without a header"));
    let primary_key = key
        .into_iter()
        .map(|c| rust_names.get(&c).cloned().unwrap_or(c))
        .collect();
    (
        name,
        Table {
            primary_key,
            columns,
        },
    )
}

/// `#[sql_name = "type"]` → `type`.
fn attribute_sql_name(line: &str) -> Option<String> {
    let inner = line.strip_prefix("#[")?.strip_suffix(']')?;
    let (key, value) = inner.split_once('=')?;
    (key.trim() == "sql_name").then(|| value.trim().trim_matches('"').to_string())
}

/// A diesel SQL type as written in `schema.rs` (`diesel::sql_types::BigInt`, `Nullable<Text>`),
/// with aliases replaced by the name `diesel print-schema` writes.
fn canonical_rs_type(ty: &str) -> String {
    let ty = ty.replace(' ', "");
    let (outer, inner) = match ty.split_once('<') {
        Some((outer, inner)) => (outer, inner.strip_suffix('>').map(canonical_rs_type)),
        None => (ty.as_str(), None),
    };
    let outer = outer.rsplit("::").next().unwrap_or(outer);
    let outer = match outer {
        "BigInt" | "BigSerial" => "Int8",
        "Integer" | "Serial" => "Int4",
        "SmallInt" | "SmallSerial" => "Int2",
        "Double" => "Float8",
        "Float" => "Float4",
        "Binary" => "Bytea",
        "Decimal" => "Numeric",
        "VarChar" | "Varchar" => "Text",
        "Bool" => "Bool",
        other => other,
    };
    match inner {
        Some(inner) => format!("{outer}<{inner}>"),
        None => outer.to_string(),
    }
}

#[derive(QueryableByName)]
struct DbColumn {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Bool)]
    nullable: bool,
    #[diesel(sql_type = BigInt)]
    type_oid: i64,
}

#[derive(QueryableByName)]
struct DbType {
    #[diesel(sql_type = BigInt)]
    oid: i64,
    #[diesel(sql_type = Text)]
    name: String,
    /// A domain's type: the type it is made over.
    #[diesel(sql_type = BigInt)]
    base: i64,
    /// An array's type: the type of its elements.
    #[diesel(sql_type = BigInt)]
    element: i64,
    #[diesel(sql_type = Bool)]
    is_array: bool,
}

#[derive(QueryableByName)]
struct DbKey {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
}

/// The tables of the connected database's `public` schema, read from the catalog.
fn database_schema(conn: &mut PgConnection) -> Schema {
    // Nullable as information_schema (and so diesel print-schema) says: neither the column nor
    // its domain is NOT NULL.
    let columns: Vec<DbColumn> = diesel::sql_query(
        "SELECT c.relname::text AS table_name, a.attname::text AS column_name,
                NOT (a.attnotnull OR (t.typtype = 'd' AND t.typnotnull)) AS nullable,
                a.atttypid::int8 AS type_oid
           FROM pg_attribute a
           JOIN pg_class c ON c.oid = a.attrelid
           JOIN pg_namespace n ON n.oid = c.relnamespace
           JOIN pg_type t ON t.oid = a.atttypid
          WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
            AND a.attnum > 0 AND NOT a.attisdropped
            AND c.relname <> $1",
    )
    .bind::<Text, _>(MIGRATIONS_TABLE)
    .load(conn)
    .expect("the database's columns");
    let types: HashMap<i64, DbType> = diesel::sql_query(
        "SELECT oid::int8 AS oid, typname::text AS name, typbasetype::int8 AS base,
                typelem::int8 AS element, typcategory = 'A' AS is_array
           FROM pg_type",
    )
    .load::<DbType>(conn)
    .expect("the database's types")
    .into_iter()
    .map(|t| (t.oid, t))
    .collect();
    let keys: Vec<DbKey> = diesel::sql_query(
        "SELECT c.relname::text AS table_name, a.attname::text AS column_name,
                k.position::int4 AS position
           FROM pg_index i
           JOIN pg_class c ON c.oid = i.indrelid
           JOIN pg_namespace n ON n.oid = c.relnamespace
           CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, position)
           JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
          WHERE i.indisprimary AND n.nspname = 'public'
          ORDER BY 1, 3",
    )
    .load(conn)
    .expect("the database's primary keys");

    let mut schema = Schema::new();
    for c in columns {
        let ty = diesel_type(&types, c.type_oid);
        let ty = if c.nullable {
            format!("Nullable<{ty}>")
        } else {
            ty
        };
        schema
            .entry(c.table_name)
            .or_default()
            .columns
            .insert(c.column_name, ty);
    }
    for k in keys {
        if let Some(t) = schema.get_mut(&k.table_name) {
            t.primary_key.push(k.column_name);
        }
    }
    schema
}

/// The name diesel print-schema gives a PostgreSQL type: domains by the type they are made
/// over, arrays as `Array<Nullable<…>>` (PostgreSQL arrays may hold NULLs), the rest by their
/// name in upper camel case as in `diesel::sql_types` (`int8` → `Int8`, `timestamptz` →
/// `Timestamptz`).
fn diesel_type(types: &HashMap<i64, DbType>, oid: i64) -> String {
    let Some(t) = types.get(&oid) else {
        return format!("<unknown type {oid}>");
    };
    if t.base != 0 {
        return diesel_type(types, t.base);
    }
    if t.is_array && t.element != 0 {
        return format!("Array<Nullable<{}>>", diesel_type(types, t.element));
    }
    match t.name.as_str() {
        "varchar" => "Text".to_string(),
        name => name
            .split('_')
            .map(|part| {
                let mut chars = part.chars();
                chars
                    .next()
                    .map(|first| first.to_uppercase().chain(chars).collect::<String>())
                    .unwrap_or_default()
            })
            .collect(),
    }
}

/// What differs between the database and `schema.rs`, one line each; empty when they agree.
fn differences(database: &Schema, file: &Schema) -> Vec<String> {
    let mut out = Vec::new();
    let names: BTreeSet<&String> = database.keys().chain(file.keys()).collect();
    for name in names {
        let (db, rs) = match (database.get(name), file.get(name)) {
            (Some(db), Some(rs)) => (db, rs),
            (Some(_), None) => {
                out.push(format!(
                    "table {name}: in the database, missing from schema.rs"
                ));
                continue;
            }
            (None, _) => {
                out.push(format!("table {name}: in schema.rs, not in the database"));
                continue;
            }
        };
        if db.primary_key != rs.primary_key {
            out.push(format!(
                "table {name}: primary key ({}) in the database, ({}) in schema.rs",
                db.primary_key.join(", "),
                rs.primary_key.join(", ")
            ));
        }
        let columns: BTreeSet<&String> = db.columns.keys().chain(rs.columns.keys()).collect();
        for column in columns {
            match (db.columns.get(column), rs.columns.get(column)) {
                (Some(a), Some(b)) if a == b => {}
                (Some(a), Some(b)) => out.push(format!(
                    "column {name}.{column}: {a} in the database, {b} in schema.rs"
                )),
                (Some(a), None) => out.push(format!(
                    "column {name}.{column}: {a} in the database, missing from schema.rs"
                )),
                (None, Some(b)) => out.push(format!(
                    "column {name}.{column}: {b} in schema.rs, not in the database"
                )),
                (None, None) => {}
            }
        }
    }
    out
}

#[test]
fn schema_rs_matches_the_migrated_database() {
    let db = TestDb::new();
    let database = database_schema(&mut db.conn());
    let file = parse_schema_rs(&schema_rs());
    assert!(
        database.len() > 30,
        "the migrations make the tables: {:?}",
        database.keys()
    );
    let diff = differences(&database, &file);
    assert!(
        diff.is_empty(),
        "src/db/schema.rs does not match the migrations (regenerate it with \
         `diesel print-schema`, see diesel.toml, or edit it by hand):\n  {}",
        diff.join("\n  ")
    );
}

/// The check itself: a schema file edited in each way that can drift is caught, and named.
#[test]
fn a_drifted_schema_rs_is_caught_and_named() {
    let db = TestDb::new();
    let database = database_schema(&mut db.conn());
    let text = schema_rs();
    let drifted = text
        // a column's nullability
        .replace(
            "        search_text -> Nullable<Text>,\n",
            "        search_text -> Text,\n",
        )
        // a column's type
        .replace("        width -> Int4,\n", "        width -> Int8,\n")
        // a column left out, one made up
        .replace("        undone_by -> Nullable<Text>,\n", "")
        .replace(
            "        blocked -> Bool,\n",
            "        blocked -> Bool,\n        fax -> Text,\n",
        )
        // a renamed column
        .replace("        #[sql_name = \"type\"]\n", "")
        // a primary key
        .replace(
            "    saved_criteria_steps (code, seq) {",
            "    saved_criteria_steps (seq, code) {",
        )
        // a table left out
        .replace(
            "diesel::table! {\n    setup_tokens",
            "diesel::not_a_table! {\n    setup_tokens",
        );
    assert_ne!(text, drifted);
    let diff = differences(&database, &parse_schema_rs(&drifted));
    assert_eq!(
        diff,
        [
            "column contacts.search_text: Nullable<Text> in the database, Text in schema.rs",
            "column contacts.type: Text in the database, missing from schema.rs",
            "column contacts.type_: Text in schema.rs, not in the database",
            "column mailing_group_applications.undone_by: Nullable<Text> in the database, \
             missing from schema.rs",
            "column number_series.width: Int4 in the database, Int8 in schema.rs",
            "column sales_cycles.fax: Text in schema.rs, not in the database",
            "column salespeople.fax: Text in schema.rs, not in the database",
            "table saved_criteria_steps: primary key (code, seq) in the database, (seq, code) \
             in schema.rs",
            "table setup_tokens: in the database, missing from schema.rs",
        ]
    );
    // Aliases are the same type: BigInt is Int8.
    let aliased = text.replace("        id -> Int8,\n", "        id -> BigInt,\n");
    assert!(differences(&database, &parse_schema_rs(&aliased)).is_empty());
}

/// A row read column after column (`db::columns`, the segment page's lines) is the same
/// whatever the order of the statement's columns, with others among them; a column missing is
/// an error, not a wrong value.
#[test]
fn a_row_read_column_after_column_is_read_by_name_when_its_columns_come_in_another_order() {
    use rapport::segments::domain::lines::LineRow;
    let db = TestDb::new();
    let mut conn = db.conn();
    let columns = [
        "7::bigint AS id",
        "'CT000007' AS contact_no",
        "'Ann Berg' AS contact_name",
        "'Acme' AS company_name",
        "'CT000001' AS company_no",
        "true AS is_person",
        "'JO' AS salesperson",
        "DATE '2026-12-01' AS date",
        "NULL::text AS template",
        "'Email' AS correspondence_type",
        "1.50::numeric AS unit_cost",
        "10 AS unit_duration_min",
        "'Good' AS evaluation",
        "2 AS added_by_step",
        "'Odense' AS city",
        "'ann@example.dk' AS email",
        "false AS privacy_blocked",
        "true AS campaign_target",
        "false AS campaign_response",
        "'ohtcthth' AS origins",
        "true AS overridden",
    ];
    let read = |columns: &[&str], conn: &mut PgConnection| {
        diesel::sql_query(format!("SELECT {}", columns.join(", ")))
            .get_result::<LineRow>(conn)
            .map(|row| format!("{row:?}"))
    };
    let in_order = read(&columns, &mut conn).unwrap();
    assert!(in_order.contains("contact_no: \"CT000007\""), "{in_order}");
    assert!(in_order.contains("city: \"Odense\", email: \"ann@example.dk\""));
    let mut reversed = columns.to_vec();
    reversed.reverse();
    assert_eq!(read(&reversed, &mut conn).unwrap(), in_order);
    let mut others = vec!["'x' AS k1", "0 AS k2"];
    others.extend(columns.iter().rev().skip(3));
    others.extend(columns.iter().rev().take(3));
    others.push("'y' AS k3");
    assert_eq!(read(&others, &mut conn).unwrap(), in_order);
    let missing: Vec<&str> = columns
        .iter()
        .copied()
        .filter(|c| !c.ends_with(" city"))
        .collect();
    assert!(read(&missing, &mut conn).is_err());
}

/// A contact read by name from a statement that selects `c.*` (a company's card reads it so)
/// is the contact diesel's query builder reads, its `kind` from the column `type`, whether
/// other columns come first or not; without that column it is an error, not a wrong value.
#[test]
fn a_contact_read_from_all_its_columns_is_the_contact_the_query_builder_reads() {
    use rapport::contacts::domain::model::Contact;
    use rapport::db::schema::contacts;
    let db = TestDb::new();
    let mut conn = db.conn();
    diesel::sql_query(
        "INSERT INTO contacts (no, type, name, city, email, job_title) \
         VALUES ('CT000001', 'company', 'Acme A/S', 'Odense', 'info@acme.dk', ''), \
                ('CT000002', 'person', 'Ann Berg', 'Vejle', 'ann@acme.dk', 'Buyer')",
    )
    .execute(&mut conn)
    .unwrap();
    diesel::sql_query(
        "UPDATE contacts SET company_id = (SELECT id FROM contacts WHERE no = 'CT000001') \
         WHERE no = 'CT000002'",
    )
    .execute(&mut conn)
    .unwrap();
    let built: Vec<String> = contacts::table
        .order(contacts::no)
        .select(Contact::as_select())
        .load(&mut conn)
        .unwrap()
        .iter()
        .map(|c| format!("{c:?}"))
        .collect();
    assert!(built[1].contains("kind: \"person\""), "{}", built[1]);
    let read = |select: &str, conn: &mut PgConnection| {
        diesel::sql_query(format!("SELECT {select} FROM contacts c ORDER BY c.no"))
            .load::<Contact>(conn)
            .map(|rows| rows.iter().map(|c| format!("{c:?}")).collect::<Vec<_>>())
    };
    assert_eq!(read("c.*", &mut conn).unwrap(), built);
    assert_eq!(read("0 AS part, c.*, 'x' AS k", &mut conn).unwrap(), built);
    assert_eq!(
        read("c.updated_at, c.type, c.name, c.*", &mut conn).unwrap(),
        built
    );
    assert!(read("c.id, c.no, c.name", &mut conn).is_err());
}

/// A database not encoded in UTF-8 (made from `template1` on a server set up with `LANG=C`)
/// is refused before any migration touches it, with how to make one that is; migrating it
/// stopped half way.
#[test]
fn a_database_not_in_utf8_is_refused_before_migrating() {
    use diesel::connection::SimpleConnection;
    let db = TestDb::new();
    let name = format!("{}_ascii", db.name);
    db.conn()
        .batch_execute(&format!(
            "CREATE DATABASE {name} ENCODING 'SQL_ASCII' TEMPLATE template0 LC_COLLATE 'C' \
             LC_CTYPE 'C'"
        ))
        .unwrap();
    let url = db
        .url
        .replace(&format!("/{}", db.name), &format!("/{name}"));
    let outcome = {
        let mut conn = PgConnection::establish(&url).unwrap();
        let outcome = rapport::db::migrate(
            &mut conn,
            rapport::db::Sorting::As(rapport::config::Locale::Iso),
        );
        let tables = crate::support::count(
            &mut conn,
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'",
        );
        (outcome.map_err(|e| e.to_string()), tables)
    };
    db.conn()
        .batch_execute(&format!("DROP DATABASE {name} WITH (FORCE)"))
        .unwrap();
    let (result, tables) = outcome;
    let message = result.expect_err("migrated a SQL_ASCII database");
    assert!(
        message.contains(&format!("database {name} is encoded in SQL_ASCII"))
            && message.contains("ENCODING 'UTF8' TEMPLATE template0"),
        "{message}"
    );
    assert_eq!(tables, 0);
}

/// Every pooled connection has PostgreSQL's messages in English, whatever the database's
/// default, where the role may set it: Rapport tells a lock timeout by its message.
#[test]
fn pooled_connections_read_postgresql_messages_in_english() {
    use diesel::connection::SimpleConnection;
    let db = TestDb::new();
    db.conn()
        .batch_execute(&format!(
            "ALTER DATABASE {} SET lc_messages TO 'C.utf8'",
            db.name
        ))
        .unwrap();
    #[derive(QueryableByName)]
    struct Setting {
        #[diesel(sql_type = Text)]
        lc_messages: String,
    }
    let read = |conn: &mut PgConnection| {
        diesel::sql_query("SELECT current_setting('lc_messages') AS lc_messages")
            .get_result::<Setting>(conn)
            .unwrap()
            .lc_messages
    };
    assert_eq!(read(&mut db.conn()), "C.utf8");
    let pool = rapport::db::pool(&db.url, 1).unwrap();
    assert_eq!(read(&mut pool.get().unwrap()), "C");
    assert_eq!(
        rapport::db::messages_language(&mut pool.get().unwrap()).unwrap(),
        None
    );
}
