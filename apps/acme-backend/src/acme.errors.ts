/** A business-rule or lookup failure with the HTTP status the API answers (the edge maps it; no Nest types here). */
export class AcmeError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
    this.name = 'AcmeError';
  }
}

export const notFound = (what: string): AcmeError => new AcmeError(404, 'NOT_FOUND', `${what} not found`);
