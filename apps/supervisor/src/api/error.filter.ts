import { Catch, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { CaseNotFoundError, CommandConflictError } from '../console/console.service';

/** The HTTP edge of the console's domain errors (domain code never throws HTTP exceptions). */
@Catch(CaseNotFoundError, CommandConflictError)
export class SupervisorErrorFilter implements ExceptionFilter {
  catch(error: CaseNotFoundError | CommandConflictError, host: ArgumentsHost): void {
    const status = error instanceof CaseNotFoundError ? 404 : 409;
    host.switchToHttp().getResponse<Response>().status(status).json({ statusCode: status, code: error.code, message: error.message });
  }
}
