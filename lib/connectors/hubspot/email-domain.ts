// The domain of an email address, as HubSpot keeps a company's domain: lower-case, no trailing dot.

/** "Ann@Billing.ACME.com" → "billing.acme.com"; null when there is no address or no dotted domain. */
export function computeEmailDomain(email: string | null): string | null {
  const at = email?.trim().lastIndexOf("@") ?? -1;
  if (!email || at < 0) return null;
  const domain = email.trim().slice(at + 1).toLowerCase().replace(/\.$/, "");
  return /^[\p{L}\p{N}-]+(\.[\p{L}\p{N}-]+)+$/u.test(domain) ? domain : null;
}
