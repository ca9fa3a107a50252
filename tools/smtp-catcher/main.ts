// Runs the SMTP catcher: `npm run smtp-catcher` (`npm start` runs one in-process when SMTP_URL is
// unset). Messages live in memory only.
//   SMTP_CATCHER_SMTP_PORT   SMTP port (default 1025)
//   SMTP_CATCHER_HTTP_PORT   port of the web page and JSON API (default 1080)
//   SMTP_CATCHER_HOST        interface (default 127.0.0.1)
import { startSmtpCatcher } from "./index";

const running = await startSmtpCatcher({
  smtpPort: Number(process.env.SMTP_CATCHER_SMTP_PORT ?? 1025),
  httpPort: Number(process.env.SMTP_CATCHER_HTTP_PORT ?? 1080),
  host: process.env.SMTP_CATCHER_HOST ?? "127.0.0.1",
});
console.log(`[smtp-catcher] accepting mail on ${running.smtpUrl} (SMTP_URL=${running.smtpUrl})`);
console.log(`[smtp-catcher] read it at ${running.httpUrl} (JSON: ${running.httpUrl}/api/messages)`);

let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    void running.stop().then(() => process.exit(0));
  });
}
