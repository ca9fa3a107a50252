// The e2e server's ports (playwright.config.ts starts it; specs reach its parts directly). All are
// below Linux's ephemeral range (32768–60999): a port bound after the database has had client
// connections may already be one connection's local port, and the server would not start
// (EADDRINUSE, seen on CI for the Stripe emulator and the SMTP catcher).
export const E2E_PORT = Number(process.env.E2E_PORT ?? 3100);
export const E2E_DB_PORT = Number(process.env.E2E_DB_PORT ?? 31041);
export const E2E_STRIPE_PORT = E2E_DB_PORT + 1;
export const E2E_SMTP_CATCHER_HTTP_PORT = E2E_DB_PORT + 2;
export const E2E_SMTP_CATCHER_SMTP_PORT = E2E_DB_PORT + 3;
export const E2E_HUBSPOT_FAKE_PORT = E2E_DB_PORT + 4;
