import { HttpErrorFilter } from '@switchboard/service-kit';
import { CommandConflictError } from '../commands/command-conflict';
import { AssignedToOtherError, CaseNotFoundError, UnknownAssigneeError, UnsupportedClaimError } from '../console/console.service';
import { PromotionEvidenceError } from '../rollout/rollout.service';

type DomainError = CaseNotFoundError | CommandConflictError | AssignedToOtherError | UnknownAssigneeError | UnsupportedClaimError | PromotionEvidenceError;

const DOMAIN_ERRORS = [CaseNotFoundError, CommandConflictError, AssignedToOtherError, UnknownAssigneeError, UnsupportedClaimError, PromotionEvidenceError] as const;

/** The HTTP status of a domain error, or undefined for anything else (which is not the client's doing). */
export function domainErrorStatus(error: unknown): number | undefined {
  if (!DOMAIN_ERRORS.some((E) => error instanceof E)) return undefined;
  return error instanceof CaseNotFoundError ? 404
    : error instanceof UnknownAssigneeError ? 400
      : error instanceof UnsupportedClaimError || error instanceof PromotionEvidenceError ? 422
        : 409;
}

/**
 * The supervisor's error edge (global, supervisor.app.ts): the shared filter of libs/service-kit with the console's
 * domain errors mapped to their statuses (domain code never throws HTTP exceptions) and `SUPERVISOR.*` codes for the rest.
 */
export const supervisorErrorFilter = (): HttpErrorFilter => new HttpErrorFilter({
  codePrefix: 'SUPERVISOR',
  domain: (error) => {
    const status = domainErrorStatus(error);
    if (status === undefined) return undefined;
    const e = error as DomainError;
    const extra = e instanceof AssignedToOtherError ? { assignee: e.assignee }
      : e instanceof UnsupportedClaimError ? { claims: e.claims }
        : e instanceof PromotionEvidenceError ? { missing: e.missing }
          : {};
    return { status, body: { statusCode: status, code: e.code, message: e.message, ...extra } };
  },
});
