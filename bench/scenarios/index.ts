import type { Scenario } from '../figure';

/** Every benchmark scenario; each lives in its own file in this folder. */
export const scenarios: Scenario[] = [];
