import type { TEmulator } from "../core/context";
import type { Router } from "../core/router";

export function registerMeterEvents(router: Router, emulator: TEmulator): void {
  void router;
  void emulator;
}
