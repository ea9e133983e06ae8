import { HttpErrorFilter } from '@switchboard/service-kit';
import { AcmeError } from './acme.errors';

/** The reference backend's error edge: its own errors as `{ code, message }`, the rest by the shared filter. */
export const acmeErrorFilter = (): HttpErrorFilter => new HttpErrorFilter({
  domain: (error) => (error instanceof AcmeError ? { status: error.status, body: { code: error.code, message: error.message } } : undefined),
});
