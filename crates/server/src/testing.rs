//! Support for tests of the portal and of code built on it: a PostgreSQL database of one's
//! own, thrown away afterwards.

use sqlx::Connection;

/// A database of its own on the PostgreSQL server tests use (`PORTAL_TEST_POSTGRES`, by
/// default the local one), dropped with everything in it when this goes.
pub struct PgDatabase {
    pub url: String,
    name: String,
    admin: String,
}

/// Where the tests create their PostgreSQL databases from.
pub fn postgres_admin_url() -> String {
    std::env::var("PORTAL_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

impl PgDatabase {
    pub async fn create() -> PgDatabase {
        let admin = postgres_admin_url();
        let mut conn = sqlx::PgConnection::connect(&admin)
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "these tests need a PostgreSQL server: none at {admin} ({e}); set \
                 PORTAL_TEST_POSTGRES to the URL of one where databases can be created"
                )
            });
        let name = format!("portal_test_{}", uuid::Uuid::new_v4().simple());
        sqlx::query(&format!("create database {name}"))
            .execute(&mut conn)
            .await
            .expect("a test database");
        let (base, _) = admin.rsplit_once('/').expect("a database in the URL");
        PgDatabase {
            url: format!("{base}/{name}"),
            name,
            admin,
        }
    }

    /// A connection of our own, behind the portal's back.
    pub async fn connect(&self) -> sqlx::PgConnection {
        sqlx::PgConnection::connect(&self.url)
            .await
            .expect("the test database opens")
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let (admin, name) = (self.admin.clone(), self.name.clone());
        // Dropped from a thread of its own: this may run inside the test's runtime.
        let dropped = std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime")
                .block_on(async {
                    let mut conn = sqlx::PgConnection::connect(&admin).await?;
                    sqlx::query(&format!("drop database if exists {name} with (force)"))
                        .execute(&mut conn)
                        .await
                })
        })
        .join();
        if !matches!(dropped, Ok(Ok(_))) {
            eprintln!("test database {} was not dropped: {dropped:?}", self.name);
        }
    }
}
