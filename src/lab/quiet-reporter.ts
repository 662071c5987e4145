import type { LabReporter } from './run-lab.js';

/** A reporter that says nothing: for labs run by benches, batches and tests, whose results are read afterwards. */
export const quietReporter: LabReporter = { phase() {}, nodeStarted() {}, scenarioStart() {}, step() {}, scenarioEnd() {}, info() {} };
