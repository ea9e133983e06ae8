import { applyDecorators, Catch, Controller, UseFilters, type ArgumentsHost, type RpcExceptionFilter } from '@nestjs/common';
import { throwError, type Observable } from 'rxjs';

/**
 * Hands a handler's error to the bus as it was thrown. Nest's default RPC filter would replace it with
 * `{ status: 'error', message: 'Internal server error' }`, and the bus decides retry, dead-letter or outage pause
 * from the error itself (its category, `isDependencyUnavailable`).
 */
@Catch()
export class BusErrorFilter implements RpcExceptionFilter<unknown> {
  catch(error: unknown, _host: ArgumentsHost): Observable<never> {
    return throwError(() => error);
  }
}

/**
 * Declares a controller of `@EventPattern` handlers served by {@link BusTransport}: a Nest controller whose errors
 * reach the bus unchanged ({@link BusErrorFilter}), so retry topics, dead-lettering and outage pauses behave as with
 * `bus.consume`.
 *
 * @example
 * @BusController()
 * export class SupervisorEventsController {
 *   @EventPattern('agent.results')
 *   onResult(@Payload(ContractMessagePipe) message: IncomingMessage<'agent.results'>) { return this.handler.handle(message); }
 * }
 */
export function BusController(): ClassDecorator {
  return applyDecorators(Controller(), UseFilters(BusErrorFilter));
}
