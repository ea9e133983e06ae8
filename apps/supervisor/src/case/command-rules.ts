import type { SupervisorCommand } from '@switchboard/contracts';
import { replyBlocker, reviewDraft } from '../draft/draft-reply';
import type { CaseState } from './case.types';

/**
 * A command as its sender means it: everything but `by` (who sends it is a separate argument); a reply's `run` may be
 * left out, meaning the case's current run. A {@link SupervisorCommand} is one too.
 */
export type CommandRequest = SupervisorCommand extends infer C
  ? C extends { command: 'send_reply' } ? Omit<C, 'by' | 'run'> & { run?: number } : C extends unknown ? Omit<C, 'by'> : never
  : never;

/**
 * Why a command does not apply to a case as it is now. `why` is the trace's reason (it names people);
 * `message`, where given, is the same reason as told to the sender (the console's answer), else `why` is told.
 * `assigned_to_other` and `unsupported_claims` carry what the console shows beside the reason.
 */
export type CommandBlock =
  | { kind: 'conflict'; why: string; message?: string }
  | { kind: 'assigned_to_other'; why: string; assignee: string }
  | { kind: 'unsupported_claims'; why: string; unsupported: string[] };

/**
 * The one rule of whether `by` may apply `command` to the case now (`undefined`: they may). Pure. The console asks it
 * before sending (and refuses with its reason); the case machine asks it again on the state the command finds (and
 * ignores the command with its `why`), so a command that raced another one is never applied on a stale check.
 * Checks only the case can answer: whether a reassign's `to` is a console user is the console's own check.
 *
 * @example
 * commandBlocker(state, { command: 'claim' }, 'bob'); // { kind: 'assigned_to_other', why: 'assigned to ana', assignee: 'ana' }
 */
export function commandBlocker(s: CaseState, command: CommandRequest, by: string): CommandBlock | undefined {
  const conflict = (why: string, message?: string): CommandBlock => ({ kind: 'conflict', why, ...(message ? { message } : {}) });
  if (s.status === 'RESOLVED' || s.status === 'CLOSED') return conflict(`case is ${s.status}`, `case is ${s.status}; nothing to ${command.command}`);
  switch (command.command) {
    case 'approve':
    case 'reject':
      if (s.status !== 'AWAITING_APPROVAL' || s.approval?.approvalId !== command.approvalId) {
        return conflict(`no pending approval ${command.approvalId} on this case (status ${s.status})`);
      }
      return undefined;
    case 'rerun':
      if (s.status !== 'ESCALATED' && s.status !== 'FAILED') return conflict(`only an escalated or failed case can be re-run (status ${s.status})`);
      return undefined;
    case 'claim':
      if (s.assignee && s.assignee !== by) return { kind: 'assigned_to_other', why: `assigned to ${s.assignee}`, assignee: s.assignee };
      if (s.assignee === by) return conflict(`already assigned to ${by}`, 'this case is already assigned to you');
      return undefined;
    case 'release':
      if (s.assignee === by) return undefined;
      return s.assignee
        ? conflict(`assigned to ${s.assignee}, not ${by}`, `this case is assigned to ${s.assignee}, not to you; reassign it instead`)
        : conflict('not assigned', 'this case is not assigned');
    case 'reassign':
      if (s.assignee === command.to) return conflict(`this case is already assigned to ${command.to}`);
      return undefined;
    case 'send_reply': {
      const blocked = replyBlocker(s, by, command.run);
      if (blocked?.assignee) return { kind: 'assigned_to_other', why: blocked.why, assignee: blocked.assignee };
      if (blocked) return conflict(blocked.why);
      // The verifier's claim rules on the text, whoever signed the command.
      const unsupported = reviewDraft(s, command.body).unsupported;
      if (unsupported.length > 0) return { kind: 'unsupported_claims', why: `unsupported claims: ${unsupported.join('; ')}`.slice(0, 2000), unsupported };
      return undefined;
    }
    case 'take_over':
    case 'close':
      return undefined;
  }
}
