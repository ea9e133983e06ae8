// One canonical JSON for the whole project (idempotency keys, approval binding, audit chain): it lives in contracts.
export { canonicalJson } from '@switchboard/contracts';
