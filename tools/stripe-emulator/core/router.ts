import type { TRequestContext } from "./context";

export type THandler = (context: TRequestContext) => unknown | Promise<unknown>;

type TRoute = { method: string; pattern: RegExp; names: string[]; template: string; handler: THandler };

/** Routes by method and path template (`/v1/customers/:id`). */
export class Router {
  private readonly routes: TRoute[] = [];

  add(method: "GET" | "POST" | "DELETE", template: string, handler: THandler): void {
    const names: string[] = [];
    const source = template.replace(/:([A-Za-z_]+)/g, (_match, name: string) => {
      names.push(name);
      return "([^/]+)";
    });
    this.routes.push({ method, pattern: new RegExp(`^${source}$`), names, template, handler });
  }

  match(method: string, path: string): { handler: THandler; params: Record<string, string>; template: string } | "method_not_allowed" | undefined {
    let pathMatched = false;
    for (const route of this.routes) {
      const match = route.pattern.exec(path);
      if (!match) continue;
      pathMatched = true;
      if (route.method !== method) continue;
      const params = Object.fromEntries(route.names.map((name, index) => [name, decodeURIComponent(match[index + 1] ?? "")]));
      return { handler: route.handler, params, template: route.template };
    }
    return pathMatched ? "method_not_allowed" : undefined;
  }
}
