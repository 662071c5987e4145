// The exit codes and the usage error live in src/model (every layer raises them); re-exported for the verbs.
export { EXIT, UsageError } from '../model/netlab-error.js';
