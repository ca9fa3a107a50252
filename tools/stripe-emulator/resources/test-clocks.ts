import type { TEmulator } from "../core/context";
import type { Router } from "../core/router";

export function registerTestClocks(router: Router, emulator: TEmulator): void {
  void router;
  void emulator;
}
