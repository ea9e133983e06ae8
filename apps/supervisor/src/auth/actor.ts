import { createParamDecorator, SetMetadata, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';

/** Who is calling: a console user (session cookie) or a machine client (API key, always role supervisor). */
export interface Actor {
  userId: string;
  role: 'supervisor' | 'viewer';
  via: 'session' | 'api_key';
}

export type ActorRequest = Request & { actor?: Actor };

export const REQUIRED_ROLE = 'supervisor:required-role';
/** Marks a route that only role `supervisor` may call (403 for a viewer). */
export const RequireSupervisor = () => SetMetadata(REQUIRED_ROLE, 'supervisor');
export const PUBLIC_ROUTE = 'supervisor:public-route';
/** Marks a route of a guarded controller that needs no credentials (sign-in). */
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);

/** The actor the guard attached to the request. */
export const CurrentActor = createParamDecorator((_data: unknown, context: ExecutionContext): Actor => {
  const actor = context.switchToHttp().getRequest<ActorRequest>().actor;
  if (!actor) throw new Error('CurrentActor used on a route without ActorGuard');
  return actor;
});
