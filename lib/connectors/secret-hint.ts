// What admins see of a stored secret: enough to recognise it, never enough to use it.

/** The connection URL without its password (and without any password= parameter). */
export function connectionUrlHint(connectionUrl: string): string {
  const url = new URL(connectionUrl);
  url.password = "";
  url.searchParams.delete("password");
  return url.toString();
}

/** A token's last four characters. */
export const tokenHint = (token: string) => `…${token.slice(-4)}`;
