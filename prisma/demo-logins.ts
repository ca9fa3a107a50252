// The demo logins the seed creates. Kept apart from the seed so that `npm start` can print them
// without opening the database. Demo passwords are public: never seed them into a real deployment.
export const DEMO_LOGINS = [
  { email: "admin@tally.test", password: "tally-admin-demo", name: "Avery Admin", staffRole: "ADMIN", customer: null },
  { email: "finance@tally.test", password: "tally-finance-demo", name: "Fran Finance", staffRole: "FINANCE", customer: null },
  { email: "ada@acme.test", password: "tally-customer-demo", name: "Ada Lovelace", staffRole: null, customer: "acme-corp" },
  { email: "grace@globex.test", password: "tally-customer-demo", name: "Grace Hopper", staffRole: null, customer: "globex" },
] as const;

export function describeDemoLogins(): string {
  return DEMO_LOGINS.map(
    (login) => `  ${login.email.padEnd(20)} ${login.password.padEnd(21)} ${login.staffRole ?? `customer (${login.customer})`}`,
  ).join("\n");
}
