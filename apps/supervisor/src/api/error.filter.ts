import { Catch, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { AssignedToOtherError, CaseNotFoundError, CommandConflictError, UnknownAssigneeError, UnsupportedClaimError } from '../console/console.service';
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

/** The HTTP edge of the console's domain errors (domain code never throws HTTP exceptions). */
@Catch(CaseNotFoundError, CommandConflictError, AssignedToOtherError, UnknownAssigneeError, UnsupportedClaimError, PromotionEvidenceError)
export class SupervisorErrorFilter implements ExceptionFilter {
  catch(error: DomainError, host: ArgumentsHost): void {
    const status = domainErrorStatus(error) ?? 500;
    const extra = error instanceof AssignedToOtherError ? { assignee: error.assignee }
      : error instanceof UnsupportedClaimError ? { claims: error.claims }
        : error instanceof PromotionEvidenceError ? { missing: error.missing }
          : {};
    host.switchToHttp().getResponse<Response>().status(status).json({ statusCode: status, code: error.code, message: error.message, ...extra });
  }
}
