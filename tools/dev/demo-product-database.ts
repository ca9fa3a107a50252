// The demo's "product database" (`npm start` on the embedded server only): a database of its own
// with the table a vendor's product might keep (AI completions per account) and a role that can
// only read it, so the demo SQL source shows a real pull. Created once; its rows are Globex's
// completions since it was created.
import pg from "pg";

export const DEMO_PRODUCT_DATABASE = "demo_product";
const READER = "tally_demo_reader";

/** Creates the database, its table and rows, and the read-only role once; returns the role's URL. */
export async function ensureDemoProductDatabase(adminDatabaseUrl: string, readerPassword: string): Promise<string> {
  const adminUrl = new URL(adminDatabaseUrl);
  const admin = new pg.Client({ connectionString: adminUrl.toString() });
  await admin.connect();
  try {
    const exists = await admin.query(`SELECT 1 FROM pg_database WHERE datname = $1`, [DEMO_PRODUCT_DATABASE]);
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(DEMO_PRODUCT_DATABASE)}`);
    const role = await admin.query(`SELECT 1 FROM pg_roles WHERE rolname = $1`, [READER]);
    const password = pg.escapeLiteral(readerPassword);
    await admin.query(role.rowCount === 0 ? `CREATE ROLE ${READER} LOGIN PASSWORD ${password}` : `ALTER ROLE ${READER} PASSWORD ${password}`);
  } finally {
    await admin.end();
  }

  const productUrl = new URL(adminUrl);
  productUrl.pathname = `/${DEMO_PRODUCT_DATABASE}`;
  const owner = new pg.Client({ connectionString: productUrl.toString() });
  await owner.connect();
  try {
    await owner.query(`
      CREATE TABLE IF NOT EXISTS ai_completions (
        id bigserial PRIMARY KEY,
        account_id text NOT NULL,
        model text NOT NULL,
        total_tokens integer NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      GRANT USAGE ON SCHEMA public TO ${READER};
      GRANT SELECT ON ai_completions TO ${READER};`);
    const { rows } = await owner.query<{ count: string }>(`SELECT count(*) AS count FROM ai_completions`);
    if (rows[0]?.count === "0") {
      await owner.query(
        `INSERT INTO ai_completions (account_id, model, total_tokens)
         SELECT 'globex', (ARRAY['gpt-small', 'gpt-large'])[1 + i % 2], 400 + (i * 37) % 900 FROM generate_series(1, 40) AS i`,
      );
    }
  } finally {
    await owner.end();
  }
  const readerUrl = new URL(productUrl);
  readerUrl.username = READER;
  readerUrl.password = readerPassword;
  return readerUrl.toString();
}
