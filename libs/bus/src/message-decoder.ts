import { createHash } from 'node:crypto';
import type { z } from 'zod';
import {
  caseIdFor, envelopeFor, EnvelopeSchema, isStorableText, TOPIC_SPECS, type Envelope, type PayloadOf, type TicketEvent, type TopicName,
} from '@switchboard/contracts';
import type { MessageSource, TopicBinding } from './bus.types';

/** Why a message could not be read, as it is written into the dead letter. */
export interface DecodeFailure {
  code: 'BUS.MESSAGE_EMPTY' | 'BUS.MESSAGE_TOO_LARGE' | 'BUS.INVALID_JSON' | 'BUS.SCHEMA_INVALID' | 'BUS.UNSTORABLE_VALUE';
  message: string;
  issues?: Array<{ path: string; message: string }>;
}

export type DecodeResult = { ok: true; envelope: Envelope<unknown> } | { ok: false; failure: DecodeFailure };

// Fixed namespace of the name-based ids below (RFC 9562 §5.5).
const ID_NAMESPACE = Buffer.from('6f1c2a4e9b7d4c1e8a3f5d2b7e9c0a14', 'hex');

/**
 * A UUIDv5 derived from where a bare message was first written and from its bytes, so a redelivery (rebalance, crash,
 * retry topic — which keeps the original bytes) of the same Kafka record gets the same id and the processed-message
 * ledger can recognise it.
 *
 * The bytes are part of it because coordinates alone are not unique over a topic's life: a topic deleted and created
 * again, or a cluster rebuilt, starts its offsets at 0, and a new ticket at an old ticket's coordinates would be taken
 * for a redelivery of it and skipped without a word. Two records at the same coordinates with the same bytes are the
 * same ticket, whose case exists (the supervisor records it as a duplicate either way).
 *
 * @example
 * stableMessageId({ topic: 'tickets.ingress', partition: 3, offset: '42' }, value); // same input → same uuid
 */
export function stableMessageId(source: MessageSource, value: Buffer | null): string {
  const digest = createHash('sha256').update(value ?? Buffer.alloc(0)).digest('hex');
  return uuidFromName(`${source.topic}/${source.partition}/${source.offset}/${digest}`);
}

/**
 * A name-based (v5-style) UUID: the same name always gives the same id, so a message derived from another one
 * (an agent's result from its task) keeps one id across redeliveries and consumers' ledgers drop the repeats.
 *
 * @example
 * uuidFromName(`result:${task.id}`) === uuidFromName(`result:${task.id}`); // true
 */
export function uuidFromName(name: string): string {
  const hash = createHash('sha1').update(ID_NAMESPACE).update(name).digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The envelope the bus gives handlers for a bare ticket on `tickets.ingress`: the case id is derived from the ticket,
 * the correlation id is the case id and the message id is stable across redeliveries.
 *
 * @example
 * wrapTicket(ticket, { topic: 'tickets.ingress', partition: 0, offset: '7' }, value).caseId === caseIdFor(ticket);
 */
export function wrapTicket(ticket: TicketEvent, source: MessageSource, value: Buffer | null): Envelope<TicketEvent> {
  const caseId = caseIdFor(ticket);
  return envelopeFor('tickets.ingress', ticket, {
    id: stableMessageId(source, value), caseId, tenantId: ticket.tenantId, region: ticket.region, correlationId: caseId, causationId: null, occurredAt: ticket.receivedAt,
  });
}

const bindings = new Map<string, TopicBinding>();
const envelopeSchemas = new WeakMap<z.ZodType, z.ZodType>();

/**
 * The {@link TopicBinding} of a contract topic, from `TOPIC_SPECS`.
 *
 * @example
 * topicBinding('agent.results').partitions; // 6
 */
export function topicBinding<T extends TopicName>(topic: T): TopicBinding<PayloadOf<T>> {
  let binding = bindings.get(topic);
  if (!binding) {
    const spec = TOPIC_SPECS[topic];
    binding = {
      topic,
      partitions: spec.partitions,
      type: spec.type,
      schema: spec.schema as z.ZodType,
      ...(spec.enveloped ? {} : { wrap: (payload: unknown, source: MessageSource, value: Buffer | null) => wrapTicket(payload as TicketEvent, source, value) }),
    };
    bindings.set(topic, binding);
  }
  return binding as TopicBinding<PayloadOf<T>>;
}

/**
 * The schema a whole message of `binding` must match: the envelope around the payload schema, or the bare schema.
 *
 * @example
 * messageSchema(topicBinding('agent.results')).safeParse(JSON.parse(value));
 */
export function messageSchema(binding: TopicBinding): z.ZodType {
  if (binding.wrap) return binding.schema;
  let schema = envelopeSchemas.get(binding.schema);
  if (!schema) {
    schema = EnvelopeSchema(binding.schema);
    envelopeSchemas.set(binding.schema, schema);
  }
  return schema;
}

/**
 * Zod issues as `{ path, message }` with dotted paths (`payload.requester.email`), `(root)` for the message itself.
 *
 * @example
 * formatIssues(result.error); // [{ path: 'payload.subject', message: 'Too small: expected string to have >=1 characters' }]
 */
export function formatIssues(error: z.ZodError): Array<{ path: string; message: string }> {
  return error.issues.map((issue) => ({ path: issue.path.map(String).join('.') || '(root)', message: issue.message }));
}

/**
 * Deepest nesting of objects and arrays a consumed message may have. Handlers serialise what they read (Postgres
 * parameters, outbox rows, logs) with recursive code that overflows the stack a few thousand levels down, and an
 * error there would be retried as if it were transient; no contract message comes near this depth.
 */
export const MESSAGE_MAX_DEPTH = 64;

/**
 * Why a parsed message cannot be handled and stored, or undefined: nested deeper than {@link MESSAGE_MAX_DEPTH}, or
 * (when `checkText`) a string or key with U+0000 or an unpaired surrogate, which Postgres refuses in text and jsonb.
 * Iterative, so a hostile depth cannot overflow the stack here either.
 *
 * @example
 * unstorableProblem(JSON.parse(raw), raw.includes('\\u')); // { path: 'payload.output.note', message: '…' }
 */
export function unstorableProblem(value: unknown, checkText: boolean): { path: string; message: string } | undefined {
  // Each entry links to its parent, so a path is spelled out only for the problem found: copying it for every node
  // walked allocated on every message consumed.
  interface Item { value: unknown; depth: number; key?: string | number; parent?: Item }
  const at = (item: Item | undefined, limit = Infinity): string => {
    const path: Array<string | number> = [];
    for (let i = item; i?.parent; i = i.parent) path.unshift(i.key!);
    return path.slice(0, limit).map(String).join('.') || '(root)';
  };
  const stack: Item[] = [{ value, depth: 0 }];
  while (stack.length > 0) {
    const item = stack.pop()!;
    if (typeof item.value === 'string') {
      if (checkText && !isStorableText(item.value)) return { path: at(item), message: 'contains U+0000 or an unpaired UTF-16 surrogate, which the store cannot hold' };
      continue;
    }
    if (item.value === null || typeof item.value !== 'object') continue;
    if (item.depth >= MESSAGE_MAX_DEPTH) return { path: at(item, 8), message: `is nested deeper than ${MESSAGE_MAX_DEPTH} objects/arrays` };
    if (Array.isArray(item.value)) {
      item.value.forEach((child, i) => stack.push({ value: child, depth: item.depth + 1, key: i, parent: item }));
      continue;
    }
    for (const [key, child] of Object.entries(item.value)) {
      if (checkText && !isStorableText(key)) return { path: at(item), message: 'has a key with U+0000 or an unpaired UTF-16 surrogate, which the store cannot hold' };
      stack.push({ value: child, depth: item.depth + 1, key, parent: item });
    }
  }
  return undefined;
}

/**
 * Size check, JSON parse, schema validation and the storability check ({@link unstorableProblem}) of one Kafka value;
 * never throws. A failure carries a code and a
 * readable message for the dead letter.
 *
 * @example
 * const result = decodeMessage(topicBinding('agent.results'), message.value, source, 1_000_000);
 * if (!result.ok) deadLetter(result.failure);
 */
export function decodeMessage(binding: TopicBinding, value: Buffer | null, source: MessageSource, maxBytes: number): DecodeResult {
  if (value === null || value.length === 0) {
    return { ok: false, failure: { code: 'BUS.MESSAGE_EMPTY', message: `message on ${binding.topic} has no value` } };
  }
  if (value.length > maxBytes) {
    return { ok: false, failure: { code: 'BUS.MESSAGE_TOO_LARGE', message: `message is ${value.length} bytes, the limit is ${maxBytes} (BUS_MAX_MESSAGE_BYTES)` } };
  }
  let json: unknown;
  const text = value.toString('utf8');
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { ok: false, failure: { code: 'BUS.INVALID_JSON', message: `message is not valid JSON: ${(error as Error).message}` } };
  }
  const parsed = messageSchema(binding).safeParse(json);
  if (!parsed.success) {
    const issues = formatIssues(parsed.error);
    const summary = issues.slice(0, 5).map((i) => `${i.path}: ${i.message}`).join('; ');
    const what = binding.wrap ? `a ${binding.type} event` : `an envelope of ${binding.type}`;
    return {
      ok: false,
      failure: { code: 'BUS.SCHEMA_INVALID', message: `message on ${binding.topic} is not ${what}: ${summary}${issues.length > 5 ? `; and ${issues.length - 5} more` : ''}`, issues },
    };
  }
  // Well-formed input only yields U+0000 or a lone surrogate through a \u escape, so text without one skips that check.
  const problem = unstorableProblem(parsed.data, text.includes('\\u'));
  if (problem) {
    return {
      ok: false,
      failure: { code: 'BUS.UNSTORABLE_VALUE', message: `message on ${binding.topic} cannot be stored: ${problem.path} ${problem.message}`, issues: [problem] },
    };
  }
  const envelope = binding.wrap ? binding.wrap(parsed.data, source, value) : (parsed.data as Envelope<unknown>);
  return { ok: true, envelope };
}
