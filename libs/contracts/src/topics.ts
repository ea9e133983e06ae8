import type { z } from 'zod';
import { AgentResultSchema } from './messages/agent-result';
import { DeadLetterSchema } from './messages/dead-letter';
import { DeliveryStatusSchema, HelpdeskCommandSchema, TicketSignalSchema } from './messages/helpdesk';
import { ResolverTaskSchema } from './messages/resolver';
import { RetrievalTaskSchema } from './messages/retrieval';
import { CaseOutcomeSchema, CustomerReplySchema, InternalNoteSchema, SupervisorCommandSchema } from './messages/supervisor';
import { TicketEventSchema } from './messages/ticket';
import { TriageTaskSchema } from './messages/triage';
import { VerifierTaskSchema } from './messages/verifier';

/** The only place a topic name is written (STYLE.md §4). */
export const TOPICS = {
  ticketsIngress: 'tickets.ingress',
  triageTasks: 'agent.triage.tasks',
  retrievalTasks: 'agent.retrieval.tasks',
  resolverTasks: 'agent.resolver.tasks',
  verifierTasks: 'agent.verifier.tasks',
  agentResults: 'agent.results',
  supervisorCommands: 'supervisor.commands',
  ticketsOutcomes: 'tickets.outcomes',
  ticketsReplies: 'tickets.replies',
  ticketsInternalNotes: 'tickets.internal-notes',
  ticketsDeliveries: 'tickets.deliveries',
  ticketsSignals: 'tickets.signals',
  helpdeskCommands: 'helpdesk.commands',
} as const;

export type TopicName = (typeof TOPICS)[keyof typeof TOPICS];

/**
 * Topic → payload schema, partitions and message type. `tickets.ingress` carries the bare public
 * {@link TicketEventSchema}; every other topic carries an envelope whose `payload` is the schema here.
 */
export const TOPIC_SPECS = {
  'tickets.ingress': { schema: TicketEventSchema, partitions: 6, type: 'ticket.received', enveloped: false },
  'agent.triage.tasks': { schema: TriageTaskSchema, partitions: 6, type: 'agent.triage.task', enveloped: true },
  'agent.retrieval.tasks': { schema: RetrievalTaskSchema, partitions: 6, type: 'agent.retrieval.task', enveloped: true },
  'agent.resolver.tasks': { schema: ResolverTaskSchema, partitions: 6, type: 'agent.resolver.task', enveloped: true },
  'agent.verifier.tasks': { schema: VerifierTaskSchema, partitions: 6, type: 'agent.verifier.task', enveloped: true },
  'agent.results': { schema: AgentResultSchema, partitions: 6, type: 'agent.result', enveloped: true },
  'supervisor.commands': { schema: SupervisorCommandSchema, partitions: 6, type: 'supervisor.command', enveloped: true },
  'tickets.outcomes': { schema: CaseOutcomeSchema, partitions: 6, type: 'case.outcome', enveloped: true },
  'tickets.replies': { schema: CustomerReplySchema, partitions: 6, type: 'case.reply', enveloped: true },
  'tickets.internal-notes': { schema: InternalNoteSchema, partitions: 6, type: 'case.internal-note', enveloped: true },
  'tickets.deliveries': { schema: DeliveryStatusSchema, partitions: 6, type: 'helpdesk.delivery', enveloped: true },
  'tickets.signals': { schema: TicketSignalSchema, partitions: 6, type: 'helpdesk.signal', enveloped: true },
  'helpdesk.commands': { schema: HelpdeskCommandSchema, partitions: 6, type: 'helpdesk.command', enveloped: true },
} as const satisfies Record<TopicName, { schema: z.ZodType; partitions: number; type: string; enveloped: boolean }>;

/** Payload type of a topic, checked by the compiler in `bus.publish(topic, …)` and handler signatures. */
export type TopicMap = { [T in TopicName]: z.infer<(typeof TOPIC_SPECS)[T]['schema']> };
export type PayloadOf<T extends TopicName> = TopicMap[T];

/** Retry and dead-letter topics derived from a base topic. */
export const retryTopic = (topic: string): string => `${topic}.retry`;
export const deadLetterTopic = (topic: string): string => `${topic}.dlq`;
export { DeadLetterSchema };
