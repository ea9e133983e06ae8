import { SwitchboardError } from '@switchboard/observability';

/**
 * A command does not apply to what it targets as it is now (nothing is sent or changed): a case command the command
 * rule refuses, a promotion without evidence, a restore of an intent that was not demoted. Shared by the console and
 * the rollout service, so neither imports the other; the API renders it as 409.
 */
export class CommandConflictError extends SwitchboardError {
  constructor(message: string) {
    super('SUPERVISOR.COMMAND_CONFLICT', 'user', message);
  }
}
