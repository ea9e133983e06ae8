import type { Procedure, SlotSpec } from '@switchboard/contracts';
import { compileExpression, ExpressionError } from './expression';

/** A slot the entities do not settle: the model is asked, among `candidates` when there are some. */
export interface SlotQuestion {
  name: string;
  spec: SlotSpec;
  candidates: Array<string | number | boolean>;
}

/** Slots filled from the ticket's entities, the questions left for the model, and problems (no way to fill a slot). */
export interface SlotPrefill {
  values: Record<string, unknown>;
  /** Where each value came from, for the trace. */
  sources: Record<string, 'entities' | 'default' | 'model'>;
  questions: SlotQuestion[];
  problems: string[];
}

const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,255}\.[^\s@]{2,63}$/;

/**
 * Fills a procedure's slots from the context (`from` expressions over ticket, entities, passages): one value → used;
 * none → the default, else a question for the model; several → a question among those candidates. Slots in `known`
 * (fixed by an earlier run) are left alone.
 *
 * @example
 * prefillSlots(procedure, { ticket, entities: { emails: ['hank@globex.example'] }, passages: [] }).values; // { email: 'hank@globex.example' }
 */
export function prefillSlots(p: Procedure, context: Record<string, unknown>, known: Record<string, unknown> = {}): SlotPrefill {
  const out: SlotPrefill = { values: {}, sources: {}, questions: [], problems: [] };
  for (const [name, spec] of Object.entries(p.slots)) {
    if (name in known) continue;
    let candidates: unknown[] = [];
    if (spec.from) {
      try {
        const v = compileExpression(spec.from).evaluate(context);
        candidates = (Array.isArray(v) ? v : [v]).filter((x) => x !== null && x !== undefined && x !== '');
      } catch (error) {
        out.problems.push(`slot ${name}: ${error instanceof ExpressionError ? error.message : String(error)}`);
        continue;
      }
    }
    const valid = [...new Set(candidates.map((c) => coerceSlot(spec, c)).filter((c): c is { ok: true; value: string | number | boolean } => c.ok).map((c) => c.value))];
    if (valid.length === 1) {
      out.values[name] = valid[0];
      out.sources[name] = 'entities';
    } else if (valid.length > 1 && spec.ask) {
      out.questions.push({ name, spec, candidates: valid });
    } else if (valid.length > 1) {
      out.problems.push(`slot ${name} (${spec.description}) is ambiguous: ${valid.join(', ')}`);
    } else if (spec.ask) {
      out.questions.push({ name, spec, candidates: [] });
    } else if (spec.default !== undefined) {
      out.values[name] = spec.default;
      out.sources[name] = 'default';
    } else {
      out.problems.push(`the ticket does not give ${spec.description} (slot ${name})`);
    }
  }
  return out;
}

/**
 * Checks (and coerces: "14" → 14 for an integer slot) a value for a slot. `ticketText`, when given, must contain a
 * string answer (case-insensitive) unless the slot sets `inTicket: false`: a model may pick from the ticket, not invent.
 *
 * @example
 * coerceSlot({ description: 'days', type: 'integer', minimum: 1, maximum: 30, ask: true }, '14'); // { ok: true, value: 14 }
 */
export function coerceSlot(spec: SlotSpec, raw: unknown, ticketText?: string): { ok: true; value: string | number | boolean } | { ok: false; reason: string } {
  let value: unknown = raw;
  if ((spec.type === 'integer' || spec.type === 'number') && typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) value = Number(value);
  if (spec.type === 'boolean' && (value === 'true' || value === 'false')) value = value === 'true';
  switch (spec.type) {
    case 'string':
      if (typeof value !== 'string' || value.trim() === '') return { ok: false, reason: 'not a non-empty string' };
      value = value.trim();
      if (spec.format === 'email') {
        value = (value as string).toLowerCase();
        if (!EMAIL.test(value as string)) return { ok: false, reason: `${JSON.stringify(value)} is not an email address` };
      }
      if ((spec.inTicket ?? true) && ticketText !== undefined && !ticketText.toLowerCase().includes((value as string).toLowerCase())) {
        return { ok: false, reason: `${JSON.stringify(value)} does not appear in the ticket` };
      }
      break;
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value)) return { ok: false, reason: `${JSON.stringify(raw)} is not a whole number` };
      break;
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) return { ok: false, reason: `${JSON.stringify(raw)} is not a number` };
      break;
    case 'boolean':
      if (typeof value !== 'boolean') return { ok: false, reason: `${JSON.stringify(raw)} is not true or false` };
      break;
  }
  if (spec.enum && !spec.enum.includes(value as string | number)) return { ok: false, reason: `${JSON.stringify(value)} is not one of ${spec.enum.join(', ')}` };
  if (typeof value === 'number' && spec.minimum !== undefined && value < spec.minimum) return { ok: false, reason: `${value} is below ${spec.minimum}` };
  if (typeof value === 'number' && spec.maximum !== undefined && value > spec.maximum) return { ok: false, reason: `${value} is above ${spec.maximum}` };
  return { ok: true, value: value as string | number | boolean };
}

/**
 * The JSON Schema of the model's answer to slot questions: one property per question, a candidate (enum) or a value
 * of the slot's type, or null for "the ticket does not say".
 *
 * @example
 * slotAnswerSchema(prefill.questions); // { type: 'object', properties: { email: { anyOf: [...] } }, required: ['email'] }
 */
export function slotAnswerSchema(questions: readonly SlotQuestion[]): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  for (const q of questions) {
    const base: Record<string, unknown> = q.candidates.length > 0
      ? { enum: q.candidates }
      : { type: q.spec.type === 'integer' ? 'integer' : q.spec.type, ...(q.spec.enum ? { enum: q.spec.enum } : {}), ...(q.spec.minimum !== undefined ? { minimum: q.spec.minimum } : {}), ...(q.spec.maximum !== undefined ? { maximum: q.spec.maximum } : {}), ...(q.spec.type === 'string' ? { maxLength: 320 } : {}) };
    properties[q.name] = { description: q.spec.description, anyOf: [base, { type: 'null' }] };
  }
  return { type: 'object', properties, required: questions.map((q) => q.name), additionalProperties: false };
}
