// A second real database acting as the vendor's product database: its own database on the run's
// Postgres server, written by its owner (the test), read by a role that can only SELECT (what an
// admin gives Tally). Dropped, with its role, when the test is done.
import { randomUUID } from "node:crypto";
import pg from "pg";

export type TProductDatabase = {
  /** The read-only role's URL: what an admin registers. */
  readerUrl: string;
  /** The owner's URL (can write): to show that Tally runs queries read-only whatever the role. */
  ownerUrl: string;
  /** Runs SQL as the owner (the product writing its own rows). */
  query: (text: string, values?: unknown[]) => Promise<pg.QueryResult>;
  drop: () => Promise<void>;
};

export async function createProductDatabase(schemaSql: string): Promise<TProductDatabase> {
  const adminUrl = new URL(process.env.TALLY_TEST_ADMIN_URL ?? "");
  const suffix = randomUUID().replaceAll("-", "").slice(0, 10);
  const name = `product_${suffix}`;
  const reader = `tally_reader_${suffix}`;
  const password = `pw-${randomUUID()}`;
  const admin = new pg.Client({ connectionString: adminUrl.toString() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
  await admin.query(`CREATE ROLE ${pg.escapeIdentifier(reader)} LOGIN PASSWORD ${pg.escapeLiteral(password)}`);

  const ownerUrl = new URL(adminUrl);
  ownerUrl.pathname = `/${name}`;
  const owner = new pg.Client({ connectionString: ownerUrl.toString() });
  await owner.connect();
  await owner.query(schemaSql);
  await owner.query(`REVOKE ALL ON SCHEMA public FROM PUBLIC; GRANT USAGE ON SCHEMA public TO ${pg.escapeIdentifier(reader)};`);
  await owner.query(`GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${pg.escapeIdentifier(reader)}`);

  const readerUrl = new URL(ownerUrl);
  readerUrl.username = reader;
  readerUrl.password = password;
  return {
    readerUrl: readerUrl.toString(),
    ownerUrl: ownerUrl.toString(),
    query: (text, values) => owner.query(text, values),
    drop: async () => {
      await owner.end();
      await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
      await admin.query(`DROP ROLE IF EXISTS ${pg.escapeIdentifier(reader)}`);
      await admin.end();
    },
  };
}
